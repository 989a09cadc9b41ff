// The activation-file readers on the fixtures tools/make_reader_fixtures.py writes: every value
// against numpy's own float32 conversion, whole layers and partial map ranges, and how much they read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, readerFixtures } from './helpers/readerFixtures';
import { openActivationPath } from '../src/io/node';
import { openActivationFile } from '../src/io/open';
import { readLimits } from '../src/io/arrayLayer';
import { ActivationFileError, type Layer, type LayoutChoice } from '../src/io/types';

const { at, expected } = readerFixtures('readers');

/** Index of the first value that differs (NaN equals NaN, -0 differs from 0), or -1. */
function firstDifference(actual: Float32Array, wanted: Float32Array): number {
  if (actual.length !== wanted.length) return Math.min(actual.length, wanted.length);
  for (let i = 0; i < wanted.length; i++) if (!Object.is(actual[i], wanted[i])) return i;
  return -1;
}

function expectSame(actual: Float32Array, wanted: Float32Array, what: string) {
  const i = firstDifference(actual, wanted);
  expect(i, `${what}: value ${i} is ${actual[i]}, numpy says ${wanted[i]} (lengths ${actual.length}, ${wanted.length})`).toBe(-1);
}

const withErrors = new Set(['mixed.npz', 'partial.safetensors', 'bad_overlap.safetensors']);

afterEach(() => {
  readLimits.chunkBytes = 64 << 20;
  readLimits.chunkElements = 16 << 20;
});

describe('every good fixture, every layer, every value', () => {
  for (const [file, layers] of Object.entries(expected)) {
    it(file, async () => {
      const { layers: got, errors } = await openActivationPath(at(file));
      if (!withErrors.has(file)) expect(errors.map((e) => e.message)).toEqual([]);
      expect(got.map((l) => l.name)).toEqual(layers.map((l) => l.name));
      for (const [k, want] of layers.entries()) {
        const layer = got[k];
        expect(layer.file).toBe(at(file));
        expect(layer.storedShape).toEqual(want.storedShape);
        expect(layer.shape).toEqual(want.shape);
        expect(layer.dtype).toBe(want.dtype);
        expect(layer.layout, layer.layoutReason).toBe(want.layout);
        expect(layer.layoutReason.startsWith(`${want.layout}: `)).toBe(true);
        const values = decode(want.values);
        const [n, c, h, w] = want.shape;
        const total = n * c;
        const size = h * w;
        expectSame(await layer.readMaps(0, total), values, `${file} ${want.name} all maps`);
        // partial ranges: from the middle, single maps from the end and the start, nothing
        if (total > 2) {
          const first = 1;
          const count = total - 2;
          expectSame(await layer.readMaps(first, count), values.subarray(first * size, (first + count) * size), `${file} ${want.name} maps 1..${total - 2}`);
        }
        expectSame(await layer.readMaps(total - 1, 1), values.subarray((total - 1) * size), `${file} ${want.name} last map`);
        expectSame(await layer.readMaps(0, 1), values.subarray(0, size), `${file} ${want.name} first map`);
        expect((await layer.readMaps(total, 0)).length).toBe(0);
      }
    });
  }
});

/** Every range [first, first + count) of a layer (or, when `some`, those of 1, 2 or all remaining maps), against the expected values. */
async function everyRange(layer: Layer, values: Float32Array, what: string, some = false) {
  const [n, c, h, w] = layer.shape;
  const total = n * c;
  const size = h * w;
  for (let first = 0; first < total; first++) {
    for (let count = 1; first + count <= total; count++) {
      if (some && count > 2 && first + count < total) continue;
      expectSame(await layer.readMaps(first, count), values.subarray(first * size, (first + count) * size), `${what} maps ${first}+${count}`);
    }
  }
}

async function one(file: string, name?: string, layout: LayoutChoice = 'auto'): Promise<Layer> {
  const { layers, errors } = await openActivationPath(at(file), layout);
  expect(errors).toEqual([]);
  const layer = name ? layers.find((l) => l.name === name) : layers[0];
  expect(layer, `${file} ${name}`).toBeDefined();
  return layer!;
}

function want(file: string, name?: string): Float32Array {
  const layers = expected[file];
  return decode((name ? layers.find((l) => l.name === name)! : layers[0]).values);
}

describe('partial map ranges, in small chunks (many reads per range)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['dt_le_f4.npy', undefined],
    ['dt_be_i8.npy', undefined],
    ['fortran_4d.npy', undefined],
    ['fortran_3d_be_f8.npy', undefined],
    ['fortran_nhwc.npy', undefined],
    ['nhwc.npy', undefined],
    ['three_d_nhwc.npy', undefined],
    ['nhwc_wide.npy', undefined],
    ['stored.npz', 'conv1'],
    ['stored.npz', 'block.relu'],
    ['deflated.npz', 'conv1'],
    ['deflated.npz', 'block.relu'],
    ['zip64_full.npz', 'second'],
    ['all_dtypes.safetensors', 'layer.bool'],
    ['all_dtypes.safetensors', 'layer.bf16'],
    ['all_dtypes.safetensors', 'layer.f16'],
  ];
  for (const chunkBytes of [64 << 20, 24, 7]) {
    for (const [file, name] of cases) {
      it(`${file} ${name ?? ''} (chunks of ${chunkBytes} bytes)`, async () => {
        readLimits.chunkBytes = chunkBytes;
        await everyRange(await one(file, name), want(file, name), `${file} ${name}`, chunkBytes < 1024);
      });
    }
  }

  it('a large deflated member, read out of order (the stream restarts), ranges anywhere', async () => {
    const layer = await one('deflated.npz', 'big');
    const values = want('deflated.npz', 'big');
    const size = 32 * 32;
    for (const [first, count] of [[12, 3], [15, 1], [0, 2], [7, 5], [3, 1], [0, 16], [9, 7]]) {
      expectSame(await layer.readMaps(first, count), values.subarray(first * size, (first + count) * size), `big ${first}+${count}`);
    }
    // concurrent reads are serialised and each gets its own maps
    const [a, b, c] = await Promise.all([layer.readMaps(10, 2), layer.readMaps(1, 1), layer.readMaps(14, 2)]);
    expectSame(a, values.subarray(10 * size, 12 * size), 'concurrent a');
    expectSame(b, values.subarray(1 * size, 2 * size), 'concurrent b');
    expectSame(c, values.subarray(14 * size, 16 * size), 'concurrent c');
  });

  it('out-of-range requests reject with an ActivationFileError', async () => {
    const layer = await one('dt_le_f4.npy');
    await expect(layer.readMaps(5, 2)).rejects.toBeInstanceOf(ActivationFileError);
    await expect(layer.readMaps(-1, 1)).rejects.toThrow(/maps -1\.\.-1 asked for, but the layer has 6 maps/);
  });
});

describe('a given layout', () => {
  it('nchw given for channels-last data reads it as stored', async () => {
    const layer = await one('nhwc.npy', undefined, 'nchw');
    expect(layer.layout).toBe('nchw');
    expect(layer.layoutReason).toBe('given');
    expect(layer.shape).toEqual([2, 5, 5, 3]);
    const auto = want('nhwc.npy'); // [2, 3, 5, 5] from [2, 5, 5, 3]
    const raw = await layer.readMaps(0, 10);
    // raw[n, y, x, c] (stored order) == auto[n, c, y, x]
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 5; y++)
        for (let x = 0; x < 5; x++)
          for (let c = 0; c < 3; c++) expect(raw[((n * 5 + y) * 5 + x) * 3 + c]).toBe(auto[((n * 3 + c) * 5 + y) * 5 + x]);
  });

  it('nhwc given equals the guess for channels-last data; nhwc given on square nchw data transposes', async () => {
    const layer = await one('nhwc.npy', undefined, 'nhwc');
    expect(layer.layoutReason).toBe('given');
    expectSame(await layer.readMaps(0, 6), want('nhwc.npy'), 'nhwc given');
    const other = await one('stored.npz', 'conv1', 'nhwc'); // [2, 3, 4, 5] read as N, H, W, C
    expect(other.shape).toEqual([2, 5, 3, 4]);
  });

  it('3-D, 2-D and 1-D arrays take N = 1, then C = 1', async () => {
    expect((await one('three_d.npy')).shape).toEqual([1, 3, 4, 5]);
    expect((await one('three_d_nhwc.npy')).shape).toEqual([1, 3, 4, 4]);
    expect((await one('two_d.npy')).shape).toEqual([1, 1, 5, 6]);
    expect((await one('one_d.npy')).shape).toEqual([1, 1, 1, 7]);
  });
});

/** A Blob that records the byte ranges read from it (and can be made to fail). */
function recordingBlob(bytes: Uint8Array<ArrayBuffer>) {
  const blob = new Blob([bytes]);
  const reads: Array<[number, number]> = [];
  const state = { fail: false };
  const wrap = (inner: Blob, offset: number): Blob =>
    ({
      size: inner.size,
      type: '',
      slice(a = 0, b = inner.size) {
        const piece = inner.slice(a, b);
        return {
          size: piece.size,
          arrayBuffer: () => {
            if (state.fail) return Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
            reads.push([offset + a, offset + Math.min(b, inner.size)]);
            return piece.arrayBuffer();
          },
        } as Blob;
      },
    }) as Blob;
  return { blob: wrap(blob, 0), reads, state };
}

describe('reads by slices, only what is needed', () => {
  it('a C-order .npy: maps 3..4 read exactly their bytes', async () => {
    const bytes = readFileSync(at('dt_le_f4.npy'));
    const { blob, reads } = recordingBlob(bytes);
    const { layers } = await openActivationFile(blob, 'dt_le_f4.npy');
    expect(layers[0].name).toBe('dt_le_f4');
    const opened = reads.reduce((s, [a, b]) => s + b - a, 0);
    expect(opened).toBeLessThan(bytes.length); // the header only
    reads.length = 0;
    await layers[0].readMaps(3, 2);
    const dataStart = bytes.length - 2 * 3 * 20 * 4;
    expect(reads).toEqual([[dataStart + 3 * 80, dataStart + 5 * 80]]);
  });

  it('a Fortran-order array in bounded chunks: no read larger than the limit', async () => {
    readLimits.chunkBytes = 64;
    const { blob, reads } = recordingBlob(readFileSync(at('fortran_4d.npy')));
    const { layers } = await openActivationFile(blob, 'fortran_4d.npy');
    reads.length = 0;
    expectSame(await layers[0].readMaps(2, 3), want('fortran_4d.npy').subarray(2 * 20, 5 * 20), 'fortran chunks');
    expect(reads.length).toBeGreaterThan(1);
    for (const [a, b] of reads) expect(b - a).toBeLessThanOrEqual(64);
  });

  it('an npz: opening reads the tail, the directory and each member header, not the data', async () => {
    const bytes = readFileSync(at('deflated.npz'));
    const { blob, reads } = recordingBlob(bytes);
    const { layers } = await openActivationFile(blob, 'deflated.npz');
    expect(layers.map((l) => l.name)).toEqual(['conv1', 'block.relu', 'fc', 'big', 'zeros']);
    const total = reads.reduce((s, [a, b]) => s + b - a, 0);
    expect(total).toBeLessThan(bytes.length / 2);
    for (const [a, b] of reads) expect(b - a).toBeLessThan(bytes.length / 2);
  });

  it('a stored npz member: reads only the range asked for', async () => {
    const bytes = readFileSync(at('stored.npz'));
    const { blob, reads } = recordingBlob(bytes);
    const { layers } = await openActivationFile(blob, 'stored.npz');
    reads.length = 0;
    await layers[0].readMaps(1, 1);
    expect(reads.length).toBe(1);
    expect(reads[0][1] - reads[0][0]).toBe(20 * 4);
  });

  it('a read that fails mid-way rejects with an ActivationFileError naming file and member', async () => {
    const { blob, state } = recordingBlob(readFileSync(at('stored.npz')));
    const { layers } = await openActivationFile(blob, 'stored.npz');
    state.fail = true;
    const error = await layers[1].readMaps(0, 2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActivationFileError);
    expect((error as ActivationFileError).message).toMatch(/^stored\.npz: member block\.relu\.npy: cannot read bytes \d+-\d+ \(EIO: i\/o error, read\)$/);
    const st = recordingBlob(readFileSync(at('all_dtypes.safetensors')));
    const opened = await openActivationFile(st.blob, 'all_dtypes.safetensors');
    st.state.fail = true;
    await expect(opened.layers[0].readMaps(0, 1)).rejects.toThrow(/^all_dtypes\.safetensors: tensor layer\.\w+: cannot read bytes/);
  });
});

describe('.npz members opened together', () => {
  it('reads the members\' headers several at a time (one browser round trip each), and lists the layers and errors in directory order', async () => {
    const bytes = readFileSync(at('mixed.npz'));
    let reading = 0;
    let most = 0;
    const blob = new Blob([bytes]);
    const counted = {
      size: blob.size,
      slice(start?: number, end?: number) {
        const part = blob.slice(start, end);
        return {
          async arrayBuffer() {
            most = Math.max(most, ++reading);
            await new Promise((r) => setTimeout(r, 2));
            reading--;
            return part.arrayBuffer();
          },
        };
      },
    };
    const together = await openActivationFile(counted, 'mixed.npz', 'auto');
    const plain = await openActivationFile(new Blob([bytes]), 'mixed.npz', 'auto');
    expect(most).toBeGreaterThan(1);
    expect(together.layers.map((l) => l.name)).toEqual(plain.layers.map((l) => l.name));
    expect(together.errors.map((e) => e.message)).toEqual(plain.errors.map((e) => e.message));
    expect(together.layers.length + together.errors.length).toBeGreaterThan(2);
  });
});
