// GPU stage 0: per map, the non-finite flag, sum and sum of squares, and the pack stage's mean and
// scale (shaders/moments.wgsl), so that no pass over the values is left to the CPU.

import { bind, computePipeline, groupGrid, workgroups } from './gpuCommon';
import { SHADERS } from './shaders';
import { structLayout, uniformBuffer, writeUniformField } from './uniforms';
import { fixedBuffer, pairBuffer, sumCosts, type BufferCost } from './bufferCost';

const PARAMS = structLayout(SHADERS.moments.code, 'Params');
/** Bytes per map of the moments buffer (a vec4f: scale, sum, sum of squares, centred sum of squares). */
const MOMENT_BYTES = 16;
/** Bytes per map of the (mean, pack scale) buffer the pack stage reads (a vec2f). */
export const MEAN_SCALE_BYTES = 8;

/**
 * Maps of at most this many values take one invocation each (no barriers); larger ones one
 * workgroup each. On SwiftShader one workgroup per map made ResNet-50's many small maps 2.5 times
 * slower than the whole engine without this stage; one invocation per map costs a few percent.
 */
const VALUES_PER_INVOCATION_MAX = 4096;

/** One map's moments as read back: sum and sum of squares of its values, or non-finite. */
export interface MapMoments {
  nonFinite: boolean;
  sum: number;
  sumSquares: number;
}

export interface MomentReadback {
  moments: MapMoments[];
  packScale: Float32Array;
}

export class MomentStage {
  /** GPU memory of the buffers this stage makes (the maps and the mean and scale are the pipeline's). */
  static cost(): BufferCost {
    return sumCosts(fixedBuffer(PARAMS.bufferBytes), pairBuffer(2 * MOMENT_BYTES));
  }

  /** Bytes per pair of maps that encodeCopy copies (at least 16 for the moments). */
  static readonly copyBytesPerPair = 2 * (MOMENT_BYTES + MEAN_SCALE_BYTES);

  private readonly params: GPUBuffer;
  private readonly moments: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly momentBytes: number;
  private readonly meanScaleBytes: number;
  /** Bytes that encodeCopy copies: the moments, then the (mean, scale) pairs. */
  readonly copyBytes: number;
  private readonly perInvocation: boolean;

  /** `maps` map slots of `size` values in `input`; writes (mean, scale) per map into `meanScale`. */
  constructor(private readonly device: GPUDevice, input: GPUBuffer, private readonly meanScale: GPUBuffer, private readonly maps: number, size: number, label: string) {
    this.momentBytes = Math.max(16, maps * MOMENT_BYTES);
    this.meanScaleBytes = maps * MEAN_SCALE_BYTES;
    this.params = uniformBuffer(device, `${label} moment params`, PARAMS, { maps, size, count: maps });
    this.moments = device.createBuffer({ label: `${label} moments`, size: this.momentBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.copyBytes = this.momentBytes + this.meanScaleBytes;
    this.perInvocation = size <= VALUES_PER_INVOCATION_MAX;
    this.pipeline = computePipeline(device, SHADERS.moments, this.perInvocation ? 'perMap' : 'main');
    this.bindGroup = bind(device, `${label} moments`, this.pipeline, [this.params, input, this.moments, meanScale]);
  }

  /** Sets how many map slots hold maps in the next chunk; the rest come out as zeros. */
  setCount(count: number): void {
    writeUniformField(this.device.queue, this.params, PARAMS, 'count', count);
  }

  encode(pass: GPUComputePassEncoder): void {
    if (this.maps === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    // One invocation per map, or one workgroup per map.
    pass.dispatchWorkgroups(...(this.perInvocation ? workgroups(this.maps) : groupGrid(this.maps)));
  }

  /** After the compute pass: copy the moments and the (mean, scale) pairs into the chunk's mappable buffer at `offset`. */
  encodeCopy(encoder: GPUCommandEncoder, readback: GPUBuffer, offset: number): void {
    encoder.copyBufferToBuffer(this.moments, 0, readback, offset, this.momentBytes);
    encoder.copyBufferToBuffer(this.meanScale, 0, readback, offset + this.momentBytes, this.meanScaleBytes);
  }

  /**
   * From the copied values (`raw`, starting where encodeCopy put them): each map's moments, in
   * float64 (the power-of-two scale undone), and the pack scale it was packed with (0: nothing but
   * DC, or non-finite).
   */
  decode(raw: Float32Array, count: number): MomentReadback {
    const moments: MapMoments[] = [];
    const packScale = new Float32Array(count);
    const at = this.momentBytes / 4;
    for (let m = 0; m < count; m++) {
      const s = raw[4 * m];
      if (s < 0) {
        moments.push({ nonFinite: true, sum: Number.NaN, sumSquares: Number.NaN });
        continue;
      }
      moments.push({ nonFinite: false, sum: raw[4 * m + 1] / s, sumSquares: raw[4 * m + 2] / (s * s) });
      packScale[m] = raw[at + 2 * m + 1];
    }
    return { moments, packScale };
  }

  /** Bytes of GPU buffers this stage owns. */
  get bytes(): number {
    return this.params.size + this.moments.size;
  }

  destroy(): void {
    for (const b of [this.params, this.moments]) b.destroy();
  }
}
