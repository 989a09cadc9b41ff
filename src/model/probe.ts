// A model file opened for the page: parsed, checked to take one float image input [N, C, H, W],
// and probed (every float tensor as an output, on a zero input) for its candidate feature maps
// (the 4-D ones) and its class vector. Pure of the page's state: the live-model store
// (src/session/modelStore.ts) decides what to do with it.

import { withShape, type Candidate } from './candidates';
import { ModelError, parseModel, withOutputs, type ParsedModel } from './onnxGraph';
import { ModelSession, type OutputTensor } from './runtime';
import { defaultPreprocessing, type Preprocessing } from './preprocess';
import { classVectorOf } from '../analysis/classes';
import { sha256Hex } from '../numeric/sha256';

export interface ProbedModel {
  parsed: ParsedModel;
  externalData: Array<{ path: string; data: Uint8Array }>;
  input: ParsedModel['inputs'][number];
  preprocessing: Preprocessing;
  candidates: Candidate[];
  /** Length of the class vector, or null when the model has none. */
  classCount: number | null;
  /** The model's own labels, else those given; null when none, or when their count is not the class count (a notice says so). */
  labels: string[] | null;
  /** What the user should know (a dynamic input size, labels not used). */
  notices: string[];
  /** SHA-256 of the model file's bytes, and their count (the exports' provenance). */
  sha256: string;
  bytes: number;
}

/**
 * Opens and probes a model (its external-data files beside it); throws a ModelError naming the
 * file and the reason when the page cannot use it. Resolves null when `signal` aborted meanwhile.
 */
export async function probeModel(modelFile: { name: string; blob: Blob }, files: Array<{ name: string; blob: Blob }>, labels: string[] | null, signal?: AbortSignal): Promise<ProbedModel | null> {
  const bytes = new Uint8Array(await modelFile.blob.arrayBuffer());
  const parsed = parseModel(bytes, modelFile.name);
  const externalData = await Promise.all(files.filter((f) => f !== modelFile).map(async (f) => ({ path: f.name, data: new Uint8Array(await f.blob.arrayBuffer()) })));
  if (signal?.aborted) return null;
  const input = parsed.inputs[0];
  if (input.elemType !== 1) throw new ModelError(parsed.fileName, `input '${input.name}' is not float32 (ONNX element type ${input.elemType}); only float inputs can take an image`);
  if (input.dims.length !== 4) throw new ModelError(parsed.fileName, `input '${input.name}' has ${input.dims.length} axes, not 4 (N, C, H, W)`);
  if (parsed.inputs.length > 1) throw new ModelError(parsed.fileName, `the model has ${parsed.inputs.length} inputs (${parsed.inputs.map((i) => i.name).join(', ')}); one image input is supported`);
  const preprocessing = defaultPreprocessing(input.dims);
  const dynamic = input.dims.slice(1).some((d) => typeof d !== 'number');
  const notices = [
    dynamic ? `${parsed.fileName}: input '${input.name}' has a dynamic shape [${input.dims.map((d) => d ?? '?').join(', ')}]; it needs a size: ${preprocessing.height} x ${preprocessing.width} is used, change it below` : null,
  ];
  // Probe: every float tensor as an output, on a zero input; the 4-D ones are the candidates.
  const probe = await ModelSession.create(parsed, withOutputs(parsed, parsed.floatTensors.map((c) => c.tensor)), 'wasm', externalData);
  const dims = [1, preprocessing.channels, preprocessing.height, preprocessing.width];
  let outputs: Map<string, OutputTensor>;
  try {
    if (signal?.aborted) return null;
    outputs = await probe.run(parsed.fileName, new Float32Array(dims.reduce((a, b) => a * b, 1)), dims, probe.outputNames);
  } finally {
    await probe.release();
  }
  if (signal?.aborted) return null;
  const candidates: Candidate[] = parsed.floatTensors.flatMap((c) => {
    const t = outputs.get(c.tensor);
    return t && t.dims.length === 4 ? [withShape(c, t.dims)] : [];
  });
  const classCount = classVectorOf(outputs, parsed.outputs)?.data.length ?? null;
  const given = parsed.labels ?? labels;
  const labelNotice = given && classCount !== null && given.length !== classCount
    ? `${parsed.fileName}: ${given.length} labels for ${classCount} classes; the labels are not used`
    : null;
  notices.push(labelNotice);
  if (candidates.length === 0) throw new ModelError(parsed.fileName, 'the graph produces no 4-D float tensor (no feature maps to measure)');
  return {
    parsed,
    externalData,
    input,
    preprocessing,
    candidates,
    classCount,
    labels: labelNotice ? null : given,
    notices: notices.filter((n): n is string => !!n),
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
  };
}
