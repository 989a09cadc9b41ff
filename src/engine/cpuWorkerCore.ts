// What one worker of the CPU engine's pool does with a request (cpuPool.ts): the float64 engine's
// own code (CpuEngine.profileMapsNow, powerSpectrum64) on the maps it was handed, the results
// handed back as copies (see handlePoolRequest). Shared by the page's Web Worker (cpuWorker.web.ts) and the
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

/**
 * One request's reply. The worker posts it as a copy, never transferring its buffers: the first
 * ArrayBuffer a thread detaches (a transfer) invalidates V8's "no buffer is ever detached"
 * assumption for that thread, which throws away every compiled function of the engine at once
 * (they ran in the interpreter again for 50 to 90 ms) and compiles them again with a detached
 * check on every typed-array access (each job 20 % slower). The profiles are small (a few kB per
 * map), so copying them costs next to nothing. docs/engine.md, "Never detach on a computing thread".
 */
export async function handlePoolRequest(request: PoolRequest): Promise<PoolReply> {
  let data: Float32Array | null = null;
  if (request.kind === 'profileBytes') {
    try {
      data = await readBytes(request.blob, request.start, request.end);
    } catch (error) {
      const message = error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);
      return { id: request.id, kind: 'error', message, readFailed: true };
    }
  }
  try {
    if (request.kind === 'profile' || request.kind === 'profileBytes') {
      const profiles = engine.profileMapsNow(data ?? (request as { data: Float32Array }).data, request.count, request.height, request.width);
      return { id: request.id, kind: 'profile', profiles };
    }
    if (request.kind === 'spectrum') {
      const power = powerSpectrum64(request.data, request.height, request.width);
      return { id: request.id, kind: 'spectrum', power };
    }
    engine.destroy();
    return { id: request.id, kind: 'released' };
  } catch (error) {
    return { id: request.id, kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
