// What a saved session holds (format version 1): the document inside a session file
// (src/io/sessionArchive.ts packs it, typed arrays and Blobs as entries of their own) and, as the
// same object, what the page keeps in the browser's storage between reloads. Both the page
// (src/session/) and the command (`srop --session`) write it; the page restores it. Everything is
// data: no functions, no engine or runtime objects, so that a restore draws the views from the
// kept profiles without another FFT, and a session opens on another machine exactly as it was.
//
// Rules of the format, for writers and readers:
// - A layer that was done keeps its ring profiles (`profiles`): its SROPs are recomputed from them
//   under the document's parameters (no FFT). A results file's layers keep their SROPs instead
//   (`fromResults`), as the page holds them.
// - A file's bytes are kept (`blob`) up to the writer's bound; past it, `blob` is null and
//   `leftOut` says how large it was and why, so that the user can pick it again. Live feature maps
//   (a model run in the page) have no file: they are made again from the model and the inputs kept.
//   Layers computed by `srop run` are kind "profiles": profiles kept, maps never kept.
// - A layer that was queued or running when the session was kept is saved as it was; the reader
//   decides to run it again or to say it was interrupted.
// - Readers refuse a document whose `version` is newer than theirs, naming both versions.

import type { SropParams } from '../analysis/srop';
import type { LayerResult } from '../analysis/layerResult';
import type { Prediction } from '../analysis/classes';
import type { BackendChoice, RingProfiles } from '../engine/types';
import type { LayerFacts, LayoutChoice } from '../io/types';
import type { Candidate } from '../model/candidates';
import type { Preprocessing, Rect } from '../model/preprocess';
import type { LabState } from './labStore';
import type { Origin, SideInput } from './inputs';
import type { LayerStatus, SideName } from './workspaceState';
import type { ProviderChoice } from './modelStore';

export const SESSION_DOCUMENT_VERSION = 1;

export interface SessionDocument {
  version: number;
  /** What wrote it: "page", "srop" or "srop run". */
  writer: string;
  params: SropParams;
  /** The page's engine choice (null from the command, which the page leaves as it is). */
  engineChoice: BackendChoice | null;
  panes: Record<SideName, PaneDocument>;
  /** The live model, its inputs and its runs' results; null when none was loaded. */
  model: ModelDocument | null;
  /** A model file that was loading when the session was kept (its bytes are not kept: the reader says to load it again). */
  modelLoading?: string | null;
  /**
   * The lab's results (null: none, or written by the command), and the experiment that was running
   * when the session was kept (its results are not: the restore says it was interrupted).
   */
  lab: (Pick<LabState, 'occlusion' | 'randomisation' | 'training' | 'architecture'> & { running?: LabState['running'] }) | null;
}

export interface PaneDocument {
  /** One input of the batch shown, or null for the pooled batch. */
  input: number | null;
  errors: string[];
  files: FileDocument[];
}

export interface FileDocument {
  name: string;
  /**
   * An activation file, live feature maps of the model (no file), a results JSON, or layers whose
   * profiles were computed elsewhere (`srop run`: a model's feature maps on images, which were not
   * kept): their SROPs, curves and statistics are all there, their maps cannot be shown.
   */
  kind: 'file' | 'live' | 'results' | 'profiles';
  origin: 'user' | 'example';
  layout: LayoutChoice;
  /** The file's bytes; null for live maps, or when they were left out (`leftOut`). */
  blob: Blob | null;
  leftOut?: { bytes: number; reason: string };
  /** A results JSON: the parameters its SROPs were computed with, and what made it. */
  results?: { params: SropParams; origin: string };
  /** For live maps of a set: the number of inputs and the batch they ran in. */
  stream?: { inputs: number; batch: number };
  layers: LayerDocument[];
}

/** A layer's facts (src/io/types.ts: name, tensor, file, shapes, dtype, layout and why), and how far it got. */
export interface LayerDocument extends Omit<LayerFacts, 'inputNames'> {
  inputNames?: string[];
  status: LayerStatus;
  error: string | null;
  /** The ring profiles of a layer that was done. */
  profiles: RingProfiles | null;
  /** A results file's layer: its SROPs as the file holds them (no profiles). */
  fromResults?: Omit<LayerResult, 'profiles'> & { profiles: null };
}

export interface ModelDocument {
  /** The .onnx file's bytes and name, and its external-data files. */
  file: Blob | null;
  name: string;
  leftOut?: { bytes: number; reason: string };
  externalData: Array<{ name: string; blob: Blob }>;
  origin: Origin;
  sha256: string;
  bytes: number;
  inputName: string;
  inputDims: Array<number | string | null>;
  producer: string;
  /** What the probe found, kept so that a restore does not run the model to find it again. */
  candidates: Candidate[];
  defaults: string[];
  selected: string[];
  labels: string[] | null;
  classCount: number | null;
  provider: ProviderChoice;
  preprocessing: Preprocessing;
  /** The layout control of live tensors whose layout the graph does not give. */
  liveLayout: LayoutChoice;
  inputs: Record<SideName, SideInput | null>;
  predictions: Record<SideName, Prediction[] | null>;
  perInput: Record<SideName, Array<Prediction[] | null> | null>;
  timings: Record<SideName, number | null>;
  rect: Rect | null;
  rectOn: { width: number; height: number } | null;
}

const FILE_KINDS: ReadonlyArray<FileDocument['kind']> = ['file', 'live', 'results', 'profiles'];
const STATUSES: readonly LayerStatus[] = ['queued', 'running', 'done', 'error', 'cancelled'];

/** An empty pane's document. */
export const emptyPane = (): PaneDocument => ({ input: null, errors: [], files: [] });

/**
 * Checks the shape of a document read from a file or the browser's storage (the archive has
 * checked its bytes); throws one message naming `where` and what is wrong.
 */
export function checkSessionDocument(value: unknown, where: string): SessionDocument {
  const fail = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  if (!value || typeof value !== 'object') fail('the session holds no document');
  const doc = value as Partial<SessionDocument>;
  if (!Number.isInteger(doc.version)) fail('the session document has no version');
  if (doc.version! > SESSION_DOCUMENT_VERSION) fail(`the session document is version ${doc.version}, newer than this app reads (up to ${SESSION_DOCUMENT_VERSION}): open it with a newer version of the app`);
  const params = doc.params as SropParams | undefined;
  if (!params || typeof params.kappa !== 'number') fail('the session document has no SROP parameters');
  for (const side of ['A', 'B'] as const) {
    const pane = doc.panes?.[side];
    if (!pane || !Array.isArray(pane.files) || !Array.isArray(pane.errors)) fail(`the session document has no pane ${side}`);
    for (const file of pane!.files) {
      if (typeof file?.name !== 'string' || !Array.isArray(file.layers)) fail(`pane ${side}: a file entry without a name or layers`);
      if (!FILE_KINDS.includes(file.kind)) fail(`${file.name}: its kind ${JSON.stringify(file.kind)} is none of ${FILE_KINDS.join(', ')}`);
      for (const layer of file.layers) {
        if (!STATUSES.includes(layer?.status)) fail(`${file.name}: layer ${String(layer?.name)} has status ${JSON.stringify(layer?.status)}, none of ${STATUSES.join(', ')}`);
        if (!Array.isArray(layer?.shape) || layer.shape.length !== 4) fail(`${file.name}: layer ${String(layer?.name)} has no [N, C, H, W] shape`);
        const p = layer.profiles;
        if (p) {
          const [n, c, h, w] = layer.shape;
          if (p.maps !== n * c || p.height !== h || p.width !== w || p.inDisc?.length !== p.maps * p.rings || p.outDisc?.length !== p.maps * p.rings || p.dc?.length !== p.maps || p.sumSquares?.length !== p.maps || p.nonFinite?.length !== p.maps) {
            fail(`${file.name}: ${layer.name}: its ring profiles do not match its shape ${layer.shape.join('x')}`);
          }
        }
      }
    }
  }
  return doc as SessionDocument;
}
