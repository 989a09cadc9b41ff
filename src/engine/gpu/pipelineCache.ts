// The chunk pipelines (buffers, tables, bind groups) the GPU engine keeps per shape and chunk size,
// least recently used given up first, while they fit under the memory bound together: a second
// image of a network makes no buffers (VGG16 on Dawn here: 27 ms per image of createBuffer before).
// Kept pipelines are given back after a while without work (the page between analyses). The cache
// also counts the bytes the engine holds beside them (a spectrum's read-back) and the peak.

import type { RingTable } from '../ringTable';
import { costBytes } from './bufferCost';
import { ChunkPipeline, chunkCost } from './chunkPipeline';

export class PipelineCache {
  /** Kept pipelines by shape and chunk size, least recently used first. */
  private readonly pipelines = new Map<string, ChunkPipeline>();
  /** Bytes of buffers that live only during one call (the spectrum read-back). */
  private transientBytes = 0;
  private peakBytes = 0;
  private inUse = false;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  /**
   * `memoryBound`: most bytes held at once; `idleReleaseMs`: how long without work before the kept
   * pipelines go (0: kept until `clear`).
   */
  constructor(
    private readonly device: GPUDevice,
    readonly memoryBound: number,
    private readonly idleReleaseMs: number,
  ) {}

  /** Bytes of GPU buffers held now. */
  get heldBytes(): number {
    let bytes = this.transientBytes;
    for (const pipeline of this.pipelines.values()) bytes += pipeline.bytes;
    return bytes;
  }

  /** The most bytes of GPU buffers held at once. */
  get peakHeldBytes(): number {
    return this.peakBytes;
  }

  get size(): number {
    return this.pipelines.size;
  }

  /**
   * The pipeline for chunks of `pairs` pairs of this shape, made room for under the bound (with
   * `extra` bytes beside it) if new: the least recently used others go first, once their chunks in
   * flight are read back. `checkUsable` runs before a pipeline is handed out (the device may have
   * been lost while waiting).
   */
  async get(table: RingTable, pairs: number, checkUsable: () => void, extra = 0): Promise<ChunkPipeline> {
    const key = `${table.height}x${table.width}:${pairs}`;
    const kept = this.pipelines.get(key);
    if (kept) {
      // Most recently used last.
      this.pipelines.delete(key);
      this.pipelines.set(key, kept);
    }
    const need = (kept ? 0 : costBytes(chunkCost(table.height, table.width), pairs)) + extra;
    for (const [oldKey, old] of this.pipelines) {
      if (this.heldBytes + need <= this.memoryBound) break;
      if (old === kept) continue;
      await old.idle();
      this.pipelines.delete(oldKey);
      old.destroy();
    }
    checkUsable();
    if (kept) return kept;
    const pipeline = new ChunkPipeline(this.device, table, pairs);
    this.pipelines.set(key, pipeline);
    this.notePeak();
    return pipeline;
  }

  /** A buffer made for one call (`bytes` > 0) or destroyed after it (`bytes` < 0), counted with the rest. */
  countTransient(bytes: number): void {
    this.transientBytes += bytes;
    this.notePeak();
  }

  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes);
  }

  /** Work starts: the kept pipelines stay. */
  hold(): void {
    this.inUse = true;
    this.cancelRelease();
  }

  /** No work left: the kept pipelines go after idleReleaseMs (the timer never keeps Node alive). */
  letGo(): void {
    this.inUse = false;
    if (this.idleReleaseMs === 0 || this.pipelines.size === 0 || this.closed) return;
    this.cancelRelease();
    const timer = setTimeout(() => {
      this.idleTimer = null;
      if (!this.inUse) this.release();
    }, this.idleReleaseMs);
    (timer as { unref?: () => void }).unref?.();
    this.idleTimer = timer;
  }

  private cancelRelease(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private release(): void {
    for (const pipeline of this.pipelines.values()) pipeline.destroy();
    this.pipelines.clear();
  }

  /** Destroys every kept pipeline for good. */
  clear(): void {
    this.closed = true;
    this.cancelRelease();
    this.release();
  }
}
