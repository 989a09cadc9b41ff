// Engine check page (built with the app): runs the GPU engine (forced, on any adapter, SwiftShader included)
// and the CPU engine on the same seeded maps, for the end-to-end tests and `npm run bench`.

import { CpuEngine } from '../../src/engine/cpuEngine';
import { PooledCpuEngine } from '../../src/engine/cpuPool';
import { pagePool } from '../../src/engine/cpuPoolWeb';
import { GpuEngine } from '../../src/engine/gpu/gpuEngine';
import { adapterIsFallback, adapterName } from '../../src/engine/host';
import { requestEngineDevice } from '../../src/engine/gpu/device';
import { layerSrops, DEFAULT_PARAMS, type SropParams } from '../../src/analysis/srop';
import { reluLayer, syntheticMaps, timeWorkload } from '../../src/testing/syntheticMaps';
import type { RingProfiles } from '../../src/engine/types';
import { layerResult, recomputeLayer, type LayerResult } from '../../src/analysis/layerResult';
import { layerRows, linearGrid } from '../../src/analysis/layerRows';
import { defaultSelection, parseModel, withOutputs } from '../../src/model/onnxGraph';
import { ModelSession, configureRuntime } from '../../src/model/runtime';

interface SizeCase {
  height: number;
  width: number;
  maps: number;
}

let gpuEngine: GpuEngine | null = null;
let adapterFacts: { name: string; isFallback: boolean } | null = null;

async function gpu(): Promise<GpuEngine> {
  if (gpuEngine) return gpuEngine;
  if (!('gpu' in navigator)) throw new Error('no navigator.gpu');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await requestEngineDevice(adapter, 'srop harness device');
  adapterFacts = { name: adapterName(adapter), isFallback: adapterIsFallback(adapter) };
  gpuEngine = new GpuEngine(device, adapterFacts.name, {});
  return gpuEngine;
}

/** Largest per-ring energy difference, relative to the map's whole kept energy. */
function profileError(g: RingProfiles, c: RingProfiles): number {
  let worst = 0;
  for (let m = 0; m < c.maps; m++) {
    if (c.nonFinite[m]) {
      if (!g.nonFinite[m]) return Infinity;
      continue;
    }
    let total = c.dc[m];
    for (let r = 0; r < c.rings; r++) total += c.inDisc[m * c.rings + r] + c.outDisc[m * c.rings + r];
    if (total === 0) continue;
    for (let r = 0; r < c.rings; r++) {
      const i = m * c.rings + r;
      worst = Math.max(worst, Math.abs(g.inDisc[i] - c.inDisc[i]) / total, Math.abs(g.outDisc[i] - c.outDisc[i]) / total);
    }
    worst = Math.max(worst, Math.abs(g.dc[m] - c.dc[m]) / total);
  }
  return worst;
}

function sropDifference(g: RingProfiles, c: RingProfiles, params: SropParams) {
  const a = layerSrops(g, params);
  const b = layerSrops(c, params);
  let worst = 0;
  let statusMismatch = 0;
  for (let m = 0; m < c.maps; m++) {
    if (a.status[m] !== b.status[m]) statusMismatch++;
    else if (b.status[m] === 0) worst = Math.max(worst, Math.abs(a.srop[m] - b.srop[m]));
  }
  return { worst, statusMismatch, statuses: Array.from(b.status) };
}

async function compare(cases: SizeCase[], paramSets: SropParams[] = [DEFAULT_PARAMS]) {
  const engine = await gpu();
  const cpu = new CpuEngine();
  const out = [];
  for (const { height, width, maps } of cases) {
    const data = syntheticMaps(maps, height, width, height * 1000 + width);
    const g = await engine.profileMaps(data, maps, height, width);
    const c = await cpu.profileMaps(data, maps, height, width);
    out.push({
      height,
      width,
      maps,
      profileError: profileError(g, c),
      srop: paramSets.map((p) => ({ params: p, ...sropDifference(g, c, p) })),
    });
  }
  return { adapter: adapterFacts, results: out };
}

/**
 * Seconds per image for a workload of [C, H, W] layers, engine only (data made beforehand). `pool`:
 * the CPU engine on the page's Web Workers (?threads=N, else hardwareConcurrency - 1).
 */
async function benchmark(shapes: [number, number, number][], backend: 'gpu' | 'cpu' | 'pool', repeat = 1) {
  const pool = backend === 'pool' ? pagePool() : null;
  if (backend === 'pool' && !pool) throw new Error('?threads=0: no pool');
  const engine = backend === 'gpu' ? await gpu() : pool ? new PooledCpuEngine(pool) : new CpuEngine();
  const { seconds } = await timeWorkload(engine, shapes, repeat);
  return { seconds, adapter: backend === 'gpu' ? adapterFacts : null, threads: pool?.size ?? 0 };
}

declare global {
  interface Window {
    sropHarness: { compare: typeof compare; benchmark: typeof benchmark; parameterChange: typeof parameterChange; modelBenchmark: typeof modelBenchmark };
  }
}

/**
 * What a parameter change costs in the page: every layer's SROPs recomputed from its profiles and
 * the chart data rebuilt, for an A and a B of the given shapes (best of `repeat`, in ms).
 */
async function parameterChange(shapes: [number, number, number][], repeat = 5) {
  const cpu = new CpuEngine();
  const sides: LayerResult[][] = [];
  for (const seed of [1, 2]) {
    const results: LayerResult[] = [];
    for (const [i, [c, h, w]] of shapes.entries()) {
      const profiles = await cpu.profileMaps(reluLayer(c, h, w, seed * 100 + i), c, h, w);
      results.push(layerResult({ name: `layer${i}`, file: `side${seed}.npz`, shape: [1, c, h, w] }, profiles, DEFAULT_PARAMS));
    }
    sides.push(results);
  }
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const params = { ...DEFAULT_PARAMS, kappa: 0.6 + 0.05 * r };
    const t0 = performance.now();
    const [a, b] = sides.map((results) => results.map((x) => recomputeLayer(x, params)));
    layerRows(a, b, null, null, linearGrid(0, 1.5, 64));
    best = Math.min(best, performance.now() - t0);
  }
  return { milliseconds: best, maps: shapes.reduce((n, [c]) => n + c, 0) };
}

/**
 * Live model per image: the forward pass with the default feature maps as extra outputs, then
 * their SROPs with the engine `auto` picks (best of `repeat`, after a warm-up run), in seconds.
 */
async function modelBenchmark(url: string, provider: 'wasm' | 'webgpu', repeat = 3) {
  configureRuntime(`${import.meta.env.BASE_URL}ort/`);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const parsed = parseModel(bytes, url.split('/').pop()!);
  const selected = defaultSelection(parsed.floatTensors);
  const session = await ModelSession.create(parsed, withOutputs(parsed, selected), provider);
  const dims = parsed.inputs[0].dims.map((d) => (typeof d === 'number' ? d : 1));
  const input = syntheticMaps(1, 1, dims.reduce((a, b) => a * b, 1), 11, ['random']);
  // The SROP engine as `auto` picks it: the GPU engine on a hardware adapter, else the CPU engine.
  const gpuEngine = await gpu().catch(() => null);
  const engine = gpuEngine && adapterFacts && !adapterFacts.isFallback ? gpuEngine : new CpuEngine();
  let best = Infinity, forward = Infinity;
  for (let r = 0; r <= repeat; r++) {
    const t0 = performance.now();
    const outputs = await session.run(parsed.fileName, input, dims, selected);
    const t1 = performance.now();
    for (const t of outputs.values()) {
      if (t.dims.length !== 4) continue;
      const [n, c, h, w] = t.dims;
      layerSrops(await engine.profileMaps(t.data, n * c, h, w), DEFAULT_PARAMS);
    }
    const t2 = performance.now();
    if (r > 0) {
      best = Math.min(best, (t2 - t0) / 1000);
      forward = Math.min(forward, (t1 - t0) / 1000);
    }
  }
  await session.release();
  return { seconds: best, forwardSeconds: forward, featureMaps: selected.length, provider, engine: engine.backend, adapter: adapterFacts };
}

window.sropHarness = { compare, benchmark, parameterChange, modelBenchmark };
document.body.dataset.ready = 'true';
