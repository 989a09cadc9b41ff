// Declarations every shader shares; src/engine/gpu/shaders.ts puts this file in front of each of
// them (WGSL has no includes), so that a helper is written once.

override WORKGROUP: u32 = 64u;

/** Complex product of (re, im) pairs. */
fn cmul(a: vec2f, b: vec2f) -> vec2f {
  return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

/** The invocation's index in a dispatch spread over x and y (gpuCommon.ts groupGrid). */
fn invocationIndex(gid: vec3u, groups: vec3u) -> u32 {
  return gid.x + gid.y * groups.x * WORKGROUP;
}

/**
 * Where line `line` starts in a buffer of many maps' lines: lines of one map are lineStride apart,
 * maps mapStride apart (fftPass.wgsl and bluestein.wgsl address rows and columns so).
 */
fn lineStart(line: u32, linesPerMap: u32, mapStride: u32, lineStride: u32) -> u32 {
  return (line / linesPerMap) * mapStride + (line % linesPerMap) * lineStride;
}
