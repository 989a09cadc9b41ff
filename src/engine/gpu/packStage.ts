// GPU stage 1: maps (float32, as read) into centred, scaled complex pairs (shaders/pack.wgsl).

import { bind, computePipeline, encodeDispatches, type Dispatch } from './gpuCommon';
import { SHADERS } from './shaders';
import { structLayout, uniformBuffer } from './uniforms';
import { fixedBuffer, type BufferCost } from './bufferCost';

const PARAMS = structLayout(SHADERS.pack.code, 'Pack');

/** Packed values per invocation (see pack.wgsl). */
const VALUES_PER_INVOCATION = 8;

export class PackStage {
  /** GPU memory of the buffers this stage makes: its parameters (it reads and writes the pipeline's buffers). */
  static cost(): BufferCost {
    return fixedBuffer(PARAMS.bufferBytes);
  }

  private readonly params: GPUBuffer;
  private readonly dispatch: Dispatch;

  /** `maps` maps of `size` values in `input`, (mean, scale) per map in `meanScale`, into `pairs` pairs in `packed`. */
  constructor(device: GPUDevice, input: GPUBuffer, meanScale: GPUBuffer, packed: GPUBuffer, maps: number, size: number, pairs: number) {
    const pipeline = computePipeline(device, SHADERS.pack, 'main', { PER_INVOCATION: VALUES_PER_INVOCATION });
    this.params = uniformBuffer(device, 'pack params', PARAMS, { maps, size, pairs });
    this.dispatch = {
      pipeline,
      bindGroup: bind(device, 'pack', pipeline, [this.params, input, meanScale, packed]),
      invocations: Math.ceil((pairs * size) / VALUES_PER_INVOCATION),
    };
  }

  encode(pass: GPUComputePassEncoder): void {
    encodeDispatches(pass, [this.dispatch]);
  }

  /** Bytes of GPU buffers this stage owns. */
  get bytes(): number {
    return this.params.size;
  }

  destroy(): void {
    this.params.destroy();
  }
}
