// The page's CPU engine worker (a module Web Worker, started by src/engine/cpuPoolWeb.ts): every
// message is one request of the pool (cpuPool.ts), answered with transferred buffers.
import { handlePoolRequest, primeWorker } from './cpuWorkerCore';
import type { PoolRequest } from './cpuPool';

const scope = self as unknown as { onmessage: ((event: MessageEvent<PoolRequest>) => void) | null; postMessage(message: unknown, transfer: Transferable[]): void };
scope.onmessage = async (event) => {
  const { reply, transfer } = await handlePoolRequest(event.data);
  scope.postMessage(reply, transfer);
};
// Its compiled code is made while the page opens the file and the first chunk is read.
primeWorker();
