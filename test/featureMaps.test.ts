// Which tensors the page offers and chooses, and how it reads them: small graphs, one per pattern
// (SiLU and Hardswish as gate x input, residual Adds with the skip on either side, Concat blocks, a
// channel shuffle, a channels-last island between two Transposes, 1 x 1 maps), parsed, and where
// the runtime matters, loaded into the page's model store (onnxruntime-web's WASM backend in Node).
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { defaultSelection, inNetworkOrder, parseModel, withOutputs } from '../src/model/onnxGraph';
import { topologicalOrder } from '../src/model/featureMaps';
import { ModelSession } from '../src/model/runtime';
import { conv3, graphModel, SAME, type NodeSpec } from '../src/testing/smallGraphs';
import { float32Npy } from '../src/testing/npyFile';
import { isSinglePixel, ModelStore } from '../src/session/modelStore';
import { nhwcToNchw } from '../src/io/memoryLayer';
import { LabStore } from '../src/session/labStore';
import { Workspace } from '../src/session/workspace';

const parse = (bytes: Uint8Array, name = 'small.onnx') => parseModel(bytes, name);
const byTensor = (bytes: Uint8Array) => new Map(parse(bytes).floatTensors.map((c) => [c.tensor, c]));

async function loaded(bytes: Uint8Array<ArrayBuffer>, name = 'small.onnx') {
  const engine = new CpuEngine();
  const workspace = new Workspace(() => engine);
  const store = new ModelStore(workspace, () => false);
  await store.loadModel([{ name, blob: new Blob([bytes]) }]);
  expect(store.state.error).toBeNull();
  return { store, workspace };
}

/** Conv -> (gate x input) -> Conv, with the gate made by `gateOp`, the Mul's inputs in either order. */
function gated(gateOp: 'Sigmoid' | 'HardSigmoid', gateFirst: boolean): Uint8Array<ArrayBuffer> {
  return graphModel(
    [
      ['Conv', ['x', 'w1'], ['c1'], SAME],
      [gateOp, ['c1'], ['g']],
      ['Mul', gateFirst ? ['g', 'c1'] : ['c1', 'g'], ['act']],
      ['Conv', ['act', 'w2'], ['y'], SAME],
    ],
    { floats: { w1: conv3(3, 2), w2: conv3(2, 3) }, opset: 13 },
  );
}

describe('activations: the output of each non-linearity after a convolution, never its gate', () => {
  for (const gateOp of ['Sigmoid', 'HardSigmoid'] as const) {
    for (const gateFirst of [false, true]) {
      it(`${gateOp === 'Sigmoid' ? 'SiLU' : 'Hardswish (opset 13)'}: ${gateOp} x Mul, the gate ${gateFirst ? 'first' : 'second'}`, () => {
        const c = byTensor(gated(gateOp, gateFirst));
        expect(c.get('act')).toMatchObject({ role: 'activation', preferred: true, note: `${gateOp === 'Sigmoid' ? 'SiLU' : 'Hardswish'} (${gateOp} → Mul) of c1` });
        expect(c.get('g')).toMatchObject({ role: 'other', preferred: false, note: 'part of the activation act (not a feature map of its own)' });
        expect(defaultSelection([...c.values()])).toEqual(['act']);
      });
    }
  }

  it('GELU as PyTorch exports it before opset 20 (x * 0.5 * (1 + erf(x / sqrt 2))): one activation, its Erf a part', () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'w1'], ['c1'], SAME],
        ['Div', ['c1', 'sqrt2'], ['d']],
        ['Erf', ['d'], ['e']],
        ['Add', ['e', 'one'], ['a']],
        ['Mul', ['c1', 'a'], ['m']],
        ['Mul', ['m', 'half'], ['gelu']],
        ['Conv', ['gelu', 'w2'], ['y'], SAME],
      ],
      { floats: { w1: conv3(3, 2), w2: conv3(2, 3), sqrt2: { dims: [], values: [Math.SQRT2] }, one: { dims: [], values: [1] }, half: { dims: [], values: [0.5] } } },
    );
    const c = byTensor(bytes);
    expect(c.get('gelu')).toMatchObject({ role: 'activation', preferred: true });
    expect(c.get('gelu')!.note).toMatch(/^GELU/);
    for (const t of ['d', 'e', 'a', 'm']) expect(c.get(t)!.preferred).toBe(false);
    expect(defaultSelection([...c.values()])).toEqual(['gelu']);
  });

  it('two activations in a row (ReLU then Sigmoid) are two activations', () => {
    const bytes = graphModel([['Conv', ['x', 'w'], ['c'], SAME], ['Relu', ['c'], ['r']], ['Sigmoid', ['r'], ['y']]], { floats: { w: conv3(2, 2) } });
    expect(defaultSelection(parse(bytes).floatTensors)).toEqual(['r', 'y']);
  });

  it("a squeeze-excitation's scale is a gate; its 1 x 1 maps are offered, not chosen, and marked", async () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'w1'], ['c1'], SAME],
        ['Relu', ['c1'], ['r1']],
        ['GlobalAveragePool', ['r1'], ['p']],
        ['Conv', ['p', 'wa'], ['s1']],
        ['Relu', ['s1'], ['s2']],
        ['Conv', ['s2', 'wb'], ['s3']],
        ['Sigmoid', ['s3'], ['scale']],
        ['Mul', ['r1', 'scale'], ['excited']],
        ['Conv', ['excited', 'w2'], ['y'], SAME],
      ],
      { input: [1, 3, 8, 8], floats: { w1: conv3(4, 3), wa: [2, 4, 1, 1], wb: [4, 2, 1, 1], w2: conv3(2, 4) } },
    );
    const c = byTensor(bytes);
    expect(c.get('scale')).toMatchObject({ role: 'other', preferred: false, note: 'gate: scales another tensor' });
    expect(c.get('s2')).toMatchObject({ role: 'activation', preferred: true });
    expect(c.get('excited')!.note).toBe('scaled by a gate (squeeze-excitation)');
    const { store } = await loaded(bytes);
    const s2 = store.state.candidates.find((x) => x.tensor === 's2')!;
    expect(s2.shape).toEqual([1, 2, 1, 1]);
    expect(isSinglePixel(s2)).toBe(true);
    // Offered (with the others), not chosen: the SROP of a 1 x 1 map is kappa by construction.
    expect(store.state.candidates.map((x) => x.tensor)).toEqual(['c1', 'r1', 'p', 's1', 's2', 's3', 'scale', 'excited', 'y']);
    expect(store.state.selected).toEqual(['r1']);
  });
});

describe('block outputs', () => {
  /** r0 -> Conv -> Relu -> Conv -> c2; Add(r0, c2) with the skip first or second; then Relu or not. */
  function residual(skipFirst: boolean, reluAfter: boolean): Uint8Array<ArrayBuffer> {
    const nodes: NodeSpec[] = [
      ['Conv', ['x', 'w0'], ['c0'], SAME],
      ['Relu', ['c0'], ['r0']],
      ['Conv', ['r0', 'w1'], ['c1'], SAME],
      ['Relu', ['c1'], ['r1']],
      ['Conv', ['r1', 'w2'], ['c2'], SAME],
      ['Add', skipFirst ? ['r0', 'c2'] : ['c2', 'r0'], ['sum']],
    ];
    if (reluAfter) nodes.push(['Relu', ['sum'], ['out']]);
    nodes.push(['Conv', [reluAfter ? 'out' : 'sum', 'w3'], ['y'], SAME]);
    return graphModel(nodes, { floats: { w0: conv3(3, 2), w1: conv3(3, 3), w2: conv3(3, 3), w3: conv3(2, 3) } });
  }

  for (const skipFirst of [true, false]) {
    it(`a residual Add with the skip ${skipFirst ? 'first (x + f(x), RegNet)' : 'second (f(x) + x, ResNet)'}: the ReLU after it is chosen, as is a bare Add`, () => {
      const withRelu = byTensor(residual(skipFirst, true));
      expect(withRelu.get('sum')).toMatchObject({ role: 'block', preferred: false });
      expect(withRelu.get('out')).toMatchObject({ role: 'activation', preferred: true });
      expect(withRelu.get('out')!.note).toMatch(/block output$/);
      expect(defaultSelection([...withRelu.values()])).toEqual(['r0', 'r1', 'out']);
      const bare = byTensor(residual(skipFirst, false));
      expect(bare.get('sum')).toMatchObject({ role: 'block', preferred: true, note: 'residual Add' });
      expect(defaultSelection([...bare.values()])).toEqual(['r0', 'r1', 'sum']);
    });
  }

  it('a bias Add (a constant) is no block; an Add of two branches of one input is', () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'wa'], ['a'], SAME],
        ['Add', ['a', 'bias'], ['ab']],
        ['Conv', ['x', 'wb'], ['b'], SAME],
        ['Add', ['ab', 'b'], ['y']],
      ],
      { floats: { wa: conv3(2, 2), wb: conv3(2, 2), bias: [1, 2, 1, 1] } },
    );
    const c = byTensor(bytes);
    expect(c.get('ab')!.role).toBe('conv');
    expect(c.get('y')).toMatchObject({ role: 'block', preferred: true });
  });

  it('Concat of branches (an inception or fire module) is a block output; a dense layer’s input is held by its block’s last Concat', () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'w0'], ['c0'], SAME],
        ['Relu', ['c0'], ['r0']],
        ['Conv', ['r0', 'wa'], ['ca'], SAME],
        ['Relu', ['ca'], ['ra']],
        ['Concat', ['r0', 'ra'], ['dense1'], { axis: 1 }],
        ['Conv', ['dense1', 'wb'], ['cb'], SAME],
        ['Relu', ['cb'], ['rb']],
        ['Concat', ['r0', 'ra', 'rb'], ['block'], { axis: 1 }],
        ['Conv', ['block', 'w1'], ['c1'], SAME],
        ['Relu', ['c1'], ['r1']],
        ['Conv', ['block', 'w2'], ['c2'], SAME],
        ['Relu', ['c2'], ['r2']],
        ['Concat', ['r1', 'r2'], ['y'], { axis: 1 }],
      ],
      { floats: { w0: conv3(2, 2), wa: conv3(2, 2), wb: conv3(2, 4), w1: conv3(3, 6), w2: conv3(1, 6) } },
    );
    const c = byTensor(bytes);
    expect(c.get('dense1')).toMatchObject({ role: 'block', preferred: false, note: 'Concat of 2 branches, inside the block that block ends' });
    expect(c.get('block')).toMatchObject({ role: 'block', preferred: true, note: 'Concat of 3 branches' });
    expect(c.get('y')).toMatchObject({ role: 'block', preferred: true });
    expect(defaultSelection([...c.values()])).toEqual(['r0', 'ra', 'rb', 'block', 'r1', 'r2', 'y']);
  });

  it('a channel shuffle (Reshape, Transpose, Reshape) after a Concat is the block output, read NCHW', () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'wa'], ['ca'], SAME],
        ['Relu', ['ca'], ['ra']],
        ['Conv', ['x', 'wb'], ['cb'], SAME],
        ['Relu', ['cb'], ['rb']],
        ['Concat', ['ra', 'rb'], ['cat'], { axis: 1 }],
        ['Reshape', ['cat', 'groups'], ['g5']],
        ['Transpose', ['g5'], ['t5'], { perm: [0, 2, 1, 3, 4] }],
        ['Reshape', ['t5', 'flat'], ['y']],
      ],
      { floats: { wa: conv3(2, 2), wb: conv3(2, 2) }, ints: { groups: [1, 2, 2, 8, 8], flat: [1, 4, 8, 8] } },
    );
    const c = byTensor(bytes);
    expect(c.get('cat')).toMatchObject({ role: 'block', preferred: false });
    expect(c.get('y')).toMatchObject({ role: 'block', preferred: true, note: 'channel shuffle', layout: 'nchw' });
    expect(c.get('t5')!.layout).toBeNull();
    expect(defaultSelection([...c.values()])).toEqual(['ra', 'rb', 'y']);
  });
});

describe('layout from the graph', () => {
  // A ConvNeXt block in small: Conv, Transpose to channels-last, LayerNorm, Linear (MatMul + bias),
  // ReLU, Linear, Transpose back, residual Add. 3 channels, 5 x 7 maps (nothing square).
  const island = (opset: number) =>
    graphModel(
      [
        ['Conv', ['x', 'w0'], ['c0'], SAME],
        ['Transpose', ['c0'], ['nhwc'], { perm: [0, 2, 3, 1] }],
        ['LayerNormalization', ['nhwc', 'gamma', 'beta'], ['ln'], { axis: -1 }],
        ['MatMul', ['ln', 'up'], ['m1']],
        ['Add', ['m1', 'b1'], ['m1b']],
        ['Relu', ['m1b'], ['act']],
        ['MatMul', ['act', 'down'], ['m2']],
        ['Transpose', ['m2'], ['back'], { perm: [0, 3, 1, 2] }],
        ['Add', ['c0', 'back'], ['y']],
      ],
      { input: [1, 3, 5, 7], floats: { w0: conv3(3, 3), gamma: [3], beta: [3], up: [3, 6], b1: [6], down: [6, 3] }, opset },
    );

  it('a channels-last island between two Transposes: NHWC inside, with the reason; NCHW after', () => {
    const c = byTensor(island(17));
    for (const t of ['nhwc', 'ln', 'm1', 'm1b', 'act', 'm2']) expect(c.get(t)!.layout, t).toBe('nhwc');
    expect(c.get('nhwc')!.layoutReason).toBe('channels-last: Transpose [0, 2, 3, 1] of an NCHW tensor (Transpose_1)');
    expect(c.get('ln')!.layoutReason).toBe('channels-last: LayerNorm over the last axis of a channels-last tensor (LayerNormalization_2)');
    expect(c.get('m1')!.layoutReason).toBe('channels-last: MatMul over the last axis of a channels-last tensor (MatMul_3)');
    for (const t of ['c0', 'back', 'y']) expect(c.get(t)!.layout, t).toBe('nchw');
    expect(c.get('act')).toMatchObject({ role: 'activation', preferred: true });
    expect(c.get('m1')!.role).toBe('conv');
    expect(c.get('y')).toMatchObject({ role: 'block', preferred: true });
    expect(defaultSelection([...c.values()])).toEqual(['act', 'y']);
  });

  it('the page reads the island as NHWC: each channel is the map the Transpose back gives', async () => {
    const bytes = island(17);
    const { store, workspace } = await loaded(bytes, 'island.onnx');
    const act = store.state.candidates.find((c) => c.tensor === 'act')!;
    expect(act).toMatchObject({ dims: [1, 5, 7, 6], shape: [1, 6, 5, 7], readAs: 'nhwc' });
    // The same values, transposed to NCHW by the runtime itself: the reference.
    const reference = graphModel(
      [
        ['Conv', ['x', 'w0'], ['c0'], SAME],
        ['Transpose', ['c0'], ['nhwc'], { perm: [0, 2, 3, 1] }],
        ['LayerNormalization', ['nhwc', 'gamma', 'beta'], ['ln'], { axis: -1 }],
        ['MatMul', ['ln', 'up'], ['m1']],
        ['Add', ['m1', 'b1'], ['m1b']],
        ['Relu', ['m1b'], ['act']],
        ['Transpose', ['act'], ['y'], { perm: [0, 3, 1, 2] }],
      ],
      { input: [1, 3, 5, 7], floats: { w0: conv3(3, 3), gamma: [3], beta: [3], up: [3, 6], b1: [6] }, opset: 17 },
    );
    const input = Float32Array.from({ length: 105 }, (_, i) => Math.sin(i * 0.7) + (i % 3));
    const parsedRef = parseModel(reference, 'reference.onnx');
    const session = await ModelSession.create(parsedRef, reference, 'wasm');
    const want = (await session.run('reference.onnx', input, [1, 3, 5, 7], ['y'])).get('y')!;
    await session.release();
    expect(want.dims).toEqual([1, 6, 5, 7]);

    store.setSelected(['y', 'act']);
    await store.setTensorFile('A', { name: 'x.npy', blob: new Blob([float32Npy(input, [1, 3, 5, 7])]) });
    await workspace.idle();
    const layers = workspace.entries('A').map((e) => e.layer);
    // Network order, whatever order they were ticked in.
    expect(layers.map((l) => l.name)).toEqual(['act', 'y']);
    const layer = layers[0];
    expect(layer.shape).toEqual([1, 6, 5, 7]);
    expect(layer.layout).toBe('nhwc');
    expect(layer.layoutReason).toBe('channels-last: MatMul over the last axis of a channels-last tensor (MatMul_3)');
    expect(Array.from(await layer.readMaps(0, 6))).toEqual(Array.from(want.data));
    expect(Array.from(await layer.readMaps(4, 1))).toEqual(Array.from(want.data.subarray(4 * 35, 5 * 35)));
  });

  it('the lab reads channels-last tensors as the page does (its trained SROPs are the page’s)', async () => {
    const { store, workspace } = await loaded(island(17), 'island.onnx');
    const lab = new LabStore(store, () => workspace.state.params, () => new CpuEngine());
    const data = new Uint8ClampedArray(7 * 5 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    store.setImage('A', 'noise.png', { width: 7, height: 5, data });
    await store.runSide('A');
    await workspace.idle();
    expect(store.state.selected).toEqual(['act', 'y']);
    await lab.runRandomisation('cascading');
    expect(lab.state.error).toBeNull();
    const trained = lab.state.randomisation!.trained;
    const page = workspace.results('A');
    expect(trained.map((r) => [r.name, r.shape])).toEqual(page.map((r) => [r.name, r.shape]));
    expect(trained[0].shape).toEqual([1, 6, 5, 7]);
    trained.forEach((r, i) => expect(Array.from(r.srop)).toEqual(Array.from(page[i].srop)));
    expect(nhwcToNchw({ dims: [2, 1, 2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) })).toEqual({ dims: [2, 3, 1, 2], data: Float32Array.from([0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]) });
  });

  it('LayerNorm as opset 14 exports it (ReduceMean, Sub, Pow, Sqrt, Div, scale, shift) is normalisation, channels-last, and no activation', () => {
    const bytes = graphModel(
      [
        ['Conv', ['x', 'w0'], ['c0'], SAME],
        ['Transpose', ['c0'], ['t'], { perm: [0, 2, 3, 1] }],
        ['ReduceMean', ['t'], ['mean'], { axes: [-1] }],
        ['Sub', ['t', 'mean'], ['centred']],
        ['Pow', ['centred', 'two'], ['sq']],
        ['ReduceMean', ['sq'], ['var'], { axes: [-1] }],
        ['Add', ['var', 'eps'], ['ve']],
        ['Sqrt', ['ve'], ['sd']],
        ['Div', ['centred', 'sd'], ['normed']],
        ['Mul', ['normed', 'gamma'], ['scaled']],
        ['Add', ['scaled', 'beta'], ['ln']],
        ['Transpose', ['ln'], ['y'], { perm: [0, 3, 1, 2] }],
      ],
      { input: [1, 2, 5, 7], floats: { w0: conv3(3, 2), two: { dims: [], values: [2] }, eps: { dims: [], values: [1e-6] }, gamma: [3], beta: [3] }, opset: 13 },
    );
    const c = byTensor(bytes);
    expect(c.get('ln')).toMatchObject({ role: 'normalisation', note: 'LayerNorm (decomposed)', layout: 'nhwc' });
    expect(c.get('mean')!.layout).toBe('nhwc');
    expect([...c.values()].filter((x) => x.role === 'activation')).toEqual([]);
  });

  it('where the graph cannot tell (after a Reshape), the shape rule decides, and says so', async () => {
    const bytes = graphModel(
      [['Conv', ['x', 'w'], ['c'], SAME], ['Relu', ['c'], ['r']], ['Reshape', ['r', 'to'], ['y']]],
      { input: [1, 3, 6, 6], floats: { w: conv3(3, 3) }, ints: { to: [1, 6, 6, 3] } },
    );
    const { store } = await loaded(bytes);
    const y = store.state.candidates.find((c) => c.tensor === 'y')!;
    expect(y.layout).toBeNull();
    expect(y).toMatchObject({ dims: [1, 6, 6, 3], readAs: 'nhwc' });
    expect(y.readReason).toBe('the graph does not tell (after Reshape Reshape_2); by shape: nhwc: last axis 3 looks like channels (axes 1, 2 are 6 x 6)');
  });

  it("the pane's layout control applies to the live tensors the graph does not place, and stays for the next runs", async () => {
    const bytes = graphModel(
      [['Conv', ['x', 'w'], ['c'], SAME], ['Relu', ['c'], ['r']], ['Reshape', ['r', 'to'], ['y']]],
      { input: [1, 3, 6, 6], floats: { w: conv3(3, 3) }, ints: { to: [1, 6, 6, 3] } },
    );
    const { store, workspace } = await loaded(bytes);
    store.setSelected(['r', 'y']);
    const input = float32Npy(Float32Array.from({ length: 108 }, (_, i) => Math.cos(i)), [1, 3, 6, 6]);
    await store.setTensorFile('A', { name: 'x.npy', blob: new Blob([input]) });
    await workspace.idle();
    const live = () => workspace.state.panes.A.files[0];
    const layouts = () => live().layers.map((e) => [e.layer.name, e.layer.layout, e.layer.shape.join('x')]);
    expect(live().layout).toBe('auto');
    expect(layouts()).toEqual([['r', 'nchw', '1x3x6x6'], ['y', 'nhwc', '1x3x6x6']]);
    await workspace.setLayout('A', live().id, 'nchw');
    await workspace.idle();
    expect(layouts()).toEqual([['r', 'nchw', '1x3x6x6'], ['y', 'nchw', '1x6x6x3']]);
    expect(live().layers[1].layer.layoutReason).toBe('given (the graph does not tell (after Reshape Reshape_2))');
    expect(workspace.results('A').map((r) => r.shape.join('x'))).toEqual(['1x3x6x6', '1x6x6x3']);
    await store.runSide('A');
    expect(live().layout).toBe('nchw');
    expect(layouts()).toEqual([['r', 'nchw', '1x3x6x6'], ['y', 'nchw', '1x6x6x3']]);
  });
});

describe('network order', () => {
  it('a graph stored out of order is read in topological order (file order among independent nodes)', () => {
    const nodes: NodeSpec[] = [
      ['Relu', ['c1'], ['r1']],
      ['Conv', ['x', 'w'], ['c1'], SAME],
      ['Conv', ['x', 'w'], ['c2'], SAME],
      ['Add', ['r1', 'c2'], ['y']],
    ];
    const bytes = graphModel(nodes, { floats: { w: conv3(2, 2) } });
    const parsed = parse(bytes);
    expect(parsed.floatTensors.map((c) => [c.tensor, c.order])).toEqual([['c1', 0], ['r1', 1], ['c2', 2], ['y', 3]]);
    expect(topologicalOrder(onnxNodes(nodes)).map((n) => n.output![0])).toEqual(['c1', 'r1', 'c2', 'y']);
    expect(inNetworkOrder(['y', 'unknown', 'c1', 'r1', 'y'], parsed.floatTensors)).toEqual(['c1', 'r1', 'y', 'unknown']);
  });

  it('ticked feature maps take their place in network order, in the live layers too', async () => {
    const bytes = graphModel(
      [['Conv', ['x', 'w0'], ['c0'], SAME], ['Relu', ['c0'], ['r0']], ['MaxPool', ['r0'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }], ['Conv', ['p', 'w1'], ['c1'], SAME], ['Relu', ['c1'], ['y']]],
      { input: [1, 3, 8, 8], floats: { w0: conv3(3, 3), w1: conv3(2, 3) } },
    );
    const { store, workspace } = await loaded(bytes);
    expect(store.state.selected).toEqual(['r0', 'y']);
    store.setSelected([...store.state.selected, 'p']);
    expect(store.state.selected).toEqual(['r0', 'p', 'y']);
    await store.setTensorFile('A', { name: 'x.npy', blob: new Blob([float32Npy(new Float32Array(192).map((_, i) => (i * 7) % 5), [1, 3, 8, 8])]) });
    await workspace.idle();
    expect(workspace.results('A').map((r) => r.name)).toEqual(['r0', 'p', 'y']);
    // Ticking a tensor the model does not have does nothing.
    store.setSelected(['nonsense', 'c1']);
    expect(store.state.selected).toEqual(['c1']);
  });
});

describe('the added outputs still run', () => {
  it('every candidate of the patterns above can be asked of the runtime', async () => {
    const bytes = gated('HardSigmoid', true);
    const parsed = parse(bytes);
    const all = parsed.floatTensors.map((c) => c.tensor);
    const session = await ModelSession.create(parsed, withOutputs(parsed, all), 'wasm');
    const out = await session.run('small.onnx', new Float32Array(128).fill(0.25), [1, 2, 8, 8], all);
    await session.release();
    expect([...out.keys()].sort()).toEqual([...all].sort());
  });
});

function onnxNodes(nodes: NodeSpec[]) {
  return nodes.map(([opType, input, output]) => ({ opType, input, output }));
}
