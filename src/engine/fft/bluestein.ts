// Bluestein's chirp-z transform for the float64 FFT (src/engine/fft64.ts): lengths with a prime
// factor above GENERIC_RADIX_LIMIT, as a circular convolution through a power-of-two mixed-radix
// transform. Its plan (chirp and filter spectrum) and its run. Moved out of fft64.ts unchanged.

import { factorise, mixedRadixPlan, twiddle, type MixedRadixPlan } from './plan';
import { runStages } from './radixKernels';

export interface BluesteinPlan {
  /** Power-of-two length of the convolution, >= 2n - 1. */
  size: number;
  inner: MixedRadixPlan;
  /** Chirp exp(-i pi j^2 / n), j < n. */
  chirpRe: Float64Array;
  chirpIm: Float64Array;
  /** Chirp scaled by 1 / size, applied after the inverse transform. */
  outRe: Float64Array;
  outIm: Float64Array;
  /** Spectrum of the conjugate chirp, wrapped to length size. */
  filterRe: Float64Array;
  filterIm: Float64Array;
}

export function bluesteinPlan(n: number): BluesteinPlan {
  let size = 1;
  while (size < 2 * n - 1) size *= 2;
  const inner = mixedRadixPlan(size, factorise(size)!);
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  // exp(-i pi j^2 / n) = w_{2n}^(j^2 mod 2n); the reduction keeps the angle exact for large j.
  for (let j = 0; j < n; j++) {
    const square = j * j < 2 ** 53 ? (j * j) % (2 * n) : Number((BigInt(j) * BigInt(j)) % BigInt(2 * n));
    twiddle(square, 2 * n, chirpRe, j, chirpIm);
  }
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    outRe[j] = chirpRe[j] / size;
    outIm[j] = chirpIm[j] / size;
  }
  const filterRe = new Float64Array(size);
  const filterIm = new Float64Array(size);
  filterRe[0] = 1;
  for (let j = 1; j < n; j++) {
    filterRe[j] = filterRe[size - j] = chirpRe[j];
    filterIm[j] = filterIm[size - j] = -chirpIm[j];
  }
  const scratchRe = new Float64Array(size);
  const scratchIm = new Float64Array(size);
  if (runStages(inner, 1, filterRe, filterIm, scratchRe, scratchIm)) {
    filterRe.set(scratchRe);
    filterIm.set(scratchIm);
  }
  return { size, inner, chirpRe, chirpIm, outRe, outIm, filterRe, filterIm };
}
/** Bluestein scratch, grown on demand and reused (JS runs one transform at a time). */
let chirpScratch: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0)];

function bluesteinScratch(size: number): Float64Array[] {
  if (chirpScratch[0].length < size) chirpScratch = [0, 1, 2, 3].map(() => new Float64Array(size));
  return chirpScratch;
}

export function runBluestein(plan: BluesteinPlan, n: number, lines: number, xr: Float64Array, xi: Float64Array): void {
  const { size, chirpRe, chirpIm, outRe, outIm, filterRe, filterIm } = plan;
  const total = size * lines;
  const [ar, ai, br, bi] = bluesteinScratch(total);
  // a_j = x_j c_j for j < n, zero up to size
  for (let j = 0; j < n; j++) {
    const cr = chirpRe[j], ci = chirpIm[j];
    const base = j * lines;
    for (let l = base, end = base + lines; l < end; l++) {
      const vr = xr[l], vi = xi[l];
      ar[l] = vr * cr - vi * ci;
      ai[l] = vr * ci + vi * cr;
    }
  }
  ar.fill(0, n * lines, total);
  ai.fill(0, n * lines, total);
  let inB = runStages(plan.inner, lines, ar, ai, br, bi);
  let fr = inB ? br : ar, fi = inB ? bi : ai;
  // times the filter spectrum
  for (let k = 0; k < size; k++) {
    const hr = filterRe[k], hi = filterIm[k];
    const base = k * lines;
    for (let l = base, end = base + lines; l < end; l++) {
      const vr = fr[l], vi = fi[l];
      fr[l] = vr * hr - vi * hi;
      fi[l] = vr * hi + vi * hr;
    }
  }
  // inverse transform as a forward one with re and im swapped: size * IFFT(z) = swap(FFT(swap(z)))
  const gr = fr === ar ? br : ar, gi = fi === ai ? bi : ai;
  inB = runStages(plan.inner, lines, fi, fr, gi, gr);
  const cr2 = inB ? gr : fr, ci2 = inB ? gi : fi;
  for (let k = 0; k < n; k++) {
    const wr = outRe[k], wi = outIm[k];
    const base = k * lines;
    for (let l = base, end = base + lines; l < end; l++) {
      const vr = cr2[l], vi = ci2[l];
      xr[l] = vr * wr - vi * wi;
      xi[l] = vr * wi + vi * wr;
    }
  }
}
