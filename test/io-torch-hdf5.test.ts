// The PyTorch (torch.save) and HDF5 readers on the fixtures tools/make_torch_hdf5_fixtures.py
// writes with Debian's python3-torch and python3-h5py: every value against numpy's float32
// conversion, partial map ranges, reads by slices, and every bad case's one-line message.
import fs, { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, readerFixtures } from './helpers/readerFixtures';
import { openActivationPath } from '../src/io/node';
import { openActivationFile } from '../src/io/open';
import { readLimits } from '../src/io/arrayLayer';
import { unpickle, PickleError, Refused, PyDict } from '../src/io/pickle';
import { ActivationFileError, layerErrorMessage, type Layer } from '../src/io/types';

const { at, expected } = readerFixtures('torch_hdf5');

function expectSame(actual: Float32Array, wanted: Float32Array, what: string) {
  let i = actual.length === wanted.length ? -1 : Math.min(actual.length, wanted.length);
  if (i < 0) for (let k = 0; k < wanted.length; k++) if (!Object.is(actual[k], wanted[k])) { i = k; break; }
  expect(i, `${what}: value ${i} is ${actual[i]}, numpy says ${wanted[i]} (lengths ${actual.length}, ${wanted.length})`).toBe(-1);
}

afterEach(() => {
  readLimits.chunkBytes = 64 << 20;
  readLimits.chunkElements = 16 << 20;
});

const withErrors = new Set(['bad_mixed.pt', 'bad_mixed.h5']);

describe('every good fixture, every layer, every value', () => {
  for (const [file, layers] of Object.entries(expected)) {
    it(file, async () => {
      const { layers: got, errors } = await openActivationPath(at(file));
      if (!withErrors.has(file)) expect(errors.map((e) => e.message)).toEqual([]);
      expect(got.map((l) => l.name)).toEqual(layers.map((l) => l.name));
      for (const [k, want] of layers.entries()) {
        const layer = got[k];
        expect(layer.storedShape).toEqual(want.storedShape);
        expect(layer.shape).toEqual(want.shape);
        expect(layer.dtype).toBe(want.dtype);
        expect(layer.layout, layer.layoutReason).toBe(want.layout);
        const values = decode(want.values);
        const [n, c, h, w] = want.shape;
        const total = n * c;
        const size = h * w;
        if (file === 'bad_chunk.h5') continue; // its maps are checked below
        expectSame(await layer.readMaps(0, total), values, `${file} ${want.name} all maps`);
        if (total > 2) expectSame(await layer.readMaps(1, total - 2), values.subarray(size, (total - 1) * size), `${file} ${want.name} middle maps`);
        expectSame(await layer.readMaps(total - 1, 1), values.subarray((total - 1) * size), `${file} ${want.name} last map`);
        expect((await layer.readMaps(total, 0)).length).toBe(0);
      }
    });
  }
});

describe('the same arrays in .npz read the same', () => {
  const twins = Object.keys(expected).filter((f) => !f.startsWith('bad_'));
  for (const file of twins) {
    it(`${file} and its .npz twin`, async () => {
      const a = await openActivationPath(at(file));
      const b = await openActivationPath(at(`${file}.npz`));
      expect(b.errors).toEqual([]);
      expect(a.layers.map((l) => l.name)).toEqual(b.layers.map((l) => l.name));
      for (const [k, layer] of a.layers.entries()) {
        const other = b.layers[k];
        expect(layer.shape).toEqual(other.shape);
        const total = layer.shape[0] * layer.shape[1];
        expectSame(await layer.readMaps(0, total), await other.readMaps(0, total), `${file} ${layer.name}`);
      }
    });
  }
});

/** Every range of maps of a layer, in small reads. */
async function everyRange(layer: Layer, values: Float32Array, what: string) {
  const [n, c, h, w] = layer.shape;
  const total = n * c;
  const size = h * w;
  for (let first = 0; first < total; first++) {
    for (let count = 1; first + count <= total; count++) {
      if (count > 2 && first + count < total) continue;
      expectSame(await layer.readMaps(first, count), values.subarray(first * size, (first + count) * size), `${what} maps ${first}+${count}`);
    }
  }
}

describe('views and slices in small chunks', () => {
  for (const [file, name] of [
    ['views.pt', 'transposed'],
    ['views.pt', 'permuted'],
    ['views.pt', 'channels_last'],
    ['views.pt', 'expanded'],
    ['views.pt', 'shared_b'],
    ['views.pt', 'sliced'],
    ['dtypes.pt', 'bfloat16'],
    ['acts.h5', 'nhwc'],
    ['acts.h5', 'block1/relu'],
    ['dtypes.hdf5', 'big'],
  ] as const) {
    it(`${file} ${name}`, async () => {
      readLimits.chunkBytes = 40;
      readLimits.chunkElements = 70;
      const { layers } = await openActivationPath(at(file));
      const layer = layers.find((l) => l.name === name)!;
      await everyRange(layer, decode(expected[file].find((l) => l.name === name)!.values), `${file} ${name}`);
    });
  }
});

/** A Blob that records the byte ranges read from it. */
function recordingBlob(bytes: Uint8Array<ArrayBuffer>) {
  const blob = new Blob([bytes]);
  const reads: Array<[number, number]> = [];
  const wrap = (inner: Blob): Blob =>
    ({
      size: inner.size,
      type: '',
      slice(a = 0, b = inner.size) {
        const piece = inner.slice(a, b);
        return { size: piece.size, arrayBuffer: () => (reads.push([a, Math.min(b, inner.size)]), piece.arrayBuffer()) } as Blob;
      },
    }) as Blob;
  return { blob: wrap(blob), reads };
}

describe('reads by slices', () => {
  it('a .pt: opening reads the directory and the pickle, not the storages; a map reads its own bytes', async () => {
    const bytes = readFileSync(at('hooks.pt'));
    const { blob, reads } = recordingBlob(bytes);
    const { layers, errors } = await openActivationFile(blob, 'hooks.pt');
    expect(errors).toEqual([]);
    const opened = reads.reduce((s, [a, b]) => s + b - a, 0);
    expect(opened).toBeLessThan(bytes.length / 4);
    reads.length = 0;
    const layer = layers.find((l) => l.name === 'conv1')!; // [2, 6, 15, 15] float32
    await layer.readMaps(7, 2);
    expect(reads.length).toBe(1);
    expect(reads[0][1] - reads[0][0]).toBe(2 * 15 * 15 * 4);
  });

  it('an .h5 in Node: opening reads its metadata, a map reads the chunks it lies in (h5wasm reads the path by slices)', async () => {
    const file = at('dtypes.hdf5');
    const size = fs.statSync(file).size;
    const original = fs.readSync;
    const reads: number[] = [];
    fs.readSync = function (this: unknown, ...args: unknown[]) {
      const n = (original as (...a: unknown[]) => number).apply(fs, args);
      reads.push(n);
      return n;
    } as typeof fs.readSync;
    try {
      const { layers } = await openActivationPath(file);
      expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(size / 3);
      reads.length = 0;
      // 'big' is [1, 12, 24, 24] float32 in gzip chunks of (1, 3, 12, 12): map 0 lies in 4 of its 16 chunks
      await layers.find((l) => l.name === 'big')!.readMaps(0, 1);
      expect(reads.length).toBeGreaterThanOrEqual(4);
      expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(size / 3);
    } finally {
      fs.readSync = original;
    }
  });

  it('a single tensor is named by the file; a top-level list by index; nested dicts by dotted names', async () => {
    expect((await openActivationPath(at('single.pt'))).layers.map((l) => l.name)).toEqual(['single']);
    expect((await openActivationPath(at('list.pt'))).layers.map((l) => l.name)).toEqual(['0', '1']);
    expect((await openActivationPath(at('nested.pth'))).layers.map((l) => l.name)).toEqual(['block1.conv', 'block1.relu', 'block2.out', 'stages.0', 'stages.1.0']);
  });

  it('a torch.save zip named .npz or .bin is still read as torch.save (by its data.pkl)', async () => {
    const bytes = readFileSync(at('nested.pth'));
    for (const name of ['acts.bin', 'acts.npz', 'acts']) {
      const { layers, errors } = await openActivationFile(new Blob([bytes]), name);
      expect(errors, name).toEqual([]);
      expect(layers.length).toBe(5);
    }
  });

  it('HDF5 in file order: by name where creation order is not tracked, creation order where it is', async () => {
    expect((await openActivationPath(at('acts.h5'))).layers.map((l) => l.name)).toEqual(['block1/deep/x', 'block1/relu', 'conv1', 'fc', 'nhwc']);
    expect((await openActivationPath(at('dtypes.hdf5'))).layers.map((l) => l.name)[0]).toBe('z_le_f2');
  });

  it('HDF5 from a Blob without an HDF5 reader is an error entry, not a throw', async () => {
    const { layers, errors } = await openActivationFile(new Blob([readFileSync(at('acts.h5'))]), 'acts.h5');
    expect(layers).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual(['acts.h5: HDF5 files are read by the page and by the srop command; this caller has no HDF5 reader']);
  });
});

/** [file, part, reason, layers that still load] */
const BAD: Array<[string, string | undefined, RegExp, string[]?]> = [
  ['bad_mixed.pt', 'entry layer3', /^global 'numpy\.core\.multiarray\._reconstruct' is not allowed$/, ['good', 'other']],
  ['bad_mixed.pt', 'entry five', /^shape \(1, 2, 2, 3, 3\) has 5 axes; a feature map needs 1 to 4$/, ['good', 'other']],
  ['bad_mixed.pt', 'entry cplx', /^dtype complex64 is not a real number type$/, ['good', 'other']],
  ['bad_mixed.pt', 'entry sub', /^tensor subclass '__main__\.Subclassed' is not supported$/, ['good', 'other']],
  ['bad_mixed.pt', 'entry epoch', /^an int, not a tensor$/, ['good', 'other']],
  ['bad_legacy.pt', undefined, /^a legacy torch\.save file \(before PyTorch 1\.6, or _use_new_zipfile_serialization=False\) is not supported/],
  ['bad_pickle.pt', undefined, /^a plain Python pickle, not a torch\.save zip archive/],
  ['bad_truncated.pt', undefined, /^truncated zip archive: its central directory is missing$/],
  ['bad_no_tensors.pt', undefined, /^the saved object is a dict of 2 entries without tensors$/],
  ['bad_torchscript.pt', undefined, /^a TorchScript module \(torch\.jit\.save\), not tensors saved by torch\.save/],
  ['bad_mixed.h5', 'dataset /five', /^shape \(1, 2, 2, 3, 3\) has 5 axes; a feature map needs 1 to 4$/, ['good', 'other']],
  ['bad_mixed.h5', 'dataset /cplx', /^dtype complex64 is not a real number type$/, ['good', 'other']],
  ['bad_mixed.h5', 'dataset /flags', /^dtype bool \(an HDF5 enum\) is not a real number type$/, ['good', 'other']],
  ['bad_mixed.h5', 'dataset /record', /^a compound dtype \(fields x, y\) is not supported$/, ['good', 'other']],
  ['bad_mixed.h5', 'dataset /text', /^a string dtype, not numbers$/, ['good', 'other']],
  ['bad_mixed.h5', 'dataset /zero', /^shape \(2, 0, 3\) has a zero-sized axis/, ['good', 'other']],
  ['bad_only_vectors.h5', undefined, /^no dataset with 2 to 4 axes \(2 datasets of fewer axes passed over\)/],
  ['bad_truncated.h5', undefined, /^HDF5 cannot open the file \(file has been truncated\)$/],
  ['bad_not_hdf5.h5', undefined, /^not an HDF5 file \(no HDF5 signature; first bytes 74 68 65 73 65 20 61 72\)$/],
];

describe('bad files: one line naming the file, the entry and the reason; the others still load', () => {
  for (const [file, part, reason, still = []] of BAD) {
    it(`${file}${part ? ` (${part})` : ''}`, async () => {
      const path = at(file);
      const { layers, errors } = await openActivationPath(path);
      const match = errors.find((e) => e.part === part && reason.test(e.reason));
      expect(match, `errors: ${errors.map((e) => e.message).join(' | ')}`).toBeDefined();
      expect(match).toBeInstanceOf(ActivationFileError);
      expect(match!.message).toBe(part ? `${path}: ${part}: ${match!.reason}` : `${path}: ${match!.reason}`);
      expect(match!.message).not.toMatch(/\n/);
      expect(layers.map((l) => l.name)).toEqual(still);
      for (const layer of layers) {
        const [n, c, h, w] = layer.shape;
        expect((await layer.readMaps(0, n * c)).length).toBe(n * c * h * w);
      }
    });
  }

  it('bad_mixed.pt: one error per bad entry, in the dict order', async () => {
    const { errors } = await openActivationPath(at('bad_mixed.pt'));
    expect(errors.map((e) => e.part)).toEqual(['entry layer3', 'entry five', 'entry cplx', 'entry sub', 'entry epoch']);
    expect(errors[0].message).toBe(`${at('bad_mixed.pt')}: entry layer3: global 'numpy.core.multiarray._reconstruct' is not allowed`);
  });

  it('a damaged gzip chunk: the file opens, the maps in that chunk reject naming the dataset, the others read', async () => {
    const { layers, errors } = await openActivationPath(at('bad_chunk.h5'));
    expect(errors).toEqual([]);
    const values = decode(expected['bad_chunk.h5'][0].values);
    const layer = layers[0];
    expectSame(await layer.readMaps(0, 2), values.subarray(0, 128), 'chunks before the damage');
    expectSame(await layer.readMaps(3, 1), values.subarray(192, 256), 'the chunk after');
    const error = await layer.readMaps(1, 2).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActivationFileError);
    expect((error as ActivationFileError).part).toBe('dataset /x');
    expect(layerErrorMessage(layer, error)).toMatch(/^.*bad_chunk\.h5: dataset \/x: reading maps 1\.\.2 failed \(HDF5 could not read the slice: filter returned failure during read\)$/);
  });
});

describe('the unpickler executes nothing', () => {
  const bytes = (...parts: Array<number[] | string>) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

  it('os.system called through REDUCE is a refused value with its reason, not a call', () => {
    // cos\nsystem\n(S'echo hi'\ntR.
    const v = unpickle(bytes('cos\nsystem\n(S\'echo hi\'\ntR.'), () => null);
    expect(v).toBeInstanceOf(Refused);
    expect((v as Refused).reason).toBe("global 'os.system' is not allowed");
  });

  it('builtins.eval inside a dict refuses that entry only', () => {
    const v = unpickle(bytes([0x80, 0x02, 0x7d, 0x28], 'X', [1, 0, 0, 0], 'a', 'cbuiltins\neval\n', 'X', [4, 0, 0, 0], '1+1)', [0x85, 0x52], 'X', [1, 0, 0, 0], 'b', [0x4b, 7, 0x75, 0x2e]), () => null);
    expect(v).toBeInstanceOf(PyDict);
    const entries = (v as PyDict).entries;
    expect((entries[0][1] as Refused).reason).toBe("global 'builtins.eval' is not allowed");
    expect(entries[1]).toEqual(['b', 7]);
  });

  it('a damaged pickle is a PickleError', () => {
    expect(() => unpickle(bytes([0x80, 0x02, 0x7d, 0x71]), () => null)).toThrow(PickleError);
    expect(() => unpickle(bytes([0x80, 0x02, 0xff]), () => null)).toThrow(/unknown pickle opcode 0xff/);
    expect(() => unpickle(bytes([0x80, 0x02, 0x68, 0x05, 0x2e]), () => null)).toThrow(/memo entry 5 is missing/);
  });
});

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Opens and reads everything; anything thrown that is not an ActivationFileError fails the test. */
async function openAndReadAll(open: () => Promise<{ layers: Layer[]; errors: ActivationFileError[] }>, name: string) {
  const { layers, errors } = await open();
  for (const e of errors) {
    expect(e).toBeInstanceOf(ActivationFileError);
    expect(e.message.startsWith(`${name}: `), e.message).toBe(true);
    expect(e.message).not.toMatch(/\n/);
  }
  for (const layer of layers) {
    const [n, c] = layer.shape;
    await layer.readMaps(0, n * c).then(
      (v) => expect(v.length).toBe(layer.shape.reduce((a, b) => a * b, 1)),
      (e: unknown) => expect(e).toBeInstanceOf(ActivationFileError),
    );
  }
}

describe('nothing throws, nothing hangs', () => {
  it('truncations and flipped bytes of .pt files', async () => {
    const next = random(16);
    for (const file of ['hooks.pt', 'nested.pth', 'views.pt', 'bad_mixed.pt']) {
      const bytes = readFileSync(at(file));
      for (let k = 0; k < 25; k++) {
        const cut = bytes.subarray(0, Math.floor(next() * bytes.length));
        await openAndReadAll(() => openActivationFile(new Blob([cut]), `cut${k}-${file}`), `cut${k}-${file}`);
        const flipped = Uint8Array.from(bytes);
        // bias the damage towards the pickle (small, at the start) and the directory (at the end)
        for (let f = 0; f < 1 + Math.floor(next() * 8); f++) {
          const r = next();
          const p = r < 0.4 ? Math.floor(next() * Math.min(600, bytes.length)) : r < 0.7 ? bytes.length - 1 - Math.floor(next() * Math.min(400, bytes.length)) : Math.floor(next() * bytes.length);
          flipped[p] = Math.floor(next() * 256);
        }
        await openAndReadAll(() => openActivationFile(new Blob([flipped]), `flip${k}-${file}`), `flip${k}-${file}`);
      }
    }
  }, 60_000);

  it('truncations of an .h5 file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const tmp = mkdtempSync(join(tmpdir(), 'srop-h5-'));
    const bytes = readFileSync(at('acts.h5'));
    const next = random(5);
    for (let k = 0; k < 12; k++) {
      const path = join(tmp, `cut${k}.h5`);
      writeFileSync(path, bytes.subarray(0, Math.floor(next() * bytes.length)));
      await openAndReadAll(() => openActivationPath(path), path);
    }
    // the library still reads a good file afterwards
    const { layers } = await openActivationPath(at('acts.h5'));
    expect(layers.length).toBe(5);
  }, 60_000);
});
