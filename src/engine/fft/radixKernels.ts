// The written-out Stockham passes of the float64 FFT (src/engine/fft64.ts): radices 2, 3, 4, 5, 7
// and 8, their twiddle-free last passes, the generic odd radix, and runStages, which runs a plan's
// passes. Moved out of fft64.ts unchanged.

import type { MixedRadixPlan, Stage } from './plan';

// ---- passes: x -> y, one radix-p step of the Stockham DIF recursion (current length n = p m,
// stride s). Input a_j at s (pp + j m) + q, output at s (p pp + k) + q, for pp < m and q < s.

function pass2(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  for (let pp = 0; pp < m; pp++) {
    const w1r = twr[pp];
    const w1i = twi[pp];
    const ib = s * pp;
    const ob = 2 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm;
      const a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
      const o = ob + q;
      yr[o] = a0r + a1r;
      yi[o] = a0i + a1i;
      const br = a0r - a1r, bi = a0i - a1i;
      yr[o + s] = br * w1r - bi * w1i;
      yi[o + s] = br * w1i + bi * w1r;
    }
  }
}

function pass3(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  const h = Math.sqrt(3) / 2;
  for (let pp = 0; pp < m; pp++) {
    const w1r = twr[2 * pp], w1i = twi[2 * pp];
    const w2r = twr[2 * pp + 1], w2i = twi[2 * pp + 1];
    const ib = s * pp;
    const ob = 3 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm;
      const i2 = i1 + sm;
      const a0r = xr[i0], a0i = xi[i0];
      const a1r = xr[i1], a1i = xi[i1];
      const a2r = xr[i2], a2i = xi[i2];
      const ur = a1r + a2r, ui = a1i + a2i;
      const sr = (a1r - a2r) * h, si = (a1i - a2i) * h;
      const tr = a0r - 0.5 * ur, ti = a0i - 0.5 * ui;
      const o = ob + q;
      yr[o] = a0r + ur;
      yi[o] = a0i + ui;
      const b1r = tr + si, b1i = ti - sr;
      const b2r = tr - si, b2i = ti + sr;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
    }
  }
}

function pass4(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  for (let pp = 0; pp < m; pp++) {
    const w1r = twr[3 * pp], w1i = twi[3 * pp];
    const w2r = twr[3 * pp + 1], w2i = twi[3 * pp + 1];
    const w3r = twr[3 * pp + 2], w3i = twi[3 * pp + 2];
    const ib = s * pp;
    const ob = 4 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm;
      const i2 = i1 + sm;
      const i3 = i2 + sm;
      const a0r = xr[i0], a0i = xi[i0];
      const a1r = xr[i1], a1i = xi[i1];
      const a2r = xr[i2], a2i = xi[i2];
      const a3r = xr[i3], a3i = xi[i3];
      const t0r = a0r + a2r, t0i = a0i + a2i;
      const t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i;
      const t3r = a1i - a3i, t3i = a3r - a1r; // (a1 - a3) * (-i)
      const o = ob + q;
      yr[o] = t0r + t2r;
      yi[o] = t0i + t2i;
      const b1r = t1r + t3r, b1i = t1i + t3i;
      const b2r = t0r - t2r, b2i = t0i - t2i;
      const b3r = t1r - t3r, b3i = t1i - t3i;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
      yr[o + 3 * s] = b3r * w3r - b3i * w3i;
      yi[o + 3 * s] = b3r * w3i + b3i * w3r;
    }
  }
}

function pass5(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  const c1 = Math.cos((2 * Math.PI) / 5), c2 = Math.cos((4 * Math.PI) / 5);
  const s1 = Math.sin((2 * Math.PI) / 5), s2 = Math.sin((4 * Math.PI) / 5);
  for (let pp = 0; pp < m; pp++) {
    const t = 4 * pp;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1];
    const w3r = twr[t + 2], w3i = twi[t + 2], w4r = twr[t + 3], w4i = twi[t + 3];
    const ib = s * pp;
    const ob = 5 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm;
      const a0r = xr[i0], a0i = xi[i0];
      const a1r = xr[i1], a1i = xi[i1], a4r = xr[i4], a4i = xi[i4];
      const a2r = xr[i2], a2i = xi[i2], a3r = xr[i3], a3i = xi[i3];
      const u1r = a1r + a4r, u1i = a1i + a4i, v1r = a1r - a4r, v1i = a1i - a4i;
      const u2r = a2r + a3r, u2i = a2i + a3i, v2r = a2r - a3r, v2i = a2i - a3i;
      const T1r = a0r + c1 * u1r + c2 * u2r, T1i = a0i + c1 * u1i + c2 * u2i;
      const T2r = a0r + c2 * u1r + c1 * u2r, T2i = a0i + c2 * u1i + c1 * u2i;
      const S1r = s1 * v1r + s2 * v2r, S1i = s1 * v1i + s2 * v2i;
      const S2r = s2 * v1r - s1 * v2r, S2i = s2 * v1i - s1 * v2i;
      const o = ob + q;
      yr[o] = a0r + u1r + u2r;
      yi[o] = a0i + u1i + u2i;
      // b_k = T_k - i S_k, b_{p-k} = T_k + i S_k
      const b1r = T1r + S1i, b1i = T1i - S1r, b4r = T1r - S1i, b4i = T1i + S1r;
      const b2r = T2r + S2i, b2i = T2i - S2r, b3r = T2r - S2i, b3i = T2i + S2r;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
      yr[o + 3 * s] = b3r * w3r - b3i * w3i;
      yi[o + 3 * s] = b3r * w3i + b3i * w3r;
      yr[o + 4 * s] = b4r * w4r - b4i * w4i;
      yi[o + 4 * s] = b4r * w4i + b4i * w4r;
    }
  }
}

function pass7(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  const c1 = Math.cos((2 * Math.PI) / 7), c2 = Math.cos((4 * Math.PI) / 7), c3 = Math.cos((6 * Math.PI) / 7);
  const s1 = Math.sin((2 * Math.PI) / 7), s2 = Math.sin((4 * Math.PI) / 7), s3 = Math.sin((6 * Math.PI) / 7);
  for (let pp = 0; pp < m; pp++) {
    const t = 6 * pp;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1], w3r = twr[t + 2], w3i = twi[t + 2];
    const w4r = twr[t + 3], w4i = twi[t + 3], w5r = twr[t + 4], w5i = twi[t + 4], w6r = twr[t + 5], w6i = twi[t + 5];
    const ib = s * pp;
    const ob = 7 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm, i5 = i4 + sm, i6 = i5 + sm;
      const a0r = xr[i0], a0i = xi[i0];
      const a1r = xr[i1], a1i = xi[i1], a6r = xr[i6], a6i = xi[i6];
      const a2r = xr[i2], a2i = xi[i2], a5r = xr[i5], a5i = xi[i5];
      const a3r = xr[i3], a3i = xi[i3], a4r = xr[i4], a4i = xi[i4];
      const u1r = a1r + a6r, u1i = a1i + a6i, v1r = a1r - a6r, v1i = a1i - a6i;
      const u2r = a2r + a5r, u2i = a2i + a5i, v2r = a2r - a5r, v2i = a2i - a5i;
      const u3r = a3r + a4r, u3i = a3i + a4i, v3r = a3r - a4r, v3i = a3i - a4i;
      const T1r = a0r + c1 * u1r + c2 * u2r + c3 * u3r, T1i = a0i + c1 * u1i + c2 * u2i + c3 * u3i;
      const T2r = a0r + c2 * u1r + c3 * u2r + c1 * u3r, T2i = a0i + c2 * u1i + c3 * u2i + c1 * u3i;
      const T3r = a0r + c3 * u1r + c1 * u2r + c2 * u3r, T3i = a0i + c3 * u1i + c1 * u2i + c2 * u3i;
      const S1r = s1 * v1r + s2 * v2r + s3 * v3r, S1i = s1 * v1i + s2 * v2i + s3 * v3i;
      const S2r = s2 * v1r - s3 * v2r - s1 * v3r, S2i = s2 * v1i - s3 * v2i - s1 * v3i;
      const S3r = s3 * v1r - s1 * v2r + s2 * v3r, S3i = s3 * v1i - s1 * v2i + s2 * v3i;
      const o = ob + q;
      yr[o] = a0r + u1r + u2r + u3r;
      yi[o] = a0i + u1i + u2i + u3i;
      const b1r = T1r + S1i, b1i = T1i - S1r, b6r = T1r - S1i, b6i = T1i + S1r;
      const b2r = T2r + S2i, b2i = T2i - S2r, b5r = T2r - S2i, b5i = T2i + S2r;
      const b3r = T3r + S3i, b3i = T3i - S3r, b4r = T3r - S3i, b4i = T3i + S3r;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
      yr[o + 3 * s] = b3r * w3r - b3i * w3i;
      yi[o + 3 * s] = b3r * w3i + b3i * w3r;
      yr[o + 4 * s] = b4r * w4r - b4i * w4i;
      yi[o + 4 * s] = b4r * w4i + b4i * w4r;
      yr[o + 5 * s] = b5r * w5r - b5i * w5i;
      yi[o + 5 * s] = b5r * w5i + b5i * w5r;
      yr[o + 6 * s] = b6r * w6r - b6i * w6i;
      yi[o + 6 * s] = b6r * w6i + b6i * w6r;
    }
  }
}

function pass8(m: number, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, twr: Float64Array, twi: Float64Array): void {
  const sm = s * m;
  const r = Math.SQRT1_2;
  for (let pp = 0; pp < m; pp++) {
    const t = 7 * pp;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1], w3r = twr[t + 2], w3i = twi[t + 2];
    const w4r = twr[t + 3], w4i = twi[t + 3], w5r = twr[t + 4], w5i = twi[t + 4];
    const w6r = twr[t + 5], w6i = twi[t + 5], w7r = twr[t + 6], w7i = twi[t + 6];
    const ib = s * pp;
    const ob = 8 * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm, i5 = i4 + sm, i6 = i5 + sm, i7 = i6 + sm;
      // even half: DFT4(a0, a2, a4, a6)
      const a0r = xr[i0], a0i = xi[i0], a2r = xr[i2], a2i = xi[i2];
      const a4r = xr[i4], a4i = xi[i4], a6r = xr[i6], a6i = xi[i6];
      const e0r = a0r + a4r, e0i = a0i + a4i, e1r = a0r - a4r, e1i = a0i - a4i;
      const e2r = a2r + a6r, e2i = a2i + a6i, e3r = a2i - a6i, e3i = a6r - a2r;
      const E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
      const E1r = e1r + e3r, E1i = e1i + e3i, E3r = e1r - e3r, E3i = e1i - e3i;
      // odd half: DFT4(a1, a3, a5, a7)
      const a1r = xr[i1], a1i = xi[i1], a3r = xr[i3], a3i = xi[i3];
      const a5r = xr[i5], a5i = xi[i5], a7r = xr[i7], a7i = xi[i7];
      const f0r = a1r + a5r, f0i = a1i + a5i, f1r = a1r - a5r, f1i = a1i - a5i;
      const f2r = a3r + a7r, f2i = a3i + a7i, f3r = a3i - a7i, f3i = a7r - a3r;
      const O0r = f0r + f2r, O0i = f0i + f2i, O2r = f0r - f2r, O2i = f0i - f2i;
      const O1r = f1r + f3r, O1i = f1i + f3i, O3r = f1r - f3r, O3i = f1i - f3i;
      // w8^k O_k: w8 = (1 - i)/sqrt2, w8^2 = -i, w8^3 = -(1 + i)/sqrt2
      const P1r = (O1r + O1i) * r, P1i = (O1i - O1r) * r;
      const P2r = O2i, P2i = -O2r;
      const P3r = (O3i - O3r) * r, P3i = -(O3r + O3i) * r;
      const o = ob + q;
      yr[o] = E0r + O0r;
      yi[o] = E0i + O0i;
      const b1r = E1r + P1r, b1i = E1i + P1i;
      const b2r = E2r + P2r, b2i = E2i + P2i;
      const b3r = E3r + P3r, b3i = E3i + P3i;
      const b4r = E0r - O0r, b4i = E0i - O0i;
      const b5r = E1r - P1r, b5i = E1i - P1i;
      const b6r = E2r - P2r, b6i = E2i - P2i;
      const b7r = E3r - P3r, b7i = E3i - P3i;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
      yr[o + 3 * s] = b3r * w3r - b3i * w3i;
      yi[o + 3 * s] = b3r * w3i + b3i * w3r;
      yr[o + 4 * s] = b4r * w4r - b4i * w4i;
      yi[o + 4 * s] = b4r * w4i + b4i * w4r;
      yr[o + 5 * s] = b5r * w5r - b5i * w5i;
      yi[o + 5 * s] = b5r * w5i + b5i * w5r;
      yr[o + 6 * s] = b6r * w6r - b6i * w6i;
      yi[o + 6 * s] = b6r * w6i + b6i * w6r;
      yr[o + 7 * s] = b7r * w7r - b7i * w7i;
      yi[o + 7 * s] = b7r * w7i + b7i * w7r;
    }
  }
}

// ---- last passes (m = 1, every twiddle is 1): the same butterflies without the multiplications.
// Input a_j at s j + q, output b_k at s k + q.

function last2(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q], a1r = xr[q + s], a1i = xi[q + s];
    yr[q] = a0r + a1r;
    yi[q] = a0i + a1i;
    yr[q + s] = a0r - a1r;
    yi[q + s] = a0i - a1i;
  }
}

function last3(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const h = Math.sqrt(3) / 2;
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q];
    const a1r = xr[q + s], a1i = xi[q + s];
    const a2r = xr[q + 2 * s], a2i = xi[q + 2 * s];
    const ur = a1r + a2r, ui = a1i + a2i;
    const sr = (a1r - a2r) * h, si = (a1i - a2i) * h;
    const tr = a0r - 0.5 * ur, ti = a0i - 0.5 * ui;
    yr[q] = a0r + ur;
    yi[q] = a0i + ui;
    yr[q + s] = tr + si;
    yi[q + s] = ti - sr;
    yr[q + 2 * s] = tr - si;
    yi[q + 2 * s] = ti + sr;
  }
}

function last4(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q];
    const a1r = xr[q + s], a1i = xi[q + s];
    const a2r = xr[q + 2 * s], a2i = xi[q + 2 * s];
    const a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const t0r = a0r + a2r, t0i = a0i + a2i;
    const t1r = a0r - a2r, t1i = a0i - a2i;
    const t2r = a1r + a3r, t2i = a1i + a3i;
    const t3r = a1i - a3i, t3i = a3r - a1r;
    yr[q] = t0r + t2r;
    yi[q] = t0i + t2i;
    yr[q + s] = t1r + t3r;
    yi[q + s] = t1i + t3i;
    yr[q + 2 * s] = t0r - t2r;
    yi[q + 2 * s] = t0i - t2i;
    yr[q + 3 * s] = t1r - t3r;
    yi[q + 3 * s] = t1i - t3i;
  }
}

function last5(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const c1 = Math.cos((2 * Math.PI) / 5), c2 = Math.cos((4 * Math.PI) / 5);
  const s1 = Math.sin((2 * Math.PI) / 5), s2 = Math.sin((4 * Math.PI) / 5);
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q];
    const a1r = xr[q + s], a1i = xi[q + s], a4r = xr[q + 4 * s], a4i = xi[q + 4 * s];
    const a2r = xr[q + 2 * s], a2i = xi[q + 2 * s], a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const u1r = a1r + a4r, u1i = a1i + a4i, v1r = a1r - a4r, v1i = a1i - a4i;
    const u2r = a2r + a3r, u2i = a2i + a3i, v2r = a2r - a3r, v2i = a2i - a3i;
    const T1r = a0r + c1 * u1r + c2 * u2r, T1i = a0i + c1 * u1i + c2 * u2i;
    const T2r = a0r + c2 * u1r + c1 * u2r, T2i = a0i + c2 * u1i + c1 * u2i;
    const S1r = s1 * v1r + s2 * v2r, S1i = s1 * v1i + s2 * v2i;
    const S2r = s2 * v1r - s1 * v2r, S2i = s2 * v1i - s1 * v2i;
    yr[q] = a0r + u1r + u2r;
    yi[q] = a0i + u1i + u2i;
    yr[q + s] = T1r + S1i;
    yi[q + s] = T1i - S1r;
    yr[q + 2 * s] = T2r + S2i;
    yi[q + 2 * s] = T2i - S2r;
    yr[q + 3 * s] = T2r - S2i;
    yi[q + 3 * s] = T2i + S2r;
    yr[q + 4 * s] = T1r - S1i;
    yi[q + 4 * s] = T1i + S1r;
  }
}

function last7(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const c1 = Math.cos((2 * Math.PI) / 7), c2 = Math.cos((4 * Math.PI) / 7), c3 = Math.cos((6 * Math.PI) / 7);
  const s1 = Math.sin((2 * Math.PI) / 7), s2 = Math.sin((4 * Math.PI) / 7), s3 = Math.sin((6 * Math.PI) / 7);
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q];
    const a1r = xr[q + s], a1i = xi[q + s], a6r = xr[q + 6 * s], a6i = xi[q + 6 * s];
    const a2r = xr[q + 2 * s], a2i = xi[q + 2 * s], a5r = xr[q + 5 * s], a5i = xi[q + 5 * s];
    const a3r = xr[q + 3 * s], a3i = xi[q + 3 * s], a4r = xr[q + 4 * s], a4i = xi[q + 4 * s];
    const u1r = a1r + a6r, u1i = a1i + a6i, v1r = a1r - a6r, v1i = a1i - a6i;
    const u2r = a2r + a5r, u2i = a2i + a5i, v2r = a2r - a5r, v2i = a2i - a5i;
    const u3r = a3r + a4r, u3i = a3i + a4i, v3r = a3r - a4r, v3i = a3i - a4i;
    const T1r = a0r + c1 * u1r + c2 * u2r + c3 * u3r, T1i = a0i + c1 * u1i + c2 * u2i + c3 * u3i;
    const T2r = a0r + c2 * u1r + c3 * u2r + c1 * u3r, T2i = a0i + c2 * u1i + c3 * u2i + c1 * u3i;
    const T3r = a0r + c3 * u1r + c1 * u2r + c2 * u3r, T3i = a0i + c3 * u1i + c1 * u2i + c2 * u3i;
    const S1r = s1 * v1r + s2 * v2r + s3 * v3r, S1i = s1 * v1i + s2 * v2i + s3 * v3i;
    const S2r = s2 * v1r - s3 * v2r - s1 * v3r, S2i = s2 * v1i - s3 * v2i - s1 * v3i;
    const S3r = s3 * v1r - s1 * v2r + s2 * v3r, S3i = s3 * v1i - s1 * v2i + s2 * v3i;
    yr[q] = a0r + u1r + u2r + u3r;
    yi[q] = a0i + u1i + u2i + u3i;
    yr[q + s] = T1r + S1i;
    yi[q + s] = T1i - S1r;
    yr[q + 2 * s] = T2r + S2i;
    yi[q + 2 * s] = T2i - S2r;
    yr[q + 3 * s] = T3r + S3i;
    yi[q + 3 * s] = T3i - S3r;
    yr[q + 4 * s] = T3r - S3i;
    yi[q + 4 * s] = T3i + S3r;
    yr[q + 5 * s] = T2r - S2i;
    yi[q + 5 * s] = T2i + S2r;
    yr[q + 6 * s] = T1r - S1i;
    yi[q + 6 * s] = T1i + S1r;
  }
}

function last8(s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const r = Math.SQRT1_2;
  for (let q = 0; q < s; q++) {
    const a0r = xr[q], a0i = xi[q], a2r = xr[q + 2 * s], a2i = xi[q + 2 * s];
    const a4r = xr[q + 4 * s], a4i = xi[q + 4 * s], a6r = xr[q + 6 * s], a6i = xi[q + 6 * s];
    const e0r = a0r + a4r, e0i = a0i + a4i, e1r = a0r - a4r, e1i = a0i - a4i;
    const e2r = a2r + a6r, e2i = a2i + a6i, e3r = a2i - a6i, e3i = a6r - a2r;
    const E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
    const E1r = e1r + e3r, E1i = e1i + e3i, E3r = e1r - e3r, E3i = e1i - e3i;
    const a1r = xr[q + s], a1i = xi[q + s], a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const a5r = xr[q + 5 * s], a5i = xi[q + 5 * s], a7r = xr[q + 7 * s], a7i = xi[q + 7 * s];
    const f0r = a1r + a5r, f0i = a1i + a5i, f1r = a1r - a5r, f1i = a1i - a5i;
    const f2r = a3r + a7r, f2i = a3i + a7i, f3r = a3i - a7i, f3i = a7r - a3r;
    const O0r = f0r + f2r, O0i = f0i + f2i, O2r = f0r - f2r, O2i = f0i - f2i;
    const O1r = f1r + f3r, O1i = f1i + f3i, O3r = f1r - f3r, O3i = f1i - f3i;
    const P1r = (O1r + O1i) * r, P1i = (O1i - O1r) * r;
    const P3r = (O3i - O3r) * r, P3i = -(O3r + O3i) * r;
    yr[q] = E0r + O0r;
    yi[q] = E0i + O0i;
    yr[q + s] = E1r + P1r;
    yi[q + s] = E1i + P1i;
    yr[q + 2 * s] = E2r + O2i;
    yi[q + 2 * s] = E2i - O2r;
    yr[q + 3 * s] = E3r + P3r;
    yi[q + 3 * s] = E3i + P3i;
    yr[q + 4 * s] = E0r - O0r;
    yi[q + 4 * s] = E0i - O0i;
    yr[q + 5 * s] = E1r - P1r;
    yi[q + 5 * s] = E1i - P1i;
    yr[q + 6 * s] = E2r - O2i;
    yi[q + 6 * s] = E2i + O2r;
    yr[q + 7 * s] = E3r - P3r;
    yi[q + 7 * s] = E3i - P3i;
  }
}

/** Any odd radix p: pairs j and p - j (sums u, differences v), O(p^2 / 2) per butterfly. */
function passOdd(stage: Stage, s: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { p, m, twr, twi } = stage;
  const cosp = stage.cosp!;
  const sinp = stage.sinp!;
  const w = stage.scratch!; // ur, ui, vr, vi, each of length h + 1
  const h = (p - 1) >> 1;
  const sm = s * m;
  const uo = 0, uio = p, vo = 2 * p, vio = 3 * p;
  for (let pp = 0; pp < m; pp++) {
    const tb = (p - 1) * pp;
    const ib = s * pp;
    const ob = p * s * pp;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const a0r = xr[i0], a0i = xi[i0];
      let sumr = a0r, sumi = a0i;
      for (let j = 1; j <= h; j++) {
        const ia = i0 + j * sm;
        const ibk = i0 + (p - j) * sm;
        const ar = xr[ia], ai = xi[ia], br = xr[ibk], bi = xi[ibk];
        w[uo + j] = ar + br;
        w[uio + j] = ai + bi;
        w[vo + j] = ar - br;
        w[vio + j] = ai - bi;
        sumr += ar + br;
        sumi += ai + bi;
      }
      const o = ob + q;
      yr[o] = sumr;
      yi[o] = sumi;
      for (let k = 1; k <= h; k++) {
        let Tr = a0r, Ti = a0i, Sr = 0, Si = 0;
        let t = 0;
        for (let j = 1; j <= h; j++) {
          t += k;
          if (t >= p) t -= p;
          const c = cosp[t], sn = sinp[t];
          Tr += c * w[uo + j];
          Ti += c * w[uio + j];
          Sr += sn * w[vo + j];
          Si += sn * w[vio + j];
        }
        const bkr = Tr + Si, bki = Ti - Sr; // T - iS
        const bmr = Tr - Si, bmi = Ti + Sr; // T + iS, output p - k
        const wkr = twr[tb + k - 1], wki = twi[tb + k - 1];
        const wmr = twr[tb + p - k - 1], wmi = twi[tb + p - k - 1];
        yr[o + k * s] = bkr * wkr - bki * wki;
        yi[o + k * s] = bkr * wki + bki * wkr;
        yr[o + (p - k) * s] = bmr * wmr - bmi * wmi;
        yi[o + (p - k) * s] = bmr * wmi + bmi * wmr;
      }
    }
  }
}

/** Runs every pass, ping-ponging between (xr, xi) and (yr, yi); true when the result ends in y. */
export function runStages(plan: MixedRadixPlan, lines: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): boolean {
  let s = lines;
  let inY = false;
  let ar = xr, ai = xi, br = yr, bi = yi;
  for (const stage of plan.stages) {
    const { p, m, twr, twi } = stage;
    if (m === 1 && p <= 8) {
      // radices here are 2, 3, 4, 5, 7 or 8 (odd primes above 7 go to passOdd)
      switch (p) {
        case 2: last2(s, ar, ai, br, bi); break;
        case 3: last3(s, ar, ai, br, bi); break;
        case 4: last4(s, ar, ai, br, bi); break;
        case 5: last5(s, ar, ai, br, bi); break;
        case 7: last7(s, ar, ai, br, bi); break;
        case 8: last8(s, ar, ai, br, bi); break;
      }
    } else switch (p) {
      case 2: pass2(m, s, ar, ai, br, bi, twr, twi); break;
      case 3: pass3(m, s, ar, ai, br, bi, twr, twi); break;
      case 4: pass4(m, s, ar, ai, br, bi, twr, twi); break;
      case 5: pass5(m, s, ar, ai, br, bi, twr, twi); break;
      case 7: pass7(m, s, ar, ai, br, bi, twr, twi); break;
      case 8: pass8(m, s, ar, ai, br, bi, twr, twi); break;
      default: passOdd(stage, s, ar, ai, br, bi);
    }
    s *= p;
    const tr = ar, ti = ai;
    ar = br; ai = bi; br = tr; bi = ti;
    inY = !inY;
  }
  return inY;
}
