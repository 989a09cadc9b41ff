// The NCHW / NHWC guess from a stored shape.
import { describe, expect, it } from 'vitest';
import { guessLayout } from '../src/io/layout';
import { openActivationFile } from '../src/io/open';

describe('guessLayout', () => {
  const cases: Array<[number[], 'nchw' | 'nhwc', RegExp]> = [
    [[8, 64, 7, 7], 'nchw', /^nchw: axes 2, 3 are 7 x 7 \(square maps\); axis 1 \(64\) taken as channels$/],
    [[8, 7, 7, 64], 'nhwc', /^nhwc: last axis 64 looks like channels \(axes 1, 2 are 7 x 7\)$/],
    [[1, 224, 224, 3], 'nhwc', /^nhwc: last axis 3 looks like channels/],
    [[1, 3, 224, 224], 'nchw', /square maps/],
    [[64, 7, 7], 'nchw', /^nchw: axes 1, 2 are 7 x 7/],
    [[7, 7, 64], 'nhwc', /^nhwc: last axis 64 looks like channels \(axes 0, 1 are 7 x 7\)$/],
    [[2, 4, 4, 4], 'nchw', /^nchw: ambiguous \(axes 1, 2, 3 are all 4\); PyTorch order assumed$/],
    [[2, 3, 13, 17], 'nchw', /^nchw: axis 1 \(3\) looks like image channels/],
    [[2, 13, 17, 3], 'nhwc', /^nhwc: last axis 3 looks like image channels/],
    [[1, 13, 17, 64], 'nhwc', /^nhwc: last axis 64 looks like channels, more than twice/],
    [[1, 64, 13, 17], 'nchw', /^nchw: axis 1 \(64\) looks like channels, more than twice/],
    [[2, 8, 13, 17], 'nchw', /^nchw: ambiguous \(last axes 8, 13, 17\); PyTorch order assumed$/],
    [[5, 6], 'nchw', /^nchw: 2 axes, no channel axis$/],
    [[9], 'nchw', /^nchw: 1 axis, no channel axis$/],
  ];
  for (const [shape, layout, reason] of cases) {
    it(`(${shape.join(', ')}) -> ${layout}`, () => {
      const guess = guessLayout(shape);
      expect(guess.layout).toBe(layout);
      expect(guess.reason).toMatch(reason);
    });
  }
  it('says in a field of its own when the shape cannot tell (all three axes equal), and only then', () => {
    expect(guessLayout([2, 4, 4, 4]).undecided).toBe('axes 1, 2, 3 are all 4');
    expect(guessLayout([4, 4, 4]).undecided).toBe('axes 0, 1, 2 are all 4');
    for (const shape of [[2, 8, 13, 17], [8, 7, 7, 64], [1, 3, 224, 224], [5, 6]]) expect(guessLayout(shape).undecided).toBeUndefined();
  });
  it('the batch axis does not matter', () => {
    for (const shape of [[64, 7, 7], [7, 7, 64], [3, 13, 17], [13, 17, 3]]) {
      expect(guessLayout([1, ...shape]).layout).toBe(guessLayout(shape).layout);
      expect(guessLayout([32, ...shape]).layout).toBe(guessLayout(shape).layout);
    }
  });
});

describe('file-wide layout vote', () => {
  /** A float32 safetensors file of these tensors (values 0, 1, 2, ... in stored order). */
  function safetensors(tensors: Record<string, number[]>): Blob {
    let offset = 0;
    const header: Record<string, unknown> = {};
    const parts: Float32Array[] = [];
    for (const [name, shape] of Object.entries(tensors)) {
      const n = shape.reduce((a, b) => a * b, 1);
      header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * n] };
      offset += 4 * n;
      parts.push(Float32Array.from({ length: n }, (_, i) => i));
    }
    let text = JSON.stringify(header);
    text += ' '.repeat((8 - (text.length % 8)) % 8);
    const size = new BigUint64Array([BigInt(text.length)]);
    return new Blob([new Uint8Array(size.buffer), text, ...parts.map((p) => new Uint8Array(p.buffer as ArrayBuffer))]);
  }

  it('an ambiguous layer follows the file when its other layers agree on NHWC', async () => {
    const blob = safetensors({ a: [1, 8, 8, 32], b: [1, 16, 16, 16], c: [1, 4, 4, 64] });
    const { layers } = await openActivationFile(blob, 'keras.safetensors', 'auto');
    const b = layers.find((l) => l.name === 'b')!;
    expect(b.layout).toBe('nhwc');
    expect(b.layoutReason).toBe("nhwc: ambiguous on its own (axes 1, 2, 3 are all 16); NHWC like the file's other 2 layers");
    expect(b.layoutUndecided, 'decided by the file once re-read').toBeUndefined();
    // Channels last: map 0 is every 16th value.
    const map0 = await b.readMaps(0, 1);
    expect(Array.from(map0.subarray(0, 3))).toEqual([0, 16, 32]);
    // The others keep their own guesses; a given layout is never overruled.
    expect(layers.find((l) => l.name === 'a')!.layoutReason).toMatch(/^nhwc: last axis 32/);
    const given = await openActivationFile(blob, 'keras.safetensors', 'nchw');
    expect(given.layers.find((l) => l.name === 'b')!.layout).toBe('nchw');
  });

  it('no vote when the decided layers disagree, or all say NCHW', async () => {
    const mixed = await openActivationFile(safetensors({ a: [1, 8, 8, 32], b: [1, 16, 16, 16], c: [1, 64, 4, 4] }), 'mixed.safetensors', 'auto');
    expect(mixed.layers.find((l) => l.name === 'b')!.layoutReason).toMatch(/^nchw: ambiguous/);
    expect(mixed.layers.find((l) => l.name === 'b')!.layoutUndecided).toBe('axes 1, 2, 3 are all 16');
    const torch = await openActivationFile(safetensors({ b: [1, 16, 16, 16], c: [1, 64, 4, 4] }), 'torch.safetensors', 'auto');
    expect(torch.layers.find((l) => l.name === 'b')!.layoutReason).toMatch(/^nchw: ambiguous/);
  });
});
