// GPU stage 3: per map and ring segment, the power of the packed spectra summed over the ring's
// half-spectrum bins (shaders/rings.wgsl); only these small profiles are copied back.

import type { RingTable } from '../ringTable';
import { bind, computePipeline, encodeDispatches, storageBuffer, type Dispatch } from './gpuCommon';
import { SHADERS } from './shaders';
import { structLayout, uniformBuffer } from './uniforms';
import { fixedBuffer, pairBuffer, sumCosts, type BufferCost } from './bufferCost';

const PARAMS = structLayout(SHADERS.rings.code, 'Rings');

/**
 * The ring table as the shader reads it: per segment (2 rings of them: in-disc rings, then
 * out-of-disc rings) its half-spectrum bins as full-spectrum indices row * W + kx, the bin's
 * weight (1 or 2 full-spectrum bins) in the top bit; the DC bin left out.
 */
export function ringSegments(table: RingTable): { segmentStart: Uint32Array; bins: Uint32Array } {
  const segments = 2 * table.rings;
  const segmentStart = new Uint32Array(segments + 1);
  const bins = new Uint32Array(table.order.length);
  let at = 0;
  for (let s = 0; s < segments; s++) {
    segmentStart[s] = at;
    for (let e = table.segmentStart[s]; e < table.segmentStart[s + 1]; e++) {
      const b = table.order[e];
      if (b === 0) continue;
      const row = Math.floor(b / table.cols);
      const kx = b - row * table.cols;
      bins[at++] = ((row * table.width + kx) | ((table.weight[b] - 1) << 31)) >>> 0;
    }
  }
  segmentStart[segments] = at;
  return { segmentStart, bins: bins.subarray(0, Math.max(at, 1)) };
}

export class RingStage {
  /**
   * GPU memory of the buffers this stage makes: its parameters, the ring table (its bins at most
   * every half-spectrum bin) and the energies.
   */
  static cost(table: RingTable): BufferCost {
    const segments = 2 * table.rings;
    return sumCosts(fixedBuffer(PARAMS.bufferBytes), fixedBuffer((segments + 1) * 4), fixedBuffer(table.order.length * 4), pairBuffer(2 * RingStage.energyBytesPerMap(table)));
  }

  /** Bytes of the energies per map (float32 per segment), as encodeCopy copies them. */
  static energyBytesPerMap(table: RingTable): number {
    return 2 * table.rings * 4;
  }

  readonly segments: number;
  private readonly params: GPUBuffer;
  private readonly segmentStart: GPUBuffer;
  private readonly bins: GPUBuffer;
  private readonly energies: GPUBuffer;
  private readonly dispatch: Dispatch;
  /** Bytes of the energies (maps x segments float32 values), as encodeCopy copies them. */
  readonly energyBytes: number;

  constructor(device: GPUDevice, table: RingTable, spectra: GPUBuffer, maps: number, label: string) {
    this.segments = 2 * table.rings;
    const { segmentStart, bins } = ringSegments(table);
    this.energyBytes = Math.max(16, maps * RingStage.energyBytesPerMap(table));
    this.params = uniformBuffer(device, `${label} ring params`, PARAMS, { maps, segments: this.segments, height: table.height, width: table.width });
    this.segmentStart = storageBuffer(device, `${label} ring segment starts`, segmentStart);
    this.bins = storageBuffer(device, `${label} ring bins`, bins);
    this.energies = device.createBuffer({ label: `${label} ring energies`, size: this.energyBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const pipeline = computePipeline(device, SHADERS.rings);
    this.dispatch = {
      pipeline,
      bindGroup: bind(device, `${label} rings`, pipeline, [this.params, spectra, this.segmentStart, this.bins, this.energies]),
      invocations: maps * this.segments,
    };
  }

  encode(pass: GPUComputePassEncoder): void {
    encodeDispatches(pass, [this.dispatch]);
  }

  /** After the compute pass: copy the energies into the chunk's mappable buffer at `offset`. */
  encodeCopy(encoder: GPUCommandEncoder, readback: GPUBuffer, offset: number): void {
    encoder.copyBufferToBuffer(this.energies, 0, readback, offset, this.energyBytes);
  }

  /** Bytes of GPU buffers this stage owns (the ring table and the energies). */
  get bytes(): number {
    return [this.params, this.segmentStart, this.bins, this.energies].reduce((sum, b) => sum + b.size, 0);
  }

  destroy(): void {
    for (const b of [this.params, this.segmentStart, this.bins, this.energies]) b.destroy();
  }
}
