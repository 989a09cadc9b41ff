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
