// The live model's runs, apart from the state they change (modelStore.ts): the runtime sessions
// (the model with the chosen feature maps as outputs; for sets, its twin with a free batch axis,
// and the batch size that fits), and the runs of one input or of a set that turn a side's input
// into live layers of the workspace, top-5 predictions and timings. The store owns the state and
// the order of work (its runtime queue); this class owns the sessions and what a run does.

import type { LayoutChoice } from '../io/types';
import { withFreeBatch, withOutputs, ModelError, type ParsedModel } from '../model/onnxGraph';
import { ModelSession, type ModelProvider, type OutputTensor } from '../model/runtime';
import { imageTensor, type Preprocessing } from '../model/preprocess';
import { joinRuns } from '../model/outputs';
import { classVectorOf, classVectorsOf, topFive, type Prediction } from '../analysis/classes';
import { memoryLayer, streamedLayer, type LayerStream, type MemoryTensor } from '../io/memoryLayer';
import type { SideName, Workspace } from './workspace';
import { Superseded } from './latest';
import type { ModelState } from './modelStore';
import type { SideInput } from './inputs';

/** What the runs need of the model store: its state, a patch, its workspace and runtime queue, and the live layout control. */
export interface RunHost {
  readonly state: ModelState;
  set(patch: Partial<ModelState>): void;
  readonly workspace: Workspace;
  /** The runtime's one queue (the WASM backend cannot run two sessions' calls at once). */
  enqueue<T>(work: () => Promise<T>): Promise<T>;
  /** The provider the user's choice gives here. */
  provider(): ModelProvider;
  /** The layout of live tensors whose layout the graph does not give (the pane's control). */
  liveLayout: LayoutChoice;
}

export class ModelRuns {
  /** The loaded model and its external-data files (null: none). */
  parsed: ParsedModel | null = null;
  externalData: Array<{ path: string; data: Uint8Array }> = [];
  /** H x W of the input the probe ran on (the candidates' shapes are for it). */
  probeArea = 1;
  /** The WebGPU provider could not take the loaded model (its runs fell back to WASM). */
  webgpuFailed = false;
  /** At most this many inputs of a set per run (the memory rule in setSessionFor may take fewer). */
  batchLimit = 32;
  private session: ModelSession | null = null;
  private sessionKey = '';
  /** The session for sets: the model with a free batch axis (batch > 1), or the plain one's twin (batch 1). */
  private setSession: { session: ModelSession; key: string; batch: number } | null = null;
  private runToken = 0;

  constructor(private readonly host: RunHost) {}

  /** A newly loaded model (its sessions are made on its first run). */
  async use(parsed: ParsedModel | null, externalData: Array<{ path: string; data: Uint8Array }>, probeArea = 1): Promise<void> {
    await this.release();
    this.parsed = parsed;
    this.externalData = externalData;
    this.probeArea = probeArea;
    this.webgpuFailed = false;
  }

  /** The provider the page's runs use: the user's choice, WASM after the WebGPU provider failed on this model. */
  providerInUse(): ModelProvider {
    const provider = this.host.provider();
    return provider === 'webgpu' && this.webgpuFailed ? 'wasm' : provider;
  }

  private async sessionFor(): Promise<ModelSession> {
    const parsed = this.parsed!;
    const provider = this.host.provider();
    const key = `${provider}|${this.host.state.selected.join('|')}`;
    if (this.session && this.sessionKey === key) return this.session;
    await this.session?.release();
    this.session = null;
    let session: ModelSession;
    try {
      session = await ModelSession.create(parsed, withOutputs(parsed, this.host.state.selected), provider, this.externalData);
    } catch (error) {
      if (provider !== 'webgpu') throw error;
      // The WebGPU provider cannot take this model here: run it on WASM and say so.
      session = await ModelSession.create(parsed, withOutputs(parsed, this.host.state.selected), 'wasm', this.externalData);
      this.webgpuFailed = true;
      this.host.set({ notice: `WebGPU provider failed (${(error as Error).message}); running on WASM` });
    }
    this.session = session;
    this.sessionKey = key;
    this.host.set({ providerInUse: session.provider });
    return session;
  }

  /** Releases the runtime sessions (a new model, or none). */
  async release(): Promise<void> {
    await this.session?.release();
    this.session = null;
    this.sessionKey = '';
    await this.setSession?.session.release();
    this.setSession = null;
  }

  /**
   * The session for a set: the model with a free batch axis when a run of two inputs works (then
   * `batch` inputs per run, as many as fit in about 32 MiB of chosen feature maps, at most 32),
   * else the model as it is, one input per run.
   */
  private async setSessionFor(p: Preprocessing): Promise<{ session: ModelSession; batch: number }> {
    const parsed = this.parsed!;
    const provider = this.providerInUse();
    const key = `${provider}|${p.channels}x${p.height}x${p.width}|${this.host.state.selected.join('|')}`;
    if (this.setSession?.key === key) return this.setSession;
    await this.setSession?.session.release();
    this.setSession = null;
    const size = p.channels * p.height * p.width;
    const outputs = [...new Set([...this.host.state.selected, ...parsed.outputs])];
    let session: ModelSession | null = null;
    let batch = 1;
    try {
      session = await ModelSession.create(parsed, withOutputs({ ...parsed, bytes: withFreeBatch(parsed) }, this.host.state.selected), provider, this.externalData);
      await session.run(parsed.fileName, new Float32Array(2 * size), [2, p.channels, p.height, p.width], outputs);
      // Bytes of the chosen maps per input, from the probe's shapes scaled to the input size now.
      const probe = this.host.state.candidates.filter((c) => this.host.state.selected.includes(c.tensor));
      const scale = (p.height * p.width) / Math.max(1, this.probeArea);
      const perInput = probe.reduce((sum, c) => sum + c.shape[1] * c.shape[2] * c.shape[3] * 4 * scale, 0);
      batch = Math.max(1, Math.min(32, Math.floor((32 * 2 ** 20) / Math.max(1, perInput))));
    } catch {
      await session?.release();
      session = null;
    }
    if (!session) {
      batch = 1;
      session = await ModelSession.create(parsed, withOutputs(parsed, this.host.state.selected), provider, this.externalData);
    }
    this.setSession = { session, key, batch };
    return this.setSession;
  }

  /**
   * Inputs of a side as a stream of runs, for the live layers of a restored session (their maps
   * were not kept): `run(first, count)` runs those inputs through the model now, one input per run
   * (the plain session of the chosen maps, made on first use), on the runtime queue. The last run is
   * kept, so that the channel view's maps of one input cost one run.
   */
  restoredStream(side: SideName, batch: number): LayerStream {
    let last: { first: number; count: number; outputs: Map<string, MemoryTensor> } | null = null;
    const input = this.host.state.inputs[side];
    return {
      inputs: input?.items.length ?? 0,
      batch: Math.max(1, batch),
      run: (first, count, signal) =>
        this.host.enqueue(async () => {
          if (last && last.first === first && last.count === count) return last.outputs;
          const p = this.host.state.preprocessing;
          // The model or the side's input changed since: these maps are no longer the page's.
          if (!this.parsed || !p || this.host.state.inputs[side] !== input || !input) throw new Error(`the model or ${side}'s input changed since the session was restored; its maps are no longer there`);
          if (signal?.aborted) throw new Superseded();
          const session = await this.sessionFor();
          const wanted = [...new Set([...this.host.state.selected, ...this.parsed.outputs])];
          const parts: Array<Map<string, OutputTensor>> = [];
          for (let i = first; i < first + count; i++) {
            const item = input.items[i];
            parts.push(await session.run(this.parsed.fileName, item.tensor ?? imageTensor(item.image!, p), [1, p.channels, p.height, p.width], wanted));
          }
          const outputs: Map<string, MemoryTensor> = joinRuns(parts, wanted, count);
          last = { first, count, outputs };
          return outputs;
        }),
    };
  }

  /**
   * Runs the model on a side's input now (the caller queues it): its chosen feature maps become the
   * side's live layers, its top-5 and timing the store's. A run superseded through `signal` drops
   * its result.
   */
  async runSide(side: SideName, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const input = this.host.state.inputs[side];
    const p = this.host.state.preprocessing;
    if (!this.parsed || !input || input.stale || !p) return;
    const token = ++this.runToken;
    this.host.set({ status: 'running' });
    if (input.items.length > 1) return this.runSet(side, input, p, signal, token);
    try {
      const session = await this.sessionFor();
      const tensor = input.tensor ?? imageTensor(input.image!, p);
      const dims = [1, p.channels, p.height, p.width];
      const started = performance.now();
      const outputs = await session.run(this.parsed.fileName, tensor, dims, [...new Set([...this.host.state.selected, ...this.parsed.outputs])]);
      const seconds = (performance.now() - started) / 1000;
      // Superseded while it ran (a new input, another choice of maps, the side cleared): dropped.
      if (signal.aborted) return;
      const file = `${this.parsed.fileName} on ${input.name}`;
      const candidates = new Map(this.host.state.candidates.map((c) => [c.tensor, c]));
      const selected = this.host.state.selected;
      // The graph's layout where it gives one; elsewhere the pane's layout control (auto: the shape rule).
      const build = (choice: LayoutChoice) =>
        selected.flatMap((name) => {
          const t = outputs.get(name);
          const c = candidates.get(name);
          if (!t || t.dims.length !== 4 || !c) return [];
          const [layout, reason] = c.layout || choice === 'auto' ? [c.readAs, c.readReason] : [choice, `given (${c.layoutReason})`];
          return [memoryLayer(c.label ?? name, file, t, layout, reason, name)];
        });
      // The pane offers a layout control only when some chosen tensor's layout is not the graph's.
      const adjustable = selected.some((name) => candidates.has(name) && !candidates.get(name)!.layout);
      this.host.workspace.setLiveLayers(side, file, build(this.host.liveLayout), {
        layout: this.host.liveLayout,
        relayout: adjustable
          ? (choice) => {
              this.host.liveLayout = choice;
              return build(choice);
            }
          : undefined,
      });
      const classVector = classVectorOf(outputs, this.parsed.outputs);
      const top = classVector ? topFive(classVector.data, this.host.state.labels) : null;
      this.host.set({
        predictions: { ...this.host.state.predictions, [side]: top },
        perInput: { ...this.host.state.perInput, [side]: [top] },
        timings: { ...this.host.state.timings, [side]: seconds },
        error: null,
      });
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof ModelError ? error.message : `${this.parsed.fileName}: ${(error as Error).message}`;
      this.host.set({ error: `${message}. ${side}'s views still show its last run that worked.` });
    } finally {
      if (token === this.runToken) this.host.set({ status: 'ready' });
    }
  }

  /**
   * A set of inputs: its first batch runs now (for the feature maps' shapes and the first top-5s);
   * the side's live layers then stream the set batch by batch through the workspace's queue, which
   * profiles each batch's maps and drops them (LayerStream). Each batch records its inputs' top-5.
   * The last batch run is kept, so that the channel view's one map of an input just run costs no run.
   */
  private async runSet(side: SideName, input: SideInput, p: Preprocessing, signal: AbortSignal, token: number): Promise<void> {
    const parsed = this.parsed!;
    const items = input.items;
    const n = items.length;
    const size = p.channels * p.height * p.width;
    const dims = (count: number) => [count, p.channels, p.height, p.width];
    const wanted = [...new Set([...this.host.state.selected, ...parsed.outputs])];
    const labels = this.host.state.labels;
    const perInput: Array<Prediction[] | null> = new Array(n).fill(null);
    let last: { first: number; count: number; outputs: Map<string, MemoryTensor> } | null = null;
    try {
      const chosen = await this.setSessionFor(p);
      const session = chosen.session;
      const batch = Math.max(1, Math.min(chosen.batch, this.batchLimit));
      if (signal.aborted) return;
      const runBatch = async (first: number, count: number): Promise<Map<string, MemoryTensor>> => {
        if (last && last.first === first && last.count === count) return last.outputs;
        const tensor = new Float32Array(count * size);
        for (let i = 0; i < count; i++) {
          const item = items[first + i];
          tensor.set(item.tensor ?? imageTensor(item.image!, p), i * size);
        }
        let outputs: Map<string, OutputTensor>;
        if (batch > 1 || count === 1) outputs = await session.run(parsed.fileName, tensor, dims(count), wanted);
        else {
          // One input per run (the graph fixes its batch axis): the runs' outputs joined along N.
          const parts: Array<Map<string, OutputTensor>> = [];
          for (let i = 0; i < count; i++) parts.push(await session.run(parsed.fileName, tensor.subarray(i * size, (i + 1) * size), dims(1), wanted));
          outputs = joinRuns(parts, wanted, count);
        }
        const vectors = classVectorsOf(outputs, parsed.outputs, count);
        vectors?.forEach((v, i) => (perInput[first + i] = topFive(v, labels)));
        last = { first, count, outputs };
        return outputs;
      };
      const started = performance.now();
      const firstCount = Math.min(batch, n);
      const firstOutputs = await runBatch(0, firstCount);
      const seconds = (performance.now() - started) / 1000 / firstCount;
      if (signal.aborted) return;
      const stream: LayerStream = {
        inputs: n,
        batch,
        run: (first, count, runSignal) =>
          this.host.enqueue(async () => {
            // A newer run of the side (another set, other feature maps, another model) replaces this one.
            if (signal.aborted || runSignal?.aborted) throw new Superseded();
            const outputs = await runBatch(first, count);
            if (!signal.aborted) this.host.set({ perInput: { ...this.host.state.perInput, [side]: [...perInput] }, predictions: { ...this.host.state.predictions, [side]: perInput[0] } });
            return outputs;
          }),
      };
      const file = `${parsed.fileName} on ${input.name}`;
      const candidates = new Map(this.host.state.candidates.map((c) => [c.tensor, c]));
      const selected = this.host.state.selected;
      // One input's output dims per tensor (the first batch itself is not kept here).
      const oneDims = new Map([...firstOutputs].map(([name, t]) => [name, [1, ...t.dims.slice(1)]]));
      const build = (choice: LayoutChoice) =>
        selected.flatMap((name) => {
          const d = oneDims.get(name);
          const c = candidates.get(name);
          if (!d || d.length !== 4 || !c) return [];
          const [layout, reason] = c.layout || choice === 'auto' ? [c.readAs, c.readReason] : [choice, `given (${c.layoutReason})`];
          return [streamedLayer(name, file, stream, d, layout, reason)];
        });
      this.host.workspace.setLiveLayers(side, file, build(this.host.liveLayout), {
        layout: this.host.liveLayout,
        relayout: (choice) => {
          this.host.liveLayout = choice;
          return build(choice);
        },
        stream,
      });
      this.host.set({
        predictions: { ...this.host.state.predictions, [side]: perInput[0] },
        perInput: { ...this.host.state.perInput, [side]: [...perInput] },
        timings: { ...this.host.state.timings, [side]: seconds },
        error: null,
      });
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof ModelError ? error.message : `${parsed.fileName}: ${(error as Error).message}`;
      this.host.set({ error: `${message}. ${side}'s views still show its last run that worked.` });
    } finally {
      if (token === this.runToken) this.host.set({ status: 'ready' });
    }
  }
}
