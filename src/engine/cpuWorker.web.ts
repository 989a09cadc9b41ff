// The page's CPU engine worker (a module Web Worker, started by src/engine/cpuPoolWeb.ts): every
// message is one request of the pool (cpuPool.ts), answered with a copy of its result (never a
// transfer: see handlePoolRequest).
import { handlePoolRequest, primeWorker } from './cpuWorkerCore';
import type { PoolRequest } from './cpuPool';

const scope = self as unknown as { onmessage: ((event: MessageEvent<PoolRequest>) => void) | null; postMessage(message: unknown): void };
scope.onmessage = async (event) => {
  scope.postMessage(await handlePoolRequest(event.data));
};
// Its compiled code is made while the page opens the file and the first chunk is read.
primeWorker();
