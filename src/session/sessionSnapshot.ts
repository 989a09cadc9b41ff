// A session as data and back (the document of sessionDocument.ts): `snapshotSession` reads the
// stores into a SessionDocument (what the browser keeps between reloads, and what a session file
// holds); `restoreSession` puts one back. A restore makes no engine call and runs no model:
//
// - done layers get their results from the kept ring profiles (layerResult, under the document's
//   parameters), exactly the numbers they had;
// - an activation file kept is opened again (its header only) so that the channel view re-reads
//   its maps, its layers matched by name; a file left out, and layers computed elsewhere
//   ("profiles", `srop run`), show from their profiles, and reading their maps rejects with the
//   reason (pick the file again);
// - live feature maps (a model run in the page) are not kept: reading them runs the model again on
//   that side's input, on demand (the channel view asks for one input's maps); their layout
//   control works as before (the layers are measured again, the model run on their inputs);
// - the model is parsed again from its bytes, with what the probe found taken from the document
//   (no probe run); its runtime sessions are made on first use;
// - a layer saved queued or running is queued again (resumed), and the restore says so;
// - the lab's results come back as they were.
// Restore is all or nothing: everything is read and checked before any store changes.

import { layerResult } from '../analysis/layerResult';
import type { BackendChoice } from '../engine/types';
import { openActivationFile } from '../io/open';
import { layerFacts, layerFromFacts, mapsRefused, type Layer, type LayoutChoice } from '../io/types';
import { streamedLayer, type LayerStream } from '../io/memoryLayer';
import { parseModel, type ParsedModel } from '../model/onnxGraph';
import { defaultPreprocessing } from '../model/preprocess';
import type { LabStore } from './labStore';
import type { ModelStore, SideInput } from './modelStore';
import { SESSION_DOCUMENT_VERSION, type FileDocument, type LayerDocument, type ModelDocument, type PaneDocument, type SessionDocument } from './sessionDocument';
import { SIDES, type FileEntry, type LayerEntry, type RestoredFile, type SideName, type Workspace } from './workspace';

/** The stores a session is read from and put back into. */
export interface SessionParts {
  workspace: Workspace;
  model: ModelStore;
  lab: LabStore;
}

export interface SnapshotOptions {
  /**
   * Activation files' bytes are kept while their total stays within this many bytes (in pane
   * order); the others are left out, named with their size and `leftOutReason`. Default: all kept.
   */
  fileBytes?: number;
  leftOutReason?: string;
  engineChoice?: BackendChoice | null;
}

const MB = 1024 * 1024;
/** Bytes in words ("12.3 MB"). */
export function sizeWords(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

// The model's bytes as a Blob, made once per model (the browser keeps the session every few seconds).
const modelBlobs = new WeakMap<object, Blob>();
function blobOf(bytes: Uint8Array): Blob {
  let blob = modelBlobs.get(bytes);
  if (!blob) {
    blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    modelBlobs.set(bytes, blob);
  }
  return blob;
}

function layerDocument(e: LayerEntry): LayerDocument {
  return {
    ...layerFacts(e.layer),
    status: e.status,
    error: e.error,
    profiles: e.fromResults ? null : e.result?.profiles ?? null,
    ...(e.fromResults ? { fromResults: { ...e.fromResults, profiles: null } } : {}),
  };
}

/** A side's input as kept: each item's image and tensor once (the side's own `image` and `tensor` are its first item's). */
function inputDocument(input: SideInput | null): SideInput | null {
  if (!input) return null;
  return { ...input, image: null, tensor: null, items: input.items.map((item) => ({ name: item.name, image: item.image, tensor: item.tensor ? item.tensor.slice() : null })) };
}

function modelDocument(model: ModelStore): ModelDocument | null {
  const s = model.state;
  const ctx = model.labContext();
  if (!s.model || !ctx || !s.preprocessing) return null;
  return {
    file: blobOf(ctx.parsed.bytes),
    name: s.model.name,
    externalData: ctx.externalData.map((d) => ({ name: d.path, blob: blobOf(d.data) })),
    origin: s.model.origin,
    sha256: s.model.sha256,
    bytes: s.model.bytes,
    inputName: s.model.inputName,
    inputDims: [...s.model.inputDims],
    producer: s.model.producer,
    candidates: s.candidates,
    defaults: s.defaults,
    selected: s.selected,
    labels: s.labels,
    classCount: s.classCount,
    provider: s.provider,
    preprocessing: s.preprocessing,
    liveLayout: model.liveLayoutChoice,
    inputs: { A: inputDocument(s.inputs.A), B: inputDocument(s.inputs.B) },
    predictions: s.predictions,
    perInput: s.perInput,
    timings: s.timings,
    rect: s.rect,
    rectOn: s.rectOn,
  };
}

/** The session as a document (its Blobs are the files' own, not copies). */
export function snapshotSession(parts: SessionParts, options: SnapshotOptions = {}): SessionDocument {
  const ws = parts.workspace.state;
  let budget = options.fileBytes ?? Infinity;
  const fileDocument = (f: FileEntry): FileDocument => {
    const base = { name: f.name, origin: f.origin, layout: f.layout, layers: f.layers.map(layerDocument) };
    if (f.results) return { ...base, kind: 'results', blob: f.blob, results: f.results };
    if (f.notHere?.kind === 'profiles') return { ...base, kind: 'profiles', blob: null };
    if (f.notHere) return { ...base, kind: 'file', blob: null, leftOut: { bytes: f.notHere.bytes ?? 0, reason: f.notHere.reason } };
    if (!f.blob) return { ...base, kind: 'live', blob: null, ...(f.stream ? { stream: { inputs: f.stream.inputs, batch: f.stream.batch } } : {}) };
    if (f.blob.size <= budget) {
      budget -= f.blob.size;
      return { ...base, kind: 'file', blob: f.blob };
    }
    return { ...base, kind: 'file', blob: null, leftOut: { bytes: f.blob.size, reason: options.leftOutReason ?? 'past the bound on activation files' } };
  };
  const pane = (side: SideName): PaneDocument => ({ input: ws.panes[side].input, errors: [...ws.panes[side].errors], files: ws.panes[side].files.map(fileDocument) });
  const lab = parts.lab.state;
  const hasLab = lab.occlusion || lab.randomisation || lab.training || lab.architecture || lab.running;
  return {
    version: SESSION_DOCUMENT_VERSION,
    writer: 'page',
    params: { ...ws.params },
    engineChoice: options.engineChoice ?? null,
    panes: { A: pane('A'), B: pane('B') },
    model: modelDocument(parts.model),
    modelLoading: parts.model.state.loading,
    lab: hasLab ? { occlusion: lab.occlusion, randomisation: lab.randomisation, training: lab.training, architecture: lab.architecture, running: lab.running } : null,
  };
}

/** Bytes of what a document holds as binary: files, the model, images, tensors, profiles. */
export function documentBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (typeof Blob !== 'undefined' && value instanceof Blob) return value.size;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  let sum = 0;
  for (const item of Array.isArray(value) ? value : Object.values(value)) sum += documentBytes(item, seen);
  return sum;
}

/** The names and sizes of the activation files a document left out. */
export function leftOutFiles(doc: SessionDocument): string[] {
  return SIDES.flatMap((side) => doc.panes[side].files.flatMap((f) => (f.leftOut ? [`${f.name} (${sizeWords(f.leftOut.bytes)})`] : [])));
}


export interface RestoreOptions {
  /** The file or place the document came from (messages name it). */
  where: string;
  /** Why queued layers are queued again: "interrupted by a reload" or "running when the session was saved". */
  interrupted: string;
  /** A newer user action supersedes the restore while it reads the document's files: nothing changes then. */
  signal?: AbortSignal;
}

/**
 * Puts a document back into the stores. Resolves with what the user should know (layers resumed,
 * files left out), or null when `options.signal` aborted before anything changed. Throws one
 * message naming `options.where` when the document cannot be restored (nothing changes then).
 */
export async function restoreSession(parts: SessionParts, doc: SessionDocument, options: RestoreOptions): Promise<string[] | null> {
  const { where } = options;
  const notes: string[] = [];
  // 1. Everything read and checked first: the model, and every activation file kept.
  let model: { parsed: ParsedModel; externalData: Array<{ path: string; data: Uint8Array }>; doc: ModelDocument } | null = null;
  if (doc.model) {
    const m = doc.model;
    if (!m.file) notes.push(`the model ${m.name} was not kept (${m.leftOut?.reason ?? 'no bytes'}): load it again`);
    else {
      try {
        const parsed = parseModel(new Uint8Array(await m.file.arrayBuffer()), m.name);
        const externalData = await Promise.all(m.externalData.map(async (d) => ({ path: d.name, data: new Uint8Array(await d.blob.arrayBuffer()) })));
        model = { parsed, externalData, doc: m };
      } catch (error) {
        throw new Error(`${where}: its model ${m.name} cannot be read (${(error as Error).message})`);
      }
    }
  }
  const opened = new Map<FileDocument, Map<string, Layer> | string>();
  for (const side of SIDES) {
    for (const f of doc.panes[side].files) {
      if (f.kind !== 'file' || !f.blob) continue;
      try {
        const read = await openActivationFile(f.blob, f.name, f.layout);
        opened.set(f, read.layers.length ? new Map(read.layers.map((l) => [l.name, l])) : read.errors.map((e) => e.message).join('; ') || `${f.name}: no layers`);
      } catch (error) {
        opened.set(f, `${f.name}: ${(error as Error).message}`);
      }
    }
  }
  if (options.signal?.aborted) return null;

  // 2. The model (no probe, no run), then the panes whose live layers run it on demand.
  const m = model?.doc;
  const input = (saved: SideInput | null): SideInput | null => (saved ? { ...saved, image: saved.items[0]?.image ?? null, tensor: saved.items[0]?.tensor ?? null } : null);
  const area = m ? defaultPreprocessing(m.inputDims) : null;
  await parts.model.restore(model && m && area
    ? {
        parsed: model.parsed,
        externalData: model.externalData,
        probeArea: area.height * area.width,
        liveLayout: m.liveLayout,
        state: {
          model: { name: m.name, inputName: m.inputName, inputDims: m.inputDims, producer: m.producer, origin: m.origin, sha256: m.sha256, bytes: m.bytes },
          candidates: m.candidates, defaults: m.defaults, selected: m.selected, labels: m.labels, classCount: m.classCount, provider: m.provider, preprocessing: m.preprocessing,
          inputs: { A: input(m.inputs.A), B: input(m.inputs.B) },
          predictions: m.predictions, perInput: m.perInput, timings: m.timings, rect: m.rect, rectOn: m.rectOn,
        },
      }
    : null);

  // A live layer whose maps the model makes again on demand, read as saved, or with another
  // layout choice (the pane's control, for tensors whose layout the graph does not give).
  const candidates = new Map((m?.candidates ?? []).map((c) => [c.tensor, c]));
  const liveLayer = (l: LayerDocument, stream: LayerStream, choice?: LayoutChoice): Layer => {
    const tensor = l.tensor ?? l.name;
    const c = candidates.get(tensor);
    let [layout, reason] = [l.layout, l.layoutReason];
    if (choice && c) [layout, reason] = c.layout || choice === 'auto' ? [c.readAs, c.readReason] : [choice, `given (${c.layoutReason})`];
    const live = streamedLayer(tensor, l.file, stream, [1, ...l.storedShape.slice(1)], layout, reason);
    return choice ? { ...live, name: l.name, ...(l.tensor ? { tensor: l.tensor } : {}), ...(l.inputNames ? { inputNames: [...l.inputNames] } : {}) } : layerFromFacts(l, live.readMaps);
  };

  let resumed = 0;
  const lost: string[] = [];
  const panes = {} as Record<SideName, { input: number | null; errors: string[]; files: RestoredFile[] }>;
  const rerun: SideName[] = [];
  for (const side of SIDES) {
    const files: RestoredFile[] = [];
    for (const f of doc.panes[side].files) {
      const reader = opened.get(f);
      const stream = f.kind === 'live' && model ? parts.model.restoredStream(side, f.stream?.batch ?? 1) : undefined;
      const entry = (l: LayerDocument, layer: Layer, readable: boolean): Omit<LayerEntry, 'id'> => {
        if (l.fromResults) return { layer, status: 'done', result: null, error: null, fromResults: { ...l.fromResults, profiles: null } };
        if (l.status === 'done' && l.profiles) return { layer, status: 'done', result: layerResult({ ...layer, layout: l.layout }, l.profiles, doc.params), error: null };
        if (l.status === 'queued' || l.status === 'running' || (l.status === 'done' && !l.profiles)) {
          if (readable) {
            resumed++;
            return { layer, status: 'queued', result: null, error: null };
          }
          return { layer, status: 'error', result: null, error: `${l.file}: ${l.name}: ${options.interrupted}, and its maps are not here: pick the file again` };
        }
        return { layer, status: l.status, result: null, error: l.error };
      };
      let why: string | null = null;
      let notHere: FileEntry['notHere'];
      if (f.kind === 'results') why = `${f.name} holds SROPs only (a results file): no feature maps, no spectra`;
      else if (f.kind === 'profiles') {
        why = `${f.name}: computed by ${doc.writer === 'page' ? 'another page' : doc.writer}; only its profiles were kept, not its feature maps`;
        notHere = { kind: 'profiles', reason: why, bytes: null };
      } else if (f.kind === 'file' && !f.blob) {
        why = `${f.name} was not kept in the session (${f.leftOut?.reason ?? 'left out'}): pick it again to see its maps`;
        notHere = { kind: 'leftOut', reason: why, bytes: f.leftOut?.bytes ?? null };
        lost.push(`${f.name}${f.leftOut ? ` (${sizeWords(f.leftOut.bytes)})` : ''}`);
      } else if (f.kind === 'live' && !stream) why = `${f.name}: live feature maps of a model that was not kept`;
      else if (typeof reader === 'string') why = `${f.name} cannot be read again (${reader})`;
      const layers = f.layers.map((l) => {
        if (why !== null) return entry(l, layerFromFacts(l, mapsRefused(why)), false);
        if (stream) return entry(l, liveLayer(l, stream), true);
        const own = (reader as Map<string, Layer>).get(l.name);
        return entry(l, own ?? layerFromFacts(l, mapsRefused(`${f.name}: ${l.name} is no longer in the file`)), !!own);
      });
      files.push({
        name: f.name,
        blob: f.kind === 'live' ? null : f.blob ?? new Blob([]),
        origin: f.origin,
        layout: f.layout,
        layers,
        ...(f.results ? { results: f.results } : {}),
        ...(notHere ? { notHere } : {}),
        // A live set's layers, if queued again, are profiled batch by batch as before.
        ...(stream && f.stream ? { stream } : {}),
        ...(stream && f.layers.some((l) => !candidates.get(l.tensor ?? l.name)?.layout)
          ? {
              relayout: (choice: LayoutChoice) => {
                parts.model.liveLayoutChoice = choice;
                return f.layers.map((l) => liveLayer(l, stream, choice));
              },
            }
          : {}),
      });
    }
    // A side's model run that the reload (or the save) interrupted: its input is there, its maps are not.
    const saved = m?.inputs[side];
    if (model && saved && !saved.stale && !files.some((f) => f.blob === null)) rerun.push(side);
    panes[side] = { input: doc.panes[side].input, errors: doc.panes[side].errors, files };
  }
  parts.workspace.restore(doc.params, panes);
  const labNote = doc.lab?.running ? `The lab's ${doc.lab.running} run was ${options.interrupted}: run it again` : null;
  parts.lab.restore(doc.lab, labNote);
  for (const side of rerun) void parts.model.runSide(side);
  if (rerun.length) notes.unshift(`The model's run on ${rerun.join(' and ')} was ${options.interrupted}: resumed`);
  if (resumed) notes.unshift(`${resumed} layer${resumed === 1 ? ' was' : 's were'} ${options.interrupted}: resumed`);
  if (lost.length) notes.push(`Not kept: ${lost.join(', ')}: pick ${lost.length === 1 ? 'it' : 'them'} again to see ${lost.length === 1 ? 'its' : 'their'} maps`);
  if (labNote) notes.push(labNote);
  if (doc.modelLoading) notes.push(`The model ${doc.modelLoading} was loading (${options.interrupted}): load it again`);
  return notes;
}

