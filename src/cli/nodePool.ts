// The command's pool of worker threads for the CPU engine (src/engine/cpuPool.ts): each runs
// dist-cli/cpuWorker.mjs (bundled from src/engine/cpuWorker.node.ts).

import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CpuPool, type PoolReply, type PoolRequest, type PoolWorker, type SpawnWorker } from '../engine/cpuPool';
import { handlePoolRequest } from '../engine/cpuWorkerCore';
import { parseArgs, subcommandOf } from './args';

const WORKER_FILE = 'cpuWorker.mjs';
const BUILT_WORKER = '../../dist-cli/cpuWorker.mjs';

/** The cores this process may use. */
export function coresAvailable(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/**
 * The command's worker threads by default: two fewer than the cores the process may use, at least
 * none. The command's own thread computes too (ownThreadWorker), and one core is left to Node's
 * and V8's own threads: the file reads, the JIT compiler and the garbage collector, which the engine
 * on one thread already keeps busy. Each worker costs a start and its own warm-up of the compiled
 * FFT code; on 2 cores, measured on an idle machine, one or two workers made the whole command
 * slower than its own thread alone (docs/benchmarks.md, "The command: where its time went"), so
 * there the default is no worker at all. The page keeps the issue's rule (cores - 1, at least
 * one): its own thread must do no FFT work.
 */
export function defaultThreads(): number {
  return Math.max(0, coresAvailable() - 2);
}

/**
 * The worker's script: beside the bundle (dist-cli/, where every chunk of the command lies), or,
 * when the command runs from its sources (the tests), the built one in dist-cli/.
 */
export function workerScript(): URL {
  const beside = new URL(WORKER_FILE, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL(BUILT_WORKER, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the CPU engine's worker (${WORKER_FILE}) is not built; run \`npm run build:cli\``);
}

/**
 * Worker threads behind the pool's PoolWorker. A worker holds the process open only while it has a
 * job (it is unref'd when idle), so a pool nobody closed never keeps the command from exiting.
 */
export function workerThreads(script: URL = workerScript()): SpawnWorker {
  return (index) => {
    const worker = new Worker(script, { name: `srop-cpu-${index}` });
    // Held (ref) while it has jobs, let go (unref) when it has none.
    worker.unref();
    let stopped = false;
    let pending = 0;
    const adapter: PoolWorker = {
      // Maps go to the worker as a copy, never transferred: the command's own thread computes
      // too, and the first buffer it detached would throw away its compiled engine code and slow
      // every later job (cpuWorkerCore.ts, handlePoolRequest). The copy is a memcpy of the chunk.
      post(request) {
        if (pending++ === 0) worker.ref();
        worker.postMessage(request);
      },
      onReply: null,
      onFailure: null,
      terminate() {
        stopped = true;
        void worker.terminate();
      },
    };
    worker.on('message', (reply: PoolReply) => {
      if (--pending === 0) worker.unref();
      adapter.onReply?.(reply);
    });
    worker.on('error', (error: Error) => adapter.onFailure?.(error.message));
    worker.on('messageerror', (error: Error) => adapter.onFailure?.(`a message could not be read: ${error.message}`));
    worker.on('exit', (code) => {
      if (!stopped) adapter.onFailure?.(`its thread exited with code ${code}`);
    });
    return adapter;
  };
}

/**
 * The pool's slot on the command's own thread: each job runs on a later turn of its event loop,
 * through the worker's own code (cpuWorkerCore.ts), so that between two jobs the thread still reads
 * the next chunks, hands them out and writes the results. The command's thread would otherwise sit
 * idle while the workers compute, and each worker thread costs a start and its own warm-up of the
 * compiled FFT code (docs/benchmarks.md, "The command: where its time went").
 */
export function ownThreadWorker(): PoolWorker {
  const queue: PoolRequest[] = [];
  let stopped = false;
  let scheduled = false;
  const adapter: PoolWorker = {
    post(request) {
      if (stopped) throw new Error('the command\'s own slot of the CPU engine was stopped');
      queue.push(request);
      schedule();
    },
    onReply: null,
    onFailure: null,
    terminate() {
      stopped = true;
      queue.length = 0;
    },
  };
  function schedule(): void {
    if (scheduled || stopped || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const request = queue.shift();
      if (!request || stopped) return;
      void handlePoolRequest(request).then((reply) => {
        if (!stopped) adapter.onReply?.(reply);
        schedule();
      });
    });
  }
  return adapter;
}

/**
 * A pool of `threads` worker threads and, with `ownThread`, this thread as one more slot (the
 * command's pool: it computes between its reads). Without it (the bench's engine-only rows, the
 * tests), only worker threads compute. This thread's slot comes last, so that a job goes to it only
 * when every worker thread has as many (the pool gives a job to the first of the least busy): while
 * it computes it cannot hand the workers their next chunks, and they ran dry (idle 40 % of a VGG16
 * file with the slot first).
 */
export function nodePool(threads: number, ownThread = false): CpuPool {
  if (early && early.threads === threads && ownThread) {
    const pool = early.pool;
    early = null;
    return pool;
  }
  const spawnThread = workerThreads();
  let own: PoolWorker | null = null;
  // A worker thread that failed is replaced by another worker thread, never by a second own slot.
  return new CpuPool((index) => (ownThread && own === null && index === threads ? (own = ownThreadWorker()) : spawnThread(index)), threads + (ownThread ? 1 : 0));
}

let early: { threads: number; pool: CpuPool } | null = null;

/**
 * Starts the command's worker threads first thing (src/cli/main.ts calls it before the rest of the
 * command loads) when its arguments ask for the CPU engine (`--backend cpu`) with worker threads:
 * a worker's start (its own Node, its module, its engine code primed) then overlaps the command's
 * loading and the opening of its files instead of following them. nodePool(threads, true) takes
 * that pool. Nothing is started for anything else (a usage error, a subcommand, another backend).
 */
export function startPoolEarly(argv: string[]): void {
  if (early || subcommandOf(argv) !== null) return;
  let threads: number;
  try {
    const options = parseArgs(argv);
    if (options.backend !== 'cpu' || options.help) return;
    threads = options.threads ?? defaultThreads();
  } catch {
    return;
  }
  if (threads === 0) return;
  const pool = nodePool(threads, true);
  pool.warm();
  early = { threads, pool };
}
