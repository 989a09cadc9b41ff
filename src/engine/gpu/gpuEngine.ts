// The WebGPU engine: every map's ring-energy profile (spec/SROP.md §2 steps 1-7) with WGSL compute
// shaders. It composes three parts: the chunk pipeline (chunkPipeline.ts: a chunk of maps through
// the stages in one submission; only the profiles and the moments come back, and the CPU makes no
// pass over the values), the pipeline cache (pipelineCache.ts: pipelines kept per shape under the
// memory bound, given back when idle) and the scheduler (scheduler.ts: submissions in order, up to
// IN_FLIGHT chunks in flight across calls). Here: chunk sizes under the bound (256 MiB by default)
// and every buffer within the device's binding limits, a layer's chunks read while the GPU works,
// and a lost or destroyed device turned into the call's error.

import { ActivationFileError, type Layer } from '../../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from '../types';
import { ringTable } from '../ringTable';
import { checkProfileShape, emptyProfiles } from '../profileMath';
import { chunkPairs, costBytes, mib } from './bufferCost';
import { chunkCost, decodeChunk, type ChunkPipeline, type ChunkReadback, type SubmittedChunk } from './chunkPipeline';
import { PipelineCache } from './pipelineCache';
import { ChunkScheduler } from './scheduler';
import { deviceLostMessage, lossReason } from './device';

export { chunkCost } from './chunkPipeline';
export { IN_FLIGHT } from './scheduler';

export const DEFAULT_GPU_MEMORY_BOUND = 256 * 1024 * 1024;
/**
 * Most values per chunk, whatever the bound allows: a chunk is read, decoded and summed on the CPU
 * in one stretch, so this keeps the page responsive (and the next read overlaps the GPU's work).
 */
const MAX_CHUNK_VALUES = 8 * 1024 * 1024;

/** A pipeline cache left unused this long gives its GPU memory back (the page between analyses). */
const IDLE_RELEASE_MS = 15_000;

export interface GpuEngineOptions {
  /** Most bytes of GPU buffers the engine may hold at once, tables included (default 256 MiB). */
  memoryBound?: number;
  /** Milliseconds without work after which the kept pipelines are destroyed (default 15 s; 0: kept). */
  idleReleaseMs?: number;
}

export class GpuEngine implements ProfileEngine {
  readonly backend = 'gpu' as const;
  private readonly bufferLimit: number;
  private readonly cache: PipelineCache;
  private readonly scheduler: ChunkScheduler;
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
    const memoryBound = Math.max(1, options.memoryBound ?? DEFAULT_GPU_MEMORY_BOUND);
    this.cache = new PipelineCache(device, memoryBound, Math.max(0, options.idleReleaseMs ?? IDLE_RELEASE_MS));
    this.scheduler = new ChunkScheduler({ onBusy: () => this.cache.hold(), onIdle: () => this.cache.letGo() });
    this.bufferLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    device.lost.then((info) => {
      this.lostReason = lossReason(info);
    });
  }

  /** Bytes of GPU buffers the engine holds now. */
  get heldBytes(): number {
    return this.cache.heldBytes;
  }

  /** The most bytes of GPU buffers the engine has held at once. */
  get peakHeldBytes(): number {
    return this.cache.peakHeldBytes;
  }

  /** How many chunk pipelines are kept now (for tests). */
  get keptPipelines(): number {
    return this.cache.size;
  }

  /** Maps per chunk for this shape under the memory bound and the binding limits (even, at least 2). */
  chunkMaps(height: number, width: number): number {
    const mostPairs = Math.max(1, Math.floor(MAX_CHUNK_VALUES / (2 * height * width)));
    return 2 * chunkPairs(chunkCost(height, width), this.cache.memoryBound, this.bufferLimit, mostPairs, `maps of ${height} x ${width}`);
  }

  async profileMaps(data: Float32Array, count: number, height: number, width: number, options: ProfileOptions = {}): Promise<RingProfiles> {
    checkProfileShape(count, height, width);
    const size = height * width;
    if (data.length < count * size) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    return this.scheduler.run(() => this.submitLayer(count, height, width, async (first, n) => data.subarray(first * size, (first + n) * size), options));
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkProfileShape(total, height, width);
    const size = height * width;
    return this.scheduler.run(() => this.submitLayer(total, height, width, async (first, count) => {
      const data = await layer.readMaps(first, count);
      if (data.length < count * size) {
        throw new ActivationFileError(layer.file, `maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`, layer.name);
      }
      return data;
    }, options));
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
    const pipeline = await this.cache.get(table, chunk / 2, () => this.checkUsable());
    const reads: Promise<void>[] = [];
    let failure: unknown = null;
    let finished = 0;
    const stopped = () => failure !== null || options.signal?.aborted === true;
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
        await this.scheduler.freeSlot();
        if (stopped()) break;
        this.checkUsable();
        const done = this.submitChunk(pipeline, data, count).then(
          (readback) => {
            decodeChunk(readback, table, count, profiles, first);
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
    // Once everything submitted has settled: the first failure, or the profiles.
    const done = Promise.allSettled(reads).then(() => {
      if (failure !== null) throw failure;
      options.signal?.throwIfAborted();
      return profiles;
    });
    done.catch(() => undefined); // awaited by the caller
    return { done };
  }

  /** Submits one chunk, in flight until read back; its error says so if the device was lost or the engine destroyed meanwhile. */
  private submitChunk(pipeline: ChunkPipeline, data: Float32Array, count: number): Promise<ChunkReadback> {
    let chunk: SubmittedChunk;
    try {
      chunk = pipeline.submit(data, count);
    } catch (error) {
      return Promise.reject(error);
    }
    this.scheduler.track(chunk.settled);
    return chunk.result.catch((error) => {
      if (this.lostReason) throw this.lostError();
      if (this.destroyed) throw new Error('GPU engine: destroyed while a layer was running');
      throw error;
    });
  }

  /** One map's power spectrum through the same GPU stages (ChunkPipeline.spectrum), for the channel view. */
  async powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    checkProfileShape(1, height, width);
    return this.scheduler.run(async () => ({ done: Promise.resolve(await this.spectrumOf(map, height, width)) }));
  }

  private async spectrumOf(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    this.checkUsable();
    const size = height * width;
    const need = costBytes(chunkCost(height, width), 1) + size * 8;
    if (need > this.cache.memoryBound || size * 8 > this.bufferLimit) {
      throw new Error(`GPU engine: the spectrum of a ${height} x ${width} map needs ${mib(need)} of GPU memory, more than the bound of ${mib(this.cache.memoryBound)}`);
    }
    const pipeline = await this.cache.get(ringTable(height, width), 1, () => this.checkUsable(), size * 8);
    await this.scheduler.freeSlot();
    this.checkUsable();
    const readback = this.device.createBuffer({ label: 'spectrum readback', size: size * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.cache.countTransient(readback.size);
    try {
      return await pipeline.spectrum(map, readback);
    } catch (error) {
      if (this.lostReason) throw this.lostError();
      throw error;
    } finally {
      this.cache.countTransient(-readback.size);
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
    this.cache.clear();
  }
}
