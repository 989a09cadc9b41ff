// Complex float64 FFT of any length N >= 1 in O(N log N): a Stockham autosort mixed-radix transform
// (radices 2, 3, 4, 5, 7, 8 written out, other odd radices up to GENERIC_RADIX_LIMIT generic) and
// Bluestein's chirp-z transform, through a power-of-two FFT, for lengths with a larger prime factor.
//
// Data are split re/im Float64Arrays holding `lines` transforms of length n interleaved
// element-major: element j of line l at j * lines + l. Stockham with initial stride `lines` is
// exactly `lines` independent transforms, and its inner loop then runs over lines * (stride so far)
// contiguous values, so many short or strided lines (the columns of a map) cost no more per value
// than one long line. Plans (factors, twiddles, Bluestein chirp and filter spectrum) are cached per n.
// Give an odd `lines` where you can: with an even one the later passes' strides can fall on
// multiples of 4 KiB, whose loads and stores alias in the cache (up to 3x slower passes).
//
// This module is the FFT's entry point (plans cached per n, fftLines, fft, ifft); its pieces live in
// src/engine/fft/: plan.ts (factors, twiddles, the passes' tables), radixKernels.ts (the written-out
// passes and runStages) and bluestein.ts (the chirp-z plan and run).

import { GENERIC_RADIX_LIMIT, factorise, mixedRadixPlan, type MixedRadixPlan } from './fft/plan';
import { runStages } from './fft/radixKernels';
import { bluesteinPlan, runBluestein, type BluesteinPlan } from './fft/bluestein';

export { GENERIC_RADIX_LIMIT };

export interface FftPlan {
  readonly n: number;
  readonly kind: 'mixed' | 'bluestein';
  /** Radices of the passes, in order (for a Bluestein plan, those of its power-of-two transform). */
  readonly radices: readonly number[];
}

interface Plan extends FftPlan {
  mixed: MixedRadixPlan | null;
  bluestein: BluesteinPlan | null;
}
const plans = new Map<number, Plan>();

/** The mixed-radix plan of length n (its passes and twiddles), or null when n takes Bluestein's algorithm. */
export function mixedPlan(n: number): MixedRadixPlan | null {
  return planFor(n).mixed;
}

/** The plan for length n, made once and cached. */
export function fftPlan(n: number): FftPlan {
  return planFor(n);
}

function planFor(n: number): Plan {
  let plan = plans.get(n);
  if (plan) return plan;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`FFT length ${n} is not a positive integer`);
  const radices = factorise(n);
  if (radices) {
    const mixed = mixedRadixPlan(n, radices);
    plan = { n, kind: 'mixed', radices, mixed, bluestein: null };
  } else {
    const bluestein = bluesteinPlan(n);
    plan = { n, kind: 'bluestein', radices: bluestein.inner.stages.map((s) => s.p), mixed: null, bluestein };
  }
  plans.set(n, plan);
  return plan;
}
/**
 * Forward DFT, X_k = sum_j x_j exp(-2 pi i jk / n), of `lines` interleaved lines of length n held in
 * the first n * lines values of (re, im); (scratchRe, scratchIm) must hold as many. Returns true when
 * the result is in the scratch arrays, false when it is back in (re, im); the other pair is clobbered.
 */
export function fftLines(
  n: number,
  lines: number,
  re: Float64Array,
  im: Float64Array,
  scratchRe: Float64Array,
  scratchIm: Float64Array,
): boolean {
  const plan = planFor(n);
  if (plan.mixed) return runStages(plan.mixed, lines, re, im, scratchRe, scratchIm);
  runBluestein(plan.bluestein!, n, lines, re, im);
  return false;
}

let inPlaceScratch: Float64Array[] = [new Float64Array(0), new Float64Array(0)];

/** Forward DFT in place of `lines` interleaved lines of length n (lines = 1: one plain array). */
export function fft(re: Float64Array, im: Float64Array, n: number = re.length, lines = 1): void {
  const size = n * lines;
  if (re.length < size || im.length < size) throw new Error(`fft: arrays of ${re.length} and ${im.length} values hold fewer than ${n} x ${lines}`);
  if (inPlaceScratch[0].length < size) inPlaceScratch = [new Float64Array(size), new Float64Array(size)];
  const [sr, si] = inPlaceScratch;
  if (fftLines(n, lines, re, im, sr, si)) {
    re.set(sr.subarray(0, size));
    im.set(si.subarray(0, size));
  }
}

/** Inverse DFT (with the 1/n factor) in place, as a forward one with re and im swapped. */
export function ifft(re: Float64Array, im: Float64Array, n: number = re.length, lines = 1): void {
  fft(im, re, n, lines);
  const size = n * lines;
  for (let i = 0; i < size; i++) {
    re[i] /= n;
    im[i] /= n;
  }
}
