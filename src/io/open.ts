// Opening an activation file (browser File/Blob or Node fs.openAsBlob): the format from the magic
// bytes (.npy, zip) or else the extension (.npy, .npz, .safetensors); the layers are read lazily.
// Never throws: every problem becomes an ActivationFileError entry naming the file.

import { BlobSource, fail, readBlob } from './blobSource';
import { NPY_MAGIC, npyLayer } from './npy';
import { openNpz } from './npz';
import { openSafetensors } from './safetensors';
import { ActivationFileError, type Layer, type LayoutChoice } from './types';

export type ActivationFormat = 'npy' | 'npz' | 'safetensors';

/** The file's base name, without folders. */
function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}

/** The format by magic bytes first (a .npy or zip signature), then by extension, then a safetensors sniff. */
export function detectFormat(head: Uint8Array, name: string): ActivationFormat | null {
  if (head.length >= 6 && NPY_MAGIC.every((b, i) => head[i] === b)) return 'npy';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'npz';
  const ext = /\.([^./\\]+)$/.exec(baseName(name))?.[1]?.toLowerCase();
  if (ext === 'npy' || ext === 'npz' || ext === 'safetensors') return ext;
  // safetensors: a little-endian length, then a JSON object
  if (head.length >= 9 && head[8] === 0x7b && head[7] === 0 && head[6] === 0) return 'safetensors';
  return null;
}

export async function openActivationFile(blob: Blob, name: string, layout: LayoutChoice = 'auto'): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  try {
    const head = await readBlob(blob, 0, Math.min(blob.size, 16), { file: name });
    const format = detectFormat(head, name);
    switch (format) {
      case 'npy': {
        const layerName = baseName(name).replace(/\.npy$/i, '');
        const layer = await npyLayer(new BlobSource(blob, 0, blob.size, { file: name }), { file: name }, layerName, layout);
        return { layers: [layer], errors: [] };
      }
      case 'npz':
        return await openNpz(blob, name, layout);
      case 'safetensors':
        return await openSafetensors(blob, name, layout);
      default: {
        const shown = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
        return {
          layers: [],
          errors: [fail({ file: name }, `unknown file format (not .npy, .npz or .safetensors${blob.size ? `; first bytes ${shown}` : '; the file is empty'})`)],
        };
      }
    }
  } catch (error) {
    const entry = error instanceof ActivationFileError ? error : new ActivationFileError(name, `cannot read the file (${error instanceof Error ? error.message : String(error)})`);
    return { layers: [], errors: [entry] };
  }
}
