// What one worker of the CPU engine's pool does with a request (cpuPool.ts): the float64 engine's
// own code (CpuEngine.profileMapsNow, powerSpectrum64) on the maps it was handed, the results
// handed back as transferable buffers. Shared by the page's Web Worker (cpuWorker.web.ts) and the
// command's worker thread (cpuWorker.node.ts).

import { CpuEngine } from './cpuEngine';
import { powerSpectrum64 } from './spectrum';
import type { PoolReply, PoolRequest } from './cpuPool';

const engine = new CpuEngine();

export function handlePoolRequest(request: PoolRequest): { reply: PoolReply; transfer: ArrayBuffer[] } {
  try {
    if (request.kind === 'profile') {
      const profiles = engine.profileMapsNow(request.data, request.count, request.height, request.width);
      const transfer = [profiles.inDisc.buffer, profiles.outDisc.buffer, profiles.dc.buffer, profiles.sumSquares.buffer, profiles.nonFinite.buffer] as ArrayBuffer[];
      return { reply: { id: request.id, kind: 'profile', profiles }, transfer };
    }
    if (request.kind === 'spectrum') {
      const power = powerSpectrum64(request.data, request.height, request.width);
      return { reply: { id: request.id, kind: 'spectrum', power }, transfer: [power.buffer as ArrayBuffer] };
    }
    engine.destroy();
    return { reply: { id: request.id, kind: 'released' }, transfer: [] };
  } catch (error) {
    return { reply: { id: request.id, kind: 'error', message: error instanceof Error ? error.message : String(error) }, transfer: [] };
  }
}
