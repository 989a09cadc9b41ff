// The page's model store in Node (onnxruntime-web's WASM backend): labels belong to the model that
// is loaded, a labels file must match its class count, .npy drops are inputs or activations by
// shape, graph outputs are candidate feature maps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { onnx } from '../src/model/onnxGraph';
import { ModelStore } from '../src/ui/modelStore';
import { Workspace } from '../src/ui/workspace';

const root = join(__dirname, '..');
const demo = join(root, 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
export const fileOf = (path: string, name = path.split('/').at(-1)!) => ({ name, blob: new Blob([readFileSync(path)]) });
const torchModel = join(root, 'test', 'fixtures', 'model', 'torch_cnn.onnx');
const torchInput = join(root, 'test', 'fixtures', 'model', 'input.npy');

export function pageStores(): { workspace: Workspace; model: ModelStore } {
  const workspace = new Workspace(() => new CpuEngine());
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

void onnx;
