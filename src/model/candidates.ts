// A candidate feature map with the shape the probe run found, and how its maps are read: the
// graph's layout where it gives one, else the shape rule. Shared by the page's model store and the
// `srop run` command, so that both read a model's tensors the same way.

import { guessLayout } from '../io/layout';
import type { Layout } from '../io/types';
import type { TensorCandidate } from './featureMaps';

export interface Candidate extends TensorCandidate {
  /** Shape found by the probe run, as the runtime returns it (4 axes). */
  dims: number[];
  /** The same in [N, C, H, W] order, read in the layout below. */
  shape: [number, number, number, number];
  /** How its maps are read: the graph's layout, else the shape rule. */
  readAs: Layout;
  /** Why (shown as the layer's layout reason). */
  readReason: string;
}

/** A candidate with its probe shape: read as the graph says, else by the shape rule. */
export function withShape(c: TensorCandidate, dims: number[]): Candidate {
  let readAs: Layout, readReason: string;
  if (c.layout) {
    readAs = c.layout;
    readReason = c.layoutReason;
  } else {
    const guess = guessLayout(dims);
    readAs = guess.layout;
    readReason = `${c.layoutReason}; by shape: ${guess.reason}`;
  }
  const [n, a, b, d] = dims;
  const shape: [number, number, number, number] = readAs === 'nhwc' ? [n, d, a, b] : [n, a, b, d];
  return { ...c, dims, shape, readAs, readReason };
}

/** Whether a candidate's maps are 1 x 1 (no spatial frequencies: the SROP is kappa by construction). */
export const isSinglePixel = (c: Pick<Candidate, 'shape'>) => c.shape[2] === 1 && c.shape[3] === 1;
