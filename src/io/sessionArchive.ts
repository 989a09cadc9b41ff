// A session file ("*.srop.zip"): one zip holding `manifest.json` (the format, its version, the app
// that wrote it, every entry's size and CRC-32, and whatever the writer adds about the session) and
// `session.json`, one JSON document whose typed arrays and Blobs are stored as zip entries of their
// own: a typed array's bytes little-endian as they are in memory, a Blob's bytes as they are. The
// codec is generic (any value made of JSON values, typed arrays and Blobs); what the document means
// belongs to the session layer (src/session/sessionSnapshot.ts). Reading checks everything it
// relies on, and every failure is one message naming the file and the reason.

import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';

export const SESSION_FORMAT = 'srop-session';
/** The version this code writes. Readers read every version up to theirs; a newer one is refused with its number. */
export const SESSION_FORMAT_VERSION = 1;

export interface SessionManifest {
  format: typeof SESSION_FORMAT;
  formatVersion: number;
  app: { name: string; version: string };
  /** When it was written (ISO 8601, UTC). */
  saved: string;
  /** Every entry but the manifest: its size in bytes and CRC-32 (to tell a damaged file). */
  entries: Record<string, { bytes: number; crc32: number }>;
  /** What the writer says of the session (provenance, what was left out); read back as it was. */
  about: unknown;
}

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

function typedName(value: unknown): TypedName | null {
  for (const name of Object.keys(TYPED) as TypedName[]) if (value instanceof TYPED[name]) return name;
  return null;
}

/** A value of the document that was not JSON: a typed array, a Blob, or a number JSON cannot hold. */
type Marker = { $typed: TypedName; entry: string; length: number } | { $blob: string; type: string; bytes: number } | { $number: 'NaN' | 'Infinity' | '-Infinity' };

const isBlob = (value: unknown): value is Blob => typeof Blob !== 'undefined' && value instanceof Blob;

let crcTable: Uint32Array | null = null;
/** CRC-32 (the zip's polynomial) of some bytes. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function bytesOf(array: Typed): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Splits a value into a JSON document and its binary entries. Blobs are read (hence async). Keys
 * starting with "$" are refused (they mark what is not JSON), and so are functions, Maps and other
 * objects JSON would lose silently; `undefined` members are dropped, as JSON does.
 */
export async function packValue(value: unknown): Promise<{ json: string; entries: Map<string, Uint8Array> }> {
  const entries = new Map<string, Uint8Array>();
  let next = 0;
  const walk = async (v: unknown, path: string): Promise<unknown> => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : ({ $number: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' } satisfies Marker);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const [i, item] of v.entries()) out.push(item === undefined ? null : await walk(item, `${path}[${i}]`));
      return out;
    }
    const typed = typedName(v);
    if (typed) {
      const entry = `bin/${next++}.${typed}`;
      // A copy: the zip is written later, and the caller's array may change meanwhile.
      entries.set(entry, bytesOf(v as Typed).slice());
      return { $typed: typed, entry, length: (v as Typed).length } satisfies Marker;
    }
    if (isBlob(v)) {
      const name = (v as Blob & { name?: string }).name;
      const entry = `blob/${next++}${name ? `-${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80)}` : ''}`;
      entries.set(entry, new Uint8Array(await v.arrayBuffer()));
      return { $blob: entry, type: v.type, bytes: v.size } satisfies Marker;
    }
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (key.startsWith('$')) throw new Error(`session value ${path}.${key}: keys starting with "$" are reserved`);
        if (item === undefined) continue;
        out[key] = await walk(item, `${path}.${key}`);
      }
      return out;
    }
    throw new Error(`session value ${path}: a ${typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v} cannot be saved`);
  };
  const doc = await walk(value, 'session');
  return { json: JSON.stringify(doc), entries };
}

/** The value back from its document and entries; `where` names the file in messages. */
export function unpackValue(json: string, entries: (entry: string) => Uint8Array | undefined, where: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (error) {
    throw new Error(`${where}: session.json is not JSON (${(error as Error).message})`);
  }
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if ('$number' in o) return o.$number === 'NaN' ? NaN : o.$number === 'Infinity' ? Infinity : -Infinity;
    if ('$typed' in o) {
      const name = o.$typed as TypedName;
      const Type = Object.hasOwn(TYPED, name) ? TYPED[name] : undefined;
      if (!Type) throw new Error(`${where}: ${String(o.entry)} has an unknown array type ${String(name)}`);
      const bytes = entries(String(o.entry));
      if (!bytes) throw new Error(`${where}: the entry ${String(o.entry)} is missing`);
      const length = Number(o.length);
      if (bytes.byteLength !== length * Type.BYTES_PER_ELEMENT) throw new Error(`${where}: the entry ${String(o.entry)} holds ${bytes.byteLength} bytes, not the ${length * Type.BYTES_PER_ELEMENT} of ${length} ${name} values`);
      // A copy into an aligned buffer of its own (zip entries may sit at any offset).
      const out = new Type(length);
      bytesOf(out).set(bytes);
      return out;
    }
    if ('$blob' in o) {
      const bytes = entries(String(o.$blob));
      if (!bytes) throw new Error(`${where}: the entry ${String(o.$blob)} is missing`);
      if (bytes.byteLength !== Number(o.bytes)) throw new Error(`${where}: the entry ${String(o.$blob)} holds ${bytes.byteLength} bytes, not ${String(o.bytes)}`);
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: String(o.type ?? '') });
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(o)) out[key] = walk(item);
    return out;
  };
  return walk(doc);
}

/**
 * One session file's bytes: the manifest, the document (deflated) and its entries (stored: ring
 * profiles and models barely deflate, and storing keeps saving fast).
 */
export async function writeSessionArchive(value: unknown, options: { app: { name: string; version: string }; about?: unknown; saved?: Date }): Promise<Uint8Array> {
  const { json, entries } = await packValue(value);
  const doc = strToU8(json);
  const listed: SessionManifest['entries'] = { 'session.json': { bytes: doc.byteLength, crc32: crc32(doc) } };
  for (const [name, bytes] of entries) listed[name] = { bytes: bytes.byteLength, crc32: crc32(bytes) };
  const manifest: SessionManifest = {
    format: SESSION_FORMAT,
    formatVersion: SESSION_FORMAT_VERSION,
    app: options.app,
    saved: (options.saved ?? new Date()).toISOString(),
    entries: listed,
    about: options.about ?? null,
  };
  const zippable: Zippable = {
    'manifest.json': [strToU8(JSON.stringify(manifest, null, 1)), { level: 6 }],
    'session.json': [doc, { level: 6 }],
  };
  for (const [name, bytes] of entries) zippable[name] = [bytes, { level: 0 }];
  return zipSync(zippable);
}

export interface OpenedSession {
  manifest: SessionManifest;
  value: unknown;
}

/** Reads a session file; throws one message naming `fileName` and what is wrong with it. */
export function readSessionArchive(bytes: Uint8Array, fileName: string): OpenedSession {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new Error(`${fileName}: not a session file, or a damaged or truncated one (the zip cannot be read: ${(error as Error).message})`);
  }
  const manifestBytes = files['manifest.json'];
  if (!manifestBytes) throw new Error(`${fileName}: not a session file (a zip without manifest.json)`);
  let manifest: SessionManifest;
  try {
    manifest = JSON.parse(strFromU8(manifestBytes)) as SessionManifest;
  } catch (error) {
    throw new Error(`${fileName}: its manifest.json is not JSON (${(error as Error).message}): the file is damaged`);
  }
  if (manifest?.format !== SESSION_FORMAT) throw new Error(`${fileName}: not a session file (its manifest says format ${JSON.stringify(manifest?.format)}, not ${SESSION_FORMAT})`);
  if (!Number.isInteger(manifest.formatVersion) || manifest.formatVersion < 1) throw new Error(`${fileName}: its manifest has no valid format version (${JSON.stringify(manifest.formatVersion)})`);
  if (manifest.formatVersion > SESSION_FORMAT_VERSION) {
    throw new Error(`${fileName}: session format version ${manifest.formatVersion} (written by ${manifest.app?.name ?? 'an app'} ${manifest.app?.version ?? ''}) is newer than this app reads (up to version ${SESSION_FORMAT_VERSION}): open it with a newer version of the app`);
  }
  for (const [name, expected] of Object.entries(manifest.entries ?? {})) {
    const entry = files[name];
    if (!entry) throw new Error(`${fileName}: the entry ${name} is missing: the file is truncated or damaged`);
    if (entry.byteLength !== expected.bytes || crc32(entry) !== expected.crc32) throw new Error(`${fileName}: the entry ${name} is damaged (its size or checksum is not the manifest's)`);
  }
  const json = files['session.json'];
  if (!json) throw new Error(`${fileName}: not a session file (a zip without session.json)`);
  const value = unpackValue(strFromU8(json), (entry) => files[entry], fileName);
  return { manifest, value };
}
