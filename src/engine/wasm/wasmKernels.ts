// The CPU engine's WebAssembly kernels (engine.c, built into engineWasm.ts by tools/build-wasm.sh):
// one call per group of maps does what CpuEngine.profileGroup does in TypeScript, with the same
// float64 operations in the same order, so the profiles are the same bit for bit
// (test/wasmEngine.test.ts). Its code needs no warm-up (V8 compiles WebAssembly ahead of running
// it, where TypeScript runs in the interpreter until the JIT has seen it hot) and does two values
// per instruction (SIMD). Shapes whose transforms need Bluestein's algorithm (a prime factor
// above 31) stay on the TypeScript engine. See docs/engine.md, "The WebAssembly engine".
//
// Memory: the module's own, laid out from __heap_base up: each shape's tables (its passes'
// twiddles, ring segments, row weights; kept for the next groups of that shape), then the group's
// buffers (the maps, four float64 lines, the outputs), placed above the tables at every call.

import { ENGINE_WASM_BASE64 } from './engineWasm';
import type { MixedRadixPlan } from '../fft/plan';

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  set_constants(ptr: number): void;
  profile_group(shape: number, group: number, maps: number): void;
}

/** How the (ky >= 0, all kx) bins of one H x W shape fall into ring segments (the CPU engine's ShapePlan). */
export interface ShapeTables {
  height: number;
  width: number;
  rings: number;
  /** Complex column lines per map: ceil(W / 2). */
  pairs: number;
  /** Rows ky = 0..floor(H / 2) kept after the column pass. */
  halfRows: number;
  /**
   * width x halfRows, by (kx, ky): segment of the bin, r for ring r inside the disc, rings + r
   * outside it, 2 rings for the DC bin (dropped: its energy is |sum|^2, taken from the values).
   */
  segment: Int32Array;
  /** Per row ky: how many bins of the full spectrum it stands for (1 or 2), over 4 (see cpuEngine.ts, splitColumnPairs). */
  rowWeight: Float64Array;
}

/** What a group's call needs to know of its shape: its tables and the two FFT plans (columns: length H, rows: W). */
export interface KernelShape extends ShapeTables {
  columns: MixedRadixPlan;
  rows: MixedRadixPlan;
}

/** The outputs of one group, views into the module's memory (valid until the next call). */
export interface GroupOutput {
  dc: Float64Array;
  sumSquares: Float64Array;
  nonFinite: Uint8Array;
  inDisc: Float64Array;
  outDisc: Float64Array;
}

const PAGE = 65536;
/** Shapes whose tables are kept; past it, every table is dropped and made again as needed. */
const MAX_SHAPES = 64;

function wasmBytes(): Uint8Array {
  const text = ENGINE_WASM_BASE64;
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The constants the TypeScript kernels take from Math (radixKernels.ts), computed the same way. */
function constants(): Float64Array {
  return Float64Array.of(
    Math.sqrt(3) / 2,
    Math.cos((2 * Math.PI) / 5), Math.cos((4 * Math.PI) / 5), Math.sin((2 * Math.PI) / 5), Math.sin((4 * Math.PI) / 5),
    Math.cos((2 * Math.PI) / 7), Math.cos((4 * Math.PI) / 7), Math.cos((6 * Math.PI) / 7),
    Math.sin((2 * Math.PI) / 7), Math.sin((4 * Math.PI) / 7), Math.sin((6 * Math.PI) / 7),
    Math.SQRT1_2,
  );
}

const align = (n: number) => (n + 15) & ~15;

export class WasmKernels {
  private readonly exports: Exports;
  private readonly base: number;
  private top: number;
  private readonly shapes = new Map<string, number>();

  constructor(module: WebAssembly.Module) {
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    this.base = align(this.exports.__heap_base.value as number);
    const k = constants();
    this.reserve(this.base + k.byteLength);
    new Float64Array(this.exports.memory.buffer, this.base, k.length).set(k);
    // Copied into the module's own globals: the first shape's tables may take that place.
    this.exports.set_constants(this.base);
    this.top = this.base;
  }

  /** Grows the module's memory to hold `end` bytes. */
  private reserve(end: number): void {
    const memory = this.exports.memory;
    const size = memory.buffer.byteLength;
    if (end <= size) return;
    // At least doubled: each grow replaces the memory's buffer (and detaches the old one), so few
    // of them. Where doubling is refused (near the 4 GiB a module can address), just what is needed;
    // a refusal of that throws, and the engine does the group on the TypeScript kernels.
    const needed = Math.ceil((end - size) / PAGE);
    try {
      memory.grow(Math.max(needed, size / PAGE));
    } catch {
      memory.grow(needed);
    }
  }

  /** The address of a shape's tables (Shape in engine.c), made on its first group. */
  private shapeTables(shape: KernelShape): number {
    const key = `${shape.height}x${shape.width}`;
    const known = this.shapes.get(key);
    if (known !== undefined) return known;
    if (this.shapes.size >= MAX_SHAPES) {
      this.shapes.clear();
      this.top = this.base;
    }
    // The sizes first, then one reservation, then the writes (a grow replaces the memory's buffer).
    const stageBytes = (plan: MixedRadixPlan) => align(plan.stages.length * 28) + plan.stages.reduce((sum, st) => sum + 2 * align(st.twr.byteLength) + (st.cosp ? 2 * align(st.cosp.byteLength) : 0), 0);
    const need = align(44) + stageBytes(shape.columns) + stageBytes(shape.rows) + align(shape.segment.byteLength) + align(shape.rowWeight.byteLength);
    this.reserve(this.top + need);
    const buffer = this.exports.memory.buffer;
    let at = this.top;
    const put = (values: Float64Array | Int32Array): number => {
      const ptr = at;
      (values instanceof Float64Array ? new Float64Array(buffer, ptr, values.length) : new Int32Array(buffer, ptr, values.length)).set(values as never);
      at += align(values.byteLength);
      return ptr;
    };
    const stages = (plan: MixedRadixPlan): number => {
      const table = at;
      at += align(plan.stages.length * 28);
      const words = new Int32Array(buffer, table, plan.stages.length * 7);
      plan.stages.forEach((st, k) => {
        words[7 * k] = st.p;
        words[7 * k + 1] = st.m;
        words[7 * k + 2] = put(st.twr);
        words[7 * k + 3] = put(st.twi);
        words[7 * k + 4] = st.cosp ? put(st.cosp) : 0;
        words[7 * k + 5] = st.sinp ? put(st.sinp) : 0;
        words[7 * k + 6] = 0;
      });
      return table;
    };
    const struct = at;
    at += align(44);
    const columnStages = stages(shape.columns);
    const rowStages = stages(shape.rows);
    const segment = put(shape.segment);
    const rowWeight = put(shape.rowWeight);
    new Int32Array(buffer, struct, 11).set([shape.height, shape.width, shape.rings, shape.pairs, shape.halfRows, columnStages, shape.columns.stages.length, rowStages, shape.rows.stages.length, segment, rowWeight]);
    this.top = at;
    this.shapes.set(key, struct);
    return struct;
  }

  /** profileGroup, or null when the module's memory cannot grow to hold the group. */
  tryProfileGroup(shape: KernelShape, data: Float32Array, group: number): GroupOutput | null {
    try {
      return this.profileGroup(shape, data, group);
    } catch (error) {
      if (error instanceof RangeError) return null;
      throw error;
    }
  }

  /**
   * Ring profiles of `group` maps of `shape` (the first group * H * W values of `data`): the outputs
   * are views into the module's memory, valid until the next call.
   */
  profileGroup(shape: KernelShape, data: Float32Array, group: number): GroupOutput {
    const struct = this.shapeTables(shape);
    const { height: H, width: W, rings, pairs, halfRows } = shape;
    const columnLines = (group * pairs) | 1;
    const rowLines = (group * halfRows) | 1;
    const lineValues = Math.max(H * columnLines, W * rowLines);
    const size = H * W;
    // Group (engine.c): data, ar, ai, br, bi, acc, sums, dc, sumSquares, inDisc, outDisc, nonFinite.
    let at = this.top;
    const take = (bytes: number) => {
      const ptr = at;
      at += align(bytes);
      return ptr;
    };
    const groupStruct = take(48);
    const dataPtr = take(4 * group * size);
    const lines = [0, 1, 2, 3].map(() => take(8 * lineValues));
    const acc = take(8 * 2 * (2 * rings + 1));
    const sums = take(8 * group);
    const dc = take(8 * group);
    const sumSquares = take(8 * group);
    const inDisc = take(8 * group * rings);
    const outDisc = take(8 * group * rings);
    const nonFinite = take(group);
    this.reserve(at);
    const buffer = this.exports.memory.buffer;
    new Int32Array(buffer, groupStruct, 12).set([dataPtr, ...lines, acc, sums, dc, sumSquares, inDisc, outDisc, nonFinite]);
    new Float32Array(buffer, dataPtr, group * size).set(data.subarray(0, group * size));
    this.exports.profile_group(struct, groupStruct, group);
    return {
      dc: new Float64Array(buffer, dc, group),
      sumSquares: new Float64Array(buffer, sumSquares, group),
      nonFinite: new Uint8Array(buffer, nonFinite, group),
      inDisc: new Float64Array(buffer, inDisc, group * rings),
      outDisc: new Float64Array(buffer, outDisc, group * rings),
    };
  }
}

let compiled: WebAssembly.Module | null | undefined;
let compiling: Promise<void> | null = null;

/**
 * The compiled module, or null while it is not there: compiled at once where the platform allows
 * it (Node, workers), else (a browser's main thread refuses to compile more than 4 kB at once)
 * compiled in the background, the TypeScript kernels serving meanwhile. Null for good where
 * WebAssembly (with SIMD) is missing.
 */
export function engineModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  // Compiling in the background: asked at every group meanwhile, so decode and try nothing again.
  if (compiling) return null;
  if (typeof WebAssembly === 'undefined') return (compiled = null);
  const bytes = wasmBytes();
  try {
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    compiling = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).then(
      (module) => {
        compiled = module;
      },
      () => {
        compiled = null;
      },
    );
    return null;
  }
  return compiled;
}
