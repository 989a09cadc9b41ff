// Engine for the command: Dawn's adapter when --backend asks for one, through the same EngineHost
// (and so the same choice rule) as the page.

import type { CliOptions } from './args';
import { EngineHost } from '../engine/host';
import { nodeAdapter } from './nodeGpu';
import type { ProfileEngine } from '../engine/types';

export async function engineForCli(options: CliOptions): Promise<{ engine: ProfileEngine; note: string; warning?: string; close(): void }> {
  let adapter: GPUAdapter | null = null;
  let missingReason: string | undefined;
  if (options.backend !== 'cpu') {
    const found = await nodeAdapter(options.backend === 'gpu');
    if ('adapter' in found) adapter = found.adapter;
    else missingReason = found.missingReason;
  }
  const host = await EngineHost.start({ adapter, missingReason: missingReason ?? 'no WebGPU adapter' }, options.backend);
  const { decision } = host.state;
  return {
    engine: host.engine,
    note: `${decision.backend}: ${decision.reason}`,
    warning: host.state.notice ?? decision.warning,
    close: () => host.destroy(),
  };
}
