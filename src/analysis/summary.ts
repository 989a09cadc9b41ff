// Per-layer summaries of an SROP distribution (spec/SROP.md §4): counts, moments,
// quartiles as numpy computes them, and histograms. Maps without an SROP are counted, not summarised.

import { STATUS_DEAD, STATUS_NONFINITE, type SropColumns } from './srop';

export interface DistributionSummary {
  /** Maps with an SROP (the values summarised). */
  count: number;
  /** Maps with no SROP because their kept spectrum holds no energy. */
  dead: number;
  /** Maps with no SROP because they hold a NaN or an infinity. */
  nonfinite: number;
  mean: number | null;
  /** Population standard deviation (numpy's default, ddof = 0). */
  std: number | null;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
}

/** Which maps of a layer (map index n * C + c) a summary covers: all (pooled) or one input. */
export interface MapSelection {
  /** C, the layer's channel count. */
  channels: number;
  /** One input n (0-based); omitted: the whole batch, pooled. */
  input?: number;
}

/**
 * The inputs a pane can show one at a time: those every layer holds (the smallest batch), and the
 * largest batch, from the layers' [N, C, H, W] shapes.
 */
export function batchChoice(shapes: ReadonlyArray<readonly number[]>): { inputs: number; largest: number } {
  if (shapes.length === 0) return { inputs: 0, largest: 0 };
  const batches = shapes.map((s) => s[0]);
  return { inputs: Math.min(...batches), largest: Math.max(...batches) };
}

/** The maps [first, end) a selection covers. */
export function selectedRange(maps: number, selection?: MapSelection): [number, number] {
  if (!selection || selection.input === undefined) return [0, maps];
  const { channels, input } = selection;
  const inputs = channels > 0 ? Math.floor(maps / channels) : 0;
  if (!(Number.isInteger(input) && input >= 0 && input < inputs)) throw new Error(`input ${input} is not one of the layer's ${inputs} inputs`);
  return [input * channels, (input + 1) * channels];
}

/** The SROP values of the selected maps that have one, in map order. */
export function sropValues(columns: SropColumns, selection?: MapSelection): Float64Array {
  const [first, end] = selectedRange(columns.maps, selection);
  let count = 0;
  for (let i = first; i < end; i++) if (!Number.isNaN(columns.srop[i])) count++;
  const values = new Float64Array(count);
  let k = 0;
  for (let i = first; i < end; i++) if (!Number.isNaN(columns.srop[i])) values[k++] = columns.srop[i];
  return values;
}

/** numpy's pairwise summation (add.reduce over a contiguous float64 array), for identical means. */
function pairwiseSum(v: Float64Array, first: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = first; i < first + n; i++) s += v[i];
    return s;
  }
  if (n <= 128) {
    // eight accumulators, as numpy unrolls the block
    const r = [v[first], v[first + 1], v[first + 2], v[first + 3], v[first + 4], v[first + 5], v[first + 6], v[first + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += v[first + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += v[first + i];
    return s;
  }
  let half = n >> 1;
  half -= half % 8;
  return pairwiseSum(v, first, half) + pairwiseSum(v, first + half, n - half);
}

export function mean(values: Float64Array): number | null {
  return values.length === 0 ? null : pairwiseSum(values, 0, values.length) / values.length;
}

/** Population standard deviation, as numpy.std: sqrt(mean(|x - mean|^2)). */
export function std(values: Float64Array): number | null {
  const m = mean(values);
  if (m === null) return null;
  const squares = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) squares[i] = (values[i] - m) * (values[i] - m);
  return Math.sqrt(pairwiseSum(squares, 0, squares.length) / values.length);
}

/** Linear-interpolation quantile of sorted values (numpy's default method, its rounding included). */
export function quantileSorted(sorted: Float64Array, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const t = position - below;
  const a = sorted[below], b = sorted[above];
  const diff = b - a;
  // numpy's _lerp: from the nearer end, so that t = 1 gives b exactly
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.median of sorted values: the middle value, or the mean of the two middle ones. */
export function medianSorted(sorted: Float64Array): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/** Summary of plain values (no NaN). */
export function summarise(values: Float64Array, dead = 0, nonfinite = 0): DistributionSummary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return {
    count: n,
    dead,
    nonfinite,
    mean: mean(values),
    std: std(values),
    min: n ? sorted[0] : null,
    q1: quantileSorted(sorted, 0.25),
    median: medianSorted(sorted),
    q3: quantileSorted(sorted, 0.75),
    max: n ? sorted[n - 1] : null,
  };
}

/** Summary of a layer's SROPs: pooled over the batch, or for one input (`selection.input`). */
export function layerSummary(columns: SropColumns, selection?: MapSelection): DistributionSummary {
  const [first, end] = selectedRange(columns.maps, selection);
  let dead = 0, nonfinite = 0;
  for (let i = first; i < end; i++) {
    if (columns.status[i] === STATUS_DEAD) dead++;
    else if (columns.status[i] === STATUS_NONFINITE) nonfinite++;
  }
  return summarise(sropValues(columns, selection), dead, nonfinite);
}

export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: Float64Array;
  /** Values per bin; bin i is [edges[i], edges[i+1]), the last one closed. */
  counts: Uint32Array;
}

/**
 * numpy.histogram(values, bins, range): equal-width bins over [lo, hi] (default: the values' min and
 * max, widened by 0.5 each way when they are equal), the last bin closed; values outside and NaN are
 * left out.
 */
export function histogram(values: ArrayLike<number>, bins: number, range?: [number, number]): Histogram {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`histogram: ${bins} bins is not a positive integer`);
  let lo: number, hi: number;
  if (range) {
    [lo, hi] = range;
    if (!(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`histogram: range [${lo}, ${hi}] is not a finite, ordered interval`);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) {
      lo = 0;
      hi = 1;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`histogram: the values span [${lo}, ${hi}], which is not finite; give a range`);
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  // numpy.linspace(lo, hi, bins + 1): lo + i * step, with the last edge exactly hi
  const step = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = lo + i * step;
  edges[bins] = hi;
  const counts = new Uint32Array(bins);
  const width = hi - lo;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    // numpy: index from the scaled value, then corrected against the edges themselves
    let b = Math.floor(((v - lo) / width) * bins);
    if (b >= bins) b = bins - 1;
    if (v < edges[b]) b--;
    else if (b < bins - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}
