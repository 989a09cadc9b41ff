// The mixed-radix plan of the float64 FFT (src/engine/fft64.ts): the factors of a length in pass
// order, and per pass its twiddles (both parts from the nearest octant) and, for a generic odd radix,
// its roots of unity. Moved out of fft64.ts unchanged.

/** Prime factors above this go to Bluestein (a radix-p pass costs p operations per value). */
export const GENERIC_RADIX_LIMIT = 31;

export interface Stage {
  /** Radix of this pass. */
  p: number;
  /** Length of the sub-transforms still to do after this pass: n_stage / p. */
  m: number;
  /** Twiddles w_{n_stage}^(pp * k) at [pp * (p - 1) + k - 1], pp < m, 1 <= k < p. */
  twr: Float64Array;
  twi: Float64Array;
  /** Generic odd radix: cos and sin of 2 pi t / p, t < p, and scratch of length 4 p. */
  cosp?: Float64Array;
  sinp?: Float64Array;
  scratch?: Float64Array;
}

export interface MixedRadixPlan {
  kind: 'mixed';
  n: number;
  stages: Stage[];
}

/**
 * Factors of n in pass order: radix 8 and 4 for the powers of two, then odd primes ascending (the
 * last pass needs no twiddles, so the costliest radix goes there). Null when a prime factor is above
 * GENERIC_RADIX_LIMIT.
 */
export function factorise(n: number): number[] | null {
  let rest = n;
  let twos = 0;
  while (rest % 2 === 0) {
    rest /= 2;
    twos++;
  }
  const radices: number[] = [];
  const eights = Math.floor(twos / 3);
  if (twos % 3 === 1 && eights > 0) {
    // 8 * 2 as 4 * 4: the same number of passes, and a radix-2 pass does little per memory sweep
    for (let i = 1; i < eights; i++) radices.push(8);
    radices.push(4, 4);
  } else {
    for (let i = 0; i < eights; i++) radices.push(8);
    if (twos % 3 === 2) radices.push(4);
    if (twos % 3 === 1) radices.push(2);
  }
  for (let f = 3; f * f <= rest; f += 2) {
    while (rest % f === 0) {
      if (f > GENERIC_RADIX_LIMIT) return null;
      radices.push(f);
      rest /= f;
    }
  }
  if (rest > 1) {
    if (rest > GENERIC_RADIX_LIMIT) return null;
    radices.push(rest);
  }
  return radices;
}

/** exp(-2 pi i k / n) with k reduced to [0, n), both parts from the nearest octant for accuracy. */
export function twiddle(k: number, n: number, out: Float64Array, at: number, outIm: Float64Array): void {
  k %= n;
  if (k < 0) k += n;
  // Using symmetry keeps the argument of cos/sin below pi/4.
  const eighth = 8 * k;
  let re: number;
  let im: number;
  if (eighth <= n) {
    const a = (2 * Math.PI * k) / n;
    re = Math.cos(a);
    im = -Math.sin(a);
  } else if (eighth <= 3 * n) {
    const a = (2 * Math.PI * (n - 4 * k)) / (4 * n); // pi/2 - angle
    re = Math.sin(a);
    im = -Math.cos(a);
  } else if (eighth <= 5 * n) {
    const a = (2 * Math.PI * (2 * k - n)) / (2 * n); // angle - pi
    re = -Math.cos(a);
    im = Math.sin(a);
  } else if (eighth <= 7 * n) {
    const a = (2 * Math.PI * (3 * n - 4 * k)) / (4 * n); // 3pi/2 - angle
    re = -Math.sin(a);
    im = Math.cos(a);
  } else {
    const a = (2 * Math.PI * (n - k)) / n; // 2pi - angle
    re = Math.cos(a);
    im = Math.sin(a);
  }
  out[at] = re;
  outIm[at] = im;
}

export function mixedRadixPlan(n: number, radices: number[]): MixedRadixPlan {
  const stages: Stage[] = [];
  let length = n;
  for (const p of radices) {
    const m = length / p;
    const twr = new Float64Array(m * (p - 1));
    const twi = new Float64Array(m * (p - 1));
    for (let pp = 0; pp < m; pp++) {
      for (let k = 1; k < p; k++) twiddle(pp * k, length, twr, pp * (p - 1) + k - 1, twi);
    }
    const stage: Stage = { p, m, twr, twi };
    if (p !== 2 && p !== 3 && p !== 4 && p !== 5 && p !== 7 && p !== 8) {
      stage.cosp = new Float64Array(p);
      stage.sinp = new Float64Array(p);
      for (let t = 0; t < p; t++) {
        twiddle(t, p, stage.cosp, t, stage.sinp);
        stage.sinp[t] = -stage.sinp[t]; // twiddle() gives -sin
      }
      stage.scratch = new Float64Array(4 * p);
    }
    stages.push(stage);
    length = m;
  }
  return { kind: 'mixed', n, stages };
}
