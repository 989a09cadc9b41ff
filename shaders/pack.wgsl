// Packs maps two by two into complex maps (map 2p as the real part, 2p + 1 as the imaginary part),
// each centred on its mean and its centred part scaled to unit RMS (mean and scale from the CPU,
// in float64): centring only changes the DC bin, whose energy the engine takes from the values, and
// the scale keeps float32 powers far from overflow and underflow and the two maps of a pair on an
// equal footing. A map with scale 0 (non-finite, or nothing left after centring) packs as zeros.

override PER_INVOCATION: u32 = 8u;

struct Pack {
  maps: u32,
  size: u32,
  pairs: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> params: Pack;
@group(0) @binding(1) var<storage, read> maps: array<f32>;
@group(0) @binding(2) var<storage, read> meanScale: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> packed: array<vec2f>;

fn centred(map: u32, element: u32) -> f32 {
  if (map >= params.maps) { return 0.0; }
  let ms = meanScale[map];
  let value = (maps[map * params.size + element] - ms.x) * ms.y;
  return select(0.0, value, ms.y != 0.0);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Several consecutive values per invocation: a software rasteriser (SwiftShader) streams far
  // faster that way than with one value per invocation.
  let first = invocationIndex(gid, groups) * PER_INVOCATION;
  let total = params.pairs * params.size;
  for (var t = first; t < min(first + PER_INVOCATION, total); t++) {
    let pair = t / params.size;
    let element = t - pair * params.size;
    packed[t] = vec2f(centred(2u * pair, element), centred(2u * pair + 1u, element));
  }
}
