// The page's single ModelStore, bound to the workspace (live layers) and the engine host (auto picks
// the WebGPU provider on a hardware adapter, WASM on a software one or none).
import { useSyncExternalStore } from 'react';
import type { EngineHost } from '../engine/host';
import { configureRuntime } from '../model/runtime';
import { ModelStore, type ModelState } from '../session/modelStore';
import type { Workspace } from '../session/workspace';
import { exposeForTests } from './testHooks';

let store: ModelStore | null = null;
let currentHost: EngineHost | null = null;

export function pageModelStore(workspace: Workspace): ModelStore {
  if (!store) {
    configureRuntime(`${import.meta.env.BASE_URL}ort/`);
    store = new ModelStore(workspace, () => {
      const adapter = currentHost?.state.adapter;
      return !!adapter?.name && !adapter.isFallback;
    });
    exposeForTests('sropModel', store);
  }
  return store;
}

export function useModelStore(workspace: Workspace, host: EngineHost | null): { store: ModelStore; state: ModelState } {
  currentHost = host;
  const s = pageModelStore(workspace);
  const state = useSyncExternalStore(s.subscribe, s.snapshot);
  return { store: s, state };
}
