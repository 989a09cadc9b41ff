// The NCHW / NHWC guess from a stored shape.
import { describe, expect, it } from 'vitest';
import { guessLayout } from '../src/io/layout';

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
  it('the batch axis does not matter', () => {
    for (const shape of [[64, 7, 7], [7, 7, 64], [3, 13, 17], [13, 17, 3]]) {
      expect(guessLayout([1, ...shape]).layout).toBe(guessLayout(shape).layout);
      expect(guessLayout([32, ...shape]).layout).toBe(guessLayout(shape).layout);
    }
  });
});
