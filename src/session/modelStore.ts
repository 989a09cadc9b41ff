// The page's live-model store: the ONNX model, its candidate feature maps and the chosen ones, the
// preprocessing, the inputs of A and B (images or tensors), and the runs that turn them into live
// layers of the workspace and into top-5 predictions. Plain TypeScript; React subscribes.

import type { Layout, LayoutChoice } from '../io/types';
import { defaultSelection, inNetworkOrder, ModelError, parseLabels, type ParsedModel } from '../model/onnxGraph';
import type { ModelProvider, OutputTensor } from '../model/runtime';
import { normalisationProblem, rectProblem, type OcclusionFill, type Preprocessing, type Rect, type RgbaImage } from '../model/preprocess';

export { ROLES } from '../model/onnxGraph';
import { nhwcToNchw } from '../io/memoryLayer';
import type { SideName, Workspace } from './workspace';
import { Latest } from './latest';
import { Store } from './store';
import { ModelRuns } from './modelRuns';
import { emptyModelState, type ModelState, type ProviderChoice, type RestoredModel } from './modelState';
import { probeModel } from '../model/probe';
import { CHANGE_WORDS, deriveB, readInputTensor, staleReason, type BChange, type BRecipe, type InputItem, type Origin, type SideInput } from './inputs';

export type { BChange, BRecipe, InputItem, Origin, SideInput };

export { withShape, isSinglePixel, type Candidate } from '../model/candidates';

export { emptyModelState, type ModelState, type ProviderChoice, type RestoredModel } from './modelState';

const SIDE_NAMES: readonly SideName[] = ['A', 'B'];

export class ModelStore extends Store<ModelState> {
  private nextInputId = 1;
  private loadSeq = 0;
  /** The newest model load wins; each side's newest run wins. */
  private readonly modelLoads = new Latest();
  private readonly runs: Record<SideName, Latest> = { A: new Latest(), B: new Latest() };
  private queue: Promise<void> = Promise.resolve();
  /** The layout of live tensors whose layout the graph does not give (the pane's control). */
  private liveLayout: LayoutChoice = 'auto';
  /** The runtime sessions and the runs of inputs (modelRuns.ts). */
  private readonly runner: ModelRuns;

  constructor(
    private readonly workspace: Workspace,
    /** Whether WebGPU runs on hardware here (auto then picks the WebGPU provider). */
    private readonly hardwareGpu: () => boolean,
  ) {
    super(emptyModelState());
    const store = this;
    this.runner = new ModelRuns({
      get state() {
        return store.state;
      },
      set: (patch) => this.set(patch),
      workspace,
      enqueue: (work) => this.enqueue(work),
      provider: () => this.providerFor(),
      get liveLayout() {
        return store.liveLayout;
      },
      set liveLayout(choice: LayoutChoice) {
        store.liveLayout = choice;
      },
    });
  }

  /** At most this many inputs of a set per run (the memory rule may take fewer). */
  get setBatchLimit(): number {
    return this.runner.batchLimit;
  }

  set setBatchLimit(limit: number) {
    this.runner.batchLimit = limit;
  }

  private providerFor(): ModelProvider {
    const choice = this.state.provider;
    if (choice !== 'auto') return choice;
    return this.hardwareGpu() ? 'webgpu' : 'wasm';
  }

  /**
   * Work on the runtime goes one at a time: the WASM backend cannot run two sessions' calls at
   * once ("Session mismatch").
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }

  /**
   * Runs `work` on the runtime queue, after whatever the page has queued: the lab creates, runs and
   * releases its sessions through this, so that they never overlap the page's.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Resolves once everything queued on the runtime so far (loads, runs) has finished. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * Loads an ONNX model (and its external-data files) and finds its 4-D float tensors by a probe run.
   * Its labels are its own `labels` metadata, else `options.labels` (the demo's manifest), else none.
   * The newest load wins: one superseded by a later load (or aborted through `options.signal`)
   * drops its result, releasing its session. Resolves true when this model was loaded.
   */
  loadModel(files: Array<{ name: string; blob: Blob }>, options: { labels?: string[]; origin?: Origin; signal?: AbortSignal } = {}): Promise<boolean> {
    const modelFile = files.find((f) => /\.onnx$/i.test(f.name)) ?? files[0];
    if (!modelFile) return Promise.resolve(false);
    const signal = this.modelLoads.begin(options.signal);
    const seq = ++this.loadSeq;
    this.set({ loading: modelFile.name });
    return this.enqueue(() => this.loadModelNow(modelFile, files, options, signal)).finally(() => {
      if (seq === this.loadSeq) this.set({ loading: null });
    });
  }

  private async loadModelNow(modelFile: { name: string; blob: Blob }, files: Array<{ name: string; blob: Blob }>, options: { labels?: string[]; origin?: Origin }, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    this.set({ status: 'loading', error: null, notice: null });
    try {
      const probed = await probeModel(modelFile, files, options.labels ?? null, signal);
      if (!probed) return false;
      const { parsed, externalData, input, preprocessing, candidates, classCount, labels, notices } = probed;
      await this.runner.use(parsed, externalData, preprocessing.height * preprocessing.width);
      const origin = options.origin ?? 'user';
      // The user's model replaces the demo: the demo's inputs (and their feature maps) go with it.
      const inputs = { ...this.state.inputs };
      if (origin === 'user') {
        const demoSides = SIDE_NAMES.filter((side) => inputs[side]?.origin === 'demo');
        for (const side of demoSides) {
          inputs[side] = null;
          this.runs[side].abort();
          this.workspace.clearLiveLayers(side);
        }
        if (this.state.model?.origin === 'demo' || demoSides.length) notices.unshift(`${parsed.fileName} replaces the demo`);
      }
      this.liveLayout = 'auto';
      this.set({
        model: { name: parsed.fileName, inputName: input.name, inputDims: input.dims, producer: parsed.producer, origin, sha256: probed.sha256, bytes: probed.bytes },
        candidates,
        defaults: defaultSelection(candidates),
        selected: defaultSelection(candidates),
        labels,
        classCount,
        preprocessing,
        inputs,
        predictions: { A: null, B: null },
        perInput: { A: null, B: null },
        timings: { A: null, B: null },
        providerInUse: null,
        status: 'ready',
        notice: notices.filter(Boolean).join('; ') || null,
      });
      await this.runner.runSide('A', this.runs.A.begin());
      await this.runner.runSide('B', this.runs.B.begin());
      return true;
    } catch (error) {
      // Whatever was loaded before stays; a superseded load says nothing.
      if (signal.aborted) {
        this.set({ status: this.runner.parsed ? 'ready' : 'empty' });
        return false;
      }
      this.set({ status: this.runner.parsed ? 'ready' : 'empty', error: error instanceof ModelError ? error.message : `${modelFile.name}: ${(error as Error).message}` });
      return false;
    }
  }

  /**
   * Removes the model (its session released) and both sides' inputs and feature maps, when the model
   * is `origin`'s (the demo dismissed by the user's own content); a model loaded since stays.
   */
  unload(origin: Origin, notice: string | null = null): Promise<void> {
    return this.enqueue(async () => {
      if (this.state.model?.origin !== origin) return;
      for (const side of SIDE_NAMES) {
        this.runs[side].abort();
        this.workspace.clearLiveLayers(side);
      }
      await this.runner.use(null, []);
      this.liveLayout = 'auto';
      this.set({ ...emptyModelState(), provider: this.state.provider, notice });
    });
  }

  /** The layout control of live tensors whose layout the graph does not give (a saved session keeps it). */
  get liveLayoutChoice(): LayoutChoice {
    return this.liveLayout;
  }

  set liveLayoutChoice(choice: LayoutChoice) {
    this.liveLayout = choice;
  }

  /**
   * A saved session's model, or none (null): it replaces what is loaded (a pending load or run is
   * dropped), without a probe run or any model run; its runtime sessions are made on first use.
   */
  restore(restored: RestoredModel | null): Promise<void> {
    this.modelLoads.abort();
    for (const side of SIDE_NAMES) this.runs[side].abort();
    return this.enqueue(async () => {
      await this.runner.use(restored?.parsed ?? null, restored?.externalData ?? [], restored?.probeArea ?? 1);
      this.liveLayout = restored?.liveLayout ?? 'auto';
      const ids = SIDE_NAMES.flatMap((side) => [restored?.state.inputs[side]?.id ?? 0, restored?.state.inputs[side]?.recipe?.fromId ?? 0]);
      this.nextInputId = Math.max(this.nextInputId, ...ids) + 1;
      this.set(restored ? { ...emptyModelState(), ...restored.state, status: 'ready' } : emptyModelState());
    });
  }

  /** A side's inputs run again on demand: the maps of a restored session's live layers (modelRuns.ts). */
  restoredStream(side: SideName, batch: number) {
    return this.runner.restoredStream(side, batch);
  }

  /** How the page reads a live tensor of the loaded model: the graph's layout, else the layout control's choice. */
  layoutOf(tensor: string): Layout {
    const c = this.state.candidates.find((x) => x.tensor === tensor);
    if (!c) return 'nchw';
    return c.layout ?? (this.liveLayout === 'auto' ? c.readAs : this.liveLayout);
  }

  /** A 4-D runtime tensor of the loaded model in [N, C, H, W], read as the page reads it (for the lab). */
  asNchw(tensor: string, value: OutputTensor): OutputTensor {
    return value.dims.length === 4 && this.layoutOf(tensor) === 'nhwc' ? nhwcToNchw(value) : value;
  }

  /** What the sanity-check lab needs of the loaded model (null without one). */
  labContext(): { parsed: ParsedModel; externalData: Array<{ path: string; data: Uint8Array }>; provider: ModelProvider } | null {
    // The provider the page's own runs use (after a WebGPU fallback, WASM).
    const { parsed, externalData } = this.runner;
    return parsed ? { parsed, externalData, provider: this.runner.providerInUse() } : null;
  }

  /**
   * A labels file for the loaded model: one label per class. Without a model, or with a count that
   * is not the model's class count, it is refused with the reason.
   */
  async loadLabels(file: { name: string; blob: Blob }): Promise<void> {
    let labels: string[];
    try {
      labels = parseLabels(await file.blob.text());
      if (labels.length === 0) throw new Error('no labels in it');
    } catch (error) {
      this.set({ error: `${file.name}: not a labels file (${(error as Error).message})` });
      return;
    }
    const model = this.state.model;
    if (!model) {
      this.set({ error: `${file.name}: no model is loaded to take these labels; load the model first` });
      return;
    }
    const classes = this.state.classCount;
    if (classes === null) {
      this.set({ error: `${file.name}: ${model.name} has no class-vector output, so there is nothing to label` });
      return;
    }
    if (labels.length !== classes) {
      this.set({ error: `${file.name}: ${labels.length} labels, but ${model.name} has ${classes} classes; the labels were not used` });
      return;
    }
    this.set({ labels, error: null, notice: `${file.name}: ${labels.length} labels for ${model.name}` });
    void this.runAll();
  }

  reportError(message: string): void {
    this.set({ error: message });
  }

  /**
   * The rectangle for "Occlude", in the pixels of A's image (drawn by a drag or typed); null clears
   * it. It belongs to A's image: a new A clears it.
   */
  setRect(rect: Rect | null, on: { width: number; height: number } | null = null): void {
    this.set({ rect, rectOn: rect ? on : null });
  }

  /** The chosen feature maps: kept in network order, whatever order they were ticked in. */
  setSelected(selected: string[]): void {
    this.set({ selected: inNetworkOrder(selected.filter((t) => this.state.candidates.some((c) => c.tensor === t)), this.state.candidates) });
    void this.runAll();
  }

  setProvider(provider: ProviderChoice): void {
    this.set({ provider });
    void this.runAll();
  }

  /** Why a mean or std cannot be used for the loaded model's channels, or null when it can. */
  normalisationProblem(kind: 'mean' | 'std', values: number[]): string | null {
    const p = this.state.preprocessing;
    return p ? normalisationProblem(kind, values, p.channels) : 'no model is loaded';
  }

  setPreprocessing(patch: Partial<Preprocessing>): void {
    if (!this.state.preprocessing) return;
    this.set({ preprocessing: { ...this.state.preprocessing, ...patch } });
    void this.runAll();
  }

  /** An image as a side's input (the user's unless `origin` says it is the demo's). */
  setImage(side: SideName, name: string, image: RgbaImage, origin: Origin = 'user'): void {
    this.setInput(side, { name, items: [{ name, image, tensor: null }], image, tensor: null, origin, recipe: null });
  }

  /**
   * Images as a side's set of inputs (one image: as setImage). The set runs through the model in
   * batches where the graph lets the batch axis go free, one input per run otherwise.
   */
  setImages(side: SideName, name: string, images: Array<{ name: string; image: RgbaImage }>, origin: Origin = 'user', notice?: string): Promise<void> {
    if (images.length === 0) return Promise.resolve();
    const items = images.map(({ name: itemName, image }) => ({ name: itemName, image, tensor: null }));
    return this.setInput(side, { name, items, image: items[0].image, tensor: null, origin, recipe: null }, notice);
  }

  /** A .npy tensor of the model's input shape as a side's input. */
  async setTensorFile(side: SideName, file: { name: string; blob: Blob }): Promise<boolean> {
    const read = await readInputTensor(file, this.state.preprocessing);
    if ('error' in read) {
      this.set({ error: read.error });
      return false;
    }
    await this.useTensor(side, file.name, read.tensor, read.shape);
    return true;
  }

  /**
   * A .npy dropped on a pane while a model is loaded: the side's input when its shape is the
   * model's input shape (as "Input A image" takes it), otherwise an activation file for the pane
   * (the caller opens it). The notice says which happened.
   */
  async takeDroppedTensor(side: SideName, file: { name: string; blob: Blob }): Promise<'input' | 'activations'> {
    const read = await readInputTensor(file, this.state.preprocessing);
    if ('tensor' in read) {
      const n = read.shape[0];
      await this.useTensor(side, file.name, read.tensor, read.shape, `${file.name}: shape ${read.shape.join('x')} is the model's input shape${n > 1 ? ` (a batch of ${n})` : ''}; taken as ${side}'s model input${n > 1 ? 's' : ''}`);
      return 'input';
    }
    const p = this.state.preprocessing;
    const what = read.shape ? `shape ${read.shape.join('x')} is not the model's input shape${p ? ` ${[read.shape[0], p.channels, p.height, p.width].join('x')}` : ''}` : 'not one tensor';
    this.set({ notice: `${file.name}: ${what}; opened as activations on ${side}` });
    return 'activations';
  }

  private async useTensor(side: SideName, name: string, tensor: Float32Array, shape: number[], notice?: string): Promise<void> {
    const n = shape[0];
    const size = tensor.length / n;
    const items = Array.from({ length: n }, (_, i) => ({ name: n === 1 ? name : `${name}[${i}]`, image: null, tensor: tensor.subarray(i * size, (i + 1) * size) }));
    await this.setInput(side, { name, items, image: null, tensor: items[0].tensor, origin: 'user', recipe: null }, notice);
  }

  /**
   * A side's new input: it runs through the model (the newest run of the side wins). A new A clears
   * the rectangle drawn on the old one, and a B made from the old A follows: re-made with the same
   * recipe where the recipe does not depend on the old image (blur, noise, blank), otherwise marked
   * stale and left out of the views until the user makes B again.
   */
  private setInput(side: SideName, input: Omit<SideInput, 'id' | 'stale'>, notice?: string): Promise<void> {
    const made: SideInput = { ...input, id: this.nextInputId++, stale: null };
    const inputs = { ...this.state.inputs, [side]: made };
    const patch: Partial<ModelState> = { inputs, error: null, ...(notice ? { notice } : {}) };
    let followB: SideInput | null = null;
    if (side === 'A') {
      patch.rect = null;
      patch.rectOn = null;
      const b = inputs.B;
      if (b?.recipe && b.recipe.fromId !== made.id) {
        const remade = deriveB(b.recipe, made);
        if (remade) {
          followB = remade;
          patch.notice = `B made again from ${made.name} (${CHANGE_WORDS[b.recipe.kind]}), as it was made from ${b.recipe.from}`;
        } else {
          inputs.B = { ...b, stale: staleReason(b.recipe, made.name) };
          this.dropSideResults('B', patch);
        }
      }
    }
    this.set(patch);
    const runs = [this.runSide(side)];
    if (followB) runs.push(this.setInput('B', followB, patch.notice ?? undefined));
    return Promise.all(runs).then(() => undefined);
  }

  /** A side's run results leave the page (its feature maps, top-5 and timing); a pending run is dropped. */
  private dropSideResults(side: SideName, patch: Partial<ModelState>): void {
    this.runs[side].abort();
    this.workspace.clearLiveLayers(side);
    patch.predictions = { ...(patch.predictions ?? this.state.predictions), [side]: null };
    patch.perInput = { ...(patch.perInput ?? this.state.perInput), [side]: null };
    patch.timings = { ...(patch.timings ?? this.state.timings), [side]: null };
  }

  /**
   * Removes a side's input and its feature maps (activation files took the pane, or the demo was
   * dismissed). A B made from a removed A is marked stale.
   */
  clearInput(side: SideName): void {
    const inputs = { ...this.state.inputs, [side]: null };
    const patch: Partial<ModelState> = { inputs };
    this.dropSideResults(side, patch);
    if (side === 'A') {
      patch.rect = null;
      patch.rectOn = null;
      const b = inputs.B;
      if (b?.recipe && !b.stale) {
        inputs.B = { ...b, stale: staleReason(b.recipe, null) };
        this.dropSideResults('B', patch);
      }
    }
    this.set(patch);
  }

  /**
   * B from A: occluded (the rectangle drawn or typed on A's image), blurred, noisy or blank. B
   * records how it was made, so that it follows A. An occlusion without a rectangle is refused.
   */
  makeB(kind: BChange, options: { rect?: Rect; on?: { width: number; height: number }; sigma?: number; value?: number; fill?: OcclusionFill; origin?: Origin } = {}): Promise<void> {
    const a = this.state.inputs.A;
    const p = this.state.preprocessing;
    if (a && p && a.items.some((item) => !item.image)) {
      this.set({ error: `Make B from A needs images on A; ${a.name} holds tensors` });
      return Promise.resolve();
    }
    if (!a?.image || !p) {
      this.set({ error: 'Make B from A needs an image on A (and a model for its input size)' });
      return Promise.resolve();
    }
    const rect = kind === 'occlude' ? options.rect ?? this.state.rect : null;
    const on = kind === 'occlude' ? options.on ?? (options.rect ? null : this.state.rectOn) ?? { width: a.image.width, height: a.image.height } : null;
    if (kind === 'occlude') {
      const problem = rectProblem(rect, on!);
      if (problem) {
        this.set({ error: `Occlude: ${problem}` });
        return Promise.resolve();
      }
    }
    const recipe: BRecipe = { kind, rect, on, sigma: kind === 'blur' || kind === 'noise' ? options.sigma ?? (kind === 'blur' ? 1.5 : 40) : null, value: options.value ?? 0, ...(kind === 'occlude' && options.fill ? { fill: options.fill } : {}), from: a.name, fromId: a.id };
    const b = deriveB(recipe, a)!;
    return this.setInput('B', { ...b, origin: options.origin ?? 'user' });
  }

  async runAll(): Promise<void> {
    await Promise.all([this.runSide('A'), this.runSide('B')]);
  }

  /**
   * Runs the model on a side's input; its selected feature maps become the side's live layers.
   * Runs are queued: one session cannot run twice at once (the WASM backend refuses). A run
   * superseded by a newer one of the same side (a new input, a new choice of maps) is skipped, or
   * its result dropped when it was already under way.
   */
  runSide(side: SideName): Promise<void> {
    const signal = this.runs[side].begin();
    return this.enqueue(() => this.runner.runSide(side, signal));
  }

}
