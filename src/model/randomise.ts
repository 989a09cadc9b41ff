// Parameter randomisation for the sanity-check lab: the layers that hold weights (Conv, Gemm,
// MatMul with initializer weights), and copies of the model in which chosen layers' weights and
// biases are drawn again from a Gaussian with the trained values' own mean and standard deviation
// (the same family and scale the usual initialisers use), from a fixed seed.

import { onnx, type ParsedModel } from './onnxGraph';
import { seededRandom } from '../testing/syntheticMaps';

export interface WeightLayer {
  /** Node name (or op type and position). */
  name: string;
  opType: string;
  /** Initializer names: the weight, then the bias where there is one. */
  initializers: string[];
  /** Position among the weight layers, input side first. */
  index: number;
}

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export function weightLayers(parsed: ParsedModel): WeightLayer[] {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const graph = model.graph!;
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const layers: WeightLayer[] = [];
  (graph.node ?? []).forEach((node, order) => {
    if (!WEIGHTED.has(node.opType ?? '')) return;
    const own = (node.input ?? []).slice(1).filter((i) => initializers.has(i));
    if (own.length) layers.push({ name: node.name || `${node.opType} #${order}`, opType: node.opType ?? '', initializers: own, index: layers.length });
  });
  return layers;
}

function floatValues(t: onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const raw = t.rawData;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return Float32Array.from(t.floatData ?? []);
}

/** The model with the given weight layers re-drawn (seeded per layer, so a layer gets the same draw in every variant). */
export function randomisedModel(parsed: ParsedModel, layers: WeightLayer[], seed = 1): Uint8Array {
  const model = onnx.ModelProto.decode(parsed.bytes);
  const byName = new Map((model.graph!.initializer ?? []).map((t) => [t.name, t]));
  for (const layer of layers) {
    const random = seededRandom(seed * 1000 + layer.index + 1);
    for (const name of layer.initializers) {
      const t = byName.get(name);
      if (!t || t.dataType !== 1) continue;
      const values = floatValues(t);
      let mean = 0;
      for (const v of values) mean += v;
      mean /= values.length || 1;
      let variance = 0;
      for (const v of values) variance += (v - mean) ** 2;
      const std = Math.sqrt(variance / (values.length || 1));
      const drawn = new Float32Array(values.length);
      for (let i = 0; i < drawn.length; i++) {
        const u = Math.max(random(), 1e-12);
        drawn[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      }
      t.rawData = new Uint8Array(drawn.buffer);
      t.floatData = [];
    }
  }
  return onnx.ModelProto.encode(model).finish();
}
