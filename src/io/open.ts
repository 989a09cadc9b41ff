// Opening an activation file (browser File/Blob or Node fs.openAsBlob): the format from the magic
// bytes (.npy, zip, HDF5, a pickle) or else the extension (.npy, .npz, .safetensors, .pt, .h5); a
// zip is a torch.save archive when it holds a data.pkl, else an .npz. The layers are read lazily.
// Never throws: every problem becomes an ActivationFileError entry naming the file.

import { BlobSource, fail, readBlob, type BlobLike } from './blobSource';
import { HDF5_MAGIC, hdf5Layers, openHdf5, type Hdf5Opener } from './hdf5';
import { NPY_MAGIC, npyLayer } from './npy';
import { openNpz, readZipDirectory } from './npz';
import { openSafetensors } from './safetensors';
import { openTorch, torchNonZipProblem, torchPrefix } from './torch';
import { ActivationFileError, type Layer, type Layout, type LayoutChoice } from './types';

export type ActivationFormat = 'npy' | 'npz' | 'safetensors' | 'torch' | 'hdf5';

const TORCH_EXTENSIONS = new Set(['pt', 'pth', 'ckpt']);
const HDF5_EXTENSIONS = new Set(['h5', 'hdf5', 'he5']);

/**
 * How HDF5 files are opened where no opener is passed: the page registers its worker-backed one
 * (src/io/hdf5Browser.ts, loaded on first use); the command passes one per path (src/io/node.ts).
 */
let defaultHdf5Opener: Hdf5Opener | null = null;
export function setHdf5Opener(opener: Hdf5Opener | null): void {
  defaultHdf5Opener = opener;
}

export interface OpenOptions {
  /** Opens an HDF5 file (default: the one set by setHdf5Opener). */
  hdf5?: Hdf5Opener;
}

/** The file's base name, without folders. */
function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}

/** The format by magic bytes first (a .npy or zip signature), then by extension, then a safetensors sniff. */
export function detectFormat(head: Uint8Array, name: string): ActivationFormat | null {
  if (head.length >= 6 && NPY_MAGIC.every((b, i) => head[i] === b)) return 'npy';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'npz';
  if (head.length >= 8 && HDF5_MAGIC.every((b, i) => head[i] === b)) return 'hdf5';
  const ext = /\.([^./\\]+)$/.exec(baseName(name))?.[1]?.toLowerCase();
  if (ext === 'npy' || ext === 'npz' || ext === 'safetensors') return ext;
  if (ext && TORCH_EXTENSIONS.has(ext)) return 'torch';
  if (ext && HDF5_EXTENSIONS.has(ext)) return 'hdf5';
  if (torchNonZipProblem('', head)) return 'torch';
  // safetensors: a little-endian length, then a JSON object
  if (head.length >= 9 && head[8] === 0x7b && head[7] === 0 && head[6] === 0) return 'safetensors';
  return null;
}

export async function openActivationFile(blob: BlobLike, name: string, layout: LayoutChoice = 'auto', options: OpenOptions = {}): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  try {
    const head = await readBlob(blob, 0, Math.min(blob.size, 16), { file: name });
    const format = detectFormat(head, name);
    switch (format) {
      case 'npy': {
        const layerName = baseName(name).replace(/\.npy$/i, '');
        const layer = await npyLayer(new BlobSource(blob, 0, blob.size, { file: name }), { file: name }, layerName, layout);
        return { layers: [layer], errors: [] };
      }
      case 'npz': {
        // a zip: a torch.save archive when it holds a data.pkl, else an .npz
        const entries = await readZipDirectory(blob, { file: name }).catch(() => null);
        if (entries && torchPrefix(entries) !== null) {
          return await fileWideLayout(await openTorch(blob, name, layout, entries), layout, (l) => openTorch(blob, name, l, entries));
        }
        return await fileWideLayout(await openNpz(blob, name, layout), layout, (l) => openNpz(blob, name, l));
      }
      case 'torch': {
        const problem = torchNonZipProblem(name, head);
        if (problem) return { layers: [], errors: [problem] };
        return await fileWideLayout(await openTorch(blob, name, layout), layout, (l) => openTorch(blob, name, l));
      }
      case 'hdf5': {
        if (blob.size === 0) return { layers: [], errors: [fail({ file: name }, 'not an HDF5 file (the file is empty)')] };
        const opened = await openHdf5(blob, name, layout, options.hdf5 ?? defaultHdf5Opener);
        const handle = opened.handle;
        if (!handle) return opened;
        return await fileWideLayout(opened, layout, async (l) => hdf5Layers(handle, name, l));
      }
      case 'safetensors':
        return await fileWideLayout(await openSafetensors(blob, name, layout), layout, (l) => openSafetensors(blob, name, l));
      default: {
        const shown = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
        return {
          layers: [],
          errors: [fail({ file: name }, `unknown file format (not .npy, .npz, .safetensors, .pt or .h5${blob.size ? `; first bytes ${shown}` : '; the file is empty'})`)],
        };
      }
    }
  } catch (error) {
    const entry = error instanceof ActivationFileError ? error : new ActivationFileError(name, `cannot read the file (${error instanceof Error ? error.message : String(error)})`);
    return { layers: [], errors: [entry] };
  }
}

type Opened = { layers: Layer[]; errors: ActivationFileError[] };

/**
 * With `auto`, a layer whose shape alone cannot tell (16 x 16 maps of 16 channels: all three axes equal)
 * follows the file's other layers when they all point the same way: one file comes from one
 * framework. Those layers are re-read with that layout, and their reason says so.
 */
export async function fileWideLayout(opened: Opened, choice: LayoutChoice, reopen: (layout: Layout) => Promise<Opened>): Promise<Opened> {
  if (choice !== 'auto') return opened;
  // Only the fully ambiguous case (all three axes equal) follows the file; a non-square layer
  // keeps its own reading.
  const isAmbiguous = (l: Layer) => l.layoutUndecided !== undefined;
  const ambiguous = opened.layers.filter(isAmbiguous);
  const decided = opened.layers.filter((l) => !isAmbiguous(l) && l.storedShape.length >= 3);
  if (ambiguous.length === 0 || decided.length === 0) return opened;
  const votes = new Set(decided.map((l) => l.layout));
  const layout = decided[0].layout;
  if (votes.size !== 1 || layout === 'nchw') return opened;
  const again = await reopen(layout);
  const byName = new Map(again.layers.map((l) => [l.name, l]));
  return {
    ...opened,
    layers: opened.layers.map((l) => {
      const other = isAmbiguous(l) ? byName.get(l.name) : undefined;
      if (!other) return l;
      return { ...other, layoutReason: `${layout}: ambiguous on its own (${l.layoutUndecided}); ${layout.toUpperCase()} like the file's other ${decided.length} layer${decided.length === 1 ? '' : 's'}` };
    }),
  };
}
