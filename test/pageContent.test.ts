// The newest user action wins, on the page's stores in Node (onnxruntime-web's WASM backend): the
// demo's files are held back by the test, so that the user acts while it loads every time. A late
// result of a superseded load is dropped and its session released; the demo and the example give
// way to the user's content; a B made from A follows A; a pane shows one source; a file removed
// while it is profiled stops; the lab stops when the model changes under it.
import { occlude, occludeWith, occlusionFill } from '../src/model/preprocess';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { ModelSession } from '../src/model/runtime';
import { countModelSessions } from './helpers/modelSessions';
import { ring } from './helpers/ringImage';
import { ModelStore } from '../src/session/modelStore';
import { PageContent } from '../src/session/pageContent';
import { LabStore } from '../src/session/labStore';
import { Workspace } from '../src/session/workspace';
import type { ProfileEngine } from '../src/engine/types';

const root = join(__dirname, '..');
const publicDir = join(root, 'public');
const manifest = JSON.parse(readFileSync(join(publicDir, 'demo', 'manifest.json'), 'utf8'));
const fileOf = (path: string, name = path.split('/').at(-1)!) => ({ name, blob: new Blob([readFileSync(path)]) });
const torchModel = join(root, 'test', 'fixtures', 'model', 'torch_cnn.onnx');
const visualiser = join(root, 'test', 'fixtures', 'visualiser');

/** The decoder the page uses, stood in for: any image file becomes a ring (its size from the name, e.g. "ring40.png"). */
const decode = async (_blob: Blob, name: string) => ring(Number(name.match(/\d{2,}/)?.[0] ?? 28), name.includes('small') ? 0.15 : 0.3);

/**
 * Serves public/ as the page's own origin would, holding every response until `release()` (the
 * demo's files "still loading"); aborted requests reject as fetch does.
 */
function heldFetch() {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const requested: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: { signal?: AbortSignal } = {}) => {
    requested.push(url);
    await gate;
    if (init.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    return new Response(readFileSync(join(publicDir, url.replace(/^\//, ''))));
  });
  return { release: () => open(), requested };
}

function page(engine: ProfileEngine = new CpuEngine()) {
  const workspace = new Workspace(() => engine);
  const model = new ModelStore(workspace, () => false);
  const content = new PageContent(model, workspace, '/', decode);
  const notices: Array<string | null> = [];
  content.onNotice((n) => notices.push(n));
  return { workspace, model, content, notices };
}

const fileNames = (ws: Workspace, side: 'A' | 'B') => ws.state.panes[side].files.map((f) => f.name);

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the newest user action wins over the demo', () => {
  it('a model picked while the demo loads: the demo never takes over, and every session but the page’s is released', async () => {
    const held = heldFetch();
    const sessions = countModelSessions();
    const { workspace, model, content } = page();
    const demo = content.openDemo();
    const user = content.openModel([fileOf(torchModel)]);
    held.release();
    expect(await demo).toBe(false);
    await user;
    await model.settled();
    await workspace.idle();
    expect(model.state.model).toMatchObject({ name: 'torch_cnn.onnx', origin: 'user' });
    expect(model.state.inputs).toEqual({ A: null, B: null });
    expect(fileNames(workspace, 'A')).toEqual([]);
    expect(model.state.loading).toBeNull();
    // No live session is open (no input ran), so every session made was released.
    expect(sessions.released).toBe(sessions.created);
  });

  it('a load superseded while its probe runs: its result is dropped and its session released', async () => {
    const { workspace, model } = page();
    const sessions = countModelSessions();
    // The first load's probe session is held until the second load has been picked.
    const create = vi.mocked(ModelSession.create).getMockImplementation()!;
    let picked!: () => void;
    const secondPicked = new Promise<void>((r) => (picked = r));
    let probing!: () => void;
    const firstProbing = new Promise<void>((r) => (probing = r));
    vi.mocked(ModelSession.create).mockImplementationOnce(async (...args) => {
      probing();
      await secondPicked;
      return create(...args);
    });
    const first = model.loadModel([fileOf(join(publicDir, 'demo', manifest.final))], { labels: manifest.labels });
    await firstProbing;
    const second = model.loadModel([fileOf(torchModel)]);
    picked();
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(model.state.model?.name).toBe('torch_cnn.onnx');
    expect(model.state.labels).toBeNull();
    expect(model.state.error).toBeNull();
    expect(sessions.created).toBe(2);
    expect(sessions.released).toBe(2);
    await workspace.idle();
  });

  it('two models picked in a row: the second is what the page shows', async () => {
    const { model } = page();
    const a = model.loadModel([fileOf(torchModel)]);
    const b = model.loadModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    expect(await a).toBe(false);
    expect(await b).toBe(true);
    expect(model.state.model?.name).toBe(manifest.final);
  });

  it('activation files picked while the demo loads: only the user’s layers, on both panes', async () => {
    const held = heldFetch();
    const { workspace, model, content } = page();
    const demo = content.openDemo();
    await content.openActivations('A', [fileOf(join(visualiser, 'a.npz'))]);
    await content.openActivations('B', [fileOf(join(visualiser, 'b_nhwc.safetensors'))]);
    held.release();
    expect(await demo).toBe(false);
    await model.settled();
    await workspace.idle();
    expect(model.state.model).toBeNull();
    expect(fileNames(workspace, 'A')).toEqual(['a.npz']);
    expect(fileNames(workspace, 'B')).toEqual(['b_nhwc.safetensors']);
    expect(workspace.results('A').every((r) => r.file === 'a.npz')).toBe(true);
  });

  it('"Load the example" while the demo loads: the example alone', async () => {
    const held = heldFetch();
    const { workspace, model, content } = page();
    const demo = content.openDemo();
    const example = content.openExample();
    held.release();
    expect(await demo).toBe(false);
    expect(await example).toBeNull();
    await model.settled();
    await workspace.idle();
    expect(model.state.model).toBeNull();
    expect(fileNames(workspace, 'A')).toEqual(['figure_a.npz']);
    expect(fileNames(workspace, 'B')).toEqual(['figure_b.npz']);
    // The user's files then replace the example (on both panes: it is one pair).
    await content.openActivations('A', [fileOf(join(visualiser, 'a.npz'))]);
    expect(fileNames(workspace, 'A')).toEqual(['a.npz']);
    expect(fileNames(workspace, 'B')).toEqual([]);
  });

  it('an image picked while the demo’s model loads runs through that model; the demo’s own inputs never come', async () => {
    const held = heldFetch();
    const { workspace, model, content } = page();
    const demo = content.openDemo();
    await content.openImage('A', { name: 'cat40.png', blob: new Blob(['x']) });
    held.release();
    expect(await demo).toBe(false);
    await model.settled();
    await workspace.idle();
    expect(model.state.model?.name).toBe(manifest.final);
    expect(model.state.inputs.A).toMatchObject({ name: 'cat40.png', origin: 'user' });
    expect(model.state.inputs.B).toBeNull();
    expect(fileNames(workspace, 'A')).toEqual([`${manifest.final} on cat40.png`]);
    expect(fileNames(workspace, 'B')).toEqual([]);
  });

  it('after the demo has loaded, the user’s files replace it whole; the user’s model replaces its inputs', async () => {
    heldFetch().release();
    const { workspace, model, content, notices } = page();
    expect(await content.openDemo()).toBe(true);
    await model.settled();
    expect(model.state.inputs.B?.recipe?.kind).toBe('occlude');
    await content.openActivations('B', [fileOf(join(visualiser, 'b.npz'))]);
    await model.settled();
    expect(model.state.model).toBeNull();
    expect(fileNames(workspace, 'A')).toEqual([]);
    expect(fileNames(workspace, 'B')).toEqual(['b.npz']);
    expect(notices.at(-1)).toContain('the demo was removed');

    expect(await content.openDemo({ byUser: true })).toBe(true);
    await model.settled();
    // "Load the demo model" is the user's choice: its maps replace the files.
    expect(fileNames(workspace, 'B')).toEqual([`${manifest.final} on digit3.png (occluded)`]);
    await content.openModel([fileOf(torchModel)]);
    await model.settled();
    expect(model.state.model).toMatchObject({ name: 'torch_cnn.onnx', origin: 'user' });
    expect(model.state.inputs).toEqual({ A: null, B: null });
    expect(model.state.notice).toContain('torch_cnn.onnx replaces the demo');
    expect(fileNames(workspace, 'A')).toEqual([]);
    await workspace.idle();
  });
});

describe('a pane shows one source', () => {
  it('activation files replace a side’s live feature maps (with a notice); an image replaces the files', async () => {
    const { workspace, model, content, notices } = page();
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    await model.settled();
    expect(fileNames(workspace, 'A')).toEqual([`${manifest.final} on ring28.png`]);
    await content.openActivations('A', [fileOf(join(visualiser, 'a.npz'))]);
    expect(fileNames(workspace, 'A')).toEqual(['a.npz']);
    expect(model.state.inputs.A).toBeNull();
    expect(notices.at(-1)).toBe(`Pane A: a.npz replaces the live feature maps of ring28.png`);
    // A bad file replaces nothing.
    await content.openActivations('A', [{ name: 'bad.npz', blob: new Blob(['not a zip']) }]);
    expect(fileNames(workspace, 'A')).toEqual(['a.npz']);
    expect(workspace.state.panes.A.errors.at(-1)).toMatch(/^bad\.npz: /);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    await model.settled();
    expect(fileNames(workspace, 'A')).toEqual([`${manifest.final} on ring28.png`]);
    expect(notices.at(-1)).toBe('Pane A: the live feature maps replace a.npz');
    await workspace.idle();
  });

  it('the newest image of a side wins, whichever decodes first', async () => {
    const workspace = new Workspace(() => new CpuEngine());
    const model = new ModelStore(workspace, () => false);
    let slow!: () => void;
    const slowGate = new Promise<void>((r) => (slow = r));
    const content = new PageContent(model, workspace, '/', async (blob, name) => {
      if (name.startsWith('big')) await slowGate;
      return decode(blob, name);
    });
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    const big = content.openImage('A', { name: 'big28.png', blob: new Blob(['x']) });
    await content.openImage('A', { name: 'small28.png', blob: new Blob(['x']) });
    slow();
    await big;
    await model.settled();
    expect(model.state.inputs.A?.name).toBe('small28.png');
    expect(fileNames(workspace, 'A')).toEqual([`${manifest.final} on small28.png`]);
  });
});

describe('a B made from A follows A', () => {
  it('re-made by the same recipe (blur) when A changes; an occluded B is marked stale and leaves the views', async () => {
    const { workspace, model, content } = page();
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    await model.makeB('blur', { sigma: 2 });
    await model.settled();
    expect(model.state.inputs.B).toMatchObject({ name: 'ring28.png (blurred)', recipe: { kind: 'blur', sigma: 2, from: 'ring28.png' } });
    await content.openImage('A', { name: 'small28.png', blob: new Blob(['x']) });
    await model.settled();
    expect(model.state.inputs.B).toMatchObject({ name: 'small28.png (blurred)', stale: null, recipe: { from: 'small28.png', fromId: model.state.inputs.A!.id } });
    expect(fileNames(workspace, 'B')).toEqual([`${manifest.final} on small28.png (blurred)`]);

    // Occlusion needs a rectangle on the current A: none is refused, and a new A clears it.
    await model.makeB('occlude');
    expect(model.state.error).toBe("Occlude: no rectangle: drag on A's image to draw one, or type its x, y, width and height");
    model.setRect({ x: 40, y: 40, width: 5, height: 5 });
    await model.makeB('occlude');
    expect(model.state.error).toBe("Occlude: the rectangle (40, 40, 5 x 5) lies outside A's image (28 x 28 pixels)");
    model.setRect({ x: 4, y: 5, width: 10, height: 8 });
    await model.makeB('occlude');
    await model.settled();
    expect(model.state.inputs.B?.recipe).toMatchObject({ kind: 'occlude', rect: { x: 4, y: 5, width: 10, height: 8 } });
    expect(fileNames(workspace, 'B')).toEqual([`${manifest.final} on small28.png (occluded)`]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    await model.settled();
    await workspace.idle();
    expect(model.state.rect).toBeNull();
    expect(model.state.inputs.B?.stale).toBe('made from small28.png (occluded); A is now ring28.png, and the rectangle belonged to the old image: make B again');
    expect(fileNames(workspace, 'B')).toEqual([]);
    expect(model.state.predictions.B).toBeNull();
    // A stale B is not run again (a change of feature maps runs both sides).
    model.setSelected(model.state.selected.slice(0, 2));
    await model.settled();
    expect(fileNames(workspace, 'B')).toEqual([]);
    // Making B again clears the mark.
    model.setRect({ x: 2, y: 2, width: 6, height: 6 });
    await model.makeB('occlude');
    await model.settled();
    expect(model.state.inputs.B?.stale).toBeNull();
    expect(fileNames(workspace, 'B')).toEqual([`${manifest.final} on ring28.png (occluded)`]);
    await workspace.idle();
  });

  it('the rectangle filled as the lab fills: the image mean, a blurred or noisy copy; recorded in the recipe', async () => {
    const { model, content } = page();
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    const a = model.state.inputs.A!.image!;
    const rect = { x: 3, y: 6, width: 11, height: 7 };
    model.setRect(rect);
    const inside = (x: number, y: number) => x >= 3 && x < 14 && y >= 6 && y < 13;
    for (const fill of ['mean', 'blur', 'noise', 'zero'] as const) {
      await model.makeB('occlude', { fill });
      await model.settled();
      const b = model.state.inputs.B!;
      expect(b.recipe).toMatchObject({ kind: 'occlude', rect, fill });
      const expected = occludeWith(a, rect, fill);
      expect(Array.from(b.image!.data)).toEqual(Array.from(expected.data));
      // Outside the rectangle B is A; inside it is the fill.
      const source = occlusionFill(a, fill);
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        const i = (y * 28 + x) * 4;
        expect(b.image!.data[i], `${fill} at ${x},${y}`).toBe(inside(x, y) ? source.data[i] : a.data[i]);
      }
    }
    // Black is what "zero" was before the fills: the same image as a value-0 occlusion.
    expect(Array.from(model.state.inputs.B!.image!.data)).toEqual(Array.from(occlude(a, rect, 0).data));
  });

  it('a second "Make B from A" while the first runs: the last one is what B shows', async () => {
    const { workspace, model, content } = page();
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    const first = model.makeB('blur');
    const second = model.makeB('noise', { sigma: 30 });
    await Promise.all([first, second]);
    await model.settled();
    await workspace.idle();
    expect(model.state.inputs.B?.name).toBe('ring28.png (with noise)');
    expect(fileNames(workspace, 'B')).toEqual([`${manifest.final} on ring28.png (with noise)`]);
    expect(workspace.results('B').every((r) => r.file === `${manifest.final} on ring28.png (with noise)`)).toBe(true);
  });
});

describe('long operations end in a state the views describe', () => {
  it('a file removed while its layer is profiled: the run stops, and nothing of it stays', async () => {
    let seen: AbortSignal | null = null;
    let proceed!: () => void;
    const gate = new Promise<void>((r) => (proceed = r));
    class HeldEngine extends CpuEngine {
      override async profileLayer(...args: Parameters<CpuEngine['profileLayer']>) {
        seen = args[1]?.signal ?? null;
        await gate;
        return super.profileLayer(...args);
      }
    }
    const { workspace, content } = page(new HeldEngine());
    await content.openActivations('A', [fileOf(join(visualiser, 'a.npz'))]);
    await vi.waitFor(() => expect(seen).not.toBeNull());
    content.remove('A', workspace.state.panes.A.files[0].id);
    expect(seen!.aborted).toBe(true);
    proceed();
    await workspace.idle();
    expect(workspace.state.panes.A.files).toEqual([]);
    expect(workspace.results('A')).toEqual([]);
    expect(workspace.state.progress.running).toBe(false);
  });

  it('a lab run stops when the model changes under it, and says why; results of the old model leave', async () => {
    const { model, content } = page();
    const lab = new LabStore(model, () => ({ ...DEFAULT_PARAMS }), () => new CpuEngine());
    await content.openModel([fileOf(join(publicDir, 'demo', manifest.final))]);
    await content.openImage('A', { name: 'ring28.png', blob: new Blob(['x']) });
    await model.settled();
    await lab.runOcclusion({ patch: 8, stride: 10, fill: 'zero' });
    expect(lab.state.occlusion?.positions.length).toBeGreaterThan(0);
    // The model is swapped as soon as the first batch of positions is done.
    let swap: Promise<void> | null = null;
    lab.subscribe(() => {
      if (!swap && lab.state.running && lab.state.progress.done > 0) swap = content.openModel([fileOf(torchModel)]);
    });
    await lab.runOcclusion({ patch: 4, stride: 1, fill: 'mean' });
    await swap;
    expect(lab.state.progress.done).toBeLessThan(lab.state.progress.total);
    expect(lab.state.running).toBeNull();
    expect(lab.state.occlusion).toBeNull();
    expect(lab.state.error).toBe('occlusion stopped: the model changed (now torch_cnn.onnx); nothing of the run is kept');
  });
});
