// Sets of inputs on a side, on the page's stores in Node (onnxruntime-web's WASM backend): a set
// runs through the model in batches (or one input per run where the graph fixes its batch axis),
// the workspace profiles each batch and joins the profiles into one layer of shape [N, C, H, W]
// that equals the inputs run one at a time; "Make B from A" changes every image of the set alike;
// a .npy batch is a set; Cancel stops a set, Resume finishes it; the channel view re-runs one input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { ModelSession } from '../src/model/runtime';
import { imageTensor, occlude, rectOn, type RgbaImage } from '../src/model/preprocess';
import { ModelStore } from '../src/session/modelStore';
import { PageContent, setName } from '../src/session/pageContent';
import { Workspace } from '../src/session/workspace';
import { mapsCsvRows } from '../src/analysis/format';
import type { LayerResult } from '../src/analysis/layerResult';
import { float32Npy } from '../src/testing/npyFile';
import { graphModel, conv3, SAME } from '../src/testing/smallGraphs';
import type { ProfileEngine } from '../src/engine/types';

const root = join(__dirname, '..');
const publicDir = join(root, 'public');
const manifest = JSON.parse(readFileSync(join(publicDir, 'demo', 'manifest.json'), 'utf8'));
const demoModel = () => ({ name: manifest.final as string, blob: new Blob([readFileSync(join(publicDir, 'demo', manifest.final))]) });

/** A bright ring on black, `size` x `size`, its radius a share `r` of the size. */
function ring(size: number, r: number): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const v = Math.abs(Math.hypot(x - size / 2 + 0.3, y - size / 2) - size * r) < size / 9 ? 230 : 10;
    data.set([v, v, v, 255], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

/** Stands in for the browser's decoder: "ring<size>_<radius in %>.png" is that ring; "bad..." fails as the decoder does. */
const decode = async (_blob: Blob, name: string) => {
  if (name.includes('bad')) throw new Error(`${name}: the image could not be decoded (not a PNG, JPEG, WebP or BMP image, or damaged)`);
  const [, size, r] = name.match(/ring(\d+)_(\d+)/)!;
  return ring(Number(size), Number(r) / 100);
};
const image = (name: string) => ({ name, blob: new Blob(['x']) });

function page(engine: ProfileEngine = new CpuEngine()) {
  const workspace = new Workspace(() => engine);
  const model = new ModelStore(workspace, () => false);
  const content = new PageContent(model, workspace, '/', decode);
  const notices: Array<string | null> = [];
  content.onNotice((n) => notices.push(n));
  return { workspace, model, content, notices };
}

/** Records the batch size of every run of the page's sessions. */
function countRuns() {
  const runs: number[] = [];
  const run = ModelSession.prototype.run;
  vi.spyOn(ModelSession.prototype, 'run').mockImplementation(function (this: ModelSession, ...args) {
    runs.push(args[2][0]);
    return run.apply(this, args);
  });
  return runs;
}

async function settle(p: ReturnType<typeof page>) {
  await p.model.settled();
  await p.workspace.idle();
  await p.model.settled();
  await p.workspace.idle();
}

/** Each input's maps of a set's layer, as the inputs run one at a time on another page. */
async function singleResults(files: string[], load: (p: ReturnType<typeof page>) => Promise<void>): Promise<LayerResult[][]> {
  const out: LayerResult[][] = [];
  for (const name of files) {
    const p = page();
    await load(p);
    await p.content.openImage('A', image(name));
    await settle(p);
    out.push(p.workspace.results('A'));
  }
  return out;
}

function expectSameAsSingles(set: LayerResult[], singles: LayerResult[][]) {
  expect(set.length).toBe(singles[0].length);
  for (const [l, result] of set.entries()) {
    const [n, c, h, w] = result.shape;
    expect(n).toBe(singles.length);
    for (let i = 0; i < n; i++) {
      const one = singles[i][l];
      expect(one.shape).toEqual([1, c, h, w]);
      expect(one.name).toBe(result.name);
      for (let ch = 0; ch < c; ch++) {
        const m = i * c + ch;
        expect(result.status[m]).toBe(one.status[ch]);
        // A batched run may round differently from a single one: energies within float32 rounding.
        expect(result.profiles!.sumSquares[m]).toBeCloseTo(one.profiles!.sumSquares[ch], 3);
        if (one.status[ch] === 0) expect(Math.abs(result.srop[m] - one.srop[ch])).toBeLessThan(1e-3);
      }
    }
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

const SET = ['ring28_20.png', 'ring28_30.png', 'ring28_25.png', 'ring28_35.png', 'ring28_15.png'];
const SORTED = ['ring28_15.png', 'ring28_20.png', 'ring28_25.png', 'ring28_30.png', 'ring28_35.png'];

describe('a set of images on a side', () => {
  it('runs in batches, and its layers equal the images run one at a time (in name order)', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    p.model.setBatchLimit = 2;
    const runs = countRuns();
    await p.content.openImages('A', SET.map(image));
    await settle(p);
    const a = p.model.state.inputs.A!;
    expect(a.items.map((i) => i.name)).toEqual(SORTED);
    expect(a.name).toBe('ring28_15.png and 4 more');
    expect(p.workspace.state.panes.A.files.map((f) => f.name)).toEqual([`${manifest.final} on ring28_15.png and 4 more`]);
    // Batches of at most 2: the probe of the free batch axis (2 zeros), then 2 + 2 + 1 inputs.
    expect(runs).toEqual([2, 2, 2, 1]);
    const results = p.workspace.results('A');
    expect(results.length).toBe(p.model.state.selected.length);
    expect(results.every((r) => r.shape[0] === 5)).toBe(true);
    expectSameAsSingles(results, await singleResults(SORTED, async (q) => void (await q.content.openModel([demoModel()]))));
    // Every input has its top-5; the first is the side's.
    const perInput = p.model.state.perInput.A!;
    expect(perInput).toHaveLength(5);
    expect(perInput.every((t) => t?.length === 5)).toBe(true);
    expect(p.model.state.predictions.A).toEqual(perInput[0]);
    // The per-map CSV's input column is the index in the set.
    const inputs = new Set(mapsCsvRows(results[0]).trim().split('\n').map((l) => Number(l.split(',')[1])));
    expect([...inputs]).toEqual([0, 1, 2, 3, 4]);
  });

  it('one input per run where the graph fixes the batch axis, with the same layers', async () => {
    const bytes = graphModel(
      [['Conv', ['x', 'w'], ['c'], SAME], ['Relu', ['c'], ['r']], ['Reshape', ['r', 'to'], ['y']]],
      { input: [1, 1, 8, 8], floats: { w: conv3(3, 1) }, ints: { to: [1, 3 * 8 * 8] }, outputs: ['y'] },
    );
    const load = async (q: ReturnType<typeof page>) => void (await q.content.openModel([{ name: 'fixed.onnx', blob: new Blob([bytes]) }]));
    const p = page();
    await load(p);
    const runs = countRuns();
    const files = ['ring8_20.png', 'ring8_30.png', 'ring8_40.png'];
    await p.content.openImages('A', files.map(image));
    await settle(p);
    // The free-batch probe fails (the Reshape fixes N = 1); then every input runs alone.
    expect(runs).toEqual([2, 1, 1, 1]);
    expect(p.model.state.error).toBeNull();
    const results = p.workspace.results('A');
    expect(results.map((r) => r.shape)).toEqual([[3, 3, 8, 8]]);
    expectSameAsSingles(results, await singleResults(files, load));
  });

  it('the channel view re-reads one input’s map by running that input alone', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    await p.content.openImages('A', SET.map(image));
    await settle(p);
    const result = p.workspace.results('A')[0];
    const [, c, h, w] = result.shape;
    const layer = p.workspace.layerOf(result)!;
    const runs = countRuns();
    const map = 3 * c + 1;
    const values = await layer.readMaps(map, 1);
    expect(runs).toEqual([1]);
    // The same map from the image run alone.
    const [single] = await singleResults([SORTED[3]], async (q) => void (await q.content.openModel([demoModel()])));
    const alone = await (await (async () => {
      const q = page();
      await q.content.openModel([demoModel()]);
      await q.content.openImage('A', image(SORTED[3]));
      await settle(q);
      return q.workspace.layerOf(q.workspace.results('A')[0])!;
    })()).readMaps(1, 1);
    expect(single[0].shape).toEqual([1, c, h, w]);
    expect(values.length).toBe(h * w);
    for (let i = 0; i < values.length; i++) expect(values[i]).toBeCloseTo(alone[i], 4);
    // Maps across two inputs come back in order.
    const two = await layer.readMaps(c - 1, 2);
    expect(two.subarray(h * w)).toEqual(await layer.readMaps(c, 1));
  });

  it('a file that cannot be decoded is left out and named; the rest is the set', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    await p.content.openImages('A', [image('ring28_20.png'), image('bad.png'), image('ring28_30.png')]);
    await settle(p);
    expect(p.model.state.inputs.A?.items.map((i) => i.name)).toEqual(['ring28_20.png', 'ring28_30.png']);
    expect(p.notices.at(-1)).toBe('A: 1 of 3 files left out: bad.png: the image could not be decoded (not a PNG, JPEG, WebP or BMP image, or damaged)');
    expect(p.workspace.results('A').every((r) => r.shape[0] === 2)).toBe(true);
    // Nothing decodable: the set before stays, with the reason.
    await p.content.openImages('A', [image('bad1.png'), image('bad2.png')]);
    expect(p.model.state.error).toMatch(/^No image could be decoded for A: bad1\.png: the image could not be decoded/);
    expect(p.model.state.inputs.A?.items).toHaveLength(2);
  });

  it('a folder’s images are one set named by the folder; images dropped with other files too', async () => {
    expect(setName(['digits/a.png', 'digits/b.png'])).toBe('digits/: 2 images');
    expect(setName(['a.png', 'b.png', 'c.png'])).toBe('a.png and 2 more');
    expect(setName(['d/x/a.png', 'd/x/more/b.png', 'd/x/c.png'])).toBe('d/x/: 3 images');
    expect(setName(['d/a.png', 'e/b.png'])).toBe('d/a.png and 1 more');
    const p = page();
    await p.content.openModel([demoModel()]);
    await p.content.drop('B', ['set/ring28_20.png', 'set/ring28_10.png', 'set/ring28_30.png'].map(image));
    await settle(p);
    expect(p.model.state.inputs.B?.name).toBe('set/: 3 images');
    expect(p.model.state.inputs.B?.items.map((i) => i.name)).toEqual(['set/ring28_10.png', 'set/ring28_20.png', 'set/ring28_30.png']);
    expect(p.workspace.results('B').every((r) => r.shape[0] === 3)).toBe(true);
  });

  it('a .npy batch of the model’s input shape is a set of that many inputs', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    const pre = p.model.state.preprocessing!;
    const images = SORTED.slice(0, 3).map((n) => ring(28, Number(n.match(/_(\d+)/)![1]) / 100));
    const data = new Float32Array(3 * 28 * 28);
    images.forEach((im, i) => data.set(imageTensor(im, pre), i * 28 * 28));
    await p.content.openTensor('A', { name: 'batch.npy', blob: new Blob([float32Npy(data, [3, 1, 28, 28])]) });
    await settle(p);
    expect(p.model.state.inputs.A?.items.map((i) => i.name)).toEqual(['batch.npy[0]', 'batch.npy[1]', 'batch.npy[2]']);
    expectSameAsSingles(p.workspace.results('A'), await singleResults(SORTED.slice(0, 3), async (q) => void (await q.content.openModel([demoModel()]))));
    // A batch of another shape is refused with the shape it needs; the set stays.
    await p.content.openTensor('A', { name: 'wrong.npy', blob: new Blob([float32Npy(new Float32Array(2 * 27 * 28), [2, 1, 27, 28])]) });
    expect(p.model.state.error).toBe("wrong.npy: shape 2x1x27x28 is not the model's input shape 2x1x28x28");
    expect(p.model.state.inputs.A?.name).toBe('batch.npy');
    // Make B from A needs images.
    await p.model.makeB('blur');
    expect(p.model.state.error).toBe('Make B from A needs images on A; batch.npy holds tensors');
  });
});

describe('"Make B from A" over a set', () => {
  it('changes every image alike: a paired set; an occlusion covers the same share of each image', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    const files = ['ring28_20.png', 'ring56_30.png', 'ring28_35.png'];
    await p.content.openImages('A', files.map(image));
    await p.model.makeB('blur', { sigma: 2 });
    await settle(p);
    const b = p.model.state.inputs.B!;
    // Name order: ring28_20, ring28_35, ring56_30.
    expect(b.items.map((i) => i.name)).toEqual(['ring28_20.png (blurred)', 'ring28_35.png (blurred)', 'ring56_30.png (blurred)']);
    expect(b.name).toBe('ring28_20.png and 2 more (blurred)');
    expect(p.workspace.results('B').every((r) => r.shape[0] === 3)).toBe(true);
    expect(p.model.state.perInput.B).toHaveLength(3);

    // The rectangle drawn on the 28 x 28 image covers the same share of the 56 x 56 one.
    p.model.setRect({ x: 7, y: 3, width: 10, height: 11 }, { width: 28, height: 28 });
    await p.model.makeB('occlude');
    await settle(p);
    const occluded = p.model.state.inputs.B!;
    const a = p.model.state.inputs.A!;
    expect(occluded.recipe).toMatchObject({ kind: 'occlude', rect: { x: 7, y: 3, width: 10, height: 11 }, on: { width: 28, height: 28 } });
    expect(occluded.items[0].image!.data).toEqual(occlude(a.items[0].image!, { x: 7, y: 3, width: 10, height: 11 }).data);
    expect(rectOn({ x: 7, y: 3, width: 10, height: 11 }, { width: 28, height: 28 }, { width: 56, height: 56 })).toEqual({ x: 14, y: 6, width: 20, height: 22 });
    expect(a.items[2].image!.width).toBe(56);
    expect(occluded.items[2].image!.data).toEqual(occlude(a.items[2].image!, { x: 14, y: 6, width: 20, height: 22 }).data);
    expect(occluded.items[1].image!.data).toEqual(occlude(a.items[1].image!, { x: 7, y: 3, width: 10, height: 11 }).data);
    expect(p.workspace.results('B').every((r) => r.shape[0] === 3)).toBe(true);

    // Noise differs per image (seeded per input); a new A set re-makes a noisy B over the new set.
    await p.model.makeB('noise', { sigma: 30 });
    await p.content.openImages('A', ['ring28_10.png', 'ring28_40.png'].map(image));
    await settle(p);
    expect(p.model.state.inputs.B?.items.map((i) => i.name)).toEqual(['ring28_10.png (with noise)', 'ring28_40.png (with noise)']);
    expect(p.workspace.results('B').every((r) => r.shape[0] === 2)).toBe(true);
    expect(p.workspace.results('A').every((r) => r.shape[0] === 2)).toBe(true);
  });
});

describe('long sets: progress, Cancel and Resume', () => {
  it('Cancel stops the set between batches and keeps none of it; Resume runs it whole', async () => {
    let batches = 0;
    let cancel: (() => void) | null = null;
    class CountingEngine extends CpuEngine {
      override async profileLayer(...args: Parameters<CpuEngine['profileLayer']>) {
        batches++;
        if (batches === 2) cancel?.();
        return super.profileLayer(...args);
      }
    }
    const p = page(new CountingEngine());
    await p.content.openModel([demoModel()]);
    p.model.setSelected(p.model.state.selected.slice(0, 1));
    await settle(p);
    p.model.setBatchLimit = 2;
    const labels: string[] = [];
    p.workspace.subscribe(() => {
      const l = p.workspace.state.progress.label;
      if (l && labels.at(-1) !== l) labels.push(l);
    });
    cancel = () => p.workspace.cancel();
    await p.content.openImages('A', SET.map(image));
    await settle(p);
    expect(p.workspace.entries('A').map((e) => e.status)).toEqual(['cancelled']);
    expect(p.workspace.results('A')).toEqual([]);
    expect(labels.some((l) => l.endsWith('0 of 5 inputs'))).toBe(true);
    cancel = null;
    p.workspace.resume();
    await settle(p);
    expect(p.workspace.entries('A').map((e) => e.status)).toEqual(['done']);
    expect(p.workspace.results('A')[0].shape[0]).toBe(5);
    expect(labels.at(-1)).toMatch(/: 1 layer, 5 of 5 inputs$/);
  });

  it('a new set while one streams: the old one’s layers leave, the new one is what the side shows', async () => {
    const p = page();
    await p.content.openModel([demoModel()]);
    p.model.setBatchLimit = 1;
    const first = p.content.openImages('A', SET.map(image));
    await p.model.settled();
    await first;
    await p.content.openImages('A', ['ring28_10.png', 'ring28_40.png'].map(image));
    await settle(p);
    expect(p.workspace.state.panes.A.files.map((f) => f.name)).toEqual([`${manifest.final} on ring28_10.png and 1 more`]);
    expect(p.workspace.results('A').every((r) => r.shape[0] === 2)).toBe(true);
    expect(p.workspace.state.panes.A.errors).toEqual([]);
  });
});
