// Bad activation files: each gives an error entry naming the file, the member or tensor, and the
// reason; the good members of a partly bad file still load; nothing throws, nothing hangs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openActivationPath } from '../src/io/node';
import { openActivationFile } from '../src/io/open';
import { ActivationFileError } from '../src/io/types';

const dir = join(import.meta.dirname, 'fixtures', 'readers');
const at = (name: string) => join(dir, name);

/** [file, part, reason pattern, layers that still load] */
const BAD: Array<[string, string | undefined, RegExp, string[]?]> = [
  ['bad_truncated.npy', undefined, /^shape \(2, 3, 4, 4\) needs 384 bytes of data but the file holds 380$/],
  ['bad_magic.npy', undefined, /^not a \.npy file \(magic bytes 68 65 6c 6c 6f 2c "hello,"/],
  ['bad_header_length.npy', undefined, /^truncated \.npy file: header length 60000 runs past the end \(the file holds 60 bytes\)$/],
  ['bad_header_cut.npy', undefined, /header length \d+ runs past the end \(the file holds 40 bytes\)$/],
  ['bad_complex.npy', undefined, /^dtype complex64 is not a real number type$/],
  ['bad_complex128.npy', undefined, /^dtype complex128 is not a real number type$/],
  ['bad_object.npy', undefined, /^dtype object \(Python objects\) is not supported$/],
  ['bad_structured.npy', undefined, /^structured dtype \(fields x, y\) is not supported/],
  ['bad_string.npy', undefined, /^dtype str \(<U3\) is a string type, not numbers$/],
  ['bad_datetime.npy', undefined, /^dtype datetime64 \(<M8\[D\]\) is not a number type$/],
  ['bad_longdouble.npy', undefined, /^dtype float128 \(long double\) is not supported/],
  ['bad_zero_axis.npy', undefined, /^shape \(2, 0, 3\) has a zero-sized axis/],
  ['bad_five_axes.npy', undefined, /^shape \(1, 1, 2, 2, 2\) has 5 axes; a feature map needs 1 to 4$/],
  ['bad_scalar.npy', undefined, /^shape \(\) has 0 axes; a feature map needs 1 to 4$/],
  ['bad_version.npy', undefined, /^unsupported \.npy format version 9\.0/],
  ['bad_header_syntax.npy', undefined, /^the \.npy header is not a Python dict literal \(unexpected character at character \d+\)$/],
  ['bad_header_noshape.npy', undefined, /^the \.npy header lacks 'shape'$/],
  ['empty.npy', undefined, /^not a \.npy file \(the file is empty\)$/],
  ['unknown.bin', undefined, /^unknown file format \(not \.npy, \.npz, \.safetensors, \.pt or \.h5; first bytes 00 01 02 03 04 05 06 07\)$/],
  ['bad_truncated.npz', undefined, /^truncated zip archive: its central directory is missing$/],
  ['bad_notzip.npz', undefined, /^not a zip archive \(no end-of-central-directory record\)$/],
  ['bad_bzip2.npz', 'member x.npy', /^compression method 12 \(bzip2\) is not supported/],
  ['bad_encrypted.npz', 'member x.npy', /encrypted/],
  ['mixed.npz', 'member notes.txt', /^not a \.npy array$/, ['good', 'other']],
  ['mixed.npz', 'member complex.npy', /^dtype complex64 is not a real number type$/, ['good', 'other']],
  ['mixed.npz', 'member cut.npy', /^shape \(1, 3, 2, 2\) needs 48 bytes of data but the member holds 44$/, ['good', 'other']],
  ['partial.safetensors', 'tensor fp8', /^dtype F8_E4M3 is not supported/, ['good', 'also_good']],
  ['partial.safetensors', 'tensor cplx', /^dtype C64 is not a real number type$/, ['good', 'also_good']],
  ['partial.safetensors', 'tensor short', /^shape \(2, 3\) needs 24 bytes of data but the tensor holds 20$/, ['good', 'also_good']],
  ['partial.safetensors', 'tensor empty', /^shape \(2, 0, 3\) has a zero-sized axis/, ['good', 'also_good']],
  ['bad_overlap.safetensors', undefined, /^tensors a and b overlap \(bytes 0-64 and 32-96\)$/, ['c']],
  ['bad_offsets.safetensors', 'tensor x', /^data_offsets \[0, 160\] are outside the data \(16 bytes\)$/],
  ['bad_header_length.safetensors', undefined, /^header length 1000000 runs past the end of the file \(16 bytes\)$/],
  ['bad_json.safetensors', undefined, /^the header is not valid JSON/],
];

describe('bad files: an error entry with the file, the part and the reason', () => {
  for (const [file, part, reason, still = []] of BAD) {
    it(`${file}${part ? ` (${part})` : ''}`, async () => {
      const path = at(file);
      const { layers, errors } = await openActivationPath(path);
      const match = errors.find((e) => e.part === part && reason.test(e.reason));
      expect(match, `errors: ${errors.map((e) => e.message).join(' | ')}`).toBeDefined();
      expect(match).toBeInstanceOf(ActivationFileError);
      expect(match!.file).toBe(path);
      expect(match!.message).toBe(part ? `${path}: ${part}: ${match!.reason}` : `${path}: ${match!.reason}`);
      expect(layers.map((l) => l.name)).toEqual(still);
      for (const layer of layers) {
        const [n, c, h, w] = layer.shape;
        expect((await layer.readMaps(0, n * c)).length).toBe(n * c * h * w);
      }
    });
  }

  it('mixed.npz: one error per bad member, no more', async () => {
    const { errors } = await openActivationPath(at('mixed.npz'));
    expect(errors.map((e) => e.part)).toEqual(['member notes.txt', 'member complex.npy', 'member cut.npy']);
  });

  it('a deflated member cut short opens (its header is whole) but its later maps reject, naming the member', async () => {
    const { layers, errors } = await openActivationPath(at('bad_deflate_data.npz'), 'nchw');
    expect(errors).toEqual([]);
    expect(layers.map((l) => l.name)).toEqual(['cut', 'fine']);
    const error = await layers[0].readMaps(0, 4).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActivationFileError);
    expect((error as ActivationFileError).part).toBe('member cut.npy');
    expect((error as ActivationFileError).reason).toMatch(/compressed data/);
    expect((await layers[1].readMaps(0, 2)).length).toBe(18);
  });

  it('a missing path, or a directory, is an error entry in words, not a throw', async () => {
    const missing = await openActivationPath('no/such/dir/missing.npz');
    expect(missing.layers).toEqual([]);
    expect(missing.errors.map((e) => e.message)).toEqual(['no/such/dir/missing.npz: cannot read the file (ENOENT: no such file or directory)']);
    const folder = await openActivationPath(dir);
    expect(folder.errors.map((e) => e.message)).toEqual([`${dir}: cannot read the file (EISDIR: it is a directory)`]);
  });

  it('a .npy layer is named by the base name without .npy; a .npy with an npz inside still opens by its magic', async () => {
    const bytes = readFileSync(at('stored.npz'));
    const { layers } = await openActivationFile(new Blob([bytes]), 'C:\\data\\run1.npy');
    expect(layers.map((l) => l.name)).toEqual(['conv1', 'block.relu', 'fc']);
    expect(layers[0].file).toBe('C:\\data\\run1.npy');
    const single = await openActivationFile(new Blob([readFileSync(at('v2.npy'))]), 'some/dir/conv.Layer.NPY');
    expect(single.layers[0].name).toBe('conv.Layer');
    const sniffed = await openActivationFile(new Blob([readFileSync(at('all_dtypes.safetensors'))]), 'weights.bin');
    expect(sniffed.errors).toEqual([]);
    expect(sniffed.layers.length).toBe(13);
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

/** Opens and reads everything; fails the test on anything thrown that is not an ActivationFileError. */
async function openAndReadAll(blob: Blob, name: string) {
  for (const layout of ['auto', 'nchw', 'nhwc'] as const) {
    const { layers, errors } = await openActivationFile(blob, name, layout);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ActivationFileError);
      expect(e.message.startsWith(`${name}: `)).toBe(true);
      expect(e.message).not.toMatch(/\n\s+at /);
    }
    for (const layer of layers) {
      const [n, c] = layer.shape;
      await layer.readMaps(0, n * c).then(
        (v) => expect(v.length).toBe(layer.shape.reduce((a, b) => a * b, 1)),
        (e: unknown) => expect(e).toBeInstanceOf(ActivationFileError),
      );
    }
  }
}

describe('nothing throws, nothing hangs', () => {
  const files = readdirSync(dir).filter((f) => f !== 'expected.json');

  it('every fixture, every layout: errors are entries, failed reads are ActivationFileErrors', async () => {
    for (const file of files) await openAndReadAll(new Blob([readFileSync(at(file))]), file);
  });

  it('truncations and flipped bytes of good files', async () => {
    const next = random(7);
    const sources = ['v1.npy', 'v3.npy', 'fortran_4d.npy', 'stored.npz', 'deflated.npz', 'zip64_full.npz', 'zip64_local.npz', 'all_dtypes.safetensors'];
    for (const file of sources) {
      const bytes = readFileSync(at(file));
      for (let k = 0; k < 25; k++) {
        const cut = bytes.subarray(0, Math.floor(next() * bytes.length));
        await openAndReadAll(new Blob([cut]), `cut${k}-${file}`);
        const flipped = Uint8Array.from(bytes);
        for (let f = 0; f < 1 + Math.floor(next() * 8); f++) {
          // bias the damage towards headers and directories, where lengths and offsets live
          const p = next() < 0.5 ? Math.floor(next() * Math.min(200, bytes.length)) : Math.floor(next() * bytes.length);
          flipped[p] = Math.floor(next() * 256);
        }
        await openAndReadAll(new Blob([flipped]), `flip${k}-${file}`);
      }
    }
  }, 60_000);
});
