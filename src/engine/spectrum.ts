// The full 2-D power spectrum of one map, |DFT2|^2 in natural order (H x W), in float64 on the
// CPU: the CPU engine's answer for the channel view (the GPU engine has its own).
import { fft } from './fft64';

export function powerSpectrum64(map: Float32Array, height: number, width: number): Float64Array {
  const re = new Float64Array(height * width);
  const im = new Float64Array(height * width);
  // Rows first, as lines interleaved element-major (element x of row y at x * H + y).
  const tr = new Float64Array(re.length), ti = new Float64Array(re.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const v = map[y * width + x];
    tr[x * height + y] = Number.isFinite(v) ? v : 0;
  }
  fft(tr, ti, width, height);
  for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) {
    re[y * width + x] = tr[x * height + y];
    im[y * width + x] = ti[x * height + y];
  }
  // Then the columns: element y of column x at y * W + x, the row-major layout itself.
  fft(re, im, height, width);
  const power = new Float64Array(re.length);
  for (let i = 0; i < power.length; i++) power[i] = re[i] * re[i] + im[i] * im[i];
  return power;
}
