// The part of the HDF5 reader that runs beside h5wasm (in Node, or in the page's HDF5 worker):
// listing a file's datasets in file order (each group's links in the order the file indexes them:
// creation order where the file tracks it, else by name, as h5py lists them), and reading one
// hyperslab of a dataset as raw little-endian elements. Imports h5wasm's types only: the caller
// passes the loaded module.

import type * as H5 from 'h5wasm';

export type H5Lib = Pick<typeof H5, 'File' | 'Module'>;

// ---- HDF5's own diagnostics ----
// The library prints its error stack line by line through the console.error it finds when it is
// loaded. Loaded through loadQuietly, it gets a forwarder instead: lines printed while a call runs
// under quietly() are kept (and give the reason of a failure) rather than printed.

let kept: string[] | null = null;

/** Loads the library with its error printing routed through quietly(). */
export async function loadQuietly<T>(load: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (kept) kept.push(`${args.map(String).join(' ')}\n`);
    else original.apply(console, args);
  };
  try {
    return await load();
  } finally {
    console.error = original;
  }
}

/** Keeps a piece of HDF5's output while a call runs under quietly(); false otherwise (print it). */
export function keep(text: string): boolean {
  if (!kept) return false;
  kept.push(text);
  return true;
}

/** Runs `fn` keeping HDF5's diagnostics; a failure's message gets the most specific of them. */
export function quietly<T>(fn: () => T): T {
  const outer = kept;
  kept = [];
  try {
    return fn();
  } catch (error) {
    const why = diagnosis(kept);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(why ? (message ? `${message}: ${why}` : why) : message || 'HDF5 gave no reason');
  } finally {
    kept = outer;
  }
}

/**
 * The innermost frame of HDF5's first error stack, in words: its description ("filter returned
 * failure during read"), or its minor reason ("file has been truncated") where the description
 * shows the library's internals.
 */
function diagnosis(lines: string[]): string | null {
  let frame: { description: string; minor?: string } | null = null;
  let stacks = 0;
  for (const line of lines.join('').split('\n')) {
    if (/HDF5-DIAG/.test(line) && ++stacks > 1) break;
    const described = /#\d+:.* in [\w.]+\(\): (.+?)\s*$/.exec(line);
    if (described) frame = { description: described[1] };
    const minor = /^\s*minor:\s*(.+?)\s*$/.exec(line);
    if (minor && frame) frame.minor = minor[1];
  }
  if (!frame) return null;
  const text = /->|=/.test(frame.description) && frame.minor ? frame.minor : frame.description;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A dataset as the reader sees it: its path, shape and element type, or why it cannot be read. */
export interface Hdf5DatasetInfo {
  path: string;
  shape: number[];
  /** numpy-style type text in the file's byte order ("<f4", ">i8", "|u1"), or a description. */
  dtypeText: string;
  /** Element kind and size of the raw elements `read` gives (always little-endian). */
  kind?: 'f' | 'i' | 'u';
  size?: 1 | 2 | 4 | 8;
  problem?: string;
}

export interface Hdf5Listing {
  datasets: Hdf5DatasetInfo[];
  /** Datasets of fewer than 2 axes (labels, scalars): passed over. */
  skipped: number;
}

const CLASS = { INTEGER: 0, FLOAT: 1, TIME: 2, STRING: 3, BITFIELD: 4, OPAQUE: 5, COMPOUND: 6, REFERENCE: 7, ENUM: 8, VLEN: 9, ARRAY: 10 };
const CLASS_NAMES: Record<number, string> = { 2: 'a time', 4: 'a bitfield', 5: 'an opaque', 7: 'a reference', 9: 'a variable-length', 10: 'an array' };

function describeType(meta: H5.Metadata): Pick<Hdf5DatasetInfo, 'dtypeText' | 'kind' | 'size' | 'problem'> {
  const order = meta.size === 1 ? '|' : meta.littleEndian ? '<' : '>';
  if (meta.type === CLASS.FLOAT) {
    const text = `${order}f${meta.size}`;
    if (meta.size === 2 || meta.size === 4 || meta.size === 8) return { dtypeText: text, kind: 'f', size: meta.size };
    return { dtypeText: text, problem: `dtype ${text} (a ${meta.size * 8}-bit float) is not supported (16, 32 and 64-bit floats are)` };
  }
  if (meta.type === CLASS.INTEGER) {
    const text = `${order}${meta.signed ? 'i' : 'u'}${meta.size}`;
    if (meta.size === 1 || meta.size === 2 || meta.size === 4 || meta.size === 8) return { dtypeText: text, kind: meta.signed ? 'i' : 'u', size: meta.size };
    return { dtypeText: text, problem: `dtype ${text} is not supported` };
  }
  if (meta.type === CLASS.ENUM) {
    const names = Object.keys(meta.enum_type?.members ?? {});
    const bool = names.length === 2 && names.includes('FALSE') && names.includes('TRUE');
    return { dtypeText: 'enum', problem: bool ? 'dtype bool (an HDF5 enum) is not a real number type' : 'an enum dtype is not a number type' };
  }
  if (meta.type === CLASS.COMPOUND) {
    const members = meta.compound_type?.members ?? [];
    const complex = members.length === 2 && members.every((m) => m.type === CLASS.FLOAT);
    if (complex) return { dtypeText: 'complex', problem: `dtype complex${members[0].size * 16} is not a real number type` };
    return { dtypeText: 'compound', problem: `a compound dtype (fields ${members.map((m) => m.name).join(', ')}) is not supported` };
  }
  if (meta.type === CLASS.STRING) return { dtypeText: 'string', problem: 'a string dtype, not numbers' };
  return { dtypeText: 'other', problem: `${CLASS_NAMES[meta.type] ?? `an HDF5 class ${meta.type}`} dtype is not a number type` };
}

/** Every dataset of the file, depth first, in file order; soft and external links are passed over. */
export function listDatasets(h5: H5Lib, file: H5.File): Hdf5Listing {
  return quietly(() => listNow(h5, file));
}

function listNow(h5: H5Lib, file: H5.File): Hdf5Listing {
  const { Module } = h5;
  const datasets: Hdf5DatasetInfo[] = [];
  let skipped = 0;
  const visit = (group: string, depth: number) => {
    if (depth > 64) return;
    const names = Module.get_names(file.file_id, group, false) as string[];
    for (const name of names) {
      const path = group === '/' ? `/${name}` : `${group}/${name}`;
      if (Module.get_symbolic_link(file.file_id, path) !== null) continue; // an alias of an object listed where it lives
      const type = Module.get_type(file.file_id, path);
      if (type === Module.H5G_GROUP) visit(path, depth + 1);
      else if (type === Module.H5G_DATASET) {
        const meta = Module.get_dataset_metadata(file.file_id, path);
        const shape = meta.shape ?? [];
        if (shape.length < 2) {
          skipped++;
          continue;
        }
        datasets.push({ path, shape: shape.map(Number), ...describeType(meta) });
      }
    }
  };
  visit('/', 0);
  return { datasets, skipped };
}

/** The hyperslab [offset, offset + count) of a dataset, as raw little-endian elements in row-major order. */
export function readHyperslab(h5: H5Lib, file: H5.File, path: string, offset: number[], count: number[], itemSize: number): Uint8Array {
  return quietly(() => readNow(h5, file, path, offset, count, itemSize));
}

/** Opens a file read-only; throws an Error with HDF5's reason when it cannot. */
export function openFile(h5: H5Lib, path: string): H5.File {
  return quietly(() => {
    const file = new h5.File(path, 'r');
    if (typeof file.file_id !== 'bigint' || file.file_id < 0n) throw new Error('');
    return file;
  });
}

function readNow(h5: H5Lib, file: H5.File, path: string, offset: number[], count: number[], itemSize: number): Uint8Array {
  const { Module } = h5;
  const n = count.reduce((a, b) => a * b, 1);
  const nbytes = n * itemSize;
  const ptr = Module._malloc(Math.max(1, nbytes));
  if (!ptr) throw new Error(`cannot allocate ${nbytes} bytes`);
  try {
    const status = Module.get_dataset_data(file.file_id, path, count.map(BigInt), offset.map(BigInt), count.map(() => 1n), BigInt(ptr));
    if (status < 0) throw new Error('HDF5 could not read the slice');
    return Module.HEAPU8.slice(ptr, ptr + nbytes);
  } finally {
    Module._free(ptr);
  }
}
