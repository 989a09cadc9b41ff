// Chart data preparation (src/analysis/layerRows.ts) and the page's per-map CSV, on small layers
// made by the CPU engine from seeded maps; the spectrum against a direct DFT.
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { layerResult, recomputeLayer, type LayerResult } from '../src/analysis/layerResult';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { compareLayers } from '../src/analysis/compare';
import { compareCsvHeader, compareCsvRow, mapsCsvRows, sideMapsCsvHeader } from '../src/analysis/format';
import { displayNames, inputsDiffer, layerRows, pairingPossible, linearGrid, movedMost, rowTensor, sortRows, sropAxisMax, violinDensity } from '../src/analysis/layerRows';
import { centredLogPower, channelRows, channelValuesNote, cumulativeBand, defaultFocus, mapCurve, sropMark, sortChannels, sropEllipse } from '../src/analysis/layerDetail';
import { syntheticMaps } from '../src/testing/syntheticMaps';
import { comparisonCsv, sropsCsv } from '../src/ui/exporters';
import { compareInputs, withHolm } from '../src/analysis/inputStats';
import { powerSpectrum64 } from '../src/engine/spectrum';
import { formatNumber } from '../src/ui/charts/theme';
import type { LayerRow } from '../src/analysis/layerRows';

const engine = new CpuEngine();

async function result(name: string, shape: [number, number, number, number], seed: number, file = `${name}.npy`): Promise<LayerResult> {
  const [n, c, h, w] = shape;
  const data = syntheticMaps(n * c, h, w, seed, ['relu', 'random', 'smooth', 'zero']);
  const profiles = await engine.profileMaps(data, n * c, h, w);
  return layerResult({ name, file, shape }, profiles, DEFAULT_PARAMS);
}

describe('violin density', () => {
  it('peaks at 1 where the values are, and is zero without values', () => {
    const grid = linearGrid(0, 1, 101);
    const d = violinDensity(Float64Array.from([0.3, 0.31, 0.29, 0.3]), grid);
    expect(Math.max(...d)).toBeCloseTo(1, 12);
    expect(d.indexOf(Math.max(...d))).toBeGreaterThanOrEqual(29);
    expect(d.indexOf(Math.max(...d))).toBeLessThanOrEqual(31);
    expect(d[90]).toBeLessThan(1e-6);
    expect(Array.from(violinDensity(new Float64Array(0), grid)).every((v) => v === 0)).toBe(true);
    // Past 1024 values the data are binned first; the shape stays that of the exact density.
    const many = Float64Array.from({ length: 5000 }, (_, i) => 0.4 + 0.1 * Math.sin(i * 12.9898) + (i % 7 === 0 ? 0.3 : 0));
    const binned = violinDensity(many, grid);
    let exactPeak = 0;
    const exact = Array.from(grid, (g) => {
      let sum = 0;
      const sorted = Float64Array.from(many).sort();
      const mean = sorted.reduce((a, v) => a + v, 0) / sorted.length;
      const sd = Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / sorted.length);
      const iqr = sorted[Math.floor(0.75 * (sorted.length - 1))] - sorted[Math.floor(0.25 * (sorted.length - 1))];
      const h = Math.max(0.9 * Math.min(sd, iqr / 1.34) * sorted.length ** -0.2, 1 / 200);
      for (const v of sorted) sum += Math.exp(-0.5 * ((g - v) / h) ** 2);
      exactPeak = Math.max(exactPeak, sum);
      return sum;
    }).map((v) => v / exactPeak);
    for (let i = 0; i < grid.length; i++) expect(Math.abs(binned[i] - exact[i])).toBeLessThan(0.03);
    // Identical values still draw a bump.
    expect(Math.max(...violinDensity(Float64Array.from([0.5, 0.5]), grid))).toBeCloseTo(1, 12);
  });
});

describe('layer rows', () => {
  it('match A and B by name, keep and mark one-sided and reshaped layers, in network order', async () => {
    const a = [await result('conv1', [2, 8, 9, 9], 1), await result('conv2', [2, 8, 5, 5], 2), await result('onlyA', [1, 4, 5, 5], 3)];
    const b = [await result('conv2', [2, 8, 5, 5], 12), await result('conv1', [2, 8, 9, 9], 11), await result('reshaped', [1, 4, 6, 6], 4), await result('onlyB', [1, 4, 5, 5], 5)];
    a.push(await result('reshaped', [1, 4, 5, 5], 6));
    const rows = layerRows(a, b, null, null, linearGrid(0, 1, 32));
    expect(rows.map((r) => [r.name, r.match])).toEqual([
      ['conv1', 'both'], ['conv2', 'both'], ['onlyA', 'only-a'], ['reshaped', 'shape-differs'], ['onlyB', 'only-b'],
    ]);
    // Pooled figures are exactly the command's (compareLayers).
    const { layer: _layer, ...expected } = compareLayers(a[0], b[1]);
    expect(rows[0].comparison).toEqual(expected);
    expect(rows[2].comparison).toBeNull();
    expect(rows[0].a!.summary).toEqual(a[0].summary);
    expect(sropAxisMax(rows)).toBeGreaterThanOrEqual(1);
  });

  it('a layer whose batch sizes differ holds the same maps: compared, not marked', async () => {
    const a = [await result('conv1', [3, 8, 9, 9], 1), await result('wider', [1, 8, 9, 9], 2)];
    const b = [await result('conv1', [1, 8, 9, 9], 3), await result('wider', [1, 8, 9, 10], 4)];
    const rows = layerRows(a, b, null, null, linearGrid(0, 1, 16));
    expect(rows.map((r) => [r.name, r.match])).toEqual([['conv1', 'both'], ['wider', 'shape-differs']]);
    expect(rows[0].comparison).not.toBeNull();
  });

  it('same-named layers of a pane are all kept, shown with their file, and matched by occurrence', async () => {
    const a = [await result('conv1', [1, 4, 6, 6], 1, 'a1.npz'), await result('conv2', [1, 4, 6, 6], 2, 'a1.npz'), await result('conv1', [1, 4, 6, 6], 3, 'a2.npz')];
    const b = [await result('conv1', [1, 4, 6, 6], 4, 'b1.npz'), await result('conv1', [1, 4, 7, 7], 5, 'b2.npz'), await result('conv1', [1, 4, 6, 6], 6, 'b3.npz')];
    expect(displayNames(a).map((d) => d.name)).toEqual(['conv1', 'conv2', 'conv1 (a2.npz)']);
    const rows = layerRows(a, b, null, null, linearGrid(0, 1, 8));
    expect(rows.map((r) => [r.name, r.match])).toEqual([
      ['conv1', 'both'], ['conv2', 'only-a'], ['conv1 (a2.npz | b2.npz)', 'shape-differs'], ['conv1 (b3.npz)', 'only-b'],
    ]);
    expect(rows[0].b!.result).toBe(b[0]);
    expect(rows[2].a!.result).toBe(a[2]);
    expect(rows[2].b!.result).toBe(b[1]);
    expect(rows[3].b!.result).toBe(b[2]);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    // The per-map export names the layers as the views do.
    const csv = sropsCsv(a, []).trim().split('\n');
    expect(csv.filter((l) => l.startsWith('A,conv1 (a2.npz),'))).toHaveLength(4);
    expect(csv.filter((l) => l.startsWith('A,conv1,'))).toHaveLength(4);
    // The same file twice under one name still gets distinct names.
    const twice = [await result('x', [1, 1, 4, 4], 1, 'f.npz'), await result('x', [1, 1, 4, 4], 2, 'f.npz'), await result('x', [1, 1, 4, 4], 3, 'f.npz')];
    expect(displayNames(twice).map((d) => d.name)).toEqual(['x', 'x (f.npz)', 'x (f.npz, 2)']);
  });

  it('statistics across inputs per row: every input whatever the panes show, paired or not, Holm over the rows, as the command', async () => {
    const a = [await result('conv1', [6, 5, 9, 9], 21), await result('conv2', [6, 3, 7, 7], 22), await result('onlyA', [2, 3, 5, 5], 23), await result('few', [2, 3, 5, 5], 24)];
    const b = [await result('conv1', [6, 5, 9, 9], 31), await result('conv2', [4, 3, 7, 7], 32), await result('few', [2, 3, 5, 5], 34)];
    const grid = linearGrid(0, 1, 8);
    const rows = layerRows(a, b, null, null, grid);
    expect(rows.map((r) => r.inputs?.test ?? null)).toEqual(['wilcoxon', 'mann-whitney', null, 'none']);
    // As the command computes them: compareInputs per layer, then Holm over the compared layers.
    const expected = withHolm([compareInputs(a[0], b[0], true), compareInputs(a[1], b[1], true), compareInputs(a[3], b[2], true)]);
    expect([rows[0].inputs, rows[1].inputs, rows[3].inputs]).toEqual(expected);
    expect(rows[0].inputs!.p_holm!).toBeGreaterThanOrEqual(rows[0].inputs!.p_value!);
    // One input shown on each pane: the pooled columns follow it, the statistics across inputs do not.
    const one = layerRows(a, b, 1, 2, grid);
    expect(one[0].inputs).toEqual(rows[0].inputs);
    expect(one[0].comparison).not.toEqual(rows[0].comparison);
    // Pairing off: Mann-Whitney on equal counts too.
    const unpaired = layerRows(a, b, null, null, grid, false);
    expect(unpaired[0].inputs).toEqual(withHolm([compareInputs(a[0], b[0], false), compareInputs(a[1], b[1], false), compareInputs(a[3], b[2], false)])[0]);
    expect(pairingPossible(rows)).toBe(true);
    expect(pairingPossible(rows.filter((r) => r.name === 'conv2'))).toBe(false);
    // Sorting by p puts the rows without one last; the export carries the six columns after the
    // pooled ones, then the tensor (a file's layer: its own name).
    expect(sortRows(rows, 'p_value', false).slice(-2).map((r) => r.name)).toEqual(['onlyA', 'few']);
    const csv = comparisonCsv(rows).trim().split('\n');
    expect(csv[0].split(',').slice(-7)).toEqual(['inputs_a', 'inputs_b', 'test', 'input_median_delta', 'p_value', 'p_holm', 'tensor']);
    expect(csv[1].split(',').slice(-7)).toEqual([rows[0].inputs!.inputs_a, rows[0].inputs!.inputs_b, 'wilcoxon', rows[0].inputs!.input_median_delta, rows[0].inputs!.p_value, rows[0].inputs!.p_holm, 'conv1'].map(String));
    expect(csv[3].split(',').slice(-5)).toEqual(['none', String(rows[3].inputs!.input_median_delta), '', '', 'few']);
    expect(inputsDiffer({ inputs: { ...rows[0].inputs!, p_holm: 0.049 } })).toBe(true);
    expect(inputsDiffer({ inputs: { ...rows[0].inputs!, p_holm: 0.05 } })).toBe(false);
    expect(inputsDiffer(rows[2])).toBe(false);
  });

  it('with one side loaded, nothing is marked one-sided and nothing compared', async () => {
    const a = [await result('conv1', [1, 4, 6, 6], 1), await result('conv2', [1, 4, 6, 6], 2)];
    expect(layerRows(a, [], null, null, linearGrid(0, 1, 8)).map((r) => [r.match, r.comparison])).toEqual([['single', null], ['single', null]]);
    expect(layerRows([], a, null, null, linearGrid(0, 1, 8)).map((r) => [r.match, r.a, r.comparison])).toEqual([['single', null, null], ['single', null, null]]);
  });

  it('one input instead of the pooled batch', async () => {
    const a = [await result('conv', [3, 6, 7, 7], 7)];
    const rows = layerRows(a, [], 1, null, linearGrid(0, 1, 8));
    expect(rows[0].a!.summary.count + rows[0].a!.summary.dead + rows[0].a!.summary.nonfinite).toBe(6);
  });

  it('sort by any figure with missing ones last, and mark the layers that moved most', async () => {
    const a = [await result('x', [1, 8, 9, 9], 1), await result('y', [1, 8, 9, 9], 2), await result('z', [1, 8, 9, 9], 3)];
    const b = [await result('x', [1, 8, 9, 9], 1), await result('y', [1, 8, 9, 9], 22)];
    const rows = layerRows(a, b, null, null, linearGrid(0, 1, 8));
    const sorted = sortRows(rows, 'wasserstein', true);
    expect(sorted.map((r) => r.name)).toEqual(['y', 'x', 'z']);
    expect(sortRows(sorted, 'order', false).map((r) => r.name)).toEqual(['x', 'y', 'z']);
    expect(rows[0].comparison!.wasserstein).toBe(0);
    expect([...movedMost(rows)]).toEqual(['y']);
  });
});

describe('counts of maps without an SROP', () => {
  /** A row with only what sorting by counts reads: each side's dead and non-finite counts. */
  const row = (name: string, order: number, a: [number, number] | null, b: [number, number] | null) =>
    ({
      name,
      order,
      match: 'both',
      a: a && { summary: { dead: a[0], nonfinite: a[1] } },
      b: b && { summary: { dead: b[0], nonfinite: b[1] } },
      comparison: null,
    }) as unknown as LayerRow;

  it("sort by A's count, ties by B's, a side the layer lacks last", () => {
    const rows = [row('p', 0, [1, 0], [5, 2]), row('q', 1, [3, 1], [0, 0]), row('r', 2, [1, 4], [7, 1]), row('s', 3, null, [9, 9]), row('t', 4, [1, 0], [5, 0]), row('u', 5, [0, 0], null)];
    expect(sortRows(rows, 'dead', true).map((r) => r.name)).toEqual(['q', 'r', 'p', 't', 'u', 's']);
    expect(sortRows(rows, 'dead', false).map((r) => r.name)).toEqual(['u', 'p', 't', 'r', 'q', 's']);
    expect(sortRows(rows, 'nonfinite', true).map((r) => r.name)).toEqual(['r', 'q', 'p', 't', 'u', 's']);
    // Rows without A at all are ordered among themselves by B's count.
    const onlyB = [row('x', 0, null, [1, 0]), row('y', 1, null, [4, 0]), row('z', 2, [2, 0], [0, 0])];
    expect(sortRows(onlyB, 'dead', true).map((r) => r.name)).toEqual(['z', 'y', 'x']);
  });
});

describe('number formatting', () => {
  it('shows no minus sign on a value that rounds to zero', () => {
    expect(formatNumber(-0)).toBe('0.000');
    expect(formatNumber(-0.0004)).toBe('0.000');
    expect(formatNumber(-1e-12, 4)).toBe('0.0000');
    expect(formatNumber(-0.004, 2)).toBe('0.00');
    expect(formatNumber(-0.4, 0)).toBe('0');
    expect(formatNumber(-0.0006)).toBe('-0.001');
    expect(formatNumber(-1.5, 2)).toBe('-1.50');
    expect(formatNumber(0.25)).toBe('0.250');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(NaN)).toBe('–');
  });
});

describe('cumulative ring energy and channels', () => {
  it('the band rises to 1 at the last ring, quartiles ordered', async () => {
    const r = await result('conv', [2, 8, 12, 10], 9);
    const band = cumulativeBand(r, null);
    expect(band.maps).toBe(r.status.filter((s) => s === 0).length);
    const last = band.median.length - 1;
    expect(band.median[last]).toBeCloseTo(1, 12);
    for (let i = 0; i <= last; i++) {
      expect(band.q1[i]).toBeLessThanOrEqual(band.median[i] + 1e-15);
      expect(band.median[i]).toBeLessThanOrEqual(band.q3[i] + 1e-15);
      if (i > 0) expect(band.median[i]).toBeGreaterThanOrEqual(band.median[i - 1] - 1e-15);
    }
    // The curve starts at (0, 0); ring r's share is reached at its outer edge r + 1/2.
    expect([band.radius[0], band.median[0], band.q1[0], band.q3[0]]).toEqual([0, 0, 0, 0]);
    expect(band.radius[1]).toBeCloseTo(0.5 / 6, 12);
    expect(band.radius[last]).toBeCloseTo((r.profiles!.rings - 0.5) / 6, 12);
  });

  it('the SROP lies on the drawn curve for any kappa, interpolated or not', async () => {
    const base = await result('conv', [1, 8, 12, 10], 9);
    let checked = 0;
    for (const interpolate of [true, false]) {
      for (const kappa of [0.01, 0.05, 0.3, 0.5, 0.85, 0.99, 0.999]) {
        const r = recomputeLayer(base, { ...DEFAULT_PARAMS, kappa, interpolate });
        for (let m = 0; m < r.srop.length; m++) {
          const curve = mapCurve(r, m);
          const mark = curve && sropMark(r, m, curve);
          if (r.status[m] !== 0) {
            expect(curve).toBeNull();
            continue;
          }
          expect(mark!.x).toBe(r.srop[m]);
          expect(mark!.span[0]).toBeLessThanOrEqual(mark!.x + 1e-15);
          expect(mark!.x).toBeLessThanOrEqual(mark!.span[1] + 1e-15);
          // Independent of curveValueAt: the segment of ring r runs from C[r-1] to C[r].
          const ring = r.ring[m];
          const lo = curve!.median[ring], hi = curve!.median[ring + 1];
          const [x0, x1] = mark!.span;
          const expected = lo + ((hi - lo) * (mark!.x - x0)) / (x1 - x0);
          expect(mark!.y).toBeCloseTo(expected, 12);
          if (interpolate) expect(mark!.y).toBeCloseTo(kappa, 9);
          else {
            expect(mark!.x).toBeCloseTo(ring / 6, 12);
            // The ring is the first to reach kappa: the curve crosses kappa within its span.
            expect(lo).toBeLessThan(kappa + 1e-12);
            expect(hi).toBeGreaterThanOrEqual(kappa - 1e-12);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('channel rows: batch means or one input, sortable by change', async () => {
    const a = await result('conv', [2, 4, 7, 7], 1);
    const b = await result('conv', [2, 4, 7, 7], 2);
    const rows = channelRows(a, b, 0, 0);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.a).toBe(Number.isNaN(a.srop[row.channel]) ? null : a.srop[row.channel]);
      if (row.a !== null && row.b !== null) expect(row.change).toBeCloseTo(row.b - row.a, 15);
    }
    const pooled = channelRows(a, null, null, null);
    const c0 = [a.srop[0], a.srop[4]].filter((v) => !Number.isNaN(v));
    if (c0.length) expect(pooled[0].a).toBeCloseTo(c0.reduce((s, v) => s + v, 0) / c0.length, 15);
    // The table's heading says whose values are batch means: a pooled side of several inputs.
    expect(channelValuesNote('A', a, null)).toBe('A: batch means of 2 inputs');
    expect(channelValuesNote('B', b, 1)).toBe('B: input 1 of 2');
    expect(channelValuesNote('A', await result('one', [1, 4, 7, 7], 3), null)).toBeNull();
    expect(channelValuesNote('B', null, null)).toBeNull();
    // By the size of the change, the largest first, whatever its sign.
    const byChange = sortChannels(rows, 'change', true);
    const changes = byChange.map((r) => r.change).filter((v): v is number => v !== null);
    expect(changes.map(Math.abs)).toEqual([...changes].map(Math.abs).sort((x, y) => y - x));
    expect(changes.some((v) => v < 0) && changes.some((v) => v > 0)).toBe(true);
    expect(byChange.slice(changes.length).every((r) => r.change === null)).toBe(true);
  });
});

describe('centred log power spectrum', () => {
  it('equals a direct DFT, zero frequency in the middle (fftshift)', () => {
    const [h, w] = [5, 6];
    const map = syntheticMaps(1, h, w, 4, ['random']);
    const spectrum = centredLogPower(powerSpectrum64(map, h, w), h, w);
    for (let ky = 0; ky < h; ky++) {
      for (let kx = 0; kx < w; kx++) {
        let re = 0, im = 0;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          const a = -2 * Math.PI * (ky * y / h + kx * x / w);
          re += map[y * w + x] * Math.cos(a);
          im += map[y * w + x] * Math.sin(a);
        }
        const sy = (ky + 2) % h, sx = (kx + 3) % w;
        expect(spectrum.logPower[sy * w + sx]).toBeCloseTo(Math.log10(re * re + im * im), 9);
      }
    }
    expect(sropEllipse(0.5, 20, 10)).toEqual({ ry: 5, rx: 2.5 });
  });

  it('with dc = remove, shows the map minus its mean: the zero-frequency bin is empty, the rest as it was', () => {
    const [h, w] = [5, 6];
    const map = syntheticMaps(1, h, w, 4, ['random']);
    const kept = centredLogPower(powerSpectrum64(map, h, w), h, w);
    const mean = map.reduce((a, v) => a + v, 0) / map.length;
    const centred = centredLogPower(powerSpectrum64(map.map((v) => v - mean), h, w), h, w);
    const removed = centredLogPower(powerSpectrum64(map, h, w), h, w, 'remove');
    const dcAt = 2 * w + 3;
    expect(removed.logPower[dcAt]).toBe(-30);
    expect(kept.logPower[dcAt]).toBeGreaterThan(-30);
    for (let i = 0; i < h * w; i++) if (i !== dcAt) expect(removed.logPower[i]).toBeCloseTo(centred.logPower[i], 5);
  });
});

describe('per-map CSV of the page', () => {
  it('is the command CSV with a leading side column', async () => {
    const r = await result('conv', [1, 3, 7, 7], 5);
    const plain = mapsCsvRows(r).trim().split('\n');
    const sided = mapsCsvRows(r, 'B,').trim().split('\n');
    expect(sideMapsCsvHeader).toBe('side,layer,input,channel,height,width,srop,ring,energy,status,file,tensor');
    expect(sided).toEqual(plain.map((line) => `B,${line}`));
    // The page's rows end with the full tensor name: the layer's own name for a file's layer, the
    // tensor for a live feature map shown by its module path.
    expect(mapsCsvRows(r, 'B,', r.name, { tensorColumn: true }).trim().split('\n')).toEqual(plain.map((line) => `B,${line},conv`));
    const live = { ...r, name: 'layer1.0.relu_1', tensor: '/layer1/layer1.0/relu_1/Relu_output_0' };
    expect(mapsCsvRows(live, 'A,', live.name, { tensorColumn: true }).split('\n')[0]).toMatch(/^A,layer1\.0\.relu_1,0,0,.*,\/layer1\/layer1\.0\/relu_1\/Relu_output_0$/);
  });
});

describe('default focus (where the demo opens the layer and channel views)', () => {
  it('the layer with the largest Wasserstein distance, and its channel whose SROP changed most', async () => {
    const a = [await result('conv1', [1, 6, 16, 16], 1), await result('conv2', [1, 6, 8, 8], 2), await result('conv3', [1, 6, 8, 8], 3)];
    const b = [await result('conv1', [1, 6, 16, 16], 1), await result('conv2', [1, 6, 8, 8], 20), await result('conv3', [1, 6, 8, 8], 30)];
    const rows = layerRows(a, b, 0, 0, linearGrid(0, 1.5, 32));
    const most = [...rows].sort((x, y) => (y.comparison!.wasserstein ?? -1) - (x.comparison!.wasserstein ?? -1))[0];
    expect(rows[0].comparison!.wasserstein).toBe(0);
    const focus = defaultFocus(rows, 0, 0)!;
    expect(focus.layer).toBe(most.name);
    const changes = channelRows(most.a!.result, most.b!.result, 0, 0).filter((c) => c.change !== null);
    expect(Math.abs(changes.find((c) => c.channel === focus.channel)!.change!)).toBe(Math.max(...changes.map((c) => Math.abs(c.change!))));
    // Without B: the first layer, its first channel with an SROP.
    const alone = defaultFocus(layerRows(a, [], 0, null, linearGrid(0, 1.5, 8)), 0, null)!;
    expect(alone.layer).toBe('conv1');
    expect(channelRows(a[0], null, 0, null)[alone.channel].a).not.toBeNull();
    expect(defaultFocus([], null, null)).toBeNull();
  });
});

describe('layer rows pair a live map and a dump by either name', () => {
  it('a module path on A and the tensor name on B make one compared row; unrelated names stay apart', async () => {
    const liveRelu = { ...(await result('layer1.0.relu_1', [1, 4, 9, 7], 11)), tensor: '/layer1/layer1.0/relu_1/Relu_output_0' };
    const liveConv = { ...(await result('conv1', [1, 4, 9, 7], 12)), tensor: '/conv1/Conv_output_0' };
    const dumpRelu = await result('/layer1/layer1.0/relu_1/Relu_output_0', [1, 4, 9, 7], 13);
    const dumpOther = await result('fc_in', [1, 4, 9, 7], 14);
    const rows = layerRows([liveRelu, liveConv], [dumpRelu, dumpOther], null, null, linearGrid(0, 1.5, 32));
    expect(rows.map((r) => [r.name, r.match])).toEqual([['layer1.0.relu_1', 'both'], ['conv1', 'only-a'], ['fc_in', 'only-b']]);
    expect(rows[0].comparison).not.toBeNull();
    expect(rows[0].b!.result).toBe(dumpRelu);
    // The comparison CSV names the row as the views do, its full tensor name last; the columns
    // before it are the command's, unchanged.
    const csv = comparisonCsv(rows).trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]).toBe(compareCsvHeader);
    expect(csv[0].split(',').at(-1)).toBe('tensor');
    const fields = csv[1].split(',');
    expect(fields[0]).toBe('layer1.0.relu_1');
    expect(fields.at(-1)).toBe('/layer1/layer1.0/relu_1/Relu_output_0');
    expect(csv[1]).toBe(compareCsvRow({ layer: 'layer1.0.relu_1', ...rows[0].comparison! }, rows[0].inputs!, '/layer1/layer1.0/relu_1/Relu_output_0').trim());
    // Without a tensor name on either side: the layer's own name in its file; B's tensor when only B has one.
    expect(rowTensor({ name: 'conv1 (b2.npz)', a: null, b: { result: { name: 'conv1' } } as never })).toBe('conv1');
    expect(rowTensor({ name: 'x', a: { result: { name: 'x' } } as never, b: { result: { name: 'y', tensor: '/y/Relu_output_0' } } as never })).toBe('/y/Relu_output_0');
  });
});

describe('channels without an SROP say why', () => {
  it('dead or non-finite, per side, for the input shown or the whole batch', async () => {
    const { channelNoneReason } = await import('../src/analysis/layerDetail');
    const a = await result('odd', [2, 4, 6, 6], 21);
    // Channel 1 dead in both inputs, channel 2 non-finite in input 1 and dead in input 0.
    a.status[1] = 1; a.status[5] = 1; a.srop[1] = NaN; a.srop[5] = NaN;
    a.status[2] = 1; a.status[6] = 2; a.srop[2] = NaN; a.srop[6] = NaN;
    const pooled = channelRows(a, null, null, null);
    expect(pooled[1].noneA).toBe('dead');
    expect(pooled[2].noneA).toBe('nonfinite');
    expect(pooled[0].noneA).toBeUndefined();
    expect(channelRows(a, null, 0, null)[2].noneA).toBe('dead');
    expect(channelNoneReason('dead', false)).toMatch(/^dead: its map has no spectral energy/);
    expect(channelNoneReason('dead', true)).toMatch(/^dead: none of its maps in the batch has any spectral energy/);
    expect(channelNoneReason('nonfinite', false)).toMatch(/NaN or infinity/);
  });
});
