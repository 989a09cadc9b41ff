// The float64 CPU engine: every map's ring-energy profile (spec/SROP.md §2 steps 1-7) through fft64. It is
// the oracle for the GPU engine and the fallback where WebGPU is missing.
//
// Per group of maps: the columns are transformed two at a time (column 2l as the real part, 2l + 1
// as the imaginary part of one complex line), split apart, and only the rows ky = 0..H/2 of the
// result are transformed along x; the rows ky < 0 are their complex conjugates mirrored (real
// input), so they enter the rings with weight 2. That is the same work as rfft2 and needs no
// transpose of the input: the packing reads the map row by row.
//
// A group runs on the WebAssembly kernels (src/engine/wasm/: the same operations in the same
// order, so the same bits, with no JIT warm-up) where the platform has them and no transform needs
// Bluestein's algorithm, else on the TypeScript functions below (profileGroup).

import { ActivationFileError, type Layer } from '../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from './types';
import { ringTable } from './ringTable';
import { fftLines, mixedPlan } from './fft64';
import { WasmKernels, engineModule, type KernelShape, type ShapeTables } from './wasm/wasmKernels';
import { checkProfileShape, emptyProfiles, fillMapMoments } from './profileMath';
import { powerSpectrum64 } from './spectrum';

/** How the (ky >= 0, all kx) bins of one H x W shape fall into ring segments (ShapeTables), and its groups. */
interface ShapePlan extends ShapeTables {
  /** Maps transformed together, so that short lines still make long inner loops. */
  groupMaps: number;
  /** The shape as the WebAssembly kernels take it; null when a transform needs Bluestein's algorithm (undefined: not looked at yet). */
  kernel?: KernelShape | null;
}

/** Values per FFT group: big enough for long inner loops, small enough for the cache. */
const GROUP_VALUES = 16384;
/**
 * Bound on one read through layer.readMaps: 2 Mi values (8 MiB of float32). Reading and decoding a
 * chunk runs without a break, so this bounds how long the page can stall (about 20 ms here).
 */
const DEFAULT_CHUNK_VALUES = 2 * 1024 * 1024;
/** Longest stretch of work between two yields to the event loop. */
const YIELD_MS = 25;

const shapePlans = new Map<string, ShapePlan>();

function shapePlan(height: number, width: number): ShapePlan {
  const key = `${height}x${width}`;
  const cached = shapePlans.get(key);
  if (cached) return cached;
  const table = ringTable(height, width);
  const { cols, rings } = table;
  const halfRows = (height >> 1) + 1;
  const segment = new Int32Array(width * halfRows);
  for (let kx = 0; kx < width; kx++) {
    for (let ky = 0; ky < halfRows; ky++) {
      // (ky, kx) for kx <= W/2 is in the table; otherwise its mirror (-ky, W - kx) is, with the same radius.
      const bin = kx < cols ? ky * cols + kx : ((height - ky) % height) * cols + (width - kx);
      segment[kx * halfRows + ky] = kx === 0 && ky === 0 ? 2 * rings : table.inDisc[bin] ? table.ring[bin] : rings + table.ring[bin];
    }
  }
  const rowWeight = new Float64Array(halfRows);
  for (let ky = 0; ky < halfRows; ky++) rowWeight[ky] = (ky === 0 || 2 * ky === height ? 1 : 2) / 4;
  const groupMaps = Math.max(1, Math.floor(GROUP_VALUES / (height * width)));
  const plan: ShapePlan = { height, width, rings, pairs: (width + 1) >> 1, halfRows, segment, rowWeight, groupMaps };
  if (shapePlans.size >= 64) shapePlans.delete(shapePlans.keys().next().value!);
  shapePlans.set(key, plan);
  return plan;
}

/** Scratch buffers of one engine, grown on demand, reused across groups. */
class ScratchBuffers {
  buffers: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0)];
  accumulator = new Float64Array(0);
  sums = new Float64Array(0);

  ensure(values: number, segments: number, maps: number): void {
    if (this.buffers[0].length < values) this.buffers = [0, 1, 2, 3].map(() => new Float64Array(values));
    if (this.accumulator.length < segments) this.accumulator = new Float64Array(segments);
    if (this.sums.length < maps) this.sums = new Float64Array(maps);
  }

  release(): void {
    this.buffers = this.buffers.map(() => new Float64Array(0));
    this.accumulator = new Float64Array(0);
    this.sums = new Float64Array(0);
  }
}

function nextTask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Map shapes whose transforms take every path of the engine's code at least once: every written-out
 * pass (radix 2, 3, 4, 5, 7, 8) with and without twiddles, the generic odd radix (11), Bluestein
 * (37), odd and even widths, a width of 1 (see primeOnce).
 */
export const PRIMING_SHAPES: readonly [number, number][] = [[56, 15], [35, 28], [14, 77], [8, 3], [37, 4], [2, 9], [3, 1]];
/**
 * Times the priming maps are run: enough for V8 to find the FFT's functions hot and start compiling
 * them (on a background thread) before the first real maps. Once, they were only marked during the
 * first 224 x 224 layer, which then ran 90 ms instead of 40 (docs/benchmarks.md); four times (about
 * 18 ms in the interpreter) brought the first VGG16 image from about 225 ms to 175 to 185 ms, near
 * the 160 ms of a warm one.
 */
const PRIMING_ROUNDS = 4;
let primed = false;

/**
 * Runs the engine's code once on a few tiny maps (about 0.1 M values in all, one of them not
 * finite) before the first real work of this thread, results dropped. V8 compiles a hot function
 * for the paths it has seen run; a path first taken after that (the odd-width column, a non-finite
 * map, a loop's tail) throws the compiled code away ("insufficient type feedback"), and the function
 * runs in the interpreter until it is compiled again, 5 to 25 ms later on 2 busy cores. Primed, the
 * first compile covers every path. The maps given to profile are untouched and their profiles are
 * those of an unprimed engine, bit for bit: each map's profile depends on its values alone.
 */
function primeOnce(engine: CpuEngine): void {
  if (primed) return;
  // The WebAssembly kernels need none: they are compiled before they run. (An engine asked for the
  // TypeScript kernels later still primes them.)
  if (engine.onWasm) return;
  primed = true;
  for (let round = 0; round < PRIMING_ROUNDS; round++) {
    for (const [height, width] of PRIMING_SHAPES) {
      const size = height * width;
      const data = new Float32Array(2 * size);
      for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(i * 0.7 + round) + (i % 5) * 0.25);
      data[size + (size >> 1)] = NaN;
      engine.profileMapsNow(data, 2, height, width);
    }
  }
}

export interface CpuEngineOptions {
  /** Most float32 values read from a layer at once (default 2 Mi values, 8 MiB). */
  chunkValues?: number;
  /**
   * The kernels: 'wasm' (the default) runs each group through the WebAssembly kernels where the
   * platform has them and the shape allows (no Bluestein transform), else the TypeScript ones;
   * 'typescript' always the TypeScript ones. Both give the same profiles, bit for bit.
   */
  kernels?: 'wasm' | 'typescript';
}

let threadKernels: WasmKernels | null | undefined;

/** This thread's WebAssembly kernels (one instance, its memory shared by every engine here), or null where there are none yet. */
function wasmKernels(): WasmKernels | null {
  if (threadKernels !== undefined) return threadKernels;
  const module = engineModule();
  if (!module) return null; // not compiled yet (a browser's main thread), or no WebAssembly
  try {
    threadKernels = new WasmKernels(module);
  } catch {
    threadKernels = null;
  }
  return threadKernels;
}

function kernelShape(plan: ShapePlan): KernelShape | null {
  if (plan.kernel === undefined) {
    const columns = mixedPlan(plan.height);
    const rows = mixedPlan(plan.width);
    plan.kernel = columns && rows ? { ...plan, columns, rows } : null;
  }
  return plan.kernel;
}

export class CpuEngine implements ProfileEngine {
  readonly backend = 'cpu' as const;
  readonly adapter = null;
  /** destroy() only drops scratch memory: the CPU engine always stays usable. */
  readonly released: boolean = false;
  private readonly workspace = new ScratchBuffers();
  private readonly chunkValues: number;
  private readonly useWasm: boolean;

  constructor(options: CpuEngineOptions = {}) {
    this.chunkValues = Math.max(1, Math.floor(options.chunkValues ?? DEFAULT_CHUNK_VALUES));
    this.useWasm = (options.kernels ?? 'wasm') === 'wasm';
  }

  /** Whether this engine's groups run on the WebAssembly kernels (where the shape allows). */
  get onWasm(): boolean {
    return this.useWasm && wasmKernels() !== null;
  }

  async profileMaps(data: Float32Array, count: number, height: number, width: number, options: ProfileOptions = {}): Promise<RingProfiles> {
    checkProfileShape(count, height, width);
    if (data.length < count * height * width) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    options.signal?.throwIfAborted();
    primeOnce(this);
    const plan = shapePlan(height, width);
    const profiles = emptyProfiles(height, width, count, plan.rings);
    const clock = { last: now() };
    await this.profileInto(plan, data, count, profiles, 0, count, options, clock);
    options.onProgress?.(count, count);
    return profiles;
  }

  /**
   * profileMaps without yielding, for a worker of the pool (cpuPool.ts), where nothing else waits
   * on the thread. The same groups through the same code: every map's profile is computed from
   * that map alone, so the results are those of profileMaps and profileLayer, bit for bit.
   */
  profileMapsNow(data: Float32Array, count: number, height: number, width: number): RingProfiles {
    primeOnce(this);
    checkProfileShape(count, height, width);
    if (data.length < count * height * width) {
      throw new Error(`profileMaps: ${data.length} values hold fewer than ${count} maps of ${height} x ${width}`);
    }
    const plan = shapePlan(height, width);
    const profiles = emptyProfiles(height, width, count, plan.rings);
    const size = height * width;
    for (let done = 0; done < count; ) {
      const group = Math.min(plan.groupMaps, count - done);
      this.profileGroup(plan, data.subarray(done * size, (done + group) * size), group, profiles, done);
      done += group;
    }
    return profiles;
  }

  async profileLayer(layer: Layer, options: ProfileOptions = {}): Promise<RingProfiles> {
    const [n, c, height, width] = layer.shape;
    const total = n * c;
    checkProfileShape(total, height, width);
    options.signal?.throwIfAborted();
    const plan = shapePlan(height, width);
    const profiles = emptyProfiles(height, width, total, plan.rings);
    const size = height * width;
    const chunkMaps = Math.max(1, Math.floor(this.chunkValues / size));
    const clock = { last: now() };
    // The next chunk is read while this one is transformed: the read (a copy out of the file by
    // Node's or the browser's own threads) then overlaps the FFT instead of the thread waiting on it.
    const read = (first: number) => {
      const pending = layer.readMaps(first, Math.min(chunkMaps, total - first));
      pending.catch(() => undefined); // awaited below, unless an abort or an earlier failure comes first
      return pending;
    };
    let next = total > 0 ? read(0) : null;
    // This thread's first maps are read while its engine code is primed.
    primeOnce(this);
    for (let first = 0; first < total; first += chunkMaps) {
      const count = Math.min(chunkMaps, total - first);
      const data = await next!;
      next = first + chunkMaps < total ? read(first + chunkMaps) : null;
      options.signal?.throwIfAborted();
      if (data.length < count * size) {
        throw new ActivationFileError(layer.file, `maps ${first}..${first + count - 1} gave ${data.length} values, not ${count * size}`, layer.name);
      }
      await this.profileInto(plan, data, count, profiles, first, total, options, clock);
      options.onProgress?.(first + count, total);
      // Between chunks, always let the page breathe (and let an abort arrive).
      await nextTask();
      clock.last = now();
      options.signal?.throwIfAborted();
    }
    return profiles;
  }

  async powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array> {
    checkProfileShape(1, height, width);
    return powerSpectrum64(map, height, width);
  }

  /**
   * Primes this thread's copy of the engine's code now (see primeOnce), so that V8 compiles it
   * while the caller does something else (opens files, waits for its first maps); otherwise the
   * first call does it. Once per thread.
   */
  prime(): void {
    primeOnce(this);
  }

  /** Drops the scratch buffers; the engine stays usable (they grow again on the next call). */
  destroy(): void {
    this.workspace.release();
  }

  /** Maps [0, count) of `data` into profile slots [first, first + count), yielding every YIELD_MS. */
  private async profileInto(
    plan: ShapePlan,
    data: Float32Array,
    count: number,
    profiles: RingProfiles,
    first: number,
    total: number,
    options: ProfileOptions,
    clock: { last: number },
  ): Promise<void> {
    const size = plan.height * plan.width;
    for (let done = 0; done < count; ) {
      const group = Math.min(plan.groupMaps, count - done);
      this.profileGroup(plan, data.subarray(done * size, (done + group) * size), group, profiles, first + done);
      done += group;
      if (now() - clock.last > YIELD_MS && done < count) {
        options.onProgress?.(first + done, total);
        await nextTask();
        clock.last = now();
        options.signal?.throwIfAborted();
      }
    }
  }

  /** Profiles of `group` maps (the first group * H * W values of data) into slots from `first`. */
  private profileGroup(plan: ShapePlan, data: Float32Array, group: number, profiles: RingProfiles, first: number): void {
    const kernels = this.useWasm ? wasmKernels() : null;
    const shape = kernels ? kernelShape(plan) : null;
    // A group the module's memory cannot hold (past 4 GiB) goes to the TypeScript kernels.
    const out = kernels && shape ? kernels.tryProfileGroup(shape, data, group) : null;
    if (out) {
      profiles.dc.set(out.dc, first);
      profiles.sumSquares.set(out.sumSquares, first);
      profiles.nonFinite.set(out.nonFinite, first);
      profiles.inDisc.set(out.inDisc, first * plan.rings);
      profiles.outDisc.set(out.outDisc, first * plan.rings);
      return;
    }
    const { height: H, width: W, rings } = plan;
    const { columnLines, rowLines } = lineCounts(plan, group);
    const ws = this.workspace;
    ws.ensure(Math.max(H * columnLines, W * rowLines), 2 * (2 * rings + 1), group);
    const [ar, ai, br, bi] = ws.buffers;
    const sums = fillMapMoments(data, group, H * W, profiles, first, ws.sums);
    packColumnPairs(plan, data, group, sums, profiles.nonFinite, first, ar, ai);
    // Each transform leaves its result in one of its two buffer pairs; the other pair is then free.
    if (fftLines(H, columnLines, ar, ai, br, bi)) {
      splitColumnPairs(plan, group, br, bi, ar, ai);
      this.transformRows(plan, group, ar, ai, br, bi, profiles, first);
    } else {
      splitColumnPairs(plan, group, ar, ai, br, bi);
      this.transformRows(plan, group, br, bi, ar, ai, profiles, first);
    }
  }

  /** Row transforms of the split spectra in (yr, yi), then the ring sums. */
  private transformRows(plan: ShapePlan, group: number, yr: Float64Array, yi: Float64Array, zr: Float64Array, zi: Float64Array, profiles: RingProfiles, first: number): void {
    const { rowLines } = lineCounts(plan, group);
    const inZ = fftLines(plan.width, rowLines, yr, yi, zr, zi);
    accumulateRings(plan, group, inZ ? zr : yr, inZ ? zi : yi, this.workspace.accumulator, profiles, first);
  }
}

/**
 * Lines of the column and row passes: one per column pair (row) of each map, plus one of zeros when
 * that count is even. An odd line count keeps the passes' strides off multiples of large powers of
 * two, whose loads and stores alias in the cache (224 x 224 maps ran the length-7 pass 3x slower).
 */
function lineCounts(plan: ShapePlan, group: number): { columnLines: number; rowLines: number } {
  const columnLines = group * plan.pairs;
  const rowLines = group * plan.halfRows;
  return { columnLines: columnLines | 1, rowLines: rowLines | 1 };
}

/**
 * Column 2l of map g as the real part and column 2l + 1 as the imaginary part of complex line
 * g * pairs + l, element y at y * columnLines. The mean is taken out first: that only changes
 * the DC bin (spec/SROP.md §2 step 1), whose energy comes from the sum, and it keeps the round-off of the
 * other bins relative to the map's variation rather than its offset. Non-finite maps pack as zeros.
 */
function packColumnPairs(plan: ShapePlan, data: Float32Array, group: number, sums: Float64Array, nonFinite: Uint8Array, first: number, ar: Float64Array, ai: Float64Array): void {
  const { height: H, width: W, pairs } = plan;
  const size = H * W;
  const { columnLines } = lineCounts(plan, group);
  if (columnLines > group * pairs) for (let y = 0; y < H; y++) ar[y * columnLines + group * pairs] = ai[y * columnLines + group * pairs] = 0;
  const full = W >> 1;
  for (let g = 0; g < group; g++) {
    const finite = nonFinite[first + g] === 0;
    const mean = finite ? sums[g] / size : 0;
    for (let y = 0; y < H; y++) {
      const row = g * size + y * W;
      const out = y * columnLines + g * pairs;
      if (!finite) {
        ar.fill(0, out, out + pairs);
        ai.fill(0, out, out + pairs);
        continue;
      }
      for (let l = 0; l < full; l++) {
        ar[out + l] = data[row + 2 * l] - mean;
        ai[out + l] = data[row + 2 * l + 1] - mean;
      }
      if (W & 1) {
        ar[out + full] = data[row + W - 1] - mean;
        ai[out + full] = 0;
      }
    }
  }
}

/**
 * Splits each transformed line into its two real columns' spectra, rows ky = 0..H/2 only, written as
 * lines of length W (element x at x * rowLines, line g * halfRows + ky). With Z = Xa + i Xb
 * and V = Z at -ky: 2 Xa = Z + conj V and 2 Xb = -i (Z - conj V); the factor 2 is in rowWeight.
 */
function splitColumnPairs(plan: ShapePlan, group: number, zr: Float64Array, zi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { height: H, width: W, pairs, halfRows } = plan;
  const { columnLines, rowLines } = lineCounts(plan, group);
  if (rowLines > group * halfRows) for (let x = 0; x < W; x++) yr[x * rowLines + group * halfRows] = yi[x * rowLines + group * halfRows] = 0;
  const stride = 2 * rowLines;
  const full = W >> 1;
  for (let g = 0; g < group; g++) {
    for (let ky = 0; ky < halfRows; ky++) {
      const zRow = ky * columnLines + g * pairs;
      const vRow = ((H - ky) % H) * columnLines + g * pairs;
      let even = g * halfRows + ky;
      for (let l = 0; l < full; l++, even += stride) {
        const ur = zr[zRow + l], ui = zi[zRow + l];
        const vr = zr[vRow + l], vi = zi[vRow + l];
        yr[even] = ur + vr;
        yi[even] = ui - vi;
        yr[even + rowLines] = ui + vi;
        yi[even + rowLines] = vr - ur;
      }
      if (W & 1) {
        const ur = zr[zRow + full], ui = zi[zRow + full];
        const vr = zr[vRow + full], vi = zi[vRow + full];
        yr[even] = ur + vr;
        yi[even] = ui - vi;
      }
    }
  }
}

/**
 * Power times weight of every kept-half bin, summed per segment, into the maps' profiles. Along a
 * line (fixed kx, rising ky) neighbouring bins often share a ring; even and odd ky go to two
 * accumulators so that the additions do not wait on each other.
 */
function accumulateRings(plan: ShapePlan, group: number, fr: Float64Array, fi: Float64Array, acc: Float64Array, profiles: RingProfiles, first: number): void {
  const { width: W, halfRows, rings, segment, rowWeight } = plan;
  const { rowLines } = lineCounts(plan, group);
  const slots = 2 * rings + 1;
  const odd = slots; // second accumulator at acc[slots + segment]
  const pairsEnd = halfRows & ~1;
  for (let g = 0; g < group; g++) {
    const slot = first + g;
    if (profiles.nonFinite[slot]) continue;
    acc.fill(0, 0, 2 * slots);
    const line0 = g * halfRows;
    for (let kx = 0; kx < W; kx++) {
      const base = kx * rowLines + line0;
      const seg = kx * halfRows;
      let ky = 0;
      for (; ky < pairsEnd; ky += 2) {
        const r0 = fr[base + ky], i0 = fi[base + ky];
        const r1 = fr[base + ky + 1], i1 = fi[base + ky + 1];
        acc[segment[seg + ky]] += (r0 * r0 + i0 * i0) * rowWeight[ky];
        acc[odd + segment[seg + ky + 1]] += (r1 * r1 + i1 * i1) * rowWeight[ky + 1];
      }
      if (ky < halfRows) {
        const r0 = fr[base + ky], i0 = fi[base + ky];
        acc[segment[seg + ky]] += (r0 * r0 + i0 * i0) * rowWeight[ky];
      }
    }
    const out = slot * rings;
    for (let r = 0; r < rings; r++) {
      profiles.inDisc[out + r] = acc[r] + acc[odd + r];
      profiles.outDisc[out + r] = acc[rings + r] + acc[odd + rings + r];
    }
  }
}
