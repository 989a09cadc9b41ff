// .npz files: zip archives of .npy members, as numpy.savez (stored) and numpy.savez_compressed
// (deflated) write them, zip64 included. Only the archive's tail, its central directory and each
// member's local header are read when opening; member data is read by slices (stored) or inflated
// as a stream (deflated), and only as far as the maps asked for.

import { BlobSource, InflateSource, fail, readBlob, type BlobLike, type ByteSource, type Where } from './blobSource';
import { npyLayer } from './npy';
import { ActivationFileError, type Layer, type LayoutChoice } from './types';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

const METHODS: Record<number, string> = { 1: 'shrink', 6: 'implode', 9: 'deflate64', 12: 'bzip2', 14: 'lzma', 93: 'zstandard', 95: 'xz', 98: 'ppmd' };

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function u16(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}
function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 16777216;
}
function u64(b: Uint8Array, p: number): number {
  return u32(b, p) + u32(b, p + 4) * 4294967296; // exact below 2^53; larger is past any blob anyway
}

/** Reads the central directory. Throws ActivationFileError for a broken archive. */
export async function readZipDirectory(blob: BlobLike, where: Where): Promise<ZipEntry[]> {
  const size = blob.size;
  if (size < EOCD_SIZE) throw fail(where, `not a zip archive (${size} bytes, too short)`);
  // the end record is in the last 22 bytes unless there is an archive comment: try a short tail first
  const find = (tail: Uint8Array) => {
    for (let p = tail.length - EOCD_SIZE; p >= 0; p--) {
      if (u32(tail, p) === EOCD_SIGNATURE && p + EOCD_SIZE + u16(tail, p + 20) <= tail.length) return p;
    }
    return -1;
  };
  let tailStart = Math.max(0, size - 1024);
  let tail = await readBlob(blob, tailStart, size, where);
  let eocd = find(tail);
  if (eocd < 20 && tailStart > 0) {
    tailStart = Math.max(0, size - (EOCD_SIZE + MAX_COMMENT + 20));
    tail = await readBlob(blob, tailStart, size, where);
    eocd = find(tail);
  }
  if (eocd < 0) {
    const head = await readBlob(blob, 0, Math.min(4, size), where);
    if (u32(head, 0) === LOCAL_SIGNATURE) throw fail(where, 'truncated zip archive: its central directory is missing');
    throw fail(where, 'not a zip archive (no end-of-central-directory record)');
  }
  let count = u16(tail, eocd + 10);
  let directorySize = u32(tail, eocd + 12);
  let directoryOffset = u32(tail, eocd + 16);
  const eocdPosition = tailStart + eocd;
  let directoryEnd = eocdPosition;
  const locator = eocd - 20;
  if (locator >= 0 && u32(tail, locator) === ZIP64_LOCATOR_SIGNATURE) {
    const recordOffset = u64(tail, locator + 8);
    if (recordOffset + 56 > eocdPosition) throw fail(where, 'broken zip archive: the zip64 end record is outside the file');
    const record = await readBlob(blob, recordOffset, recordOffset + 56, where);
    if (u32(record, 0) !== ZIP64_EOCD_SIGNATURE) throw fail(where, 'broken zip archive: no zip64 end record where its locator points');
    count = u64(record, 32);
    directorySize = u64(record, 40);
    directoryOffset = u64(record, 48);
    directoryEnd = recordOffset;
  } else if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    throw fail(where, 'broken zip archive: zip64 sizes without a zip64 end record');
  }
  if (directoryOffset + directorySize > directoryEnd) {
    throw fail(where, `truncated zip archive: its central directory (bytes ${directoryOffset}-${directoryOffset + directorySize}) is past the end of the data (${directoryEnd} bytes)`);
  }
  if (count > directorySize / 46) throw fail(where, `broken zip archive: ${count} entries cannot fit in a ${directorySize}-byte directory`);
  const dir = await readBlob(blob, directoryOffset, directoryOffset + directorySize, where);
  const entries: ZipEntry[] = [];
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > dir.length || u32(dir, p) !== CENTRAL_SIGNATURE) throw fail(where, `broken zip archive: central directory entry ${k + 1} is damaged`);
    const flags = u16(dir, p + 8);
    const method = u16(dir, p + 10);
    let compressedSize = u32(dir, p + 20);
    let entrySize = u32(dir, p + 24);
    const nameLength = u16(dir, p + 28);
    const extraLength = u16(dir, p + 30);
    const commentLength = u16(dir, p + 32);
    let localOffset = u32(dir, p + 42);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > dir.length) throw fail(where, `broken zip archive: central directory entry ${k + 1} is damaged`);
    const nameBytes = dir.subarray(p + 46, p + 46 + nameLength);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    // zip64 extra field: the 8-byte values of those fields that are 0xffffffff, in this order
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; ) {
      const id = u16(dir, e);
      const length = u16(dir, e + 2);
      const body = e + 4;
      if (id === 0x0001) {
        let q = body;
        const take = () => {
          if (q + 8 > body + length) throw fail({ ...where, part: `member ${name}` }, 'broken zip64 extra field');
          const v = u64(dir, q);
          q += 8;
          return v;
        };
        if (entrySize === 0xffffffff) entrySize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e = body + length;
    }
    entries.push({ name, method, flags, compressedSize, size: entrySize, localOffset });
    p = next;
  }
  return entries;
}

/** The member's data, as bytes of its decoded contents. Throws ActivationFileError. */
export async function memberSource(blob: BlobLike, entry: ZipEntry, where: Where): Promise<ByteSource> {
  if (entry.flags & 0x1) throw fail(where, 'the member is encrypted; encrypted archives are not supported');
  if (entry.method !== 0 && entry.method !== 8) {
    throw fail(where, `compression method ${entry.method}${METHODS[entry.method] ? ` (${METHODS[entry.method]})` : ''} is not supported (stored and deflate are)`);
  }
  if (entry.localOffset + 30 > blob.size) throw fail(where, 'truncated zip archive: the member\'s local header is past the end of the file');
  const local = await readBlob(blob, entry.localOffset, entry.localOffset + 30, where);
  if (u32(local, 0) !== LOCAL_SIGNATURE) throw fail(where, 'broken zip archive: no local header where the directory points');
  const dataStart = entry.localOffset + 30 + u16(local, 26) + u16(local, 28);
  if (dataStart + entry.compressedSize > blob.size) {
    throw fail(where, `truncated zip archive: the member's data (bytes ${dataStart}-${dataStart + entry.compressedSize}) runs past the end of the file (${blob.size} bytes)`);
  }
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw fail(where, 'broken zip archive: a stored member with two different sizes');
    return new BlobSource(blob, dataStart, entry.size, where);
  }
  return new InflateSource(blob, dataStart, entry.compressedSize, entry.size, where);
}

/**
 * Members whose headers are read at once. Each header is one or two small reads; in a browser each
 * read of a File is a round trip to the browser's own process, so one member after another cost a
 * VGG16 file's 13 members about 100 ms on 2 busy cores before the first map could be read.
 */
const MEMBERS_AT_ONCE = 16;

/** Opens every .npy member as a layer, in central-directory order; a bad member is an error, the others still load. */
export async function openNpz(blob: BlobLike, file: string, layout: LayoutChoice): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  const layers: Layer[] = [];
  const errors: ActivationFileError[] = [];
  let entries: ZipEntry[];
  try {
    entries = await readZipDirectory(blob, { file });
  } catch (error) {
    errors.push(error instanceof ActivationFileError ? error : new ActivationFileError(file, `cannot read the archive (${String(error)})`));
    return { layers, errors };
  }
  const members = entries.filter((entry) => !entry.name.endsWith('/')); // not the directories
  const opened: Array<Layer | ActivationFileError> = new Array(members.length);
  const open = async (i: number): Promise<void> => {
    const entry = members[i];
    const where: Where = { file, part: `member ${entry.name}` };
    if (!entry.name.toLowerCase().endsWith('.npy')) {
      opened[i] = fail(where, 'not a .npy array');
      return;
    }
    try {
      const source = await memberSource(blob, entry, where);
      opened[i] = await npyLayer(source, where, entry.name.slice(0, -4), layout, 'the member');
    } catch (error) {
      opened[i] = error instanceof ActivationFileError ? error : fail(where, `cannot read the member (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  // Up to MEMBERS_AT_ONCE headers read at a time; the layers and errors in directory order.
  let next = 0;
  const reader = async () => {
    while (next < members.length) await open(next++);
  };
  await Promise.all(Array.from({ length: Math.min(MEMBERS_AT_ONCE, members.length) }, reader));
  for (const item of opened) {
    if (item instanceof ActivationFileError) errors.push(item);
    else layers.push(item);
  }
  return { layers, errors };
}
