// The WebGPU engine: every map's ring-energy profile (SPEC.md steps 1-7) with WGSL compute
// shaders. Per chunk of maps: upload, take each map's moments (MomentStage: non-finite flag, sum,
// sum of squares, and the centring and scaling for the next stage), pack pairs of maps into complex
// maps (PackStage), FFT the rows and then the columns (LineFftStage), and sum the power per ring
// (RingStage), in one submission; only the profiles and the moments come back, and the CPU makes
// no pass over the values. Chunks are sized so that the GPU memory in use stays under a bound
// (256 MiB by default) and every buffer within the device's binding limits.

import { ActivationFileError, type Layer } from '../../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from '../types';
import { ringTable, type RingTable } from '../ringTable';
import { checkShape, emptyProfiles } from '../profileMath';
import { linePlan, type LinePlan } from './linePlan';
import { MomentStage, type MomentReadback } from './momentStage';
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
  /** Most bytes of GPU buffers the engine may hold at once, tables included (default 256 MiB). */
  memoryBound?: number;
}

/** Bytes of one uniform buffer of the stages (12 u32 values; pack and ring parameters take 16 bytes). */
const UNIFORM_BYTES = 48;
/** Buffers whose size grows with the pairs of a chunk (each at least 16 bytes, see ChunkPipeline). */
const PAIR_BUFFERS = 11;

/** Bytes in MiB for messages. */
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Bytes of a storage buffer holding `bytes` bytes, as gpuCommon's storageBuffer rounds them. */
const stored = (bytes: number) => Math.max(16, Math.ceil(bytes / 4) * 4);

/**
 * The GPU memory a chunk pipeline of one shape needs: `perPair` bytes per pair of maps, `fixed`
 * bytes whatever the pairs (FFT tables, ring table, uniforms, and the 16-byte floor of the
 * per-pair buffers), and the largest single buffer per pair and among the fixed ones.
 */
export function chunkCost(height: number, width: number): { perPair: number; fixed: number; largestPerPair: number; largestFixed: number } {
  const table = ringTable(height, width);
  const rows = linePlan(width);
  const columns = linePlan(height);
  const segments = 2 * table.rings;
  const size = height * width;
  const packed = size * 8;
  const rowWork = rows.kind === 'bluestein' ? height * rows.size * 8 : 0;
  const columnWork = columns.kind === 'bluestein' ? width * columns.size * 8 : 0;
  const work = Math.max(rowWork, columnWork);
  // maps in, mean and scale, two spectra buffers, two work buffers, ring energies and their
  // read-back copy, moments and their read-back copy (with the mean and scale)
  const perPair = 2 * size * 4 + 2 * 8 + 2 * packed + 2 * work + 2 * (2 * segments * 4) + 2 * 16 + 2 * (16 + 8);
  const uniforms = (plan: LinePlan) => (plan.kind === 'radix' ? plan.passes.length : 3 + 2 * plan.passes.length) * UNIFORM_BYTES;
  const tables = [stored(rows.table.byteLength), stored(columns.table.byteLength), stored((segments + 1) * 4), stored(table.order.length * 4)];
  const fixed = tables.reduce((a, b) => a + b, 0) + uniforms(rows) + uniforms(columns) + 3 * 16 + PAIR_BUFFERS * 16;
  return { perPair, fixed, largestPerPair: Math.max(packed, work, 2 * size * 4, 2 * segments * 4), largestFixed: Math.max(...tables) };
}

/** Buffers and bound stages for chunks of `pairs` pairs of one shape. */
class ChunkPipeline {
  readonly input: GPUBuffer;
  readonly meanScale: GPUBuffer;
  private readonly buffers: GPUBuffer[] = [];
  readonly moments: MomentStage;
  private readonly pack: PackStage;
  private readonly rows: LineFftStage;
  private readonly columns: LineFftStage;
  readonly rings: RingStage;
  /** The buffer that holds the 2-D spectra of the pairs after the column pass. */
  readonly spectra: GPUBuffer;
  /** What comes back of a chunk, in one mappable buffer (one map per chunk): ring energies, then moments. */
  private readonly readback: GPUBuffer;
  /** Bytes of every GPU buffer this pipeline and its stages hold. */
  readonly bytes: number;

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
    this.meanScale = create('mean and scale', 2 * pairs * 8, storage | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
    const spectra = storage | GPUBufferUsage.COPY_SRC;
    const data: [GPUBuffer, GPUBuffer] = [create('spectra A', pairs * size * 8, spectra), create('spectra B', pairs * size * 8, spectra)];
    const rowPlan = linePlan(W);
    const columnPlan = linePlan(H);
    const workValues = Math.max(rowPlan.kind === 'bluestein' ? pairs * H * rowPlan.size : 0, columnPlan.kind === 'bluestein' ? pairs * W * columnPlan.size : 0);
    const work: [GPUBuffer, GPUBuffer] | null = workValues ? [create('bluestein work A', workValues * 8, storage), create('bluestein work B', workValues * 8, storage)] : null;
    this.moments = new MomentStage(device, this.input, this.meanScale, 2 * pairs, size, label);
    this.pack = new PackStage(device, this.input, this.meanScale, data[0], 2 * pairs, size, pairs);
    this.rows = new LineFftStage(device, rowPlan, { lines: pairs * H, linesPerMap: H, lineStride: W, elemStride: 1, mapStride: size, lineFastest: false }, data, 0, work, `${label} rows`);
    this.columns = new LineFftStage(device, columnPlan, { lines: pairs * W, linesPerMap: W, lineStride: 1, elemStride: W, mapStride: size, lineFastest: true }, data, this.rows.resultIn, work, `${label} columns`);
    this.rings = new RingStage(device, table, data[this.columns.resultIn], 2 * pairs, label);
    this.spectra = data[this.columns.resultIn];
    this.readback = create('read-back', this.rings.energyBytes + this.moments.copyBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    this.bytes = this.buffers.reduce((sum, b) => sum + b.size, 0) + this.moments.bytes + this.pack.bytes + this.rows.bytes + this.columns.bytes + this.rings.bytes;
  }

  /** Records the whole chunk: moments, pack, row and column transforms, rings, and the copies back. */
  encode(): GPUCommandBuffer {
    const encoder = this.device.createCommandEncoder({ label: 'srop chunk' });
    const pass = encoder.beginComputePass({ label: 'srop profiles' });
    this.moments.encode(pass);
    this.pack.encode(pass);
    this.rows.encode(pass);
    this.columns.encode(pass);
    this.rings.encode(pass);
    pass.end();
    this.rings.encodeCopy(encoder, this.readback, 0);
    this.moments.encodeCopy(encoder, this.readback, this.rings.energyBytes);
    return encoder.finish();
  }

  /** Once the submitted chunk is done: its ring energies (maps x segments) and the first `count` maps' moments. */
  async read(count: number): Promise<{ energies: Float32Array; moments: MomentReadback }> {
    await this.readback.mapAsync(GPUMapMode.READ);
    const raw = new Float32Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    const split = this.rings.energyBytes / 4;
    return { energies: raw.subarray(0, split), moments: this.moments.decode(raw.subarray(split), count) };
  }

  destroy(): void {
    this.moments.destroy();
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
  /**
   * The one chunk pipeline alive: replaced (the old one destroyed first) when the shape or the
   * chunk size changes, so that the engine's buffers never add up past the bound.
   */
  private pipeline: { key: string; chunk: ChunkPipeline } | null = null;
  /** Bytes of buffers that live only during one call (the spectrum read-back). */
  private transientBytes = 0;
  private peakBytes = 0;
  /** Calls run one after another: they share the one pipeline. */
  private queue: Promise<unknown> = Promise.resolve();
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

  /** Bytes of GPU buffers the engine holds now. */
  get heldBytes(): number {
    return (this.pipeline?.chunk.bytes ?? 0) + this.transientBytes;
  }

  /** The most bytes of GPU buffers the engine has held at once. */
  get peakHeldBytes(): number {
    return this.peakBytes;
  }

  /** Maps per chunk for this shape under the memory bound and the binding limits (even, at least 2). */
  chunkMaps(height: number, width: number): number {
    const cost = chunkCost(height, width);
    if (cost.largestFixed > this.bufferLimit) {
      throw new Error(`GPU engine: maps of ${height} x ${width} need a ${mib(cost.largestFixed)} table, more than the device's buffer limit of ${mib(this.bufferLimit)}`);
    }
    const pairs = Math.min(
      Math.floor((this.memoryBound - cost.fixed) / cost.perPair),
      Math.floor(this.bufferLimit / cost.largestPerPair),
      Math.max(1, Math.floor(MAX_CHUNK_VALUES / (2 * height * width))),
    );
    if (pairs < 1) {
      throw new Error(
        `GPU engine: maps of ${height} x ${width} need ${mib(cost.fixed + cost.perPair)} of GPU memory per pair with their tables (largest buffer ${mib(cost.largestPerPair)}), ` +
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
    return this.serial(() => this.profile(count, height, width, async (first, n) => data.subarray(first * size, (first + n) * size), options));
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkShape(total, height, width);
    const size = height * width;
    return this.serial(() => this.profile(total, height, width, async (first, count) => {
      const data = await layer.readMaps(first, count);
      if (data.length < count * size) {
        throw new ActivationFileError(layer.file, `maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`, layer.name);
      }
      return data;
    }, options));
  }

  /** Runs `work` after the calls before it have settled. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async profile(total: number, height: number, width: number, read: (first: number, count: number) => Promise<Float32Array>, options: ProfileOptions): Promise<RingProfiles> {
    this.checkUsable();
    options.signal?.throwIfAborted();
    const table = ringTable(height, width);
    const profiles = emptyProfiles(height, width, total, table.rings);
    if (total === 0) return profiles;
    // Chunks of equal size (even, under the bound): every chunk of the layer, the last one
    // included, runs on the same pipeline, the last one's spare slots zeroed.
    const chunks = Math.ceil(total / this.chunkMaps(height, width));
    const chunk = 2 * Math.ceil(total / chunks / 2);
    // The next chunk is read while the GPU works on this one.
    let pending = read(0, Math.min(chunk, total));
    for (let first = 0; first < total; first += chunk) {
      const count = Math.min(chunk, total - first);
      const data = await pending;
      options.signal?.throwIfAborted();
      const done = this.runChunk(table, chunk / 2, data, count, profiles, first);
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

  /** The pipeline for chunks of `pairs` pairs of this shape; any other is destroyed before it is made. */
  private pipelineFor(table: RingTable, pairs: number): ChunkPipeline {
    const key = `${table.height}x${table.width}:${pairs}`;
    if (this.pipeline?.key === key) return this.pipeline.chunk;
    this.releasePipeline();
    const chunk = new ChunkPipeline(this.device, table, pairs);
    this.pipeline = { key, chunk };
    this.notePeak();
    return chunk;
  }

  private releasePipeline(): void {
    this.pipeline?.chunk.destroy();
    this.pipeline = null;
  }

  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes);
  }

  /** Runs `count` maps (count <= 2 pairs) through the pipeline of `pairs` pairs; slots past `count` are zeros. */
  private async runChunk(table: RingTable, pairs: number, data: Float32Array, count: number, profiles: RingProfiles, first: number): Promise<void> {
    const size = table.height * table.width;
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let energies: Float32Array;
    let moments: MomentReadback;
    try {
      const pipeline = this.pipelineFor(table, pairs);
      device.queue.writeBuffer(pipeline.input, 0, data.subarray(0, count * size));
      // The spare slots still hold an earlier chunk's maps: the moment stage gives them mean and
      // scale 0, which packs them as zeros, so that no result depends on them.
      pipeline.moments.setCount(count);
      device.queue.submit([pipeline.encode()]);
      const reading = pipeline.read(count);
      // Awaited below; on a lost device the error scopes may fail first, leaving it unawaited.
      reading.catch(() => undefined);
      const validation = await device.popErrorScope();
      const memory = await device.popErrorScope();
      const error = validation ?? memory;
      if (error) {
        throw new Error(`GPU engine: ${error.message}`);
      }
      ({ energies, moments } = await reading);
    } catch (error) {
      if (this.lostReason) throw new Error(`GPU engine: the GPU device was lost (${this.lostReason})`);
      throw error;
    }
    const { rings } = table;
    const segments = 2 * rings;
    for (let m = 0; m < count; m++) {
      const slot = first + m;
      const { nonFinite, sum, sumSquares } = moments.moments[m];
      profiles.nonFinite[slot] = nonFinite ? 1 : 0;
      profiles.dc[slot] = sum * sum;
      profiles.sumSquares[slot] = sumSquares;
      const scale = moments.packScale[m];
      if (nonFinite || scale === 0) continue; // nothing but DC: every ring stays 0
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
    return this.serial(() => this.spectrumOf(map, height, width));
  }

  private async spectrumOf(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    this.checkUsable();
    const size = height * width;
    const cost = chunkCost(height, width);
    if (cost.fixed + cost.perPair + size * 8 > this.memoryBound || size * 8 > this.bufferLimit) {
        throw new Error(`GPU engine: the spectrum of a ${height} x ${width} map needs ${mib(cost.fixed + cost.perPair + size * 8)} of GPU memory, more than the bound of ${mib(this.memoryBound)}`);
    }
    const finite = Float32Array.from(map.subarray(0, size), (v) => (Number.isFinite(v) ? v : 0));
    let sum = 0;
    for (const v of finite) sum += v;
    const device = this.device;
    const pipeline = this.pipelineFor(ringTable(height, width), 1);
    const readback = device.createBuffer({ label: 'spectrum readback', size: size * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.transientBytes += readback.size;
    this.notePeak();
    try {
      device.queue.writeBuffer(pipeline.input, 0, finite);
      // The second slot of the pair is spare: the moment stage packs it as zeros.
      pipeline.moments.setCount(1);
      const commands = pipeline.encode();
      const encoder = device.createCommandEncoder({ label: 'spectrum copy' });
      encoder.copyBufferToBuffer(pipeline.spectra, 0, readback, 0, size * 8);
      device.queue.submit([commands, encoder.finish()]);
      const [{ moments: { packScale } }] = await Promise.all([pipeline.read(1), readback.mapAsync(GPUMapMode.READ)]);
      const z = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      // Scale 0: nothing but the DC bin (an all-zero or constant map).
      const unscale = packScale[0] > 0 ? 1 / (packScale[0] * packScale[0]) : 0;
      const power = new Float64Array(size);
      for (let i = 0; i < size; i++) power[i] = (z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]) * unscale;
      power[0] = sum * sum;
      return power;
    } catch (error) {
      if (this.lostReason) throw new Error(`GPU engine: the GPU device was lost (${this.lostReason})`);
      throw error;
    } finally {
      this.transientBytes -= readback.size;
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
    this.releasePipeline();
  }
}
