// Opening an activation file by path in Node (>= 20): fs.openAsBlob, so reads are slices of the
// file, never the whole file (HDF5: h5wasm reads the path by slices). A missing or unreadable path is an error entry, not a throw.

import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { openActivationFile } from './open';
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

export async function openActivationPath(path: string, layout: LayoutChoice = 'auto'): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  let blob: Blob;
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { layers: [], errors: [cannotRead(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }))] };
    blob = await openAsBlob(path);
  } catch (error) {
    return { layers: [], errors: [cannotRead(path, error)] };
  }
  // HDF5 is read by h5wasm on the path itself (loaded only when such a file is opened)
  return openActivationFile(blob, path, layout, { hdf5: () => import('./hdf5Node').then((m) => m.openHdf5Path(path)) });
}
