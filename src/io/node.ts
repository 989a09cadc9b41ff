// Opening an activation file by path in Node (>= 20). The file is read by ranges, never whole:
// each range straight into a buffer of its own size with positioned reads on the file's
// descriptor (Node's fs.openAsBlob assembles a range from 64 KiB pieces and copies it once more,
// a tenth of the command's time on a VGG16 file: docs/benchmarks.md). A missing or unreadable
// path is an error entry, not a throw. HDF5 files are read by h5wasm on the path itself, by slices.

import { close, open, read, fstat } from 'node:fs';
import { openActivationFile } from './open';
import type { BlobLike } from './blobSource';
import { ActivationFileError, type Layer, type LayoutChoice } from './types';

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

function cannotRead(path: string, error: unknown): ActivationFileError {
  const code = (error as { code?: unknown } | null)?.code;
  const words = typeof code === 'string' ? `${code}: ${WORDS[code] ?? (error as Error).message}` : error instanceof Error ? error.message : String(error);
  return new ActivationFileError(path, `cannot read the file (${words})`);
}

/** An open file's descriptor, closed once (by close(), or when nothing refers to the file any more). */
class Descriptor {
  private open = true;
  constructor(readonly fd: number) {
    closing.register(this, fd, this);
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    closing.unregister(this);
    close(this.fd, () => undefined);
  }
  get closed(): boolean {
    return !this.open;
  }
}
const closing = new FinalizationRegistry<number>((fd) => close(fd, () => undefined));

/** Bytes [start, start + size) of an open file, as a Blob gives them (size, slice, arrayBuffer). */
export class FileRange implements BlobLike {
  constructor(
    private readonly file: Descriptor,
    private readonly start: number,
    readonly size: number,
  ) {}

  slice(start = 0, end = this.size): FileRange {
    const a = Math.min(Math.max(0, start), this.size);
    const b = Math.min(Math.max(a, end), this.size);
    return new FileRange(this.file, this.start + a, b - a);
  }

  /** The range's bytes in a buffer of their own; shorter if the file has shrunk since it was opened. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.file.closed) throw new Error('the file was closed');
    // Not zero-filled first (a pass over memory as long as the read itself): every byte returned is read.
    const bytes = Buffer.allocUnsafeSlow(this.size);
    let done = 0;
    while (done < this.size) {
      const got = await new Promise<number>((resolve, reject) =>
        read(this.file.fd, bytes, done, this.size - done, this.start + done, (error, n) => (error ? reject(error) : resolve(n))),
      );
      if (got === 0) break;
      done += got;
    }
    return done === this.size ? (bytes.buffer as ArrayBuffer) : (bytes.buffer as ArrayBuffer).slice(0, done);
  }
}

/** Opens a file for reading by ranges; close() frees its descriptor (garbage collection does too). */
export async function openFileRange(path: string): Promise<{ blob: FileRange; close: () => void }> {
  const fd = await new Promise<number>((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));
  const descriptor = new Descriptor(fd);
  try {
    const info = await new Promise<{ size: number; isDirectory(): boolean }>((resolve, reject) => fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats))));
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const blob = new FileRange(descriptor, 0, info.size);
    return { blob, close: () => descriptor.close() };
  } catch (error) {
    descriptor.close();
    throw error;
  }
}

/**
 * The file's layers, or the reasons it has none. `close` frees the file once its layers are no
 * longer read (the command calls it at its end); until then the layers read from it on demand.
 */
export async function openActivationPath(path: string, layout: LayoutChoice = 'auto'): Promise<{ layers: Layer[]; errors: ActivationFileError[]; close: () => void }> {
  let opened: Awaited<ReturnType<typeof openFileRange>>;
  try {
    opened = await openFileRange(path);
  } catch (error) {
    return { layers: [], errors: [cannotRead(path, error)], close: () => undefined };
  }
  // HDF5 is read by h5wasm on the path itself (loaded only when such a file is opened).
  const result = await openActivationFile(opened.blob, path, layout, { hdf5: () => import('./hdf5Node').then((m) => m.openHdf5Path(path)) });
  if (result.layers.length === 0) opened.close();
  return { ...result, close: opened.close };
}
