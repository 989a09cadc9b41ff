// The command's CPU engine worker thread (bundled to dist-cli/cpuWorker.mjs, started by
// src/cli/nodePool.ts): every message is one request of the pool (cpuPool.ts), answered with a
// copy of its result (never a transfer: see handlePoolRequest).
import { parentPort } from 'node:worker_threads';
import { handlePoolRequest, primeWorker } from './cpuWorkerCore';
import type { PoolRequest } from './cpuPool';

if (!parentPort) throw new Error('cpuWorker.mjs runs as a worker thread of the srop command, not on its own');
const port = parentPort;
port.on('message', async (request: PoolRequest) => {
  port.postMessage(await handlePoolRequest(request));
});
// Its compiled code is made while the command opens its files and reads the first maps.
primeWorker();
