// .safetensors files: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and data_offsets (relative to the data section after the header), then the data.
// Each tensor is a layer, in the order of its data; a bad tensor is an error, the others still load.

import { BlobSource, fail, readBlob, type BlobLike, type Where } from './blobSource';
import { arrayLayer, type DType } from './arrayLayer';
import { ActivationFileError, type Layer, type LayoutChoice } from './types';

const DTYPES: Record<string, DType> = {
  F16: { kind: 'f', size: 2, little: true },
  BF16: { kind: 'bf', size: 2, little: true },
  F32: { kind: 'f', size: 4, little: true },
  F64: { kind: 'f', size: 8, little: true },
  I8: { kind: 'i', size: 1, little: true },
  I16: { kind: 'i', size: 2, little: true },
  I32: { kind: 'i', size: 4, little: true },
  I64: { kind: 'i', size: 8, little: true },
  U8: { kind: 'u', size: 1, little: true },
  U16: { kind: 'u', size: 2, little: true },
  U32: { kind: 'u', size: 4, little: true },
  U64: { kind: 'u', size: 8, little: true },
  BOOL: { kind: 'b', size: 1, little: true },
};

/** Refuses headers larger than this (the format's own readers use 100 MB). */
const MAX_HEADER = 100_000_000;

interface Entry {
  name: string;
  order: number;
  dtype: DType;
  dtypeText: string;
  shape: number[];
  begin: number;
  end: number;
}

function dtypeProblem(dtype: string): string {
  if (/^C\d+$/.test(dtype)) return `dtype ${dtype} is not a real number type`;
  return `dtype ${dtype} is not supported (supported: ${Object.keys(DTYPES).join(', ')})`;
}

export async function openSafetensors(blob: BlobLike, file: string, layout: LayoutChoice): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  const layers: Layer[] = [];
  const errors: ActivationFileError[] = [];
  const where: Where = { file };
  try {
    const size = blob.size;
    if (size < 8) throw fail(where, `not a .safetensors file (${size} bytes, too short for the header length)`);
    const lengthBytes = await readBlob(blob, 0, 8, where);
    const view = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8);
    const headerLength = Number(view.getBigUint64(0, true));
    if (headerLength > size - 8) throw fail(where, `header length ${headerLength} runs past the end of the file (${size} bytes)`);
    if (headerLength > MAX_HEADER) throw fail(where, `header length ${headerLength} is too large`);
    const headerBytes = await readBlob(blob, 8, 8 + headerLength, where);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8').decode(headerBytes));
    } catch (error) {
      throw fail(where, `the header is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail(where, 'the header is not a JSON object');
    const dataStart = 8 + headerLength;
    const dataSize = size - dataStart;

    const entries: Entry[] = [];
    let order = 0;
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      const part: Where = { file, part: `tensor ${name}` };
      order++;
      try {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(part, 'the entry is not an object with dtype, shape and data_offsets');
        const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        if (typeof dtype !== 'string') throw fail(part, 'the entry has no dtype');
        if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw fail(part, 'the shape is not a list of sizes');
        if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) || offsets[0] > offsets[1]) {
          throw fail(part, `data_offsets ${JSON.stringify(offsets)} are not a [begin, end] pair`);
        }
        const [begin, end] = offsets as [number, number];
        if (end > dataSize) throw fail(part, `data_offsets [${begin}, ${end}] are outside the data (${dataSize} bytes)`);
        const known = DTYPES[dtype];
        if (!known) throw fail(part, dtypeProblem(dtype));
        entries.push({ name, order, dtype: known, dtypeText: dtype, shape: shape as number[], begin, end });
      } catch (error) {
        errors.push(error instanceof ActivationFileError ? error : fail(part, String(error)));
      }
    }

    entries.sort((a, b) => a.begin - b.begin || a.end - b.end || a.order - b.order);
    const overlapping = new Set<Entry>();
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length && entries[j].begin < entries[i].end; j++) {
        const a = entries[i];
        const b = entries[j];
        if (a.begin === a.end || b.begin === b.end) continue;
        errors.push(fail(where, `tensors ${a.name} and ${b.name} overlap (bytes ${a.begin}-${a.end} and ${b.begin}-${b.end})`));
        overlapping.add(a);
        overlapping.add(b);
      }
    }
    for (const entry of entries) {
      if (overlapping.has(entry)) continue;
      const part: Where = { file, part: `tensor ${entry.name}` };
      try {
        const tensorSource = new BlobSource(blob, dataStart + entry.begin, entry.end - entry.begin, part);
        layers.push(
          arrayLayer(
            {
              name: entry.name,
              where: part,
              source: tensorSource,
              dataOffset: 0,
              dtype: entry.dtype,
              dtypeText: entry.dtypeText,
              storedShape: entry.shape,
              fortranOrder: false,
              layoutChoice: layout,
            },
            'the tensor',
          ),
        );
      } catch (error) {
        errors.push(error instanceof ActivationFileError ? error : fail(part, String(error)));
      }
    }
  } catch (error) {
    errors.push(error instanceof ActivationFileError ? error : fail(where, `cannot read the file (${error instanceof Error ? error.message : String(error)})`));
  }
  return { layers, errors };
}
