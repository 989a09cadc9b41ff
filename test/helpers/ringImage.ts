// A digit-like test picture: a bright ring on black, `size` x `size`, its radius `r` of the size
// (so that two images differ).
import type { RgbaImage } from '../../src/model/preprocess';

export function ring(size: number, r = 0.25): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const v = Math.abs(Math.hypot(x - size / 2, y - size / 2) - size * r) < size / 10 ? 255 : 0;
    data.set([v, v, v, 255], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}
