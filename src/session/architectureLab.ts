// The lab's architecture check: several models (the demo's structures or the user's ONNX files) run
// on A's image; each gives its own feature layers (its default choice: activations that follow
// convolutions) with the SROP of every map, which src/analysis/architecture.ts aligns by relative
// depth or resolution stage. Runs through the LabStore (one experiment at a time, the page's runtime
// queue and provider, progress and Cancel); this file holds what is particular to the experiment.

import type { ArchitectureModel } from '../analysis/architecture';
import { defaultSelection, externalDataLocations, ModelError, parseModel, withOutputs, type ParsedModel } from '../model/onnxGraph';
import { defaultPreprocessing, imageTensor, resizeBilinear, type Preprocessing, type RgbaImage } from '../model/preprocess';
import type { OutputTensor } from '../model/runtime';

/** A model picked for the architecture view. */
export interface ArchitectureSource {
  /** What the view calls it: the demo structure's name (with its step), or the file name. */
  label: string;
  name: string;
  blob: Blob;
  accuracy: number | null;
  /** The demo's structure id, when it is one of the demo's. */
  structure?: string;
  step?: number;
}

export interface ArchitectureResult {
  image: string;
  models: Array<ArchitectureModel & { structure: string | null; step: number | null; preprocessing: string }>;
  /** What the user should know about the run (a model run at its own input size). */
  notes: string[];
}

export interface ArchitectureTools {
  image: RgbaImage;
  imageName: string;
  preprocessing: Preprocessing;
  run(parsed: ParsedModel, bytes: Uint8Array, external: Array<{ path: string; data: Uint8Array }>, input: Float32Array, dims: number[], layers: string[]): Promise<Map<string, OutputTensor>>;
  srops(outputs: Map<string, OutputTensor>, layers: string[]): Promise<Map<string, { dims: number[]; srop: Float64Array }>>;
  tick(done: number): void;
}

/** The preprocessing for one model: the page's, unless the model fixes another input size or channel count. */
export function preprocessingFor(parsed: ParsedModel, page: Preprocessing): { p: Preprocessing; own: boolean } {
  const dims = parsed.inputs[0]?.dims ?? [];
  const fixed = (i: number, value: number) => typeof dims[i] !== 'number' || dims[i] === value;
  if (fixed(1, page.channels) && fixed(2, page.height) && fixed(3, page.width)) return { p: page, own: false };
  const own = defaultPreprocessing(dims, page.height);
  // The page's scaling and, where the channel count agrees, its mean and std.
  return { p: { ...own, scaleTo01: page.scaleTo01, ...(own.channels === page.channels ? { mean: page.mean, std: page.std } : {}) }, own: true };
}

export async function measureArchitecture(sources: ArchitectureSource[], externalFiles: Array<{ name: string; blob: Blob }>, tools: ArchitectureTools): Promise<ArchitectureResult> {
  const external = await Promise.all(externalFiles.map(async (f) => ({ path: f.name, data: new Uint8Array(await f.blob.arrayBuffer()) })));
  const models: ArchitectureResult['models'] = [];
  const notes: string[] = [];
  for (const [k, source] of sources.entries()) {
    const parsed = parseModel(new Uint8Array(await source.blob.arrayBuffer()), source.name);
    if (parsed.inputs.length !== 1) throw new ModelError(source.name, `has ${parsed.inputs.length} inputs; the architecture view runs models with one image input`);
    const layers = defaultSelection(parsed.floatTensors);
    if (layers.length === 0) throw new ModelError(source.name, 'has no convolutions or activations after convolutions to measure');
    const wanted = externalDataLocations(parsed);
    const missing = wanted.filter((path) => !external.some((f) => f.path === path));
    if (missing.length) throw new ModelError(source.name, `its weights are in external-data file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, not given; pick ${missing.length > 1 ? 'them' : 'it'} with the models`);
    const { p, own } = preprocessingFor(parsed, tools.preprocessing);
    if (own) notes.push(`${source.name} takes ${p.channels}x${p.height}x${p.width}: A's image was resized (and converted) for it`);
    const input = imageTensor(resizeBilinear(tools.image, p.width, p.height), p);
    const out = await tools.run(parsed, withOutputs(parsed, layers), external.filter((f) => wanted.includes(f.path)), input, [1, p.channels, p.height, p.width], layers);
    const srops = await tools.srops(out, layers);
    const measured = layers.filter((l) => srops.has(l));
    if (measured.length === 0) throw new ModelError(source.name, 'none of its chosen feature maps came back as a 4-D tensor');
    models.push({
      label: source.label,
      file: source.name,
      accuracy: source.accuracy,
      structure: source.structure ?? null,
      step: source.step ?? null,
      inputHeight: p.height,
      inputWidth: p.width,
      preprocessing: `${p.channels}x${p.height}x${p.width}`,
      layers: measured.map((name) => {
        const { dims, srop } = srops.get(name)!;
        return { name, height: dims[2], width: dims[3], srops: Float64Array.from(srop).filter((v) => !Number.isNaN(v)) };
      }),
    });
    tools.tick(k + 1);
  }
  return { image: tools.imageName, models, notes };
}
