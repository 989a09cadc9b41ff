// The kappa sweep: from the profiles (no FFT), equal at each kappa to the comparison the table
// shows at that kappa; zero for a layer against itself; the layer that moves most per kappa.
import { describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { layerResult, recomputeLayer } from '../src/analysis/layerResult';
import { layerRows, linearGrid } from '../src/analysis/layerRows';
import { kappaSweep, kappaSweepCsv, leaderByKappa, leaderRuns, mostMoved, SWEEP_KAPPAS } from '../src/analysis/kappaSweep';
import { syntheticMaps } from '../src/testing/syntheticMaps';

const engine = new CpuEngine();
async function result(name: string, shape: [number, number, number, number], seed: number, kinds: Array<'relu' | 'random' | 'smooth' | 'zero'> = ['relu', 'random', 'smooth']) {
  const [n, c, h, w] = shape;
  const profiles = await engine.profileMaps(syntheticMaps(n * c, h, w, seed, kinds), n * c, h, w);
  return layerResult({ name, file: `${name}.npy`, shape }, profiles, DEFAULT_PARAMS);
}

describe('kappa sweep', () => {
  it('runs 0.50 to 0.99 in steps of 0.01', () => {
    expect(SWEEP_KAPPAS).toHaveLength(50);
    expect(SWEEP_KAPPAS[0]).toBe(0.5);
    expect(SWEEP_KAPPAS.at(-1)).toBe(0.99);
    expect(SWEEP_KAPPAS[35]).toBe(0.85);
  });

  it('equals, at each kappa, the comparison the table shows at that kappa; needs no FFT', async () => {
    const a = [await result('c1', [2, 5, 11, 9], 1), await result('c2', [2, 3, 7, 13], 2)];
    const b = [await result('c1', [1, 5, 11, 9], 3), await result('c2', [2, 3, 7, 13], 4, ['smooth', 'random'])];
    const spy = vi.spyOn(engine, 'profileMaps');
    const grid = linearGrid(0, 1.5, 32);
    const sweep = kappaSweep(layerRows(a, b, null, null, grid), null, null, DEFAULT_PARAMS);
    expect(spy).not.toHaveBeenCalled();
    expect(sweep.layers.map((l) => l.layer)).toEqual(['c1', 'c2']);
    for (const k of [0, 20, 35, 49]) {
      const kappa = SWEEP_KAPPAS[k];
      const params = { ...DEFAULT_PARAMS, kappa };
      const rows = layerRows(a.map((r) => recomputeLayer(r, params)), b.map((r) => recomputeLayer(r, params)), null, null, grid);
      rows.forEach((row, i) => {
        expect(sweep.layers[i].wasserstein[k], `${row.name} at ${kappa}`).toBe(row.comparison!.wasserstein);
        expect(sweep.layers[i].medianShift[k]).toBe(row.comparison!.delta_median);
      });
    }
    // One input of each side: the sweep follows the inputs shown.
    const one = kappaSweep(layerRows(a, b, 1, 0, grid), 1, 0, DEFAULT_PARAMS);
    const rows35 = layerRows(a, b, 1, 0, grid);
    expect(one.layers[0].wasserstein[35]).toBe(rows35[0].comparison!.wasserstein);
  });

  it('a layer against itself does not move; the leader per kappa and the most moved are found', async () => {
    const r = await result('same', [1, 6, 8, 8], 7);
    const moved = await result('moved', [1, 6, 8, 8], 8);
    const movedB = await result('moved', [1, 6, 8, 8], 9, ['smooth']);
    const sweep = kappaSweep(layerRows([r, moved], [r, movedB], null, null, linearGrid(0, 1.5, 16)), null, null, DEFAULT_PARAMS);
    expect(sweep.layers[0].wasserstein.every((v) => v === 0)).toBe(true);
    expect(sweep.layers[0].medianShift.every((v) => v === 0)).toBe(true);
    expect(leaderByKappa(sweep).every((l) => l === 'moved')).toBe(true);
    expect(leaderRuns(sweep)).toEqual([{ layer: 'moved', from: 0.5, to: 0.99 }]);
    expect(mostMoved(sweep, 1)).toEqual(['moved']);
    const csv = kappaSweepCsv(sweep).trim().split('\n');
    expect(csv[0]).toBe('layer,tensor,kappa,wasserstein,median_shift');
    expect(csv).toHaveLength(1 + 2 * 50);
    expect(csv[1]).toBe('same,same,0.5,0,0');
  });
});
