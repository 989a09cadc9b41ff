// The rows the views draw, computed without React or the DOM: violin densities and the layer rows
// of the overview and of the comparison table (matched A with B, their summaries, comparisons and
// statistics across inputs). One layer's curves, channels and spectrum: layerDetail.ts.

import { matchLayers } from './matchLayers';
import { layerSummary, quantileSorted, selectedRange, sropValues, std, type DistributionSummary, type MapSelection } from './summary';
import { compareSrops, sameMaps, type SropComparison } from './compare';
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

/**
 * A row's full tensor name for the exports' `tensor` column: A's tensor (a live feature map shown
 * by its module path), else B's, else the layer's own name in its file (as the per-map CSV writes it).
 */
export function rowTensor(row: Pick<LayerRow, 'name' | 'a' | 'b'>): string {
  return row.a?.result.tensor ?? row.b?.result.tensor ?? row.a?.result.name ?? row.b?.result.name ?? row.name;
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
