// The page's single ModelStore, bound to the workspace (live layers) and the engine host (auto picks
// the WebGPU provider on a hardware adapter, WASM on a software one or none); and the demo.
import { useSyncExternalStore } from 'react';
import type { EngineHost } from '../engine/host';
import { configureRuntime } from '../model/runtime';
import { ModelStore, type ModelState } from './modelStore';
import type { Workspace } from './workspace';
import { decodeImage } from './decodeImage';

let store: ModelStore | null = null;
let currentHost: EngineHost | null = null;

export function pageModelStore(workspace: Workspace): ModelStore {
  if (!store) {
    configureRuntime(`${import.meta.env.BASE_URL}ort/`);
    store = new ModelStore(workspace, () => {
      const adapter = currentHost?.state.adapter;
      return !!adapter?.name && !adapter.isFallback;
    });
    (window as unknown as { sropModel: ModelStore }).sropModel = store;
  }
  return store;
}

export function useModelStore(workspace: Workspace, host: EngineHost | null): { store: ModelStore; state: ModelState } {
  currentHost = host;
  const s = pageModelStore(workspace);
  const state = useSyncExternalStore(s.subscribe, s.snapshot);
  return { store: s, state };
}

/** Where the demo digit's strokes are partly covered for B (28 x 28 image pixels). */
export const DEMO_OCCLUSION = { x: 13, y: 3, width: 12, height: 11 };

let demoLoading: Promise<void> | null = null;

/** The demo: the final checkpoint, a held-out digit as A and the same digit partly occluded as B (one load at a time). */
export function loadDemo(s: ModelStore, digit = 3): Promise<void> {
  demoLoading ??= loadDemoNow(s, digit).finally(() => (demoLoading = null));
  return demoLoading;
}

async function loadDemoNow(s: ModelStore, digit: number): Promise<void> {
  const base = import.meta.env.BASE_URL;
  try {
    const manifest = await (await fetch(`${base}demo/manifest.json`)).json();
    const model = await (await fetch(`${base}demo/${manifest.final}`)).blob();
    await s.loadModel([{ name: manifest.final, blob: model }], { labels: Array.isArray(manifest.labels) ? manifest.labels.map(String) : undefined });
    if (!s.state.model) return; // loadModel reported why
    const name = `digit${digit}.png`;
    const image = await decodeImage(await (await fetch(`${base}samples/${name}`)).blob(), name);
    s.setImage('A', name, image);
    s.setRect(DEMO_OCCLUSION);
    s.makeB('occlude');
  } catch (error) {
    s.reportError(`The demo could not be loaded: ${(error as Error).message}`);
  }
}
