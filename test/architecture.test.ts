// The architecture check's numbers: layers aligned by relative depth and by resolution stage (with
// models of awkward layer counts and sizes), pooled quartiles, correlations across models against
// the lab's Pearson and Spearman, the demo manifest's structures, checkpoint series from file names,
// and the view's CSV and JSON exports against the aligned numbers.
import { describe, expect, it } from 'vitest';
import { alignModels, depthBin, layerStats, stageOf, type ArchitectureModel } from '../src/analysis/architecture';
import { pearson, spearman } from '../src/analysis/lab';
import { quantileSorted } from '../src/analysis/summary';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { architectureCsv, architectureJson } from '../src/ui/architectureExports';
import type { ArchitectureResult } from '../src/session/architectureLab';
import { preprocessingFor } from '../src/session/architectureLab';
import { demoStructures } from '../src/session/demoStructures';
import { checkpointsFrom, parseAccuracyTable, seriesOf } from '../src/session/labStore';
import type { ParsedModel } from '../src/model/onnxGraph';
import type { Preprocessing } from '../src/model/preprocess';

/** A model of the given layer sizes, each layer's SROPs a seeded ramp (with a NaN where asked). */
function model(label: string, input: number, sizes: number[], accuracy: number | null, offset = 0, withNaN = false): ArchitectureModel {
  return {
    label,
    file: `${label}.onnx`,
    accuracy,
    inputHeight: input,
    inputWidth: input,
    layers: sizes.map((size, i) => ({
      name: `${label}/relu${i}`,
      height: size,
      width: size + 1,
      srops: Float64Array.from({ length: 3 + i }, (_, k) => (k === 1 && withNaN ? NaN : offset + 0.1 * i + 0.013 * k * (i + 1))),
    })),
  };
}

const quartilesOf = (values: number[]) => {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  return { q1: quantileSorted(sorted, 0.25), median: quantileSorted(sorted, 0.5), q3: quantileSorted(sorted, 0.75) };
};

describe('alignment', () => {
  const a = model('plain', 28, [28, 14, 14, 7, 7], 0.98);
  const b = model('residual', 28, [28, 14, 14, 14, 7, 7, 7], 0.99, 0.05, true);
  const c = model('fullres', 28, [28, 28, 28, 28, 28], 0.97, -0.02);

  it('relative depth: as many bins as the shallowest model has layers; deeper models pool neighbours', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((k) => depthBin(k, 7, 5))).toEqual([1, 2, 3, 3, 4, 5, 5]);
    expect([1, 2, 3, 4, 5].map((k) => depthBin(k, 5, 5))).toEqual([1, 2, 3, 4, 5]);
    expect([1, 2, 3].map((k) => depthBin(k, 3, 2))).toEqual([1, 2, 2]);
    const s = alignModels([a, b, c], 'depth');
    expect(s.positions.map((p) => p.label)).toEqual(['depth 0-1/5', 'depth 1/5-2/5', 'depth 2/5-3/5', 'depth 3/5-4/5', 'depth 4/5-1']);
    expect(s.models[1].cells.map((cell) => cell!.layers.map((l) => l.split('/')[1]))).toEqual([['relu0'], ['relu1'], ['relu2', 'relu3'], ['relu4'], ['relu5', 'relu6']]);
    // A pooled cell's quartiles are those of its layers' SROPs together, NaN left out.
    const pooled = [...b.layers[2].srops, ...b.layers[3].srops];
    expect(s.models[1].cells[2]).toMatchObject({ ...quartilesOf(pooled), count: pooled.filter((v) => !Number.isNaN(v)).length });
    expect(layerStats(b).map((l) => l.depth)).toEqual([1, 2, 3, 4, 5, 6, 7].map((k) => k / 7));
  });

  it('resolution stage: halvings of the input; a model without downsampling has only the first stage', () => {
    expect([28, 14, 7, 4, 2].map((h) => stageOf(28, h))).toEqual([0, 1, 2, 3, 4]);
    expect(stageOf(224, 112)).toBe(1);
    const s = alignModels([a, b, c], 'stage');
    expect(s.positions.map((p) => p.label)).toEqual(['1/1 (28x29)', '1/2 (14x15)', '1/4 (7x8)']);
    expect(s.models[2].cells.map((cell) => cell?.layers.length ?? null)).toEqual([5, null, null]);
    expect(s.models[0].cells.map((cell) => cell!.layers.length)).toEqual([1, 2, 2]);
    expect(s.models[2].cells[0]!.median).toBe(quartilesOf(c.layers.flatMap((l) => [...l.srops])).median);
  });

  it('correlations across models: the SROP summary (mean of layer medians) against accuracy; none under three models', () => {
    const d = model('maxpool', 28, [28, 14, 14, 7, 7], 0.985, 0.03);
    const models = [a, b, c, d];
    const s = alignModels(models, 'depth');
    const summaries = models.map((m) => {
      const medians = layerStats(m).map((l) => l.median!);
      return medians.reduce((x, y) => x + y, 0) / medians.length;
    });
    s.models.forEach((m, i) => expect(m.summary).toBeCloseTo(summaries[i], 14));
    const acc = models.map((m) => m.accuracy!);
    expect(s.overall).toEqual({ n: 4, pearson: pearson(summaries, acc), spearman: spearman(summaries, acc) });
    // The offsets order the models as their accuracies do: Spearman 1.
    expect(s.overall.spearman).toBeCloseTo(1, 12);
    const cellMedians = s.models.map((m) => m.cells[4]!.median!);
    expect(s.perPosition[4]).toEqual({ n: 4, pearson: pearson(cellMedians, acc), spearman: spearman(cellMedians, acc) });
    // A model without an accuracy leaves the correlation; two left are too few.
    const few = alignModels([a, b, model('unknown', 28, [14, 7], null)], 'stage');
    expect(few.overall).toEqual({ n: 2, pearson: null, spearman: null });
    expect(few.models[2].accuracy).toBeNull();
  });

  it('exports carry the aligned numbers and the correlations', () => {
    const result: ArchitectureResult = {
      image: 'digit3.png',
      notes: [],
      models: [a, b, c].map((m, i) => ({ ...m, structure: ['strided', 'residual', null][i], step: [12000, 12000, null][i], preprocessing: '1x28x28' })),
    };
    const s = alignModels(result.models, 'stage');
    const csv = architectureCsv(result, s, DEFAULT_PARAMS).trim().split('\n');
    expect(csv).toContain('# alignment: resolution stage');
    const header = csv.indexOf('model,file,structure,step,accuracy,position,layers,maps,median,q1,q3');
    const rows = csv.slice(header + 1).map((l) => l.split(','));
    expect(rows).toHaveLength(3 * 3 + 3);
    const row = rows.find((r) => r[0] === 'residual' && r[5] === '1/2 (14x15)')!;
    expect(Number(row[8])).toBe(s.models[1].cells[1]!.median);
    expect(Number(row[9])).toBe(s.models[1].cells[1]!.q1);
    expect(rows.find((r) => r[0] === 'fullres' && r[5] === '1/4 (7x8)')!.slice(7)).toEqual(['0', '', '', '']);
    expect(Number(rows.find((r) => r[0] === 'plain' && r[5] === 'summary')![8])).toBe(s.models[0].summary);
    const json = architectureJson(result, s) as { models: Array<{ layers: Array<{ srops: number[] }>; cells: unknown[] }> };
    expect(json.models[1].layers[0].srops).toEqual(Array.from(b.layers[0].srops));
    expect(JSON.parse(JSON.stringify(json)).models[0].cells).toEqual(JSON.parse(JSON.stringify(s.models[0].cells)));
  });
});

describe('models and their inputs', () => {
  const page: Preprocessing = { width: 28, height: 28, channels: 1, scaleTo01: true, mean: [0.1], std: [0.5] };
  const parsed = (dims: Array<number | string | null>) => ({ inputs: [{ name: 'x', dims, elemType: 1 }] }) as unknown as ParsedModel;
  it('a model of the page’s input takes the page’s preprocessing; one of another size its own', () => {
    expect(preprocessingFor(parsed([1, 1, 28, 28]), page)).toEqual({ p: page, own: false });
    expect(preprocessingFor(parsed(['n', 1, 'h', 'w']), page)).toEqual({ p: page, own: false });
    expect(preprocessingFor(parsed([1, 1, 32, 30]), page)).toEqual({ p: { ...page, height: 32, width: 30 }, own: true });
    expect(preprocessingFor(parsed([1, 3, 32, 32]), page).p).toMatchObject({ channels: 3, height: 32, width: 32, mean: [0.485, 0.456, 0.406] });
  });
});

describe('demo structures and checkpoint series', () => {
  it('reads the structures a manifest lists, and a manifest without them as one structure', () => {
    const one = demoStructures({ checkpoints: [{ file: 'a_step1.onnx', step: 1, accuracy: 0.5 }, { file: 'a_step2.onnx', step: 2 }], final: 'a_step2.onnx' });
    expect(one).toEqual([{ id: 'demo', name: 'Demo CNN', description: '', checkpoints: [{ file: 'a_step1.onnx', step: 1, accuracy: 0.5 }, { file: 'a_step2.onnx', step: 2, accuracy: null }], final: 'a_step2.onnx' }]);
    const two = demoStructures({ checkpoints: [], structures: [{ id: 'x', name: 'X', checkpoints: [{ file: 'x_step3.onnx', step: 3, accuracy: 0.9 }] }, { id: 'y', checkpoints: [{ file: 'y_step3.onnx', step: 3, accuracy: 0.8 }], final: 'y_step3.onnx' }] });
    expect(two.map((s) => [s.id, s.name, s.final])).toEqual([['x', 'X', 'x_step3.onnx'], ['y', 'y', 'y_step3.onnx']]);
    expect(() => demoStructures({ structures: [{ id: 'z', checkpoints: [{ file: 'z.onnx' }] }] })).toThrow('manifest.json: structure z: checkpoint 1 has no file name or no step');
    expect(() => demoStructures({})).toThrow('manifest.json lists no checkpoints');
  });

  it('the series of a checkpoint file is its name without the step; a manifest’s structures name them', () => {
    expect(['residual_step0400.onnx', 'maxpool-epoch12.onnx', 'run_7.onnx', 'ckpt-5.onnx', 'step100.onnx'].map(seriesOf)).toEqual(['residual', 'maxpool', 'run', 'ckpt', 'step']);
    const files = ['residual_step0400.onnx', 'maxpool_step0400.onnx', 'residual_step0000.onnx'].map((name) => ({ name }));
    expect(checkpointsFrom(files, null).checkpoints.map((c) => `${c.series}:${c.step}`)).toEqual(['residual:400', 'maxpool:400', 'residual:0']);
    const table = parseAccuracyTable(JSON.stringify({
      checkpoints: [{ file: 'demo_step0000.onnx', step: 0, accuracy: 0.1 }],
      structures: [{ id: 'strided', name: 'Plain', checkpoints: [{ file: 'demo_step0000.onnx', step: 0, accuracy: 0.1 }] }, { id: 'residual', name: 'Residual', checkpoints: [{ file: 'r.onnx', step: 9, accuracy: 0.7 }] }],
    }));
    expect(table.structures).toEqual(new Map([['demo_step0000.onnx', 'Plain'], ['r.onnx', 'Residual']]));
    expect(checkpointsFrom([{ name: 'r.onnx' }, { name: 'demo_step0000.onnx' }], table).checkpoints.map((c) => [c.series, c.step, c.accuracy])).toEqual([['Residual', 9, 0.7], ['Plain', 0, 0.1]]);
  });
});
