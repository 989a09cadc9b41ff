// What one worker of the CPU engine's pool does with a request (cpuPool.ts): the float64 engine's
// own code (CpuEngine.profileMapsNow, powerSpectrum64) on the maps it was handed, the results
// handed back as transferable buffers. Shared by the page's Web Worker (cpuWorker.web.ts) and the
// command's worker thread (cpuWorker.node.ts).

import { CpuEngine } from './cpuEngine';
import { powerSpectrum64 } from './spectrum';
import type { PoolReply, PoolRequest } from './cpuPool';

const engine = new CpuEngine();

/** Primes the worker's engine (CpuEngine.prime): a worker does it as it starts, before its first job. */
export function primeWorker(): void {
  engine.prime();
}

/** Maps a worker reads itself (the page's workers, from the user's file): the bytes as float32. */
async function readBytes(blob: Blob, start: number, end: number): Promise<Float32Array> {
  const buffer = await blob.slice(start, end).arrayBuffer();
  if (buffer.byteLength !== end - start) throw new Error(`reading bytes ${start}-${end} gave ${buffer.byteLength} bytes; the file may have changed`);
  return new Float32Array(buffer);
}

export async function handlePoolRequest(request: PoolRequest): Promise<{ reply: PoolReply; transfer: ArrayBuffer[] }> {
  let data: Float32Array | null = null;
  if (request.kind === 'profileBytes') {
    try {
      data = await readBytes(request.blob, request.start, request.end);
    } catch (error) {
      const message = error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);
      return { reply: { id: request.id, kind: 'error', message, readFailed: true }, transfer: [] };
    }
  }
  try {
    if (request.kind === 'profile' || request.kind === 'profileBytes') {
      const profiles = engine.profileMapsNow(data ?? (request as { data: Float32Array }).data, request.count, request.height, request.width);
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
