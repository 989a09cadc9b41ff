// Engine timings in Node for `npm run bench` (bundled to dist-cli/bench.mjs): one JSON line on
// stdout per call.  node dist-cli/bench.mjs <workload> <cpu|gpu> [repeat]
import { readFileSync } from 'node:fs';
import { CpuEngine } from '../src/engine/cpuEngine';
import { EngineHost } from '../src/engine/host';
import { nodeAdapter } from '../src/cli/nodeGpu';
import { timeWorkload } from '../src/testing/syntheticMaps';
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

const best = await timeWorkload(engine, shapes, Number(repeatText));
console.log(JSON.stringify({ workload, backend: engine.backend, adapter, isFallback: host?.state.adapter.isFallback ?? null, seconds: best }));
host?.destroy();
process.exit(0);
