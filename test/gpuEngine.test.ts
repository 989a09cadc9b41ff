// The GPU engine (WGSL through Dawn; SwiftShader on a machine without a GPU) against the float64 CPU
// engine on the same seeded maps (ReLU-like, smooth, constant, all-zero, NaN-holding, random) at
// awkward sizes. Stated tolerance: every ring's energy within 1e-5 of the map's whole energy, the
// DC energy and sum of squares as the CPU's (both are float64 on the CPU), SROPs within 1e-3 of the
// Nyquist radius for every parameter set, and the same status (ok, dead, nonfinite) for every map.
import { afterAll, describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { GpuEngine, IN_FLIGHT, chunkCost } from '../src/engine/gpu/gpuEngine';
import { linePlan, radixFactors, simulateLine } from '../src/engine/gpu/linePlan';
import { ringSegments } from '../src/engine/gpu/ringStage';
import { ringTable } from '../src/engine/ringTable';
import { fft } from '../src/engine/fft64';
import { layerSrops, type SropParams } from '../src/analysis/srop';
import { syntheticMaps } from '../src/testing/syntheticMaps';
import type { RingProfiles } from '../src/engine/types';
import type { Layer } from '../src/io/types';
import { dawnDevice, gpuSkipNote, skipGpuTests } from './helpers/dawn';

const PROFILE_TOLERANCE = 1e-5;
const SROP_TOLERANCE = 1e-3;

const paramSets: SropParams[] = [
  { kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true },
  { kappa: 0.5, dc: 'remove', domain: 'full', interpolate: true },
  { kappa: 0.99, dc: 'remove', domain: 'disc', interpolate: false },
];

/**
 * The device as the engine sees it, with every buffer it creates and destroys counted apart from
 * the engine's own accounting, and the read-backs (mapAsync) pending at once; the buffer limits
 * shrunk to `limit` bytes when given.
 */
function countingDevice(device: GPUDevice, limit?: number) {
  const stats = { live: 0, peak: 0, largest: 0, created: 0, mapsPending: 0, maxMapsPending: 0 };
  const counted = new Proxy(device, {
    get(target, prop) {
      if (prop === 'limits' && limit !== undefined) return { maxStorageBufferBindingSize: limit, maxBufferSize: limit };
      if (prop === 'createBuffer') {
        return (descriptor: GPUBufferDescriptor) => {
          const buffer = target.createBuffer(descriptor);
          const size = buffer.size;
          stats.created++;
          stats.live += size;
          stats.peak = Math.max(stats.peak, stats.live);
          stats.largest = Math.max(stats.largest, size);
          const destroy = buffer.destroy.bind(buffer);
          let gone = false;
          buffer.destroy = () => {
            if (!gone) stats.live -= size;
            gone = true;
            destroy();
          };
          const mapAsync = buffer.mapAsync.bind(buffer);
          buffer.mapAsync = (...args: Parameters<GPUBuffer['mapAsync']>) => {
            stats.mapsPending++;
            stats.maxMapsPending = Math.max(stats.maxMapsPending, stats.mapsPending);
            return mapAsync(...args).finally(() => stats.mapsPending--);
          };
          return buffer;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { counted, stats };
}

function profileError(g: RingProfiles, c: RingProfiles): number {
  expect(g.rings).toBe(c.rings);
  expect(g.maps).toBe(c.maps);
  let worst = 0;
  for (let m = 0; m < c.maps; m++) {
    expect(g.nonFinite[m]).toBe(c.nonFinite[m]);
    // The GPU takes the moments in float32 with compensated sums: within 1e-6 of the float64 ones.
    if (!c.nonFinite[m]) {
      expect(Math.abs(g.dc[m] - c.dc[m]), `map ${m} DC energy`).toBeLessThanOrEqual(1e-6 * c.dc[m]);
      expect(Math.abs(g.sumSquares[m] - c.sumSquares[m]), `map ${m} sum of squares`).toBeLessThanOrEqual(1e-6 * c.sumSquares[m]);
    }
    let total = c.dc[m];
    for (let r = 0; r < c.rings; r++) total += c.inDisc[m * c.rings + r] + c.outDisc[m * c.rings + r];
    for (let r = 0; r < c.rings; r++) {
      const i = m * c.rings + r;
      const scale = total > 0 ? total : 1;
      worst = Math.max(worst, Math.abs(g.inDisc[i] - c.inDisc[i]) / scale, Math.abs(g.outDisc[i] - c.outDisc[i]) / scale);
    }
  }
  return worst;
}

function expectSameSrops(g: RingProfiles, c: RingProfiles, label: string): void {
  for (const params of paramSets) {
    const a = layerSrops(g, params);
    const b = layerSrops(c, params);
    for (let m = 0; m < c.maps; m++) {
      expect(a.status[m], `${label} map ${m} status (${JSON.stringify(params)})`).toBe(b.status[m]);
      if (b.status[m] === 0) expect(Math.abs(a.srop[m] - b.srop[m]), `${label} map ${m} SROP`).toBeLessThanOrEqual(SROP_TOLERANCE);
    }
  }
}

describe('GPU line plans (tables and index arithmetic, simulated in float64)', () => {
  it('factor into radices up to 16, or go to Bluestein', () => {
    expect(radixFactors(224)).toEqual([8, 4, 7]);
    expect(radixFactors(1024)).toEqual([8, 8, 8, 2]);
    expect(radixFactors(1)).toEqual([]);
    expect(radixFactors(17)).toBeNull();
    expect(linePlan(1021).kind).toBe('bluestein');
    expect(linePlan(1021).size).toBe(2048);
  });

  it('simulated passes equal the float64 FFT at every kind of length', () => {
    for (const n of [1, 2, 3, 5, 7, 12, 13, 14, 17, 28, 34, 56, 112, 224, 251, 1021, 1024]) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3));
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
      const got = simulateLine(linePlan(n), re, im);
      fft(re, im, n);
      let err = 0, norm = 0;
      for (let k = 0; k < n; k++) {
        err = Math.max(err, Math.hypot(got.re[k] - re[k], got.im[k] - im[k]));
        norm += re[k] ** 2 + im[k] ** 2;
      }
      // float32 tables: round-off near 1e-7 of the norm, not more.
      expect(err / Math.sqrt(norm), `length ${n}`).toBeLessThan(1e-6);
    }
  });

  it('ring segments cover every half-spectrum bin but DC once, with its weight', () => {
    for (const [h, w] of [[1, 1], [7, 7], [13, 17], [6, 9], [1, 8]]) {
      const table = ringTable(h, w);
      const { segmentStart, bins } = ringSegments(table);
      const count = segmentStart[2 * table.rings];
      expect(count).toBe(h * table.cols - 1);
      let weight = 0;
      for (let e = 0; e < count; e++) weight += (bins[e] >>> 31) + 1;
      expect(weight + 1).toBe(h * w);
    }
  });
});

describe.skipIf(skipGpuTests)(`GPU engine vs the CPU engine (Dawn)${gpuSkipNote}`, () => {
  const cpu = new CpuEngine();
  let engine: GpuEngine | null = null;
  async function gpu(options = {}): Promise<GpuEngine> {
    const { device, adapterName } = await dawnDevice();
    if (Object.keys(options).length) return new GpuEngine(device, adapterName, options);
    engine ??= new GpuEngine(device, adapterName);
    return engine;
  }
  afterAll(() => engine?.destroy());

  const sizes: Array<[number, number, number]> = [
    [1, 1, 6], [1, 7, 6], [7, 1, 6], [2, 2, 6], [7, 7, 13], [13, 17, 12], [14, 14, 6], [28, 28, 6],
    [56, 56, 6], [112, 112, 3], [224, 224, 2], [251, 251, 1], [1021, 5, 2], [5, 1021, 2], [17, 34, 7],
    [1024, 1024, 1], [1031, 3, 2],
  ];
  for (const [h, w, maps] of sizes) {
    it(`${h}x${w} (${maps} maps)`, async () => {
      const data = syntheticMaps(maps, h, w, h * 1000 + w);
      const g = await (await gpu()).profileMaps(data, maps, h, w);
      const c = await cpu.profileMaps(data, maps, h, w);
      expect(profileError(g, c)).toBeLessThanOrEqual(PROFILE_TOLERANCE);
      expectSameSrops(g, c, `${h}x${w}`);
      if (maps >= 6) expect(new Set(layerSrops(c, paramSets[0]).status)).toEqual(new Set([0, 1, 2]));
    });
  }

  it('one map\'s power spectrum (the channel view) equals the CPU engine\'s', async () => {
    for (const [h, w] of [[1, 1], [7, 7], [13, 17], [251, 5], [28, 28]]) {
      const data = syntheticMaps(3, h, w, h + w, ['random', 'nan', 'smooth']);
      for (let m = 0; m < 3; m++) {
        const map = data.subarray(m * h * w, (m + 1) * h * w);
        const g = await (await gpu()).powerSpectrum(map, h, w);
        const c = await cpu.powerSpectrum(map, h, w);
        const total = c.reduce((a, v) => a + v, 0) || 1;
        let worst = 0;
        for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(g[i] - c[i]) / total);
        expect(worst, `${h}x${w} map ${m}`).toBeLessThanOrEqual(PROFILE_TOLERANCE);
      }
    }
  });

  it('a tight memory bound splits a layer into many chunks, read one by one, with the same result', async () => {
    const [n, ch, h, w] = [2, 9, 13, 17];
    const data = syntheticMaps(n * ch, h, w, 99);
    const reads: Array<[number, number]> = [];
    const layer: Layer = {
      name: 'conv', file: 'mem.npz', shape: [n, ch, h, w], dtype: 'float32', layout: 'nchw',
      readMaps: async (first: number, count: number) => {
        reads.push([first, count]);
        return data.slice(first * h * w, (first + count) * h * w);
      },
    } as unknown as Layer;
    const small = await gpu({ memoryBound: 4 * 13 * 17 * 8 * 4 });
    expect(small.chunkMaps(h, w)).toBeLessThan(n * ch);
    const progress: number[] = [];
    const g = await small.profileLayer(layer, { onProgress: (done) => progress.push(done) });
    small.destroy();
    const c = await cpu.profileMaps(data, n * ch, h, w);
    expect(profileError(g, c)).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    expect(reads.length).toBeGreaterThan(2);
    expect(reads.reduce((s, [, count]) => s + count, 0)).toBe(n * ch);
    expect(progress.at(-1)).toBe(n * ch);
  });

  it('holds at most the bound of GPU memory, tables included, across layers of different shapes', async () => {
    const { device, adapterName } = await dawnDevice();
    // Every buffer the engine creates and destroys is counted here, apart from its own accounting,
    // on a device whose buffer limits are shrunk to 64 KiB.
    const limit = 64 * 1024;
    const bound = 192 * 1024;
    const { counted, stats } = countingDevice(device, limit);
    const engine = new GpuEngine(counted, adapterName, { memoryBound: bound });
    // Several chunks with an odd last one, Bluestein rows, many small maps, maps of which 2 pairs
    // fill the buffer limit, then the first shape again.
    const layers: Array<[number, number, number]> = [[37, 28, 28], [9, 17, 34], [101, 7, 7], [5, 56, 56], [37, 28, 28], [3, 13, 17]];
    for (const [maps, h, w] of layers) {
      const data = syntheticMaps(maps, h, w, maps * h + w);
      const g = await engine.profileMaps(data, maps, h, w);
      const c = await cpu.profileMaps(data, maps, h, w);
      expect(profileError(g, c), `${maps} x ${h}x${w}`).toBeLessThanOrEqual(PROFILE_TOLERANCE);
      expectSameSrops(g, c, `${maps} x ${h}x${w}`);
      expect(engine.heldBytes, `${h}x${w}: the engine's count is the buffers' count`).toBe(stats.live);
      const map = data.subarray(0, h * w);
      await engine.powerSpectrum(map, h, w);
    }
    expect(engine.chunkMaps(28, 28)).toBeLessThan(37);
    expect(stats.peak).toBeGreaterThan(0);
    expect(stats.peak, 'GPU bytes held at once').toBeLessThanOrEqual(bound);
    expect(engine.peakHeldBytes).toBe(stats.peak);
    expect(stats.largest).toBeLessThanOrEqual(limit);
    engine.destroy();
    expect(stats.live).toBe(0);
  });

  it('keeps the pipelines of the shapes it has seen: a second image makes no buffers', async () => {
    const { device, adapterName } = await dawnDevice();
    const { counted, stats } = countingDevice(device);
    const engine = new GpuEngine(counted, adapterName, { idleReleaseMs: 0 });
    const image: Array<[number, number, number]> = [[6, 28, 28], [10, 14, 14], [3, 13, 17]];
    const data = image.map(([maps, h, w]) => syntheticMaps(maps, h, w, maps + h));
    for (const [i, [maps, h, w]] of image.entries()) await engine.profileMaps(data[i], maps, h, w);
    const made = stats.created;
    expect(engine.keptPipelines).toBe(3);
    for (const [i, [maps, h, w]] of image.entries()) {
      const g = await engine.profileMaps(data[i], maps, h, w);
      expect(profileError(g, await cpu.profileMaps(data[i], maps, h, w))).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    }
    expect(stats.created, 'buffers made by the second image').toBe(made);
    engine.destroy();
    expect(stats.live).toBe(0);
  });

  it('calls made without waiting overlap their chunks, at most IN_FLIGHT read-backs pending, under the bound, with the results of calls made one by one', async () => {
    const { device, adapterName } = await dawnDevice();
    const bound = 160 * 1024;
    const { counted, stats } = countingDevice(device);
    const engine = new GpuEngine(counted, adapterName, { memoryBound: bound, idleReleaseMs: 0 });
    // Multi-chunk layers with odd last chunks, shapes changing from call to call (pipelines made
    // room for while chunks of others are in flight), a layer of one map, a shape seen again.
    const layers: Array<[number, number, number]> = [[37, 28, 28], [9, 17, 34], [1, 5, 3], [101, 7, 7], [23, 28, 28], [5, 56, 56]];
    const data = layers.map(([maps, h, w]) => syntheticMaps(maps, h, w, 3 * maps + h));
    const progress: number[][] = layers.map(() => []);
    const all = layers.map(([maps, h, w], i) => engine.profileMaps(data[i], maps, h, w, { onProgress: (done) => progress[i].push(done) }));
    const results = await Promise.all(all);
    for (const [i, [maps, h, w]] of layers.entries()) {
      const c = await cpu.profileMaps(data[i], maps, h, w);
      expect(profileError(results[i], c), `${maps} x ${h}x${w}`).toBeLessThanOrEqual(PROFILE_TOLERANCE);
      expectSameSrops(results[i], c, `${maps} x ${h}x${w}`);
      expect(progress[i].at(-1)).toBe(maps);
      expect(progress[i]).toEqual([...progress[i]].sort((a, b) => a - b));
    }
    expect(stats.maxMapsPending, 'read-backs pending at once').toBeGreaterThan(1);
    expect(stats.maxMapsPending).toBeLessThanOrEqual(IN_FLIGHT);
    expect(stats.peak, 'GPU bytes held at once').toBeLessThanOrEqual(bound);
    engine.destroy();
    expect(stats.live).toBe(0);
  });

  it('a failing call does not fail the calls around it', async () => {
    const { device, adapterName } = await dawnDevice();
    const before = syntheticMaps(8, 13, 17, 91);
    const after = syntheticMaps(6, 9, 11, 92);
    const broken = {
      name: 'broken', file: 'broken.npy', shape: [1, 8, 13, 17],
      readMaps: async (first: number) => {
        if (first > 0) throw new Error('the disk went away');
        return before.slice(0, 2 * 13 * 17);
      },
    } as unknown as Layer;
    const small = new GpuEngine(device, adapterName, { memoryBound: 4 * 13 * 17 * 8 * 4, idleReleaseMs: 0 });
    const runs = [small.profileMaps(before, 8, 13, 17), small.profileLayer(broken), small.profileMaps(after, 6, 9, 11)];
    const [a, b, c] = await Promise.allSettled(runs);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(String((b as PromiseRejectedResult).reason)).toMatch(/the disk went away/);
    expect(c.status).toBe('fulfilled');
    if (c.status === 'fulfilled') expect(profileError(c.value, await cpu.profileMaps(after, 6, 9, 11))).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    small.destroy();
  });

  it('a chunk failing on the GPU fails its own call only: the calls made beside it run', async () => {
    const { device, adapterName } = await dawnDevice();
    // The first chunk's error scopes report an error, as an out-of-memory upload would, at once:
    // before the chunk's read-back has come back.
    let popped = 0;
    const failing = new Proxy(device, {
      get(target, prop) {
        if (prop === 'popErrorScope') {
          return () => {
            const real = target.popErrorScope();
            if (++popped > 2) return real;
            real.catch(() => undefined);
            return Promise.resolve(popped === 1 ? ({ message: 'injected out of memory' } as GPUError) : null);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const [h, w] = [13, 17];
    const engine = new GpuEngine(failing, adapterName, { memoryBound: 4 * h * w * 8 * 4, idleReleaseMs: 0 });
    expect(engine.chunkMaps(h, w)).toBe(2);
    const two = syntheticMaps(2, h, w, 94);
    const six = syntheticMaps(6, h, w, 95);
    const runs = await Promise.allSettled([
      engine.profileMaps(two, 2, h, w),
      engine.profileMaps(six, 6, h, w),
      engine.powerSpectrum(six.subarray(0, h * w), h, w),
      engine.powerSpectrum(two.subarray(0, h * w), h, w),
    ]);
    expect(runs[0].status).toBe('rejected');
    expect(String((runs[0] as PromiseRejectedResult).reason)).toMatch(/injected out of memory/);
    expect(runs.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const six2 = (runs[1] as PromiseFulfilledResult<RingProfiles>).value;
    expect(profileError(six2, await cpu.profileMaps(six, 6, h, w))).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    engine.destroy();
    expect(engine.heldBytes).toBe(0);
  });

  it('after an abort, no progress is reported and nothing of the call is left in flight', async () => {
    const { device, adapterName } = await dawnDevice();
    const { counted, stats } = countingDevice(device);
    const [h, w] = [28, 28];
    const engine = new GpuEngine(counted, adapterName, { idleReleaseMs: 0 });
    const cost = chunkCost(h, w);
    const small = new GpuEngine(counted, adapterName, { memoryBound: cost.fixed + 10 * cost.perPair, idleReleaseMs: 0 });
    expect(small.chunkMaps(h, w)).toBe(20);
    const controller = new AbortController();
    const progress: number[] = [];
    let settledAt = -1;
    const run = small.profileMaps(syntheticMaps(64, h, w, 96), 64, h, w, {
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        controller.abort();
      },
    });
    await expect(run.finally(() => (settledAt = progress.length))).rejects.toThrow(/abort/i);
    expect(stats.mapsPending, 'read-backs still pending when the call ended').toBe(0);
    // Whatever else runs on the device afterwards, the aborted call reports nothing more.
    await engine.profileMaps(syntheticMaps(4, h, w, 97), 4, h, w);
    expect(progress.length).toBe(settledAt);
    expect(progress).toEqual([16]); // 64 maps in 4 chunks of 16
    small.destroy();
    engine.destroy();
  });

  it('a spectrum on a kept pipeline still makes room for its read-back under the bound', async () => {
    const { device, adapterName } = await dawnDevice();
    const { counted, stats } = countingDevice(device);
    const big = chunkCost(28, 28);
    const small = chunkCost(14, 14);
    const extra = 28 * 28 * 8;
    // Room for both pipelines (28x28 for one pair, 14x14 for ten), but not with the read-back too.
    const bound = big.fixed + big.perPair + small.fixed + 10 * small.perPair + extra / 2;
    const engine = new GpuEngine(counted, adapterName, { memoryBound: bound, idleReleaseMs: 0 });
    const map = syntheticMaps(1, 28, 28, 98);
    const first = await engine.powerSpectrum(map, 28, 28);
    await engine.profileMaps(syntheticMaps(20, 14, 14, 99), 20, 14, 14);
    expect(engine.keptPipelines).toBe(2);
    const again = await engine.powerSpectrum(map, 28, 28);
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(stats.peak, 'GPU bytes held at once').toBeLessThanOrEqual(bound);
    expect(engine.peakHeldBytes).toBeLessThanOrEqual(bound);
    engine.destroy();
  });

  it('gives its kept pipelines back after a while without work, and works again after', async () => {
    const { device, adapterName } = await dawnDevice();
    const { counted, stats } = countingDevice(device);
    const engine = new GpuEngine(counted, adapterName, { idleReleaseMs: 30 });
    const data = syntheticMaps(4, 13, 17, 93);
    await engine.profileMaps(data, 4, 13, 17);
    expect(engine.keptPipelines).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(engine.keptPipelines).toBe(0);
    expect(engine.heldBytes).toBe(0);
    expect(stats.live).toBe(0);
    const again = await engine.profileMaps(data, 4, 13, 17);
    expect(profileError(again, await cpu.profileMaps(data, 4, 13, 17))).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    engine.destroy();
  });

  it('zeroes the spare slot of an odd chunk: results never depend on the chunk before', async () => {
    const { device, adapterName } = await dawnDevice();
    const [h, w] = [13, 17];
    const odd = syntheticMaps(5, h, w, 71, ['relu', 'smooth', 'random']);
    const fresh = new GpuEngine(device, adapterName);
    const alone = await fresh.profileMaps(odd, 5, h, w);
    fresh.destroy();
    const reused = new GpuEngine(device, adapterName);
    // Six large maps first (three pairs, as the five need): the sixth slot is then spare.
    const before = syntheticMaps(6, h, w, 72, ['random']).map((v) => v * 1e3 + 50);
    await reused.profileMaps(before, 6, h, w);
    const after = await reused.profileMaps(odd, 5, h, w);
    reused.destroy();
    expect(Array.from(after.inDisc)).toEqual(Array.from(alone.inDisc));
    expect(Array.from(after.outDisc)).toEqual(Array.from(alone.outDisc));
  });

  it('a map too big for the bound is refused with the reason', async () => {
    const tiny = await gpu({ memoryBound: 1024 });
    expect(() => tiny.chunkMaps(64, 64)).toThrow(/64 x 64 need .* MiB of GPU memory per pair/);
    tiny.destroy();
  });

  it('stops between chunks when aborted', async () => {
    const small = await gpu({ memoryBound: 4 * 13 * 17 * 8 * 4 });
    const controller = new AbortController();
    const data = syntheticMaps(40, 13, 17, 5);
    const run = small.profileMaps(data, 40, 13, 17, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 4) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    small.destroy();
  });

  it('is refused after destroy', async () => {
    const doomed = await gpu({ memoryBound: 1 << 20 });
    doomed.destroy();
    await expect(doomed.profileMaps(new Float32Array(4), 1, 2, 2)).rejects.toThrow(/after destroy/);
  });

  it('keeps float32 in range for huge and tiny values (scaled to unit RMS)', async () => {
    const [h, w] = [14, 14];
    const base = syntheticMaps(2, h, w, 3, ['random']);
    const data = new Float32Array(4 * h * w);
    for (let i = 0; i < h * w; i++) {
      data[i] = base[i] * 1e30;
      data[h * w + i] = base[h * w + i] * 1e-30;
      data[2 * h * w + i] = base[i] * 1e18 + 3e19;
      data[3 * h * w + i] = base[h * w + i];
    }
    const g = await (await gpu()).profileMaps(data, 4, h, w);
    const c = await cpu.profileMaps(data, 4, h, w);
    expect(profileError(g, c)).toBeLessThanOrEqual(PROFILE_TOLERANCE);
    expectSameSrops(g, c, 'extreme');
  });
});
