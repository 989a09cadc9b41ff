// The CPU engine's WebAssembly kernels (src/engine/wasm/) against its TypeScript kernels: the same
// ring profiles bit for bit, on every pass of the FFT (radices 2, 3, 4, 5, 7, 8 with and without
// twiddles, the generic odd radix), odd and even sides, one row, one column, a single bin,
// non-finite and constant maps, many maps per group, a shape that takes Bluestein's algorithm (it
// stays on the TypeScript kernels), a memory that grows, more shapes than the kernels keep tables
// for; and the committed module is what tools/build-wasm.sh makes from engine.c (with clang-14).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { fftPlan } from '../src/engine/fft64';
import type { RingProfiles } from '../src/engine/types';
import { memoryLayer } from '../src/testing/syntheticMaps';
import { requireClang, skipReason, skipping } from './helpers/prerequisites';

const root = join(import.meta.dirname, '..');
const wasm = new CpuEngine();
const typescript = new CpuEngine({ kernels: 'typescript' });

/** Every number of two profiles, compared as bits (NaN and -0 included). */
function expectIdentical(got: RingProfiles, want: RingProfiles, what: string): void {
  expect([got.maps, got.rings, got.height, got.width], what).toEqual([want.maps, want.rings, want.height, want.width]);
  for (const key of ['inDisc', 'outDisc', 'dc', 'sumSquares', 'nonFinite'] as const) {
    const a = Buffer.from(got[key].buffer, got[key].byteOffset, got[key].byteLength);
    const b = Buffer.from(want[key].buffer, want[key].byteOffset, want[key].byteLength);
    expect(Buffer.compare(a, b), `${what}: ${key} differs`).toBe(0);
  }
}

/** `count` maps of H x W: ReLU-like values with an offset, one NaN map, one infinite, one constant. */
function maps(count: number, h: number, w: number, seed = 1): Float32Array {
  const size = h * w;
  const data = new Float32Array(count * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.fround(Math.sin(i * 0.37 + seed) * 3 + ((i * 7919 + seed) % 13) / 7 - 1 + (i % 5 === 0 ? 40 : 0)));
  if (count > 1) data[size + (size >> 1)] = NaN;
  if (count > 2) data[2 * size] = Infinity;
  if (count > 3) data.fill(2.5, 3 * size, 4 * size);
  return data;
}

async function both(count: number, h: number, w: number, seed = 1): Promise<void> {
  const data = maps(count, h, w, seed);
  expectIdentical(await wasm.profileMaps(data, count, h, w), await typescript.profileMaps(data, count, h, w), `${count} maps of ${h} x ${w}`);
}

describe('the WebAssembly kernels', () => {
  it('run here (Node has WebAssembly with SIMD)', () => {
    expect(wasm.onWasm).toBe(true);
    expect(typescript.onWasm).toBe(false);
  });

  it('give the TypeScript kernels\' profiles bit for bit on every pass of the FFT and awkward shapes', async () => {
    // Sides whose passes cover radices 8, 4, 2, 3, 5, 7 with twiddles and as the last pass, and
    // the generic odd radix (11, 13, 31); odd and even widths; one row, one column, one bin.
    const shapes: [number, number][] = [
      [224, 224], [56, 15], [35, 28], [14, 77], [8, 3], [2, 9], [3, 1], [1, 1], [1, 5], [5, 1],
      [13, 17], [33, 121], [25, 49], [64, 64], [11, 22], [96, 88], [16, 2], [31, 62], [128, 6], [45, 40],
    ];
    for (const [h, w] of shapes) await both(5, h, w, h + w);
  });

  it('many maps per group (small maps), and one map per group (large)', async () => {
    await both(300, 5, 3);
    await both(70, 12, 9);
    await both(2, 180, 150);
  });

  it('a side that takes Bluestein\'s algorithm stays on the TypeScript kernels, with the same results', async () => {
    expect(fftPlan(37).kind).toBe('bluestein');
    await both(4, 37, 4);
    await both(3, 6, 74);
  });

  it('a memory that grows (a large map after small ones), and more shapes than the kept tables, still agree', async () => {
    await both(3, 7, 7);
    await both(2, 512, 384);
    await both(3, 7, 7);
    for (let k = 0; k < 70; k++) await both(2, 3 + (k % 10), 2 + Math.floor(k / 10));
    await both(2, 56, 15);
  });

  it('a group the module\'s memory cannot grow to hold is done on the TypeScript kernels, with the same results', async () => {
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): refused (as past 4 GiB)');
    });
    try {
      await both(1, 1500, 1400);
      expect(grow).toHaveBeenCalled();
    } finally {
      grow.mockRestore();
    }
    await both(2, 56, 15);
  });

  it('profileLayer, read in chunks, equals profileMaps', async () => {
    const [n, c, h, w] = [2, 9, 21, 16];
    const data = maps(n * c, h, w, 5);
    const layer = memoryLayer(data, [n, c, h, w]);
    const chunked = new CpuEngine({ chunkValues: 3 * h * w });
    expectIdentical(await chunked.profileLayer(layer), await typescript.profileMaps(data, n * c, h, w), 'the layer in chunks of 3 maps');
  });

  // clang-14 (Debian 12's), since another clang may make other bytes; without it the test fails,
  // unless SROP_SKIP_CLANG=1 (test/helpers/prerequisites.ts).
  it('the committed module is what tools/build-wasm.sh makes from engine.c with clang-14', (ctx) => {
    if (skipping('clang')) ctx.skip(skipReason('clang'));
    requireClang();
    const out = mkdtempSync(join(tmpdir(), 'srop-wasm-'));
    try {
      execFileSync(join(root, 'tools', 'build-wasm.sh'), [join(out, 'engineWasm.ts')], { stdio: 'pipe', env: { ...process.env, CLANG: 'clang-14' } });
      expect(readFileSync(join(out, 'engineWasm.ts'), 'utf8')).toBe(readFileSync(join(root, 'src', 'engine', 'wasm', 'engineWasm.ts'), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
