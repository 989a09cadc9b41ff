// The sanity-check lab's statistics (plain numbers): occlusion grids, Pearson and Spearman
// correlations, per-layer Wasserstein distances between two runs' SROP distributions.

import { wasserstein1 } from './compare';

export interface GridPosition {
  x: number;
  y: number;
}

/** Top-left corners of a patch slid over a width x height image with a stride (the last row and column reach the edge). */
export function occlusionGrid(width: number, height: number, patch: number, stride: number): GridPosition[] {
  const along = (size: number) => {
    const starts: number[] = [];
    const last = Math.max(0, size - patch);
    for (let s = 0; s <= last; s += stride) starts.push(s);
    if (starts[starts.length - 1] !== last) starts.push(last);
    return starts;
  };
  const ys = along(height), xs = along(width);
  return ys.flatMap((y) => xs.map((x) => ({ x, y })));
}

/**
 * Occlusion defaults scaled to the input: a patch of an eighth of the shorter side (at least 2 px)
 * and a stride of half the patch, so that a run has about 15 x 15 positions whatever the size (a
 * 224-px model: patch 28, stride 14, 225 positions; the 28-px demo: patch 4, stride 2, 169).
 */
export function occlusionDefaults(width: number, height: number): { patch: number; stride: number; positions: number } {
  const side = Math.max(1, Math.min(width, height));
  const patch = Math.min(side, Math.max(2, Math.round(side / 8)));
  const stride = Math.max(1, Math.round(patch / 2));
  return { patch, stride, positions: occlusionGrid(width, height, patch, stride).length };
}

/**
 * Seconds a run of `positions` occluded images will take, from one forward pass of A (`secondsPerRun`)
 * and the batch the runs go in; null when A has not run yet. Batches pay roughly per image, with the
 * SROPs of every feature map on top (about a forward pass again: a rough bound, said as such).
 */
export function occlusionEstimate(positions: number, secondsPerRun: number | null): number | null {
  if (secondsPerRun === null || !Number.isFinite(secondsPerRun)) return null;
  return positions * secondsPerRun * 2;
}

/**
 * The layers a lab chart draws by default: `count` of them spread evenly through the network, the
 * first and the last included (all of them when there are no more).
 */
export function defaultLayers(layers: readonly string[], count = 4): string[] {
  if (layers.length <= count) return [...layers];
  const picks = new Set<number>();
  for (let k = 0; k < count; k++) picks.add(Math.round((k * (layers.length - 1)) / (count - 1)));
  return [...picks].sort((a, b) => a - b).map((i) => layers[i]);
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n < 2 || b.length !== n) return null;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** Ranks 1..n, ties given their average rank (as scipy.stats.rankdata). */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const out = new Float64Array(values.length);
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[k]]) end++;
    const rank = (k + end) / 2 + 1;
    for (let m = k; m <= end; m++) out[order[m]] = rank;
    k = end + 1;
  }
  return out;
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  return pearson(ranks(a), ranks(b));
}

/** Wasserstein-1 distance between two SROP samples, NaN (no SROP) left out; null when either has none. */
export function sropDistance(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  return wasserstein1(Float64Array.from(a), Float64Array.from(b));
}
