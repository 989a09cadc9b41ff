// The architecture experiment and the multi-series training view through the LabStore in Node
// (onnxruntime-web's WASM backend): each model gets its own feature layers and sizes, the SROPs are
// those of a direct run of the same model, runs need two models, a bad file is named, and several
// checkpoint series keep their own layers and Spearman tables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { layerResult } from '../src/analysis/layerResult';
import { alignModels } from '../src/analysis/architecture';
import { defaultSelection, parseModel, withOutputs } from '../src/model/onnxGraph';
import { ModelSession } from '../src/model/runtime';
import { imageTensor, resizeBilinear, type RgbaImage } from '../src/model/preprocess';
import { LabStore } from '../src/session/labStore';
import { ModelStore } from '../src/session/modelStore';
import { Workspace } from '../src/session/workspace';

const demo = join(__dirname, '..', 'public', 'demo');
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(demo, file)));

function ring(size: number): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const v = Math.abs(Math.hypot(x - size / 2 + 0.3, y - size / 2) - size / 4) < size / 9 ? 255 : 0;
    data.set([v, v, v, 255], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

async function stores() {
  const engine = new CpuEngine();
  const model = new ModelStore(new Workspace(() => engine), () => false);
  const lab = new LabStore(model, () => ({ ...DEFAULT_PARAMS }), () => new CpuEngine());
  await model.loadModel([{ name: 'demo_step0000.onnx', blob: new Blob([bytesOf('demo_step0000.onnx')]) }]);
  // An awkward size: A's image is resized to the models' 28 x 28.
  model.setImage('A', 'ring.png', ring(31));
  await model.runSide('A');
  return { model, lab };
}

const source = (file: string, label: string, accuracy: number | null) => ({ label, name: file, blob: new Blob([bytesOf(file)]), accuracy });

describe('architecture experiment', () => {
  it('each model keeps its own layers and sizes; the SROPs are a direct run’s', async () => {
    const { model, lab } = await stores();
    await lab.runArchitecture([source('demo_step0000.onnx', 'plain', 0.1), source('residual_step0000.onnx', 'residual', 0.2), source('fullres_step0000.onnx', 'fullres', null)]);
    expect(lab.state.error).toBeNull();
    const result = lab.state.architecture!;
    expect(result.image).toBe('ring.png');
    expect(result.models.map((m) => m.layers.map((l) => l.height))).toEqual([[28, 14, 14, 7, 7], [28, 14, 14, 14, 7, 7, 7], [28, 28, 28, 28, 28]]);
    // The residual model's ReLUs after its residual sums are feature layers too.
    expect(result.models[1].layers.map((l) => l.name)).toContain('/Relu_3_output_0');
    // Direct: the same model on the same input, its maps' SROPs by the CPU engine.
    const parsed = parseModel(bytesOf('residual_step0000.onnx'), 'residual_step0000.onnx');
    const layers = defaultSelection(parsed.floatTensors);
    const session = await ModelSession.create(parsed, withOutputs(parsed, layers), 'wasm');
    const out = await session.run('r', imageTensor(resizeBilinear(model.state.inputs.A!.image!, 28, 28), model.state.preprocessing!), [1, 1, 28, 28], layers);
    await session.release();
    const t = out.get(layers[4])!;
    const direct = layerResult({ name: layers[4], file: '', shape: [1, t.dims[1], t.dims[2], t.dims[3]] }, await new CpuEngine().profileMaps(t.data, t.dims[1], t.dims[2], t.dims[3]), DEFAULT_PARAMS);
    expect(Array.from(result.models[1].layers[4].srops)).toEqual(Array.from(direct.srop).filter((v) => !Number.isNaN(v)));
    const stage = alignModels(result.models, 'stage');
    expect(stage.models[2].cells.map((c) => c?.layers.length ?? 0)).toEqual([5, 0, 0]);
  }, 120_000);

  it('needs two models; a file that is not ONNX is named and the last result stays', async () => {
    const { lab } = await stores();
    await lab.runArchitecture([source('demo_step0000.onnx', 'plain', 0.1)]);
    expect(lab.state.error).toBe('architecture: pick two or more models (1 picked)');
    await lab.runArchitecture([source('demo_step0000.onnx', 'plain', 0.1), source('maxpool_step0000.onnx', 'maxpool', 0.1)]);
    expect(lab.state.architecture?.models).toHaveLength(2);
    await lab.runArchitecture([source('demo_step0000.onnx', 'plain', 0.1), { label: 'notes', name: 'notes.onnx', blob: new Blob(['not a model']), accuracy: null }]);
    expect(lab.state.error).toMatch(/^architecture: notes\.onnx: not an ONNX model/);
    expect(lab.state.architecture?.models.map((m) => m.label)).toEqual(['plain', 'maxpool']);
  }, 120_000);
});

describe('training across structures', () => {
  it('several series: each its own layers, points in step order and Spearman table', async () => {
    const { lab } = await stores();
    const ck = (file: string, step: number, accuracy: number, series: string) => ({ name: file, step, accuracy, series, blob: new Blob([bytesOf(file)]) });
    await lab.runTraining([
      ck('residual_step0150.onnx', 150, 0.9, 'Residual'), ck('demo_step0050.onnx', 50, 0.2, 'Plain'), ck('residual_step0000.onnx', 0, 0.1, 'Residual'),
      ck('demo_step0000.onnx', 0, 0.09, 'Plain'), ck('residual_step0050.onnx', 50, 0.7, 'Residual'), ck('demo_step0150.onnx', 150, 0.6, 'Plain'),
    ]);
    expect(lab.state.error).toBeNull();
    const t = lab.state.training!;
    expect(t.series.map((s) => [s.name, s.layers.length, s.points.map((p) => p.step)])).toEqual([['Residual', 7, [0, 50, 150]], ['Plain', 5, [0, 50, 150]]]);
    expect(t.points).toBe(t.series[0].points);
    for (const s of t.series) expect(s.spearman).toHaveLength(s.layers.length);
  }, 120_000);
});
