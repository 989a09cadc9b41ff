// The WebGPU engine: every map's ring-energy profile (SPEC.md steps 1-7) with WGSL compute
// shaders. Per chunk of maps: upload, pack pairs of maps into complex maps (PackStage), FFT the
// rows and then the columns (LineFftStage), and sum the power per ring (RingStage), in one
// submission; only the profiles come back. The per-map moments (DC energy, sum of squares,
// non-finite flag) are taken in float64 on the CPU from the values as they are uploaded, exactly
// as the CPU engine takes them. Chunks are sized so that the GPU memory in use stays under a
// bound (256 MiB by default) and every buffer within the device's binding limits.

import type { Layer } from '../../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from '../types';
import { ringTable, type RingTable } from '../ringTable';
import { checkShape, emptyProfiles, fillMapMoments } from '../profileMath';
import { linePlan, type LinePlan } from './linePlan';
import { PackStage } from './packStage';
import { LineFftStage } from './lineFftStage';
import { RingStage } from './ringStage';

export const DEFAULT_GPU_MEMORY_BOUND = 256 * 1024 * 1024;
/**
 * Most values per chunk, whatever the bound allows: a chunk is read, decoded and summed on the CPU
 * in one stretch, so this keeps the page responsive (and the next read overlaps the GPU's work).
 */
const MAX_CHUNK_VALUES = 8 * 1024 * 1024;

export interface GpuEngineOptions {
  /** Most bytes of GPU buffers one chunk may use (default 256 MiB). */
  memoryBound?: number;
}

/** Bytes per pair of maps of one shape, and the largest single buffer per pair. */
function pairCost(height: number, width: number, rows: LinePlan, columns: LinePlan, segments: number): { total: number; largest: number } {
  const size = height * width;
  const packed = size * 8;
  const rowWork = rows.kind === 'bluestein' ? height * rows.size * 8 : 0;
  const columnWork = columns.kind === 'bluestein' ? width * columns.size * 8 : 0;
  const work = Math.max(rowWork, columnWork);
  const total = 2 * size * 4 + 2 * packed + 2 * work + 2 * 2 * segments * 4 + 2 * 8;
  return { total, largest: Math.max(packed, work, 2 * size * 4) };
}

/** Buffers and bound stages for chunks of `pairs` pairs of one shape. */
class ChunkPipeline {
  readonly input: GPUBuffer;
  readonly meanScale: GPUBuffer;
  private readonly buffers: GPUBuffer[] = [];
  private readonly pack: PackStage;
  private readonly rows: LineFftStage;
  private readonly columns: LineFftStage;
  readonly rings: RingStage;
  /** The buffer that holds the 2-D spectra of the pairs after the column pass. */
  readonly spectra: GPUBuffer;

  constructor(private readonly device: GPUDevice, table: RingTable, readonly pairs: number) {
    const { height: H, width: W } = table;
    const size = H * W;
    const label = `${H}x${W} x${pairs} pairs`;
    const create = (what: string, bytes: number, usage: number) => {
      const buffer = device.createBuffer({ label: `${label} ${what}`, size: Math.max(16, bytes), usage });
      this.buffers.push(buffer);
      return buffer;
    };
    const storage = GPUBufferUsage.STORAGE;
    this.input = create('maps', 2 * pairs * size * 4, storage | GPUBufferUsage.COPY_DST);
    this.meanScale = create('mean and scale', 2 * pairs * 8, storage | GPUBufferUsage.COPY_DST);
    const spectra = storage | GPUBufferUsage.COPY_SRC;
    const data: [GPUBuffer, GPUBuffer] = [create('spectra A', pairs * size * 8, spectra), create('spectra B', pairs * size * 8, spectra)];
    const rowPlan = linePlan(W);
    const columnPlan = linePlan(H);
    const workValues = Math.max(rowPlan.kind === 'bluestein' ? pairs * H * rowPlan.size : 0, columnPlan.kind === 'bluestein' ? pairs * W * columnPlan.size : 0);
    const work: [GPUBuffer, GPUBuffer] | null = workValues ? [create('bluestein work A', workValues * 8, storage), create('bluestein work B', workValues * 8, storage)] : null;
    this.pack = new PackStage(device, this.input, this.meanScale, data[0], 2 * pairs, size, pairs);
    this.rows = new LineFftStage(device, rowPlan, { lines: pairs * H, linesPerMap: H, lineStride: W, elemStride: 1, mapStride: size, lineFastest: false }, data, 0, work, `${label} rows`);
    this.columns = new LineFftStage(device, columnPlan, { lines: pairs * W, linesPerMap: W, lineStride: 1, elemStride: W, mapStride: size, lineFastest: true }, data, this.rows.resultIn, work, `${label} columns`);
    this.rings = new RingStage(device, table, data[this.columns.resultIn], 2 * pairs, label);
    this.spectra = data[this.columns.resultIn];
  }

  /** Records the whole chunk: pack, row and column transforms, rings, and the copy back. */
  encode(): GPUCommandBuffer {
    const encoder = this.device.createCommandEncoder({ label: 'srop chunk' });
    const pass = encoder.beginComputePass({ label: 'srop profiles' });
    this.pack.encode(pass);
    this.rows.encode(pass);
    this.columns.encode(pass);
    this.rings.encode(pass);
    pass.end();
    this.rings.encodeCopy(encoder);
    return encoder.finish();
  }

  destroy(): void {
    this.pack.destroy();
    this.rows.destroy();
    this.columns.destroy();
    this.rings.destroy();
    for (const b of this.buffers) b.destroy();
  }
}

export class GpuEngine implements ProfileEngine {
  readonly backend = 'gpu' as const;
  private readonly memoryBound: number;
  private readonly bufferLimit: number;
  /** Pipelines for the current shape: the full chunk size and the last, shorter chunk. */
  private chunkPipelines = new Map<string, ChunkPipeline>();
  private lostReason: string | null = null;
  private destroyed = false;

  get released(): boolean {
    return this.destroyed || this.lostReason !== null;
  }

  constructor(
    private readonly device: GPUDevice,
    readonly adapter: string,
    options: GpuEngineOptions = {},
  ) {
    this.memoryBound = Math.max(1, options.memoryBound ?? DEFAULT_GPU_MEMORY_BOUND);
    this.bufferLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    device.lost.then((info) => {
      this.lostReason = info.message || info.reason || 'lost';
    });
  }

  /** Maps per chunk for this shape under the memory bound and the binding limits (even, at least 2). */
  chunkMaps(height: number, width: number): number {
    const table = ringTable(height, width);
    const cost = pairCost(height, width, linePlan(width), linePlan(height), 2 * table.rings);
    const pairs = Math.min(Math.floor(this.memoryBound / cost.total), Math.floor(this.bufferLimit / cost.largest), Math.max(1, Math.floor(MAX_CHUNK_VALUES / (2 * height * width))));
    if (pairs < 1) {
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      throw new Error(
        `GPU engine: maps of ${height} x ${width} need ${mib(cost.total)} of GPU memory per pair (largest buffer ${mib(cost.largest)}), ` +
          `more than the bound of ${mib(this.memoryBound)} or the device's buffer limit of ${mib(this.bufferLimit)}`,
      );
    }
    return 2 * pairs;
  }

  async profileMaps(data: Float32Array, count: number, height: number, width: number, options: ProfileOptions = {}): Promise<RingProfiles> {
    checkShape(count, height, width);
    const size = height * width;
    if (data.length < count * size) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    return this.profile(count, height, width, async (first, n) => data.subarray(first * size, (first + n) * size), options);
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkShape(total, height, width);
    const size = height * width;
    return this.profile(total, height, width, async (first, count) => {
      const data = await layer.readMaps(first, count);
      if (data.length < count * size) {
        throw new Error(`${layer.file}: ${layer.name}: maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`);
      }
      return data;
    }, options);
  }

  private async profile(total: number, height: number, width: number, read: (first: number, count: number) => Promise<Float32Array>, options: ProfileOptions): Promise<RingProfiles> {
    this.checkUsable();
    options.signal?.throwIfAborted();
    const table = ringTable(height, width);
    const profiles = emptyProfiles(height, width, total, table.rings);
    if (total === 0) return profiles;
    const chunk = this.chunkMaps(height, width);
    // The next chunk is read while the GPU works on this one.
    let pending = read(0, Math.min(chunk, total));
    for (let first = 0; first < total; first += chunk) {
      const count = Math.min(chunk, total - first);
      const data = await pending;
      options.signal?.throwIfAborted();
      const done = this.runChunk(table, data, count, profiles, first);
      const next = first + chunk;
      if (next < total) {
        pending = read(next, Math.min(chunk, total - next));
        pending.catch(() => undefined); // a failed read is reported when awaited, not as an unhandled rejection
      }
      await done;
      options.onProgress?.(first + count, total);
      options.signal?.throwIfAborted();
    }
    return profiles;
  }

  private pipelineFor(table: RingTable, pairs: number): ChunkPipeline {
    const key = `${table.height}x${table.width}:${pairs}`;
    let pipeline = this.chunkPipelines.get(key);
    if (pipeline) return pipeline;
    // Keep at most two (a layer's full chunks and its last one); older shapes' buffers go.
    while (this.chunkPipelines.size >= 2) {
      const [oldKey, old] = this.chunkPipelines.entries().next().value!;
      old.destroy();
      this.chunkPipelines.delete(oldKey);
    }
    pipeline = new ChunkPipeline(this.device, table, pairs);
    this.chunkPipelines.set(key, pipeline);
    return pipeline;
  }

  private async runChunk(table: RingTable, data: Float32Array, count: number, profiles: RingProfiles, first: number): Promise<void> {
    const size = table.height * table.width;
    const sums = fillMapMoments(data, count, size, profiles, first);
    // Centre on the float64 mean and scale to unit RMS, so that float32 powers neither overflow nor underflow.
    const meanScale = new Float32Array(2 * count);
    for (let m = 0; m < count; m++) {
      const slot = first + m;
      if (profiles.nonFinite[slot]) continue; // scale 0: packed as zeros
      const rms = Math.sqrt(profiles.sumSquares[slot] / size);
      meanScale[2 * m] = sums[m] / size;
      meanScale[2 * m + 1] = rms > 0 ? Math.min(1 / rms, 1e30) : 1;
    }
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let energies: Float32Array;
    try {
      const pipeline = this.pipelineFor(table, Math.ceil(count / 2));
      device.queue.writeBuffer(pipeline.input, 0, data.subarray(0, count * size));
      device.queue.writeBuffer(pipeline.meanScale, 0, meanScale);
      device.queue.submit([pipeline.encode()]);
      const reading = pipeline.rings.read();
      const validation = await device.popErrorScope();
      const memory = await device.popErrorScope();
      const error = validation ?? memory;
      if (error) {
        reading.catch(() => undefined);
        throw new Error(`GPU engine: ${error.message}`);
      }
      energies = await reading;
    } catch (error) {
      if (this.lostReason) throw new Error(`GPU engine: the GPU device was lost (${this.lostReason})`);
      throw error;
    }
    const { rings } = table;
    const segments = 2 * rings;
    for (let m = 0; m < count; m++) {
      const slot = first + m;
      if (profiles.nonFinite[slot]) continue;
      const scale = meanScale[2 * m + 1];
      const unscale = 1 / (scale * scale);
      const from = m * segments;
      const to = slot * rings;
      for (let r = 0; r < rings; r++) {
        profiles.inDisc[to + r] = energies[from + r] * unscale;
        profiles.outDisc[to + r] = energies[from + rings + r] * unscale;
      }
    }
  }

  /**
   * One map's power spectrum through the same GPU stages (pack, row and column passes): the
   * map is the real part of a pair whose imaginary part is zero, so the read-back spectrum is the
   * map's own. Centring and scaling are undone in float64; the DC bin is |sum|^2.
   */
  async powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    checkShape(1, height, width);
    this.checkUsable();
    const size = height * width;
    const finite = Float32Array.from(map.subarray(0, size), (v) => (Number.isFinite(v) ? v : 0));
    let sum = 0, sumSquares = 0;
    for (const v of finite) {
      sum += v;
      sumSquares += v * v;
    }
    const rms = Math.sqrt(sumSquares / size);
    const meanScale = new Float32Array([sum / size, rms > 0 ? Math.min(1 / rms, 1e30) : 1, 0, 0]);
    const device = this.device;
    const pipeline = this.pipelineFor(ringTable(height, width), 1);
    const readback = device.createBuffer({ label: 'spectrum readback', size: size * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      device.queue.writeBuffer(pipeline.input, 0, finite);
      device.queue.writeBuffer(pipeline.meanScale, 0, meanScale);
      const commands = pipeline.encode();
      const encoder = device.createCommandEncoder({ label: 'spectrum copy' });
      encoder.copyBufferToBuffer(pipeline.spectra, 0, readback, 0, size * 8);
      device.queue.submit([commands, encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const z = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      const unscale = 1 / (meanScale[1] * meanScale[1]);
      const power = new Float64Array(size);
      for (let i = 0; i < size; i++) power[i] = (z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]) * unscale;
      power[0] = sum * sum;
      return power;
    } catch (error) {
      if (this.lostReason) throw new Error(`GPU engine: the GPU device was lost (${this.lostReason})`);
      throw error;
    } finally {
      readback.destroy();
    }
  }

  private checkUsable(): void {
    if (this.destroyed) throw new Error('GPU engine: used after destroy()');
    if (this.lostReason) throw new Error(`GPU engine: the GPU device was lost (${this.lostReason})`);
  }

  /** Frees every buffer; the device belongs to the caller and stays. */
  destroy(): void {
    this.destroyed = true;
    for (const p of this.chunkPipelines.values()) p.destroy();
    this.chunkPipelines.clear();
  }
}
