// One Stockham autosort pass (decimation in time, natural order in and out) of radix RADIX over
// many complex lines at once. Line l starts at (l / linesPerMap) * mapStride +
// (l % linesPerMap) * lineStride and holds n elements elemStride apart, so the same pass runs
// along rows (elemStride 1) and along columns (elemStride = width) without a transpose.
// Twiddles and roots of unity come from a float64-built table (linePlan.ts), whose
// simulateLine mirrors this arithmetic step for step.

override RADIX: u32 = 2u;
override WORKGROUP: u32 = 64u;
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

fn cmul(a: vec2f, b: vec2f) -> vec2f {
  return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * groups.x * WORKGROUP;
  if (t >= params.butterflies * params.lines) { return; }
  var line: u32;
  var j: u32;
  if (params.lineFastest != 0u) {
    line = t % params.lines;
    j = t / params.lines;
  } else {
    j = t % params.butterflies;
    line = t / params.butterflies;
  }
  let base = (line / params.linesPerMap) * params.mapStride + (line % params.linesPerMap) * params.lineStride;
  let k = j % params.span;
  let twiddles = params.twiddleOffset + k * RADIX;
  var v: array<vec2f, MAX_RADIX>;
  for (var r = 0u; r < RADIX; r++) {
    v[r] = cmul(src[base + (j + r * params.butterflies) * params.elemStride], table[twiddles + r]);
  }
  let out = (j / params.span) * params.span * RADIX + k;
  for (var q = 0u; q < RADIX; q++) {
    var acc = v[0];
    var m = 0u;  // r q mod RADIX
    for (var r = 1u; r < RADIX; r++) {
      m += q;
      if (m >= RADIX) { m -= RADIX; }
      acc += cmul(v[r], table[params.rootOffset + m]);
    }
    dst[base + (out + q * params.span) * params.elemStride] = acc;
  }
}
