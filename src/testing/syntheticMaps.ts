// Seeded synthetic feature maps for engine checks and the benchmark (page and Node alike):
// ReLU-like sparse, smooth, constant, all-zero, NaN-holding and plain random maps.

import type { ProfileEngine } from '../engine/types';
import type { Layer } from '../io/types';
import { layerSrops, DEFAULT_PARAMS } from '../analysis/srop';
import { gaussian, seededRandom } from '../numeric/random';

export { seededRandom };

export type MapKind = 'relu' | 'smooth' | 'constant' | 'zero' | 'nan' | 'random';
export const MAP_KINDS: MapKind[] = ['relu', 'smooth', 'constant', 'zero', 'nan', 'random'];

/** `count` maps of H x W, kinds taken in turn from `kinds`, as one float32 array. */
export function syntheticMaps(count: number, height: number, width: number, seed = 1, kinds: MapKind[] = MAP_KINDS): Float32Array {
  const random = seededRandom(seed);
  const size = height * width;
  const out = new Float32Array(count * size);
  for (let m = 0; m < count; m++) {
    const kind = kinds[m % kinds.length];
    const map = out.subarray(m * size, (m + 1) * size);
    const fx = 1 + random() * 3;
    const fy = 1 + random() * 3;
    const phase = random() * 6.283;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        switch (kind) {
          case 'relu':
            map[i] = Math.max(0, gaussian(random) - 0.8);
            break;
          case 'smooth':
            map[i] = 2 + Math.sin((fx * x) / Math.max(width, 1) * 6.283 + phase) * Math.cos((fy * y) / Math.max(height, 1) * 6.283);
            break;
          case 'constant':
            map[i] = 0.7;
            break;
          case 'zero':
            map[i] = 0;
            break;
          case 'nan':
            map[i] = gaussian(random);
            break;
          case 'random':
            map[i] = gaussian(random) + 0.3;
            break;
        }
      }
    }
    if (kind === 'nan') map[Math.floor(random() * size)] = Number.NaN;
  }
  return out;
}

/** ReLU-like random activations of one layer (N = 1), for the benchmark. */
export function reluLayer(channels: number, height: number, width: number, seed = 7): Float32Array {
  return syntheticMaps(channels, height, width, seed, ['relu']);
}

/**
 * Seconds per image of `engine` on a workload of [C, H, W] layers (ReLU-like maps made before the
 * clock), profiles plus default SROPs, best of `repeat`. The GPU engine is asked for all layers
 * of an image without waiting (it uploads a layer while the one before computes and is read
 * back), and they are taken in order; the CPU engine takes one layer after another. One whole image first, untimed, so that
 * pipelines, buffers, plans and ring tables are made outside the timing. `probe`, if given, is
 * started before each timed image and its reading for the best one is returned beside the time.
 * Shared by the Node and page benchmarks.
 */
export async function timeWorkload<T = never>(
  engine: ProfileEngine,
  shapes: [number, number, number][],
  repeat: number,
  probe?: () => () => T,
): Promise<{ seconds: number; probed: T | null }> {
  const layers = shapes.map(([c, h, w], i) => reluLayer(c, h, w, i + 1));
  const image = async () => {
    // One layer after another on the CPU engine; all at once on the GPU engine and on the CPU
    // engine's pool (which bound what they hold, and keep every worker busy across layers).
    if (engine.backend !== 'gpu' && !('threads' in engine)) {
      for (const [i, [c, h, w]] of shapes.entries()) layerSrops(await engine.profileMaps(layers[i], c, h, w), DEFAULT_PARAMS);
      return;
    }
    const calls = shapes.map(([c, h, w], i) => engine.profileMaps(layers[i], c, h, w));
    for (const call of calls) call.catch(() => undefined); // each is awaited below, in order
    for (const call of calls) layerSrops(await call, DEFAULT_PARAMS);
  };
  await image();
  let best = Infinity;
  let probed: T | null = null;
  for (let r = 0; r < repeat; r++) {
    const stop = probe?.();
    const t0 = performance.now();
    await image();
    const seconds = (performance.now() - t0) / 1000;
    const reading = stop ? stop() : null;
    if (seconds < best) {
      best = seconds;
      probed = reading;
    }
  }
  return { seconds: best, probed };
}

/**
 * A float32 NCHW layer of `shape` held in memory (the engines' tests): each read is a copy of its
 * maps, and is recorded in `reads` as [first map, count].
 */
export function memoryLayer(data: Float32Array, shape: [number, number, number, number], reads: [number, number][] = [], file = 'maps.npy'): Layer {
  const [, , h, w] = shape;
  return {
    name: 'conv',
    file,
    shape,
    storedShape: shape,
    dtype: '<f4',
    layout: 'nchw',
    layoutReason: 'given',
    async readMaps(first: number, count: number) {
      reads.push([first, count]);
      return data.slice(first * h * w, (first + count) * h * w);
    },
  };
}
