// The lab's runs in Node (onnxruntime-web's WASM backend) against the page's model store: every
// session call goes through the page's runtime queue and every session is released, failures
// included; the training view takes the page's provider and the checkpoints' external data; the
// occlusion probability drop takes probabilities as given; checkpoint files without a step are
// reported.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { onnx } from '../src/model/onnxGraph';
import { ModelSession, type ModelProvider } from '../src/model/runtime';
import type { RgbaImage } from '../src/model/preprocess';
import { LabStore } from '../src/session/labStore';
import { checkpointsFrom, parseAccuracyTable } from '../src/io/checkpoints';
import { ModelStore } from '../src/session/modelStore';
import { occlusionCsv, randomisationCsv, randomisationJson } from '../src/ui/labExports';
import { externalConvModel, mixedModel } from '../src/testing/mixedModel';
import { Workspace } from '../src/session/workspace';

const root = join(__dirname, '..');
const demo = join(root, 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
const demoBytes = new Uint8Array(readFileSync(join(demo, manifest.final)));

function stores() {
  const engine = new CpuEngine();
  const model = new ModelStore(new Workspace(() => engine), () => false);
  const lab = new LabStore(model, () => ({ ...DEFAULT_PARAMS }), () => new CpuEngine());
  return { model, lab };
}

/** A digit-like picture: a bright ring on black. */
function ring(size: number): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const r = Math.hypot(x - size / 2, y - size / 2);
    const v = Math.abs(r - size / 4) < size / 10 ? 255 : 0;
    data.set([v, v, v, 255], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

/**
 * Watches every runtime call (session creation, run, release) of every session: how many are in
 * flight at once, and which sessions were never released. Each call is slowed a little, so that
 * two callers that do not share the queue do overlap.
 */
function watchRuntime(options: { failRun?: (call: number) => boolean; provider?: (asked: ModelProvider) => ModelProvider } = {}) {
  const original = ModelSession.create.bind(ModelSession);
  const log = { inFlight: 0, maxInFlight: 0, created: 0, released: 0, runs: 0, providers: [] as ModelProvider[], externalData: [] as string[][] };
  const enter = () => {
    log.inFlight++;
    log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
  };
  const pause = () => new Promise((r) => setTimeout(r, 3));
  vi.spyOn(ModelSession, 'create').mockImplementation(async (parsed, bytes, provider, externalData = []) => {
    enter();
    try {
      await pause();
      log.providers.push(provider);
      log.externalData.push(externalData.map((f) => f.path));
      const session = await original(parsed, bytes, options.provider?.(provider) ?? provider, externalData);
      log.created++;
      const run = session.run.bind(session), release = session.release.bind(session);
      Object.assign(session, {
        run: async (...args: Parameters<ModelSession['run']>) => {
          enter();
          try {
            await pause();
            const call = ++log.runs;
            if (options.failRun?.(call)) throw new Error(`${args[0]}: the model failed to run (injected failure)`);
            return await run(...args);
          } finally {
            log.inFlight--;
          }
        },
        release: async () => {
          enter();
          try {
            await pause();
            log.released++;
            return await release();
          } finally {
            log.inFlight--;
          }
        },
      });
      return session;
    } finally {
      log.inFlight--;
    }
  });
  return log;
}

afterEach(() => vi.restoreAllMocks());

async function demoStores() {
  const { model, lab } = stores();
  await model.loadModel([{ name: manifest.final, blob: new Blob([demoBytes]) }]);
  model.setImage('A', 'ring.png', ring(28));
  await model.runSide('A');
  return { model, lab };
}

describe('lab sessions share the page’s runtime queue', () => {
  it('randomisation and occlusion never overlap the page’s runs, and release every session', async () => {
    const log = watchRuntime();
    const { model, lab } = await demoStores();
    const page = (async () => {
      for (let i = 0; i < 6; i++) {
        model.setImage('B', `ring${i}.png`, ring(28 + i));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([lab.runRandomisation('independent'), page]);
    await lab.runOcclusion({ patch: 14, stride: 14, fill: 'zero' });
    await model.runSide('B');
    expect(lab.state.error).toBeNull();
    expect(lab.state.randomisation?.steps).toHaveLength(6);
    expect(lab.state.occlusion?.positions).toHaveLength(4);
    expect(log.runs).toBeGreaterThan(10);
    expect(log.maxInFlight).toBe(1);
    // The page keeps its own session (one); the probe's and the lab's are all released.
    expect(log.created - log.released).toBe(1);
  });

  it('a run that fails mid-way still releases the lab’s sessions and reports the failure', async () => {
    const { lab } = await demoStores();
    const log = watchRuntime({ failRun: (call) => call === 3 });
    await lab.runOcclusion({ patch: 14, stride: 7, fill: 'zero' });
    expect(lab.state.error).toMatch(/^occlusion: .*injected failure/);
    expect(log.created).toBeGreaterThan(0);
    expect(log.released).toBe(log.created);
    await lab.runRandomisation('cascading');
    // Randomisation after a failure: it runs, and again leaves nothing behind.
    expect(log.released).toBe(log.created);
  });
});

/** A one-conv model whose weights live in an external-data file, with a 4-D sigmoid output. */
function externalModel(): { bytes: Uint8Array<ArrayBuffer>; weights: Uint8Array<ArrayBuffer> } {
  const { bytes, weights } = externalConvModel(12, 1 / 4);
  return { bytes, weights: new Uint8Array(weights.buffer) };
}

describe('training view', () => {
  it('uses the page’s provider choice and gives each checkpoint its external-data file', async () => {
    const { model, lab } = stores();
    const { bytes, weights } = externalModel();
    // Node has no WebGPU: sessions asked for it run on WASM here, but the request is what is checked.
    const log = watchRuntime({ provider: () => 'wasm' });
    await model.loadModel([{ name: 'external.onnx', blob: new Blob([bytes]) }, { name: 'weights.bin', blob: new Blob([weights]) }]);
    model.setProvider('webgpu');
    model.setImage('A', 'ring.png', ring(12));
    await model.runSide('A');
    expect(model.state.error).toBeNull();
    const before = log.providers.length;
    await lab.runTraining(
      [{ name: 'external_step10.onnx', step: 10, accuracy: 0.5, blob: new Blob([bytes]) }, { name: 'external_step20.onnx', step: 20, accuracy: 0.9, blob: new Blob([bytes]) }],
      [{ name: 'weights.bin', blob: new Blob([weights]) }, { name: 'unrelated.bin', blob: new Blob([new Uint8Array(4)]) }],
    );
    expect(lab.state.error).toBeNull();
    expect(lab.state.training?.points.map((p) => p.step)).toEqual([10, 20]);
    expect(log.providers.slice(before)).toEqual(['webgpu', 'webgpu']);
    expect(log.externalData.slice(before)).toEqual([['weights.bin'], ['weights.bin']]);

    await lab.runTraining([{ name: 'external_step10.onnx', step: 10, accuracy: 0.5, blob: new Blob([bytes]) }]);
    expect(lab.state.error).toBe('training: external_step10.onnx: its weights are in external-data file weights.bin, not given; pick it with the checkpoints');
  });

  it('checkpoint files without a step are left out with the reason; other files are external data', () => {
    const files = ['ckpt_100.onnx', 'final.onnx', 'ckpt_5.onnx', 'ckpt_100.onnx.data'].map((name) => ({ name }));
    const picked = checkpointsFrom(files, parseAccuracyTable('file,accuracy\nckpt_100.onnx,0.9\n5,0.2\n'));
    expect(picked.checkpoints.map((c) => [c.name, c.step, c.accuracy])).toEqual([['ckpt_100.onnx', 100, 0.9], ['ckpt_5.onnx', 5, 0.2]]);
    expect(picked.externalFiles.map((f) => f.name)).toEqual(['ckpt_100.onnx.data']);
    expect(picked.leftOut).toEqual([{ name: 'final.onnx', reason: 'no step number in its name (and no manifest gives one)' }]);
    const withManifest = checkpointsFrom([{ name: 'best.onnx' }, { name: 'last.onnx' }], parseAccuracyTable(JSON.stringify({ checkpoints: [{ file: 'best.onnx', step: 7, accuracy: 0.8 }] })));
    expect(withManifest.checkpoints.map((c) => c.step)).toEqual([7]);
    expect(withManifest.leftOut).toEqual([{ name: 'last.onnx', reason: 'no step number in its name, and the manifest does not list it' }]);
  });
});

describe('occlusion probability drop', () => {
  it('is the same whether the model outputs logits or, after a Softmax node, probabilities', async () => {
    const withSoftmax = onnx.ModelProto.decode(demoBytes);
    const graph = withSoftmax.graph!;
    const logits = graph.output![0].name!;
    graph.node!.push(onnx.NodeProto.create({ opType: 'Softmax', input: [logits], output: ['probabilities'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }));
    graph.output = [onnx.ValueInfoProto.create({ name: 'probabilities', type: { tensorType: { elemType: 1 } } })];
    const drops: number[][] = [];
    for (const bytes of [demoBytes, onnx.ModelProto.encode(withSoftmax).finish()]) {
      const { model, lab } = stores();
      await model.loadModel([{ name: 'demo.onnx', blob: new Blob([new Uint8Array(bytes)]) }]);
      model.setImage('A', 'ring.png', ring(28));
      await model.runSide('A');
      await lab.runOcclusion({ patch: 10, stride: 6, fill: 'zero' });
      expect(lab.state.error).toBeNull();
      drops.push(lab.state.occlusion!.probabilityDrop);
    }
    expect(drops[0].some((d) => Math.abs(d) > 1e-3)).toBe(true);
    drops[1].forEach((d, i) => expect(d).toBeCloseTo(drops[0][i], 5));
  });
});

describe('lab exports', () => {
  it('CSVs open with the model, image and parameters; the randomisation JSON holds every step’s per-layer SROPs; skipped weights are listed', async () => {
    const { model, lab } = stores();
    const { bytes, external } = mixedModel();
    await model.loadModel([{ name: 'mixed.onnx', blob: new Blob([new Uint8Array(bytes)]) }, { name: 'mixed.data', blob: new Blob([new Uint8Array(external[0].data)]) }]);
    expect(model.state.error).toBeNull();
    model.setImage('A', 'ring.png', ring(10));
    await model.runSide('A');
    await lab.runRandomisation('cascading');
    await lab.runOcclusion({ patch: 5, stride: 5, fill: 'mean' });
    expect(lab.state.error).toBeNull();
    const params = { ...DEFAULT_PARAMS, kappa: 0.9 };
    const r = lab.state.randomisation!;
    expect(r.notRandomised.map((s) => `${s.layer}/${s.initializer}`)).toEqual(['bn1/', 'conv3/w3', 'conv2/b2']);

    const csv = randomisationCsv(r, params).trim().split('\n');
    expect(csv.slice(0, 4)).toEqual(['# experiment: randomisation', '# model: mixed.onnx', '# image: ring.png', '# mode: cascading']);
    expect(csv).toContain('# not_randomised: conv3/w3: dtype int8 is not a float type (quantised weights are not re-drawn)');
    expect(csv).toContain('# srop_params: kappa=0.9 dc=keep domain=disc interpolate=true');
    const header = csv.findIndex((l) => !l.startsWith('# '));
    expect(csv[header]).toMatch(/^step,label,randomised,redrawn,w1:/);
    expect(csv.length - header - 1).toBe(r.steps.length);

    const json = JSON.parse(JSON.stringify(randomisationJson(r, params)));
    expect(json.trained.map((l: { layer: string }) => l.layer)).toEqual(r.layers);
    expect(json.steps).toHaveLength(r.steps.length);
    for (const [i, step] of json.steps.entries()) {
      for (const [k, layer] of step.layers.entries()) {
        const result = r.steps[i].results[k];
        expect(layer.srop).toHaveLength(result.shape[0] * result.shape[1]);
        expect(layer.srop).toEqual(Array.from(result.srop, (v) => (Number.isFinite(v) ? v : null)));
      }
    }

    const occ = occlusionCsv(lab.state.occlusion!, params).trim().split('\n');
    expect(occ.slice(0, 6)).toEqual(['# experiment: occlusion', '# model: mixed.onnx', '# image: ring.png', '# patch: 5', '# stride: 5', '# fill: mean']);
    const occHeader = occ.findIndex((l) => !l.startsWith('# '));
    expect(occ[occHeader]).toMatch(/^x,y,srop_change,probability_drop,w1:/);
    expect(occ.length - occHeader - 1).toBe(lab.state.occlusion!.positions.length);
  });
});

describe('occlusion at any input size', () => {
  it('defaults scaled to the input: a 224-px model runs a few hundred positions, the 28-px demo 169', async () => {
    const { occlusionDefaults, occlusionGrid } = await import('../src/analysis/lab');
    const big = occlusionDefaults(224, 224);
    expect(big).toEqual({ patch: 28, stride: 14, positions: 225 });
    expect(big.positions).toBeLessThanOrEqual(400);
    expect(occlusionGrid(224, 224, 6, 2).length).toBe(12_100); // the old fixed default
    expect(occlusionDefaults(28, 28)).toEqual({ patch: 4, stride: 2, positions: 169 });
    // Awkward sizes: a wide input, a tiny one.
    const wide = occlusionDefaults(517, 97);
    expect(wide.patch).toBe(12);
    expect(wide.stride).toBe(6);
    expect(wide.positions).toBeLessThanOrEqual(1500);
    expect(occlusionDefaults(3, 3)).toMatchObject({ patch: 2, stride: 1, positions: 4 });
  });

  it('the layers a lab chart draws by default: a few, spread from the first to the last', async () => {
    const { defaultLayers } = await import('../src/analysis/lab');
    const layers = Array.from({ length: 17 }, (_, i) => `l${i}`);
    expect(defaultLayers(layers)).toEqual(['l0', 'l5', 'l11', 'l16']);
    expect(defaultLayers(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('Cancel keeps the positions done, marked partial, in the view and the CSV', async () => {
    const { model, lab } = await demoStores();
    let cancelled = false;
    lab.subscribe(() => {
      if (!cancelled && lab.state.running === 'occlusion' && lab.state.progress.done >= 2) {
        cancelled = true;
        lab.cancel();
      }
    });
    await lab.runOcclusion({ patch: 4, stride: 2, fill: 'zero' });
    const result = lab.state.occlusion!;
    expect(result).not.toBeNull();
    expect(result.partial).not.toBeNull();
    expect(result.partial!.total).toBe(169);
    expect(result.partial!.done).toBeLessThan(169);
    expect(result.positions).toHaveLength(result.partial!.done);
    expect(result.sropChange).toHaveLength(result.partial!.done);
    expect(result.probabilityDrop).toHaveLength(result.partial!.done);
    expect(lab.state.error).toBeNull();
    expect(occlusionCsv(result, DEFAULT_PARAMS)).toContain(`# partial: ${result.partial!.done} of 169 positions (cancelled)`);
    // A complete run is not partial.
    await lab.runOcclusion({ patch: 14, stride: 14, fill: 'zero' });
    expect(lab.state.occlusion!.partial).toBeNull();
    expect(model.state.model).not.toBeNull();
  });
});
