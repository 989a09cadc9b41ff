// One Stockham autosort pass (decimation in time, natural order in and out) of radix RADIX over
// many complex lines at once. Line l starts at (l / linesPerMap) * mapStride +
// (l % linesPerMap) * lineStride and holds n elements elemStride apart, so the same pass runs
// along rows (elemStride 1) and along columns (elemStride = width) without a transpose.
// Twiddles and roots of unity come from a float64-built table (linePlan.ts), whose
// simulateLine mirrors this arithmetic; radices 2, 4 and 8 are written out without root
// multiplications, the others are direct DFTs through the table's roots.

override RADIX: u32 = 2u;
override PER_INVOCATION: u32 = 1u;
const MAX_RADIX: u32 = 16u;

struct Pass {
  n: u32,
  butterflies: u32,     // n / RADIX
  lines: u32,
  linesPerMap: u32,
  lineStride: u32,
  elemStride: u32,
  mapStride: u32,
  span: u32,            // product of the earlier passes' radices
  twiddleOffset: u32,
  rootOffset: u32,
  lineFastest: u32,     // 1: neighbouring invocations take neighbouring lines (columns)
  pad: u32,
}

@group(0) @binding(0) var<uniform> params: Pass;
@group(0) @binding(1) var<storage, read> src: array<vec2f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2f>;
@group(0) @binding(3) var<storage, read> table: array<vec2f>;

/** -i z */
fn minusI(z: vec2f) -> vec2f {
  return vec2f(z.y, -z.x);
}

/** The 4-point DFT (roots -i, -1, i), without multiplications. */
fn dft4(a: vec2f, b: vec2f, c: vec2f, d: vec2f) -> array<vec2f, 4> {
  let s0 = a + c;
  let d0 = a - c;
  let s1 = b + d;
  let d1 = minusI(b - d);
  return array<vec2f, 4>(s0 + s1, d0 + d1, s0 - s1, d0 - d1);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Several butterflies per invocation: a software rasteriser (SwiftShader) pays per invocation.
  let first = invocationIndex(gid, groups) * PER_INVOCATION;
  let total = params.butterflies * params.lines;
  for (var t = first; t < min(first + PER_INVOCATION, total); t++) {
    butterfly(t);
  }
}

fn butterfly(t: u32) {
  var line: u32;
  var j: u32;
  if (params.lineFastest != 0u) {
    line = t % params.lines;
    j = t / params.lines;
  } else {
    j = t % params.butterflies;
    line = t / params.butterflies;
  }
  let base = lineStart(line, params.linesPerMap, params.mapStride, params.lineStride);
  let k = j % params.span;
  let twiddles = params.twiddleOffset + k * RADIX;
  var v: array<vec2f, MAX_RADIX>;
  for (var r = 0u; r < RADIX; r++) {
    v[r] = cmul(src[base + (j + r * params.butterflies) * params.elemStride], table[twiddles + r]);
  }
  var y: array<vec2f, MAX_RADIX>;
  if (RADIX == 2u) {
    y[0] = v[0] + v[1];
    y[1] = v[0] - v[1];
  } else if (RADIX == 4u) {
    let x = dft4(v[0], v[1], v[2], v[3]);
    for (var q = 0u; q < 4u; q++) { y[q] = x[q]; }
  } else if (RADIX == 8u) {
    // Even and odd halves as two 4-point transforms, joined with the eighth roots of unity.
    let e = dft4(v[0], v[2], v[4], v[6]);
    let o = dft4(v[1], v[3], v[5], v[7]);
    let h = 0.70710678118654752;
    let o1 = vec2f(o[1].x + o[1].y, o[1].y - o[1].x) * h;   // (1 - i) / sqrt 2
    let o2 = minusI(o[2]);
    let o3 = vec2f(o[3].y - o[3].x, -o[3].x - o[3].y) * h;  // (-1 - i) / sqrt 2
    y[0] = e[0] + o[0];
    y[4] = e[0] - o[0];
    y[1] = e[1] + o1;
    y[5] = e[1] - o1;
    y[2] = e[2] + o2;
    y[6] = e[2] - o2;
    y[3] = e[3] + o3;
    y[7] = e[3] - o3;
  } else {
    for (var q = 0u; q < RADIX; q++) {
      var acc = v[0];
      var m = 0u;  // r q mod RADIX
      for (var r = 1u; r < RADIX; r++) {
        m += q;
        if (m >= RADIX) { m -= RADIX; }
        acc += cmul(v[r], table[params.rootOffset + m]);
      }
      y[q] = acc;
    }
  }
  let out = (j / params.span) * params.span * RADIX + k;
  for (var q = 0u; q < RADIX; q++) {
    dst[base + (out + q * params.span) * params.elemStride] = y[q];
  }
}
