// Results JSON read back for "Open results": the JSON of srop / srop run / srop merge becomes layer
// results without profiles, exactly its SROPs and statuses; what is not such a file is refused with
// the reason; in the workspace the file's parameters rule, and other parameters leave its layers
// empty with a message until they come back.
import { describe, expect, it } from 'vitest';
import { parseResultsJson } from '../src/analysis/resultsJson';
import { runLayerJson } from '../src/cli/runResult';
import { layerResult } from '../src/analysis/layerResult';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { CpuEngine } from '../src/engine/cpuEngine';
import { syntheticMaps } from '../src/testing/syntheticMaps';
import { Workspace } from '../src/session/workspace';
import { summaryJson } from '../src/ui/exporters';

const params = { ...DEFAULT_PARAMS, kappa: 0.8 };

async function resultsText(): Promise<{ text: string; srop: Float64Array; status: Uint8Array; summary: unknown }> {
  const engine = new CpuEngine();
  const [n, c, h, w] = [3, 5, 9, 7];
  const data = syntheticMaps(n * c, h, w, 4);
  // Map 4 dead (all zero).
  data.fill(0, 4 * h * w, 5 * h * w);
  const profiles = await engine.profileMaps(data, n * c, h, w);
  const r = layerResult({ name: 'conv1', file: 'm.onnx', shape: [n, c, h, w] }, profiles, params);
  const layer = runLayerJson({ name: 'conv1', file: 'm.onnx', shape: [n, c, h, w], layout: 'nchw' }, r, params);
  const text = JSON.stringify({ params, backend: 'cpu', adapter: null, run: { model: { file: 'm.onnx', sha256: 'x' } }, images: [{}, {}, {}], failed: [], layers: [layer] });
  return { text, srop: r.srop, status: r.status, summary: r.summary };
}

describe('results JSON', () => {
  it('reads back every SROP and status, with the summary and no profiles', async () => {
    const { text, srop, status, summary } = await resultsText();
    const opened = parseResultsJson(text, 'all.json');
    expect(opened.params).toEqual(params);
    expect(opened.origin).toBe('srop run: 3 images, m.onnx');
    const [r] = opened.results;
    expect(r.profiles).toBeNull();
    expect(r.file).toBe('all.json');
    expect(Array.from(r.status)).toEqual(Array.from(status));
    expect(r.status[4]).toBe(1);
    for (let m = 0; m < srop.length; m++) expect(Number.isNaN(r.srop[m]) ? null : r.srop[m]).toBe(Number.isNaN(srop[m]) ? null : srop[m]);
    expect(r.summary).toEqual(summary);
    expect(r.summary.dead).toBeGreaterThanOrEqual(1);
  });

  it("opens the page's own JSON export: the pane's side, else the other", async () => {
    const { text, srop } = await resultsText();
    const [r] = parseResultsJson(text, 'all.json').results;
    const page = summaryJson(params, [r], [], [], { A: null, B: null });
    for (const side of ['A', 'B'] as const) {
      const opened = parseResultsJson(page, 'srop-summary.json', side);
      expect(opened.origin).toBe("the page's JSON export, side A");
      expect(opened.params).toEqual(params);
      expect(opened.results.map((l) => l.name)).toEqual(['conv1']);
      expect(Array.from(opened.results[0].srop, (v) => (Number.isNaN(v) ? null : v))).toEqual(Array.from(srop, (v) => (Number.isNaN(v) ? null : v)));
    }
  });

  it('refuses what is not a results file, naming it and the reason', async () => {
    const { text } = await resultsText();
    const good = JSON.parse(text);
    const cases: Array<[string, RegExp]> = [
      ['{', /^x\.json: not JSON \(/],
      [JSON.stringify({ params: DEFAULT_PARAMS, A: [{ layer: 'conv1', name: 'conv1', summary: {} }], B: [], shown: [] }), /^x\.json: a summary export of an earlier version of the page: it holds each layer's summary, not every map's SROP/],
      [JSON.stringify({ params: DEFAULT_PARAMS, files: { a: 'a', b: 'b' }, layers: [{ layer: 'conv1', channels: 3 }] }), /^x\.json: layer 0 has no name$/],
      [JSON.stringify({ ...good, layers: [{ ...good.layers[0], srop: undefined }] }), /^x\.json: layer conv1: no per-map "srop" and "status"/],
      [JSON.stringify({ ...good, layers: [{ ...good.layers[0], shape: [3, 5, 9] }] }), /^x\.json: layer conv1: shape \[3,5,9\] is not \[N, C, H, W\]$/],
      [JSON.stringify({ ...good, layers: [{ ...good.layers[0], shape: [4, 5, 9, 7] }] }), /^x\.json: layer conv1: "srop" is not 4 rows of 5 values/],
      [JSON.stringify({ ...good, layers: [{ ...good.layers[0], status: good.layers[0].status.map((row: string[]) => row.map(() => 'fine')) }] }), /^x\.json: layer conv1: input 0 channel 0: status "fine" is not one of ok, dead, nonfinite$/],
      [JSON.stringify({ ...good, params: { ...params, kappa: 1.5 } }), /^x\.json: params: kappa must lie strictly between 0 and 1/],
      [JSON.stringify({ ...good, layers: [] }), /^x\.json: no layers in it$/],
    ];
    for (const [body, message] of cases) expect(() => parseResultsJson(body, 'x.json'), body.slice(0, 80)).toThrow(message);
  });

  it('in the workspace: the page takes the file\'s parameters; others empty its layers with one message; back, they return', async () => {
    const { text } = await resultsText();
    const engine = new CpuEngine();
    const workspace = new Workspace(() => engine);
    const entry = await workspace.addResults('A', { name: 'all.json', blob: new Blob([text]) });
    expect(entry?.layers.map((e) => e.status)).toEqual(['done']);
    expect(workspace.state.params.kappa).toBe(0.8);
    expect(workspace.results('A')).toHaveLength(1);
    workspace.setParams({ kappa: 0.85 });
    expect(workspace.results('A')).toHaveLength(0);
    expect(workspace.state.panes.A.errors).toEqual(['all.json: SROPs at kappa 0.8, dc keep, domain disc only (a results file has no ring profiles to recompute them); set those parameters again to see them']);
    workspace.recomputeAll();
    await workspace.idle();
    expect(workspace.entries('A').map((e) => e.status)).toEqual(['error']);
    workspace.setParams({ kappa: 0.8 });
    expect(workspace.results('A')).toHaveLength(1);
    expect(workspace.state.panes.A.errors).toEqual([]);
    await expect(workspace.entries('A')[0].layer.readMaps(0, 1)).rejects.toThrow('all.json holds SROPs only (a results file): no feature maps, no spectra');
    expect(await workspace.addResults('A', { name: 'bad.json', blob: new Blob(['[]']) })).toBeNull();
    expect(workspace.state.panes.A.errors).toEqual(['bad.json: not a results JSON (not an object)']);
    expect(workspace.results('A')).toHaveLength(1);
  });
});
