// The page's pool of Web Workers for the CPU engine (src/engine/cpuPool.ts): one fewer than the
// machine's logical cores (the page's own thread keeps one), at least one. The workers are
// module workers from the app's own origin (the page's policy allows worker-src 'self'), built by
// Vite beside the app and served by the dev server alike. `?threads=N` in the address sets the
// count; `?threads=0` runs the engine on the page's own thread (for comparisons only: the page
// then does the FFT work itself).

import { CpuEngine } from './cpuEngine';
import { CpuPool, PooledCpuEngine, READING_JOB_VALUES, READING_JOBS_PER_WORKER, type PoolReply, type PoolWorker } from './cpuPool';
import type { ProfileEngine } from './types';

/** Workers the page starts: ?threads=N, else hardwareConcurrency - 1, at least 1. */
export function pageThreads(): number {
  const asked = new URLSearchParams(window.location.search).get('threads');
  if (asked !== null && /^\d+$/.test(asked)) return Math.min(64, Number(asked));
  return Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
}

function webWorker(index: number): PoolWorker {
  const worker = new Worker(new URL('./cpuWorker.web.ts', import.meta.url), { type: 'module', name: `srop-cpu-${index}` });
  const adapter: PoolWorker = {
    post: (request, transfer) => worker.postMessage(request, transfer),
    onReply: null,
    onFailure: null,
    terminate: () => worker.terminate(),
  };
  worker.onmessage = (event: MessageEvent<PoolReply>) => adapter.onReply?.(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    adapter.onFailure?.(event.message || 'its script could not be loaded');
  };
  worker.onmessageerror = () => adapter.onFailure?.('a message from it could not be read');
  return adapter;
}

let pool: CpuPool | null = null;

/** The page's one pool (its workers start when the engine first has work). */
export function pagePool(): CpuPool | null {
  const threads = pageThreads();
  if (threads === 0) return null;
  // Its workers read the maps themselves: each holds several chunks (ranges of the file) at once.
  pool ??= new CpuPool(webWorker, threads, READING_JOBS_PER_WORKER);
  return pool;
}

/**
 * The page's CPU engine: on the pool's workers (the main thread does no FFT work). Maps stored as
 * they are (float32 NCHW) are read from the file by the workers themselves.
 */
export function pageCpuEngine(): ProfileEngine {
  const shared = pagePool();
  return shared ? new PooledCpuEngine(shared, { readsInWorkers: true, jobValues: READING_JOB_VALUES }) : new CpuEngine();
}
