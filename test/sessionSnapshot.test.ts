// A session kept and restored, on the page's stores in Node (onnxruntime-web's WASM backend): the
// demo model with an image on A and B made from it, a lab experiment, activation files; the
// document goes through a session file and back into fresh stores. The restore makes no engine
// call and no model run, and every result and export is what it was; maps are read again from the
// files kept, run again for live layers, refused with the reason for files left out and for layers
// computed elsewhere; a layer saved queued is resumed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import type { ProfileEngine } from '../src/engine/types';
import { countModelSessions } from './helpers/modelSessions';
import { ring } from './helpers/ringImage';
import { ModelStore } from '../src/session/modelStore';
import { LabStore } from '../src/session/labStore';
import { Workspace, paneResults } from '../src/session/workspace';
import { readSessionArchive, writeSessionArchive } from '../src/io/sessionArchive';
import { checkSessionDocument, type SessionDocument } from '../src/session/sessionDocument';
import { documentBytes, leftOutFiles, restoreSession, snapshotSession, type SessionParts } from '../src/session/sessionSnapshot';
import { comparisonCsv, sropsCsv } from '../src/ui/exporters';
import { layerRows, linearGrid } from '../src/analysis/layerRows';
import { conv3, graphModel, SAME } from '../src/testing/smallGraphs';
import { float32Npy } from '../src/testing/npyFile';

const root = join(__dirname, '..');
const demo = join(root, 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
const fileOf = (path: string, name = path.split('/').at(-1)!) => ({ name, blob: new Blob([readFileSync(path)]) });
const visualiser = join(root, 'test', 'fixtures', 'visualiser');

/** The CPU engine, its measuring calls counted. */
function countingEngine() {
  const engine = new CpuEngine();
  const calls = { n: 0 };
  for (const key of ['profileLayer', 'profileMaps', 'powerSpectrum'] as const) {
    const original = (engine[key] as (...a: unknown[]) => unknown).bind(engine);
    (engine as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      calls.n++;
      return original(...args);
    };
  }
  return { engine: engine as ProfileEngine, calls };
}

function stores() {
  const { engine, calls } = countingEngine();
  const workspace = new Workspace(() => engine);
  const model = new ModelStore(workspace, () => false);
  const lab = new LabStore(model, () => workspace.state.params, () => engine);
  return { parts: { workspace, model, lab } as SessionParts, calls };
}

async function settle(parts: SessionParts) {
  for (let i = 0; i < 3; i++) {
    await parts.model.settled();
    await parts.workspace.idle();
  }
}

/** What the page exports of both panes (without provenance): the SROPs and the comparison. */
function exportsOf(parts: SessionParts) {
  const a = paneResults(parts.workspace.state.panes.A), b = paneResults(parts.workspace.state.panes.B);
  return { srops: sropsCsv(a, b), comparison: comparisonCsv(layerRows(a, b, null, null, linearGrid(0, 1, 16), true)) };
}

/** Through a session file and back. */
async function viaFile(doc: SessionDocument): Promise<SessionDocument> {
  const bytes = await writeSessionArchive(doc, { app: { name: 'SROP lab', version: 'test' } });
  return checkSessionDocument(readSessionArchive(bytes, 'kept.srop.zip').value, 'kept.srop.zip');
}

afterEach(() => vi.restoreAllMocks());

describe('a session kept and restored', () => {
  it('the demo model, A and an occluded B, an occlusion run: back without engine calls or model runs, the same exports and lab', async () => {
    const { parts } = stores();
    await parts.model.loadModel([fileOf(join(demo, manifest.final))], { labels: manifest.labels });
    parts.model.setImage('A', 'ring28.png', ring(28));
    parts.model.setRect({ x: 13, y: 3, width: 12, height: 11 });
    await parts.model.makeB('occlude');
    await settle(parts);
    await parts.lab.runOcclusion({ patch: 14, stride: 14, fill: 'zero' });
    expect(parts.lab.state.occlusion?.positions).toHaveLength(4);
    parts.workspace.setParams({ kappa: 0.8 });
    const before = exportsOf(parts);
    expect(before.srops.split('\n').length).toBeGreaterThan(20);
    const liveA = parts.workspace.entries('A')[1];
    const mapsBefore = await liveA.layer.readMaps(5, 3);

    const doc = await viaFile(snapshotSession(parts));
    expect(doc.panes.A.files.map((f) => f.kind)).toEqual(['live']);
    expect(doc.model?.inputs.B?.recipe?.kind).toBe('occlude');

    const runtime = countModelSessions();
    const { parts: back, calls } = stores();
    const notes = await restoreSession(back, doc, { where: 'kept.srop.zip', interrupted: 'interrupted by a reload' });
    expect(notes).toEqual([]);
    await settle(back);
    expect(calls.n).toBe(0);
    expect(runtime).toEqual({ created: 0, runs: 0, released: 0 });
    expect(exportsOf(back)).toEqual(before);
    expect(back.workspace.state.params.kappa).toBe(0.8);
    expect(back.lab.state.occlusion).toEqual(parts.lab.state.occlusion);
    expect(back.model.state).toMatchObject({ status: 'ready', selected: parts.model.state.selected, rect: parts.model.state.rect, predictions: parts.model.state.predictions, labels: manifest.labels });
    expect(back.model.state.inputs.A?.image?.data).toEqual(parts.model.state.inputs.A?.image?.data);
    expect(back.model.state.inputs.B?.name).toBe(parts.model.state.inputs.B?.name);
    // Parameters change as before, from the profiles (no FFT).
    back.workspace.setParams({ kappa: 0.9 });
    parts.workspace.setParams({ kappa: 0.9 });
    expect(exportsOf(back)).toEqual(exportsOf(parts));
    expect(calls.n).toBe(0);

    // A live layer's maps: the model runs again on A's input, on demand, and gives the same maps.
    const restoredA = back.workspace.entries('A')[1];
    expect(back.workspace.layerOf(restoredA.result!)).toBe(restoredA.layer);
    expect(await restoredA.layer.readMaps(5, 3)).toEqual(mapsBefore);
    expect(runtime.created).toBe(1);
    expect(runtime.runs).toBe(1);

    // Live layers saved queued (a reload in the middle of B's run) and a lab run under way: the
    // layers resume through the model, run again on B's inputs, to the same numbers; the lab says
    // its run was interrupted.
    const mid = snapshotSession(parts);
    mid.panes.B.files[0].layers = mid.panes.B.files[0].layers.map((l, i) => (i >= 2 ? { ...l, status: i === 2 ? 'running' : 'queued', profiles: null } : l));
    mid.lab = { ...mid.lab!, running: 'randomisation' };
    mid.modelLoading = 'resnet18.onnx';
    const resumed = stores();
    const resumedNotes = await restoreSession(resumed.parts, await viaFile(mid), { where: 'kept', interrupted: 'interrupted by a reload' });
    const queued = mid.panes.B.files[0].layers.length - 2;
    expect(resumedNotes).toEqual([`${queued} layers were interrupted by a reload: resumed`, "The lab's randomisation run was interrupted by a reload: run it again", 'The model resnet18.onnx was loading (interrupted by a reload): load it again']);
    expect(resumed.parts.lab.state.error).toBe("The lab's randomisation run was interrupted by a reload: run it again");
    await settle(resumed.parts);
    expect(resumed.calls.n).toBe(queued);
    expect(exportsOf(resumed.parts)).toEqual(exportsOf(parts));

    // A new A after the restore: B follows as it did (an occlusion drawn on the old A goes stale).
    back.model.setImage('A', 'ring40.png', ring(40, 0.3));
    await settle(back);
    expect(back.model.state.inputs.B?.stale).toBe('made from ring28.png (occluded); A is now ring40.png, and the rectangle belonged to the old image: make B again');
    expect(back.lab.state.occlusion).toBeNull();
  }, 120_000);

  it("a live tensor the graph does not place: the pane's layout control works after the restore as before", async () => {
    const bytes = graphModel(
      [['Conv', ['x', 'w'], ['c'], SAME], ['Relu', ['c'], ['r']], ['Reshape', ['r', 'to'], ['y']]],
      { input: [1, 3, 6, 6], floats: { w: conv3(3, 3) }, ints: { to: [1, 6, 6, 3] } },
    );
    const { parts } = stores();
    await parts.model.loadModel([{ name: 'reshape.onnx', blob: new Blob([bytes]) }]);
    parts.model.setSelected(['r', 'y']);
    const input = float32Npy(Float32Array.from({ length: 108 }, (_, i) => Math.cos(i)), [1, 3, 6, 6]);
    await parts.model.setTensorFile('A', { name: 'x.npy', blob: new Blob([input]) });
    await settle(parts);
    const { parts: back, calls } = stores();
    await restoreSession(back, await viaFile(snapshotSession(parts)), { where: 'kept', interrupted: 'interrupted' });
    expect(calls.n).toBe(0);
    const live = (p: SessionParts) => p.workspace.state.panes.A.files[0];
    const layouts = (p: SessionParts) => live(p).layers.map((e) => [e.layer.name, e.layer.layout, e.layer.shape.join('x')]);
    expect(layouts(back)).toEqual([['r', 'nchw', '1x3x6x6'], ['y', 'nhwc', '1x3x6x6']]);
    expect(live(back).relayout).toBeDefined();
    for (const p of [parts, back]) {
      await p.workspace.setLayout('A', live(p).id, 'nchw');
      await settle(p);
    }
    expect(layouts(back)).toEqual([['r', 'nchw', '1x3x6x6'], ['y', 'nchw', '1x6x6x3']]);
    expect(live(back).layers[1].layer.layoutReason).toBe('given (the graph does not tell (after Reshape Reshape_2))');
    expect(calls.n).toBe(2);
    expect(exportsOf(back)).toEqual(exportsOf(parts));
    expect(back.model.liveLayoutChoice).toBe('nchw');
  }, 60_000);

  it('activation files: kept ones are opened again for their maps, one left out is named and refuses its maps; a queued layer resumes', async () => {
    const { parts } = stores();
    await parts.workspace.addFiles('A', [fileOf(join(visualiser, 'a.npz'))]);
    await parts.workspace.addFiles('B', [fileOf(join(visualiser, 'b.npz')), fileOf(join(visualiser, 'a_only.npy'))]);
    await settle(parts);
    const before = exportsOf(parts);
    const aFirst = parts.workspace.entries('A')[0];
    const maps = await aFirst.layer.readMaps(0, 2);
    const bBytes = parts.workspace.state.panes.B.files[0].blob!.size;
    const aBytes = parts.workspace.state.panes.A.files[0].blob!.size;

    // The bound keeps a.npz (first in pane order) and leaves b.npz out.
    const doc = await viaFile(snapshotSession(parts, { fileBytes: aBytes + 10, leftOutReason: 'past the bound of the test' }));
    expect(leftOutFiles(doc)).toEqual([expect.stringMatching(/^b\.npz \(\d+ kB\)$/), expect.stringMatching(/^a_only\.npy \(\d+ kB\)$/)]);
    expect(doc.panes.B.files[0].leftOut).toEqual({ bytes: bBytes, reason: 'past the bound of the test' });
    expect(documentBytes(doc)).toBeLessThan(documentBytes(snapshotSession(parts)));
    const { parts: back, calls } = stores();
    const notes = await restoreSession(back, doc, { where: 'kept', interrupted: 'interrupted by a reload' });
    expect(notes).toEqual([expect.stringMatching(/^Not kept: b\.npz \(\d+ kB\), a_only\.npy \(\d+ kB\): pick them again to see their maps$/)]);
    await settle(back);
    expect(calls.n).toBe(0);
    expect(exportsOf(back)).toEqual(before);
    expect(await back.workspace.entries('A')[0].layer.readMaps(0, 2)).toEqual(maps);
    await expect(back.workspace.entries('B')[0].layer.readMaps(0, 1)).rejects.toThrow('b.npz was not kept in the session (past the bound of the test): pick it again to see its maps');
    // Kept again, a left-out file stays left out, with its size.
    const again = snapshotSession(back);
    expect(again.panes.B.files[0]).toMatchObject({ kind: 'file', blob: null, leftOut: { bytes: bBytes } });
    expect(again.panes.B.files[0].layers.every((l) => l.profiles)).toBe(true);

    // A layer saved while queued (a reload in the middle of the queue): queued again, measured, the same numbers.
    const mid = snapshotSession(parts);
    const layerDoc = mid.panes.A.files[0].layers[1];
    mid.panes.A.files[0].layers[1] = { ...layerDoc, status: 'running', profiles: null };
    mid.panes.A.files[0].layers[2] = { ...mid.panes.A.files[0].layers[2], status: 'queued', profiles: null };
    const resumed = stores();
    const notes2 = await restoreSession(resumed.parts, mid, { where: 'kept', interrupted: 'interrupted by a reload' });
    expect(notes2).toEqual(['2 layers were interrupted by a reload: resumed']);
    await settle(resumed.parts);
    expect(resumed.calls.n).toBe(2);
    expect(exportsOf(resumed.parts)).toEqual(before);
  }, 120_000);

  it("the command's document (model null, layers kind 'profiles', lab null): layers shown from their profiles, maps refused with the reason", async () => {
    const { parts } = stores();
    await parts.workspace.addFiles('A', [fileOf(join(visualiser, 'a.npz'))]);
    await settle(parts);
    const page = snapshotSession(parts);
    const doc: SessionDocument = {
      ...page,
      writer: 'srop run',
      engineChoice: null,
      model: null,
      lab: null,
      panes: { A: { ...page.panes.A, files: page.panes.A.files.map((f) => ({ ...f, kind: 'profiles', blob: null, name: 'run.onnx on cat.png' })) }, B: page.panes.B },
    };
    const { parts: back, calls } = stores();
    // What the page showed is replaced whole (here: a model's state from before).
    await back.workspace.addFiles('B', [fileOf(join(visualiser, 'b.npz'))]);
    await settle(back);
    const before = calls.n;
    expect(await restoreSession(back, await viaFile(doc), { where: 'run.srop.zip', interrupted: 'interrupted' })).toEqual([]);
    await settle(back);
    expect(calls.n).toBe(before);
    expect(back.workspace.state.panes.B.files).toEqual([]);
    expect(exportsOf(back)).toEqual(exportsOf(parts));
    expect(back.workspace.state.panes.A.files[0].notHere?.kind).toBe('profiles');
    await expect(back.workspace.entries('A')[0].layer.readMaps(0, 1)).rejects.toThrow('run.onnx on cat.png: computed by srop run; only its profiles were kept, not its feature maps');
    expect(back.model.state.model).toBeNull();
    // A new engine measures everything again, but these layers have no maps: their profiles stand.
    back.workspace.recomputeAll();
    await settle(back);
    expect(calls.n).toBe(before);
    expect(exportsOf(back)).toEqual(exportsOf(parts));
  }, 60_000);

  it('a model that cannot be read: one message naming the file, and nothing changes', async () => {
    const { parts } = stores();
    await parts.workspace.addFiles('A', [fileOf(join(visualiser, 'a.npz'))]);
    await settle(parts);
    const doc = snapshotSession(parts);
    const broken: SessionDocument = { ...doc, panes: { A: doc.panes.B, B: doc.panes.B }, model: { ...({} as NonNullable<SessionDocument['model']>), name: 'net.onnx', file: new Blob([new Uint8Array([1, 2, 3])]), externalData: [] } };
    const shown = parts.workspace.state;
    await expect(restoreSession(parts, broken, { where: 'x.srop.zip', interrupted: 'interrupted' })).rejects.toThrow(/^x\.srop\.zip: its model net\.onnx cannot be read \(/);
    expect(parts.workspace.state).toBe(shown);
  });

  it('documents that are not sessions: one message naming the file and what is wrong', () => {
    const page = snapshotSession(stores().parts);
    const file = { name: 'a.npz', kind: 'file', origin: 'user', layout: 'auto', blob: null, layers: [{ name: 'conv1', file: 'a.npz', shape: [1, 2, 3, 4], storedShape: [1, 2, 3, 4], dtype: '<f4', layout: 'nchw', layoutReason: 'given', status: 'done', error: null, profiles: null }] };
    const cases: Array<[unknown, string]> = [
      [null, 's.srop.zip: the session holds no document'],
      [{ ...page, version: 2 }, 's.srop.zip: the session document is version 2, newer than this app reads (up to 1): open it with a newer version of the app'],
      [{ ...page, params: undefined }, 's.srop.zip: the session document has no SROP parameters'],
      [{ ...page, panes: { A: page.panes.A } }, 's.srop.zip: the session document has no pane B'],
      [{ ...page, panes: { A: { ...page.panes.A, files: [{ ...file, kind: 'movie' }] }, B: page.panes.B } }, 's.srop.zip: a.npz: its kind "movie" is none of file, live, results, profiles'],
      [{ ...page, panes: { A: { ...page.panes.A, files: [{ ...file, layers: [{ ...file.layers[0], status: 'paused' }] }] }, B: page.panes.B } }, 's.srop.zip: a.npz: layer conv1 has status "paused", none of queued, running, done, error, cancelled'],
      [{ ...page, panes: { A: { ...page.panes.A, files: [{ ...file, layers: [{ ...file.layers[0], profiles: { maps: 2, height: 3, width: 4, rings: 3, inDisc: new Float64Array(5), outDisc: new Float64Array(6), dc: new Float64Array(2), sumSquares: new Float64Array(2), nonFinite: new Uint8Array(2) } }] }] }, B: page.panes.B } }, 's.srop.zip: a.npz: conv1: its ring profiles do not match its shape 1x2x3x4'],
    ];
    for (const [value, message] of cases) expect(() => checkSessionDocument(value, 's.srop.zip')).toThrow(message);
    expect(checkSessionDocument({ ...page, panes: { A: { ...page.panes.A, files: [file] }, B: page.panes.B } }, 's.srop.zip').panes.A.files[0].name).toBe('a.npz');
  });

  it('a restore superseded by a newer action (its signal aborted) changes nothing', async () => {
    const { parts } = stores();
    await parts.workspace.addFiles('A', [fileOf(join(visualiser, 'a.npz'))]);
    await settle(parts);
    const doc = snapshotSession(parts);
    const { parts: other } = stores();
    const controller = new AbortController();
    const pending = restoreSession(other, doc, { where: 'kept', interrupted: 'interrupted', signal: controller.signal });
    controller.abort();
    expect(await pending).toBeNull();
    expect(other.workspace.state.panes.A.files).toEqual([]);
  });
});
