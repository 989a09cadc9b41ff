// Ring energies of every map from the packed 2-D spectra: one invocation per (map, segment) sums
// the power of the segment's half-spectrum bins (segment r: ring r inside the Nyquist disc;
// rings + r: ring r outside it; the DC bin is left out, its energy comes from the values). The two
// maps of a pair are separated on the fly: with Z the pair's spectrum and V = Z at -k,
// X_even = (Z + conj V) / 2 and X_odd = (Z - conj V) / 2i. Kahan summation keeps long rings exact
// to float32 rounding.

struct Rings {
  maps: u32,
  segments: u32,
  height: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Rings;
@group(0) @binding(1) var<storage, read> spectra: array<vec2f>;
@group(0) @binding(2) var<storage, read> segmentStart: array<u32>;
@group(0) @binding(3) var<storage, read> bins: array<u32>;   // full-spectrum index | (weight - 1) << 31
@group(0) @binding(4) var<storage, read_write> energies: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = invocationIndex(gid, groups);
  if (t >= params.maps * params.segments) { return; }
  let map = t / params.segments;
  let segment = t - map * params.segments;
  let H = params.height;
  let W = params.width;
  let base = (map / 2u) * H * W;
  let sign = select(1.0, -1.0, (map & 1u) == 1u);
  var sum = 0.0;
  var carry = 0.0;
  for (var e = segmentStart[segment]; e < segmentStart[segment + 1u]; e++) {
    let entry = bins[e];
    let bin = entry & 0x7fffffffu;
    let weight = f32((entry >> 31u) + 1u);
    let row = bin / W;
    let col = bin - row * W;
    let mirror = ((H - row) % H) * W + (W - col) % W;
    let z = spectra[base + bin];
    let v = spectra[base + mirror];
    let x = vec2f(z.x + sign * v.x, z.y - sign * v.y);
    let term = dot(x, x) * 0.25 * weight - carry;
    let next = sum + term;
    carry = (next - sum) - term;
    sum = next;
  }
  energies[t] = sum;
}
