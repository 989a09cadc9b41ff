// Parameter randomisation for the sanity-check lab: the layers that hold weights (Conv, Gemm,
// MatMul with initializer weights, directly or through a Cast or DequantizeLinear), and copies of
// the model in which chosen layers' weights and biases are drawn again, from a fixed seed, from the
// family their trained values look like (uniform when their excess kurtosis is near -1.2, as
// PyTorch's default initialisers leave them; Gaussian otherwise) with the trained mean and standard
// deviation. Float32, float64, float16 and bfloat16 weights are re-drawn, inline or in external-data
// files (the re-drawn values are then stored inline); whatever cannot be is reported, with why.

import { onnx, type ParsedModel } from './onnxGraph';
import { gaussian, seededRandom } from '../numeric/random';
import { bfloatToFloat, floatToBfloat, floatToHalf, halfToFloat } from '../numeric/float16';

export interface WeightLayer {
  /** Node name (or op type and position). */
  name: string;
  opType: string;
  /** Initializer names: the weight, then the bias where there is one. */
  initializers: string[];
  /** Position among the weight layers, input side first. */
  index: number;
}

export type WeightFamily = 'uniform' | 'gaussian';

export interface Redrawn {
  layer: string;
  initializer: string;
  dtype: string;
  family: WeightFamily;
  /** Where the trained values were read from. */
  source: 'inline' | 'external';
}

export interface Skipped {
  layer: string;
  /** The initializer, or '' for the whole layer. */
  initializer: string;
  reason: string;
}

export interface RandomisedModel {
  bytes: Uint8Array;
  redrawn: Redrawn[];
  skipped: Skipped[];
}

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
const NORMALISATION = new Set(['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization']);
/** Nodes that pass a weight on to its layer (fp16 weights cast up, quantised weights dequantised). */
const WEIGHT_PASS = new Set(['Cast', 'Identity', 'DequantizeLinear']);

const ELEM = { FLOAT: 1, INT8: 3, DOUBLE: 11, FLOAT16: 10, BFLOAT16: 16 } as const;
const DTYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };
const dtypeName = (t: number | null | undefined) => DTYPE_NAMES[t ?? 0] ?? `ONNX type ${t}`;

function nodeName(node: onnx.INodeProto, order: number): string {
  return node.name || `${node.opType} #${order}`;
}

export function weightLayers(parsed: ParsedModel): WeightLayer[] {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const graph = model.graph!;
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const producer = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const o of node.output ?? []) producer.set(o, node);
  // A weight input: an initializer, or one passed through a Cast / Identity / DequantizeLinear.
  const ownInitializer = (input: string): string | null => {
    if (initializers.has(input)) return input;
    const p = producer.get(input);
    const source = p?.input?.[0];
    return p && WEIGHT_PASS.has(p.opType ?? '') && source && initializers.has(source) ? source : null;
  };
  const layers: WeightLayer[] = [];
  (graph.node ?? []).forEach((node, order) => {
    if (!WEIGHTED.has(node.opType ?? '')) return;
    const own = (node.input ?? []).slice(1).map(ownInitializer).filter((i): i is string => i !== null);
    if (own.length) layers.push({ name: nodeName(node, order), opType: node.opType ?? '', initializers: own, index: layers.length });
  });
  return layers;
}

/** Layers that keep their trained parameters in every randomisation (the normalisations), with why. */
export function keptLayers(parsed: ParsedModel): Skipped[] {
  const graph = onnx.ModelProto.decode(parsed.bytes).graph!;
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  return (graph.node ?? []).flatMap((node, order) =>
    NORMALISATION.has(node.opType ?? '') && (node.input ?? []).slice(1).some((i) => initializers.has(i))
      ? [{ layer: nodeName(node, order), initializer: '', reason: `${node.opType}: its scale, shift (and running statistics) are kept as trained; only weight layers are re-drawn` }]
      : [],
  );
}

/** The stored bytes of a tensor: inline raw data, or its slice of an external-data file. */
function storedBytes(t: onnx.ITensorProto, externalData: Array<{ path: string; data: Uint8Array }>): { bytes: Uint8Array | null; source: 'inline' | 'external'; missing?: string } {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value;
    const location = entry('location') ?? '';
    const file = externalData.find((f) => f.path === location || f.path === location.split('/').at(-1));
    if (!file) return { bytes: null, source: 'external', missing: location };
    const offset = Number(entry('offset') ?? 0);
    const length = entry('length') !== undefined ? Number(entry('length')) : file.data.length - offset;
    return { bytes: file.data.slice(offset, offset + length), source: 'external' };
  }
  return { bytes: t.rawData && t.rawData.length ? Uint8Array.from(t.rawData) : null, source: 'inline' };
}

/** A float tensor's values (float32, float64, float16, bfloat16), or why they cannot be read. */
function readValues(t: onnx.ITensorProto, externalData: Array<{ path: string; data: Uint8Array }>): { values: Float64Array; source: 'inline' | 'external' } | { reason: string } {
  const { bytes, source, missing } = storedBytes(t, externalData);
  if (missing !== undefined) return { reason: `its external-data file ${missing || '(unnamed)'} was not given with the model` };
  const view = bytes ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  switch (t.dataType) {
    case ELEM.FLOAT:
      return { source, values: view ? Float64Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true)) : Float64Array.from(t.floatData ?? []) };
    case ELEM.DOUBLE:
      return { source, values: view ? Float64Array.from({ length: view.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true)) : Float64Array.from(t.doubleData ?? []) };
    case ELEM.FLOAT16:
      return { source, values: view ? Float64Array.from({ length: view.byteLength / 2 }, (_, i) => halfToFloat(view.getUint16(i * 2, true))) : Float64Array.from(t.int32Data ?? [], halfToFloat) };
    case ELEM.BFLOAT16:
      return { source, values: view ? Float64Array.from({ length: view.byteLength / 2 }, (_, i) => bfloatToFloat(view.getUint16(i * 2, true))) : Float64Array.from(t.int32Data ?? [], bfloatToFloat) };
    default:
      return { reason: `dtype ${dtypeName(t.dataType)} is not a float type${t.dataType === ELEM.INT8 || t.dataType === 2 ? ' (quantised weights are not re-drawn)' : ''}` };
  }
}

/** The values in the tensor's own dtype, stored inline (raw little-endian). */
function writeValues(t: onnx.ITensorProto, values: Float64Array): void {
  const size = t.dataType === ELEM.DOUBLE ? 8 : t.dataType === ELEM.FLOAT ? 4 : 2;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (t.dataType === ELEM.DOUBLE) view.setFloat64(i * 8, v, true);
    else if (t.dataType === ELEM.FLOAT) view.setFloat32(i * 4, v, true);
    else if (t.dataType === ELEM.FLOAT16) view.setUint16(i * 2, floatToHalf(v), true);
    else view.setUint16(i * 2, floatToBfloat(v), true);
  });
  t.rawData = out;
  t.floatData = [];
  t.doubleData = [];
  t.int32Data = [];
  t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
  t.externalData = [];
}

export function moments(values: ArrayLike<number>): { mean: number; std: number; excessKurtosis: number | null } {
  const n = values.length || 1;
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= n;
  let m2 = 0, m4 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean, std: Math.sqrt(m2), excessKurtosis: values.length >= 8 && m2 > 0 ? m4 / (m2 * m2) - 3 : null };
}

/**
 * The family to re-draw from: uniform when the trained values' excess kurtosis is near a uniform's
 * -1.2 (below -0.9: Kaiming- or Glorot-uniform weights not moved far by training), Gaussian otherwise.
 */
export function familyOf(excessKurtosis: number | null): WeightFamily {
  return excessKurtosis !== null && excessKurtosis < -0.9 ? 'uniform' : 'gaussian';
}

/** The model with the given weight layers re-drawn (seeded per layer, so a layer gets the same draw in every variant). */
export function randomisedModel(parsed: ParsedModel, layers: WeightLayer[], externalData: Array<{ path: string; data: Uint8Array }> = [], seed = 1): RandomisedModel {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const byName = new Map((model.graph!.initializer ?? []).map((t) => [t.name, t]));
  const redrawn: Redrawn[] = [];
  const skipped: Skipped[] = [];
  for (const layer of layers) {
    const random = seededRandom(seed * 1000 + layer.index + 1);
    for (const name of layer.initializers) {
      const t = byName.get(name);
      if (!t) continue;
      const read = readValues(t, externalData);
      if ('reason' in read) {
        skipped.push({ layer: layer.name, initializer: name, reason: read.reason });
        continue;
      }
      const { mean, std, excessKurtosis } = moments(read.values);
      if (!(std > 0)) {
        skipped.push({ layer: layer.name, initializer: name, reason: `all ${read.values.length} values equal (${mean}): nothing to draw from, left as trained` });
        continue;
      }
      const family = familyOf(excessKurtosis);
      const halfWidth = Math.sqrt(3) * std;
      const drawn = new Float64Array(read.values.length);
      for (let i = 0; i < drawn.length; i++) {
        if (family === 'uniform') drawn[i] = mean + halfWidth * (2 * random() - 1);
        else drawn[i] = mean + std * gaussian(random);
      }
      writeValues(t, drawn);
      redrawn.push({ layer: layer.name, initializer: name, dtype: dtypeName(t.dataType), family, source: read.source });
    }
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), redrawn, skipped };
}
