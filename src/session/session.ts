// The page's session: the one place where the engine host and the stores are made and wired
// (main.tsx makes one and hands it to React through a context). Everything the components do goes
// through it: the workspace (panes and the layer queue), the live model, the lab, what reaches the
// page (PageContent), the engine choice, and the channel view's map and spectrum.
//
// Data flows one way: io (files, memory layers) -> engine (ring profiles) -> analysis (SROPs,
// summaries, comparisons) -> session (what is loaded, what runs) -> ui (snapshots drawn).

import type { EngineHost, HostState } from '../engine/host';
import { CpuEngine } from '../engine/cpuEngine';
import { PooledCpuEngine } from '../engine/cpuPool';
import type { BackendChoice, ProfileEngine } from '../engine/types';
import type { LayerResult } from '../analysis/layerResult';
import { layerErrorMessage } from '../io/types';
import { configureRuntime } from '../model/runtime';
import { LabStore } from './labStore';
import { ModelStore } from './modelStore';
import { PageContent } from './pageContent';
import { Store } from './store';
import { SIDES, Workspace } from './workspace';
import { provenanceOf, type Provenance } from './provenance';
import { modelRunCount } from '../model/runtime';
import type { SessionDocument } from './sessionDocument';
import { checkSessionDocument } from './sessionDocument';
import { leftOutFiles, restoreSession, snapshotSession, sizeWords, type RestoreOptions, type SnapshotOptions } from './sessionSnapshot';
import { SessionKeeper, type KeptStorage } from './sessionKeeper';
import { readSessionArchive, writeSessionArchive } from '../io/sessionArchive';
import { APP_NAME, APP_VERSION } from '../version';
import { exportFileName } from './provenance';

/** The engine calls that measure (profiles, spectra): counted, for the tests that a restore makes none. */
const COUNTED = new Set(['profileLayer', 'profileMaps', 'powerSpectrum']);

/** The engine host as the page sees it: not started yet (null), then its state. */
export interface EngineState {
  host: HostState | null;
}

/** One map of a layer for the channel view: its values, and its power spectrum unless it is 1 x 1. */
export type ChannelMap =
  | { kind: 'single'; value: number }
  | { kind: 'map'; values: Float32Array; power: Float64Array; backend: string };

class EngineStore extends Store<EngineState> {
  constructor() {
    super({ host: null });
  }

  update(host: HostState): void {
    this.set({ host });
  }
}

export class Session {
  readonly workspace: Workspace;
  readonly model: ModelStore;
  readonly lab: LabStore;
  readonly content: PageContent;
  /** The engine host's state (which engine, which adapter, recovering), for the header. */
  readonly engines = new EngineStore();
  /** The session kept in the browser's storage between reloads (null: not kept, as in Node). */
  readonly keeper: SessionKeeper | null;
  private host: EngineHost | null = null;
  private readonly hostReady: Promise<EngineHost>;
  private engineCalls = 0;
  /** Each engine seen behind a counting proxy, the same one every time (callers compare engines). */
  private readonly counted = new WeakMap<ProfileEngine, ProfileEngine>();
  /** The one CPU engine of the page until the host is up (and for the spectrum before it). */
  private readonly fallback: ProfileEngine;

  constructor(options: { host: Promise<EngineHost>; base: string; cpuEngine?: () => ProfileEngine; storage?: KeptStorage }) {
    configureRuntime(`${options.base}ort/`);
    this.fallback = options.cpuEngine?.() ?? new CpuEngine();
    this.workspace = new Workspace(() => this.engine());
    this.model = new ModelStore(this.workspace, () => {
      const adapter = this.host?.state.adapter;
      return !!adapter?.name && !adapter.isFallback;
    });
    this.lab = new LabStore(this.model, () => this.workspace.state.params, () => this.engine());
    this.content = new PageContent(this.model, this.workspace, options.base);
    this.keeper = options.storage ? new SessionKeeper(this, options.storage) : null;
    this.hostReady = options.host;
    void options.host.then((host) => this.attach(host));
  }

  private attach(host: EngineHost): void {
    this.host = host;
    let generation = host.state.generation;
    this.engines.update(host.state);
    host.subscribe((state) => {
      this.engines.update(state);
      // A new engine (device lost and replaced, backend switched): everything is measured again on it.
      if (state.generation !== generation && state.status !== 'recovering') this.workspace.recomputeAll();
      generation = state.generation;
    });
  }

  /** The engine the page measures with now: the host's, or the CPU engine before the host is up. */
  engine(): ProfileEngine {
    const engine = this.host?.engine ?? this.fallback;
    let proxy = this.counted.get(engine);
    if (!proxy) {
      proxy = new Proxy(engine, {
        get: (target, key) => {
          const value = Reflect.get(target, key);
          if (typeof value !== 'function') return value;
          if (typeof key === 'string' && COUNTED.has(key)) {
            return (...args: unknown[]) => {
              this.engineCalls++;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      });
      this.counted.set(engine, proxy);
    }
    return proxy;
  }

  /** Engine calls (profiles and spectra) and model runs (sessions made and runs) since the page opened. */
  counts(): { engine: number; model: number } {
    return { engine: this.engineCalls, model: modelRunCount() };
  }

  /** The engine the user chose (auto, gpu or cpu), or null before the host is up. */
  engineChoice(): BackendChoice | null {
    return this.host?.state.choice ?? null;
  }

  /** The session as a document (sessionSnapshot.ts): what the browser keeps and a session file holds. */
  snapshot(options: SnapshotOptions = {}): SessionDocument {
    return snapshotSession(this, { engineChoice: this.engineChoice(), ...options });
  }

  /**
   * Puts a saved session back (sessionSnapshot.ts), without engine calls or model runs; the newest
   * user action supersedes it while it reads its files (resolves null then). With `engineChoice`,
   * the document's engine choice is taken too. Resolves with what the user should know; throws
   * one message naming the file when it cannot be restored (nothing changes then).
   */
  async restore(doc: SessionDocument, options: Omit<RestoreOptions, 'signal'> & { engineChoice?: boolean }): Promise<string[] | null> {
    const signal = this.content.beginRestore();
    const notes = await restoreSession(this, doc, { ...options, signal });
    // Another engine than the page's measures everything again on it (a device of its own).
    if (notes && options.engineChoice && doc.engineChoice) {
      const host = await this.hostReady;
      if (doc.engineChoice !== host.state.choice) await host.setChoice(doc.engineChoice);
    }
    return notes;
  }

  /** Where the engine of the moment computes, in words (the header's tooltip). */
  engineWhere(): string {
    const engine = this.engine();
    if (engine instanceof PooledCpuEngine) return `float64, on ${engine.threads} worker${engine.threads === 1 ? '' : 's'} beside the page`;
    if (engine.backend === 'cpu') return "float64, on the page's own thread";
    return this.host?.state.adapter.name ?? '';
  }

  /** What the exports carry to be reproduced (provenance.ts): parameters, engine, model, preprocessing, sides. */
  provenance(): Provenance {
    return provenanceOf(this.workspace.state, this.model.state, this.engine());
  }

  /** What is running (layers measured, a model run or load, a lab experiment), in words; null when nothing. */
  busy(): string | null {
    const w = this.workspace.state, m = this.model.state, l = this.lab.state;
    if (w.progress.running || SIDES.some((side) => this.workspace.entries(side).some((e) => e.status === 'queued' || e.status === 'running'))) return 'layers are being measured';
    if (m.loading || m.status === 'loading' || m.status === 'running') return 'the model is running';
    if (l.running) return `the lab's ${l.running} experiment is running`;
    return null;
  }

  /**
   * A session file ("Save session"): the session with its activation files' bytes up to
   * `fileBytes` in all (the others named, to be picked again). Its name carries the model and kappa.
   */
  async sessionFile(fileBytes: number): Promise<{ name: string; bytes: Uint8Array; leftOut: string[] }> {
    const doc = this.snapshot({ fileBytes, leftOutReason: `past the ${sizeWords(fileBytes)} of activation files this session file was saved with` });
    const provenance = this.provenance();
    const leftOut = leftOutFiles(doc);
    const bytes = await writeSessionArchive(doc, { app: { name: APP_NAME, version: APP_VERSION }, about: { provenance, leftOut } });
    return { name: exportFileName('session', provenance, 'srop.zip'), bytes, leftOut };
  }

  /**
   * Opens a session file ("Open session", or dropped on the page): it replaces what is shown.
   * Throws one message naming the file and the reason when it cannot be opened; what is open stays.
   */
  async openSessionFile(file: { name: string; blob: Blob }): Promise<string[] | null> {
    const { value } = readSessionArchive(new Uint8Array(await file.blob.arrayBuffer()), file.name);
    const doc = checkSessionDocument(value, file.name);
    return this.restore(doc, { where: file.name, interrupted: 'running when the session was saved', engineChoice: false });
  }

  setEngineChoice(choice: BackendChoice): Promise<void> {
    return this.host ? this.host.setChoice(choice) : Promise.resolve();
  }

  /**
   * One map of a finished layer for the channel view: re-read from its file (one slice) and, unless
   * it is 1 x 1, its power spectrum from the engine in use. Rejects with a message naming the file
   * when the file was removed or cannot be read.
   */
  async channelMap(result: LayerResult, map: number): Promise<ChannelMap> {
    const source = this.workspace.layerOf(result);
    if (!source) throw new Error('the map is no longer available (its file was removed)');
    const [, , h, w] = result.shape;
    let values: Float32Array;
    try {
      values = await source.readMaps(map, 1);
    } catch (error) {
      throw new Error(layerErrorMessage(result, error));
    }
    if (h === 1 && w === 1) return { kind: 'single', value: values[0] };
    const engine = this.engine();
    const power = await engine.powerSpectrum(values, h, w);
    return { kind: 'map', values, power, backend: engine.backend };
  }
}
