// The lab's statistics and model edits: occlusion grids, Pearson and Spearman (against values
// scipy gives), parameter randomisation of chosen layers only, checkpoint steps and accuracy tables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { occlusionGrid, pearson, ranks, spearman, sropDistance } from '../src/analysis/lab';
import { onnx, parseModel } from '../src/model/onnxGraph';
import { familyOf, keptLayers, moments, randomisedModel, weightLayers } from '../src/model/randomise';
import { floatToHalf, halfToFloat } from '../src/numeric/float16';
import { ModelSession } from '../src/model/runtime';
import { mixedModel } from '../src/testing/mixedModel';
import { parseAccuracyTable, stepOf } from '../src/io/checkpoints';

const demo = join(__dirname, '..', 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));

describe('lab statistics', () => {
  it('an occlusion grid reaches the far edge', () => {
    const grid = occlusionGrid(28, 28, 6, 2);
    expect(grid).toHaveLength(144);
    expect(grid.at(-1)).toEqual({ x: 22, y: 22 });
    expect(occlusionGrid(10, 7, 4, 4).map((p) => `${p.x},${p.y}`)).toEqual(['0,0', '4,0', '6,0', '0,3', '4,3', '6,3']);
  });

  it('Pearson and Spearman (ties by average rank) as scipy.stats computes them', () => {
    const a = [1, 2, 3, 4, 5, 6], b = [2, 1, 4, 3, 7, 5];
    // scipy.stats.pearsonr(a, b)[0] = 0.7917946548886294 (scipy 1.x here)
    expect(pearson(a, b)).toBeCloseTo(0.7917946548886294, 12);
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4])[0] = 0.9486832980505139
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505139, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(sropDistance([0.1, NaN, 0.3], [0.1, 0.3])).toBe(0);
    expect(sropDistance([NaN], [0.2])).toBeNull();
  });
});

describe('parameter randomisation', () => {
  it('re-draws only the chosen layers, with their trained mean and spread', () => {
    const parsed = parseModel(new Uint8Array(readFileSync(join(demo, manifest.final))), manifest.final);
    const layers = weightLayers(parsed);
    expect(layers.map((l) => l.opType)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Gemm']);
    const edited = onnx.ModelProto.decode(randomisedModel(parsed, [layers[4]]).bytes);
    const original = onnx.ModelProto.decode(parsed.bytes);
    const values = (m: typeof original, name: string) => {
      const t = m.graph!.initializer!.find((i) => i.name === name)!;
      return t.rawData?.length ? new Float32Array(Uint8Array.from(t.rawData).buffer) : Float32Array.from(t.floatData ?? []);
    };
    const stats = (v: Float32Array) => {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
    };
    for (const layer of layers) {
      for (const name of layer.initializers) {
        const before = values(original, name), after = values(edited, name);
        expect(after.length).toBe(before.length);
        if (layer.index !== 4) expect(after).toEqual(before);
        else {
          expect(after).not.toEqual(before);
          const s0 = stats(before), s1 = stats(after);
          // A fresh Gaussian draw of n values: mean and std within four standard errors.
          const n = before.length;
          expect(Math.abs(s1.mean - s0.mean)).toBeLessThan((4 * s0.std) / Math.sqrt(n));
          expect(Math.abs(s1.std - s0.std)).toBeLessThan((4 * s0.std) / Math.sqrt(2 * n));
        }
      }
    }
    // Seeded: the same draw twice.
    expect(randomisedModel(parsed, [layers[4]]).bytes).toEqual(randomisedModel(parsed, [layers[4]]).bytes);
  });
});

describe('randomisation of external-data, float16 and quantised weights', () => {
  it('re-draws external and float16 weights in their family, lists what it leaves (zeros, int8, BatchNorm), and the result runs', async () => {
    const { bytes, w1, w2, external } = mixedModel();
    const parsed = parseModel(bytes, 'mixed.onnx');
    const layers = weightLayers(parsed);
    expect(layers.map((l) => [l.name, l.initializers])).toEqual([['conv1', ['w1']], ['conv2', ['w2', 'b2']], ['conv3', ['w3']]]);
    expect(keptLayers(parsed).map((k) => k.layer)).toEqual(['bn1']);
    const variant = randomisedModel(parsed, layers, external);
    expect(variant.redrawn).toEqual([
      { layer: 'conv1', initializer: 'w1', dtype: 'float32', family: 'uniform', source: 'external' },
      { layer: 'conv2', initializer: 'w2', dtype: 'float16', family: 'gaussian', source: 'inline' },
    ]);
    expect(variant.skipped.map((s) => [s.initializer, s.reason])).toEqual([
      ['b2', 'all 4 values equal (0): nothing to draw from, left as trained'],
      ['w3', 'dtype int8 is not a float type (quantised weights are not re-drawn)'],
    ]);
    const model = onnx.ModelProto.decode(variant.bytes);
    const init = (name: string) => model.graph!.initializer!.find((t) => t.name === name)!;
    // w1 now inline, a uniform draw within the trained mean +- sqrt(3) std, not the trained values.
    expect(init('w1').dataLocation).toBe(0);
    const new1 = new Float32Array(Uint8Array.from(init('w1').rawData!).buffer);
    const m1 = moments(w1);
    expect(new1).toHaveLength(w1.length);
    expect(new1).not.toEqual(w1);
    for (const v of new1) expect(Math.abs(v - m1.mean)).toBeLessThanOrEqual(Math.sqrt(3) * m1.std * (1 + 1e-6));
    // w2 stays float16, with the trained mean and spread (four standard errors).
    const raw2 = Uint8Array.from(init('w2').rawData!);
    expect(raw2).toHaveLength(w2.length * 2);
    const new2 = Array.from(new Uint16Array(raw2.buffer), halfToFloat), old2 = Array.from(w2, halfToFloat);
    const s0 = moments(old2), s1 = moments(new2);
    expect(Math.abs(s1.mean - s0.mean)).toBeLessThan((4 * s0.std) / Math.sqrt(old2.length));
    expect(Math.abs(s1.std - s0.std)).toBeLessThan((4 * s0.std) / Math.sqrt(2 * old2.length));
    // Without its external-data file, w1 is listed as left out.
    expect(randomisedModel(parsed, [layers[0]]).skipped).toEqual([{ layer: 'conv1', initializer: 'w1', reason: 'its external-data file mixed.data was not given with the model' }]);
    // The randomised model runs, and its output moved.
    const input = Float32Array.from({ length: 100 }, (_, i) => (i % 7) / 7);
    const outputs = [];
    for (const b of [bytes, variant.bytes]) {
      const session = await ModelSession.create(parsed, b, 'wasm', external);
      outputs.push((await session.run('mixed.onnx', input, [1, 1, 10, 10], ['y'])).get('y')!.data);
      await session.release();
    }
    expect(outputs[1].every((v) => Number.isFinite(v))).toBe(true);
    expect(outputs[1]).not.toEqual(outputs[0]);
  });

  it('half-precision conversion round-trips, and the family follows the excess kurtosis', () => {
    // Within half a unit in the last place: 2^-11 relative, 2^-25 absolute among the subnormals.
    for (const v of [0, 1, -2.5, 0.1, 65504, 6e-5, -3e-7]) expect(Math.abs(halfToFloat(floatToHalf(v)) - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    const uniform = Array.from({ length: 1000 }, (_, i) => i / 999);
    expect(moments(uniform).excessKurtosis).toBeCloseTo(-1.2, 2);
    expect(familyOf(moments(uniform).excessKurtosis)).toBe('uniform');
    expect(familyOf(0.1)).toBe('gaussian');
    expect(familyOf(null)).toBe('gaussian');
  });
});

describe('checkpoints', () => {
  it('steps from file names, accuracies from a small table', () => {
    expect(stepOf('demo_step0400.onnx')).toBe(400);
    expect(stepOf('resnet-ckpt-12000.onnx')).toBe(12000);
    // A number in the model's name does not pass for the step when the step is named.
    expect(stepOf('resnet18_iter300.onnx')).toBe(300);
    expect(stepOf('vgg16-epoch7.onnx')).toBe(7);
    expect(stepOf('run_1200.onnx')).toBe(1200);
    expect(stepOf('model.onnx')).toBeNull();
    const table = parseAccuracyTable('file,accuracy\nckpt_100.onnx,0.91\n200,95.5%\n');
    expect(table.get('ckpt_100.onnx')).toBe(0.91);
    expect(table.get('200')).toBeCloseTo(0.955, 12);
    const fromManifest = parseAccuracyTable(JSON.stringify({ checkpoints: [{ file: 'a.onnx', step: 5, accuracy: 0.5 }, { file: 'b.onnx', step: 50, accuracy: 0.9 }] }));
    expect(fromManifest.get('b.onnx')).toBe(0.9);
    expect(fromManifest.steps?.get('a.onnx')).toBe(5);
  });
});
