// The live-model pieces that run without a browser: ONNX parsing and output editing (onnx-proto),
// the runtime (onnxruntime-web's WASM backend in Node), preprocessing, variants, top-5.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSelection, ModelError, onnx, parseLabels, parseModel, withOutputs } from '../src/model/onnxGraph';
import { ModelSession, runtimeMessage } from '../src/model/runtime';
import { externalConvModel } from '../src/testing/mixedModel';
import { addNoise, blank, blur, defaultPreprocessing, imageTensor, normalisationProblem, occlude, resizeBilinear, type RgbaImage } from '../src/model/preprocess';
import { topFive } from '../src/analysis/classes';

const root = join(__dirname, '..');
const torchModel = new Uint8Array(readFileSync(join(root, 'test', 'fixtures', 'model', 'torch_cnn.onnx')));

function grey(width: number, height: number, value: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const v = value(x, y);
    data.set([v, v, v, 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

describe('ONNX graph', () => {
  it('lists the float tensors of a PyTorch export by role, with ReLUs after convolutions and the residual Add chosen, in network order', () => {
    const parsed = parseModel(torchModel, 'torch_cnn.onnx');
    expect(parsed.inputs).toEqual([{ name: 'input', dims: [1, 3, 32, 32], elemType: 1 }]);
    expect(parsed.outputs).toEqual(['scores']);
    expect(defaultSelection(parsed.floatTensors)).toEqual(['/stem/relu/Relu_output_0', '/block1/relu/Relu_output_0', '/Add_output_0', '/block2/relu/Relu_output_0', '/block3/relu/Relu_output_0']);
    const roles = new Set(parsed.floatTensors.map((c) => c.role));
    for (const g of ['conv', 'activation', 'pooling', 'block']) expect(roles.has(g as never)).toBe(true);
  });

  it('adds chosen tensors to the outputs, and the runtime (WASM, in Node) returns them', async () => {
    const parsed = parseModel(torchModel, 'torch_cnn.onnx');
    const chosen = defaultSelection(parsed.floatTensors);
    const edited = withOutputs(parsed, chosen);
    // Not re-encoded: the model's own bytes come first, untouched, and only the outputs follow.
    expect(Buffer.from(edited.subarray(0, torchModel.length)).equals(Buffer.from(torchModel))).toBe(true);
    expect(edited.length - torchModel.length).toBeLessThan(60 * chosen.length);
    expect(withOutputs(parsed, ['scores'])).toBe(parsed.bytes);
    const session = await ModelSession.create(parsed, edited, 'wasm');
    // The runtime merges the appended outputs into the graph (protobufjs would not: its decode
    // keeps the last graph message met, so the runtime is the judge here).
    expect(session.outputNames).toEqual(['scores', ...chosen]);
    const input = readFileSync(join(root, 'test', 'fixtures', 'model', 'input.npy'));
    const values = new Float32Array(input.buffer.slice(input.byteOffset + input.length - 3 * 32 * 32 * 4, input.byteOffset + input.length));
    const out = await session.run('torch_cnn.onnx', values, [1, 3, 32, 32], [...chosen, 'scores']);
    expect(out.get('/stem/relu/Relu_output_0')!.dims).toEqual([1, 8, 32, 32]);
    expect(out.get('/block3/relu/Relu_output_0')!.dims).toEqual([1, 16, 8, 8]);
    expect(out.get('scores')!.dims).toEqual([1, 5]);
    await session.release();
  });

  it('keeps fields the protobuf schema here does not know (a newer IR): the runtime still runs the model with the added outputs', async () => {
    // Field 100 of ModelProto (unknown to every IR so far: skipped by the runtime, dropped by a
    // decode and encode through onnx-proto), a varint, appended to the PyTorch export.
    const unknown = new Uint8Array([0xa0, 0x06, 0x2a]);
    const bytes = new Uint8Array(torchModel.length + unknown.length);
    bytes.set(torchModel);
    bytes.set(unknown, torchModel.length);
    const parsed = parseModel(bytes, 'newer.onnx');
    const chosen = defaultSelection(parsed.floatTensors).slice(0, 2);
    const edited = withOutputs(parsed, chosen);
    expect(Buffer.from(edited.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(onnx.ModelProto.encode(onnx.ModelProto.decode(bytes)).finish()).includes(Buffer.from(unknown)), 'a decode and encode drops it').toBe(false);
    const session = await ModelSession.create(parsed, edited, 'wasm');
    expect(session.outputNames).toEqual(['scores', ...chosen]);
    const out = await session.run('newer.onnx', new Float32Array(3 * 32 * 32).fill(0.5), [1, 3, 32, 32], chosen);
    expect(out.get(chosen[0])!.dims).toEqual([1, 8, 32, 32]);
    await session.release();
  });

  it('refuses what is not a model, naming the file', () => {
    expect(() => parseModel(new TextEncoder().encode('hello, not a model'), 'notes.onnx')).toThrow(ModelError);
    expect(() => parseModel(new TextEncoder().encode('hello, not a model'), 'notes.onnx')).toThrow(/^notes\.onnx: not an ONNX model/);
    expect(() => parseModel(new Uint8Array(0), 'empty.onnx')).toThrow(/^empty\.onnx: not an ONNX model/);
  });

  it('an operator the runtime lacks is reported as such', async () => {
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 1 }, { dimValue: 4 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        node: [{ opType: 'Relu', input: ['x'], output: ['r'] }, { opType: 'NoSuchOperator', input: ['r'], output: ['y'] }],
      },
    }).finish();
    const parsed = parseModel(model, 'odd.onnx');
    await expect(ModelSession.create(parsed, model, 'wasm')).rejects.toThrow(/^odd\.onnx: the runtime cannot run this model/);
  });

  it('a model whose weights are in an external-data file runs with that file given beside it', async () => {
    const { bytes: model, weights } = externalConvModel(6);
    const parsed = parseModel(model, 'external.onnx');
    // Conv, ReLU, Sigmoid: two activations in a row, both chosen.
    expect(defaultSelection(parsed.floatTensors)).toEqual(['r', 'y']);
    const session = await ModelSession.create(parsed, withOutputs(parsed, ['r']), 'wasm', [{ path: 'weights.bin', data: new Uint8Array(weights.buffer) }]);
    const out = await session.run('external.onnx', new Float32Array(36).fill(1), [1, 1, 6, 6], ['r']);
    // All-ones input: each output is the sum of the kernel's weights, ReLU'd.
    const sums = [0, 1].map((o) => Math.max(0, weights.subarray(o * 9, o * 9 + 9).reduce((a, b) => a + b, 0)));
    expect(out.get('r')!.dims).toEqual([1, 2, 4, 4]);
    expect(out.get('r')!.data[0]).toBe(sums[0]);
    expect(out.get('r')!.data[16]).toBe(sums[1]);
    await session.release();
    await expect(ModelSession.create(parsed, model, 'wasm')).rejects.toThrow(/^external\.onnx: the runtime cannot run this model/);
  });

  it('labels from a text file or a JSON array', () => {
    expect(parseLabels('cat\ndog\n\nbird\n')).toEqual(['cat', 'dog', 'bird']);
    expect(parseLabels('["a", "b"]')).toEqual(['a', 'b']);
  });
});

describe('preprocessing', () => {
  it('leaves an image at the input size unresampled; bilinear otherwise (half-pixel centres)', () => {
    const img = grey(4, 2, (x) => x * 60);
    expect(resizeBilinear(img, 4, 2)).toBe(img);
    const half = resizeBilinear(img, 2, 1);
    // Output pixel 0 samples at x = 0.5 (between 0 and 60), pixel 1 at x = 2.5 (between 120 and 180).
    expect([half.data[0], half.data[4]]).toEqual([30, 150]);
  });

  it('greyscale scaled to [0, 1] is exact; RGB takes ImageNet mean and std', () => {
    const img = grey(3, 3, (x, y) => x * 80 + y);
    const p1 = defaultPreprocessing([1, 1, 3, 3]);
    expect(p1).toMatchObject({ channels: 1, height: 3, width: 3, mean: [0], std: [1] });
    const t1 = imageTensor(img, p1);
    expect(t1[4]).toBe(Math.fround(81 / 255));
    const p3 = defaultPreprocessing([1, 3, null, null]);
    expect(p3).toMatchObject({ channels: 3, height: 224, width: 224 });
    const t3 = imageTensor(img, { ...p3, height: 3, width: 3 });
    expect(t3[9 + 4]).toBeCloseTo((81 / 255 - 0.456) / 0.224, 6);
  });

  it('one mean or std applies to every channel; unusable lists are refused with the reason', () => {
    const img = grey(3, 3, (x, y) => x * 80 + y);
    const p3 = { ...defaultPreprocessing([1, 3, 3, 3]), mean: [0.5], std: [0.25] };
    const t = imageTensor(img, p3);
    for (const c of [0, 1, 2]) expect(t[c * 9 + 4]).toBeCloseTo((81 / 255 - 0.5) / 0.25, 6);
    expect(normalisationProblem('std', [0.2, 0.2, 0.2], 3)).toBeNull();
    expect(normalisationProblem('mean', [0.1], 3)).toBeNull();
    expect(normalisationProblem('std', [0], 1)).toMatch(/std needs values above 0/);
    expect(normalisationProblem('std', [-1, 1, 1], 3)).toMatch(/above 0/);
    expect(normalisationProblem('mean', [Number.NaN], 1)).toMatch(/mean needs numbers/);
    expect(normalisationProblem('mean', [0.5, 0.5, 0.5], 1)).toMatch(/one value, or one per channel \(1\); got 3/);
    expect(normalisationProblem('std', [1, 1], 3)).toMatch(/one per channel \(3\); got 2/);
  });

  it("the runtime's message keeps its detail lines, on one line", () => {
    const error = new Error('failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: Got invalid dimensions for input: input for the following indices\n index: 2 Got: 56 Expected: 28\n\n Please fix either the inputs/outputs or the model.');
    expect(runtimeMessage(error)).toBe('failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: Got invalid dimensions for input: input for the following indices index: 2 Got: 56 Expected: 28 Please fix either the inputs/outputs or the model.');
    expect(runtimeMessage(new Error('x'.repeat(1000)))).toHaveLength(600);
    expect(runtimeMessage('')).toBe('unknown error');
  });

  it('variants for B: occlusion, blank, seeded noise, blur keeping the mean', () => {
    const img = grey(8, 8, (x, y) => (x + y) * 10);
    const o = occlude(img, { x: 2, y: 2, width: 3, height: 3 });
    expect(o.data[(3 * 8 + 3) * 4]).toBe(0);
    expect(o.data[(0 * 8 + 7) * 4]).toBe(70);
    expect(img.data[(3 * 8 + 3) * 4]).toBe(60);
    expect(Array.from(blank(img).data).filter((_, i) => i % 4 === 0).every((v) => v === 0)).toBe(true);
    expect(addNoise(img, 20, 3).data).toEqual(addNoise(img, 20, 3).data);
    expect(addNoise(img, 20, 3).data).not.toEqual(img.data);
    const b = blur(img, 1);
    const mean = (d: Uint8ClampedArray) => Array.from(d).filter((_, i) => i % 4 === 0).reduce((a, v) => a + v, 0) / 64;
    expect(Math.abs(mean(b.data) - mean(img.data))).toBeLessThan(1.5);
  });

  it('top five: softmax of logits, or the probabilities as given', () => {
    const top = topFive(Float32Array.from([0, 3, 1, 0, 0, 2]), ['a', 'b', 'c', 'd', 'e', 'f']);
    expect(top.map((p) => p.label)).toEqual(['b', 'f', 'c', 'a', 'd']);
    expect(top[0].probability).toBeCloseTo(Math.exp(3) / (3 + Math.exp(3) + Math.exp(1) + Math.exp(2)), 6);
    expect(topFive(Float32Array.from([0.1, 0.7, 0.2]), null)[0]).toMatchObject({ label: 'class 1', probability: expect.closeTo(0.7, 6) });
  });
});
