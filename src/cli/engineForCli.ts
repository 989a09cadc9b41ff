// Engine for the command: Dawn's adapter when --backend asks for one, through the same EngineHost
// (and so the same choice rule and the same recovery from a lost device) as the page.

import type { CliOptions } from './args';
import { EngineHost } from '../engine/host';
import { nodeAdapter } from './nodeGpu';
import type { ProfileEngine } from '../engine/types';
import { CpuEngine } from '../engine/cpuEngine';
import { PooledCpuEngine, type CpuPool } from '../engine/cpuPool';
import { defaultThreads, nodePool } from './nodePool';

/** What the command runs layers on. */
export interface CliEngine {
  /** The engine for the next layer: asked again for every layer, since a lost device replaces it. */
  engine(): ProfileEngine;
  /**
   * After a layer failed on `failed`: waits for a recovery under way, and says what happened
   * when the engine has been replaced since (a new device, or the CPU fallback); null otherwise.
   */
  replaced(failed: ProfileEngine): Promise<string | null>;
  note: string;
  warning?: string;
  close(): void;
}

export async function engineForCli(options: CliOptions): Promise<CliEngine & { host: EngineHost }> {
  let adapter: GPUAdapter | null = null;
  let gpu: GPU | undefined;
  let missingReason: string | undefined;
  if (options.backend !== 'cpu') {
    const found = await nodeAdapter(options.backend === 'gpu');
    if ('adapter' in found) ({ adapter, gpu } = found);
    else missingReason = found.missingReason;
  }
  // The CPU engine on worker threads and this one (they start when it first has work), or on this
  // thread alone with --threads 0 (the default on 2 cores: nodePool.ts, defaultThreads).
  const threads = options.threads ?? defaultThreads();
  const pool: CpuPool | null = threads > 0 ? nodePool(threads, true) : null;
  const cpuEngine = () => (pool ? new PooledCpuEngine(pool) : new CpuEngine());
  // `gpu` lets a recovery ask Dawn for a fresh adapter: the first one has given out its device.
  const host = await EngineHost.start({ adapter, gpu, missingReason: missingReason ?? 'no WebGPU adapter', cpuEngine }, options.backend);
  const { decision } = host.state;
  // Their start (a module load each) overlaps the opening of the files (with --backend cpu they
  // started before the command loaded: startPoolEarly). This thread's engine code is primed as its
  // first maps are read (CpuEngine.profileLayer; the pool's own slot, on its first job).
  if (decision.backend === 'cpu') pool?.warm();
  const onThreads = decision.backend === 'cpu' ? (pool ? ` (${threads} worker thread${threads === 1 ? '' : 's'} and the main thread)` : ' (on the main thread)') : '';
  return {
    host,
    engine: () => host.engine,
    async replaced(failed) {
      await host.settled();
      if (host.engine === failed) return null;
      return host.state.notice ?? `the ${failed.backend.toUpperCase()} engine was replaced`;
    },
    note: `${decision.backend}: ${decision.reason}${onThreads}`,
    warning: host.state.notice ?? decision.warning,
    close: () => {
      host.destroy();
      pool?.terminate();
    },
  };
}
