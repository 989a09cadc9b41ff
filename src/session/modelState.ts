// The live-model store's state (modelStore.ts): the model, its candidate and chosen feature maps,
// the preprocessing, the inputs of A and B and their runs' results; the empty state, and what a
// saved session's model is when the store takes it back. Types and one constant only.

import type { LayoutChoice } from '../io/types';
import type { Candidate } from '../model/candidates';
import type { ParsedModel } from '../model/onnxGraph';
import type { ModelProvider } from '../model/runtime';
import type { Preprocessing, Rect } from '../model/preprocess';
import type { Prediction } from '../analysis/classes';
import type { SideName } from './workspaceState';
import type { Origin, SideInput } from './inputs';

export type ProviderChoice = 'auto' | ModelProvider;

export interface ModelState {
  model: { name: string; inputName: string; inputDims: Array<number | string | null>; producer: string; origin: Origin; /** SHA-256 of the model file's bytes, and their count (for the exports' provenance). */ sha256: string; bytes: number } | null;
  /** The model file being loaded (the views show `model` until it has loaded), or null. */
  loading: string | null;
  candidates: Candidate[];
  /** The candidates chosen by default (the graph's activations and block outputs, in network order). */
  defaults: string[];
  selected: string[];
  /** The loaded model's class labels: its own metadata, the demo's manifest, or a labels file dropped for it. */
  labels: string[] | null;
  /** Length of the model's class vector (found by the probe run), or null when it has none. */
  classCount: number | null;
  provider: ProviderChoice;
  /** The provider the last session ran on. */
  providerInUse: ModelProvider | null;
  preprocessing: Preprocessing | null;
  inputs: Record<SideName, SideInput | null>;
  /** Top-5 of the side's first input (its only one, for a single image). */
  predictions: Record<SideName, Prediction[] | null>;
  /** Top-5 of every input of the side's set, by index (null until its batch has run, or without a class vector). */
  perInput: Record<SideName, Array<Prediction[] | null> | null>;
  status: 'empty' | 'loading' | 'ready' | 'running';
  error: string | null;
  notice: string | null;
  /** The rectangle drawn or typed on A's image (its pixels), for "Occlude"; a new A clears it. */
  rect: Rect | null;
  /** The size of the image of A's set that the rectangle was drawn on (null: A's first image). */
  rectOn: { width: number; height: number } | null;
  /** Seconds of the last forward pass per side (per input, for a set). */
  timings: Record<SideName, number | null>;
}

/** The store's state without a model. */
export const emptyModelState = (): ModelState => ({
  model: null, loading: null, candidates: [], defaults: [], selected: [], labels: null, classCount: null, provider: 'auto', providerInUse: null, preprocessing: null,
  inputs: { A: null, B: null }, predictions: { A: null, B: null }, perInput: { A: null, B: null }, status: 'empty', error: null, notice: null, timings: { A: null, B: null }, rect: null, rectOn: null,
});

/** A saved session's model as the store takes it back (src/session/sessionSnapshot.ts): parsed again, no probe run. */
export interface RestoredModel {
  parsed: ParsedModel;
  externalData: Array<{ path: string; data: Uint8Array }>;
  /** H x W of the input the candidates' shapes were found on. */
  probeArea: number;
  liveLayout: LayoutChoice;
  state: Omit<ModelState, 'loading' | 'providerInUse' | 'status' | 'error' | 'notice'>;
}

