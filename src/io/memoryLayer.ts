// Layers held in memory (a live model's feature maps): the same Layer interface as a file's, read
// by slices from one float32 tensor, NCHW or channels-last.

import type { Layer, Layout } from './types';

/** A float32 tensor with its shape (as a model runtime returns it). */
export interface MemoryTensor {
  dims: number[];
  data: Float32Array;
}

/**
 * A live feature map as a layer, read from memory: NCHW as the runtime returns a convolution's
 * output, or channels-last ([N, H, W, C], each map gathered) where the graph says so.
 */
export function memoryLayer(name: string, file: string, tensor: MemoryTensor, layout: Layout = 'nchw', layoutReason = 'model output', tensorName?: string): Layer {
  const [n, a, b, d] = tensor.dims;
  const shape: [number, number, number, number] = layout === 'nhwc' ? [n, d, a, b] : [n, a, b, d];
  const [, c, h, w] = shape;
  const size = h * w;
  const data = tensor.data;
  return {
    name,
    ...(tensorName && tensorName !== name ? { tensor: tensorName } : {}),
    file,
    shape,
    storedShape: [...tensor.dims],
    dtype: 'float32',
    layout,
    layoutReason,
    readMaps: async (first, count) => {
      if (layout === 'nchw') return data.subarray(first * size, (first + count) * size);
      const out = new Float32Array(count * size);
      for (let j = 0; j < count; j++) {
        const m = first + j;
        const base = Math.floor(m / c) * size * c + (m % c);
        for (let p = 0; p < size; p++) out[j * size + p] = data[base + p * c];
      }
      return out;
    },
  };
}

/** A channels-last runtime tensor [N, H, W, C] as [N, C, H, W] (a copy). */
export function nhwcToNchw(tensor: MemoryTensor): MemoryTensor {
  const [n, h, w, c] = tensor.dims;
  const size = h * w;
  const data = new Float32Array(tensor.data.length);
  for (let b = 0; b < n; b++) {
    const at = b * size * c;
    for (let p = 0; p < size; p++) for (let k = 0; k < c; k++) data[at + k * size + p] = tensor.data[at + p * c + k];
  }
  return { dims: [n, c, h, w], data };
}

