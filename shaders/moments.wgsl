// Per map, on the GPU, what the CPU engine takes from the values in float64 (spec/SROP.md section 2, steps 1 and
// 7): a non-finite flag, the sum and the sum of squares; plus the pack stage's mean and the scale
// that brings the map's centred part to unit RMS. Three passes over a map's values: the smallest
// and largest values (whether the map is constant, and its largest magnitude, so that the values,
// scaled by a power of two to below 1, square without overflow or underflow in float32), the sum,
// then both sums of squares, each a Kahan sum. Two entry points: `main`, one workgroup per map
// (its invocations share the values and add their sums as a tree), for large maps; `perMap`, one
// invocation per map and no barriers, for small ones (a software rasteriser pays dearly for
// barriers, and small maps come many to a layer).

struct Params {
  maps: u32,   // map slots of the chunk
  size: u32,   // values per map
  count: u32,  // maps present: slots from here on are spare and come out as zeros
  pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> maps: array<f32>;
// Per map: (power-of-two scale s, or -1 for a non-finite map; sum of s x; sum of (s x)^2; sum of (s x - mean)^2).
@group(0) @binding(2) var<storage, read_write> moments: array<vec4f>;
// Per map: (mean, pack scale), as the pack stage reads them; the pack scale is 0 for a map with
// nothing left after centring (all zero, constant) or a non-finite one, which packs as zeros.
@group(0) @binding(3) var<storage, read_write> meanScale: array<vec2f>;

var<workgroup> shareA: array<f32, WORKGROUP>;
var<workgroup> shareB: array<f32, WORKGROUP>;
var<workgroup> shareC: array<f32, WORKGROUP>;
var<workgroup> sharedValue: f32;
var<workgroup> sharedConstant: u32;

// Exponent all ones: infinity or NaN (WGSL has no isnan, and compilers may assume no NaN).
fn nonFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

// (smallest, largest, 1 if any value is non-finite) of the values first, first + step, ... of a map.
fn rangeOf(base: u32, first: u32, step: u32) -> vec3f {
  var lo = maps[base];
  var hi = lo;
  var bad = 0.0;
  for (var i = first; i < params.size; i += step) {
    let v = maps[base + i];
    if (nonFinite(v)) { bad = 1.0; } else { lo = min(lo, v); hi = max(hi, v); }
  }
  return vec3f(lo, hi, bad);
}

// The largest magnitude as the map's status: -1 for non-finite, 0 for all zero.
fn statusOf(range: vec3f) -> f32 {
  if (range.z > 0.0 || nonFinite(range.x) || nonFinite(range.y)) { return -1.0; }
  return max(abs(range.x), abs(range.y));
}

// 2^-e with top = f * 2^e, 0.5 <= f < 1: the scaled values lie within (-1, 1), exactly scaled.
fn powerOfTwoScale(top: f32) -> f32 {
  return ldexp(1.0, clamp(-frexp(top).exp, -126, 126));
}

fn sumOf(base: u32, first: u32, step: u32, s: f32) -> f32 {
  var sum = 0.0;
  var carry = 0.0;
  for (var i = first; i < params.size; i += step) {
    let y = maps[base + i] * s - carry;
    let t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
  return sum;
}

// (sum of (s x)^2, sum of (s x - mean)^2).
fn squaresOf(base: u32, first: u32, step: u32, s: f32, mean: f32) -> vec2f {
  var squares = 0.0;
  var squaresCarry = 0.0;
  var centred = 0.0;
  var centredCarry = 0.0;
  for (var i = first; i < params.size; i += step) {
    let v = maps[base + i] * s;
    let y = v * v - squaresCarry;
    let t = squares + y;
    squaresCarry = (t - squares) - y;
    squares = t;
    let d = v - mean;
    let z = d * d - centredCarry;
    let u = centred + z;
    centredCarry = (u - centred) - z;
    centred = u;
  }
  return vec2f(squares, centred);
}

// A map with nothing to sum (status -1: non-finite, 0: all zero or a spare slot): packs as zeros.
fn writeEmpty(map: u32, status: f32) {
  moments[map] = vec4f(select(1.0, -1.0, status < 0.0), 0.0, 0.0, 0.0);
  meanScale[map] = vec2f(0.0, 0.0);
}

// A constant map has nothing left after centring, exactly (float32 round-off in the mean would
// otherwise leave a trace). The pack stage computes (x - mean) * scale on the unscaled values x.
fn writeMoments(map: u32, s: f32, total: f32, squares: f32, centredSquares: f32, constant: bool) {
  let c = select(centredSquares, 0.0, constant);
  moments[map] = vec4f(s, total, squares, c);
  let rms = sqrt(c / f32(params.size));
  let scale = select(0.0, min(s / rms, 1e38), c > 0.0);
  meanScale[map] = vec2f(total / f32(params.size) / s, scale);
}

@compute @workgroup_size(WORKGROUP)
fn perMap(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let map = invocationIndex(gid, groups);
  if (map >= params.maps) { return; }
  let base = map * params.size;
  if (map >= params.count) {
    writeEmpty(map, 0.0);
    return;
  }
  let range = rangeOf(base, 0u, 1u);
  let status = statusOf(range);
  if (status <= 0.0) {
    writeEmpty(map, status);
    return;
  }
  let s = powerOfTwoScale(status);
  let total = sumOf(base, 0u, 1u, s);
  let squares = squaresOf(base, 0u, 1u, s, total / f32(params.size));
  writeMoments(map, s, total, squares.x, squares.y, range.x == range.y);
}

fn reduceSums(lid: u32) {
  for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (lid < half) {
      shareA[lid] += shareA[lid + half];
      shareB[lid] += shareB[lid + half];
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let map = wid.x + wid.y * groups.x;
  if (map >= params.maps) { return; } // uniform across the workgroup
  let base = map * params.size;
  if (map >= params.count) {
    if (lid == 0u) { writeEmpty(map, 0.0); }
    return;
  }
  let range = rangeOf(base, lid, WORKGROUP);
  shareA[lid] = range.x;
  shareB[lid] = range.y;
  shareC[lid] = range.z;
  for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (lid < half) {
      shareA[lid] = min(shareA[lid], shareA[lid + half]);
      shareB[lid] = max(shareB[lid], shareB[lid + half]);
      shareC[lid] = max(shareC[lid], shareC[lid + half]);
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    let whole = vec3f(shareA[0], shareB[0], shareC[0]);
    sharedValue = statusOf(whole);
    sharedConstant = select(0u, 1u, whole.x == whole.y);
  }
  let status = workgroupUniformLoad(&sharedValue);
  if (status <= 0.0) {
    if (lid == 0u) { writeEmpty(map, status); }
    return;
  }
  let constant = workgroupUniformLoad(&sharedConstant) == 1u;
  let s = powerOfTwoScale(status);

  shareA[lid] = sumOf(base, lid, WORKGROUP, s);
  shareB[lid] = 0.0;
  reduceSums(lid);
  if (lid == 0u) {
    sharedValue = shareA[0];
  }
  let total = workgroupUniformLoad(&sharedValue);

  let squares = squaresOf(base, lid, WORKGROUP, s, total / f32(params.size));
  shareA[lid] = squares.x;
  shareB[lid] = squares.y;
  reduceSums(lid);
  if (lid == 0u) {
    writeMoments(map, s, total, shareA[0], shareB[0], constant);
  }
}
