// A-vs-B statistics per layer (spec/SROP.md §6): medians and their difference, the
// Wasserstein-1 distance and the Kolmogorov-Smirnov statistic between the two SROP distributions,
// and the paired per-channel figures (channel c of A and of B are the same filter).

import { mean, medianSorted } from './summary';
import type { LayerResult } from './layerResult';

/** One side of a comparison: a layer's SROPs (NaN: no SROP), map index n * C + c. */
export interface SropSide {
  inputs: number;
  channels: number;
  srop: Float64Array;
}

export type Pairing = 'maps' | 'channel-means' | 'none';

/** Field names as in the command's output (spec/SROP.md §6, §8); differences are B - A; null where undefined. */
export interface SropComparison {
  /** C, the layer's channel count (A's, when the two differ; then there are no paired figures). */
  channels: number;
  /** Maps of A with no SROP (dead or non-finite). */
  dead_a: number;
  dead_b: number;
  median_a: number | null;
  median_b: number | null;
  delta_median: number | null;
  wasserstein: number | null;
  ks: number | null;
  /** Median over pairs of SROP_B - SROP_A. */
  paired_median_delta: number | null;
  /** Share of pairs with SROP_B > SROP_A. */
  share_rising: number | null;
  /** maps: (i, c) with (i, c), same batch sizes; channel-means: each channel's mean over its side's batch. */
  pairing: Pairing;
  /** Pairs with an SROP on both sides. */
  pairs: number;
}

export interface LayerComparison extends SropComparison {
  layer: string;
}

function sortedFinite(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[k++] = values[i];
  return out.sort();
}

/**
 * Walks the merged sorted samples; at each distinct value x calls visit(x, F_a(x), F_b(x), next)
 * with the right-continuous empirical CDFs and the next distinct value (Infinity after the last).
 */
function walkCdfs(a: Float64Array, b: Float64Array, visit: (x: number, fa: number, fb: number, next: number) => void): void {
  const na = a.length, nb = b.length;
  let i = 0, j = 0;
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    while (i < na && a[i] === x) i++;
    while (j < nb && b[j] === x) j++;
    const next = Math.min(i < na ? a[i] : Infinity, j < nb ? b[j] : Infinity);
    visit(x, i / na, j / nb, next);
  }
}

/** Wasserstein-1 distance between two empirical distributions (scipy.stats.wasserstein_distance). */
export function wasserstein1(a: Float64Array, b: Float64Array): number | null {
  const sa = sortedFinite(a), sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return null;
  let distance = 0;
  walkCdfs(sa, sb, (x, fa, fb, next) => {
    if (next !== Infinity) distance += Math.abs(fa - fb) * (next - x);
  });
  return distance;
}

/** Two-sample Kolmogorov-Smirnov statistic sup |F_A - F_B|. */
export function ksStatistic(a: Float64Array, b: Float64Array): number | null {
  const sa = sortedFinite(a), sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return null;
  let sup = 0;
  walkCdfs(sa, sb, (_x, fa, fb) => {
    sup = Math.max(sup, Math.abs(fa - fb));
  });
  return sup;
}

/** Each channel's mean SROP over the batch (maps with an SROP only); NaN where it has none. */
export function channelMeans(side: SropSide): Float64Array {
  const { inputs, channels, srop } = side;
  const means = new Float64Array(channels);
  const column = new Float64Array(inputs);
  for (let c = 0; c < channels; c++) {
    let k = 0;
    for (let n = 0; n < inputs; n++) {
      const v = srop[n * channels + c];
      if (!Number.isNaN(v)) column[k++] = v;
    }
    means[c] = k === 0 ? NaN : mean(column.subarray(0, k))!;
  }
  return means;
}

function countMissing(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) n++;
  return n;
}

export function compareSrops(a: SropSide, b: SropSide): SropComparison {
  for (const [name, side] of [['A', a], ['B', b]] as const) {
    if (side.srop.length !== side.inputs * side.channels) {
      throw new Error(`compare: side ${name} has ${side.srop.length} SROPs, not ${side.inputs} inputs x ${side.channels} channels`);
    }
  }
  const sa = sortedFinite(a.srop), sb = sortedFinite(b.srop);
  const medianA = medianSorted(sa), medianB = medianSorted(sb);

  let pairing: Pairing = 'none';
  let pa: Float64Array | null = null, pb: Float64Array | null = null;
  if (a.channels === b.channels) {
    if (a.inputs === b.inputs) {
      pairing = 'maps';
      pa = a.srop;
      pb = b.srop;
    } else {
      pairing = 'channel-means';
      pa = channelMeans(a);
      pb = channelMeans(b);
    }
  }
  let pairedMedian: number | null = null, shareRising: number | null = null, pairs = 0;
  if (pa && pb) {
    const deltas = new Float64Array(pa.length);
    let rising = 0;
    for (let i = 0; i < pa.length; i++) {
      if (Number.isNaN(pa[i]) || Number.isNaN(pb[i])) continue;
      const d = pb[i] - pa[i];
      deltas[pairs++] = d;
      if (d > 0) rising++;
    }
    if (pairs > 0) {
      pairedMedian = medianSorted(deltas.subarray(0, pairs).sort());
      shareRising = rising / pairs;
    }
  }
  return {
    channels: a.channels,
    dead_a: countMissing(a.srop),
    dead_b: countMissing(b.srop),
    median_a: medianA,
    median_b: medianB,
    delta_median: medianA === null || medianB === null ? null : medianB - medianA,
    wasserstein: wasserstein1(sa, sb),
    ks: ksStatistic(sa, sb),
    paired_median_delta: pairedMedian,
    share_rising: shareRising,
    pairing,
    pairs,
  };
}

/** A-vs-B figures of one layer present in both files (matched by name by the caller). */
export function compareLayers(a: LayerResult, b: LayerResult): LayerComparison {
  const side = (r: LayerResult): SropSide => ({ inputs: r.shape[0], channels: r.shape[1], srop: r.srop });
  return { layer: a.name, ...compareSrops(side(a), side(b)) };
}

/** Whether two [N, C, H, W] layers hold the same maps: channels, height and width agree (batch sizes may differ). */
export function sameMaps(a: readonly number[], b: readonly number[]): boolean {
  return a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
