// HDF5 files (.h5, .hdf5) through h5wasm, the HDF5 C library compiled to WASM: every dataset of
// real numbers with 2 to 4 axes, at any group depth, is a layer named by its path (without the
// leading "/"), in file order. Maps are read as hyperslabs of the dataset (HDF5 decompresses only
// the chunks they touch), never the whole file. The library runs where it can read the file by
// slices: in Node on the path, in the page in a worker (hdf5Worker.ts) that reads the File by
// slices; both give an Hdf5Handle, and this module makes the layers. A dataset that cannot be read
// is an error naming it; the others still load.

import { fail, readBlob, type BlobLike, type Where } from './blobSource';
import { checkStoredShape, decodeElements, normalise, readLimits, type DType } from './arrayLayer';
import { guessLayout } from './layout';
import type { Hdf5DatasetInfo } from './hdf5Walk';
import { ActivationFileError, type Layer, type Layout, type LayoutChoice } from './types';

export type { Hdf5DatasetInfo } from './hdf5Walk';

/** An open HDF5 file: its datasets, and hyperslab reads (raw little-endian elements, row-major). */
export interface Hdf5Handle {
  datasets: Hdf5DatasetInfo[];
  skipped: number;
  read(path: string, offset: number[], count: number[], itemSize: number): Promise<Uint8Array>;
}

/** Opens a file with the HDF5 library; rejects with an Error saying why the file cannot be read. */
export type Hdf5Opener = (blob: BlobLike, name: string) => Promise<Hdf5Handle>;

export const HDF5_MAGIC = Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A dataset as a layer, its maps read by hyperslabs. Throws ActivationFileError. */
export function datasetLayer(handle: Hdf5Handle, info: Hdf5DatasetInfo, file: string, layoutChoice: LayoutChoice): Layer {
  const name = info.path.replace(/^\//, '');
  const where: Where = { file, part: `dataset ${info.path}` };
  if (info.problem) throw fail(where, info.problem);
  const storedShape = info.shape;
  checkStoredShape(where, storedShape);
  const dtype: DType = { kind: info.kind!, size: info.size!, little: true };
  const guess = layoutChoice === 'auto' ? guessLayout(storedShape) : null;
  const layout: Layout = guess ? guess.layout : (layoutChoice as Layout);
  const { shape, axes } = normalise(storedShape, layout);
  const [, C, H, W] = shape;
  const total = shape[0] * C;
  const mapSize = H * W;
  const k = storedShape.length;

  async function readMaps(first: number, count: number): Promise<Float32Array> {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > total) {
      throw fail(where, `maps ${first}..${first + count - 1} asked for, but the layer has ${total} maps`);
    }
    const out = new Float32Array(count * mapSize);
    const perRead = Math.max(1, Math.floor(readLimits.chunkElements / mapSize));
    try {
      for (let m = first; m < first + count; ) {
        const n = Math.floor(m / C);
        const c0 = m % C;
        const cc = Math.min(C - c0, first + count - m, perRead);
        // the box: n (one), channels c0..c0+cc, every row and column, on the stored axes
        const offset = new Array<number>(k).fill(0);
        const size = storedShape.slice();
        if (axes[0] >= 0) {
          offset[axes[0]] = n;
          size[axes[0]] = 1;
        }
        if (axes[1] >= 0) {
          offset[axes[1]] = c0;
          size[axes[1]] = cc;
        }
        const bytes = await handle.read(info.path, offset, size, dtype.size);
        if (bytes.length !== cc * mapSize * dtype.size) throw new Error(`the slice gave ${bytes.length} bytes, ${cc * mapSize * dtype.size} expected`);
        const at = (m - first) * mapSize;
        const target = out.subarray(at, at + cc * mapSize);
        if (axes[1] < 0 || axes[1] < axes[2]) {
          decodeElements(bytes, dtype, target); // channels before rows: the box is the maps in order
        } else {
          // channels last: box [h][w][c] -> maps [c][h][w]
          const box = new Float32Array(cc * mapSize);
          decodeElements(bytes, dtype, box);
          for (let c = 0; c < cc; c++) {
            const mapAt = c * mapSize;
            for (let e = 0, src = c; e < mapSize; e++, src += cc) target[mapAt + e] = box[src];
          }
        }
        m += cc;
      }
    } catch (error) {
      if (error instanceof ActivationFileError) throw error;
      throw fail(where, `reading maps ${first}..${first + count - 1} failed (${describe(error)})`);
    }
    return out;
  }

  return {
    name,
    file,
    shape,
    storedShape: [...storedShape],
    dtype: info.dtypeText,
    layout,
    layoutReason: guess ? guess.reason : 'given',
    readMaps,
  };
}

/** The layers of an open file, one per dataset, in file order; an unreadable dataset is an error entry. */
export function hdf5Layers(handle: Hdf5Handle, file: string, layout: LayoutChoice): { layers: Layer[]; errors: ActivationFileError[] } {
  const layers: Layer[] = [];
  const errors: ActivationFileError[] = [];
  for (const info of handle.datasets) {
    try {
      layers.push(datasetLayer(handle, info, file, layout));
    } catch (error) {
      errors.push(error instanceof ActivationFileError ? error : fail({ file, part: `dataset ${info.path}` }, describe(error)));
    }
  }
  if (handle.datasets.length === 0) {
    errors.push(
      fail(
        { file },
        `no dataset with 2 to 4 axes${handle.skipped ? ` (${handle.skipped} dataset${handle.skipped === 1 ? '' : 's'} of fewer axes passed over)` : ''}; feature maps are datasets shaped [N, C, H, W], [N, H, W, C], [C, H, W] or [H, W]`,
      ),
    );
  }
  return { layers, errors };
}

/** Whether the HDF5 signature is where the format puts it: at byte 0, 512, 1024, 2048, ... */
async function hasSignature(blob: BlobLike, file: string): Promise<boolean> {
  for (let at = 0; at + 8 <= blob.size; at = at ? at * 2 : 512) {
    const bytes = await readBlob(blob, at, at + 8, { file });
    if (HDF5_MAGIC.every((b, i) => bytes[i] === b)) return true;
  }
  return false;
}

export async function openHdf5(blob: BlobLike, file: string, layout: LayoutChoice, opener: Hdf5Opener | null): Promise<{ handle: Hdf5Handle | null; layers: Layer[]; errors: ActivationFileError[] }> {
  if (!(await hasSignature(blob, file))) {
    const head = await readBlob(blob, 0, Math.min(8, blob.size), { file });
    const shown = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { handle: null, layers: [], errors: [fail({ file }, `not an HDF5 file (no HDF5 signature; first bytes ${shown})`)] };
  }
  if (!opener) return { handle: null, layers: [], errors: [fail({ file }, 'HDF5 files are read by the page and by the srop command; this caller has no HDF5 reader')] };
  let handle: Hdf5Handle;
  try {
    handle = await opener(blob, file);
  } catch (error) {
    return { handle: null, layers: [], errors: [error instanceof ActivationFileError ? error : fail({ file }, `HDF5 cannot open the file (${describe(error)})`)] };
  }
  return { handle, ...hdf5Layers(handle, file, layout) };
}
