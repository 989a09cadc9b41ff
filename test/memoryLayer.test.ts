// Live feature maps as layers: what readMaps gives is the caller's (the CPU engine's workers take
// its buffer), so the tensor behind the layer survives any number of reads and transfers.
import { describe, expect, it } from 'vitest';
import { memoryLayer } from '../src/io/memoryLayer';

describe('memory layers', () => {
  it('a read whose buffer is transferred away leaves the layer readable (NCHW and NHWC)', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 1 * 1 }, (_, i) => i + 0.5);
    for (const layout of ['nchw', 'nhwc'] as const) {
      // [N, C, H, W] = [2, 3, 1, 1] as NCHW, or as NHWC [N, H, W, C] = [2, 1, 1, 3]: six 1 x 1 maps either way.
      const dims = layout === 'nchw' ? [2, 3, 1, 1] : [2, 1, 1, 3];
      const layer = memoryLayer('se', 'model on image', { dims, data }, layout, 'test');
      const whole = await layer.readMaps(0, 6);
      structuredClone(whole.buffer, { transfer: [whole.buffer] });
      expect(whole.length).toBe(0);
      const again = await layer.readMaps(0, 6);
      expect(again.length).toBe(6);
      expect(Array.from(await layer.readMaps(3, 1))).toEqual([3.5]);
    }
    expect(data.length).toBe(6);
  });
});
