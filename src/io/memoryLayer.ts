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
      // A copy: the caller may transfer its buffer (the CPU engine's workers), and the tensor stays.
      if (layout === 'nchw') return data.slice(first * size, (first + count) * size);
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


/**
 * A set of inputs run through a model batch by batch: the tensors are computed when they are asked
 * for (never all held at once). `run(first, count)` gives every layer's output for inputs
 * [first, first + count), as the runtime returns it (`count` at most `batch`).
 */
export interface LayerStream {
  inputs: number;
  /** Inputs per run. */
  batch: number;
  run(first: number, count: number, signal?: AbortSignal): Promise<Map<string, MemoryTensor>>;
}

/**
 * One tensor of a streamed set as a layer of shape [N, C, H, W]: `readMaps` runs the inputs that
 * hold the maps asked for (the channel view asks for one map: one input is run). `dims` is one
 * input's output as the runtime returns it ([1, ...]).
 */
export function streamedLayer(name: string, file: string, stream: LayerStream, dims: number[], layout: Layout = 'nchw', layoutReason = 'model output'): Layer {
  const one = memoryLayer(name, file, { dims, data: new Float32Array(0) }, layout, layoutReason);
  const [, c, h, w] = one.shape;
  const n = stream.inputs;
  return {
    ...one,
    shape: [n, c, h, w],
    storedShape: [n, ...dims.slice(1)],
    readMaps: async (first, count) => {
      const out = new Float32Array(count * h * w);
      let at = 0;
      while (at < count) {
        const map = first + at;
        const input = Math.floor(map / c);
        const inputs = Math.min(stream.batch, Math.ceil((first + count) / c) - input);
        const tensor = (await stream.run(input, inputs)).get(name);
        if (!tensor) throw new Error(`the model gave no tensor ${name} for input ${input}`);
        const part = memoryLayer(name, file, tensor, layout, layoutReason);
        const take = Math.min(count - at, inputs * c - (map - input * c));
        out.set(await part.readMaps(map - input * c, take), at * h * w);
        at += take;
      }
      return out;
    },
  };
}
