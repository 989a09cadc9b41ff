// The page's HDF5 worker: h5wasm with the File mounted read-only through Emscripten's WORKERFS,
// which reads the File by slices (FileReaderSync, available in workers only). Requests:
//   { id, op: 'open', blob, name }                           -> { id, datasets, skipped } or { id, error }
//   { id, op: 'read', handle, path, offset, count, itemSize } -> { id, bytes } or { id, error }
// An error with `fatal` set means the library aborted: the page then replaces the worker.

import type * as H5 from 'h5wasm';
import { listDatasets, loadQuietly, openFile, readHyperslab, type H5Lib } from './hdf5Walk';

const library = loadQuietly(async () => {
  const h5 = await import('h5wasm');
  const { FS } = await h5.ready;
  return { lib: h5 as unknown as H5Lib, FS: FS as unknown as typeof H5.FS & { filesystems: Record<string, unknown>; mkdir(p: string): void; mount(t: unknown, o: unknown, p: string): void; unmount(p: string): void } };
});
const files = new Map<number, H5.File>();
let next = 1;

type Request =
  | { id: number; op: 'open'; blob: Blob; name: string }
  | { id: number; op: 'read'; handle: number; path: string; offset: number[]; count: number[]; itemSize: number };

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  try {
    const { lib, FS } = await library;
    if (request.op === 'open') {
      const handle = next++;
      const dir = `/h5-${handle}`;
      FS.mkdir(dir);
      FS.mount(FS.filesystems.WORKERFS, { blobs: [{ name: 'file.h5', data: request.blob }] }, dir);
      let file: H5.File;
      try {
        file = openFile(lib, `${dir}/file.h5`);
      } catch (error) {
        FS.unmount(dir);
        throw error;
      }
      files.set(handle, file);
      const listing = listDatasets(lib, file);
      self.postMessage({ id: request.id, handle, ...listing });
    } else {
      const file = files.get(request.handle);
      if (!file) throw new Error('the file is no longer open');
      const bytes = readHyperslab(lib, file, request.path, request.offset, request.count, request.itemSize);
      (self as unknown as Worker).postMessage({ id: request.id, bytes }, [bytes.buffer]);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // the library aborted (a WASM trap): it cannot be used again; the page starts a new worker
    const fatal = error instanceof WebAssembly.RuntimeError || /^Aborted/.test(message);
    self.postMessage({ id: request.id, error: message, fatal });
  }
};
