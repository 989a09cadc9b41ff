// The analysis layer against numpy (tools/make_fixtures.py -> analysis.json) and against spec/SROP.md's
// formulas (§2 steps 7-9, §4, §6) worked by hand on small ring profiles.
//
// Stated tolerances: order statistics (min, max, quartiles, median) and counts exact; mean, std,
// Wasserstein-1, KS, and paired figures within 1e-12 relative; histogram edges within 1e-15.
import { describe, expect, it } from 'vitest';
import type { RingProfiles } from '../src/engine/types';
import { emptyProfiles } from '../src/engine/profileMath';
import {
  DEFAULT_PARAMS,
  STATUS_DEAD,
  STATUS_NONFINITE,
  STATUS_OK,
  checkParams,
  KAPPA_CHOICES,
  parseKappa,
  columnEntry,
  emptyColumns,
  keptRingEnergy,
  layerSrops,
  mapSrop,
  type SropColumns,
  type SropParams,
} from '../src/analysis/srop';
import { histogram, layerSummary, summarise, sropValues } from '../src/analysis/summary';
import { compareLayers, compareSrops, ksStatistic, wasserstein1 } from '../src/analysis/compare';
import { layerResult, recomputeLayer } from '../src/analysis/layerResult';
import { readJson, type AnalysisFixtures, type FixtureSummary } from './fixtures/srop/fixtures';

const fixtures = readJson<AnalysisFixtures>('analysis.json');

function near(got: number | null, want: number | null, relative = 1e-12): boolean {
  if (want === null || got === null) return got === want;
  return Math.abs(got - want) <= relative * Math.abs(want) + 1e-300;
}

function expectSummary(got: ReturnType<typeof summarise>, want: FixtureSummary, where: string): void {
  expect(got.count, where).toBe(want.count);
  for (const key of ['min', 'q1', 'median', 'q3', 'max'] as const) expect(got[key], `${where}: ${key}`).toBe(want[key]);
  for (const key of ['mean', 'std'] as const) expect(near(got[key], want[key]), `${where}: ${key} ${got[key]} vs ${want[key]}`).toBe(true);
}

/** Profiles of one map from hand-made ring energies. */
function profileOf(height: number, width: number, inDisc: number[], outDisc: number[], dc: number, sumSquares: number, nonFinite = 0): RingProfiles {
  const p = emptyProfiles(height, width, 1, inDisc.length);
  p.inDisc.set(inDisc);
  p.outDisc.set(outDisc);
  p.dc[0] = dc;
  p.sumSquares[0] = sumSquares;
  p.nonFinite[0] = nonFinite;
  return p;
}

describe('SROP from ring profiles (spec/SROP.md §2 steps 7-9, worked by hand)', () => {
  // An 8 x 8 map (M/2 = 4) with a made-up six-ring profile; values chosen so the arithmetic is exact.
  const prof = profileOf(8, 8, [0, 10, 20, 10, 0, 0], [0, 0, 0, 0, 8, 2], 40, 100);
  const params = (p: Partial<SropParams>): SropParams => ({ ...DEFAULT_PARAMS, ...p });

  it('defaults are the spec defaults', () => {
    expect(DEFAULT_PARAMS).toEqual({ kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true });
  });

  it('dc keep, disc: E = [40, 10, 20, 10], T = 80', () => {
    expect(Array.from(keptRingEnergy(prof, 0, params({})))).toEqual([40, 10, 20, 10, 0, 0]);
    // kappa T = 68: C = 40, 50, 70 -> r* = 2, s = 1.5 + (68 - 50) / 20 = 2.4, SROP = 2.4 / 4
    expect(mapSrop(prof, 0, params({}))).toEqual({ srop: 0.6, ring: 2, energy: 80, status: 'ok' });
    expect(mapSrop(prof, 0, params({ interpolate: false }))).toEqual({ srop: 0.5, ring: 2, energy: 80, status: 'ok' });
    // kappa 0.5: target 40 = C[0] exactly: r* = 0, s = 0 + 0.5 * 40 / 40 (ring 0 spans [0, 1/2])
    expect(mapSrop(prof, 0, params({ kappa: 0.5 }))).toEqual({ srop: 0.125, ring: 0, energy: 80, status: 'ok' });
  });

  it('dc remove, full: E = [0, 10, 20, 10, 8, 2], T = 50', () => {
    // kappa T = 42.5: C = 0, 10, 30, 40, 48 -> r* = 4, s = 3.5 + 2.5 / 8
    expect(mapSrop(prof, 0, params({ dc: 'remove', domain: 'full' }))).toEqual({ srop: (3.5 + 2.5 / 8) / 4, ring: 4, energy: 50, status: 'ok' });
    expect(mapSrop(prof, 0, params({ dc: 'remove', domain: 'full', interpolate: false })).srop).toBe(1);
  });

  it('dead when T <= 1e-9 H W sum(A^2); non-finite first', () => {
    const whole = 64 * 100;
    const dead = profileOf(8, 8, [0, 1e-9 * whole], [0, 0], 0, 100);
    expect(mapSrop(dead, 0, DEFAULT_PARAMS)).toEqual({ srop: null, ring: null, energy: 1e-9 * whole, status: 'dead' });
    const alive = profileOf(8, 8, [0, 1.0001e-9 * whole], [0, 0], 0, 100);
    expect(mapSrop(alive, 0, DEFAULT_PARAMS).status).toBe('ok');
    const zero = profileOf(8, 8, [0, 0], [0, 0], 0, 0);
    expect(mapSrop(zero, 0, DEFAULT_PARAMS)).toEqual({ srop: null, ring: null, energy: 0, status: 'dead' });
    const outside = profileOf(8, 8, [0, 0], [0, 5], 0, 1);
    expect(mapSrop(outside, 0, DEFAULT_PARAMS).status).toBe('dead');
    expect(mapSrop(outside, 0, { ...DEFAULT_PARAMS, domain: 'full' }).status).toBe('ok');
    const bad = profileOf(8, 8, [0, 3], [0, 0], NaN, NaN, 1);
    expect(mapSrop(bad, 0, DEFAULT_PARAMS)).toEqual({ srop: null, ring: null, energy: null, status: 'nonfinite' });
  });

  it('non-square maps scale by M/2 = max(H, W)/2', () => {
    const p = profileOf(4, 10, [0, 0, 0, 6, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], 0, 1);
    // all energy in ring 3: r* = 3, s = 2.5 + 0.85, SROP = s / 5
    expect(mapSrop(p, 0, DEFAULT_PARAMS).srop).toBeCloseTo((2.5 + 0.85) / 5, 15);
  });

  it('columnar form: NaN / -1 for no SROP, status codes, reusable output', () => {
    const p = emptyProfiles(2, 2, 3, 2);
    p.inDisc.set([0, 4, 0, 0, 0, 4]);
    p.dc.set([1, 0, 0]);
    p.sumSquares.set([2, 0, 2]);
    p.nonFinite.set([0, 0, 1]);
    const cols = layerSrops(p, DEFAULT_PARAMS);
    expect(Array.from(cols.status)).toEqual([STATUS_OK, STATUS_DEAD, STATUS_NONFINITE]);
    expect(Array.from(cols.ring)).toEqual([1, -1, -1]);
    expect(cols.srop[1]).toBeNaN();
    expect(cols.energy[2]).toBeNaN();
    expect(columnEntry(cols, 1)).toEqual({ srop: null, ring: null, energy: 0, status: 'dead' });
    const again = layerSrops(p, { ...DEFAULT_PARAMS, dc: 'remove' }, cols);
    expect(again).toBe(cols);
    expect(cols.energy[0]).toBe(4);
  });

  it('rejects parameters outside the spec', () => {
    expect(() => checkParams({ ...DEFAULT_PARAMS, kappa: 1 })).toThrow(/kappa/);
    expect(() => checkParams({ ...DEFAULT_PARAMS, kappa: 0 })).toThrow(/kappa/);
    expect(() => checkParams({ ...DEFAULT_PARAMS, domain: 'square' as 'disc' })).toThrow(/domain/);
  });
});

describe('summaries vs numpy', () => {
  it('mean, std (ddof 0), min, quartiles (linear), median, max', () => {
    for (const s of fixtures.summaries) expectSummary(summarise(Float64Array.from(s.values)), s, `${s.values.length} values`);
  });

  it('pooled and per-input layer summaries, dead and non-finite maps counted apart', () => {
    for (const layer of fixtures.layers) {
      const cols: SropColumns = emptyColumns(layer.srop.length);
      layer.srop.forEach((v, i) => {
        cols.srop[i] = v ?? NaN;
        cols.status[i] = ['ok', 'dead', 'nonfinite'].indexOf(layer.status[i]);
      });
      const where = `${layer.inputs} x ${layer.channels}`;
      const pooled = layerSummary(cols);
      expectSummary(pooled, layer.pooled, where);
      expect(pooled.dead + pooled.nonfinite + pooled.count).toBe(layer.srop.length);
      expect(pooled.dead).toBe(layer.status.filter((s) => s === 'dead').length);
      expect(pooled.nonfinite).toBe(layer.status.filter((s) => s === 'nonfinite').length);
      layer.perInput.forEach((want, n) => {
        expectSummary(layerSummary(cols, { channels: layer.channels, input: n }), want, `${where} input ${n}`);
        expect(sropValues(cols, { channels: layer.channels, input: n }).length).toBe(want.count);
      });
      expect(() => layerSummary(cols, { channels: layer.channels, input: layer.inputs })).toThrow(/not one of/);
    }
  });

  it('histogram equals numpy.histogram', () => {
    for (const h of fixtures.histograms) {
      const got = histogram(h.values, h.bins, h.range ?? undefined);
      expect(Array.from(got.counts), `${h.values.length} values, ${h.bins} bins`).toEqual(h.counts);
      got.edges.forEach((e, i) => expect(Math.abs(e - h.edges[i])).toBeLessThanOrEqual(1e-15));
    }
  });
});

describe('A vs B vs numpy', () => {
  it('Wasserstein-1 and KS statistic', () => {
    for (const d of fixtures.distances) {
      const a = Float64Array.from(d.a), b = Float64Array.from(d.b);
      expect(near(wasserstein1(a, b), d.wasserstein), `W1 ${wasserstein1(a, b)} vs ${d.wasserstein}`).toBe(true);
      expect(near(ksStatistic(a, b), d.ks), `KS ${ksStatistic(a, b)} vs ${d.ks}`).toBe(true);
      expect(wasserstein1(a, a)).toBe(0);
      expect(ksStatistic(a, a)).toBe(0);
    }
    expect(wasserstein1(new Float64Array(0), Float64Array.of(1))).toBeNull();
  });

  it('layer comparisons: counts, medians, distances and paired figures', () => {
    for (const c of fixtures.comparisons) {
      const side = (inputs: number, values: (number | null)[]) => ({ inputs, channels: c.channels, srop: Float64Array.from(values, (v) => v ?? NaN) });
      const got = compareSrops(side(c.inputsA, c.a), side(c.inputsB, c.b)) as unknown as Record<string, number | string | null>;
      const where = `A ${c.inputsA} x ${c.channels}, B ${c.inputsB} x ${c.channels}`;
      for (const [key, want] of Object.entries(c.expected)) {
        if (typeof want === 'number' && !Number.isInteger(want)) expect(near(got[key] as number, want), `${where}: ${key} ${got[key]} vs ${want}`).toBe(true);
        else expect(got[key], `${where}: ${key}`).toBe(want);
      }
    }
  });

  it('compareLayers works on layer results and leaves paired figures out when C differs', () => {
    // every map: all its energy in ring 1
    const ringOne = (maps: number) => {
      const prof = emptyProfiles(2, 2, maps, 2);
      for (let m = 0; m < maps; m++) {
        prof.inDisc[m * 2 + 1] = 1;
        prof.sumSquares[m] = 1;
      }
      return prof;
    };
    const a = layerResult({ name: 'conv1', file: 'a.npy', shape: [1, 3, 2, 2] }, ringOne(3), DEFAULT_PARAMS);
    const b = layerResult({ name: 'conv1', file: 'b.npy', shape: [1, 3, 2, 2] }, ringOne(3), DEFAULT_PARAMS);
    const same = compareLayers(a, b);
    expect(same).toMatchObject({ layer: 'conv1', channels: 3, dead_a: 0, dead_b: 0, delta_median: 0, wasserstein: 0, ks: 0, paired_median_delta: 0, share_rising: 0, pairing: 'maps', pairs: 3 });
    const c = layerResult({ name: 'conv1', file: 'c.npy', shape: [1, 2, 2, 2] }, ringOne(2), DEFAULT_PARAMS);
    expect(compareLayers(a, c)).toMatchObject({ pairing: 'none', pairs: 0, paired_median_delta: null, share_rising: null });
    expect(recomputeLayer(a, { ...DEFAULT_PARAMS, interpolate: false }).ring[0]).toBe(1);
    expect(() => layerResult({ name: 'x', file: 'x.npy', shape: [2, 3, 2, 2] }, a.profiles!, DEFAULT_PARAMS)).toThrow(/do not match/);
  });
});

describe('kappa typed in the page', () => {
  it('takes exactly the values the slider can show (0.50 to 0.99 in steps of 0.01)', () => {
    expect(parseKappa('0.5')).toEqual({ kappa: 0.5 });
    expect(parseKappa(' 0.99 ')).toEqual({ kappa: 0.99 });
    expect(parseKappa('0.7000000000001')).toEqual({ kappa: 0.7 });
    expect(parseKappa('0.85')).toEqual({ kappa: 0.85 });
    for (const refused of ['0.49', '0.01', '0.995', '1', '0.875', '', 'abc', 'NaN']) expect(parseKappa(refused)).toHaveProperty('error');
    expect((parseKappa('0.3') as { error: string }).error).toMatch(/0\.50 to 0\.99/);
    // Every slider position is taken back unchanged.
    for (let i = 0; i <= 49; i++) {
      const v = Number((KAPPA_CHOICES.min + i * KAPPA_CHOICES.step).toFixed(2));
      expect(parseKappa(String(v))).toEqual({ kappa: v });
    }
  });
});
