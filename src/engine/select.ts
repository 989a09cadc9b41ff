// Which engine runs: one rule for the page and the command (docs/engine.md: software adapters are
// slower than the CPU engine, so `auto` takes the GPU only when the adapter is real hardware).

import type { BackendChoice, BackendName } from './types';

export interface AdapterFacts {
  /** Adapter description, or null when none could be had. */
  name: string | null;
  /** True for a software adapter (SwiftShader reports itself as a fallback adapter). */
  isFallback: boolean;
  /** Why there is no adapter, when name is null ("no navigator.gpu", "no adapter", a device error). */
  missingReason?: string;
}

export interface BackendDecision {
  backend: BackendName;
  /** One line for the user: what runs and why. */
  reason: string;
  /** Set when the user asked for the GPU and did not get it. */
  warning?: string;
}

export function decideBackend(choice: BackendChoice, adapter: AdapterFacts): BackendDecision {
  if (choice === 'cpu') return { backend: 'cpu', reason: 'CPU engine, as asked' };
  if (adapter.name === null) {
    const why = adapter.missingReason ?? 'no WebGPU adapter';
    if (choice === 'gpu') {
      return { backend: 'cpu', reason: `CPU engine: ${why}`, warning: `GPU engine asked for, but ${why}; running the CPU engine` };
    }
    return { backend: 'cpu', reason: `CPU engine: ${why}` };
  }
  if (choice === 'gpu') return { backend: 'gpu', reason: `GPU engine on ${adapter.name}, as asked` };
  if (adapter.isFallback) {
    return { backend: 'cpu', reason: `CPU engine: the only adapter, ${adapter.name}, is a software one (slower than the CPU engine)` };
  }
  return { backend: 'gpu', reason: `GPU engine on ${adapter.name}` };
}
