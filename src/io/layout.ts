// Guessing whether a stored array is channels-first (NCHW, PyTorch) or channels-last (NHWC,
// TensorFlow/JAX), from its shape alone. A pure function; the reasons are shown to the user.
//
// The rules, on the last three axes [b, c, d] (of a 4-D array; a 3-D array is those three):
//   1. c == d, b != c  -> nchw: the last two axes are square maps, b is channels.
//   2. b == c, c != d  -> nhwc: the first two are square maps, the last axis is channels.
//   3. b == c == d     -> nchw: ambiguous; PyTorch order assumed.
//   4. non-square maps: a small last axis (1..4, image-like channels) with larger others -> nhwc;
//      a small axis b (1..4) with larger others -> nchw.
//   5. non-square maps: a last axis more than twice the size of both others -> nhwc (channels
//      outnumber the pixels per side); an axis b more than twice both others -> nchw.
//   6. otherwise nchw: ambiguous; PyTorch order assumed.
// Arrays with fewer than 3 axes have no channel axis: nchw, which reads them as they are.

import type { Layout } from './types';

export interface LayoutGuess {
  layout: Layout;
  /** Why, in words, for the user. */
  reason: string;
  /**
   * Set when the shape alone cannot tell (rule 3: the last three axes are equal): what was seen,
   * "axes 1, 2, 3 are all 16". fileWideLayout lets only such layers follow the file's others.
   */
  undecided?: string;
}

const SMALL_CHANNELS = 4;

export function guessLayout(storedShape: readonly number[]): LayoutGuess {
  const k = storedShape.length;
  if (k < 3) return { layout: 'nchw', reason: `nchw: ${k} ${k === 1 ? 'axis' : 'axes'}, no channel axis` };
  const o = k - 3; // index of axis b in the stored shape
  const [b, c, d] = storedShape.slice(o);
  const ax = (i: number) => o + i;
  if (c === d && b !== c) {
    return { layout: 'nchw', reason: `nchw: axes ${ax(1)}, ${ax(2)} are ${c} x ${d} (square maps); axis ${ax(0)} (${b}) taken as channels` };
  }
  if (b === c && c !== d) {
    return { layout: 'nhwc', reason: `nhwc: last axis ${d} looks like channels (axes ${ax(0)}, ${ax(1)} are ${b} x ${c})` };
  }
  if (b === c && c === d) {
    const undecided = `axes ${ax(0)}, ${ax(1)}, ${ax(2)} are all ${b}`;
    return { layout: 'nchw', reason: `nchw: ambiguous (${undecided}); PyTorch order assumed`, undecided };
  }
  if (d <= SMALL_CHANNELS && b > SMALL_CHANNELS && c > SMALL_CHANNELS) {
    return { layout: 'nhwc', reason: `nhwc: last axis ${d} looks like image channels (axes ${ax(0)}, ${ax(1)} are ${b} x ${c})` };
  }
  if (b <= SMALL_CHANNELS && c > SMALL_CHANNELS && d > SMALL_CHANNELS) {
    return { layout: 'nchw', reason: `nchw: axis ${ax(0)} (${b}) looks like image channels (axes ${ax(1)}, ${ax(2)} are ${c} x ${d})` };
  }
  if (d > 2 * Math.max(b, c)) {
    return { layout: 'nhwc', reason: `nhwc: last axis ${d} looks like channels, more than twice axes ${ax(0)}, ${ax(1)} (${b} x ${c})` };
  }
  if (b > 2 * Math.max(c, d)) {
    return { layout: 'nchw', reason: `nchw: axis ${ax(0)} (${b}) looks like channels, more than twice axes ${ax(1)}, ${ax(2)} (${c} x ${d})` };
  }
  return { layout: 'nchw', reason: `nchw: ambiguous (last axes ${b}, ${c}, ${d}); PyTorch order assumed` };
}
