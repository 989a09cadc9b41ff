// .npy files (format versions 1.0, 2.0, 3.0): the header, a Python dict literal, parsed by a small
// literal parser (never eval); the data read lazily, by slices, from any ByteSource (a Blob, or an
// npz member, stored or deflated).

import { fail, type ByteSource, type Where } from './blobSource';
import { arrayLayer, type DType } from './arrayLayer';
import type { Layer, LayoutChoice } from './types';

export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

// ---- a Python literal parser: dicts, lists, tuples, strings, ints, True/False/None ----

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

class LiteralError extends Error {}

/** Parses one Python literal (as numpy's header writes them). Throws an Error saying where it stopped. */
export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const stop = (what: string): never => {
    throw new LiteralError(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) stop('nesting too deep');
    space();
    const ch = text[i];
    if (ch === undefined) stop('unexpected end');
    if (ch === '{') {
      i++;
      const dict: { [key: string]: PyValue } = Object.create(null);
      for (;;) {
        space();
        if (text[i] === '}') {
          i++;
          return dict;
        }
        const key = value(depth + 1);
        if (typeof key !== 'string') stop('a dict key that is not a string');
        space();
        if (text[i] !== ':') stop("expected ':'");
        i++;
        dict[key as string] = value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') stop("expected ',' or '}'");
      }
    }
    if (ch === '(' || ch === '[') {
      const close = ch === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        space();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        space();
        if (text[i] === ',') i++;
        else if (text[i] !== close) stop(`expected ',' or '${close}'`);
      }
    }
    if (ch === "'" || ch === '"') {
      i++;
      let s = '';
      for (;;) {
        const c = text[i++];
        if (c === undefined) stop('unterminated string');
        if (c === ch) return s;
        if (c !== '\\') {
          s += c;
          continue;
        }
        const e = text[i++];
        const hex = (n: number) => {
          const h = text.slice(i, i + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) stop('bad escape');
          i += n;
          return String.fromCodePoint(parseInt(h, 16));
        };
        if (e === 'n') s += '\n';
        else if (e === 't') s += '\t';
        else if (e === 'r') s += '\r';
        else if (e === '0') s += '\0';
        else if (e === 'x') s += hex(2);
        else if (e === 'u') s += hex(4);
        else if (e === 'U') s += hex(8);
        else if (e === '\\' || e === "'" || e === '"') s += e;
        else stop('unknown escape');
      }
    }
    const number = /^[-+]?\d+[lL]?/.exec(text.slice(i, i + 40));
    if (number) {
      i += number[0].length;
      const v = Number(number[0].replace(/[lL]$/, ''));
      if (!Number.isSafeInteger(v)) stop('integer too large');
      return v;
    }
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return stop('unexpected character');
  };
  const result = value(0);
  space();
  if (i < text.length) stop('unexpected text after the literal');
  return result;
}

// ---- dtypes ----

/** A numpy dtype string (descr) as a DType, or the reason it is not one we read. */
export function parseDescr(descr: PyValue): DType | string {
  if (Array.isArray(descr)) {
    const names = descr.map((f) => (Array.isArray(f) && typeof f[0] === 'string' ? f[0] : '?'));
    return `structured dtype (fields ${names.join(', ')}) is not supported; save one plain array per layer`;
  }
  if (typeof descr !== 'string') return `dtype ${JSON.stringify(descr)} is not a dtype string`;
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)(\[[^\]]*\])?$/.exec(descr);
  if (!m) return `dtype '${descr}' is not supported`;
  const [, order, kind, sizeText] = m;
  const size = sizeText ? Number(sizeText) : kind === '?' ? 1 : 0;
  const little = order !== '>';
  switch (kind) {
    case '?':
      return { kind: 'b', size: 1, little };
    case 'b':
      if (size === 1) return { kind: 'b', size: 1, little };
      break;
    case 'f':
      if (size === 2 || size === 4 || size === 8) return { kind: 'f', size, little };
      if (size > 8) return `dtype float${size * 8} (long double) is not supported; convert to float64 or float32`;
      break;
    case 'i':
    case 'u':
      if (size === 1 || size === 2 || size === 4 || size === 8) return { kind, size, little };
      break;
    case 'c':
      return `dtype complex${size * 8} is not a real number type`;
    case 'O':
      return 'dtype object (Python objects) is not supported';
    case 'S':
    case 'a':
      return `dtype bytes (${descr}) is a string type, not numbers`;
    case 'U':
      return `dtype str (${descr}) is a string type, not numbers`;
    case 'M':
      return `dtype datetime64 (${descr}) is not a number type`;
    case 'm':
      return `dtype timedelta64 (${descr}) is not a number type`;
    case 'V':
      return `dtype void (${descr}) is not supported (raw bytes or structured data)`;
  }
  return `dtype '${descr}' is not supported`;
}

// ---- the header ----

export interface NpyHeader {
  descr: PyValue;
  dtype: DType;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
  version: string;
}

function bytesText(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex} "${text}"`;
}

/** Reads and checks the header. `holder` names the container in messages ("the file", "the member"). */
export async function readNpyHeader(source: ByteSource, where: Where, holder = 'the file'): Promise<NpyHeader> {
  const size = source.size;
  const start = await source.read(0, Math.min(size, 12));
  const magic = start.subarray(0, 6);
  if (magic.length < 6 || magic.some((b, k) => b !== NPY_MAGIC[k])) {
    if (size === 0) throw fail(where, `not a .npy file (${holder} is empty)`);
    throw fail(where, `not a .npy file (magic bytes ${bytesText(magic)}; a .npy file starts with 93 4e 55 4d 50 59 "\\x93NUMPY")`);
  }
  if (size < 10) throw fail(where, `truncated .npy header (${holder} holds only ${size} bytes)`);
  const major = start[6];
  const minor = start[7];
  const version = `${major}.${minor}`;
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = start[8] | (start[9] << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (size < 12) throw fail(where, `truncated .npy header (${holder} holds only ${size} bytes)`);
    headerLength = (start[8] | (start[9] << 8) | (start[10] << 16)) + start[11] * 16777216;
    headerStart = 12;
  } else {
    throw fail(where, `unsupported .npy format version ${version} (1.0, 2.0 and 3.0 are read)`);
  }
  const dataOffset = headerStart + headerLength;
  if (dataOffset > size) {
    throw fail(where, `truncated .npy file: header length ${headerLength} runs past the end (${holder} holds ${size} bytes)`);
  }
  const raw = await source.read(headerStart, dataOffset);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  let header: PyValue;
  try {
    header = parsePyLiteral(text);
  } catch (error) {
    throw fail(where, `the .npy header is not a Python dict literal (${error instanceof LiteralError ? error.message : 'unreadable'})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw fail(where, 'the .npy header is not a Python dict literal');
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in header)) throw fail(where, `the .npy header lacks '${key}'`);
  }
  const { descr, fortran_order: fortranOrder, shape } = header as { descr: PyValue; fortran_order: PyValue; shape: PyValue };
  if (typeof fortranOrder !== 'boolean') throw fail(where, "the .npy header's fortran_order is not True or False");
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw fail(where, "the .npy header's shape is not a tuple of sizes");
  }
  const dtype = parseDescr(descr);
  if (typeof dtype === 'string') throw fail(where, dtype);
  return { descr, dtype, fortranOrder, shape: shape as number[], dataOffset, version };
}

/** A .npy array in `source` as a layer. Throws ActivationFileError. */
export async function npyLayer(source: ByteSource, where: Where, name: string, layoutChoice: LayoutChoice, holder = 'the file'): Promise<Layer> {
  const header = await readNpyHeader(source, where, holder);
  return arrayLayer(
    {
      name,
      where,
      source,
      dataOffset: header.dataOffset,
      dtype: header.dtype,
      dtypeText: header.descr as string,
      storedShape: header.shape,
      fortranOrder: header.fortranOrder,
      layoutChoice,
    },
    holder,
  );
}
