// How the GPU engine transforms lines of one length n: Stockham radix passes (radices up to
// MAX_RADIX) when n factors into them, otherwise Bluestein's chirp-z transform through a
// power-of-two one. Every table (twiddles, roots, chirp, filter spectrum) is computed here in
// float64 and rounded once to float32, so the GPU's error is its arithmetic's, not its tables'.

import { fft } from '../fft64';

/** Largest radix of one pass; also the size of the shader's private array (fftPass.wgsl). */
export const MAX_RADIX = 16;

export interface RadixPass {
  radix: number;
  /** Product of the radices of the earlier passes (Stockham's Ns). */
  span: number;
  /** Complex offset in the table of this pass's twiddles exp(-2 pi i k r / (span radix)), k < span, r < radix, at k * radix + r. */
  twiddleOffset: number;
  /** Complex offset of the roots exp(-2 pi i m / radix), m < radix. */
  rootOffset: number;
}

export interface LinePlan {
  n: number;
  kind: 'radix' | 'bluestein';
  /** Length of the radix transform: n, or Bluestein's power-of-two convolution size (>= 2n - 1). */
  size: number;
  passes: RadixPass[];
  /** Bluestein: complex offset of the chirp exp(-i pi j^2 / n), j < n. */
  chirpOffset: number;
  /** Bluestein: complex offset of the filter spectrum FFT(conj chirp, wrapped) / size, size values. */
  filterOffset: number;
  /** Interleaved (re, im) float32 table all offsets point into. */
  table: Float32Array;
}

/**
 * Radices of n: 8, 4 and 2 first (written out in the shader), then odd primes up to MAX_RADIX (direct
 * DFTs, p operations per value); null when a prime factor exceeds MAX_RADIX.
 */
export function radixFactors(n: number): number[] | null {
  const factors: number[] = [];
  let rest = n;
  for (const r of [8, 4, 2]) {
    while (rest % r === 0) {
      factors.push(r);
      rest /= r;
    }
  }
  for (let p = 3; p <= MAX_RADIX && rest > 1; p += 2) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return rest === 1 ? factors : null;
}

class TableBuilder {
  private values: number[] = [];
  get size(): number {
    return this.values.length / 2;
  }
  push(re: number, im: number): void {
    this.values.push(re, im);
  }
  finish(): Float32Array {
    // A zero-length storage binding is invalid: keep at least one value.
    return new Float32Array(this.values.length ? this.values : [0, 0]);
  }
}

function radixPasses(size: number, factors: number[], table: TableBuilder): RadixPass[] {
  const passes: RadixPass[] = [];
  let span = 1;
  for (const radix of factors) {
    const twiddleOffset = table.size;
    const length = span * radix;
    for (let k = 0; k < span; k++) {
      for (let r = 0; r < radix; r++) {
        // Reduce k r mod length exactly before the angle, so large products lose nothing.
        const a = (-2 * Math.PI * ((k * r) % length)) / length;
        table.push(Math.cos(a), Math.sin(a));
      }
    }
    const rootOffset = table.size;
    for (let m = 0; m < radix; m++) {
      const a = (-2 * Math.PI * m) / radix;
      table.push(Math.cos(a), Math.sin(a));
    }
    passes.push({ radix, span, twiddleOffset, rootOffset });
    span = length;
  }
  if (span !== size) throw new Error(`line plan: radices ${factors.join('x')} do not make ${size}`);
  return passes;
}

/** Chirp exp(-i pi j^2 / n) in float64, j^2 reduced mod 2n exactly. */
export function chirp(n: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const period = 2 * n;
  for (let j = 0; j < n; j++) {
    const q = Number((BigInt(j) * BigInt(j)) % BigInt(period));
    const a = (-Math.PI * q) / n;
    re[j] = Math.cos(a);
    im[j] = Math.sin(a);
  }
  return re.length ? { re, im } : { re, im };
}

function buildLinePlan(n: number): LinePlan {
  if (!Number.isInteger(n) || n < 1) throw new Error(`line plan: length ${n} is not a positive integer`);
  const table = new TableBuilder();
  const factors = radixFactors(n);
  if (factors) {
    const passes = radixPasses(n, factors, table);
    return { n, kind: 'radix', size: n, passes, chirpOffset: 0, filterOffset: 0, table: table.finish() };
  }
  let size = 1;
  while (size < 2 * n - 1) size *= 2;
  const passes = radixPasses(size, radixFactors(size)!, table);
  const w = chirp(n);
  const chirpOffset = table.size;
  for (let j = 0; j < n; j++) table.push(w.re[j], w.im[j]);
  // b_j = conj(w_j) for |j| < n, wrapped to length size; its spectrum (with the 1/size of the inverse).
  const br = new Float64Array(size);
  const bi = new Float64Array(size);
  for (let j = 0; j < n; j++) {
    br[j] = w.re[j];
    bi[j] = -w.im[j];
    if (j > 0) {
      br[size - j] = w.re[j];
      bi[size - j] = -w.im[j];
    }
  }
  fft(br, bi, size);
  const filterOffset = table.size;
  for (let k = 0; k < size; k++) table.push(br[k] / size, bi[k] / size);
  return { n, kind: 'bluestein', size, passes, chirpOffset, filterOffset, table: table.finish() };
}

const plans = new Map<number, LinePlan>();

/** The plan for lines of length n, built once per length. */
export function linePlan(n: number): LinePlan {
  let plan = plans.get(n);
  if (!plan) {
    plan = buildLinePlan(n);
    if (plans.size >= 64) plans.delete(plans.keys().next().value!);
    plans.set(n, plan);
  }
  return plan;
}

/**
 * What the GPU passes compute, in float64 on the CPU: one line through the plan, exactly as
 * fftPass.wgsl and bluestein.wgsl order the arithmetic. Tests check it against fft64, so the
 * plan's tables and index arithmetic are proven before any shader runs.
 */
export function simulateLine(plan: LinePlan, re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const t = plan.table;
  const radixTransform = (xr: Float64Array, xi: Float64Array) => {
    let sr = xr, si = xi;
    const size = plan.size;
    for (const pass of plan.passes) {
      const dr = new Float64Array(size), di = new Float64Array(size);
      const R = pass.radix, stride = size / R;
      for (let j = 0; j < stride; j++) {
        const k = j % pass.span;
        const vr = new Float64Array(R), vi = new Float64Array(R);
        for (let r = 0; r < R; r++) {
          const wr = t[2 * (pass.twiddleOffset + k * R + r)], wi = t[2 * (pass.twiddleOffset + k * R + r) + 1];
          const ar = sr[j + r * stride], ai = si[j + r * stride];
          vr[r] = ar * wr - ai * wi;
          vi[r] = ar * wi + ai * wr;
        }
        const out = Math.floor(j / pass.span) * pass.span * R + k;
        for (let q = 0; q < R; q++) {
          let accr = vr[0], acci = vi[0], m = 0;
          for (let r = 1; r < R; r++) {
            m += q;
            if (m >= R) m -= R;
            const wr = t[2 * (pass.rootOffset + m)], wi = t[2 * (pass.rootOffset + m) + 1];
            accr += vr[r] * wr - vi[r] * wi;
            acci += vr[r] * wi + vi[r] * wr;
          }
          dr[out + q * pass.span] = accr;
          di[out + q * pass.span] = acci;
        }
      }
      sr = dr;
      si = di;
    }
    return { re: sr, im: si };
  };
  if (plan.kind === 'radix') return radixTransform(Float64Array.from(re), Float64Array.from(im));
  const n = plan.n, size = plan.size;
  const yr = new Float64Array(size), yi = new Float64Array(size);
  for (let j = 0; j < n; j++) {
    const wr = t[2 * (plan.chirpOffset + j)], wi = t[2 * (plan.chirpOffset + j) + 1];
    yr[j] = re[j] * wr - im[j] * wi;
    yi[j] = re[j] * wi + im[j] * wr;
  }
  const Y = radixTransform(yr, yi);
  for (let k = 0; k < size; k++) {
    const fr = t[2 * (plan.filterOffset + k)], fi = t[2 * (plan.filterOffset + k) + 1];
    const pr = Y.re[k] * fr - Y.im[k] * fi, pi = Y.re[k] * fi + Y.im[k] * fr;
    Y.re[k] = pr;
    Y.im[k] = -pi;
  }
  const Z = radixTransform(Y.re, Y.im);
  const outR = new Float64Array(n), outI = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const wr = t[2 * (plan.chirpOffset + k)], wi = t[2 * (plan.chirpOffset + k) + 1];
    const zr = Z.re[k], zi = -Z.im[k];
    outR[k] = zr * wr - zi * wi;
    outI[k] = zr * wi + zi * wr;
  }
  return { re: outR, im: outI };
}
