// The GPU engine packs maps two by two into one complex FFT. A map's profile must not depend on
// the map it shares a pair with: an all-zero or constant map beside a live one must come out
// dead where the float64 CPU engine says dead (spec/SROP.md §2 step 7), and a small variation on a large
// offset must keep its own spectrum with dc = remove. Error here is measured against each map's
// own energy without the DC bin, which is what dc = remove leaves.
import { afterAll, describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { GpuEngine } from '../src/engine/gpu/gpuEngine';
import { layerSrops, type SropParams } from '../src/analysis/srop';
import { syntheticMaps } from '../src/testing/syntheticMaps';
import { dawnDevice, gpuSkipNote, skipGpuTests } from './helpers/dawn';

const params: SropParams[] = [
  { kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true },
  { kappa: 0.85, dc: 'remove', domain: 'disc', interpolate: true },
  { kappa: 0.6, dc: 'remove', domain: 'full', interpolate: false },
];

/** Live, zero, live, constant, live, offset-plus-small-variation, zero, live: every quiet map shares a pair with a live one. */
function mixedLayer(h: number, w: number): Float32Array {
  const size = h * w;
  const live = syntheticMaps(4, h, w, h * 31 + w, ['relu', 'random', 'smooth', 'relu']);
  const wiggle = syntheticMaps(1, h, w, 7, ['random']);
  const data = new Float32Array(8 * size);
  data.set(live.subarray(0, size), 0);
  data.set(live.subarray(size, 2 * size), 2 * size);
  data.fill(0.7, 3 * size, 4 * size);
  data.set(live.subarray(2 * size, 3 * size), 4 * size);
  for (let i = 0; i < size; i++) data[5 * size + i] = 1000 + 0.05 * wiggle[i];
  data.set(live.subarray(3 * size, 4 * size), 7 * size);
  return data;
}

describe.skipIf(skipGpuTests)(`GPU engine: a map does not borrow energy from its pair partner${gpuSkipNote}`, () => {
  const cpu = new CpuEngine();
  let engine: GpuEngine | null = null;
  afterAll(() => engine?.destroy());

  // Up to 4,096 values a map takes one invocation in the moment stage, above it a workgroup: both here.
  for (const [h, w] of [[7, 7], [13, 17], [28, 28], [33, 20], [56, 56], [70, 71], [112, 112]]) {
    it(`${h}x${w}: same statuses as the CPU engine, and each map's own spectrum`, async () => {
      const { device, adapterName } = await dawnDevice();
      engine ??= new GpuEngine(device, adapterName);
      const data = mixedLayer(h, w);
      const g = await engine.profileMaps(data, 8, h, w);
      const c = await cpu.profileMaps(data, 8, h, w);
      for (const p of params) {
        const a = layerSrops(g, p), b = layerSrops(c, p);
        for (let m = 0; m < 8; m++) {
          expect(a.status[m], `map ${m} status, ${JSON.stringify(p)}`).toBe(b.status[m]);
          if (b.status[m] === 0) expect(Math.abs(a.srop[m] - b.srop[m]), `map ${m} SROP`).toBeLessThanOrEqual(1e-3);
        }
      }
      // The quiet maps' expected statuses, from the definition itself.
      const removed = layerSrops(c, params[1]);
      expect([removed.status[1], removed.status[3], removed.status[6]]).toEqual([1, 1, 1]);
      expect(removed.status[5]).toBe(0);
      for (let m = 0; m < 8; m++) {
        let own = 0, worst = 0;
        for (let r = 0; r < c.rings; r++) own += c.inDisc[m * c.rings + r] + c.outDisc[m * c.rings + r];
        for (let r = 0; r < c.rings; r++) {
          const i = m * c.rings + r;
          worst = Math.max(worst, Math.abs(g.inDisc[i] - c.inDisc[i]), Math.abs(g.outDisc[i] - c.outDisc[i]));
        }
        if (own === 0) expect(worst, `map ${m}: no energy outside DC`).toBe(0);
        else expect(worst / own, `map ${m}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});
