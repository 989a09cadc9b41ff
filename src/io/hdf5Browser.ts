// HDF5 in the page: one worker (hdf5Worker.ts, a chunk of its own with h5wasm) started the first
// time an HDF5 file is opened; the page asks it for each file's datasets and for hyperslabs.

import type { Hdf5Handle } from './hdf5';
import type { Hdf5DatasetInfo } from './hdf5Walk';

type Reply = { id: number; error?: string; fatal?: boolean; handle?: number; datasets?: Hdf5DatasetInfo[]; skipped?: number; bytes?: Uint8Array };

let worker: Worker | null = null;
/** Counts the workers started: a file opened by an earlier one is no longer open. */
let generation = 0;
let nextId = 1;
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

/** Ends the worker; whatever still waits on it fails with `error`. */
function stop(w: Worker, error: Error): void {
  for (const waiting of pending.values()) waiting.reject(error);
  pending.clear();
  if (worker === w) worker = null;
  w.terminate();
}

function start(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./hdf5Worker.ts', import.meta.url), { type: 'module', name: 'hdf5' });
  generation++;
  w.onmessage = (event: MessageEvent<Reply>) => {
    const waiting = pending.get(event.data.id);
    if (waiting) pending.delete(event.data.id);
    if (event.data.error !== undefined) {
      const error = new Error(event.data.error);
      waiting?.reject(error);
      if (event.data.fatal) stop(w, new Error(`the HDF5 reader stopped (${event.data.error})`));
    } else waiting?.resolve(event.data);
  };
  w.onerror = (event) => {
    event.preventDefault();
    stop(w, new Error(`the HDF5 reader stopped (${event.message || 'it could not start'})`));
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
  const openedBy = generation;
  return {
    datasets: opened.datasets!,
    skipped: opened.skipped!,
    read: async (path, offset, count, itemSize) => {
      if (generation !== openedBy || !worker) throw new Error('the HDF5 reader was restarted after a failure; open the file again');
      return (await ask({ op: 'read', handle, path, offset, count, itemSize })).bytes!;
    },
  };
}
