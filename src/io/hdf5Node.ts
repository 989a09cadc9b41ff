// HDF5 in Node: h5wasm's Node build reads the file on disk through its own file system layer
// (NODERAWFS), so only the parts HDF5 asks for are read. Loaded only when an HDF5 file is opened.

import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Hdf5Handle } from './hdf5';
import { keep, listDatasets, loadQuietly, openFile, readHyperslab, type H5Lib } from './hdf5Walk';

let library: Promise<H5Lib> | null = null;

/**
 * The Node build writes HDF5's error stack straight to file descriptor 2 (fs.writeSync); while a
 * call runs under quietly() those writes are kept for the error's reason instead of printed.
 */
function tapStderr(): void {
  const original = fs.writeSync;
  const tapped = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]) {
    if (fd === 2 && ArrayBuffer.isView(buffer)) {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const length = typeof rest[1] === 'number' ? rest[1] : bytes.length - offset;
      if (keep(new TextDecoder().decode(bytes.subarray(offset, offset + length)))) return length;
    }
    return (original as (...a: unknown[]) => number).call(fs, fd, buffer, ...rest);
  };
  fs.writeSync = tapped as typeof fs.writeSync;
}

function load(): Promise<H5Lib> {
  library ??= loadQuietly(async () => {
    tapStderr();
    const h5 = await import('h5wasm/node');
    await h5.ready;
    return h5 as unknown as H5Lib;
  });
  return library;
}

/** Opens the file at `path`; rejects with an Error when HDF5 cannot open it. */
export async function openHdf5Path(path: string): Promise<Hdf5Handle> {
  const h5 = await load();
  const file = openFile(h5, resolve(path));
  const { datasets, skipped } = listDatasets(h5, file);
  return {
    datasets,
    skipped,
    read: async (dataset, offset, count, itemSize) => readHyperslab(h5, file, dataset, offset, count, itemSize),
  };
}
