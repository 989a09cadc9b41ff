// A small model for the randomisation tests (unit and end-to-end): weights in an external-data
// file, in float16 behind a Cast, int8 behind a DequantizeLinear, and a BatchNormalization.
import { onnx } from '../model/onnxGraph';
import { floatToHalf } from '../numeric/float16';
import { gaussian, seededRandom } from '../numeric/random';

/**
 * x -> Conv(w1: float32 in an external-data file, uniform values) -> BatchNorm -> Relu, then
 * Conv(Cast(w2: float16, Gaussian values), b2: zeros) -> y and Conv(DequantizeLinear(w3: int8)) -> z.
 */
export function mixedModel() {
  const random = seededRandom(5);
  const w1 = Float32Array.from({ length: 8 * 9 }, () => 0.4 * (2 * random() - 1) + 0.05);
  const gauss = () => gaussian(random);
  const w2 = Uint16Array.from({ length: 4 * 8 * 9 }, () => floatToHalf(0.1 * gauss() - 0.02));
  const f = (name: string, dims: number[], values: number[]) => ({ name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from(values).buffer) });
  const dim = (d: number[]) => ({ dim: d.map((v) => ({ dimValue: v })) });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'mixed',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: dim([1, 1, 10, 10]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }, { name: 'z', type: { tensorType: { elemType: 1 } } }],
      initializer: [
        { name: 'w1', dims: [8, 1, 3, 3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'mixed.data' }, { key: 'offset', value: '0' }, { key: 'length', value: String(w1.byteLength) }] },
        f('bn_scale', [8], Array(8).fill(1.5)), f('bn_bias', [8], Array(8).fill(0.1)), f('bn_mean', [8], Array(8).fill(0)), f('bn_var', [8], Array(8).fill(1)),
        { name: 'w2', dims: [4, 8, 3, 3], dataType: 10, rawData: new Uint8Array(w2.buffer) },
        f('b2', [4], [0, 0, 0, 0]),
        { name: 'w3', dims: [2, 8, 1, 1], dataType: 3, rawData: Uint8Array.from({ length: 16 }, (_, i) => (i * 37) % 256) },
        f('w3_scale', [], [0.05]),
      ],
      node: [
        { opType: 'Conv', name: 'conv1', input: ['x', 'w1'], output: ['c1'] },
        { opType: 'BatchNormalization', name: 'bn1', input: ['c1', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], output: ['n1'] },
        { opType: 'Relu', input: ['n1'], output: ['r1'] },
        { opType: 'Cast', input: ['w2'], output: ['w2f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        { opType: 'Conv', name: 'conv2', input: ['r1', 'w2f', 'b2'], output: ['y'] },
        { opType: 'DequantizeLinear', input: ['w3', 'w3_scale'], output: ['w3f'] },
        { opType: 'Conv', name: 'conv3', input: ['r1', 'w3f'], output: ['z'] },
      ],
    },
  }).finish();
  return { bytes, w1, w2, external: [{ path: 'mixed.data', data: new Uint8Array(w1.buffer) }] };
}

/**
 * x [1, 1, size, size] -> Conv(w: 2 kernels of 3x3, float32 in the external-data file
 * `weights.bin`) -> r = Relu -> y = Sigmoid. Weight i is ((i % 5) - 2) * scale; `weights` holds the
 * file's bytes.
 */
export function externalConvModel(size: number, scale = 1): { bytes: Uint8Array<ArrayBuffer>; weights: Float32Array<ArrayBuffer> } {
  const weights = new Float32Array(2 * 1 * 3 * 3).map((_, i) => ((i % 5) - 2) * scale);
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'external',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 1, size, size].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      initializer: [{ name: 'w', dims: [2, 1, 3, 3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: String(weights.byteLength) }] }],
      node: [{ opType: 'Conv', input: ['x', 'w'], output: ['c'] }, { opType: 'Relu', input: ['c'], output: ['r'] }, { opType: 'Sigmoid', input: ['r'], output: ['y'] }],
    },
  }).finish();
  return { bytes: new Uint8Array(bytes), weights };
}
