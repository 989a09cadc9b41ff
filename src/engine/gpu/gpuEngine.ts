// The WebGPU engine: every map's ring-energy profile (spec/SROP.md §2 steps 1-7) with WGSL compute
// shaders. Per chunk of maps: upload, take each map's moments (MomentStage: non-finite flag, sum,
// sum of squares, and the centring and scaling for the next stage), pack pairs of maps into complex
// maps (PackStage), FFT the rows and then the columns (LineFftStage), and sum the power per ring
// (RingStage), in one submission; only the profiles and the moments come back, and the CPU makes
// no pass over the values. Chunks are sized so that the GPU memory in use stays under a bound
// (256 MiB by default) and every buffer within the device's binding limits.
//
// What a fast GPU would otherwise wait on, the engine keeps off the critical path:
// - Chunk pipelines (buffers, tables, bind groups) are kept per shape, least recently used given
//   up first, while they fit under the bound together: a second image of a network makes no
//   buffers (VGG16 on Dawn here: 27 ms per image of createBuffer before).
// - Up to IN_FLIGHT chunks are submitted before the oldest is read back, across calls too: a call
//   returns once its chunks are read back, but the next call may upload and submit while the
//   GPU works on (and the CPU reads) the one before. Only the submissions are serialised.

import { ActivationFileError, type Layer } from '../../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from '../types';
import { ringTable, type RingTable } from '../ringTable';
import { checkProfileShape, emptyProfiles } from '../profileMath';
import { linePlan, type LinePlan } from './linePlan';
import { MomentStage, type MomentReadback } from './momentStage';
import { PackStage } from './packStage';
import { LineFftStage } from './lineFftStage';
import { RingStage } from './ringStage';
import { deviceLostMessage, lossReason } from './device';

export const DEFAULT_GPU_MEMORY_BOUND = 256 * 1024 * 1024;
/**
 * Most values per chunk, whatever the bound allows: a chunk is read, decoded and summed on the CPU
 * in one stretch, so this keeps the page responsive (and the next read overlaps the GPU's work).
 */
const MAX_CHUNK_VALUES = 8 * 1024 * 1024;

/** Chunks submitted and not yet read back, at most (each pipeline has this many read-back buffers). */
export const IN_FLIGHT = 2;

/** A pipeline cache left unused this long gives its GPU memory back (the page between analyses). */
const IDLE_RELEASE_MS = 15_000;

export interface GpuEngineOptions {
  /** Most bytes of GPU buffers the engine may hold at once, tables included (default 256 MiB). */
  memoryBound?: number;
  /** Milliseconds without work after which the kept pipelines are destroyed (default 15 s; 0: kept). */
  idleReleaseMs?: number;
}

/** Bytes of one uniform buffer of the stages (12 u32 values; pack and ring parameters take 16 bytes). */
const UNIFORM_BYTES = 48;
/** Buffers whose size grows with the pairs of a chunk (each at least 16 bytes, see ChunkPipeline). */
const PAIR_BUFFERS = 10 + IN_FLIGHT;

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
  // maps in, mean and scale, two spectra buffers, two work buffers, ring energies and moments,
  // and IN_FLIGHT read-back buffers, each holding the energies, the moments and the mean and scale
  const readback = 2 * segments * 4 + 2 * (16 + 8);
  const perPair = 2 * size * 4 + 2 * 8 + 2 * packed + 2 * work + 2 * segments * 4 + 2 * 16 + IN_FLIGHT * readback;
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
  /**
   * What comes back of a chunk, in one mappable buffer (one map per chunk): ring energies, then
   * moments. IN_FLIGHT of them, so that chunks can be submitted before the last one is read.
   */
  private readonly readbacks: GPUBuffer[] = [];
  /** Chunks submitted on this pipeline and not yet read back (settled once read or failed). */
  private readonly pending = new Set<Promise<unknown>>();
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
    for (let i = 0; i < IN_FLIGHT; i++) {
      this.readbacks.push(create(`read-back ${i}`, this.rings.energyBytes + this.moments.copyBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
    }
    this.bytes = this.buffers.reduce((sum, b) => sum + b.size, 0) + this.moments.bytes + this.pack.bytes + this.rows.bytes + this.columns.bytes + this.rings.bytes;
  }

  /** A read-back buffer no submitted chunk uses (there is one while fewer than IN_FLIGHT chunks are in flight). */
  takeReadback(): GPUBuffer {
    const readback = this.readbacks.pop();
    if (!readback) throw new Error(`GPU engine: more than ${IN_FLIGHT} chunks in flight on one pipeline`);
    return readback;
  }

  /** A read-back buffer taken for a chunk that was never submitted. */
  giveBack(readback: GPUBuffer): void {
    this.readbacks.push(readback);
  }

  /** Records the whole chunk: moments, pack, row and column transforms, rings, and the copies into `readback`. */
  encode(readback: GPUBuffer): GPUCommandBuffer {
    const encoder = this.device.createCommandEncoder({ label: 'srop chunk' });
    const pass = encoder.beginComputePass({ label: 'srop profiles' });
    this.moments.encode(pass);
    this.pack.encode(pass);
    this.rows.encode(pass);
    this.columns.encode(pass);
    this.rings.encode(pass);
    pass.end();
    this.rings.encodeCopy(encoder, readback, 0);
    this.moments.encodeCopy(encoder, readback, this.rings.energyBytes);
    return encoder.finish();
  }

  /**
   * Once the chunk submitted with `readback` is done: its ring energies (maps x segments) and the
   * first `count` maps' moments; the read-back buffer is free again afterwards.
   */
  read(readback: GPUBuffer, count: number): Promise<{ energies: Float32Array; moments: MomentReadback }> {
    const reading = (async () => {
      try {
        await readback.mapAsync(GPUMapMode.READ);
        const raw = new Float32Array(readback.getMappedRange().slice(0));
        readback.unmap();
        const split = this.rings.energyBytes / 4;
        return { energies: raw.subarray(0, split), moments: this.moments.decode(raw.subarray(split), count) };
      } finally {
        this.readbacks.push(readback);
      }
    })();
    const settled = reading.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return reading;
  }

  /** Resolves once no chunk submitted on this pipeline is waiting to be read back. */
  async idle(): Promise<void> {
    await Promise.all([...this.pending]);
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
  private readonly idleReleaseMs: number;
  /**
   * Chunk pipelines kept per shape and chunk size, least recently used first. Together they stay
   * under the bound: one that does not fit makes the least recently used ones go first (after
   * their chunks in flight are read back).
   */
  private readonly pipelines = new Map<string, ChunkPipeline>();
  /** Chunks submitted and not yet read back, oldest first, whatever call submitted them. */
  private readonly inFlight: Promise<unknown>[] = [];
  /** Bytes of buffers that live only during one call (the spectrum read-back). */
  private transientBytes = 0;
  private peakBytes = 0;
  /** Calls submit one after another (they share the pipelines); their read-backs may overlap. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls not yet finished (submitted and read back). */
  private busy = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
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
    this.idleReleaseMs = Math.max(0, options.idleReleaseMs ?? IDLE_RELEASE_MS);
    this.bufferLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    device.lost.then((info) => {
      this.lostReason = lossReason(info);
    });
  }

  /** Bytes of GPU buffers the engine holds now. */
  get heldBytes(): number {
    let bytes = this.transientBytes;
    for (const chunk of this.pipelines.values()) bytes += chunk.bytes;
    return bytes;
  }

  /** The most bytes of GPU buffers the engine has held at once. */
  get peakHeldBytes(): number {
    return this.peakBytes;
  }

  /** How many chunk pipelines are kept now (for tests). */
  get keptPipelines(): number {
    return this.pipelines.size;
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
    checkProfileShape(count, height, width);
    const size = height * width;
    if (data.length < count * size) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    return this.pipelined(() => this.submitLayer(count, height, width, async (first, n) => data.subarray(first * size, (first + n) * size), options));
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkProfileShape(total, height, width);
    const size = height * width;
    return this.pipelined(() => this.submitLayer(total, height, width, async (first, count) => {
      const data = await layer.readMaps(first, count);
      if (data.length < count * size) {
        throw new ActivationFileError(layer.file, `maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`, layer.name);
      }
      return data;
    }, options));
  }

  /**
   * Runs `submit` once the submissions of the calls before it are done (not their read-backs),
   * then waits for what it returns: the call's result once its chunks are read back.
   */
  private async pipelined<T>(submit: () => Promise<{ done: Promise<T> }>): Promise<T> {
    this.busy++;
    this.cancelIdleRelease();
    try {
      const submitted = this.queue.then(submit, submit);
      this.queue = submitted.catch(() => undefined);
      const { done } = await submitted;
      return await done;
    } finally {
      this.busy--;
      this.scheduleIdleRelease();
    }
  }

  /** Waits until fewer than IN_FLIGHT chunks are in flight (a failed one counts as done: its own call reports it). */
  private async freeSlot(): Promise<void> {
    while (this.inFlight.length >= IN_FLIGHT) {
      await this.inFlight[0];
    }
  }

  /**
   * Submits every chunk of a layer; `done` resolves with the profiles once they are all read back.
   * However the call ends (a failed chunk or read, an abort), it settles only after every chunk it
   * submitted has, and reports no progress after that: nothing of it is left running on the GPU.
   */
  private async submitLayer(total: number, height: number, width: number, read: (first: number, count: number) => Promise<Float32Array>, options: ProfileOptions): Promise<{ done: Promise<RingProfiles> }> {
    this.checkUsable();
    options.signal?.throwIfAborted();
    const table = ringTable(height, width);
    const profiles = emptyProfiles(height, width, total, table.rings);
    if (total === 0) return { done: Promise.resolve(profiles) };
    // Chunks of equal size (even, under the bound): every chunk of the layer, the last one
    // included, runs on the same pipeline, the last one's spare slots zeroed.
    const chunks = Math.ceil(total / this.chunkMaps(height, width));
    const chunk = 2 * Math.ceil(total / chunks / 2);
    const pipeline = await this.pipelineFor(table, chunk / 2);
    const reads: Promise<void>[] = [];
    let failure: unknown = null;
    let finished = 0;
    const stopped = () => failure !== null || options.signal?.aborted === true;
    /** Once everything submitted has settled: the first failure, or the profiles. */
    const settle = async (): Promise<RingProfiles> => {
      await Promise.allSettled(reads);
      if (failure !== null) throw failure;
      options.signal?.throwIfAborted();
      return profiles;
    };
    try {
      // The next chunk is read while the GPU works on this one.
      let pending = read(0, Math.min(chunk, total));
      for (let first = 0; first < total; first += chunk) {
        const count = Math.min(chunk, total - first);
        const data = await pending;
        const next = first + chunk;
        if (next < total) {
          pending = read(next, Math.min(chunk, total - next));
          pending.catch(() => undefined); // a failed read is reported when awaited, not as an unhandled rejection
        }
        await this.freeSlot();
        if (stopped()) break;
        this.checkUsable();
        const done = this.submitChunk(pipeline, table, data, count, profiles, first).then(
          () => {
            finished += count;
            if (!stopped()) options.onProgress?.(finished, total);
          },
          (error) => {
            failure ??= error;
          },
        );
        reads.push(done);
      }
    } catch (error) {
      failure ??= error;
    }
    const done = settle();
    done.catch(() => undefined); // awaited by the caller
    return { done };
  }

  /** The pipeline for chunks of `pairs` pairs of this shape, made room for under the bound (with `extra` bytes beside it) if new. */
  private async pipelineFor(table: RingTable, pairs: number, extra = 0): Promise<ChunkPipeline> {
    const key = `${table.height}x${table.width}:${pairs}`;
    const kept = this.pipelines.get(key);
    if (kept) {
      // Most recently used last.
      this.pipelines.delete(key);
      this.pipelines.set(key, kept);
    }
    const cost = kept ? null : chunkCost(table.height, table.width);
    const need = (cost ? cost.fixed + pairs * cost.perPair : 0) + extra;
    for (const [oldKey, old] of this.pipelines) {
      if (this.heldBytes + need <= this.memoryBound) break;
      if (old === kept) continue;
      // Its chunks in flight are read back before its buffers go.
      await old.idle();
      this.pipelines.delete(oldKey);
      old.destroy();
    }
    this.checkUsable();
    if (kept) return kept;
    const chunk = new ChunkPipeline(this.device, table, pairs);
    this.pipelines.set(key, chunk);
    this.notePeak();
    return chunk;
  }

  private releasePipelines(): void {
    for (const chunk of this.pipelines.values()) chunk.destroy();
    this.pipelines.clear();
  }

  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes);
  }

  private cancelIdleRelease(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** With no call left, the kept pipelines go after idleReleaseMs (the timer never keeps Node alive). */
  private scheduleIdleRelease(): void {
    if (this.busy > 0 || this.idleReleaseMs === 0 || this.pipelines.size === 0 || this.destroyed) return;
    this.cancelIdleRelease();
    const timer = setTimeout(() => {
      this.idleTimer = null;
      if (this.busy === 0) this.releasePipelines();
    }, this.idleReleaseMs);
    (timer as { unref?: () => void }).unref?.();
    this.idleTimer = timer;
  }

  /**
   * Uploads and submits `count` maps (count <= 2 pairs) on the pipeline of `pairs` pairs; slots
   * past `count` are zeros. The returned promise settles once the chunk is read back and its
   * profiles are written.
   */
  private submitChunk(pipeline: ChunkPipeline, table: RingTable, data: Float32Array, count: number, profiles: RingProfiles, first: number): Promise<void> {
    const size = table.height * table.width;
    const device = this.device;
    const readback = pipeline.takeReadback();
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let thrown: unknown = null;
    try {
      device.queue.writeBuffer(pipeline.input, 0, data.subarray(0, count * size));
      // The spare slots still hold an earlier chunk's maps: the moment stage gives them mean and
      // scale 0, which packs them as zeros, so that no result depends on them.
      pipeline.moments.setCount(count);
      device.queue.submit([pipeline.encode(readback)]);
    } catch (error) {
      thrown = error;
    }
    const errors = [device.popErrorScope(), device.popErrorScope()];
    for (const e of errors) e.catch(() => undefined); // awaited below, when submitted
    if (thrown !== null) {
      pipeline.giveBack(readback);
      return Promise.reject(thrown);
    }
    const reading = pipeline.read(readback, count);
    // Awaited below; an error scope may fail first, leaving it unawaited.
    reading.catch(() => undefined);
    const done = (async () => {
      let energies: Float32Array;
      let moments: MomentReadback;
      try {
        const [validation, memory] = await Promise.all(errors);
        const error = validation ?? memory;
        if (error) throw new Error(`GPU engine: ${error.message}`);
        ({ energies, moments } = await reading);
      } catch (error) {
        if (this.lostReason) throw this.lostError();
        if (this.destroyed) throw new Error('GPU engine: destroyed while a layer was running');
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
    })();
    // The slot is free once the chunk is done and its read-back buffer given back (after an error
    // scope's error, the read-back is still pending).
    const settled = Promise.allSettled([done, reading]);
    this.inFlight.push(settled);
    void settled.then(() => this.inFlight.splice(this.inFlight.indexOf(settled), 1));
    return done;
  }

  /**
   * One map's power spectrum through the same GPU stages (pack, row and column passes): the
   * map is the real part of a pair whose imaginary part is zero, so the read-back spectrum is the
   * map's own. Centring and scaling are undone in float64; the DC bin is |sum|^2.
   */
  async powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    checkProfileShape(1, height, width);
    return this.pipelined(async () => ({ done: Promise.resolve(await this.spectrumOf(map, height, width)) }));
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
    const pipeline = await this.pipelineFor(ringTable(height, width), 1, size * 8);
    await this.freeSlot();
    this.checkUsable();
    const readback = device.createBuffer({ label: 'spectrum readback', size: size * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.transientBytes += readback.size;
    this.notePeak();
    let chunkReadback: GPUBuffer | null = null;
    let chunkRead: ReturnType<ChunkPipeline['read']> | null = null;
    try {
      chunkReadback = pipeline.takeReadback();
      device.queue.writeBuffer(pipeline.input, 0, finite);
      // The second slot of the pair is spare: the moment stage packs it as zeros.
      pipeline.moments.setCount(1);
      const commands = pipeline.encode(chunkReadback);
      const encoder = device.createCommandEncoder({ label: 'spectrum copy' });
      encoder.copyBufferToBuffer(pipeline.spectra, 0, readback, 0, size * 8);
      device.queue.submit([commands, encoder.finish()]);
      chunkRead = pipeline.read(chunkReadback, 1);
      chunkRead.catch(() => undefined); // awaited below and in finally
      const [{ moments: { packScale } }] = await Promise.all([chunkRead, readback.mapAsync(GPUMapMode.READ)]);
      const z = new Float32Array(readback.getMappedRange().slice(0));
      readback.unmap();
      // Scale 0: nothing but the DC bin (an all-zero or constant map).
      const unscale = packScale[0] > 0 ? 1 / (packScale[0] * packScale[0]) : 0;
      const power = new Float64Array(size);
      for (let i = 0; i < size; i++) power[i] = (z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]) * unscale;
      power[0] = sum * sum;
      return power;
    } catch (error) {
      if (this.lostReason) throw this.lostError();
      throw error;
    } finally {
      // The pipeline's read-back buffer is back before the call ends, whatever happened.
      if (chunkRead) await chunkRead.catch(() => undefined);
      else if (chunkReadback) pipeline.giveBack(chunkReadback);
      this.transientBytes -= readback.size;
      readback.destroy();
    }
  }

  private lostError(): Error {
    return new Error(`GPU engine: ${deviceLostMessage(this.lostReason ?? 'lost')}`);
  }

  private checkUsable(): void {
    if (this.destroyed) throw new Error('GPU engine: used after destroy()');
    if (this.lostReason) throw this.lostError();
  }

  /** Frees every buffer; the device belongs to the caller and stays. */
  destroy(): void {
    this.destroyed = true;
    this.cancelIdleRelease();
    this.releasePipelines();
  }
}
