// Files written by torch.save (the zip format, PyTorch 1.6 and later): <prefix>/data.pkl, a pickle
// of the saved object, whose tensors point at storages stored as members <prefix>/data/<key>. The
// pickle is read by a restricted unpickler (pickle.ts) that executes nothing; each tensor is a
// strided view of its storage member, read by slices. A single tensor is one layer named by the
// file; a dict or OrderedDict gives a layer per tensor (nested dicts: dotted names), a list or
// tuple names its tensors by index. A bad entry is an error, the others still load.

import { fail, type BlobLike, type ByteSource, type Where } from './blobSource';
import { arrayLayer, type DType } from './arrayLayer';
import { memberSource, readZipDirectory, type ZipEntry } from './npz';
import { PickleError, PyBytes, PyDict, PyGlobal, PyList, PyTuple, Refused, unpickle, type PyAny, type StorageRef, type TensorRef } from './pickle';
import { ActivationFileError, type Layer, type LayoutChoice } from './types';

/** Storage classes torch.save names (torch.<Name>Storage), as element types. */
const STORAGES: Record<string, { dtype: Omit<DType, 'little'>; name: string }> = {
  HalfStorage: { dtype: { kind: 'f', size: 2 }, name: 'float16' },
  BFloat16Storage: { dtype: { kind: 'bf', size: 2 }, name: 'bfloat16' },
  FloatStorage: { dtype: { kind: 'f', size: 4 }, name: 'float32' },
  DoubleStorage: { dtype: { kind: 'f', size: 8 }, name: 'float64' },
  CharStorage: { dtype: { kind: 'i', size: 1 }, name: 'int8' },
  ShortStorage: { dtype: { kind: 'i', size: 2 }, name: 'int16' },
  IntStorage: { dtype: { kind: 'i', size: 4 }, name: 'int32' },
  LongStorage: { dtype: { kind: 'i', size: 8 }, name: 'int64' },
  ByteStorage: { dtype: { kind: 'u', size: 1 }, name: 'uint8' },
  UInt16Storage: { dtype: { kind: 'u', size: 2 }, name: 'uint16' },
  UInt32Storage: { dtype: { kind: 'u', size: 4 }, name: 'uint32' },
  UInt64Storage: { dtype: { kind: 'u', size: 8 }, name: 'uint64' },
  BoolStorage: { dtype: { kind: 'b', size: 1 }, name: 'bool' },
};
const NOT_REAL: Record<string, string> = {
  ComplexFloatStorage: 'dtype complex64 is not a real number type',
  ComplexDoubleStorage: 'dtype complex128 is not a real number type',
  ComplexHalfStorage: 'dtype complex32 is not a real number type',
  QInt8Storage: 'a quantized tensor (qint8) is not supported',
  QUInt8Storage: 'a quantized tensor (quint8) is not supported',
  QInt32Storage: 'a quantized tensor (qint32) is not supported',
  QUInt4x2Storage: 'a quantized tensor (quint4x2) is not supported',
  QUInt2x4Storage: 'a quantized tensor (quint2x4) is not supported',
};

/** The pickle of a legacy (pre-1.6, non-zip) torch.save file starts with its magic number. */
const LEGACY_MAGIC = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);

/** Refuses a data.pkl larger than this (a container of tensors pickles to kilobytes). */
const MAX_PICKLE = 256 << 20;

export function isLegacyTorch(head: Uint8Array): boolean {
  return head.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => head[i] === b);
}

/** A pickle stream (protocol 2 and later start with 0x80 and the protocol number). */
export function isPickle(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;
}

/** The prefix of a torch.save archive's records ("acts/" for acts/data.pkl), or null. */
export function torchPrefix(entries: readonly ZipEntry[]): string | null {
  const pickles = entries.map((e) => e.name).filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  return pickles.length ? pickles[0].slice(0, -'data.pkl'.length) : null;
}

function describeValue(v: PyAny): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'a bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an int' : 'a float';
  if (typeof v === 'bigint') return 'an int';
  if (typeof v === 'string') return 'a str';
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof Set) return 'a set';
  if (v instanceof PyGlobal) return `a reference to ${v.qualified}`;
  if ((v as StorageRef).kind === 'storage') return 'a bare storage';
  return 'a value';
}

/** Whether a container holds a tensor (or a refused value standing for one) anywhere. */
function holdsTensors(v: PyAny, depth = 0): boolean {
  if (depth > 64) return false;
  if (v instanceof Refused || (typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor')) return true;
  if (v instanceof PyDict) return v.entries.some(([, x]) => holdsTensors(x, depth + 1));
  if (v instanceof PyList || v instanceof PyTuple) return v.items.some((x) => holdsTensors(x, depth + 1));
  return false;
}

interface Found {
  name: string;
  tensor?: TensorRef;
  problem?: string;
}

/** Walks the saved object: a tensor per name (dotted for nested dicts, indices for lists), or why not. */
function collect(value: PyAny, name: string, out: Found[], depth: number): void {
  if (depth > 64) {
    out.push({ name, problem: 'nested too deep' });
    return;
  }
  const child = (key: string) => (name ? `${name}.${key}` : key);
  if (value instanceof Refused) {
    out.push({ name, problem: value.reason });
  } else if (typeof value === 'object' && value !== null && (value as TensorRef).kind === 'tensor') {
    out.push({ name, tensor: value as TensorRef });
  } else if (value instanceof PyDict || value instanceof PyList || value instanceof PyTuple) {
    const items: Array<[PyAny, PyAny]> = value instanceof PyDict ? value.entries : value.items.map((v, i) => [i, v]);
    if (!holdsTensors(value)) {
      const what = value instanceof PyDict ? `a dict of ${items.length} entries` : `a ${value instanceof PyList ? 'list' : 'tuple'} of ${items.length} values`;
      out.push({ name, problem: `${what} without tensors` });
      return;
    }
    for (const [key, v] of items) {
      if (typeof key === 'string' || typeof key === 'number' || typeof key === 'bigint') collect(v, child(String(key)), out, depth + 1);
      else out.push({ name: child('?'), problem: `a dict key that is ${describeValue(key)}, not a name` });
    }
  } else {
    out.push({ name, problem: `${describeValue(value)}, not a tensor` });
  }
}

function baseName(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return base.replace(/\.(pt|pth|bin|ckpt|tar)$/i, '') || base;
}

export async function openTorch(blob: BlobLike, file: string, layout: LayoutChoice, known?: ZipEntry[]): Promise<{ layers: Layer[]; errors: ActivationFileError[] }> {
  const layers: Layer[] = [];
  const errors: ActivationFileError[] = [];
  const where: Where = { file };
  try {
    const entries = known ?? (await readZipDirectory(blob, where));
    const prefix = torchPrefix(entries);
    if (prefix === null) throw fail(where, 'not a torch.save archive (no data.pkl in the zip)');
    const byName = new Map(entries.map((e) => [e.name, e]));
    if (byName.has(`${prefix}constants.pkl`) || entries.some((e) => e.name.startsWith(`${prefix}code/`))) {
      throw fail(where, 'a TorchScript module (torch.jit.save), not tensors saved by torch.save; save the activations with torch.save');
    }
    let little = true;
    const order = byName.get(`${prefix}byteorder`);
    if (order) {
      const source = await memberSource(blob, order, { file, part: `member ${order.name}` });
      const text = new TextDecoder().decode(await source.read(0, Math.min(source.size, 16))).trim();
      if (text === 'big') little = false;
      else if (text !== 'little') throw fail(where, `unknown byte order '${text}' in ${order.name}`);
    }
    const pickleEntry = byName.get(`${prefix}data.pkl`)!;
    if (pickleEntry.size > MAX_PICKLE) throw fail(where, `${pickleEntry.name} is ${pickleEntry.size} bytes, too large for a container of tensors`);
    const pickleSource = await memberSource(blob, pickleEntry, { file, part: `member ${pickleEntry.name}` });
    const pickled = await pickleSource.read(0, pickleSource.size);

    let saved: PyAny;
    try {
      saved = unpickle(pickled, (pid) => {
        const items = pid instanceof PyTuple ? pid.items : null;
        if (!items || items[0] !== 'storage' || items.length < 5) return new Refused('a persistent id that is not a storage');
        const [, type, key, location, numel] = items;
        if (!(type instanceof PyGlobal) || typeof key !== 'string' || typeof numel !== 'number') return new Refused('a storage id of an unknown form');
        if (type.module !== 'torch') return new Refused(`storage type '${type.qualified}' is not allowed`);
        if (NOT_REAL[type.name]) return new Refused(NOT_REAL[type.name]);
        if (!STORAGES[type.name]) return new Refused(`storage type '${type.qualified}' is not supported (supported: ${Object.values(STORAGES).map((s) => s.name).join(', ')})`);
        return { kind: 'storage', type: type.name, key, location: typeof location === 'string' ? location : '', numel } satisfies StorageRef;
      });
    } catch (error) {
      if (error instanceof PickleError) throw fail(where, `${pickleEntry.name} is damaged (${error.message})`);
      throw error;
    }

    const found: Found[] = [];
    const single = typeof saved === 'object' && saved !== null && ((saved as TensorRef).kind === 'tensor' || saved instanceof Refused);
    collect(saved, single ? baseName(file) : '', found, 0);
    if (found.length === 1 && found[0].name === '' && found[0].problem) {
      const problem = found[0].problem;
      throw fail(where, `the saved object is ${problem.endsWith(', not a tensor') ? `${problem.slice(0, -', not a tensor'.length)}, not tensors` : problem}`);
    }

    const sources = new Map<string, Promise<ByteSource>>();
    for (const item of found) {
      const part: Where = { file, part: `entry ${item.name}` };
      try {
        if (item.problem) throw fail(part, item.problem);
        const tensor = item.tensor!;
        const storage = STORAGES[tensor.storage.type];
        const member = byName.get(`${prefix}data/${tensor.storage.key}`);
        if (!member) throw fail(part, `its storage ${prefix}data/${tensor.storage.key} is missing from the archive`);
        const dtype: DType = { ...storage.dtype, little } as DType;
        if (member.size < tensor.storage.numel * dtype.size) {
          throw fail(part, `its storage holds ${member.size} bytes but ${tensor.storage.numel} ${storage.name} elements need ${tensor.storage.numel * dtype.size}`);
        }
        let source = sources.get(member.name);
        if (!source) {
          source = memberSource(blob, member, { file, part: `member ${member.name}` });
          sources.set(member.name, source);
        }
        // a failed read of the storage names the entry being read
        const shared = await source;
        const entrySource: ByteSource = {
          size: shared.size,
          read: (a, b) =>
            shared.read(a, b).catch((error: unknown) => {
              throw error instanceof ActivationFileError ? fail(part, error.reason) : error;
            }),
        };
        layers.push(
          arrayLayer(
            {
              name: item.name,
              where: part,
              source: entrySource,
              dataOffset: 0,
              dtype,
              dtypeText: storage.name,
              storedShape: tensor.size,
              fortranOrder: false,
              layoutChoice: layout,
              view: { strides: tensor.stride, offset: tensor.offset },
            },
            'the storage',
          ),
        );
      } catch (error) {
        errors.push(error instanceof ActivationFileError ? (error.part ? error : fail(part, error.reason)) : fail(part, error instanceof Error ? error.message : String(error)));
      }
    }
  } catch (error) {
    errors.push(error instanceof ActivationFileError ? error : fail(where, `cannot read the file (${error instanceof Error ? error.message : String(error)})`));
  }
  return { layers, errors };
}

/** Why a non-zip file named .pt/.pth/.bin is not read (a legacy torch.save, a plain pickle), or null. */
export function torchNonZipProblem(file: string, head: Uint8Array): ActivationFileError | null {
  if (isLegacyTorch(head)) {
    return fail({ file }, 'a legacy torch.save file (before PyTorch 1.6, or _use_new_zipfile_serialization=False) is not supported; save it again with torch.save in PyTorch 1.6 or later');
  }
  if (isPickle(head)) return fail({ file }, 'a plain Python pickle, not a torch.save zip archive; save the tensors with torch.save');
  return null;
}
