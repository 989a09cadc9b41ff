// Small ONNX graphs for the feature-map tests: one per pattern the page must recognise (SiLU and
// Hardswish as gate x input, residual Adds with the skip on either side, Concat blocks, a channel
// shuffle, a channels-last island between two Transposes, 1 x 1 maps). Valid models: the runtime
// runs them, so the page's store can probe and read them.
import { onnx } from '../model/onnxGraph';
import { seededRandom } from './syntheticMaps';

type Attr = number | number[] | string;
/** [op, inputs, outputs, attributes] */
export type NodeSpec = [string, string[], string[], Record<string, Attr>?];

const AT = onnx.AttributeProto.AttributeType;

function attribute(name: string, value: Attr) {
  if (Array.isArray(value)) return { name, type: AT.INTS, ints: value };
  if (typeof value === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(value) };
  return Number.isInteger(value) && name !== 'alpha' && name !== 'beta' && name !== 'epsilon' ? { name, type: AT.INT, i: value } : { name, type: AT.FLOAT, f: value };
}

/**
 * A model with input `x` of `inputDims`, the given nodes, float initializers (random values in
 * [-0.5, 0.5) unless given; int64 ones by `ints`) and graph outputs.
 */
export function graphModel(
  nodes: NodeSpec[],
  options: { input?: number[]; floats?: Record<string, number[] | { dims: number[]; values: number[] }>; ints?: Record<string, number[]>; outputs?: string[]; opset?: number; seed?: number } = {},
): Uint8Array<ArrayBuffer> {
  const random = seededRandom(options.seed ?? 3);
  const initializer: onnx.ITensorProto[] = [];
  for (const [name, spec] of Object.entries(options.floats ?? {})) {
    const dims = Array.isArray(spec) ? spec : spec.dims;
    const size = dims.reduce((a, b) => a * b, 1);
    const values = Array.isArray(spec) ? Array.from({ length: size }, () => random() - 0.5) : spec.values;
    initializer.push({ name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from(values).buffer) });
  }
  for (const [name, values] of Object.entries(options.ints ?? {})) {
    initializer.push({ name, dims: [values.length], dataType: 7, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
  }
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: options.opset ?? 17 }],
    producerName: 'smallGraphs',
    graph: {
      name: 'small',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: (options.input ?? [1, 2, 8, 8]).map((d) => ({ dimValue: d })) } } } }],
      output: (options.outputs ?? ['y']).map((name) => ({ name, type: { tensorType: { elemType: 1 } } })),
      initializer,
      node: nodes.map(([opType, input, output, attrs], i) => ({ opType, name: `${opType}_${i}`, input, output, attribute: Object.entries(attrs ?? {}).map(([k, v]) => attribute(k, v)) })),
    },
  }).finish();
  return new Uint8Array(bytes);
}

/** 3 x 3 convolution weights [cout, cin, 3, 3] (with `pads` 1 it keeps the size). */
export const conv3 = (cout: number, cin: number) => [cout, cin, 3, 3];
export const SAME: Record<string, Attr> = { pads: [1, 1, 1, 1] };
