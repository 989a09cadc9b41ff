// The CPU engine on a pool of workers (Web Workers in the page, worker_threads in the command):
// the thread that owns the engine reads a layer's maps in chunks and hands each chunk to a free
// worker (transferred in the page, whose thread does no FFT; copied in the command, whose own thread
// computes too: src/cli/nodePool.ts); every worker runs the float64 engine's own code on it
// (cpuWorkerCore.ts) and hands back the chunk's ring profiles, which are copied into the layer's.
// Each map's profile is computed from that map alone, so the results are the single-threaded
// engine's, bit for bit (test/cpuPool.test.ts). No FFT runs on the owning thread: in the page,
// its main thread only reads, decodes and dispatches. See docs/engine.md, "The CPU engine's pool".

import { ActivationFileError, type Layer, type MapBytes } from '../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from './types';
import { checkProfileShape, emptyProfiles } from './profileMath';
import { ringTable } from './ringTable';

export type PoolRequest =
  | { id: number; kind: 'profile'; data: Float32Array; count: number; height: number; width: number }
  /** Maps the worker reads itself: bytes [start, end) of a Blob, float32 as stored (Layer.mapBytes). */
  | { id: number; kind: 'profileBytes'; blob: Blob; start: number; end: number; count: number; height: number; width: number }
  | { id: number; kind: 'spectrum'; data: Float32Array; height: number; width: number }
  | { id: number; kind: 'release' };

export type PoolReply =
  | { id: number; kind: 'profile'; profiles: RingProfiles }
  | { id: number; kind: 'spectrum'; power: Float64Array }
  | { id: number; kind: 'released' }
  | { id: number; kind: 'error'; message: string; readFailed?: boolean };

/** A request before the pool numbers it. */
type NewRequest = PoolRequest extends infer R ? (R extends PoolRequest ? Omit<R, 'id'> : never) : never;

/** One worker, as the pool sees it (a Web Worker or a worker thread behind a small adapter). */
export interface PoolWorker {
  /** `transfer`: buffers the worker may take over (an adapter may copy them instead). */
  post(request: PoolRequest, transfer: ArrayBuffer[]): void;
  /** Called with every reply. */
  onReply: ((reply: PoolReply) => void) | null;
  /** Called once when the worker can no longer work (its script failed to load, it crashed). */
  onFailure: ((message: string) => void) | null;
  terminate(): void;
}

/** Makes one worker; `index` is its place in the pool (for its name). */
export type SpawnWorker = (index: number) => PoolWorker;

/** Values handed to a worker at once: long enough that a message costs nothing beside it (about 5 ms of work here), short enough to keep every worker busy to the layer's end. */
const JOB_VALUES = 512 * 1024;
/** Chunks read ahead per worker: the next chunk is ready when a worker finishes one. */
const AHEAD_PER_WORKER = 2;
/**
 * Chunks handed out ahead per worker when the workers read the maps themselves (the page's pool):
 * such a chunk is only a range of the user's file until its worker reads it, so more of them cost
 * the page's thread no memory, and they keep a worker busy through the page's own long tasks (a
 * layer's result drawn: 20 to 70 ms here), during which no reply is heard and nothing is handed out.
 * The page's chunks are larger too (READING_JOB_VALUES): three of them are about 60 ms of work.
 */
const AHEAD_PER_WORKER_READING = 3;
/**
 * Values per chunk that a worker reads itself: 2 Mi (8 MiB). Each read of the user's file is a
 * request to the browser's own process and a stream of the bytes back; fewer, larger ones cost the
 * worker less (its share of receiving them fell from about 74 to 66 ms on a VGG16 file).
 */
export const READING_JOB_VALUES = 2 * 1024 * 1024;

interface Job {
  request: PoolRequest;
  transfer: ArrayBuffer[];
  signal?: AbortSignal;
  resolve: (reply: PoolReply) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: PoolWorker;
  /** Jobs posted to the worker and not yet answered, oldest first (it answers in order). */
  jobs: Job[];
}

/**
 * Jobs a worker holds at once by default: the one it works on and the next, so that it starts the
 * next as soon as it answers, without waiting for the owning thread to hear the answer and post
 * again (on a busy machine each such hand-over waits for a turn of both threads).
 */
const JOBS_PER_WORKER = 2;

/** A chunk of a layer for a worker: its maps as values, or the byte range the worker reads itself. */
type Chunk = Float32Array | { bytes: MapBytes; where: { file: string; part: string; first: number } };

/** A buffer that can be handed over whole: the array's own, or a copy of its part. */
function ownBuffer(data: Float32Array): Float32Array {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) return data;
  return data.slice();
}

export class CpuPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * `size` workers at most, started as work arrives; `jobsPerWorker`: jobs a worker holds at once
   * (default 2; the page's pool holds more: AHEAD_PER_WORKER_READING).
   */
  constructor(
    private readonly spawn: SpawnWorker,
    readonly size: number,
    readonly jobsPerWorker: number = JOBS_PER_WORKER,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`CPU pool: ${size} workers; it needs at least one`);
    if (!Number.isInteger(jobsPerWorker) || jobsPerWorker < 1) throw new Error(`CPU pool: ${jobsPerWorker} jobs per worker; it needs at least one`);
  }

  /** Sends a request to the first free worker; settles with its reply (an error reply rejects). */
  request(request: NewRequest, transfer: ArrayBuffer[], signal?: AbortSignal): Promise<PoolReply> {
    if (this.closed) return Promise.reject(new Error('the CPU engine\'s workers have been stopped'));
    return new Promise<PoolReply>((resolve, reject) => {
      this.queue.push({ request: { ...request, id: this.nextId++ } as PoolRequest, transfer, signal, resolve, reject });
      this.pump();
    });
  }

  /** The least busy worker with room for a job, a new one while the pool is not full, or null. */
  private freeSlot(): Slot | null {
    let best: Slot | null = null;
    for (const slot of this.slots) if (!best || slot.jobs.length < best.jobs.length) best = slot;
    if (best && best.jobs.length === 0) return best;
    if (this.slots.length < this.size) return this.start();
    return best && best.jobs.length < this.jobsPerWorker ? best : null;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.freeSlot();
      if (!slot) return;
      const job = this.queue.shift()!;
      // A job whose caller gave up before it reached a worker is dropped unsent.
      if (job.signal?.aborted) {
        job.reject(job.signal.reason instanceof Error ? job.signal.reason : new Error('aborted'));
        continue;
      }
      slot.jobs.push(job);
      try {
        slot.worker.post(job.request, job.transfer);
      } catch (error) {
        slot.jobs.pop();
        job.reject(new Error(`the CPU engine could not hand maps to a worker (${(error as Error).message})`));
      }
    }
  }

  private start(): Slot {
    const index = this.slots.length;
    const worker = this.spawn(index);
    const slot: Slot = { worker, jobs: [] };
    worker.onReply = (reply) => {
      const at = slot.jobs.findIndex((j) => j.request.id === reply.id);
      if (at < 0) return;
      const [job] = slot.jobs.splice(at, 1);
      if (reply.kind === 'error') job.reject(Object.assign(new Error(reply.message), { readFailed: reply.readFailed ?? false }));
      else job.resolve(reply);
      this.pump();
    };
    worker.onFailure = (message) => {
      // This worker is gone: its jobs fail with the reason, and a fresh worker takes the next ones.
      const jobs = slot.jobs.splice(0);
      this.slots = this.slots.filter((s) => s !== slot);
      try {
        worker.terminate();
      } catch {}
      for (const job of jobs) job.reject(new Error(`a worker of the CPU engine failed (${message})`));
      if (!this.closed) this.pump();
    };
    this.slots.push(slot);
    return slot;
  }

  /** Starts every worker now, so that their start overlaps other work (the command opening its files). */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.start();
  }

  /** Workers started so far (they start as work arrives, or on warm()). */
  get started(): number {
    return this.slots.length;
  }

  /** Asks every idle worker to drop its scratch memory (it grows again on the next job). */
  release(): void {
    for (const slot of this.slots) {
      if (slot.jobs.length > 0) continue;
      const job: Job = { request: { kind: 'release', id: this.nextId++ }, transfer: [], resolve: () => undefined, reject: () => undefined };
      slot.jobs.push(job);
      try {
        slot.worker.post(job.request, []);
      } catch {
        slot.jobs.pop();
      }
    }
  }

  /** Stops every worker; what was queued or running fails. The pool cannot be used again. */
  terminate(): void {
    this.closed = true;
    const failed = new Error('the CPU engine\'s workers were stopped');
    for (const job of this.queue.splice(0)) job.reject(failed);
    for (const slot of this.slots) {
      for (const job of slot.jobs.splice(0)) job.reject(failed);
      try {
        slot.worker.terminate();
      } catch {}
    }
    this.slots = [];
  }
}

/**
 * The CPU engine's contract (ProfileEngine) on a pool. Like CpuEngine, it always stays usable:
 * destroy() only asks the workers to drop their scratch memory. Many engines may share one pool
 * (the page makes a new engine object whenever the host switches back to the CPU engine).
 */
/** Jobs per worker for a pool whose workers read the maps themselves (the page's). */
export const READING_JOBS_PER_WORKER = AHEAD_PER_WORKER_READING;

export class PooledCpuEngine implements ProfileEngine {
  readonly backend = 'cpu' as const;
  readonly adapter = null;
  readonly released: boolean = false;
  readonly overlapsLayers = true;

  private readonly jobValues: number;

  private readonly readsInWorkers: boolean;

  /**
   * `jobValues`: values handed to a worker at once (default about 512 Ki; tests make it small).
   * `readsInWorkers`: maps stored as they are in a browser Blob are read by the workers themselves
   * (Layer.mapBytes), so that the page's thread does not even copy them (the page's pool).
   */
  constructor(
    private readonly pool: CpuPool,
    options: { jobValues?: number; readsInWorkers?: boolean } = {},
  ) {
    this.jobValues = Math.max(1, Math.floor(options.jobValues ?? JOB_VALUES));
    this.readsInWorkers = options.readsInWorkers ?? false;
  }

  /** Workers in the pool. */
  get threads(): number {
    return this.pool.size;
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkProfileShape(total, height, width);
    options.signal?.throwIfAborted();
    const size = height * width;
    const jobMaps = this.jobMaps(total, size);
    return this.run(total, height, width, jobMaps, options, (first, count) => {
      // A byte range is handed out at once (no turn of the event loop first): the page's first
      // chunks then reach the worker before the page draws the layers it has just listed.
      const bytes = this.readsInWorkers ? (layer.mapBytes?.(first, count) ?? null) : null;
      if (bytes) return { bytes, where: { file: layer.file, part: layer.name, first } };
      return layer.readMaps(first, count).then((data) => {
        if (data.length < count * size) {
          throw new ActivationFileError(layer.file, `maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`, layer.name);
        }
        return ownBuffer(data.length === count * size ? data : data.subarray(0, count * size));
      });
    });
  }

  async profileMaps(data: Float32Array, count: number, height: number, width: number, options: ProfileOptions = {}): Promise<RingProfiles> {
    checkProfileShape(count, height, width);
    if (data.length < count * height * width) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    options.signal?.throwIfAborted();
    const size = height * width;
    // The caller keeps its maps: each chunk is a copy.
    return this.run(count, height, width, this.jobMaps(count, size), options, (first, n) => data.slice(first * size, (first + n) * size));
  }

  async powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    checkProfileShape(1, height, width);
    if (map.length < height * width) throw new Error(`powerSpectrum: ${map.length} values hold less than one map of ${height} x ${width}`);
    const data = map.slice(0, height * width);
    const reply = await this.pool.request({ kind: 'spectrum', data, height, width }, [data.buffer]);
    if (reply.kind !== 'spectrum') throw new Error(`the CPU engine's worker answered ${reply.kind} to a spectrum`);
    return reply.power;
  }

  destroy(): void {
    this.pool.release();
  }

  /** Maps per chunk: about JOB_VALUES values, and at least as many chunks as workers. */
  private jobMaps(total: number, size: number): number {
    const bySize = Math.max(1, Math.floor(this.jobValues / size));
    const byWorkers = Math.max(1, Math.ceil(total / this.pool.size));
    return Math.min(bySize, byWorkers);
  }

  /**
   * Reads chunk after chunk (a bounded number ahead of the workers), hands each to the pool and
   * copies its profiles into the layer's. Progress as chunks come back; an abort stops the reading
   * and rejects at once (chunks already on a worker finish there and are dropped).
   */
  private async run(
    total: number,
    height: number,
    width: number,
    jobMaps: number,
    options: ProfileOptions,
    read: (first: number, count: number) => Chunk | Promise<Chunk>,
  ): Promise<RingProfiles> {
    const { signal } = options;
    const ahead = (this.readsInWorkers ? Math.max(AHEAD_PER_WORKER_READING, this.pool.jobsPerWorker) : AHEAD_PER_WORKER) * this.pool.size;
    let stop = () => {};
    const aborted = signal
      ? new Promise<never>((_, reject) => {
          stop = () => reject(signal.reason);
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
        })
      : null;
    aborted?.catch(() => undefined);
    const wait = <T>(what: Promise<T>): Promise<T> => (aborted ? Promise.race([what, aborted]) : what);
    try {
      return await this.dispatch(total, height, width, jobMaps, options, read, wait, ahead);
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  private async dispatch(
    total: number,
    height: number,
    width: number,
    jobMaps: number,
    options: ProfileOptions,
    read: (first: number, count: number) => Chunk | Promise<Chunk>,
    wait: <T>(what: Promise<T>) => Promise<T>,
    ahead: number,
  ): Promise<RingProfiles> {
    const { signal } = options;
    let profiles: RingProfiles | null = total === 0 ? emptyProfiles(height, width, 0, ringTable(height, width).rings) : null;
    let done = 0;
    let failure: unknown = null;
    const inFlight = new Set<Promise<void>>();

    for (let first = 0; first < total; first += jobMaps) {
      while (inFlight.size >= ahead && failure === null) await wait(Promise.race(inFlight));
      if (failure !== null) throw failure;
      signal?.throwIfAborted();
      const count = Math.min(jobMaps, total - first);
      const pending = read(first, count);
      const data = pending instanceof Promise ? await wait(pending) : pending;
      signal?.throwIfAborted();
      const sent =
        data instanceof Float32Array
          ? this.pool.request({ kind: 'profile', data, count, height, width }, [data.buffer as ArrayBuffer], signal)
          : this.pool.request({ kind: 'profileBytes', ...data.bytes, count, height, width }, [], signal).catch((error: Error & { readFailed?: boolean }) => {
              // The worker's read failed: the file's fault, reported as the readers report theirs.
              if (error.readFailed) throw new ActivationFileError(data.where.file, `reading maps ${data.where.first}..${data.where.first + count - 1} failed (${error.message})`, data.where.part);
              throw error;
            });
      const job = sent.then((reply) => {
        if (reply.kind !== 'profile') throw new Error(`the CPU engine's worker answered ${reply.kind} to a profile`);
        const part = reply.profiles;
        profiles ??= emptyProfiles(height, width, total, part.rings);
        profiles.inDisc.set(part.inDisc, first * part.rings);
        profiles.outDisc.set(part.outDisc, first * part.rings);
        profiles.dc.set(part.dc, first);
        profiles.sumSquares.set(part.sumSquares, first);
        profiles.nonFinite.set(part.nonFinite, first);
        done += count;
        if (!signal?.aborted) options.onProgress?.(done, total);
      });
      const tracked = job.then(
        () => {
          inFlight.delete(tracked);
        },
        (error) => {
          inFlight.delete(tracked);
          failure ??= error;
        },
      );
      inFlight.add(tracked);
    }
    while (inFlight.size > 0) await wait(Promise.race(inFlight));
    if (failure !== null) throw failure;
    signal?.throwIfAborted();
    return profiles!;
  }
}
