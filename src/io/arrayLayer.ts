// A stored n-d array (any reader's) as a Layer: shape normalisation to [N, C, H, W], element
// decoding to float32, and readMaps reading only the byte range the asked maps need, in bounded chunks.

import { fail, type ByteSource, type Where } from './blobSource';
import { guessLayout } from './layout';
import { ActivationFileError, type Layer, type Layout, type LayoutChoice, type MapBytes } from './types';
import { halfValues } from '../numeric/float16';

/** A real element type: float, signed or unsigned integer, bool, or bfloat16. */
export interface DType {
  kind: 'f' | 'i' | 'u' | 'b' | 'bf';
  size: 1 | 2 | 4 | 8;
  little: boolean;
}

/**
 * Bounds on one read of stored data: bytes read from the source at once, and elements decoded at
 * once (bounding the float32 scratch to 64 MiB). Mutable so tests can force many small chunks.
 */
export const readLimits = { chunkBytes: 64 << 20, chunkElements: 16 << 20 };

/** A shape as Python prints it: "(2, 3)", "(5,)", "()". */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Checks a stored array's shape can be a stack of feature maps; returns its element count. Throws ActivationFileError. */
export function checkStoredShape(where: Where, shape: readonly number[]): number {
  if (shape.length < 1 || shape.length > 4) {
    throw fail(where, `shape ${formatShape(shape)} has ${shape.length} ${shape.length === 1 ? 'axis' : 'axes'}; a feature map needs 1 to 4`);
  }
  if (shape.some((n) => n === 0)) throw fail(where, `shape ${formatShape(shape)} has a zero-sized axis; there are no maps to read`);
  let total = 1;
  for (const n of shape) total *= n;
  if (!Number.isSafeInteger(total)) throw fail(where, `shape ${formatShape(shape)} is too large`);
  return total;
}

/** Checks the data holds exactly the shape's bytes. `holder` is "the file", "the member", "the tensor". */
export function checkBytes(where: Where, shape: readonly number[], itemSize: number, available: number, holder: string): void {
  const need = checkStoredShape(where, shape) * itemSize;
  if (need !== available) {
    throw fail(where, `shape ${formatShape(shape)} needs ${need} bytes of data but ${holder} holds ${available}`);
  }
}

// ---- element decoding ----

/** A 64-bit integer rounded once, to nearest even, to float32 (as numpy's cast does). */
export function bigIntToFloat32(value: bigint): number {
  const negative = value < 0n;
  const a = negative ? -value : value;
  if (a < 1n << 53n) return Math.fround(Number(value));
  const bits = a.toString(2).length;
  const drop = BigInt(bits - 25); // keep 24 bits and a guard bit
  const kept = a >> drop;
  const sticky = (a & ((1n << drop) - 1n)) !== 0n;
  let mantissa = kept >> 1n;
  if ((kept & 1n) === 1n && (sticky || (mantissa & 1n) === 1n)) mantissa += 1n;
  const magnitude = Number(mantissa) * 2 ** Number(drop + 1n);
  return Math.fround(negative ? -magnitude : magnitude);
}

/** Decodes `out.length` elements from `bytes` into float32. */
export function decodeElements(bytes: Uint8Array, dtype: DType, out: Float32Array): void {
  const n = out.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dtype.little;
  const bits = new Uint32Array(out.buffer, out.byteOffset, n);
  switch (dtype.kind) {
    case 'f':
      if (dtype.size === 4) {
        if (le && bytes.byteOffset % 4 === 0) bits.set(new Uint32Array(bytes.buffer, bytes.byteOffset, n));
        else for (let i = 0; i < n; i++) bits[i] = view.getUint32(i * 4, le);
      } else if (dtype.size === 8) {
        for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, le);
      } else {
        const table = halfValues();
        for (let i = 0; i < n; i++) out[i] = table[view.getUint16(i * 2, le)];
      }
      return;
    case 'bf':
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, le) << 16;
      return;
    case 'b':
      for (let i = 0; i < n; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
      return;
    case 'i':
      switch (dtype.size) {
        case 1:
          for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
          return;
        case 2:
          for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, le);
          return;
        case 4:
          for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, le);
          return;
        default:
          for (let i = 0; i < n; i++) {
            const hi = view.getInt32(i * 8 + (le ? 4 : 0), le);
            const lo = view.getUint32(i * 8 + (le ? 0 : 4), le);
            out[i] = hi >= -0x200000 && hi < 0x200000 ? hi * 4294967296 + lo : bigIntToFloat32(view.getBigInt64(i * 8, le));
          }
          return;
      }
    case 'u':
      switch (dtype.size) {
        case 1:
          out.set(bytes.subarray(0, n));
          return;
        case 2:
          for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, le);
          return;
        case 4:
          for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, le);
          return;
        default:
          for (let i = 0; i < n; i++) {
            const hi = view.getUint32(i * 8 + (le ? 4 : 0), le);
            const lo = view.getUint32(i * 8 + (le ? 0 : 4), le);
            out[i] = hi < 0x200000 ? hi * 4294967296 + lo : bigIntToFloat32(view.getBigUint64(i * 8, le));
          }
          return;
      }
  }
}

// ---- the layer ----

export interface ArraySpec {
  name: string;
  where: Where;
  source: ByteSource;
  /** Offset of the first element in `source`. */
  dataOffset: number;
  dtype: DType;
  /** The dtype in the file's own words. */
  dtypeText: string;
  storedShape: number[];
  fortranOrder: boolean;
  layoutChoice: LayoutChoice;
  /**
   * A strided view (a PyTorch tensor): element strides of the stored axes, and the element offset
   * of its first element in `source`'s elements. The source may hold more than the view needs
   * (other views of a shared storage); `fortranOrder` is then ignored.
   */
  view?: { strides: number[]; offset: number };
}

/** Normalised [N, C, H, W] and, for each of n, c, h, w, the stored axis it comes from (-1: none). */
export function normalise(storedShape: readonly number[], layout: Layout): { shape: [number, number, number, number]; axes: [number, number, number, number] } {
  const s = storedShape;
  switch (s.length) {
    case 1:
      return { shape: [1, 1, 1, s[0]], axes: [-1, -1, -1, 0] };
    case 2:
      return { shape: [1, 1, s[0], s[1]], axes: [-1, -1, 0, 1] };
    case 3:
      return layout === 'nhwc' ? { shape: [1, s[2], s[0], s[1]], axes: [-1, 2, 0, 1] } : { shape: [1, s[0], s[1], s[2]], axes: [-1, 0, 1, 2] };
    default:
      return layout === 'nhwc' ? { shape: [s[0], s[3], s[1], s[2]], axes: [0, 3, 1, 2] } : { shape: [s[0], s[1], s[2], s[3]], axes: [0, 1, 2, 3] };
  }
}

/** Makes the layer; checks shape and data size first (throws ActivationFileError). */
export function arrayLayer(spec: ArraySpec, holder: string): Layer {
  const { where, source, dtype, storedShape, view } = spec;
  let dataOffset = spec.dataOffset;
  if (view) {
    checkStoredShape(where, storedShape);
    const available = Math.floor((source.size - dataOffset) / dtype.size);
    if (view.strides.length !== storedShape.length || view.strides.some((s) => !Number.isSafeInteger(s) || s < 0) || !Number.isSafeInteger(view.offset) || view.offset < 0) {
      throw fail(where, `strides ${formatShape(view.strides)} and offset ${view.offset} do not fit shape ${formatShape(storedShape)}`);
    }
    const last = view.offset + storedShape.reduce((sum, n, i) => sum + (n - 1) * view.strides[i], 0);
    if (last >= available) {
      throw fail(where, `the view (shape ${formatShape(storedShape)}, strides ${formatShape(view.strides)}, offset ${view.offset}) reaches element ${last} but ${holder} holds ${available}`);
    }
    dataOffset += view.offset * dtype.size;
  } else {
    checkBytes(where, storedShape, dtype.size, source.size - dataOffset, holder);
  }
  const guess = spec.layoutChoice === 'auto' ? guessLayout(storedShape) : null;
  const layout: Layout = guess ? guess.layout : (spec.layoutChoice as Layout);
  const { shape, axes } = normalise(storedShape, layout);

  // element strides of the stored axes
  const k = storedShape.length;
  const strides = new Array<number>(k);
  if (view) {
    for (let i = 0; i < k; i++) strides[i] = view.strides[i];
  } else if (spec.fortranOrder) {
    for (let i = 0, st = 1; i < k; st *= storedShape[i], i++) strides[i] = st;
  } else {
    for (let i = k - 1, st = 1; i >= 0; st *= storedShape[i], i--) strides[i] = st;
  }
  const [sN, sC, sH, sW] = axes.map((a) => (a < 0 ? 0 : strides[a]));
  const [, C, H, W] = shape;
  const total = shape[0] * C;
  const mapSize = H * W;
  const itemSize = dtype.size;
  /** Row-major maps stored as one run each (NCHW, C order): copied whole rather than row by row. */
  const contiguousMaps = sW === 1 && (H === 1 || sH === W);

  async function readMaps(first: number, count: number): Promise<Float32Array> {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > total) {
      throw fail(where, `maps ${first}..${first + count - 1} asked for, but the layer has ${total} maps`);
    }
    if (count === 0) return new Float32Array(0);
    const bases = new Float64Array(count);
    let lowest = Infinity;
    let highest = -Infinity;
    let consecutive = true;
    for (let j = 0; j < count; j++) {
      const m = first + j;
      const base = Math.floor(m / C) * sN + (m % C) * sC;
      bases[j] = base;
      if (base < lowest) lowest = base;
      if (base > highest) highest = base;
      if (j > 0 && base !== bases[j - 1] + mapSize) consecutive = false;
    }
    // The common case (float32, little-endian, maps stored one after another: NCHW in C order):
    // the bytes read are the maps, so they are used as they come, with no decoding and no copy.
    if (consecutive && contiguousMaps && dtype.kind === 'f' && dtype.size === 4 && dtype.little && count * mapSize * 4 <= readLimits.chunkBytes) {
      let bytes: Uint8Array;
      try {
        bytes = await source.read(dataOffset + bases[0] * 4, dataOffset + (bases[0] + count * mapSize) * 4);
      } catch (error) {
        if (error instanceof ActivationFileError) throw error;
        throw fail(where, `reading maps ${first}..${first + count - 1} failed (${error instanceof Error ? error.message : String(error)})`);
      }
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return new Float32Array(bytes.buffer);
      const copy = new Float32Array(count * mapSize);
      new Uint8Array(copy.buffer).set(bytes);
      return copy;
    }
    const out = new Float32Array(count * mapSize);
    const chunkElements = Math.max(1, Math.min(readLimits.chunkElements, Math.floor(readLimits.chunkBytes / itemSize)));
    const end = highest + (H - 1) * sH + (W - 1) * sW + 1; // one past the last element needed
    const scratch = new Float32Array(Math.min(chunkElements, end - lowest));
    try {
      for (let lo = lowest; lo < end; lo += chunkElements) {
        const hi = Math.min(end, lo + chunkElements);
        const bytes = await source.read(dataOffset + lo * itemSize, dataOffset + hi * itemSize);
        const decoded = scratch.subarray(0, hi - lo);
        decodeElements(bytes, dtype, decoded);
        for (let j = 0; j < count; j++) {
          const base = bases[j];
          if (base > hi - 1 || base + (H - 1) * sH + (W - 1) * sW < lo) continue;
          const outMap = j * mapSize;
          if (contiguousMaps) {
            // The map is one run of H * W elements: copy its part inside this chunk at once.
            const a = Math.max(base, lo), b = Math.min(base + mapSize, hi);
            if (b > a) out.set(decoded.subarray(a - lo, b - lo), outMap + (a - base));
            continue;
          }
          for (let h = 0; h < H; h++) {
            const row = base + h * sH;
            if (sW === 0) {
              // a broadcast row (an expanded view): one element repeated
              if (row >= lo && row < hi) out.fill(decoded[row - lo], outMap + h * W, outMap + h * W + W);
              continue;
            }
            const w0 = row >= lo ? 0 : Math.ceil((lo - row) / sW);
            const w1 = Math.min(W - 1, Math.floor((hi - 1 - row) / sW));
            if (w1 < w0) continue;
            const at = outMap + h * W;
            if (sW === 1) out.set(decoded.subarray(row + w0 - lo, row + w1 + 1 - lo), at + w0);
            else for (let w = w0, e = row + w0 * sW - lo; w <= w1; w++, e += sW) out[at + w] = decoded[e];
          }
        }
      }
    } catch (error) {
      if (error instanceof ActivationFileError) throw error;
      throw fail(where, `reading maps ${first}..${first + count - 1} failed (${error instanceof Error ? error.message : String(error)})`);
    }
    return out;
  }

  /** Stored as they are: float32, little-endian, each map one run and map m + 1 right after map m. */
  const asStored = contiguousMaps && dtype.kind === 'f' && dtype.size === 4 && dtype.little && (total === 1 || (sC === mapSize && (shape[0] === 1 || sN === C * mapSize)));
  function mapBytes(first: number, count: number): MapBytes | null {
    if (!asStored || !source.blobRange || !Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count <= 0 || first + count > total) return null;
    const base = Math.floor(first / C) * sN + (first % C) * sC;
    return source.blobRange(dataOffset + base * 4, dataOffset + (base + count * mapSize) * 4);
  }

  return {
    name: spec.name,
    file: where.file,
    shape,
    mapBytes,
    storedShape: [...storedShape],
    dtype: spec.dtypeText,
    layout,
    layoutReason: guess ? guess.reason : 'given',
    ...(guess?.undecided !== undefined ? { layoutUndecided: guess.undecided } : {}),
    readMaps,
  };
}
