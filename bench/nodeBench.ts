// Engine timings in Node for `npm run bench` (bundled to dist-cli/bench.mjs): one JSON line on
// stdout per call.  node dist-cli/bench.mjs <workload> <cpu|pool|gpu> [repeat] [threads]
// cpu: the CPU engine on this thread; pool: on `threads` worker threads (default: cores - 1, at least one).
import { readFileSync } from 'node:fs';
import { CpuEngine } from '../src/engine/cpuEngine';
import { PooledCpuEngine } from '../src/engine/cpuPool';
import { coresAvailable, nodePool } from '../src/cli/nodePool';
import { EngineHost } from '../src/engine/host';
import { nodeAdapter } from '../src/cli/nodeGpu';
import { timeWorkload } from '../src/testing/syntheticMaps';
import type { ProfileEngine } from '../src/engine/types';

const [workload = 'vgg16', backend = 'cpu', repeatText = '2', threadsText] = process.argv.slice(2);
const shapes: [number, number, number][] = JSON.parse(readFileSync(new URL('../bench/workloads.json', import.meta.url), 'utf8'))[workload];

// The pool's default size here is the page's rule (cores - 1, at least one): workers only, as in the page.
const threads = backend === 'pool' ? (threadsText ? Number(threadsText) : Math.max(1, coresAvailable() - 1)) : 0;
let engine: ProfileEngine = backend === 'pool' ? new PooledCpuEngine(nodePool(threads)) : new CpuEngine();
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

// With the GPU engine: the time the JS thread spends inside WebGPU calls per image (uploads,
// submissions, encoding, buffers made), whatever the GPU. A faster GPU shortens the waits for
// results, never these, so on a real GPU they are a floor under the time per image.
const callProbe = backend === 'gpu' ? webgpuCallProbe() : undefined;
const { seconds, probed } = await timeWorkload(engine, shapes, Number(repeatText), callProbe);
console.log(JSON.stringify({ workload, backend: engine.backend, threads, adapter, isFallback: host?.state.adapter.isFallback ?? null, seconds, webgpuCalls: probed }));
host?.destroy();
process.exit(0);

/** Wraps the WebGPU methods the engine calls; each probe reads the milliseconds spent in them since it started, per method. */
function webgpuCallProbe(): () => () => { totalMs: number; byMethod: Record<string, number> } {
  const spent: Record<string, number> = {};
  const methods: Array<[string, string[]]> = [
    ['GPUDevice', ['createBuffer', 'createBindGroup', 'createCommandEncoder', 'pushErrorScope', 'popErrorScope']],
    ['GPUQueue', ['writeBuffer', 'submit']],
    ['GPUBuffer', ['mapAsync', 'getMappedRange', 'unmap', 'destroy']],
    ['GPUCommandEncoder', ['beginComputePass', 'copyBufferToBuffer', 'finish']],
    ['GPUComputePassEncoder', ['setPipeline', 'setBindGroup', 'dispatchWorkgroups', 'end']],
  ];
  const globals = globalThis as unknown as Record<string, { prototype: Record<string, (...args: unknown[]) => unknown> }>;
  for (const [type, names] of methods) {
    const proto = globals[type]?.prototype;
    if (!proto) continue;
    for (const name of names) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const t0 = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          spent[name] = (spent[name] ?? 0) + performance.now() - t0;
        }
      };
    }
  }
  return () => {
    const start = { ...spent };
    return () => {
      const byMethod: Record<string, number> = {};
      for (const [name, ms] of Object.entries(spent)) {
        const d = ms - (start[name] ?? 0);
        if (d > 0.005) byMethod[name] = Number(d.toFixed(2));
      }
      return { totalMs: Number(Object.values(byMethod).reduce((a, b) => a + b, 0).toFixed(2)), byMethod };
    };
  };
}
