// `--session <out.srop.zip>`: the command's results as a session file, the page's own format
// (src/session/sessionDocument.ts, packed by src/io/sessionArchive.ts), so that "Open session" in
// the page shows a batch run as if it had been computed there: the parameters, every layer's ring
// profiles (its SROPs, curves and statistics follow from them without another FFT), and, up to
// --session-max-mb in all, the activation files themselves (the channel view reads its maps from
// them). A file past the bound is listed with its size and the reason, to be picked again.
// `srop run` keeps no file: its layers are kind "profiles" (the maps were never kept).

import { constants } from 'node:fs';
import { access, rename, stat, unlink, writeFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { layerFacts, type LayerFacts, type LayoutChoice } from '../io/types';
import type { RingProfiles } from '../engine/types';
import type { SropParams } from '../analysis/srop';
import type { Candidate } from '../model/candidates';
import { writeSessionArchive } from '../io/sessionArchive';
import { SESSION_DOCUMENT_VERSION, emptyPane, type FileDocument, type LayerDocument, type PaneDocument, type SessionDocument } from '../session/sessionDocument';
import { setName } from '../session/setName';
import type { SideName } from '../session/workspaceState';
import { APP_NAME, APP_VERSION } from '../version';

const MB = 1e6;

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'a read-only file system',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
};

const words = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ? `${code}: ${WORDS[code] ?? (error as Error).message}` : (error as Error).message;
};

/**
 * Why a session file cannot be written at `path` (checked before any work is done), as the line's
 * text "<path>: cannot write the session file (...)"; null when it can.
 */
export async function sessionPathProblem(path: string): Promise<string | null> {
  const cannot = (why: string) => `${path}: cannot write the session file (${why})`;
  try {
    const info = await stat(path);
    if (info.isDirectory()) return cannot('it is a directory; give a file name, e.g. out.srop.zip');
    await access(path, constants.W_OK);
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return cannot(words(error));
  }
  // A new file: its folder must exist and take it.
  const folder = dirname(path);
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) return cannot(`${folder} is not a directory`);
    await access(folder, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return cannot(`the folder ${folder} does not exist`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return cannot(`the folder ${folder} cannot be written to: ${words(error)}`);
    return cannot(words(error));
  }
}

/** A layer as the session keeps it: its facts, and its profiles or why it failed. */
export interface KeptLayer {
  layer: LayerFacts;
  profiles: RingProfiles | null;
  /** The layer's error message ("<file>: <member>: <reason>"), null when it was done. */
  error: string | null;
}

export function layerDocument({ layer, profiles, error }: KeptLayer): LayerDocument {
  return {
    ...layerFacts(layer),
    status: profiles && !error ? 'done' : 'error',
    error: profiles && !error ? null : (error ?? `${layer.file}: ${layer.name}: not measured`),
    profiles: profiles && !error ? profiles : null,
  };
}

/**
 * The bound on the files' bytes a session keeps, in all: files are kept in the order they are
 * added while they fit; one that does not is left out with its size and the reason.
 */
export class FileBound {
  private used = 0;
  readonly leftOut: Array<{ name: string; bytes: number }> = [];
  readonly kept: Array<{ name: string; bytes: number }> = [];
  constructor(readonly maxMb: number) {}

  get maxBytes(): number {
    return this.maxMb * MB;
  }

  /** The file's bytes as a Blob when they fit, else null and why. */
  async take(path: string, name: string): Promise<Pick<FileDocument, 'blob' | 'leftOut'>> {
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch (error) {
      return this.leave(name, 0, `it could not be read again for the session (${words(error)})`);
    }
    const bound = `the session's bound of ${this.maxMb} MB (--session-max-mb)`;
    if (bytes > this.maxBytes) return this.leave(name, bytes, `larger than ${bound}`);
    if (this.used + bytes > this.maxBytes) {
      return this.leave(name, bytes, `the files before it fill ${bound}: ${megabytes(this.used)} kept, ${megabytes(bytes)} more would pass it`);
    }
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      return this.leave(name, bytes, `it could not be read again for the session (${words(error)})`);
    }
    if (data.byteLength !== bytes) return this.leave(name, bytes, `it changed while the command ran (${bytes} bytes, then ${data.byteLength})`);
    this.used += bytes;
    this.kept.push({ name, bytes });
    return { blob: new Blob([data as Uint8Array<ArrayBuffer>]) };
  }

  private leave(name: string, bytes: number, reason: string): Pick<FileDocument, 'blob' | 'leftOut'> {
    this.leftOut.push({ name, bytes });
    return { blob: null, leftOut: { bytes, reason } };
  }
}

export const megabytes = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 0)} MB`;

/** An activation file's document: its layers (done with their profiles, or failed with the message), its bytes within the bound. */
export async function activationFileDocument(path: string, layout: LayoutChoice, layers: KeptLayer[], bound: FileBound): Promise<FileDocument> {
  const kept = await bound.take(path, path);
  return { name: path, kind: 'file', origin: 'user', layout, ...kept, layers: layers.map(layerDocument) };
}

/**
 * The page's name of a model's feature maps on a set of inputs ("<model> on <inputs>", the set
 * named as the page names one: its folder's, or its first image's "and N more").
 */
export const liveFileName = (model: string, images: string[]) => `${model} on ${setName(images)}`;

/**
 * `srop run`'s side as the page would hold it had it run the set: one file of kind "profiles"
 * (the feature maps were not kept), each chosen map a layer over the images measured.
 */
export function profilesFileDocument(model: string, images: string[], layers: Array<{ candidate: Candidate; profiles: RingProfiles }>): FileDocument {
  const name = liveFileName(model, images);
  const n = images.length;
  return {
    name,
    kind: 'profiles',
    origin: 'user',
    layout: 'auto',
    blob: null,
    layers: layers.map(({ candidate: c, profiles }) => {
      const [, ch, h, w] = c.shape;
      return layerDocument({
        layer: { name: c.tensor, file: name, shape: [n, ch, h, w], storedShape: [n, ...c.dims.slice(1)], dtype: 'float32', layout: c.readAs, layoutReason: c.readReason, inputNames: images },
        profiles,
        error: null,
      });
    }),
  };
}

/** A pane's document: its files (a later file of the same name replaces an earlier one, as the page does) and messages. */
export function paneDocument(files: FileDocument[], errors: string[]): PaneDocument {
  const byName = new Map<string, FileDocument>();
  for (const file of files) {
    byName.delete(file.name);
    byName.set(file.name, file);
  }
  return { ...emptyPane(), files: [...byName.values()], errors: [...errors] };
}

export function sessionDocument(writer: 'srop' | 'srop run', params: SropParams, panes: Partial<Record<SideName, PaneDocument>>): SessionDocument {
  return {
    version: SESSION_DOCUMENT_VERSION,
    writer,
    params: { ...params },
    engineChoice: null,
    panes: { A: panes.A ?? emptyPane(), B: panes.B ?? emptyPane() },
    model: null,
    lab: null,
  };
}

/**
 * Writes the session file (through a temporary file beside it, renamed once complete, so that a
 * failure leaves no half-written session) and says so on stderr; the message of a failure otherwise.
 */
export async function writeSessionFile(path: string, doc: SessionDocument, about: Record<string, unknown>): Promise<{ bytes: number } | { error: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await writeSessionArchive(doc, { app: { name: APP_NAME, version: APP_VERSION }, about });
  } catch (error) {
    return { error: `${path}: the session could not be packed (${(error as Error).message})` };
  }
  const part = `${path}.${process.pid}.part`;
  try {
    await writeFile(part, bytes);
    await rename(part, path);
  } catch (error) {
    await unlink(part).catch(() => undefined);
    return { error: `${path}: cannot write the session file (${words(error)})` };
  }
  return { bytes: bytes.byteLength };
}

/** Up to three names, and how many more. */
const names = (all: string[]) => (all.length > 4 ? `${all.slice(0, 3).join(', ')} and ${all.length - 3} more` : all.join(', '));

/** The stderr line of a session written: what it holds and what was left out. */
export function sessionLine(path: string, doc: SessionDocument, bytes: number, bound: FileBound | null): string {
  const files = doc.panes.A.files.length + doc.panes.B.files.length;
  const layers = [...doc.panes.A.files, ...doc.panes.B.files].reduce((k, f) => k + f.layers.filter((l) => l.status === 'done').length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  let text = `srop: session ${path}: ${plural(files, 'file')}, ${plural(layers, 'layer')} with ring profiles, ${megabytes(bytes)}`;
  if (bound && bound.kept.length) text += `; ${plural(bound.kept.length, 'activation file')} kept (${megabytes(bound.kept.reduce((k, f) => k + f.bytes, 0))})`;
  if (bound && bound.leftOut.length) text += `; ${plural(bound.leftOut.length, 'file')} left out (${names(bound.leftOut.map((f) => f.name))}; --session-max-mb ${bound.maxMb}): the page lists them to be picked again`;
  return `${text}\n`;
}
