// Statistics across inputs (spec/SROP.md §6a): each input of a side is summarised by the median
// SROP of its channels, and the two sides' inputs are tested against each other, paired (Wilcoxon
// signed-rank on B - A per input) or unpaired (Mann-Whitney U), with Holm's adjustment over the
// layers compared. The tests are scipy.stats.wilcoxon and scipy.stats.mannwhitneyu, two-sided,
// with the exact or the normal-approximation branch chosen as spec/SROP.md §6a says.

import { medianSorted } from './summary';
import type { LayerResult } from './layerResult';

export type InputTest = 'wilcoxon' | 'mann-whitney' | 'none';
/** exact: the exact null distribution; approx: the normal approximation. */
export type TestMethod = 'exact' | 'approx';

/** The comparison CSV's columns for a layer, in their order (compareCsvHeader). */
export interface InputStats {
  /** Inputs of each side with a median SROP (an input none of whose maps has an SROP is left out). */
  inputs_a: number;
  inputs_b: number;
  test: InputTest;
  /** Paired: median over inputs of m_B(i) - m_A(i); unpaired: median of m_B - median of m_A. */
  input_median_delta: number | null;
  /** Two-sided p-value of the test; null for test none (or a paired set whose differences are all 0). */
  p_value: number | null;
  /** p_value after Holm's adjustment over the layers compared (withHolm). */
  p_holm: number | null;
}

/** What the views and the JSON add: the branch, the statistic and each input's median. */
export interface InputComparison extends InputStats {
  test_method: TestMethod | null;
  /** Wilcoxon: min(R+, R-) over the non-zero differences; Mann-Whitney: U of B (pairs B > A, ties 1/2). */
  statistic: number | null;
  /** Paired: inputs with a median on both sides (the differences; zeros included). */
  pairs: number | null;
  /** Each input's median SROP over its channels, by input index; NaN where it has none. */
  medians_a: Float64Array;
  medians_b: Float64Array;
}

/** Fewer usable inputs than this on either side (or pairs, paired): no test. */
export const MIN_INPUTS = 3;
/** Wilcoxon: exact null distribution up to this many non-zero differences (without ties or zeros). */
export const WILCOXON_EXACT_MAX = 50;
/** Mann-Whitney: exact null distribution while the smaller side has at most this many inputs (without ties). */
export const MANN_WHITNEY_EXACT_MAX = 8;

/** m(i) for every input i of a layer ([N, C, ...], map n * C + c): the median SROP of its channels that have one, NaN where none has. */
export function inputMedians(result: Pick<LayerResult, 'shape' | 'srop'>): Float64Array {
  const [n, c] = result.shape;
  const out = new Float64Array(n);
  const column = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let ch = 0; ch < c; ch++) {
      const v = result.srop[i * c + ch];
      if (!Number.isNaN(v)) column[k++] = v;
    }
    out[i] = k === 0 ? NaN : medianSorted(column.subarray(0, k).sort())!;
  }
  return out;
}

function finite(values: Float64Array): Float64Array {
  return values.filter((v) => !Number.isNaN(v));
}

function median(values: Float64Array): number | null {
  return medianSorted(Float64Array.from(values).sort());
}

/**
 * Average ranks (1-based) of `values`, as scipy.stats.rankdata(method='average'), and the sizes
 * of the groups of equal values that hold more than one.
 */
export function averageRanks(values: ArrayLike<number>): { ranks: Float64Array; ties: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const ranks = new Float64Array(n);
  const ties: number[] = [];
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    if (end - start > 1) ties.push(end - start);
    start = end;
  }
  return { ranks, ties };
}

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(x) for x >= 0 to about 1e-15 relative: 1 - erf(x) by erf's series of positive terms below
 * 2 (erfc(2) is 4.7e-3, so little is lost), the continued fraction (modified Lentz) from 2 on.
 */
function erfcNonNegative(x: number): number {
  if (x === Infinity) return 0;
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x * x)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  const tiny = 1e-300;
  let f = x, c = x, d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** The standard normal's survival function P(Z > z) (scipy.special.ndtr(-z)). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = z / Math.SQRT2;
  return x >= 0 ? 0.5 * erfcNonNegative(x) : 1 - 0.5 * erfcNonNegative(-x);
}

export interface TestResult {
  statistic: number;
  /** null when nothing is left to test (every paired difference 0). */
  p: number | null;
  method: TestMethod;
}

/** Counts of each rank sum 0..n(n+1)/2 of the signed-rank statistic over the 2^n sign patterns (exact in float64 up to n = 52). */
function signedRankCounts(n: number): Float64Array {
  const top = (n * (n + 1)) / 2;
  const counts = new Float64Array(top + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    const reach = (k * (k + 1)) / 2;
    for (let s = reach; s >= k; s--) counts[s] += counts[s - k];
  }
  return counts;
}

/**
 * Two-sided Wilcoxon signed-rank test of differences `d` (scipy.stats.wilcoxon with
 * zero_method='wilcox', correction=False): zeros dropped, |d| ranked with average ranks for ties;
 * the exact null distribution when at most 50 differences are left and there are no ties and no
 * zeros, otherwise the normal approximation with the tie correction and no continuity correction.
 * Statistic: min(R+, R-).
 */
export function wilcoxonSignedRank(d: ArrayLike<number>): TestResult {
  const nonzero: number[] = [];
  let zeros = 0;
  for (let i = 0; i < d.length; i++) {
    if (Number.isNaN(d[i])) throw new Error('wilcoxonSignedRank: a difference is NaN');
    if (d[i] === 0) zeros++;
    else nonzero.push(d[i]);
  }
  const n = nonzero.length;
  const { ranks, ties } = averageRanks(nonzero.map(Math.abs));
  let rPlus = 0, rMinus = 0;
  for (let i = 0; i < n; i++) {
    if (nonzero[i] > 0) rPlus += ranks[i];
    else rMinus += ranks[i];
  }
  const statistic = Math.min(rPlus, rMinus);
  if (n <= WILCOXON_EXACT_MAX && ties.length === 0 && zeros === 0) {
    // R+ is an integer here; p = 2 min(P(R+ >= r), P(R+ <= r)), capped at 1.
    const counts = signedRankCounts(n);
    let below = 0, above = 0;
    for (let s = 0; s < counts.length; s++) {
      if (s <= rPlus) below += counts[s];
      if (s >= rPlus) above += counts[s];
    }
    const total = 2 ** n;
    return { statistic, p: Math.min(1, (2 * Math.min(below, above)) / total), method: 'exact' };
  }
  if (n === 0) return { statistic, p: null, method: 'approx' };
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const mean = n * (n + 1) * 0.25;
  const se = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24);
  const z = (rPlus - mean) / se;
  return { statistic, p: 2 * normalSf(Math.abs(z)), method: 'approx' };
}

/**
 * P(U <= u) for the Mann-Whitney U of samples of sizes m and n without ties, exactly: the counts
 * of U over the C(m + n, m) orderings are the coefficients of the Gaussian binomial
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), kept as BigInts up to degree u.
 */
function mannWhitneyCdf(u: number, m: number, n: number): number {
  if (m > n) [m, n] = [n, m];
  const counts: bigint[] = new Array(u + 1).fill(0n);
  counts[0] = 1n;
  for (let i = 1; i <= m; i++) {
    const shift = n + i;
    for (let s = u; s >= shift; s--) counts[s] -= counts[s - shift];
    for (let s = i; s <= u; s++) counts[s] += counts[s - i];
  }
  let below = 0n;
  for (const c of counts) below += c;
  let total = 1n;
  for (let i = 1; i <= m; i++) total = (total * BigInt(n + i)) / BigInt(i);
  return Number(below) / Number(total);
}

/**
 * Two-sided Mann-Whitney U test of `b` against `a` (scipy.stats.mannwhitneyu(b, a)): exact when
 * there are no ties and the smaller sample has at most 8 values, otherwise the normal
 * approximation with the tie and continuity corrections. Statistic: U of b (R_b - n_b(n_b + 1)/2).
 */
export function mannWhitneyU(b: ArrayLike<number>, a: ArrayLike<number>): TestResult {
  const nb = b.length, na = a.length;
  if (nb === 0 || na === 0) throw new Error('mannWhitneyU: a sample is empty');
  const pooled = Float64Array.from({ length: nb + na }, (_, i) => (i < nb ? b[i] : a[i - nb]));
  for (const v of pooled) if (Number.isNaN(v)) throw new Error('mannWhitneyU: a value is NaN');
  const { ranks, ties } = averageRanks(pooled);
  let rb = 0;
  for (let i = 0; i < nb; i++) rb += ranks[i];
  const u1 = rb - (nb * (nb + 1)) / 2;
  const u2 = nb * na - u1;
  const u = Math.max(u1, u2);
  if (ties.length === 0 && Math.min(na, nb) <= MANN_WHITNEY_EXACT_MAX) {
    // p = 2 P(U >= u) = 2 P(U <= nb na - u), capped at 1 (u1 and u2 are integers without ties).
    return { statistic: u1, p: Math.min(1, 2 * mannWhitneyCdf(nb * na - u, nb, na)), method: 'exact' };
  }
  const n = na + nb;
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const mu = (nb * na) / 2;
  const s = Math.sqrt(((nb * na) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - mu - 0.5) / s;
  return { statistic: u1, p: Math.min(1, 2 * normalSf(z)), method: 'approx' };
}

/**
 * Statistics across inputs of one layer, A against B: each input's median SROP (inputMedians),
 * then the paired test when `paired` and both sides hold the same number of inputs, the unpaired
 * one otherwise; no test with fewer than 3 usable inputs (or pairs) on either side. p_holm is left
 * null: withHolm sets it over the layers compared.
 */
export function compareInputs(a: Pick<LayerResult, 'shape' | 'srop'>, b: Pick<LayerResult, 'shape' | 'srop'>, paired: boolean): InputComparison {
  const ma = inputMedians(a), mb = inputMedians(b);
  const usableA = finite(ma), usableB = finite(mb);
  const base = { inputs_a: usableA.length, inputs_b: usableB.length, medians_a: ma, medians_b: mb, p_holm: null };
  const none = (delta: number | null, pairs: number | null): InputComparison => ({ ...base, test: 'none', input_median_delta: delta, p_value: null, test_method: null, statistic: null, pairs });
  if (paired && ma.length === mb.length) {
    const d: number[] = [];
    for (let i = 0; i < ma.length; i++) if (!Number.isNaN(ma[i]) && !Number.isNaN(mb[i])) d.push(mb[i] - ma[i]);
    const delta = median(Float64Array.from(d));
    if (d.length < MIN_INPUTS) return none(delta, d.length);
    const result = wilcoxonSignedRank(d);
    return { ...base, test: 'wilcoxon', input_median_delta: delta, p_value: result.p, test_method: result.method, statistic: result.statistic, pairs: d.length };
  }
  const medA = median(usableA), medB = median(usableB);
  const delta = medA === null || medB === null ? null : medB - medA;
  if (usableA.length < MIN_INPUTS || usableB.length < MIN_INPUTS) return none(delta, null);
  const result = mannWhitneyU(usableB, usableA);
  return { ...base, test: 'mann-whitney', input_median_delta: delta, p_value: result.p, test_method: result.method, statistic: result.statistic, pairs: null };
}

/**
 * Holm's step-down adjustment of the p-values that are not null (the others stay null): sorted
 * ascending, the k-th smallest (1-based) times (m - k + 1), m the number of p-values, then the
 * running maximum, capped at 1; returned in the given order.
 */
export function holm(pValues: ReadonlyArray<number | null>): Array<number | null> {
  const present = pValues.flatMap((p, i) => (p === null ? [] : [{ p, i }])).sort((x, y) => x.p - y.p || x.i - y.i);
  const m = present.length;
  const out: Array<number | null> = pValues.map(() => null);
  let running = 0;
  present.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, p * (m - k)));
    out[i] = running;
  });
  return out;
}

/** The comparisons with p_holm set over all of them (the layers compared). */
export function withHolm<T extends InputStats>(comparisons: readonly T[]): T[] {
  const adjusted = holm(comparisons.map((c) => c.p_value));
  return comparisons.map((c, i) => ({ ...c, p_holm: adjusted[i] }));
}

/** The JSON form (arrays of numbers, null where an input has no median). */
export function inputComparisonJson(c: InputComparison) {
  const list = (v: Float64Array) => Array.from(v, (x) => (Number.isNaN(x) ? null : x));
  return {
    inputs_a: c.inputs_a,
    inputs_b: c.inputs_b,
    test: c.test,
    input_median_delta: c.input_median_delta,
    p_value: c.p_value,
    p_holm: c.p_holm,
    test_method: c.test_method,
    statistic: c.statistic,
    input_pairs: c.pairs,
    input_medians_a: list(c.medians_a),
    input_medians_b: list(c.medians_b),
  };
}
