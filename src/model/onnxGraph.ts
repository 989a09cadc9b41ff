// An ONNX model as the page needs it: its inputs, the float tensors produced inside the graph
// (candidate feature maps, grouped by the kind of node that makes them), labels from its metadata,
// and a copy of the model with chosen tensors added to the graph's outputs so that the runtime
// returns them. Parsing and encoding go through onnx-proto (protobufjs), not hand-rolled wire
// code; the added outputs are appended to the model's own bytes (see withOutputs).

import * as onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: bundlers expose its `onnx` namespace directly, Node's ESM loader only
// under `default`. Either way, the protobuf classes of the ONNX schema:
type OnnxNamespace = typeof onnxProto.onnx;
export const onnx: OnnxNamespace = (onnxProto as { onnx?: OnnxNamespace }).onnx ?? (onnxProto as unknown as { default: { onnx: OnnxNamespace } }).default.onnx;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace onnx {
  type ModelProto = onnxProto.onnx.ModelProto;
  type IGraphProto = onnxProto.onnx.IGraphProto;
  type INodeProto = onnxProto.onnx.INodeProto;
  type ITensorProto = onnxProto.onnx.ITensorProto;
  type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
}

import { analyseGraph, spatialSize, topologicalOrder, type TensorCandidate } from './featureMaps';
import { shortNames } from './layerNames';

export const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;
const ELEM_BOOL = 9;

export { ROLES, spatialSize, type GraphLayout, type Role, type TensorCandidate } from './featureMaps';
export interface ModelInput {
  name: string;
  /** Each dimension: a number when fixed, the parameter name (or null) when dynamic. */
  dims: Array<number | string | null>;
  elemType: number;
}

export interface ParsedModel {
  fileName: string;
  bytes: Uint8Array;
  inputs: ModelInput[];
  outputs: string[];
  /** Every float tensor produced by a node (graph outputs included), in network order, with its role. */
  floatTensors: TensorCandidate[];
  labels: string[] | null;
  producer: string;
}

export class ModelError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ModelError';
  }
}

function dimOf(d: onnxProto.onnx.TensorShapeProto.IDimension): number | string | null {
  if (d.dimValue !== null && d.dimValue !== undefined) {
    const v = Number(d.dimValue);
    if (v > 0) return v;
  }
  return d.dimParam || null;
}

/** Element types of node outputs, propagated from inputs, initializers and a few op rules. */
function elementTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) types.set(v.name, t);
  }
  for (const init of graph.initializer ?? []) if (init.name && init.dataType) types.set(init.name, init.dataType);
  for (const node of topologicalOrder(graph.node ?? [])) {
    const attr = (name: string) => node.attribute?.find((a) => a.name === name);
    const firstInput = (node.input ?? []).map((i) => types.get(i)).find((t) => t !== undefined);
    let type: number | undefined;
    switch (node.opType) {
      case 'Shape':
      case 'Size':
      case 'NonZero':
      case 'ArgMax':
      case 'ArgMin':
        type = ELEM_INT64;
        break;
      case 'Cast':
        type = Number(attr('to')?.i ?? 0) || undefined;
        break;
      case 'Constant': {
        const a = node.attribute?.[0];
        type = a?.t?.dataType ?? (a?.name === 'value_float' || a?.name === 'value_floats' ? ELEM_FLOAT : a?.name?.startsWith('value_int') ? ELEM_INT64 : undefined);
        break;
      }
      case 'ConstantOfShape':
        type = attr('value')?.t?.dataType ?? ELEM_FLOAT;
        break;
      case 'Equal':
      case 'Less':
      case 'LessOrEqual':
      case 'Greater':
      case 'GreaterOrEqual':
      case 'Not':
      case 'And':
      case 'Or':
      case 'Xor':
      case 'IsNaN':
      case 'IsInf':
        type = ELEM_BOOL;
        break;
      case 'Where':
        type = types.get(node.input?.[1] ?? '') ?? types.get(node.input?.[2] ?? '');
        break;
      default:
        type = firstInput;
    }
    if (type !== undefined) for (const o of node.output ?? []) if (o && !types.has(o)) types.set(o, type);
  }
  return types;
}

export function parseModel(bytes: Uint8Array, fileName: string): ParsedModel {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelError(fileName, `not an ONNX model (the protobuf does not decode: ${(error as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || !(graph.node?.length)) throw new ModelError(fileName, 'not an ONNX model (no graph with nodes in it)');
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const inputs: ModelInput[] = (graph.input ?? [])
    .filter((v) => !initializers.has(v.name))
    .map((v) => ({
      name: v.name ?? '',
      dims: (v.type?.tensorType?.shape?.dim ?? []).map(dimOf),
      elemType: v.type?.tensorType?.elemType ?? 0,
    }));
  if (inputs.length === 0) throw new ModelError(fileName, 'the graph has no inputs');
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  const types = elementTypes(graph);
  const found = analyseGraph(graph, types, new Set(inputs.map((i) => i.name)));
  const short = shortNames(found);
  const floatTensors = found.map((c) => ({ ...c, label: short.get(c.tensor) ?? c.tensor }));
  const labelsText = model.metadataProps?.find((p) => p.key === 'labels')?.value;
  let labels: string[] | null = null;
  if (labelsText) {
    try {
      const parsed = JSON.parse(labelsText);
      if (Array.isArray(parsed)) labels = parsed.map(String);
    } catch {
      labels = labelsText.split(/\r?\n|,/).map((s) => s.trim()).filter(Boolean);
    }
  }
  return { fileName, bytes, inputs, outputs, floatTensors, labels, producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') };
}

/**
 * The model's bytes with `tensors` added to the graph's outputs (declared float, shape left open).
 * The model is not re-encoded: the new outputs are a second, small ModelProto appended to the
 * original bytes, which protobuf parsers merge into the first (an embedded message met twice is
 * merged, a repeated field appended). So every byte of the model stays as it was, fields that
 * `onnx-proto` (IR 8 era) does not know included, such as IR 10's node metadata and function
 * overloads, which a decode and encode through it would drop.
 */
export function withOutputs(parsed: ParsedModel, tensors: string[]): Uint8Array {
  const present = new Set(parsed.outputs);
  const added: onnx.IValueInfoProto[] = [];
  for (const tensor of tensors) {
    if (present.has(tensor)) continue;
    added.push({ name: tensor, type: { tensorType: { elemType: ELEM_FLOAT } } });
    present.add(tensor);
  }
  if (added.length === 0) return parsed.bytes;
  const tail = onnx.ModelProto.encode({ graph: { output: added } }).finish();
  const bytes = new Uint8Array(parsed.bytes.length + tail.length);
  bytes.set(parsed.bytes);
  bytes.set(tail, parsed.bytes.length);
  return bytes;
}

/**
 * The default selection, in network order: the tensors the graph marks as preferred (activations
 * after convolutions, block outputs) that are not 1 x 1 maps (when their shape is known, from the
 * probe); without any, the convolutions.
 */
export function defaultSelection(candidates: ReadonlyArray<TensorCandidate & { dims?: number[]; shape?: readonly number[] }>): string[] {
  const spatial = (c: TensorCandidate & { dims?: number[]; shape?: readonly number[] }) => {
    const hw = c.shape ? [c.shape[2], c.shape[3]] : c.dims ? spatialSize(c.dims, c.layout) : null;
    return !hw || hw[0] * hw[1] > 1;
  };
  const sorted = [...candidates].sort((a, b) => a.order - b.order);
  const preferred = sorted.filter((c) => c.preferred && spatial(c));
  const chosen = preferred.length ? preferred : sorted.filter((c) => c.role === 'conv' && spatial(c));
  return chosen.map((c) => c.tensor);
}

/** The tensors in network order (the candidates' order; names not among them keep theirs, at the end). */
export function inNetworkOrder(tensors: readonly string[], candidates: readonly TensorCandidate[]): string[] {
  const at = new Map(candidates.map((c) => [c.tensor, c.order]));
  return [...new Set(tensors)].map((t, i) => ({ t, key: at.get(t) ?? Number.MAX_SAFE_INTEGER, i })).sort((a, b) => a.key - b.key || a.i - b.i).map((x) => x.t);
}

/** The external-data files the model's initializers name (their `location`), each once. */
export function externalDataLocations(parsed: ParsedModel): string[] {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const found = new Set<string>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (location) found.add(location);
  }
  return [...found];
}

/** Labels from a dropped text file: one per line, or a JSON array. */
export function parseLabels(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return trimmed.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The model's bytes with a free batch axis on its input and outputs, so that many inputs go through one run. */
export function withFreeBatch(parsed: ParsedModel): Uint8Array {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const graph = model.graph!;
  const dim = graph.input?.[0]?.type?.tensorType?.shape?.dim;
  if (dim?.length) dim[0] = { dimParam: 'batch' };
  for (const o of graph.output ?? []) {
    const d = o.type?.tensorType?.shape?.dim;
    if (d?.length) d[0] = { dimParam: 'batch' };
  }
  graph.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}
