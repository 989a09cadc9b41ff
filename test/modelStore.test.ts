// The page's model store in Node (onnxruntime-web's WASM backend): labels belong to the model that
// is loaded, a labels file must match its class count, .npy drops are inputs or activations by
// shape, graph outputs are candidate feature maps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { onnx } from '../src/model/onnxGraph';
import { ModelStore } from '../src/session/modelStore';
import { Workspace } from '../src/session/workspace';
import { float32Npy } from '../src/testing/npyFile';

const root = join(__dirname, '..');
const demo = join(root, 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
export const fileOf = (path: string, name = path.split('/').at(-1)!) => ({ name, blob: new Blob([readFileSync(path)]) });
const torchModel = join(root, 'test', 'fixtures', 'model', 'torch_cnn.onnx');
const torchInput = join(root, 'test', 'fixtures', 'model', 'input.npy');

export function pageStores(): { workspace: Workspace; model: ModelStore } {
  const engine = new CpuEngine();
  const workspace = new Workspace(() => engine);
  return { workspace, model: new ModelStore(workspace, () => false) };
}

describe('labels belong to the model', () => {
  it('the demo’s labels do not carry over to a model without labels; a labels file must match the class count', async () => {
    const { model } = pageStores();
    await model.loadModel([fileOf(join(demo, manifest.final))], { labels: manifest.labels });
    expect(model.state.labels).toEqual(manifest.labels);
    expect(model.state.classCount).toBe(10);

    await model.loadModel([fileOf(torchModel)]);
    expect(model.state.model?.name).toBe('torch_cnn.onnx');
    expect(model.state.classCount).toBe(5);
    expect(model.state.labels).toBeNull();
    await model.setTensorFile('A', fileOf(torchInput));
    expect(model.state.predictions.A?.map((p) => p.label).every((l) => /^class \d$/.test(l))).toBe(true);

    await model.loadLabels({ name: 'three.txt', blob: new Blob(['cat\ndog\nbird\n']) });
    expect(model.state.error).toBe('three.txt: 3 labels, but torch_cnn.onnx has 5 classes; the labels were not used');
    expect(model.state.labels).toBeNull();

    await model.loadLabels({ name: 'five.txt', blob: new Blob(['a\nb\nc\nd\ne\n']) });
    expect(model.state.error).toBeNull();
    expect(model.state.labels).toEqual(['a', 'b', 'c', 'd', 'e']);
    await model.runSide('A');
    expect(model.state.predictions.A?.every((p) => ['a', 'b', 'c', 'd', 'e'][p.index] === p.label)).toBe(true);

    // The next model starts without them again.
    await model.loadModel([fileOf(join(demo, manifest.final))]);
    expect(model.state.labels).toBeNull();
  });

  it('a labels file with no model loaded is refused with the reason', async () => {
    const { model } = pageStores();
    await model.loadLabels({ name: 'labels.txt', blob: new Blob(['a\nb\n']) });
    expect(model.state.error).toBe('labels.txt: no model is loaded to take these labels; load the model first');
    expect(model.state.labels).toBeNull();
  });
});

describe('candidate feature maps', () => {
  it('a 4-D float graph output is offered (and chosen when it follows a convolution), and runs as a live layer', async () => {
    const weights = Float32Array.from({ length: 3 * 1 * 3 * 3 }, (_, i) => ((i * 7) % 5) - 2);
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'backbone',
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 1, 10, 10].map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: 'features', type: { tensorType: { elemType: 1 } } }],
        initializer: [{ name: 'w', dims: [3, 1, 3, 3], dataType: 1, rawData: new Uint8Array(weights.buffer) }],
        node: [{ opType: 'Conv', input: ['x', 'w'], output: ['c'] }, { opType: 'Relu', input: ['c'], output: ['features'] }],
      },
    }).finish();
    const { workspace, model } = pageStores();
    await model.loadModel([{ name: 'backbone.onnx', blob: new Blob([new Uint8Array(bytes)]) }]);
    expect(model.state.error).toBeNull();
    expect(model.state.candidates.map((c) => [c.tensor, c.dims])).toEqual([['c', [1, 3, 8, 8]], ['features', [1, 3, 8, 8]]]);
    expect(model.state.selected).toEqual(['features']);
    await model.setTensorFile('A', { name: 'x.npy', blob: new Blob([float32Npy(new Float32Array(100).map((_, i) => i % 10), [1, 1, 10, 10])]) });
    expect(model.state.error).toBeNull();
    await workspace.idle();
    expect(workspace.results('A').map((r) => [r.name, r.shape])).toEqual([['features', [1, 3, 8, 8]]]);
  });
});

describe('a .npy dropped on a pane with a model loaded', () => {
  it('is the model input when its shape fits, and stays an activation file otherwise; the notice says which', async () => {
    const { model } = pageStores();
    await model.loadModel([fileOf(torchModel)]);
    expect(await model.takeDroppedTensor('B', fileOf(torchInput))).toBe('input');
    expect(model.state.inputs.B).toMatchObject({ name: 'input.npy', image: null });
    expect(model.state.inputs.B?.tensor).toHaveLength(3 * 32 * 32);
    expect(model.state.predictions.B).toHaveLength(5);
    expect(model.state.notice).toBe("input.npy: shape 1x3x32x32 is the model's input shape; taken as B's model input");

    const acts = { name: 'relu1.npy', blob: new Blob([float32Npy(new Float32Array(8 * 16 * 16), [1, 8, 16, 16])]) };
    expect(await model.takeDroppedTensor('A', acts)).toBe('activations');
    expect(model.state.inputs.A).toBeNull();
    expect(model.state.notice).toBe("relu1.npy: shape 1x8x16x16 is not the model's input shape 1x3x32x32; opened as activations on A");
  });
});
