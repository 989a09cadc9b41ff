// The workspace's state as the views read it: panes A and B with their files and layer entries,
// the SROP parameters and the queue's progress. Types only, and the one derivation every view
// needs (a pane's finished layers); the store that changes them is workspace.ts.

import type { Layer, LayoutChoice } from '../io/types';
import type { LayerResult } from '../analysis/layerResult';
import type { SropParams } from '../analysis/srop';
import type { LayerStream } from '../io/memoryLayer';

export type SideName = 'A' | 'B';
export const SIDES: readonly SideName[] = ['A', 'B'];

export type LayerStatus = 'queued' | 'running' | 'done' | 'error' | 'cancelled';

export interface LayerEntry {
  id: number;
  layer: Layer;
  status: LayerStatus;
  result: LayerResult | null;
  error: string | null;
  /**
   * A layer opened from a results JSON: its SROPs as the file holds them (no profiles). It is the
   * entry's result while the page's parameters are the file's, an error (saying so) otherwise.
   */
  fromResults?: LayerResult;
}

export interface FileEntry {
  id: number;
  name: string;
  /** The file the layers are read from; null for live feature maps (computed in the page). */
  blob: Blob | null;
  /** Who put it there: the user, or "Load the example" (a default that the user's files replace). */
  origin: 'user' | 'example';
  layout: LayoutChoice;
  layers: LayerEntry[];
  /**
   * Live feature maps: the same tensors read with another layout choice (applied where the graph
   * does not give the layout). Absent for files, which are re-read from their blob, and for live
   * maps whose every layout the graph gives.
   */
  relayout?: (layout: LayoutChoice) => Layer[];
  /**
   * A live set of inputs run batch by batch: its layers are profiled together, one batch of inputs
   * at a time (each batch's maps profiled, then dropped), so that no layer's maps of the whole set
   * are ever held at once. Absent for files and single inputs.
   */
  stream?: LayerStream;
  /** A results JSON ("Open results"): the parameters its SROPs were computed with, and what made it. */
  results?: { params: SropParams; origin: string };
  /**
   * A file of a restored session whose bytes are not here (its `blob` is empty): layers computed
   * elsewhere (`srop run`: profiles only), or a file left out of the session (past its size bound).
   * Its layers show from their profiles; reading their maps rejects with `reason`.
   */
  notHere?: { kind: 'profiles' | 'leftOut'; reason: string; bytes: number | null };
}

export interface PaneState {
  files: FileEntry[];
  /** Messages naming the file (and member) and the reason. */
  errors: string[];
  /** One input of the batch, or null for the pooled batch. */
  input: number | null;
}

export interface Progress {
  /** Layers finished (done or failed) of those queued since the queue was last empty. */
  done: number;
  total: number;
  /** Share of the running layer's maps done (0..1). */
  current: number;
  running: boolean;
  label: string;
}

export interface WorkspaceState {
  params: SropParams;
  panes: Record<SideName, PaneState>;
  progress: Progress;
  /** Bumped on every change of results (for memoised chart data). */
  version: number;
}

/** Finished layers of a pane (a snapshot's), in file and layer order. */
export function paneResults(pane: PaneState): LayerResult[] {
  return pane.files.flatMap((f) => f.layers.flatMap((e) => (e.result ? [e.result] : [])));
}

/** A file of a saved session as the workspace takes it back (ids are given here). */
export type RestoredFile = Omit<FileEntry, 'id' | 'layers'> & { layers: Array<Omit<LayerEntry, 'id'>> };

/** Whether two parameter sets give the same SROPs. */
export function sameParams(a: SropParams, b: SropParams): boolean {
  return a.kappa === b.kappa && a.dc === b.dc && a.domain === b.domain && a.interpolate === b.interpolate;
}

/** Why a results file's layers show nothing under other parameters. */
export function resultsParamsMessage(file: string, p: SropParams): string {
  return `${file}: SROPs at kappa ${p.kappa}, dc ${p.dc}, domain ${p.domain}${p.interpolate ? '' : ', not interpolated'} only (a results file has no ring profiles to recompute them); set those parameters again to see them`;
}
