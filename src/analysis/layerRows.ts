// The rows and curves the views draw, computed without React or the DOM: violin densities, the layer rows of the
// overview and of the comparison table, cumulative ring-energy curves with their quartile band,
// channel lists, and the centred log power spectrum of one map. Plain numbers in, plain numbers out.

import { matchLayers } from './matchLayers';
import type { RingProfiles } from '../engine/types';
import { keptRingEnergy, STATUS_OK, type SropParams } from './srop';
import { layerSummary, quantileSorted, selectedRange, sropValues, std, type DistributionSummary, type MapSelection } from './summary';
import { channelMeans, compareSrops, sameMaps, type SropComparison } from './compare';
import type { LayerResult } from './layerResult';
import { compareInputs, holm, type InputComparison } from './inputStats';

/** Which maps of a side enter its charts: the pooled batch, or one input. */
export function selectionOf(result: LayerResult, input: number | null): MapSelection | undefined {
  if (input === null) return undefined;
  return { channels: result.shape[1], input: Math.min(input, result.shape[0] - 1) };
}

/**
 * Gaussian kernel density of `values` on `grid` (Silverman's rule of thumb for the bandwidth,
 * floored so that a single value or identical values still draw a narrow bump), scaled so that
 * the largest value is 1 (violins of different layers are drawn at the same width).
 */
export function violinDensity(values: Float64Array, grid: Float64Array): Float64Array {
  const out = new Float64Array(grid.length);
  const n = values.length;
  if (n === 0) return out;
  const sorted = Float64Array.from(values).sort();
  const spread = Math.min(std(sorted) ?? 0, ((quantileSorted(sorted, 0.75) ?? 0) - (quantileSorted(sorted, 0.25) ?? 0)) / 1.34);
  const span = grid.length > 1 ? grid[grid.length - 1] - grid[0] : 1;
  const bandwidth = Math.max(0.9 * (spread > 0 ? spread : std(sorted) ?? 0) * n ** -0.2, span / 200, 1e-6);
  // Large layers are binned first (linear binning onto a fine grid, as KDE plots do): the cost
  // then no longer grows with the number of maps, and the drawn shape does not change visibly.
  let points = sorted;
  let weights: Float64Array | null = null;
  const fine = 1024;
  if (n > fine) {
    const lo = sorted[0], hi = sorted[n - 1];
    const step = (hi - lo) / (fine - 1) || 1;
    weights = new Float64Array(fine);
    for (let i = 0; i < n; i++) {
      const t = (sorted[i] - lo) / step;
      const k = Math.min(fine - 2, Math.floor(t));
      const f = t - k;
      weights[k] += 1 - f;
      weights[k + 1] += f;
    }
    points = Float64Array.from({ length: fine }, (_, k) => lo + k * step);
  }
  let peak = 0;
  for (let g = 0; g < grid.length; g++) {
    let sum = 0;
    for (let i = 0; i < points.length; i++) {
      const z = (grid[g] - points[i]) / bandwidth;
      if (z > -6 && z < 6) sum += (weights ? weights[i] : 1) * Math.exp(-0.5 * z * z);
    }
    out[g] = sum;
    if (sum > peak) peak = sum;
  }
  if (peak > 0) for (let g = 0; g < grid.length; g++) out[g] /= peak;
  return out;
}

/** `points` evenly spaced values over [lo, hi]. */
export function linearGrid(lo: number, hi: number, points: number): Float64Array {
  const grid = new Float64Array(points);
  for (let i = 0; i < points; i++) grid[i] = points === 1 ? lo : lo + ((hi - lo) * i) / (points - 1);
  return grid;
}

/**
 * both: the layer on each side, the same maps (channels, height, width; batch sizes may differ,
 * spec/SROP.md §6 pairs channel means then); only-a / only-b: on one side only; shape-differs: on both,
 * channels or map size differ; single: only one side has anything loaded, so there is nothing to
 * compare.
 */
export type LayerMatch = 'both' | 'only-a' | 'only-b' | 'shape-differs' | 'single';

/**
 * How a pane's layers are told apart: the first layer of a name is shown by its name, a later one
 * of the same name (another file) by the name and its file, "conv1 (b2.npz)"; `occurrence` counts
 * the layers of that name before it in the pane (A and B are matched by name and occurrence).
 */
export function displayNames(results: readonly { name: string; file: string }[]): { name: string; occurrence: number }[] {
  const seen = new Map<string, number>();
  const taken = new Set(results.map((r) => r.name));
  return results.map((r) => {
    const occurrence = seen.get(r.name) ?? 0;
    seen.set(r.name, occurrence + 1);
    if (occurrence === 0) return { name: r.name, occurrence };
    let name = `${r.name} (${r.file})`;
    for (let k = 2; taken.has(name); k++) name = `${r.name} (${r.file}, ${k})`;
    taken.add(name);
    return { name, occurrence };
  });
}

export interface SideView {
  result: LayerResult;
  summary: DistributionSummary;
  /** SROPs of the selected maps that have one. */
  values: Float64Array;
  density: Float64Array;
}

/** One layer of the overview and of the comparison table. */
export interface LayerRow {
  name: string;
  /** Position in network order. */
  order: number;
  match: LayerMatch;
  a: SideView | null;
  b: SideView | null;
  comparison: SropComparison | null;
  /**
   * Statistics across inputs (spec/SROP.md §6a): every input of each side, whatever input the
   * panes show; p_holm over the rows that have a p-value. Null where the comparison is.
   */
  inputs: InputComparison | null;
}

/** What the views say of a layer of 1 x 1 maps instead of drawing its SROPs. */
export const SINGLE_PIXEL_NOTE = '1 x 1: SROP is kappa by construction';

/**
 * Whether a layer's maps are 1 x 1 on every side it has: one value per map, no spatial frequency
 * but DC, so every SROP is kappa by construction (a spike that says nothing about the layer).
 */
export function singlePixelRow(row: Pick<LayerRow, 'a' | 'b'>): boolean {
  const sides = [row.a, row.b].filter((s): s is SideView => s !== null);
  return sides.length > 0 && sides.every((s) => s.result.shape[2] === 1 && s.result.shape[3] === 1);
}

/** The selected maps of a side as a comparison side (one input, or the whole batch). */
function comparisonSide(result: LayerResult, input: number | null) {
  const [n, c] = result.shape;
  const [first, end] = selectedRange(n * c, selectionOf(result, input));
  return { inputs: (end - first) / c, channels: c, srop: result.srop.subarray(first, end) };
}

// Results are immutable (a parameter change makes new ones), so what is derived from them is kept
// per result: while a large set loads, each finished layer costs only its own chart data.
const sideCache = new WeakMap<LayerResult, Map<string, SideView>>();
const comparisonCache = new WeakMap<LayerResult, WeakMap<LayerResult, Map<string, SropComparison>>>();
const inputCache = new WeakMap<LayerResult, WeakMap<LayerResult, Map<string, InputComparison>>>();

function remember<V>(cache: WeakMap<LayerResult, Map<string, V>>, result: LayerResult, key: string, value: V): void {
  let byKey = cache.get(result);
  if (!byKey) cache.set(result, (byKey = new Map()));
  if (byKey.size > 8) byKey.clear();
  byKey.set(key, value);
}

/**
 * Layer rows in network order: A's layers in A's order with B's of the same name beside them,
 * then layers only B has. A layer name met more than once in a pane is matched by occurrence (the
 * second conv1 of A with the second of B) and shown with its file (displayNames). Layers on one
 * side only, or with different shapes, are kept and marked; with only one side loaded, no row is
 * marked and none compared. `paired`: test the inputs paired where both sides hold as many
 * (the page's "paired" toggle; compareInputs).
 */
export function layerRows(
  a: LayerResult[],
  b: LayerResult[],
  inputA: number | null,
  inputB: number | null,
  grid: Float64Array,
  paired = true,
): LayerRow[] {
  const namesA = displayNames(a);
  const namesB = displayNames(b);
  const single = a.length === 0 || b.length === 0;
  const gridKey = `${grid.length}:${grid[0]}:${grid[grid.length - 1]}`;
  const side = (result: LayerResult, input: number | null): SideView => {
    const key = `${input}|${gridKey}`;
    const cached = sideCache.get(result)?.get(key);
    if (cached) return cached;
    const selection = selectionOf(result, input);
    const values = sropValues(result, selection);
    const view = { result, summary: selection ? layerSummary(result, selection) : result.summary, values, density: violinDensity(values, grid) };
    remember(sideCache, result, key, view);
    return view;
  };
  const compare = (ra: LayerResult, rb: LayerResult): SropComparison => {
    const key = `${inputA}|${inputB}`;
    let byB = comparisonCache.get(ra);
    if (!byB) comparisonCache.set(ra, (byB = new WeakMap()));
    let byInputs = byB.get(rb);
    if (!byInputs) byB.set(rb, (byInputs = new Map()));
    let c = byInputs.get(key);
    if (!c) byInputs.set(key, (c = compareSrops(comparisonSide(ra, inputA), comparisonSide(rb, inputB))));
    return c;
  };
  const acrossInputs = (ra: LayerResult, rb: LayerResult): InputComparison => {
    const key = String(paired);
    let byB = inputCache.get(ra);
    if (!byB) inputCache.set(ra, (byB = new WeakMap()));
    let byFlag = byB.get(rb);
    if (!byFlag) byB.set(rb, (byFlag = new Map()));
    let c = byFlag.get(key);
    if (!c) byFlag.set(key, (c = compareInputs(ra, rb, paired)));
    return c;
  };
  const rows: LayerRow[] = [];
  // B's layer for each of A's: the page's and the command's one rule (matchLayers.ts).
  const pairs = single ? [] : matchLayers(a, b);
  const used = new Set(pairs.filter((j): j is number => j !== undefined));
  a.forEach((ra, i) => {
    const j = pairs[i];
    const rb = j === undefined ? null : b[j];
    const match: LayerMatch = single ? 'single' : !rb ? 'only-a' : sameMaps(ra.shape, rb.shape) ? 'both' : 'shape-differs';
    // A later layer of a name shows its file; when B's file differs, both files.
    const name = !rb || namesA[i].occurrence === 0 || ra.file === rb.file ? namesA[i].name : `${ra.name} (${ra.file} | ${rb.file})`;
    rows.push({ name, order: rows.length, match, a: side(ra, inputA), b: rb ? side(rb, inputB) : null, comparison: rb ? compare(ra, rb) : null, inputs: rb ? acrossInputs(ra, rb) : null });
  });
  b.forEach((rb, j) => {
    if (used.has(j)) return;
    rows.push({ name: namesB[j].name, order: rows.length, match: single ? 'single' : 'only-b', a: null, b: side(rb, inputB), comparison: null, inputs: null });
  });
  // Holm's adjustment over the layers compared (a fresh object per row: the cached ones stay unadjusted).
  const adjusted = holm(rows.map((r) => r.inputs?.p_value ?? null));
  rows.forEach((r, i) => {
    if (r.inputs) r.inputs = { ...r.inputs, p_holm: adjusted[i] };
  });
  // Row names identify rows (selection, React keys, exports): a B-only name equal to an A name gets a suffix.
  const taken = new Set<string>();
  for (const row of rows) {
    let name = row.name;
    for (let k = 2; taken.has(name); k++) name = `${row.name} #${k}`;
    taken.add(name);
    row.name = name;
  }
  return rows;
}

/** Top of the SROP axis: 1 (Nyquist) or the largest value shown, whichever is larger. */
export function sropAxisMax(rows: LayerRow[]): number {
  let max = 1;
  for (const row of rows) for (const s of [row.a, row.b]) if (s?.summary.max != null && s.summary.max > max) max = s.summary.max;
  return max;
}

export type ComparisonKey = 'order' | 'name' | 'median_a' | 'median_b' | 'delta_median' | 'wasserstein' | 'ks' | 'paired_median_delta' | 'share_rising' | 'dead' | 'nonfinite'
  | 'inputs' | 'test' | 'input_median_delta' | 'p_value' | 'p_holm';

/**
 * Rows sorted by a comparison figure (missing figures last), in network order, or by a count of
 * maps without an SROP (dead, nonfinite): A's count, ties broken by B's (a side the layer lacks
 * counts as missing).
 */
export function sortRows(rows: LayerRow[], key: ComparisonKey, descending: boolean): LayerRow[] {
  const indexed = rows.map((row) => ({ row, index: row.order }));
  const values = (row: LayerRow, index: number): Array<number | string | null> => {
    if (key === 'order') return [index];
    if (key === 'name') return [row.name];
    if (key === 'dead' || key === 'nonfinite') return [row.a?.summary[key] ?? null, row.b?.summary[key] ?? null];
    if (key === 'inputs') return [row.inputs?.inputs_a ?? null, row.inputs?.inputs_b ?? null];
    if (key === 'test' || key === 'input_median_delta' || key === 'p_value' || key === 'p_holm') return [row.inputs ? row.inputs[key] : null];
    return [row.comparison ? (row.comparison[key] as number | null) : null];
  };
  indexed.sort((x, y) => {
    const vx = values(x.row, x.index), vy = values(y.row, y.index);
    for (let k = 0; k < vx.length; k++) {
      const p = vx[k], q = vy[k];
      if (p === null && q === null) continue;
      if (p === null) return 1;
      if (q === null) return -1;
      const order = typeof p === 'string' ? p.localeCompare(q as string) : p - (q as number);
      if (order) return descending ? -order : order;
    }
    return x.index - y.index;
  });
  return indexed.map((x) => x.row);
}

/** Layers whose inputs differ between A and B after Holm's adjustment: p_holm below this. */
export const SIGNIFICANCE = 0.05;

/** Whether a row's statistics across inputs are significant (p_holm < 0.05). */
export function inputsDiffer(row: Pick<LayerRow, 'inputs'>): boolean {
  return row.inputs?.p_holm != null && row.inputs.p_holm < SIGNIFICANCE;
}

/** Whether the "paired" toggle can pair anything: a compared layer with as many inputs on A as on B. */
export function pairingPossible(rows: LayerRow[]): boolean {
  return rows.some((r) => r.inputs && r.a && r.b && r.a.result.shape[0] === r.b.result.shape[0]);
}

/**
 * Layers that moved most: the top quarter (at least one) by Wasserstein distance among rows with
 * one, so that the table can mark them.
 */
export function movedMost(rows: LayerRow[]): Set<string> {
  const scored = rows.filter((r) => r.comparison?.wasserstein != null).sort((x, y) => y.comparison!.wasserstein! - x.comparison!.wasserstein!);
  const keep = Math.max(1, Math.ceil(scored.length / 4));
  return new Set(scored.slice(0, scored.length ? keep : 0).filter((r) => r.comparison!.wasserstein! > 0).map((r) => r.name));
}

/** Cumulative share of the kept energy per ring (0..1) of one map, or null without an SROP. */
export function cumulativeShare(profiles: RingProfiles, map: number, params: SropParams, status: number): Float64Array | null {
  if (status !== STATUS_OK) return null;
  const energy = keptRingEnergy(profiles, map, params);
  let total = 0;
  for (let r = 0; r < profiles.rings; r++) total += energy[r];
  const out = new Float64Array(profiles.rings);
  let running = 0;
  for (let r = 0; r < profiles.rings; r++) {
    running += energy[r];
    out[r] = running / total;
  }
  return out;
}

export interface EnergyBand {
  /**
   * Radii of the curve's points over the Nyquist radius: 0, then the outer edge r + 1/2 of each
   * ring r. spec/SROP.md §2 step 9 lets the cumulative energy rise linearly across ring r's span
   * [max(r - 1/2, 0), r + 1/2], so the straight segments between these points are exactly the
   * curve the interpolated SROP is read from.
   */
  radius: Float64Array;
  /** One more value than rings: the leading 0 at radius 0. */
  q1: Float64Array;
  median: Float64Array;
  q3: Float64Array;
  /** Maps that entered (those with an SROP). */
  maps: number;
}

function curveRadii(rings: number, height: number, width: number): Float64Array {
  const nyquist = Math.max(height, width) / 2;
  return Float64Array.from({ length: rings + 1 }, (_, i) => (i === 0 ? 0 : (i - 0.5) / nyquist));
}

/** One map's cumulative curve as a band of one (null without an SROP). */
export function mapCurve(result: LayerResult, map: number): EnergyBand | null {
  const { profiles } = result;
  if (!profiles) return null;
  const share = cumulativeShare(profiles, map, result.params, result.status[map]);
  if (!share) return null;
  const values = new Float64Array(profiles.rings + 1);
  values.set(share, 1);
  return { radius: curveRadii(profiles.rings, profiles.height, profiles.width), q1: values, median: values, q3: values, maps: 1 };
}

/** The drawn curve's value at radius x (linear between its points; clamped at its ends). */
export function curveValueAt(radius: Float64Array, values: Float64Array, x: number): number {
  if (x <= radius[0]) return values[0];
  for (let i = 1; i < radius.length; i++) {
    if (x <= radius[i]) return values[i - 1] + ((values[i] - values[i - 1]) * (x - radius[i - 1])) / (radius[i] - radius[i - 1]);
  }
  return values[values.length - 1];
}

export interface SropMark {
  /** The SROP (x) and where the drawn curve is there (y): kappa when interpolated. */
  x: number;
  y: number;
  /** The roll-off ring's span over the Nyquist radius, [max(r - 1/2, 0), r + 1/2]. */
  span: [number, number];
  /** The curve at the span's ends: the ring's segment of the curve, which crosses kappa. */
  spanY: [number, number];
  /** False: the SROP is the ring's centre (interpolate off), drawn with the span it stands for. */
  interpolated: boolean;
}

/** Where a map's SROP sits on its curve (mapCurve), or null without an SROP. */
export function sropMark(result: LayerResult, map: number, curve: EnergyBand): SropMark | null {
  if (result.status[map] !== STATUS_OK) return null;
  const [, , height, width] = result.shape;
  const nyquist = Math.max(height, width) / 2;
  const ring = result.ring[map];
  const x = result.srop[map];
  const span: [number, number] = [Math.max(ring - 0.5, 0) / nyquist, (ring + 0.5) / nyquist];
  return {
    x,
    y: curveValueAt(curve.radius, curve.median, x),
    span,
    spanY: [curveValueAt(curve.radius, curve.median, span[0]), curveValueAt(curve.radius, curve.median, span[1])],
    interpolated: result.params.interpolate,
  };
}

/** Median cumulative ring-energy curve of the selected maps, with its interquartile band. */
export function cumulativeBand(result: LayerResult, input: number | null): EnergyBand {
  const { profiles, params } = result;
  if (!profiles) throw new Error(`${result.file}: ${result.name}: no ring profiles (SROPs read from a results file): no energy curve`);
  const rings = profiles.rings;
  const [first, end] = selectedRange(profiles.maps, selectionOf(result, input));
  const curves: Float64Array[] = [];
  for (let m = first; m < end; m++) {
    const curve = cumulativeShare(profiles, m, params, result.status[m]);
    if (curve) curves.push(curve);
  }
  const band: EnergyBand = {
    radius: curveRadii(rings, profiles.height, profiles.width),
    q1: new Float64Array(rings + 1),
    median: new Float64Array(rings + 1),
    q3: new Float64Array(rings + 1),
    maps: curves.length,
  };
  if (curves.length === 0) {
    band.q1.fill(NaN);
    band.median.fill(NaN);
    band.q3.fill(NaN);
  }
  const column = new Float64Array(curves.length);
  for (let r = 0; r < rings; r++) {
    for (let i = 0; i < curves.length; i++) column[i] = curves[i][r];
    column.sort();
    band.q1[r + 1] = quantileSorted(column, 0.25) ?? NaN;
    band.median[r + 1] = quantileSorted(column, 0.5) ?? NaN;
    band.q3[r + 1] = quantileSorted(column, 0.75) ?? NaN;
  }
  return band;
}

export interface ChannelRow {
  channel: number;
  a: number | null;
  b: number | null;
  /** b - a where both have an SROP. */
  change: number | null;
  /** Why a side has no value: its maps (the one shown, or every one of the batch) are dead or non-finite. */
  noneA?: 'dead' | 'nonfinite';
  noneB?: 'dead' | 'nonfinite';
}

/** Why a channel has no SROP on a side: nonfinite when any of its maps is, else dead. */
function channelNone(result: LayerResult, input: number | null, channel: number): 'dead' | 'nonfinite' {
  const [n, c] = result.shape;
  const items = input === null ? Array.from({ length: n }, (_, i) => i) : [Math.min(input, n - 1)];
  return items.some((i) => result.status[i * c + channel] === 2) ? 'nonfinite' : 'dead';
}

/** The hover text of a channel without an SROP. */
export function channelNoneReason(none: 'dead' | 'nonfinite', pooled: boolean): string {
  if (none === 'dead') {
    const who = pooled ? 'none of its maps in the batch has' : 'its map has no';
    return `dead: ${who}${pooled ? ' any' : ''} spectral energy to roll off (constant or all zero; with DC removed, a constant map has none)`;
  }
  return `non-finite: ${pooled ? 'no map of the batch has an' : 'its map has no'} SROP; a map holds NaN or infinity`;
}

/** Per channel: the selected input's SROP, or the batch mean when pooled (NaN-free: null). */
function channelValues(result: LayerResult, input: number | null): Float64Array {
  const [n, c] = result.shape;
  if (input !== null) {
    const i = Math.min(input, n - 1);
    return result.srop.subarray(i * c, (i + 1) * c);
  }
  return channelMeans({ inputs: n, channels: c, srop: result.srop });
}

/**
 * What a side's column of the channel table holds, for its heading: the batch means when the pane
 * pools the batch and the layer holds more than one input, the input shown when one is picked
 * from several; null for a layer of one input (its values are that input's, nothing averaged).
 */
export function channelValuesNote(side: 'A' | 'B', result: Pick<LayerResult, 'shape'> | null, input: number | null): string | null {
  const n = result?.shape[0] ?? 0;
  if (n <= 1) return null;
  return input === null ? `${side}: batch means of ${n} inputs` : `${side}: input ${Math.min(input, n - 1)} of ${n}`;
}

export type ChannelKey = 'channel' | 'a' | 'b' | 'change';

/**
 * Where the layer and channel views open: the layer that moved most (largest Wasserstein distance;
 * the first layer when none has a comparison) and, in it, the channel whose SROP changed most (the
 * first channel with an SROP when none changed).
 */
export function defaultFocus(rows: LayerRow[], inputA: number | null, inputB: number | null): { layer: string; channel: number } | null {
  if (rows.length === 0) return null;
  const scored = rows.filter((r) => r.comparison?.wasserstein != null);
  const row = scored.length ? scored.reduce((best, r) => (r.comparison!.wasserstein! > best.comparison!.wasserstein! ? r : best)) : rows[0];
  const channels = channelRows(row.a?.result ?? null, row.b?.result ?? null, inputA, inputB);
  const changed = channels.filter((c) => c.change !== null);
  const channel = changed.length
    ? changed.reduce((best, c) => (Math.abs(c.change!) > Math.abs(best.change!) ? c : best)).channel
    : (channels.find((c) => c.a !== null || c.b !== null)?.channel ?? 0);
  return { layer: row.name, channel };
}

export function channelRows(a: LayerResult | null, b: LayerResult | null, inputA: number | null, inputB: number | null): ChannelRow[] {
  const va = a ? channelValues(a, inputA) : null;
  const vb = b ? channelValues(b, inputB) : null;
  const channels = Math.max(va?.length ?? 0, vb?.length ?? 0);
  const rows: ChannelRow[] = [];
  const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
  for (let c = 0; c < channels; c++) {
    const x = num(va?.[c]);
    const y = num(vb?.[c]);
    rows.push({
      channel: c, a: x, b: y, change: x !== null && y !== null ? y - x : null,
      ...(a && va && c < va.length && x === null ? { noneA: channelNone(a, inputA, c) } : {}),
      ...(b && vb && c < vb.length && y === null ? { noneB: channelNone(b, inputB, c) } : {}),
    });
  }
  return rows;
}

/** Channel rows sorted by a column; `change` by its size (the largest change first when descending). */
export function sortChannels(rows: ChannelRow[], key: ChannelKey, descending: boolean): ChannelRow[] {
  const value = (r: ChannelRow) => (key === 'change' ? (r.change === null ? null : Math.abs(r.change)) : r[key]);
  return [...rows].sort((x, y) => {
    const vx = value(x), vy = value(y);
    if (vx === null && vy === null) return x.channel - y.channel;
    if (vx === null) return 1;
    if (vy === null) return -1;
    return (descending ? vy - vx : vx - vy) || x.channel - y.channel;
  });
}

export interface CentredSpectrum {
  height: number;
  width: number;
  /** log10 of the power, zero frequency at (floor(H/2), floor(W/2)) (numpy.fft.fftshift), row-major. */
  logPower: Float64Array;
  min: number;
  max: number;
}

/** The centred log power spectrum from a map's power spectrum (natural order, H x W, from the engine), without its DC bin when `dc` is remove. */
export function centredLogPower(power: ArrayLike<number>, height: number, width: number, dc: SropParams['dc'] = 'keep'): CentredSpectrum {
  const logPower = new Float64Array(height * width);
  let min = Infinity, max = -Infinity;
  const floorValue = 1e-30;
  for (let ky = 0; ky < height; ky++) {
    for (let kx = 0; kx < width; kx++) {
      // dc = remove: the map's mean is subtracted first, which empties the zero-frequency bin alone.
      const p = dc === 'remove' && ky === 0 && kx === 0 ? 0 : power[ky * width + kx];
      const v = Math.log10(Math.max(p, floorValue));
      const sy = (ky + Math.floor(height / 2)) % height;
      const sx = (kx + Math.floor(width / 2)) % width;
      logPower[sy * width + sx] = v;
      if (p > 0) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (min > max) min = max = Math.log10(floorValue);
  return { height, width, logPower, min, max };
}

/**
 * The SROP as an ellipse on the centred spectrum, in bins: radius s in ring units is ky = s H / M,
 * kx = s W / M, so an SROP of q (q M / 2 ring units) has semi-axes q H / 2 and q W / 2.
 */
export function sropEllipse(srop: number, height: number, width: number): { ry: number; rx: number } {
  return { ry: (srop * height) / 2, rx: (srop * width) / 2 };
}
