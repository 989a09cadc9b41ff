// Engine timings in Node for `npm run bench` (bundled to dist-cli/bench.mjs): one JSON line on
// stdout per call.  node dist-cli/bench.mjs <workload> <cpu|gpu> [repeat]
import { readFileSync } from 'node:fs';
import { CpuEngine } from '../src/engine/cpuEngine';
import { EngineHost } from '../src/engine/host';
import { nodeAdapter } from '../src/cli/nodeGpu';
import { layerSrops, DEFAULT_PARAMS } from '../src/analysis/srop';
import { reluLayer } from '../src/testing/syntheticMaps';
import type { ProfileEngine } from '../src/engine/types';

const [workload = 'vgg16', backend = 'cpu', repeatText = '2'] = process.argv.slice(2);
const shapes: [number, number, number][] = JSON.parse(readFileSync(new URL('../bench/workloads.json', import.meta.url), 'utf8'))[workload];

let engine: ProfileEngine = new CpuEngine();
let adapter: string | null = null;
let host: EngineHost | null = null;
if (backend === 'gpu') {
  const found = await nodeAdapter(true);
  if (!('adapter' in found)) {
    console.log(JSON.stringify({ workload, backend, skipped: found.missingReason }));
    process.exit(0);
  }
  host = await EngineHost.start({ adapter: found.adapter }, 'gpu');
  engine = host.engine;
  adapter = host.state.adapter.name;
}

const layers = shapes.map(([c, h, w], i) => reluLayer(c, h, w, i + 1));
const seen = new Set<string>();
for (let i = 0; i < shapes.length; i++) {
  const [, h, w] = shapes[i];
  if (seen.has(`${h}x${w}`)) continue;
  seen.add(`${h}x${w}`);
  await engine.profileMaps(layers[i].subarray(0, h * w), 1, h, w); // warm-up: pipelines, plans, ring tables
}
let best = Infinity;
for (let r = 0; r < Number(repeatText); r++) {
  const t0 = performance.now();
  for (let i = 0; i < shapes.length; i++) {
    const [c, h, w] = shapes[i];
    layerSrops(await engine.profileMaps(layers[i], c, h, w), DEFAULT_PARAMS);
  }
  best = Math.min(best, (performance.now() - t0) / 1000);
}
console.log(JSON.stringify({ workload, backend: engine.backend, adapter, isFallback: host?.state.adapter.isFallback ?? null, seconds: best }));
host?.destroy();
process.exit(0);
