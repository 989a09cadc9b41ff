// An ONNX model for `srop run`, as the page loads it (src/session/modelStore.ts): parsed by
// src/model/onnxGraph.ts, probed once on a zero input with every float tensor as an output, its 4-D
// tensors the candidates (src/model/candidates.ts), the default choice the page's, and the page's
// default preprocessing for its input. The runtime is onnxruntime-node (its CPU execution provider,
// the binaries the npm package ships).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { defaultSelection, externalDataLocations, ModelError, parseModel, withOutputs, type ParsedModel } from '../model/onnxGraph';
import { withShape, type Candidate } from '../model/candidates';
import { defaultPreprocessing, type Preprocessing } from '../model/preprocess';
import { runtimeMessage } from '../model/runtimeMessage';
import { floatOutputs, type OutputTensor } from '../model/outputs';

export interface LoadedModel {
  parsed: ParsedModel;
  /** SHA-256 of the model file's bytes (hex): what ties the shards of one run together. */
  sha256: string;
  inputName: string;
  candidates: Candidate[];
  defaults: string[];
  preprocessing: Preprocessing;
  externalData: Array<{ path: string; data: Uint8Array }>;
}

async function createSession(parsed: ParsedModel, bytes: Uint8Array, externalData: LoadedModel['externalData']): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(externalData.length ? { externalData } : {}),
    });
  } catch (error) {
    throw new ModelError(parsed.fileName, `the runtime cannot run this model (${runtimeMessage(error)})`);
  }
}

async function runSession(session: ort.InferenceSession, fileName: string, inputName: string, input: Float32Array, dims: number[], outputs: readonly string[]): Promise<Map<string, OutputTensor>> {
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) }, outputs as string[]);
  } catch (error) {
    throw new ModelError(fileName, `the model failed to run (${runtimeMessage(error)})`);
  }
  return floatOutputs(results as Parameters<typeof floatOutputs>[0], outputs);
}

/**
 * Reads, checks and probes a model the way the page does (`adjust` changes the page's default
 * preprocessing); a problem is a ModelError naming the file.
 */
export async function loadModel(path: string, adjust: (defaults: Preprocessing) => Preprocessing = (p) => p): Promise<LoadedModel> {
  const fileName = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ModelError(path, `cannot read the model (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const parsed = parseModel(bytes, fileName);
  const input = parsed.inputs[0];
  if (input.elemType !== 1) throw new ModelError(fileName, `input '${input.name}' is not float32 (ONNX element type ${input.elemType}); only float inputs can take an image`);
  if (input.dims.length !== 4) throw new ModelError(fileName, `input '${input.name}' has ${input.dims.length} axes, not 4 (N, C, H, W)`);
  if (parsed.inputs.length > 1) throw new ModelError(fileName, `the model has ${parsed.inputs.length} inputs (${parsed.inputs.map((i) => i.name).join(', ')}); one image input is supported`);
  const externalData: LoadedModel['externalData'] = [];
  for (const location of externalDataLocations(parsed)) {
    try {
      externalData.push({ path: location, data: await readFile(join(dirname(path), location)) });
    } catch (error) {
      throw new ModelError(fileName, `its external data file ${location} cannot be read next to it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  // The probe runs at the size the images will have, so that the maps' shapes are theirs.
  const preprocessing = adjust(defaultPreprocessing(input.dims));
  const probe = await createSession(parsed, withOutputs(parsed, parsed.floatTensors.map((c) => c.tensor)), externalData);
  const dims = [1, preprocessing.channels, preprocessing.height, preprocessing.width];
  let outputs: Map<string, OutputTensor>;
  try {
    outputs = await runSession(probe, fileName, input.name, new Float32Array(dims.reduce((a, b) => a * b, 1)), dims, probe.outputNames);
  } finally {
    await probe.release();
  }
  const candidates: Candidate[] = parsed.floatTensors.flatMap((c) => {
    const t = outputs.get(c.tensor);
    return t && t.dims.length === 4 ? [withShape(c, t.dims)] : [];
  });
  if (candidates.length === 0) throw new ModelError(fileName, 'the graph produces no 4-D float tensor (no feature maps to measure)');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { parsed, sha256, inputName: input.name, candidates, defaults: defaultSelection(candidates), preprocessing, externalData };
}

/** A session returning the chosen tensors; one image [1, C, H, W] a run. */
export class NodeModelSession {
  private constructor(private readonly session: ort.InferenceSession, private readonly model: LoadedModel, readonly outputs: readonly string[]) {}

  static async create(model: LoadedModel, outputs: readonly string[]): Promise<NodeModelSession> {
    const session = await createSession(model.parsed, withOutputs(model.parsed, [...outputs]), model.externalData);
    return new NodeModelSession(session, model, outputs);
  }

  run(input: Float32Array, dims: number[]): Promise<Map<string, OutputTensor>> {
    return runSession(this.session, this.model.parsed.fileName, this.model.inputName, input, dims, this.outputs);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
