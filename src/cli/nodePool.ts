// The command's pool of worker threads for the CPU engine (src/engine/cpuPool.ts): each runs
// dist-cli/cpuWorker.mjs (bundled from src/engine/cpuWorker.node.ts).

import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CpuPool, type PoolReply, type PoolWorker, type SpawnWorker } from '../engine/cpuPool';

const WORKER_FILE = 'cpuWorker.mjs';
const BUILT_WORKER = '../../dist-cli/cpuWorker.mjs';

/**
 * Worker threads by default: one fewer than the cores the process may use (its own thread reads
 * the files, builds the results and writes them meanwhile), at least one. Each worker costs a
 * start and its own warm-up of the compiled FFT code (docs/benchmarks.md), which one more worker
 * than there are free cores does not repay.
 */
export function defaultThreads(): number {
  return Math.max(1, (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length) - 1);
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
      post(request, transfer) {
        if (pending++ === 0) worker.ref();
        worker.postMessage(request, transfer);
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

export function nodePool(threads: number = defaultThreads()): CpuPool {
  return new CpuPool(workerThreads(), threads);
}
