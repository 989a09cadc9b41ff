// The page's one store for loaded activations: panes A and B, their files and layers, the SROP
// parameters, and the queue that turns layers into profiles through the engine (one layer at a
// time, with progress and cancel; on the CPU engine's pool the next one is started ahead:
// layerAhead.ts). Raw activations stay in the files (layers re-read them by slices); what is kept
// per layer is its ring profiles and its SROPs. Plain TypeScript: React
// reads it through subscribe/snapshot, and nothing here touches the DOM.

import { openActivationFile } from '../io/open';
import { layerErrorMessage, layerFromFacts, mapsRefused, type Layer, type LayoutChoice } from '../io/types';
import type { ProfileEngine } from '../engine/types';
import { DEFAULT_PARAMS, checkParams, type SropParams } from '../analysis/srop';
import { layerResult, recomputeLayer, type LayerResult } from '../analysis/layerResult';
import { batchChoice } from '../analysis/summary';
import type { LayerStream } from '../io/memoryLayer';
import { profileStream } from '../engine/streamProfiles';
import { parseResultsJson } from '../analysis/resultsJson';
import { Store } from './store';
import { Superseded } from './latest';
import { profileWithRecovery } from '../engine/recovery';
import { LayerAhead, type OnProgress, type Outcome } from './layerAhead';
import { paneResults, resultsParamsMessage, sameParams, SIDES, type FileEntry, type LayerEntry, type PaneState, type Progress, type RestoredFile, type SideName, type WorkspaceState } from './workspaceState';

export { paneResults, SIDES };
export type { FileEntry, LayerEntry, LayerStatus, PaneState, Progress, RestoredFile, SideName, WorkspaceState } from './workspaceState';

/** Shortest time between two progress updates of the running layer. */
const PROGRESS_MS = 100;

const idle: Progress = { done: 0, total: 0, current: 0, running: false, label: '' };

export class Workspace extends Store<WorkspaceState> {
  private nextId = 1;
  private controller: AbortController | null = null;
  private pump: Promise<void> | null = null;
  /** The layer entry being profiled now (its run is aborted when the entry leaves the page). */
  private runningId: number | null = null;
  /** The next queued layer, already under way on an engine that overlaps layers (layerAhead.ts). */
  private readonly ahead = new LayerAhead();
  /** The layer each result came from, to re-read one map for the channel view. */
  private sources = new WeakMap<LayerResult, Layer>();

  constructor(private readonly engine: () => ProfileEngine) {
    super({
      params: { ...DEFAULT_PARAMS },
      panes: { A: { files: [], errors: [], input: null }, B: { files: [], errors: [], input: null } },
      progress: idle,
      version: 0,
    });
  }

  /** A patch; `resultsChanged` bumps the version that memoised chart data follow. */
  protected override set(patch: Partial<WorkspaceState>, resultsChanged = false): void {
    super.set({ ...patch, version: this.state.version + (resultsChanged ? 1 : 0) });
  }

  private setPane(side: SideName, pane: Partial<PaneState>, resultsChanged = true): void {
    const next = { ...this.state.panes[side], ...pane };
    // One input is shown only while every layer of the pane holds it: a file with a smaller batch
    // brings the pane back to the pooled batch rather than showing another input in its place.
    if (next.input !== null && next.input >= batchChoice(next.files.flatMap((f) => f.layers.map((e) => e.layer.shape))).inputs) next.input = null;
    this.set({ panes: { ...this.state.panes, [side]: next } }, resultsChanged);
    this.abortIfGone();
  }

  /** A layer removed while it is profiled: its run stops (its result would describe nothing loaded). */
  private abortIfGone(): void {
    const listed = (id: number) => SIDES.some((side) => this.entries(side).some((e) => e.id === id));
    this.ahead.drop(listed);
    if (this.runningId === null) return;
    if (!listed(this.runningId)) this.controller?.abort();
  }

  /** Every layer entry of a pane, in file and layer order. */
  entries(side: SideName): LayerEntry[] {
    return this.state.panes[side].files.flatMap((f) => f.layers);
  }

  private track(result: LayerResult, layer: Layer): LayerResult {
    this.sources.set(result, layer);
    return result;
  }

  /** The layer a result was computed from (its maps can be re-read), if its file is still loaded. */
  layerOf(result: LayerResult): Layer | null {
    const layer = this.sources.get(result);
    if (!layer) return null;
    const loaded = SIDES.some((side) => this.entries(side).some((e) => e.layer === layer));
    return loaded ? layer : null;
  }

  /** Finished layers of a pane, in order. */
  results(side: SideName): LayerResult[] {
    return paneResults(this.state.panes[side]);
  }

  /**
   * Opens files into a pane (each .npy a layer named by the file); bad files are reported on the
   * pane, the rest stays. Files opened after `options.signal` aborted are dropped (a newer action
   * superseded the load). Resolves with the entries added.
   */
  async addFiles(side: SideName, files: ArrayLike<File | { name: string; blob: Blob }>, layout: LayoutChoice = 'auto', options: { origin?: FileEntry['origin']; signal?: AbortSignal } = {}): Promise<FileEntry[]> {
    const added: FileEntry[] = [];
    for (const file of Array.from(files)) {
      if (options.signal?.aborted) break;
      const blob = 'blob' in file ? file.blob : file;
      const name = file.name;
      const opened = await openActivationFile(blob, name, layout);
      if (options.signal?.aborted) break;
      const pane = this.state.panes[side];
      const errors = [...pane.errors, ...opened.errors.map((e) => e.message)];
      if (opened.layers.length === 0) {
        this.setPane(side, { errors }, false);
        continue;
      }
      // A file of the same name replaces the earlier one (a re-export of the same activations).
      const kept = pane.files.filter((f) => f.name !== name);
      const entry: FileEntry = { id: this.nextId++, name, blob, layout, origin: options.origin ?? 'user', layers: opened.layers.map((layer) => this.newEntry(layer)) };
      added.push(entry);
      this.setPane(side, { files: [...kept, entry], errors });
    }
    this.startQueue();
    return added;
  }

  /** Removes the files of a pane that `which` picks (live feature maps included); their running layer stops. */
  removeFiles(side: SideName, which: (file: FileEntry) => boolean): FileEntry[] {
    const pane = this.state.panes[side];
    const removed = pane.files.filter(which);
    if (removed.length) this.setPane(side, { files: pane.files.filter((f) => !which(f)) });
    return removed;
  }

  /**
   * Opens a results JSON (of srop, srop run or srop merge, or the page's JSON export: its side of
   * the same name, else the other) into a pane: its layers, done, with the
   * SROPs it holds and no activations. The page takes the file's parameters (its SROPs cannot be
   * recomputed: there are no ring profiles in it). A file that cannot be read is one message on the
   * pane; what was loaded stays. Resolves with the entry added, or null.
   */
  async addResults(side: SideName, file: { name: string; blob: Blob }): Promise<FileEntry | null> {
    let opened;
    try {
      opened = parseResultsJson(await file.blob.text(), file.name, side);
    } catch (error) {
      this.setPane(side, { errors: [...this.state.panes[side].errors, (error as Error).message] }, false);
      return null;
    }
    const why = `${file.name} holds SROPs only (a results file): no feature maps, no spectra`;
    const entry: FileEntry = {
      id: this.nextId++,
      name: file.name,
      blob: file.blob,
      origin: 'user',
      layout: 'auto',
      results: { params: opened.params, origin: opened.origin },
      layers: opened.results.map((result) => {
        const layer = layerFromFacts({ name: result.name, file: file.name, shape: result.shape, storedShape: result.shape, dtype: 'SROPs', layout: result.layout, layoutReason: opened.origin }, mapsRefused(why));
        return { id: this.nextId++, layer, status: 'done' as const, result: this.track(result, layer), error: null, fromResults: result };
      }),
    };
    const kept = this.state.panes[side].files.filter((f) => f.name !== file.name);
    this.setPane(side, { files: [...kept, entry] });
    // Its SROPs are at the file's parameters: the page takes them (other layers are recomputed).
    if (!sameParams(opened.params, this.state.params)) this.setParams(opened.params);
    return entry;
  }

  private newEntry(layer: Layer): LayerEntry {
    return { id: this.nextId++, layer, status: 'queued', result: null, error: null };
  }

  /**
   * Live feature maps of a side (from the model run in the page): they replace the side's earlier
   * live entry, and are profiled like file layers.
   */
  setLiveLayers(side: SideName, name: string, layers: Layer[], options: { layout?: LayoutChoice; relayout?: (layout: LayoutChoice) => Layer[]; stream?: LayerStream } = {}): void {
    const pane = this.state.panes[side];
    const kept = pane.files.filter((f) => f.blob !== null);
    const entry: FileEntry = { id: this.nextId++, name, blob: null, layout: options.layout ?? 'auto', origin: 'user', layers: layers.map((layer) => this.newEntry(layer)), relayout: options.relayout, stream: options.stream };
    this.setPane(side, { files: [entry, ...kept] });
    this.startQueue();
  }

  /** Removes a side's live feature maps. */
  clearLiveLayers(side: SideName): void {
    this.removeFiles(side, (f) => f.blob === null);
  }

  /** Re-reads a file with another layout (its layers are recomputed). */
  async setLayout(side: SideName, fileId: number, layout: LayoutChoice): Promise<void> {
    const file = this.state.panes[side].files.find((f) => f.id === fileId);
    if (!file || file.results || file.notHere) return;
    if (!file.blob) {
      if (!file.relayout) return;
      const replaced: FileEntry = { ...file, layout, layers: file.relayout(layout).map((layer) => this.newEntry(layer)) };
      this.setPane(side, { files: this.state.panes[side].files.map((f) => (f.id === fileId ? replaced : f)) });
      this.startQueue();
      return;
    }
    const opened = await openActivationFile(file.blob, file.name, layout);
    const pane = this.state.panes[side];
    if (opened.layers.length === 0) {
      this.setPane(side, { errors: [...pane.errors, ...opened.errors.map((e) => e.message)] }, false);
      return;
    }
    const replaced: FileEntry = { ...file, layout, layers: opened.layers.map((layer) => this.newEntry(layer)) };
    this.setPane(side, { files: pane.files.map((f) => (f.id === fileId ? replaced : f)), errors: [...pane.errors, ...opened.errors.map((e) => e.message)] });
    this.startQueue();
  }

  removeFile(side: SideName, fileId: number): void {
    this.removeFiles(side, (f) => f.id === fileId);
  }

  clearErrors(side: SideName): void {
    this.setPane(side, { errors: [] }, false);
  }

  setInput(side: SideName, input: number | null): void {
    this.setPane(side, { input });
  }

  /**
   * New parameters: every finished layer is recomputed from its profiles (no FFT). A results file's
   * layers cannot be: they show while the parameters are the file's, and the pane says so otherwise.
   */
  setParams(patch: Partial<SropParams>): void {
    const params = { ...this.state.params, ...patch };
    checkParams(params);
    const panes = { ...this.state.panes };
    for (const side of SIDES) {
      const stale = new Set(panes[side].files.flatMap((f) => (f.results ? [resultsParamsMessage(f.name, f.results.params)] : [])));
      const errors = panes[side].errors.filter((e) => !stale.has(e));
      for (const f of panes[side].files) {
        if (f.results && !sameParams(f.results.params, params)) errors.push(resultsParamsMessage(f.name, f.results.params));
      }
      panes[side] = {
        ...panes[side],
        errors,
        files: panes[side].files.map((f) => ({
          ...f,
          layers: f.layers.map((e) => (e.fromResults ? this.resultsEntry(e, params) : e.result ? { ...e, result: this.track(recomputeLayer(e.result, params), e.layer) } : e)),
        })),
      };
    }
    this.set({ params, panes }, true);
  }

  /**
   * A saved session's parameters and panes (sessionSnapshot.ts) replace what is loaded (a running
   * layer stops). Layers come back done with their results, queued (the queue resumes them),
   * cancelled or failed as they were; a results file's layers as under setParams.
   */
  restore(params: SropParams, panes: Record<SideName, { input: number | null; errors: string[]; files: RestoredFile[] }>): void {
    checkParams(params);
    this.controller?.abort();
    const built = {} as Record<SideName, PaneState>;
    for (const side of SIDES) {
      const files = panes[side].files.map((f) => ({
        ...f,
        id: this.nextId++,
        layers: f.layers.map((e) => {
          const entry = { ...e, id: this.nextId++ };
          if (entry.fromResults) return this.resultsEntry(entry, params);
          if (entry.result) this.track(entry.result, entry.layer);
          return entry;
        }),
      }));
      built[side] = { input: panes[side].input, errors: [...panes[side].errors], files };
    }
    this.set({ params: { ...params }, panes: built, progress: idle }, true);
    this.startQueue();
  }

  /** A results layer under the page's parameters: its SROPs when they are the file's, else why there are none. */
  private resultsEntry(e: LayerEntry, params: SropParams): LayerEntry {
    const saved = e.fromResults!;
    if (sameParams(saved.params, params)) return { ...e, status: 'done', result: this.track(saved, e.layer), error: null };
    return { ...e, status: 'error', result: null, error: resultsParamsMessage(e.layer.file, saved.params) };
  }

  /** Stops the running layer and drops the queue; the layers stay listed as cancelled. */
  cancel(): void {
    this.controller?.abort();
    this.ahead.drop();
    this.updateEntries((e) => (e.status === 'queued' || e.status === 'running' ? { ...e, status: 'cancelled' } : e));
  }

  /** Queues every cancelled or failed layer again (a layer that fails again reports again). */
  resume(): void {
    this.requeue((e) => e.status === 'cancelled' || e.status === 'error');
    this.startQueue();
  }

  /**
   * After an engine change (device lost and recovered, backend switched): recompute everything on
   * the new engine, failed layers included (the old engine may have been the cause).
   */
  recomputeAll(): void {
    this.controller?.abort();
    this.ahead.drop();
    this.requeue(() => true);
    this.startQueue();
  }

  /** Layers stopped by Cancel and layers that failed: what Resume takes up again. */
  stalled(): { cancelled: number; failed: number } {
    const all = SIDES.flatMap((side) => this.entries(side));
    return { cancelled: all.filter((e) => e.status === 'cancelled').length, failed: all.filter((e) => e.status === 'error').length };
  }

  /** Marks the chosen layers queued; a failed layer's message leaves its pane (a new failure adds it again). */
  private requeue(choose: (e: LayerEntry) => boolean): void {
    const panes = { ...this.state.panes };
    for (const side of SIDES) {
      const errors = [...panes[side].errors];
      const files = panes[side].files.map((f) => ({
        ...f,
        layers: f.layers.map((e) => {
          // A results file's layers have nothing to profile, nor do a restored session's layers
          // whose maps are not here (their kept profiles stand).
          if (e.fromResults || (f.notHere && e.result) || !choose(e)) return e;
          if (e.error !== null) {
            const at = errors.indexOf(e.error);
            if (at >= 0) errors.splice(at, 1);
          }
          return { ...e, status: 'queued' as const, error: null };
        }),
      }));
      panes[side] = { ...panes[side], files, errors };
    }
    this.set({ panes }, true);
  }

  private updateEntries(change: (e: LayerEntry) => LayerEntry): void {
    const panes = { ...this.state.panes };
    for (const side of SIDES) {
      panes[side] = { ...panes[side], files: panes[side].files.map((f) => ({ ...f, layers: f.layers.map(change) })) };
    }
    this.set({ panes }, true);
  }

  private patchEntry(id: number, patch: Partial<LayerEntry>): void {
    this.updateEntries((e) => (e.id === id ? { ...e, ...patch } : e));
  }

  private findQueued(): { side: SideName; entry: LayerEntry; file: FileEntry } | null {
    for (const side of SIDES) {
      for (const file of this.state.panes[side].files) for (const entry of file.layers) if (entry.status === 'queued') return { side, entry, file };
    }
    return null;
  }

  /** Resolves when the queue is empty (for tests and scripts). */
  async idle(): Promise<void> {
    while (this.pump) await this.pump;
  }

  /**
   * Starts the queue unless it runs already, or the engine has been released (its owner is
   * replacing it and calls recomputeAll when the new one is ready).
   */
  private startQueue(): void {
    if (this.pump || this.engine().released) return;
    this.pump = this.runQueue().finally(() => {
      this.pump = null;
      // Work queued while the loop was finishing.
      if (this.findQueued()) this.startQueue();
    });
  }

  private startProfile(layer: Layer, controller: AbortController, onProgress?: OnProgress): Promise<Outcome> {
    // The engine released under the layer (device lost, backend switched) is not the layer's
    // fault: it goes back to the queue, and the new engine re-measures everything.
    const recovery = { engine: () => this.engine(), replaced: async (failed: ProfileEngine) => (failed.released || failed !== this.engine() ? 'the engine was replaced' : null), retries: 0 };
    return profileWithRecovery(layer, recovery, { signal: controller.signal, onProgress });
  }

  /** Starts the next queued layer of a file ahead (LayerAhead: on the CPU engine's pool only). */
  private startAhead(engine: ProfileEngine): void {
    const next = this.findQueued();
    if (next && !next.file.stream) this.ahead.startAhead(next.entry.id, engine, (controller, onProgress) => this.startProfile(next.entry.layer, controller, onProgress));
  }

  private async runQueue(): Promise<void> {
    try {
      await this.runQueued();
    } finally {
      this.ahead.drop();
    }
    this.set({ progress: idle });
  }

  private async runQueued(): Promise<void> {
    let done = 0;
    for (;;) {
      const engine = this.engine();
      // A released engine is being replaced: what is queued waits for the next one.
      if (engine.released) break;
      const next = this.findQueued();
      if (!next) break;
      const queued = SIDES.reduce((n, side) => n + this.entries(side).filter((e) => e.status === 'queued').length, 0);
      const total = done + queued;
      const { side, entry, file } = next;
      if (file.stream) {
        done += await this.runStream(side, file, file.stream, engine, done, total);
        continue;
      }
      const { layer } = entry;
      const label = `${side}: ${layer.file}: ${layer.name}`;
      this.patchEntry(entry.id, { status: 'running', error: null });
      this.set({ progress: { done, total, current: 0, running: true, label } });
      let lastProgress = performance.now();
      // At most one progress update per PROGRESS_MS: each is a render of the page, and the
      // CPU engine's workers report every chunk they finish.
      const onProgress = (mapsDone: number, maps: number) => {
        const at = performance.now();
        if (at - lastProgress < PROGRESS_MS && mapsDone < maps) return;
        lastProgress = at;
        this.set({ progress: { done, total, current: maps ? mapsDone / maps : 1, running: true, label } });
      };
      const started = this.ahead.take(entry.id, engine, (controller, progress) => this.startProfile(layer, controller, progress), onProgress);
      const { controller } = started;
      this.controller = controller;
      this.runningId = entry.id;
      try {
        this.startAhead(engine);
        const outcome = await started.outcome;
        if (controller.signal.aborted) continue;
        if (outcome.kind === 'replaced') {
          this.patchEntry(entry.id, { status: 'queued' });
          continue;
        }
        if (outcome.kind === 'failed') {
          const message = layerErrorMessage(layer, outcome.error);
          this.patchEntry(entry.id, { status: 'error', error: message });
          this.setPane(side, { errors: [...this.state.panes[side].errors, message] });
        } else {
          const result = this.track(layerResult(layer, outcome.profiles, this.state.params), layer);
          this.patchEntry(entry.id, { status: 'done', result });
        }
      } finally {
        if (this.controller === controller) this.controller = null;
        if (this.runningId === entry.id) this.runningId = null;
      }
      done++;
    }
  }

  /**
   * The queued layers of a live set, profiled together: each batch of inputs is run once (every
   * layer's output for those inputs), each layer's maps of the batch are profiled and dropped, and
   * the profiles are joined into one result per layer of shape [N, C, H, W]. Resolves with the
   * number of layers finished (done or failed).
   */
  private async runStream(side: SideName, file: FileEntry, stream: LayerStream, engine: ProfileEngine, done: number, total: number): Promise<number> {
    const group = file.layers.filter((e) => e.status === 'queued');
    const ids = new Set(group.map((e) => e.id));
    const n = stream.inputs;
    const label = (inputs: number) => `${side}: ${file.name}: ${group.length} layer${group.length === 1 ? '' : 's'}, ${inputs} of ${n} inputs`;
    this.updateEntries((e) => (ids.has(e.id) ? { ...e, status: 'running', error: null } : e));
    this.set({ progress: { done, total, current: 0, running: true, label: label(0) } });
    const controller = new AbortController();
    this.controller = controller;
    this.runningId = group[0].id;
    const interrupted = () => engine.released || engine !== this.engine();
    try {
      const joined = await profileStream(group.map((e) => e.layer), stream, engine, controller.signal, (inputs) => this.set({ progress: { done, total, current: inputs / n, running: true, label: label(inputs) } }));
      if (!joined) return 0;
      if (interrupted()) {
        this.updateEntries((e) => (ids.has(e.id) ? { ...e, status: 'queued' } : e));
        return 0;
      }
      const results = new Map(group.map((e, j) => [e.id, this.track(layerResult(e.layer, joined[j]!, this.state.params), e.layer)]));
      this.updateEntries((e) => (results.has(e.id) ? { ...e, status: 'done', result: results.get(e.id)! } : e));
      return group.length;
    } catch (error) {
      if (controller.signal.aborted) return 0;
      if (interrupted()) {
        this.updateEntries((e) => (ids.has(e.id) ? { ...e, status: 'queued' } : e));
        return 0;
      }
      if (error instanceof Superseded) {
        // The set's run was replaced (its new layers are on their way): nothing of it is kept.
        this.updateEntries((e) => (ids.has(e.id) ? { ...e, status: 'cancelled' } : e));
        return 0;
      }
      const message = layerErrorMessage(group[0].layer, error);
      this.updateEntries((e) => (ids.has(e.id) ? { ...e, status: 'error', error: message } : e));
      this.setPane(side, { errors: [...this.state.panes[side].errors, message] });
      return group.length;
    } finally {
      if (this.controller === controller) this.controller = null;
      if (this.runningId === group[0].id) this.runningId = null;
    }
  }
}
