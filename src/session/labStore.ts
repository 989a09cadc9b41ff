// The sanity-check lab (the paper's three experiments) on the model and the image loaded in the
// page: occlusion over a grid, parameter randomisation (cascading and one layer at a time), and
// SROPs over training checkpoints. Each run reports progress, can be cancelled, and keeps the
// numbers behind its plots for export. Plain TypeScript; React subscribes.

import type { ProfileEngine } from '../engine/types';
import { layerResult, type LayerResult } from '../analysis/layerResult';
import { quantileSorted } from '../analysis/summary';
import type { SropParams } from '../analysis/srop';
import { occlusionGrid, pearson, spearman, sropDistance, type GridPosition } from '../analysis/lab';
import { defaultSelection, externalDataLocations, parseModel, withFreeBatch, withOutputs, type ParsedModel } from '../model/onnxGraph';
import { ModelSession, type ModelProvider, type OutputTensor } from '../model/runtime';
import { imageTensor, occlusionFill, patchFrom, resizeBilinear, type OcclusionFill, type Preprocessing, type RgbaImage } from '../model/preprocess';
import { keptLayers, randomisedModel, weightLayers, type Redrawn, type Skipped, type WeightLayer } from '../model/randomise';
import { classProbabilities, classVectorOf } from '../analysis/classes';
import { checkpointsFrom, parseAccuracyTable, seriesOf, stepOf, type LeftOut } from '../io/checkpoints';
import type { ModelState, ModelStore } from './modelStore';
import { Store } from './store';
import { measureArchitecture, type ArchitectureResult, type ArchitectureSource } from './architectureLab';

export type { OcclusionFill };
export { checkpointsFrom, parseAccuracyTable, seriesOf, stepOf, type LeftOut };

export interface OcclusionResult {
  model: string;
  image: string;
  patch: number;
  stride: number;
  fill: OcclusionFill;
  layers: string[];
  /** Layers whose distances are summed into `sropChange`. */
  summed: string[];
  predictedClass: number;
  positions: GridPosition[];
  /** Per position: per-layer Wasserstein distance to the unoccluded image's SROPs. */
  perLayer: Array<Array<number | null>>;
  sropChange: number[];
  probabilityDrop: number[];
  pearson: number | null;
  spearman: number | null;
  width: number;
  height: number;
  batch: number;
  /** A run cancelled part way: the positions done (in grid order) of the grid's total; null when complete. */
  partial: { done: number; total: number } | null;
}

export interface RandomisationStep {
  label: string;
  /** Weight layers re-drawn in this step. */
  randomised: string[];
  /** The tensors actually re-drawn (dtype, family) and those that could not be (why). */
  redrawn: Redrawn[];
  skipped: Skipped[];
  /** Per feature layer: Wasserstein distance to the trained model's SROPs. */
  distance: Array<number | null>;
  results: LayerResult[];
}

export interface RandomisationResult {
  model: string;
  image: string;
  mode: 'cascading' | 'independent';
  layers: string[];
  weightLayers: string[];
  /** Everything left as trained in any step, with why (normalisation layers, non-float or missing weights). */
  notRandomised: Skipped[];
  trained: LayerResult[];
  steps: RandomisationStep[];
}

export interface TrainingPoint {
  file: string;
  step: number;
  accuracy: number | null;
  /** Per feature layer: median and quartiles of the SROPs. */
  median: Array<number | null>;
  q1: Array<number | null>;
  q3: Array<number | null>;
}

export interface TrainingSeries {
  /** The structure (the demo's) or the run the checkpoints belong to. */
  name: string;
  layers: string[];
  points: TrainingPoint[];
  /** Per layer: Spearman correlation of median SROP with accuracy across checkpoints. */
  spearman: Array<number | null>;
}

export interface TrainingResult extends Omit<TrainingSeries, 'name'> {
  image: string;
  /** Every checkpoint series (one per structure or run); `layers`, `points` and `spearman` are the first's. */
  series: TrainingSeries[];
}

export interface LabState {
  running: 'occlusion' | 'randomisation' | 'training' | 'architecture' | null;
  progress: { done: number; total: number };
  error: string | null;
  occlusion: OcclusionResult | null;
  randomisation: RandomisationResult | null;
  training: TrainingResult | null;
  architecture: ArchitectureResult | null;
}

export interface Checkpoint {
  name: string;
  step: number;
  accuracy: number | null;
  blob: Blob;
  /** The series (structure or run) it belongs to; checkpoints without one form one series. */
  series?: string;
}

export class LabStore extends Store<LabState> {
  private cancelled = false;
  /** Why the running experiment was stopped by a change under it (null: the user's Cancel). */
  private stopReason: string | null = null;
  private watched: { model: ModelState['model']; a: number | null };
  constructor(
    private readonly model: ModelStore,
    /** Current SROP parameters (the page's). */
    readonly params: () => SropParams,
    /** The SROP engine in use (the page's: GPU on a hardware adapter, CPU otherwise). */
    private readonly engine: () => ProfileEngine,
  ) {
    super({ running: null, progress: { done: 0, total: 0 }, error: null, occlusion: null, randomisation: null, training: null, architecture: null });
    this.watched = { model: model.state.model, a: model.state.inputs.A?.id ?? null };
    model.subscribe(() => this.followModel());
  }

  /**
   * The lab's experiments belong to the model and A's image they ran on: when either changes, a
   * running experiment stops (saying why), and the results of the old model or image leave the
   * views (the training view's checkpoints are the user's, but its image was A's).
   */
  private followModel(): void {
    const s = this.model.state;
    const now = { model: s.model, a: s.inputs.A?.id ?? null };
    const modelChanged = now.model !== this.watched.model;
    const imageChanged = now.a !== this.watched.a;
    this.watched = now;
    if (!modelChanged && !imageChanged) return;
    const why = modelChanged ? `the model changed${now.model ? ` (now ${now.model.name})` : ''}` : `A's image changed${s.inputs.A ? ` (now ${s.inputs.A.name})` : ''}`;
    if (this.state.running) {
      this.stopReason = why;
      this.cancelled = true;
    }
    const patch: Partial<LabState> = {};
    if (this.state.occlusion) patch.occlusion = null;
    if (this.state.randomisation) patch.randomisation = null;
    if (imageChanged && this.state.training) patch.training = null;
    if (imageChanged && this.state.architecture) patch.architecture = null;
    if (Object.keys(patch).length) this.set({ ...patch, error: `Results cleared: ${why}.` });
  }

  /**
   * A saved session's results (sessionSnapshot.ts) replace the lab's, as they were; a running
   * experiment stops. `note` says what the user should know (a run interrupted by a reload).
   */
  restore(results: Pick<LabState, 'occlusion' | 'randomisation' | 'training' | 'architecture'> | null, note: string | null = null): void {
    if (this.state.running) {
      this.stopReason = 'a saved session was opened';
      this.cancelled = true;
    }
    this.watched = { model: this.model.state.model, a: this.model.state.inputs.A?.id ?? null };
    this.set({ occlusion: results?.occlusion ?? null, randomisation: results?.randomisation ?? null, training: results?.training ?? null, architecture: results?.architecture ?? null, error: note });
  }

  private get sropEngine(): ProfileEngine {
    return this.engine();
  }

  cancel(): void {
    this.cancelled = true;
  }

  private begin(kind: NonNullable<LabState['running']>, total: number): void {
    this.cancelled = false;
    this.stopReason = null;
    this.set({ running: kind, progress: { done: 0, total }, error: null });
  }

  private tick(done: number, total: number): void {
    this.set({ progress: { done, total } });
    if (this.cancelled) throw new Cancelled();
  }

  private context(): { parsed: ParsedModel; provider: ModelProvider; externalData: Array<{ path: string; data: Uint8Array }>; image: RgbaImage; imageName: string; p: Preprocessing; layers: string[] } {
    const ctx = this.model.labContext();
    const s = this.model.state;
    const a = s.inputs.A;
    if (!ctx || !s.preprocessing) throw new Error('the lab needs a model: load one (or the demo) first');
    if (!a?.image) throw new Error('the lab needs an image on A');
    if (s.selected.length === 0) throw new Error('choose at least one feature map');
    return { ...ctx, image: a.image, imageName: a.name, p: s.preprocessing, layers: [...s.selected] };
  }

  /** SROP columns of each feature map of every batch item of one run. */
  private async srops(outputs: Map<string, OutputTensor>, layers: string[], engine: ProfileEngine): Promise<Map<string, { tensor: OutputTensor; srop: Float64Array; profiles: Awaited<ReturnType<ProfileEngine['profileMaps']>> }>> {
    const out = new Map();
    for (const name of layers) {
      const raw = outputs.get(name);
      if (!raw || raw.dims.length !== 4) continue;
      // Channels-last tensors are read as the page reads them.
      const t = this.model.asNchw(name, raw);
      const [n, c, h, w] = t.dims;
      const profiles = await engine.profileMaps(t.data, n * c, h, w);
      const result = layerResult({ name, file: '', shape: [n, c, h, w] }, profiles, this.params());
      out.set(name, { tensor: t, srop: result.srop, profiles });
    }
    return out;
  }

  /**
   * A session whose creation, runs and release all go through the page's runtime queue (the WASM
   * backend cannot run two sessions' calls at once), released however `use` ends.
   */
  private async withSession<T>(parsed: ParsedModel, bytes: Uint8Array, provider: ModelProvider, externalData: Array<{ path: string; data: Uint8Array }>, use: (session: LabSession) => Promise<T>): Promise<T> {
    const session = await this.openSession(parsed, bytes, provider, externalData);
    try {
      return await use(session);
    } finally {
      await session.release();
    }
  }

  private async openSession(parsed: ParsedModel, bytes: Uint8Array, provider: ModelProvider, externalData: Array<{ path: string; data: Uint8Array }>): Promise<LabSession> {
    const session = await this.model.exclusive(() => ModelSession.create(parsed, bytes, provider, externalData));
    return {
      run: (file, input, dims, outputs) => this.model.exclusive(() => session.run(file, input, dims, outputs)),
      release: () => this.model.exclusive(() => session.release()),
    };
  }

  private async guarded(kind: NonNullable<LabState['running']>, work: () => Promise<void>): Promise<void> {
    if (this.state.running) return;
    try {
      await work();
    } catch (error) {
      if (!(error instanceof Cancelled)) this.set({ error: `${kind}: ${(error as Error).message}` });
      else if (this.stopReason) this.set({ error: `${kind} stopped: ${this.stopReason}; nothing of the run is kept` });
    } finally {
      this.set({ running: null });
    }
  }

  /** Experiment 1: slide an occluding patch over A's image; SROP change and class-probability drop per position. */
  runOcclusion(options: { patch: number; stride: number; fill: OcclusionFill; summed?: string[] }): Promise<void> {
    return this.guarded('occlusion', async () => {
      const { parsed, provider, externalData, image, imageName, p, layers } = this.context();
      const sized = resizeBilinear(image, p.width, p.height);
      const positions = occlusionGrid(p.width, p.height, options.patch, options.stride);
      this.begin('occlusion', positions.length);
      const outputsWanted = [...new Set([...layers, ...parsed.outputs])];
      const size = p.channels * p.width * p.height;
      let batch = 16;
      // Batched where the graph lets the batch axis go free; one image per run where it fixes it.
      let session: LabSession | null = await this.openSession(parsed, withOutputs({ ...parsed, bytes: withFreeBatch(parsed) }, layers), provider, externalData).catch(() => null);
      if (session) {
        try {
          await session.run(parsed.fileName, new Float32Array(2 * size), [2, p.channels, p.height, p.width], outputsWanted);
        } catch {
          await session.release();
          session = null;
        }
      }
      if (!session) {
        batch = 1;
        session = await this.openSession(parsed, withOutputs(parsed, layers), provider, externalData);
      }
      try {
        const base = await session.run(parsed.fileName, imageTensor(sized, p), [1, p.channels, p.height, p.width], outputsWanted);
        const baseSrops = await this.srops(base, layers, this.sropEngine);
        const classVector = classVectorOf(base, parsed.outputs);
        const classOutput = parsed.outputs.find((o) => base.get(o) === classVector);
        // Probabilities as given when the model outputs them already, softmax of logits otherwise (as top-5 does).
        const baseProb = classVector ? classProbabilities(classVector.data) : null;
        const predicted = baseProb ? baseProb.indexOf(Math.max(...baseProb)) : -1;
        const fills = occlusionFill(sized, options.fill);
        const perLayer: Array<Array<number | null>> = [];
        const sropChange: number[] = [];
        const probabilityDrop: number[] = [];
        const summed = options.summed?.length ? options.summed.filter((l) => layers.includes(l)) : layers;
        const publish = (done: number) => this.set({
          occlusion: {
            model: parsed.fileName, image: imageName, patch: options.patch, stride: options.stride, fill: options.fill, layers, summed,
            predictedClass: predicted, positions: positions.slice(0, done), perLayer, sropChange, probabilityDrop,
            pearson: baseProb ? pearson(sropChange, probabilityDrop) : null,
            spearman: baseProb ? spearman(sropChange, probabilityDrop) : null,
            width: p.width, height: p.height, batch,
            partial: done < positions.length ? { done, total: positions.length } : null,
          },
        });
        try {
        for (let start = 0; start < positions.length; start += batch) {
          const group = positions.slice(start, start + batch);
          const input = new Float32Array(group.length * size);
          group.forEach((pos, i) => input.set(imageTensor(patchFrom(sized, pos, options.patch, fills), p), i * size));
          const out = await session.run(parsed.fileName, input, [group.length, p.channels, p.height, p.width], outputsWanted);
          const srops = await this.srops(out, layers, this.sropEngine);
          group.forEach((_, i) => {
            const distances = layers.map((name) => {
              const b = baseSrops.get(name), o = srops.get(name);
              if (!b || !o) return null;
              const c = o.tensor.dims[1];
              return sropDistance(b.srop, o.srop.subarray(i * c, (i + 1) * c));
            });
            perLayer.push(distances);
            sropChange.push(layers.reduce((sum, name, k) => (summed.includes(name) ? sum + (distances[k] ?? 0) : sum), 0));
            const cv = classOutput ? out.get(classOutput) : undefined;
            if (cv && baseProb) {
              const k = cv.data.length / group.length;
              probabilityDrop.push(baseProb[predicted] - classProbabilities(cv.data.subarray(i * k, (i + 1) * k))[predicted]);
            } else probabilityDrop.push(NaN);
          });
          this.tick(Math.min(positions.length, start + batch), positions.length);
        }
        } catch (error) {
          // The user's Cancel keeps what was done, marked partial; a change of model or image does not.
          if (error instanceof Cancelled && !this.stopReason && sropChange.length > 0) publish(sropChange.length);
          throw error;
        }
        publish(positions.length);
      } finally {
        await session.release();
      }
    });
  }

  /** Experiment 2: re-draw weights, cascading from the last weight layer towards the first, or one layer at a time. */
  runRandomisation(mode: 'cascading' | 'independent'): Promise<void> {
    return this.guarded('randomisation', async () => {
      const { parsed, provider, externalData, image, imageName, p, layers } = this.context();
      const weights = weightLayers(parsed);
      if (weights.length === 0) throw new Error(`${parsed.fileName} has no layers with weights to randomise`);
      const plans: Array<{ label: string; layers: WeightLayer[] }> =
        mode === 'cascading'
          ? weights.map((_, k) => {
              const chosen = weights.slice(weights.length - 1 - k);
              return { label: `from ${chosen[0].name}`, layers: chosen };
            })
          : weights.map((w) => ({ label: w.name, layers: [w] }));
      this.begin('randomisation', plans.length + 1);
      const tensor = imageTensor(resizeBilinear(image, p.width, p.height), p);
      const dims = [1, p.channels, p.height, p.width];
      const runModel = (bytes: Uint8Array) =>
        this.withSession(parsed, withOutputs({ ...parsed, bytes }, layers), provider, externalData, async (session) => {
          const out = await session.run(parsed.fileName, tensor, dims, layers);
          const results: LayerResult[] = [];
          for (const name of layers) {
            const raw = out.get(name);
            if (!raw || raw.dims.length !== 4) continue;
            const t = this.model.asNchw(name, raw);
            const [n, c, h, w] = t.dims;
            results.push(layerResult({ name, file: parsed.fileName, shape: [n, c, h, w] }, await this.sropEngine.profileMaps(t.data, n * c, h, w), this.params()));
          }
          return results;
        });
      const trained = await runModel(parsed.bytes);
      this.tick(1, plans.length + 1);
      const steps: RandomisationStep[] = [];
      for (const [k, plan] of plans.entries()) {
        const variant = randomisedModel(parsed, plan.layers, externalData);
        const results = await runModel(variant.bytes);
        steps.push({
          label: variant.redrawn.length ? plan.label : `${plan.label} (nothing re-drawn)`,
          randomised: plan.layers.map((l) => l.name),
          redrawn: variant.redrawn,
          skipped: variant.skipped,
          distance: trained.map((t) => {
            const r = results.find((x) => x.name === t.name);
            return r ? sropDistance(t.srop, r.srop) : null;
          }),
          results,
        });
        this.tick(k + 2, plans.length + 1);
      }
      const notRandomised = new Map<string, Skipped>();
      for (const s of [...keptLayers(parsed), ...steps.flatMap((st) => st.skipped)]) notRandomised.set(`${s.layer}|${s.initializer}`, s);
      this.set({ randomisation: { model: parsed.fileName, image: imageName, mode, layers: trained.map((t) => t.name), weightLayers: weights.map((w) => w.name), notRandomised: [...notRandomised.values()], trained, steps } });
    });
  }

  /**
   * Experiment 3: SROPs of A's image through each checkpoint, against the checkpoints' accuracies;
   * checkpoints of several series (structures, runs) each form a series of their own, with its own
   * feature maps (the page's choice where the series has them, else its default choice).
   */
  runTraining(checkpoints: Checkpoint[], externalFiles: Array<{ name: string; blob: Blob }> = []): Promise<void> {
    return this.guarded('training', async () => {
      const s = this.model.state;
      const a = s.inputs.A;
      const ctx = this.model.labContext();
      if (!a?.image || !s.preprocessing || !ctx) throw new Error('the lab needs an image on A (and a model for its preprocessing)');
      if (checkpoints.length === 0) throw new Error('no checkpoints');
      const external = await Promise.all(externalFiles.map(async (f) => ({ path: f.name, data: new Uint8Array(await f.blob.arrayBuffer()) })));
      const p = s.preprocessing;
      const names = [...new Set(checkpoints.map((c) => c.series ?? ''))];
      this.begin('training', checkpoints.length);
      const tensor = imageTensor(resizeBilinear(a.image, p.width, p.height), p);
      const dims = [1, p.channels, p.height, p.width];
      const series: TrainingSeries[] = [];
      let done = 0;
      for (const name of names) {
        const sorted = checkpoints.filter((c) => (c.series ?? '') === name).sort((x, y) => x.step - y.step);
        let layers: string[] | null = null;
        const points: TrainingPoint[] = [];
        for (const ckpt of sorted) {
          const parsed = parseModel(new Uint8Array(await ckpt.blob.arrayBuffer()), ckpt.name);
          // One series: the page's feature maps. Several: each its own default choice (the
          // activations after convolutions), since structures share tensor names for other layers.
          const pageChoice = s.selected.length && s.selected.every((t) => parsed.floatTensors.some((c) => c.tensor === t)) ? [...s.selected] : null;
          const chosen: string[] | null = layers ?? (names.length > 1 ? defaultSelection(parsed.floatTensors) : pageChoice);
          if (!chosen?.length) throw new Error(`${ckpt.name}: the chosen feature maps are not in this checkpoint`);
          layers = chosen;
          // Its external-data files by the names the model gives them (the page's provider, as everywhere).
          const wanted = externalDataLocations(parsed);
          const missing = wanted.filter((path) => !external.some((f) => f.path === path));
          if (missing.length) throw new Error(`${ckpt.name}: its weights are in external-data file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, not given; pick ${missing.length > 1 ? 'them' : 'it'} with the checkpoints`);
          const out = await this.withSession(parsed, withOutputs(parsed, chosen), ctx.provider, external.filter((f) => wanted.includes(f.path)), (session) => session.run(ckpt.name, tensor, dims, chosen));
          const missingMaps = chosen.filter((t) => out.get(t)?.dims.length !== 4);
          if (missingMaps.length) throw new Error(`${ckpt.name}: ${missingMaps.join(', ')} ${missingMaps.length > 1 ? 'are not feature maps' : 'is not a feature map'} (4-D) in this checkpoint`);
          const srops = await this.srops(out, chosen, this.sropEngine);
          const stats = chosen.map((tensorName) => {
            const values = Float64Array.from(Array.from(srops.get(tensorName)?.srop ?? []).filter((v) => !Number.isNaN(v))).sort();
            return [quantileSorted(values, 0.25), quantileSorted(values, 0.5), quantileSorted(values, 0.75)];
          });
          points.push({ file: ckpt.name, step: ckpt.step, accuracy: ckpt.accuracy, q1: stats.map((x) => x[0]), median: stats.map((x) => x[1]), q3: stats.map((x) => x[2]) });
          this.tick(++done, checkpoints.length);
        }
        const withAccuracy = points.filter((pt) => pt.accuracy !== null);
        const correlation = layers!.map((_, l) => {
          const pairs = withAccuracy.filter((pt) => pt.median[l] !== null);
          return pairs.length >= 3 ? spearman(pairs.map((pt) => pt.median[l]!), pairs.map((pt) => pt.accuracy!)) : null;
        });
        series.push({ name: name || 'checkpoints', layers: layers!, points, spearman: correlation });
      }
      const { layers, points, spearman: first } = series[0];
      this.set({ training: { image: a.name, layers, points, spearman: first, series } });
    });
  }

  /**
   * Experiment 4: several models (structures) on A's image; each model's feature layers, for the
   * architecture view's alignment (src/analysis/architecture.ts). See architectureLab.ts.
   */
  runArchitecture(sources: ArchitectureSource[], externalFiles: Array<{ name: string; blob: Blob }> = []): Promise<void> {
    return this.guarded('architecture', async () => {
      const s = this.model.state;
      const a = s.inputs.A;
      const ctx = this.model.labContext();
      if (!a?.image || !s.preprocessing || !ctx) throw new Error('the lab needs an image on A (and a model for its preprocessing)');
      if (sources.length < 2) throw new Error(`pick two or more models (${sources.length} picked)`);
      this.begin('architecture', sources.length);
      const architecture = await measureArchitecture(sources, externalFiles, {
        image: a.image,
        imageName: a.name,
        preprocessing: s.preprocessing,
        run: (parsed, bytes, external, input, dims, layers) => this.withSession(parsed, bytes, ctx.provider, external, (session) => session.run(parsed.fileName, input, dims, layers)),
        srops: async (out, layers) => new Map([...(await this.srops(out, layers, this.sropEngine))].map(([k, v]) => [k, { dims: v.tensor.dims, srop: v.srop }])),
        tick: (done) => this.tick(done, sources.length),
      });
      this.set({ architecture });
    });
  }
}

class Cancelled extends Error {}

/** A lab session: every call goes through the page's runtime queue. */
interface LabSession {
  run(fileName: string, input: Float32Array, dims: number[], outputs: readonly string[]): Promise<Map<string, OutputTensor>>;
  release(): Promise<void>;
}
