// HDF5 in the page: one worker (hdf5Worker.ts, a chunk of its own with h5wasm) started the first
// time an HDF5 file is opened; the page asks it for each file's datasets and for hyperslabs.

import type { Hdf5Handle } from './hdf5';
import type { Hdf5DatasetInfo } from './hdf5Walk';

type Reply = { id: number; error?: string; handle?: number; datasets?: Hdf5DatasetInfo[]; skipped?: number; bytes?: Uint8Array };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

function start(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./hdf5Worker.ts', import.meta.url), { type: 'module', name: 'hdf5' });
  w.onmessage = (event: MessageEvent<Reply>) => {
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    if (event.data.error !== undefined) waiting.reject(new Error(event.data.error));
    else waiting.resolve(event.data);
  };
  w.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`the HDF5 reader stopped (${event.message || 'it could not start'})`);
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
    worker = null;
    w.terminate();
  };
  worker = w;
  return w;
}

function ask(message: Record<string, unknown>): Promise<Reply> {
  const w = start();
  const id = nextId++;
  return new Promise<Reply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ ...message, id });
  });
}

export async function openHdf5Blob(blob: Blob): Promise<Hdf5Handle> {
  const opened = await ask({ op: 'open', blob });
  const handle = opened.handle!;
  return {
    datasets: opened.datasets!,
    skipped: opened.skipped!,
    read: async (path, offset, count, itemSize) => (await ask({ op: 'read', handle, path, offset, count, itemSize })).bytes!,
  };
}
