// A kappa sweep: per compared layer, the A-vs-B Wasserstein distance and median shift of the SROP
// distributions at every kappa from 0.50 to 0.99, from the ring profiles already measured (no FFT:
// each kappa is a cumulative sum over the rings, spec/SROP.md). The layers that move most can
// change with kappa; the sweep shows where.

import type { RingProfiles } from '../engine/types';
import { compareSrops } from './compare';
import { csvField } from './format';
import type { LayerRow } from './layerRows';
import { KAPPA_CHOICES, layerSrops, type SropParams } from './srop';
import { selectedRange } from './summary';
import type { LayerResult } from './layerResult';

/** The kappas of the sweep: the slider's, 0.50 to 0.99 in steps of 0.01. */
export const SWEEP_KAPPAS: readonly number[] = Object.freeze(
  Array.from({ length: Math.round((KAPPA_CHOICES.max - KAPPA_CHOICES.min) / KAPPA_CHOICES.step) + 1 }, (_, i) => Math.round((KAPPA_CHOICES.min + i * KAPPA_CHOICES.step) * 100) / 100),
);

export interface LayerSweep {
  layer: string;
  /** The full tensor name where the layer is shown by a shorter one. */
  tensor: string | null;
  /** Per kappa of the sweep (null where a side has no SROP). */
  wasserstein: Array<number | null>;
  /** Median of B minus median of A, per kappa. */
  medianShift: Array<number | null>;
}

export interface KappaSweep {
  kappas: number[];
  layers: LayerSweep[];
}

const cache = new WeakMap<RingProfiles, WeakMap<RingProfiles, Map<string, Omit<LayerSweep, 'layer' | 'tensor'>>>>();

/** One side's SROPs at `params`, restricted to the input shown (all of the batch when pooled). */
function side(result: LayerResult, profiles: RingProfiles, params: SropParams, input: number | null) {
  const [n, c] = result.shape;
  const srop = layerSrops(profiles, params).srop;
  const [first, end] = selectedRange(n * c, input === null ? undefined : { channels: c, input: Math.min(input, n - 1) });
  return { inputs: (end - first) / c, channels: c, srop: srop.subarray(first, end) };
}

function sweepLayer(a: LayerResult & { profiles: RingProfiles }, b: LayerResult & { profiles: RingProfiles }, inputA: number | null, inputB: number | null, params: SropParams, kappas: readonly number[]) {
  const key = `${inputA}|${inputB}|${params.dc}|${params.domain}|${params.interpolate}|${kappas.join(',')}`;
  let byB = cache.get(a.profiles);
  if (!byB) cache.set(a.profiles, (byB = new WeakMap()));
  let byKey = byB.get(b.profiles);
  if (!byKey) byB.set(b.profiles, (byKey = new Map()));
  const known = byKey.get(key);
  if (known) return known;
  const wasserstein: Array<number | null> = [];
  const medianShift: Array<number | null> = [];
  for (const kappa of kappas) {
    const at = { ...params, kappa };
    const c = compareSrops(side(a, a.profiles, at, inputA), side(b, b.profiles, at, inputB));
    wasserstein.push(c.wasserstein);
    medianShift.push(c.delta_median);
  }
  const out = { wasserstein, medianShift };
  byKey.set(key, out);
  return out;
}

/**
 * The sweep of every compared layer (both sides present, the same channels), in the rows' order.
 * The SROP parameters other than kappa are the page's (`params`).
 */
export function kappaSweep(rows: LayerRow[], inputA: number | null, inputB: number | null, params: SropParams, kappas: readonly number[] = SWEEP_KAPPAS): KappaSweep {
  const layers: LayerSweep[] = [];
  for (const row of rows) {
    if (!row.comparison || !row.a || !row.b) continue;
    const ra = row.a.result, rb = row.b.result;
    // A layer read from a results file has SROPs only: no profiles to recompute at another kappa.
    if (!ra.profiles || !rb.profiles) continue;
    layers.push({ layer: row.name, tensor: ra.tensor ?? rb.tensor ?? null, ...sweepLayer(ra as LayerResult & { profiles: RingProfiles }, rb as LayerResult & { profiles: RingProfiles }, inputA, inputB, params, kappas) });
  }
  return { kappas: [...kappas], layers };
}

/** The layers that move most somewhere in the sweep: ranked by their largest Wasserstein distance. */
export function mostMoved(sweep: KappaSweep, count = 4): string[] {
  const peak = (l: LayerSweep) => Math.max(-Infinity, ...l.wasserstein.filter((v): v is number => v !== null));
  return [...sweep.layers].sort((x, y) => peak(y) - peak(x)).slice(0, count).map((l) => l.layer);
}

/** Runs of kappas over which one layer moves most: `[{ layer, from, to }]`, in kappa order. */
export function leaderRuns(sweep: KappaSweep): Array<{ layer: string; from: number; to: number }> {
  const leaders = leaderByKappa(sweep);
  const runs: Array<{ layer: string; from: number; to: number }> = [];
  leaders.forEach((layer, i) => {
    if (layer === null) return;
    const last = runs[runs.length - 1];
    if (last && last.layer === layer && leaders[i - 1] === layer) last.to = sweep.kappas[i];
    else runs.push({ layer, from: sweep.kappas[i], to: sweep.kappas[i] });
  });
  return runs;
}

/** The layer that moves most at each kappa (null where none is compared). */
export function leaderByKappa(sweep: KappaSweep): Array<string | null> {
  return sweep.kappas.map((_, k) => {
    let best: LayerSweep | null = null;
    for (const l of sweep.layers) if (l.wasserstein[k] !== null && (best === null || l.wasserstein[k]! > best.wasserstein[k]!)) best = l;
    return best?.layer ?? null;
  });
}

/** CSV of the sweep: one row per layer and kappa. */
export const kappaSweepCsvHeader = 'layer,tensor,kappa,wasserstein,median_shift';

export function kappaSweepCsv(sweep: KappaSweep): string {
  const field = csvField;
  const lines = [kappaSweepCsvHeader];
  for (const l of sweep.layers) sweep.kappas.forEach((k, i) => lines.push([l.layer, l.tensor ?? l.layer, k, l.wasserstein[i], l.medianShift[i]].map(field).join(',')));
  return lines.join('\n') + '\n';
}
