// Per map, on the GPU, what the CPU engine takes from the values in float64 (SPEC.md steps 1 and
// 7): a non-finite flag, the sum and the sum of squares; plus the pack stage's mean and the scale
// that brings the map's centred part to unit RMS. One workgroup per map, three passes over its
// values: the smallest and largest values (whether the map is constant, and its largest magnitude,
// so that the values, scaled by a power of two to below 1, square without overflow or underflow in
// float32), the sum, then both sums of squares. Each invocation sums its share with Kahan
// compensation, and the workgroup adds the shares as a tree.

override WORKGROUP: u32 = 64u;

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
var<workgroup> shared_value: f32;
var<workgroup> constant: u32;

// Exponent all ones: infinity or NaN (WGSL has no isnan, and compilers may assume no NaN).
fn nonFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn reduceSum(lid: u32) {
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
  let size = params.size;
  let present = map < params.count;

  // Pass 1: the smallest and largest values, and the non-finite flag (1.0 in shareC).
  var lo = 0.0;
  var hi = 0.0;
  var bad = 0.0;
  if (present && size > 0u) {
    lo = maps[base];
    hi = lo;
    for (var i = lid; i < size; i += WORKGROUP) {
      let v = maps[base + i];
      if (nonFinite(v)) { bad = 1.0; } else { lo = min(lo, v); hi = max(hi, v); }
    }
  }
  shareA[lid] = hi;
  shareB[lid] = lo;
  shareC[lid] = bad;
  for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (lid < half) {
      shareA[lid] = max(shareA[lid], shareA[lid + half]);
      shareB[lid] = min(shareB[lid], shareB[lid + half]);
      shareC[lid] = max(shareC[lid], shareC[lid + half]);
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    shared_value = select(max(abs(shareA[0]), abs(shareB[0])), -1.0, shareC[0] > 0.0 || nonFinite(shareA[0]) || nonFinite(shareB[0]));
    constant = select(0u, 1u, shareA[0] == shareB[0]);
  }
  let top = workgroupUniformLoad(&shared_value);
  if (top <= 0.0) {
    // Non-finite (-1), or all zero (0): nothing to sum, and the map packs as zeros.
    if (lid == 0u) {
      moments[map] = vec4f(select(1.0, -1.0, top < 0.0), 0.0, 0.0, 0.0);
      meanScale[map] = vec2f(0.0, 0.0);
    }
    return;
  }
  // A constant map has nothing left after centring, exactly (float32 round-off in the mean would
  // otherwise leave a trace).
  let isConstant = workgroupUniformLoad(&constant) == 1u;
  // 2^-e with top = f * 2^e, 0.5 <= f < 1: the scaled values lie within (-1, 1), exactly scaled.
  let e = frexp(top).exp;
  let s = ldexp(1.0, clamp(-e, -126, 126));

  // Pass 2: the sum of the scaled values.
  var sum = 0.0;
  var carry = 0.0;
  for (var i = lid; i < size; i += WORKGROUP) {
    let y = maps[base + i] * s - carry;
    let t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
  shareA[lid] = sum;
  shareB[lid] = 0.0;
  reduceSum(lid);
  if (lid == 0u) {
    shared_value = shareA[0];
  }
  let total = workgroupUniformLoad(&shared_value);
  let mean = total / f32(size);

  // Pass 3: the sums of squares of the scaled values, raw and centred.
  var squares = 0.0;
  var squaresCarry = 0.0;
  var centred = 0.0;
  var centredCarry = 0.0;
  for (var i = lid; i < size; i += WORKGROUP) {
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
  shareA[lid] = squares;
  shareB[lid] = centred;
  reduceSum(lid);
  if (lid == 0u) {
    let c = select(shareB[0], 0.0, isConstant);
    moments[map] = vec4f(s, total, shareA[0], c);
    // The pack stage computes (x - mean) * scale on the unscaled values x.
    let rms = sqrt(c / f32(size));
    let scale = select(0.0, min(s / rms, 1e38), c > 0.0);
    meanScale[map] = vec2f(mean / s, scale);
  }
}
