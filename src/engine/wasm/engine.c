// The CPU engine's per-group work in WebAssembly: the same float64 arithmetic, in the same order,
// as the TypeScript engine (src/engine/cpuEngine.ts: mapMoments, packColumnPairs,
// splitColumnPairs, accumulateRings; src/engine/fft/radixKernels.ts: the Stockham passes and
// runStages), so that its ring profiles are those of the TypeScript engine bit for bit
// (test/wasmEngine.test.ts). Built by tools/build-wasm.sh (clang --target=wasm32 -msimd128
// -ffp-contract=off: no fused multiply-add, no reassociation; the loops over the interleaved lines
// are vectorised two values at a time, each value getting the scalar code's operations) into
// src/engine/wasm/engineWasm.ts. Every constant that the TypeScript engine takes from Math.cos or
// Math.sin comes from there too (set_constants), and so do the twiddle tables: nothing here calls
// a math library. See docs/engine.md, "The WebAssembly engine".

typedef unsigned int u32;
typedef unsigned char u8;

// Constants written by the JavaScript side (wasmKernels.ts): sqrt(3) / 2; radix 5's cos and sin of
// 2 pi / 5 and 4 pi / 5; radix 7's of 2 pi / 7, 4 pi / 7, 6 pi / 7; 1 / sqrt(2).
static double H3, C51, C52, S51, S52, C71, C72, C73, S71, S72, S73, R8;

__attribute__((export_name("set_constants"))) void set_constants(const double *k) {
  H3 = k[0];
  C51 = k[1]; C52 = k[2]; S51 = k[3]; S52 = k[4];
  C71 = k[5]; C72 = k[6]; C73 = k[7]; S71 = k[8]; S72 = k[9]; S73 = k[10];
  R8 = k[11];
}

#define R restrict
// The loops over q (the interleaved lines) are vectorised: each lane does one value's scalar
// operations in order; the loop carries no sum, so nothing is reordered but independent values.
#define VECTORISE _Pragma("clang loop vectorize(enable) interleave(disable)")

static void pass2(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  for (int pp = 0; pp < m; pp++) {
    const double w1r = twr[pp], w1i = twi[pp];
    const int ib = s * pp, ob = 2 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm;
      const double a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
      const int o = ob + q;
      yr[o] = a0r + a1r;
      yi[o] = a0i + a1i;
      const double br = a0r - a1r, bi = a0i - a1i;
      yr[o + s] = br * w1r - bi * w1i;
      yi[o + s] = br * w1i + bi * w1r;
    }
  }
}

static void pass3(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  const double h = H3;
  for (int pp = 0; pp < m; pp++) {
    const double w1r = twr[2 * pp], w1i = twi[2 * pp];
    const double w2r = twr[2 * pp + 1], w2i = twi[2 * pp + 1];
    const int ib = s * pp, ob = 3 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm;
      const double a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1], a2r = xr[i2], a2i = xi[i2];
      const double ur = a1r + a2r, ui = a1i + a2i;
      const double sr = (a1r - a2r) * h, si = (a1i - a2i) * h;
      const double tr = a0r - 0.5 * ur, ti = a0i - 0.5 * ui;
      const int o = ob + q;
      yr[o] = a0r + ur;
      yi[o] = a0i + ui;
      const double b1r = tr + si, b1i = ti - sr;
      const double b2r = tr - si, b2i = ti + sr;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
    }
  }
}

static void pass4(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  for (int pp = 0; pp < m; pp++) {
    const double w1r = twr[3 * pp], w1i = twi[3 * pp];
    const double w2r = twr[3 * pp + 1], w2i = twi[3 * pp + 1];
    const double w3r = twr[3 * pp + 2], w3i = twi[3 * pp + 2];
    const int ib = s * pp, ob = 4 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm;
      const double a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
      const double a2r = xr[i2], a2i = xi[i2], a3r = xr[i3], a3i = xi[i3];
      const double t0r = a0r + a2r, t0i = a0i + a2i;
      const double t1r = a0r - a2r, t1i = a0i - a2i;
      const double t2r = a1r + a3r, t2i = a1i + a3i;
      const double t3r = a1i - a3i, t3i = a3r - a1r;
      const int o = ob + q;
      yr[o] = t0r + t2r;
      yi[o] = t0i + t2i;
      const double b1r = t1r + t3r, b1i = t1i + t3i;
      const double b2r = t0r - t2r, b2i = t0i - t2i;
      const double b3r = t1r - t3r, b3i = t1i - t3i;
      yr[o + s] = b1r * w1r - b1i * w1i;
      yi[o + s] = b1r * w1i + b1i * w1r;
      yr[o + 2 * s] = b2r * w2r - b2i * w2i;
      yi[o + 2 * s] = b2r * w2i + b2i * w2r;
      yr[o + 3 * s] = b3r * w3r - b3i * w3i;
      yi[o + 3 * s] = b3r * w3i + b3i * w3r;
    }
  }
}

static void pass5(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  const double c1 = C51, c2 = C52, s1 = S51, s2 = S52;
  for (int pp = 0; pp < m; pp++) {
    const int t = 4 * pp;
    const double w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1];
    const double w3r = twr[t + 2], w3i = twi[t + 2], w4r = twr[t + 3], w4i = twi[t + 3];
    const int ib = s * pp, ob = 5 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm;
      const double a0r = xr[i0], a0i = xi[i0];
      const double a1r = xr[i1], a1i = xi[i1], a4r = xr[i4], a4i = xi[i4];
      const double a2r = xr[i2], a2i = xi[i2], a3r = xr[i3], a3i = xi[i3];
      const double u1r = a1r + a4r, u1i = a1i + a4i, v1r = a1r - a4r, v1i = a1i - a4i;
      const double u2r = a2r + a3r, u2i = a2i + a3i, v2r = a2r - a3r, v2i = a2i - a3i;
      const double T1r = a0r + c1 * u1r + c2 * u2r, T1i = a0i + c1 * u1i + c2 * u2i;
      const double T2r = a0r + c2 * u1r + c1 * u2r, T2i = a0i + c2 * u1i + c1 * u2i;
      const double S1r = s1 * v1r + s2 * v2r, S1i = s1 * v1i + s2 * v2i;
      const double S2r = s2 * v1r - s1 * v2r, S2i = s2 * v1i - s1 * v2i;
      const int o = ob + q;
      yr[o] = a0r + u1r + u2r;
      yi[o] = a0i + u1i + u2i;
      const double b1r = T1r + S1i, b1i = T1i - S1r, b4r = T1r - S1i, b4i = T1i + S1r;
      const double b2r = T2r + S2i, b2i = T2i - S2r, b3r = T2r - S2i, b3i = T2i + S2r;
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

static void pass7(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  const double c1 = C71, c2 = C72, c3 = C73, s1 = S71, s2 = S72, s3 = S73;
  for (int pp = 0; pp < m; pp++) {
    const int t = 6 * pp;
    const double w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1], w3r = twr[t + 2], w3i = twi[t + 2];
    const double w4r = twr[t + 3], w4i = twi[t + 3], w5r = twr[t + 4], w5i = twi[t + 4], w6r = twr[t + 5], w6i = twi[t + 5];
    const int ib = s * pp, ob = 7 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm, i5 = i4 + sm, i6 = i5 + sm;
      const double a0r = xr[i0], a0i = xi[i0];
      const double a1r = xr[i1], a1i = xi[i1], a6r = xr[i6], a6i = xi[i6];
      const double a2r = xr[i2], a2i = xi[i2], a5r = xr[i5], a5i = xi[i5];
      const double a3r = xr[i3], a3i = xi[i3], a4r = xr[i4], a4i = xi[i4];
      const double u1r = a1r + a6r, u1i = a1i + a6i, v1r = a1r - a6r, v1i = a1i - a6i;
      const double u2r = a2r + a5r, u2i = a2i + a5i, v2r = a2r - a5r, v2i = a2i - a5i;
      const double u3r = a3r + a4r, u3i = a3i + a4i, v3r = a3r - a4r, v3i = a3i - a4i;
      const double T1r = a0r + c1 * u1r + c2 * u2r + c3 * u3r, T1i = a0i + c1 * u1i + c2 * u2i + c3 * u3i;
      const double T2r = a0r + c2 * u1r + c3 * u2r + c1 * u3r, T2i = a0i + c2 * u1i + c3 * u2i + c1 * u3i;
      const double T3r = a0r + c3 * u1r + c1 * u2r + c2 * u3r, T3i = a0i + c3 * u1i + c1 * u2i + c2 * u3i;
      const double S1r = s1 * v1r + s2 * v2r + s3 * v3r, S1i = s1 * v1i + s2 * v2i + s3 * v3i;
      const double S2r = s2 * v1r - s3 * v2r - s1 * v3r, S2i = s2 * v1i - s3 * v2i - s1 * v3i;
      const double S3r = s3 * v1r - s1 * v2r + s2 * v3r, S3i = s3 * v1i - s1 * v2i + s2 * v3i;
      const int o = ob + q;
      yr[o] = a0r + u1r + u2r + u3r;
      yi[o] = a0i + u1i + u2i + u3i;
      const double b1r = T1r + S1i, b1i = T1i - S1r, b6r = T1r - S1i, b6i = T1i + S1r;
      const double b2r = T2r + S2i, b2i = T2i - S2r, b5r = T2r - S2i, b5i = T2i + S2r;
      const double b3r = T3r + S3i, b3i = T3i - S3r, b4r = T3r - S3i, b4i = T3i + S3r;
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

static void pass8(int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi) {
  const int sm = s * m;
  const double r = R8;
  for (int pp = 0; pp < m; pp++) {
    const int t = 7 * pp;
    const double w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1], w3r = twr[t + 2], w3i = twi[t + 2];
    const double w4r = twr[t + 3], w4i = twi[t + 3], w5r = twr[t + 4], w5i = twi[t + 4];
    const double w6r = twr[t + 5], w6i = twi[t + 5], w7r = twr[t + 6], w7i = twi[t + 6];
    const int ib = s * pp, ob = 8 * s * pp;
    VECTORISE
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm, i5 = i4 + sm, i6 = i5 + sm, i7 = i6 + sm;
      const double a0r = xr[i0], a0i = xi[i0], a2r = xr[i2], a2i = xi[i2];
      const double a4r = xr[i4], a4i = xi[i4], a6r = xr[i6], a6i = xi[i6];
      const double e0r = a0r + a4r, e0i = a0i + a4i, e1r = a0r - a4r, e1i = a0i - a4i;
      const double e2r = a2r + a6r, e2i = a2i + a6i, e3r = a2i - a6i, e3i = a6r - a2r;
      const double E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
      const double E1r = e1r + e3r, E1i = e1i + e3i, E3r = e1r - e3r, E3i = e1i - e3i;
      const double a1r = xr[i1], a1i = xi[i1], a3r = xr[i3], a3i = xi[i3];
      const double a5r = xr[i5], a5i = xi[i5], a7r = xr[i7], a7i = xi[i7];
      const double f0r = a1r + a5r, f0i = a1i + a5i, f1r = a1r - a5r, f1i = a1i - a5i;
      const double f2r = a3r + a7r, f2i = a3i + a7i, f3r = a3i - a7i, f3i = a7r - a3r;
      const double O0r = f0r + f2r, O0i = f0i + f2i, O2r = f0r - f2r, O2i = f0i - f2i;
      const double O1r = f1r + f3r, O1i = f1i + f3i, O3r = f1r - f3r, O3i = f1i - f3i;
      const double P1r = (O1r + O1i) * r, P1i = (O1i - O1r) * r;
      const double P2r = O2i, P2i = -O2r;
      const double P3r = (O3i - O3r) * r, P3i = -(O3r + O3i) * r;
      const int o = ob + q;
      yr[o] = E0r + O0r;
      yi[o] = E0i + O0i;
      const double b1r = E1r + P1r, b1i = E1i + P1i;
      const double b2r = E2r + P2r, b2i = E2i + P2i;
      const double b3r = E3r + P3r, b3i = E3i + P3i;
      const double b4r = E0r - O0r, b4i = E0i - O0i;
      const double b5r = E1r - P1r, b5i = E1i - P1i;
      const double b6r = E2r - P2r, b6i = E2i - P2i;
      const double b7r = E3r - P3r, b7i = E3i - P3i;
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

// ---- the last pass of a transform (m = 1): no twiddles.

static void last2(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q], a1r = xr[q + s], a1i = xi[q + s];
    yr[q] = a0r + a1r;
    yi[q] = a0i + a1i;
    yr[q + s] = a0r - a1r;
    yi[q + s] = a0i - a1i;
  }
}

static void last3(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  const double h = H3;
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q], a1r = xr[q + s], a1i = xi[q + s], a2r = xr[q + 2 * s], a2i = xi[q + 2 * s];
    const double ur = a1r + a2r, ui = a1i + a2i;
    const double sr = (a1r - a2r) * h, si = (a1i - a2i) * h;
    const double tr = a0r - 0.5 * ur, ti = a0i - 0.5 * ui;
    yr[q] = a0r + ur;
    yi[q] = a0i + ui;
    yr[q + s] = tr + si;
    yi[q + s] = ti - sr;
    yr[q + 2 * s] = tr - si;
    yi[q + 2 * s] = ti + sr;
  }
}

static void last4(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q], a1r = xr[q + s], a1i = xi[q + s];
    const double a2r = xr[q + 2 * s], a2i = xi[q + 2 * s], a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const double t0r = a0r + a2r, t0i = a0i + a2i;
    const double t1r = a0r - a2r, t1i = a0i - a2i;
    const double t2r = a1r + a3r, t2i = a1i + a3i;
    const double t3r = a1i - a3i, t3i = a3r - a1r;
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

static void last5(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  const double c1 = C51, c2 = C52, s1 = S51, s2 = S52;
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q];
    const double a1r = xr[q + s], a1i = xi[q + s], a4r = xr[q + 4 * s], a4i = xi[q + 4 * s];
    const double a2r = xr[q + 2 * s], a2i = xi[q + 2 * s], a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const double u1r = a1r + a4r, u1i = a1i + a4i, v1r = a1r - a4r, v1i = a1i - a4i;
    const double u2r = a2r + a3r, u2i = a2i + a3i, v2r = a2r - a3r, v2i = a2i - a3i;
    const double T1r = a0r + c1 * u1r + c2 * u2r, T1i = a0i + c1 * u1i + c2 * u2i;
    const double T2r = a0r + c2 * u1r + c1 * u2r, T2i = a0i + c2 * u1i + c1 * u2i;
    const double S1r = s1 * v1r + s2 * v2r, S1i = s1 * v1i + s2 * v2i;
    const double S2r = s2 * v1r - s1 * v2r, S2i = s2 * v1i - s1 * v2i;
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

static void last7(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  const double c1 = C71, c2 = C72, c3 = C73, s1 = S71, s2 = S72, s3 = S73;
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q];
    const double a1r = xr[q + s], a1i = xi[q + s], a6r = xr[q + 6 * s], a6i = xi[q + 6 * s];
    const double a2r = xr[q + 2 * s], a2i = xi[q + 2 * s], a5r = xr[q + 5 * s], a5i = xi[q + 5 * s];
    const double a3r = xr[q + 3 * s], a3i = xi[q + 3 * s], a4r = xr[q + 4 * s], a4i = xi[q + 4 * s];
    const double u1r = a1r + a6r, u1i = a1i + a6i, v1r = a1r - a6r, v1i = a1i - a6i;
    const double u2r = a2r + a5r, u2i = a2i + a5i, v2r = a2r - a5r, v2i = a2i - a5i;
    const double u3r = a3r + a4r, u3i = a3i + a4i, v3r = a3r - a4r, v3i = a3i - a4i;
    const double T1r = a0r + c1 * u1r + c2 * u2r + c3 * u3r, T1i = a0i + c1 * u1i + c2 * u2i + c3 * u3i;
    const double T2r = a0r + c2 * u1r + c3 * u2r + c1 * u3r, T2i = a0i + c2 * u1i + c3 * u2i + c1 * u3i;
    const double T3r = a0r + c3 * u1r + c1 * u2r + c2 * u3r, T3i = a0i + c3 * u1i + c1 * u2i + c2 * u3i;
    const double S1r = s1 * v1r + s2 * v2r + s3 * v3r, S1i = s1 * v1i + s2 * v2i + s3 * v3i;
    const double S2r = s2 * v1r - s3 * v2r - s1 * v3r, S2i = s2 * v1i - s3 * v2i - s1 * v3i;
    const double S3r = s3 * v1r - s1 * v2r + s2 * v3r, S3i = s3 * v1i - s1 * v2i + s2 * v3i;
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

static void last8(int s, const double *R xr, const double *R xi, double *R yr, double *R yi) {
  const double r = R8;
  VECTORISE
  for (int q = 0; q < s; q++) {
    const double a0r = xr[q], a0i = xi[q], a2r = xr[q + 2 * s], a2i = xi[q + 2 * s];
    const double a4r = xr[q + 4 * s], a4i = xi[q + 4 * s], a6r = xr[q + 6 * s], a6i = xi[q + 6 * s];
    const double e0r = a0r + a4r, e0i = a0i + a4i, e1r = a0r - a4r, e1i = a0i - a4i;
    const double e2r = a2r + a6r, e2i = a2i + a6i, e3r = a2i - a6i, e3i = a6r - a2r;
    const double E0r = e0r + e2r, E0i = e0i + e2i, E2r = e0r - e2r, E2i = e0i - e2i;
    const double E1r = e1r + e3r, E1i = e1i + e3i, E3r = e1r - e3r, E3i = e1i - e3i;
    const double a1r = xr[q + s], a1i = xi[q + s], a3r = xr[q + 3 * s], a3i = xi[q + 3 * s];
    const double a5r = xr[q + 5 * s], a5i = xi[q + 5 * s], a7r = xr[q + 7 * s], a7i = xi[q + 7 * s];
    const double f0r = a1r + a5r, f0i = a1i + a5i, f1r = a1r - a5r, f1i = a1i - a5i;
    const double f2r = a3r + a7r, f2i = a3i + a7i, f3r = a3i - a7i, f3i = a7r - a3r;
    const double O0r = f0r + f2r, O0i = f0i + f2i, O2r = f0r - f2r, O2i = f0i - f2i;
    const double O1r = f1r + f3r, O1i = f1i + f3i, O3r = f1r - f3r, O3i = f1i - f3i;
    const double P1r = (O1r + O1i) * r, P1i = (O1i - O1r) * r;
    const double P3r = (O3i - O3r) * r, P3i = -(O3r + O3i) * r;
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

// Any odd radix p <= 31: pairs j and p - j (sums u, differences v).
static void passOdd(int p, int m, int s, const double *R xr, const double *R xi, double *R yr, double *R yi, const double *twr, const double *twi, const double *cosp, const double *sinp) {
  double ur[16], ui[16], vr[16], vi[16];
  const int h = (p - 1) >> 1;
  const int sm = s * m;
  for (int pp = 0; pp < m; pp++) {
    const int tb = (p - 1) * pp, ib = s * pp, ob = p * s * pp;
    for (int q = 0; q < s; q++) {
      const int i0 = ib + q;
      const double a0r = xr[i0], a0i = xi[i0];
      double sumr = a0r, sumi = a0i;
      for (int j = 1; j <= h; j++) {
        const int ia = i0 + j * sm, ibk = i0 + (p - j) * sm;
        const double ar = xr[ia], ai = xi[ia], br = xr[ibk], bi = xi[ibk];
        ur[j] = ar + br;
        ui[j] = ai + bi;
        vr[j] = ar - br;
        vi[j] = ai - bi;
        sumr += ar + br;
        sumi += ai + bi;
      }
      const int o = ob + q;
      yr[o] = sumr;
      yi[o] = sumi;
      for (int k = 1; k <= h; k++) {
        double Tr = a0r, Ti = a0i, Sr = 0, Si = 0;
        int t = 0;
        for (int j = 1; j <= h; j++) {
          t += k;
          if (t >= p) t -= p;
          const double c = cosp[t], sn = sinp[t];
          Tr += c * ur[j];
          Ti += c * ui[j];
          Sr += sn * vr[j];
          Si += sn * vi[j];
        }
        const double bkr = Tr + Si, bki = Ti - Sr;
        const double bmr = Tr - Si, bmi = Ti + Sr;
        const double wkr = twr[tb + k - 1], wki = twi[tb + k - 1];
        const double wmr = twr[tb + p - k - 1], wmi = twi[tb + p - k - 1];
        yr[o + k * s] = bkr * wkr - bki * wki;
        yi[o + k * s] = bkr * wki + bki * wkr;
        yr[o + (p - k) * s] = bmr * wmr - bmi * wmi;
        yi[o + (p - k) * s] = bmr * wmi + bmi * wmr;
      }
    }
  }
}

// A plan's passes, as the JavaScript side lays them out: per pass seven 32-bit words, p, m, and the
// addresses of its twiddles (re, im) and, for a generic odd radix, of cos and sin of 2 pi t / p.
typedef struct {
  int p, m;
  const double *twr, *twi, *cosp, *sinp;
  int unused;
} Stage;

// runStages: every pass, ping-ponging between x and y; 1 when the result ends in y.
static int runStages(const Stage *stages, int count, int lines, double *xr, double *xi, double *yr, double *yi) {
  int s = lines, inY = 0;
  double *ar = xr, *ai = xi, *br = yr, *bi = yi;
  for (int k = 0; k < count; k++) {
    const Stage *st = &stages[k];
    const int p = st->p, m = st->m;
    if (m == 1 && p <= 8) {
      switch (p) {
        case 2: last2(s, ar, ai, br, bi); break;
        case 3: last3(s, ar, ai, br, bi); break;
        case 4: last4(s, ar, ai, br, bi); break;
        case 5: last5(s, ar, ai, br, bi); break;
        case 7: last7(s, ar, ai, br, bi); break;
        case 8: last8(s, ar, ai, br, bi); break;
      }
    } else {
      switch (p) {
        case 2: pass2(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        case 3: pass3(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        case 4: pass4(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        case 5: pass5(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        case 7: pass7(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        case 8: pass8(m, s, ar, ai, br, bi, st->twr, st->twi); break;
        default: passOdd(p, m, s, ar, ai, br, bi, st->twr, st->twi, st->cosp, st->sinp);
      }
    }
    s *= p;
    double *tr = ar, *ti = ai;
    ar = br; ai = bi; br = tr; bi = ti;
    inY = !inY;
  }
  return inY;
}

// ---- one group of maps, as CpuEngine.profileGroup does it.

// The shape's facts and tables, laid out by the JavaScript side (wasmKernels.ts, ShapeTables).
typedef struct {
  int height, width, rings, pairs, halfRows;
  const Stage *columnStages;
  int columnCount;
  const Stage *rowStages;
  int rowCount;
  const int *segment;
  const double *rowWeight;
} Shape;

// The group's buffers: the maps (float32), four scratch lines of float64, the accumulator, and the
// outputs per map (sum, DC energy, sum of squares, non-finite flag, rings in and outside the disc).
typedef struct {
  const float *data;
  double *ar, *ai, *br, *bi, *acc;
  double *sums, *dc, *sumSquares, *inDisc, *outDisc;
  u8 *nonFinite;
} Group;

static void mapMoments(const float *data, int offset, int size, double *sum, double *squares) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  const int end = offset + size;
  int i = offset;
  for (; i + 3 < end; i += 4) {
    const double a = data[i], b = data[i + 1], c = data[i + 2], d = data[i + 3];
    s0 += a; s1 += b; s2 += c; s3 += d;
    q0 += a * a; q1 += b * b; q2 += c * c; q3 += d * d;
  }
  for (; i < end; i++) {
    const double a = data[i];
    s0 += a;
    q0 += a * a;
  }
  *sum = s0 + s1 + (s2 + s3);
  *squares = q0 + q1 + (q2 + q3);
}

static void packColumnPairs(const Shape *sh, const Group *g, int group, int columnLines) {
  const int H = sh->height, W = sh->width, pairs = sh->pairs, size = H * W, full = W >> 1;
  double *R ar = g->ar;
  double *R ai = g->ai;
  const float *R data = g->data;
  if (columnLines > group * pairs) for (int y = 0; y < H; y++) ar[y * columnLines + group * pairs] = ai[y * columnLines + group * pairs] = 0;
  for (int m = 0; m < group; m++) {
    const int finite = g->nonFinite[m] == 0;
    const double mean = finite ? g->sums[m] / size : 0;
    for (int y = 0; y < H; y++) {
      const int row = m * size + y * W, out = y * columnLines + m * pairs;
      if (!finite) {
        for (int l = 0; l < pairs; l++) ar[out + l] = ai[out + l] = 0;
        continue;
      }
      VECTORISE
      for (int l = 0; l < full; l++) {
        ar[out + l] = data[row + 2 * l] - mean;
        ai[out + l] = data[row + 2 * l + 1] - mean;
      }
      if (W & 1) {
        ar[out + full] = data[row + W - 1] - mean;
        ai[out + full] = 0;
      }
    }
  }
}

static void splitColumnPairs(const Shape *sh, int group, int columnLines, int rowLines, const double *R zr, const double *R zi, double *R yr, double *R yi) {
  const int H = sh->height, W = sh->width, pairs = sh->pairs, halfRows = sh->halfRows, full = W >> 1;
  if (rowLines > group * halfRows) for (int x = 0; x < W; x++) yr[x * rowLines + group * halfRows] = yi[x * rowLines + group * halfRows] = 0;
  const int stride = 2 * rowLines;
  for (int m = 0; m < group; m++) {
    for (int ky = 0; ky < halfRows; ky++) {
      const int zRow = ky * columnLines + m * pairs;
      const int vRow = ((H - ky) % H) * columnLines + m * pairs;
      int even = m * halfRows + ky;
      for (int l = 0; l < full; l++, even += stride) {
        const double ur = zr[zRow + l], ui = zi[zRow + l];
        const double vr = zr[vRow + l], vi = zi[vRow + l];
        yr[even] = ur + vr;
        yi[even] = ui - vi;
        yr[even + rowLines] = ui + vi;
        yi[even + rowLines] = vr - ur;
      }
      if (W & 1) {
        const double ur = zr[zRow + full], ui = zi[zRow + full];
        const double vr = zr[vRow + full], vi = zi[vRow + full];
        yr[even] = ur + vr;
        yi[even] = ui - vi;
      }
    }
  }
}

static void accumulateRings(const Shape *sh, const Group *g, int group, int rowLines, const double *fr, const double *fi) {
  const int W = sh->width, halfRows = sh->halfRows, rings = sh->rings;
  const int *segment = sh->segment;
  const double *rowWeight = sh->rowWeight;
  const int slots = 2 * rings + 1, odd = slots, pairsEnd = halfRows & ~1;
  double *acc = g->acc;
  for (int m = 0; m < group; m++) {
    double *inDisc = g->inDisc + m * rings, *outDisc = g->outDisc + m * rings;
    if (g->nonFinite[m]) {
      for (int r = 0; r < rings; r++) inDisc[r] = outDisc[r] = 0;
      continue;
    }
    for (int i = 0; i < 2 * slots; i++) acc[i] = 0;
    const int line0 = m * halfRows;
    for (int kx = 0; kx < W; kx++) {
      const int base = kx * rowLines + line0, seg = kx * halfRows;
      int ky = 0;
      for (; ky < pairsEnd; ky += 2) {
        const double r0 = fr[base + ky], i0 = fi[base + ky];
        const double r1 = fr[base + ky + 1], i1 = fi[base + ky + 1];
        acc[segment[seg + ky]] += (r0 * r0 + i0 * i0) * rowWeight[ky];
        acc[odd + segment[seg + ky + 1]] += (r1 * r1 + i1 * i1) * rowWeight[ky + 1];
      }
      if (ky < halfRows) {
        const double r0 = fr[base + ky], i0 = fi[base + ky];
        acc[segment[seg + ky]] += (r0 * r0 + i0 * i0) * rowWeight[ky];
      }
    }
    for (int r = 0; r < rings; r++) {
      inDisc[r] = acc[r] + acc[odd + r];
      outDisc[r] = acc[rings + r] + acc[odd + rings + r];
    }
  }
}

// The ring profiles of `group` maps (CpuEngine.profileGroup): moments, mean-removed column pairs,
// the column transforms, the split, the row transforms of rows ky = 0..H/2, the ring sums.
__attribute__((export_name("profile_group"))) void profile_group(const Shape *sh, const Group *g, int group) {
  const int H = sh->height, W = sh->width, size = H * W;
  for (int m = 0; m < group; m++) {
    double sum, squares;
    mapMoments(g->data, m * size, size, &sum, &squares);
    g->sums[m] = sum;
    g->dc[m] = sum * sum;
    g->sumSquares[m] = squares;
    g->nonFinite[m] = __builtin_isfinite(sum) ? 0 : 1;
  }
  const int columnLines = (group * sh->pairs) | 1, rowLines = (group * sh->halfRows) | 1;
  packColumnPairs(sh, g, group, columnLines);
  double *ar = g->ar, *ai = g->ai, *br = g->br, *bi = g->bi;
  double *yr, *yi, *zr, *zi;
  if (runStages(sh->columnStages, sh->columnCount, columnLines, ar, ai, br, bi)) {
    splitColumnPairs(sh, group, columnLines, rowLines, br, bi, ar, ai);
    yr = ar; yi = ai; zr = br; zi = bi;
  } else {
    splitColumnPairs(sh, group, columnLines, rowLines, ar, ai, br, bi);
    yr = br; yi = bi; zr = ar; zi = ai;
  }
  const int inZ = runStages(sh->rowStages, sh->rowCount, rowLines, yr, yi, zr, zi);
  accumulateRings(sh, g, group, rowLines, inZ ? zr : yr, inZ ? zi : yi);
}
