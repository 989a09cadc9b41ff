// The lab's statistics and model edits: occlusion grids, Pearson and Spearman (against values
// scipy gives), parameter randomisation of chosen layers only, checkpoint steps and accuracy tables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { occlusionGrid, pearson, ranks, spearman, sropDistance } from '../src/analysis/lab';
import { onnx, parseModel } from '../src/model/onnxGraph';
import { randomisedModel, weightLayers } from '../src/model/randomise';
import { parseAccuracyTable, stepOf } from '../src/ui/labStore';

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
    const edited = onnx.ModelProto.decode(randomisedModel(parsed, [layers[4]]));
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
    expect(randomisedModel(parsed, [layers[4]])).toEqual(randomisedModel(parsed, [layers[4]]));
  });
});

describe('checkpoints', () => {
  it('steps from file names, accuracies from a small table', () => {
    expect(stepOf('demo_step0400.onnx')).toBe(400);
    expect(stepOf('resnet-ckpt-12000.onnx')).toBe(12000);
    expect(stepOf('model.onnx')).toBeNull();
    const table = parseAccuracyTable('file,accuracy\nckpt_100.onnx,0.91\n200,95.5%\n');
    expect(table.get('ckpt_100.onnx')).toBe(0.91);
    expect(table.get('200')).toBeCloseTo(0.955, 12);
    const fromManifest = parseAccuracyTable(JSON.stringify({ checkpoints: [{ file: 'a.onnx', step: 5, accuracy: 0.5 }, { file: 'b.onnx', step: 50, accuracy: 0.9 }] }));
    expect(fromManifest.get('b.onnx')).toBe(0.9);
    expect(fromManifest.steps?.get('a.onnx')).toBe(5);
  });
});
