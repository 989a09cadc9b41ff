// Bluestein's chirp-z transform for line lengths with a prime factor above the largest radix:
// X_k = w_k sum_j (x_j w_j) conj(w_(k-j)), w_j = exp(-i pi j^2 / n), as a circular convolution of
// power-of-two length `size` done with fftPass.wgsl. The inverse transform is a forward one between
// two conjugations: `convolve` multiplies by the filter spectrum (1/size folded in) and conjugates,
// `chirpOut` conjugates back and applies the chirp. Lines are addressed as in fftPass.wgsl; the
// padded work lines are contiguous, `size` apart.

struct Chirp {
  n: u32,
  size: u32,
  lines: u32,
  linesPerMap: u32,
  lineStride: u32,
  elemStride: u32,
  mapStride: u32,
  chirpOffset: u32,
  filterOffset: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Chirp;
@group(0) @binding(1) var<storage, read> src: array<vec2f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2f>;
@group(0) @binding(3) var<storage, read> table: array<vec2f>;

fn lineBase(line: u32) -> u32 {
  return lineStart(line, params.linesPerMap, params.mapStride, params.lineStride);
}

/** Strided data lines times the chirp, zero-padded into contiguous work lines of length size. */
@compute @workgroup_size(WORKGROUP)
fn chirpIn(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = invocationIndex(gid, groups);
  if (t >= params.lines * params.size) { return; }
  let line = t / params.size;
  let j = t - line * params.size;
  var value = vec2f(0.0);
  if (j < params.n) {
    value = cmul(src[lineBase(line) + j * params.elemStride], table[params.chirpOffset + j]);
  }
  dst[t] = value;
}

/** conj(Y_k B_k / size): the filter product, conjugated for the inverse transform. */
@compute @workgroup_size(WORKGROUP)
fn convolve(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = invocationIndex(gid, groups);
  if (t >= params.lines * params.size) { return; }
  let product = cmul(src[t], table[params.filterOffset + t % params.size]);
  dst[t] = vec2f(product.x, -product.y);
}

/** X_k = w_k conj(z_k), k < n, written back into the strided data lines. */
@compute @workgroup_size(WORKGROUP)
fn chirpOut(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = invocationIndex(gid, groups);
  if (t >= params.lines * params.n) { return; }
  let line = t / params.n;
  let k = t - line * params.n;
  let z = src[line * params.size + k];
  dst[lineBase(line) + k * params.elemStride] = cmul(vec2f(z.x, -z.y), table[params.chirpOffset + k]);
}
