// `srop ... --session out.srop.zip` end to end: the built command run as a process on files of
// awkward shapes (written here: odd map sizes, a channels-last member, a one-row map, dead and
// non-finite maps, a member whose data is corrupt, members that cannot be read), its session read
// back as the page reads one (readSessionArchive, checkSessionDocument): the parameters, every
// layer's name, shape and layout as the command's JSON gives them, profiles that recompute to the
// command's CSV, byte for byte, under its parameters and under others, the files' bytes, the bound
// that leaves a file out with its reason; `srop compare` puts B's file in pane B; `srop run` on the
// demo model writes panes of kind "profiles"; a path that cannot be written is refused first.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSessionArchive } from '../src/io/sessionArchive';
import { SESSION_DOCUMENT_VERSION, checkSessionDocument, type FileDocument, type SessionDocument } from '../src/session/sessionDocument';
import { layerResult } from '../src/analysis/layerResult';
import { mapsCsvHeader, mapsCsvRows } from '../src/analysis/format';
import { DEFAULT_PARAMS, type SropParams } from '../src/analysis/srop';
import { setName } from '../src/session/setName';
import { seededRandom } from '../src/numeric/random';
import { APP_NAME } from '../src/version';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'srop.mjs');
const readers = join(root, 'test', 'fixtures', 'readers');
const demo = join(root, 'public', 'demo', 'demo_step12000.onnx');
const samples = join(root, 'public', 'samples');

let dir = '';

function srop(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A .npy file (format 1.0, C order) of float32 ("<f4") or float64 ("<f8") values. */
function npy(shape: number[], values: Float32Array | Float64Array): Uint8Array {
  const descr = values instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + values.byteLength);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), total);
  return out;
}

/** Random values with some maps made dead (zero), constant (DC only) or non-finite. */
function values<T extends Float32Array | Float64Array>(make: (n: number) => T, shape: number[], seed: number, special: { zero?: number; constant?: number; nan?: number; mapSize: number }): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const random = seededRandom(seed);
  const out = make(n);
  for (let i = 0; i < n; i++) out[i] = random() * 2 - 1 + Math.sin(i / 3);
  const { mapSize } = special;
  if (special.zero !== undefined) out.fill(0, special.zero * mapSize, (special.zero + 1) * mapSize);
  if (special.constant !== undefined) out.fill(0.75, special.constant * mapSize, (special.constant + 1) * mapSize);
  if (special.nan !== undefined) out[special.nan * mapSize + 2] = NaN;
  return out;
}

const FILES = ['awk.npy', 'big.npy', 'layers.npz', 'bad_deflate_data.npz', 'mixed.npz'];
const PARAMS: SropParams = { ...DEFAULT_PARAMS, kappa: 0.7, dc: 'remove', domain: 'full', interpolate: false };
const paramArgs = ['--kappa', '0.7', '--dc', 'remove', '--domain', 'full', '--no-interpolate'];
const cpu = ['--backend', 'cpu', '--threads', '0'];

function readSession(path: string): { doc: SessionDocument; about: Record<string, unknown>; app: { name: string } } {
  const opened = readSessionArchive(new Uint8Array(readFileSync(join(dir, path))), path);
  return { doc: checkSessionDocument(opened.value, path), about: opened.manifest.about as Record<string, unknown>, app: opened.manifest.app };
}

/** A pane's done layers recomputed from their profiles under `params`: the CSV `srop` writes for them. */
function csvFromProfiles(files: FileDocument[], params: SropParams): string {
  let csv = mapsCsvHeader + '\n';
  for (const file of files) {
    for (const layer of file.layers) if (layer.status === 'done') csv += mapsCsvRows(layerResult(layer, layer.profiles!, params));
  }
  return csv;
}

beforeAll(() => {
  expect(existsSync(join(root, 'dist-cli', 'srop.mjs')), 'run `npm run build:cli` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'srop-session-'));
  // 3 inputs x 5 channels of 13 x 17 maps: map 4 dead, map 7 with a NaN, map 9 constant (dead once its mean is removed).
  writeFileSync(join(dir, 'awk.npy'), npy([3, 5, 13, 17], values((n) => new Float32Array(n), [3, 5, 13, 17], 19, { zero: 4, nan: 7, constant: 9, mapSize: 13 * 17 })));
  // float64, 2 x 4 maps of 61 x 47 (about 180 kB: the file the bound leaves out).
  writeFileSync(join(dir, 'big.npy'), npy([2, 4, 61, 47], values((n) => new Float64Array(n), [2, 4, 61, 47], 7, { mapSize: 61 * 47 })));
  // An archive: a channels-last member [2, 9, 7, 3] and one map of one row [1, 9].
  writeFileSync(join(dir, 'layers.npz'), zipSync({
    'conv1.npy': npy([2, 9, 7, 3], values((n) => new Float32Array(n), [2, 9, 7, 3], 3, { mapSize: 1 })),
    'row.npy': [npy([1, 9], values((n) => new Float32Array(n), [1, 9], 5, { mapSize: 9 })), { level: 0 }],
  }));
  // One member whose compressed data is cut (fails when measured), one readable; and an archive
  // with members that cannot be opened (a text file, complex numbers, data cut short) beside good ones.
  copyFileSync(join(readers, 'bad_deflate_data.npz'), join(dir, 'bad_deflate_data.npz'));
  copyFileSync(join(readers, 'mixed.npz'), join(dir, 'mixed.npz'));
  mkdirSync(join(dir, 'images'));
  for (const digit of [3, 7, 8]) copyFileSync(join(samples, `digit${digit}.png`), join(dir, 'images', `digit${digit}.png`));
  writeFileSync(join(dir, 'images', 'broken.png'), readFileSync(join(samples, 'digit5.png')).subarray(0, 60));
}, 60_000);

describe('srop <files> --session', () => {
  it('writes every file in pane A: the parameters, each layer with its profiles (the CSV again, byte for byte) or its error, the files\' bytes; stdout as without it', () => {
    const plain = srop([...cpu, ...paramArgs, ...FILES]);
    const r = srop([...cpu, ...paramArgs, ...FILES, '--session', 'all.srop.zip']);
    expect(r.code, r.stderr).toBe(2); // a layer fails and members cannot be read: exit 2, as without --session
    expect(plain.code).toBe(2);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stderr).toMatch(/^srop: session all\.srop\.zip: 5 files, 7 layers with ring profiles, [\d.]+ MB; 5 activation files kept \([\d.]+ MB\)$/m);

    const { doc, about, app } = readSession('all.srop.zip');
    expect(app.name).toBe(APP_NAME);
    expect(about).toMatchObject({ command: 'srop', backend: 'cpu', files: FILES, sessionMaxMb: 200, leftOut: [] });
    expect(doc.version).toBe(SESSION_DOCUMENT_VERSION);
    expect(doc.writer).toBe('srop');
    expect(doc.params).toEqual(PARAMS);
    expect([doc.engineChoice, doc.model, doc.lab]).toEqual([null, null, null]);
    expect(doc.panes.B).toEqual({ input: null, errors: [], files: [] });
    const pane = doc.panes.A;
    expect(pane.input).toBeNull();
    expect(pane.files.map((f) => [f.name, f.kind, f.origin, f.layout])).toEqual(FILES.map((f) => [f, 'file', 'user', 'auto']));

    // Names, files, shapes and layouts as the command's JSON has them.
    const json = JSON.parse(srop([...cpu, ...paramArgs, '--format', 'json', ...FILES]).stdout) as { layers: Array<{ name: string; file: string; shape: number[]; layout: string }> };
    const done = pane.files.flatMap((f) => f.layers.filter((l) => l.status === 'done'));
    expect(done.map((l) => [l.name, l.file, l.shape, l.layout])).toEqual(json.layers.map((l) => [l.name, l.file, l.shape, l.layout]));
    expect(done.map((l) => l.shape)).toEqual([[3, 5, 13, 17], [2, 4, 61, 47], [2, 3, 9, 7], [1, 1, 1, 9], [1, 2, 3, 3], [1, 2, 3, 3], [1, 3, 2, 2]]);
    const conv1 = done.find((l) => l.name === 'conv1')!;
    expect([conv1.layout, conv1.storedShape, conv1.dtype]).toEqual(['nhwc', [2, 9, 7, 3], '<f4']);
    expect(done.find((l) => l.name === 'big')!.dtype).toBe('<f8');
    for (const layer of done) expect(layer.error).toBeNull();

    // The profiles give the command's CSV again, byte for byte (dead and non-finite maps included).
    expect(csvFromProfiles(pane.files, doc.params)).toBe(r.stdout);
    expect(r.stdout).toMatch(/,dead,awk\.npy$/m);
    expect(r.stdout).toMatch(/,nonfinite,awk\.npy$/m);
    // ... and under other parameters, the command run with those (the page's parameter change, no FFT).
    const defaults = srop([...cpu, ...FILES]);
    expect(csvFromProfiles(pane.files, DEFAULT_PARAMS)).toBe(defaults.stdout);

    // The layer that failed: its error, no profiles; the pane's messages name it and the members that could not be opened.
    const failed = pane.files.find((f) => f.name === 'bad_deflate_data.npz')!.layers.find((l) => l.name === 'cut')!;
    expect(failed).toMatchObject({ status: 'error', profiles: null });
    expect(failed.error).toMatch(/^bad_deflate_data\.npz: member cut\.npy: the compressed data is corrupt or cut short/);
    expect(pane.errors).toContain(failed.error);
    expect(pane.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^mixed\.npz: member notes\.txt: /), expect.stringMatching(/^mixed\.npz: member complex\.npy: /), expect.stringMatching(/^mixed\.npz: member cut\.npy: /)]));
    for (const line of r.stderr.split('\n').filter((l) => /^srop: (mixed|bad_deflate_data)\.npz: member/.test(l))) expect(pane.errors).toContain(line.slice('srop: '.length));
  }, 300_000);

  it('keeps each file\'s bytes, byte for byte, within --session-max-mb; past it, blob null with the size and the reason', async () => {
    const all = readSession('all.srop.zip').doc;
    for (const file of all.panes.A.files) {
      expect(file.leftOut).toBeUndefined();
      expect(new Uint8Array(await file.blob!.arrayBuffer())).toEqual(new Uint8Array(readFileSync(join(dir, file.name))));
    }

    // A bound that holds awk.npy and a little more: big.npy alone is larger, the rest no longer fit after awk.npy.
    const size = (f: string) => readFileSync(join(dir, f)).byteLength;
    const mb = (size('awk.npy') + 100) / 1e6;
    const r = srop([...cpu, ...FILES, '--session', 'bound.srop.zip', '--session-max-mb', String(mb)]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`1 activation file kept (0.01 MB); 4 files left out (big.npy, layers.npz, bad_deflate_data.npz, mixed.npz; --session-max-mb ${mb}): the page lists them to be picked again`);
    const { doc, about } = readSession('bound.srop.zip');
    const [awk, big, ...rest] = doc.panes.A.files;
    expect(new Uint8Array(await awk.blob!.arrayBuffer())).toEqual(new Uint8Array(readFileSync(join(dir, 'awk.npy'))));
    expect(big.blob).toBeNull();
    expect(big.leftOut).toEqual({ bytes: size('big.npy'), reason: `larger than the session's bound of ${mb} MB (--session-max-mb)` });
    for (const file of rest) {
      expect(file.blob).toBeNull();
      expect(file.leftOut!.bytes).toBe(size(file.name));
      expect(file.leftOut!.reason).toMatch(new RegExp(`^the files before it fill the session's bound of ${mb} MB \\(--session-max-mb\\): 0\\.01 MB kept, 0\\.\\d\\d MB more would pass it$`));
    }
    expect(about.leftOut).toEqual(['big.npy', 'layers.npz', 'bad_deflate_data.npz', 'mixed.npz'].map((name) => ({ name, bytes: size(name) })));
    // The profiles are all there: the views need no file.
    expect(csvFromProfiles(doc.panes.A.files, DEFAULT_PARAMS)).toBe(csvFromProfiles(all.panes.A.files, DEFAULT_PARAMS));

    // --session-max-mb 0 keeps no file's bytes.
    expect(srop([...cpu, 'awk.npy', '--session', 'none.srop.zip', '--session-max-mb', '0']).code).toBe(0);
    expect(readSession('none.srop.zip').doc.panes.A.files[0]).toMatchObject({ blob: null, leftOut: { bytes: size('awk.npy'), reason: "larger than the session's bound of 0 MB (--session-max-mb)" } });
  }, 300_000);

  it('compare puts A\'s file in pane A and B\'s in pane B; stdout as without it', () => {
    const args = [...cpu, 'compare', 'awk.npy', 'layers.npz'];
    const plain = srop(args);
    const r = srop([...args, '--session', 'cmp.srop.zip']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const { doc, about } = readSession('cmp.srop.zip');
    expect(about.command).toBe('srop compare');
    expect(doc.panes.A.files.map((f) => f.name)).toEqual(['awk.npy']);
    expect(doc.panes.B.files.map((f) => f.name)).toEqual(['layers.npz']);
    expect(doc.panes.B.files[0].layers.map((l) => [l.name, l.status])).toEqual([['conv1', 'done'], ['row', 'done']]);
    expect(doc.params).toEqual(DEFAULT_PARAMS);
    expect(csvFromProfiles(doc.panes.A.files, DEFAULT_PARAMS)).toBe(srop([...cpu, 'awk.npy']).stdout);
    expect(csvFromProfiles(doc.panes.B.files, DEFAULT_PARAMS)).toBe(srop([...cpu, 'layers.npz']).stdout);
  }, 300_000);

  it('a path it cannot write is refused before any work, with the path and the reason; bad options are usage errors', () => {
    const cases: Array<[string, RegExp]> = [
      [join('no', 'such', 'dir', 'out.srop.zip'), /^srop: no\/such\/dir\/out\.srop\.zip: cannot write the session file \(the folder no\/such\/dir does not exist\)$/m],
      ['images', /^srop: images: cannot write the session file \(it is a directory; give a file name, e.g\. out\.srop\.zip\)$/m],
      [join('awk.npy', 'out.srop.zip'), /^srop: awk\.npy\/out\.srop\.zip: cannot write the session file \(.*(awk\.npy is not a directory|ENOTDIR).*\)$/m],
    ];
    for (const [path, message] of cases) {
      const r = srop([...cpu, 'awk.npy', '--session', path]);
      expect(r.code, path).toBe(2);
      expect(r.stderr).toMatch(message);
      // Before the work: no engine started, no output.
      expect(r.stderr).not.toContain('srop: backend');
      expect(r.stdout).toBe('');
    }
    const run = srop(['run', '--model', demo, '--backend', 'cpu', 'images', '--session', join('no', 'dir', 's.zip')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^srop: no\/dir\/s\.zip: cannot write the session file \(the folder no\/dir does not exist\)$/m);
    expect(run.stderr).not.toContain('feature map');

    const usage: Array<[string[], string]> = [
      [['awk.npy', '--session'], 'srop: --session needs a path'],
      [['awk.npy', '--session', 's.zip', '--session-max-mb', '-1'], 'srop: --session-max-mb must be a number of megabytes, 0 or more, not "-1"'],
      [['awk.npy', '--session', 's.zip', '--session-max-mb', 'lots'], 'srop: --session-max-mb must be a number of megabytes, 0 or more, not "lots"'],
      [['awk.npy', '--session-max-mb', '5'], 'srop: --session-max-mb goes with --session <path>'],
      [['awk.npy', '--session', 'x.zip', '--out', 'x.zip'], 'srop: --session and --out name the same file (x.zip)'],
      [['run', '--model', demo, 'images', '--shard', '0/2', '--session', 's.zip'], 'srop: --session does not go with --shard: '],
      [['merge', 'part0.json', '--session', 's.zip'], 'srop: merge: --session does not apply to merge: '],
    ];
    for (const [args, message] of usage) {
      const r = srop(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage:');
    }
    expect(existsSync(join(dir, 's.zip'))).toBe(false);
  }, 300_000);
});

describe('srop run --session', () => {
  const images = ['images/digit3.png', 'images/digit7.png'];

  it('writes pane A as one file of kind "profiles", named as the page names a model\'s maps on a set, whose profiles give the run\'s CSV', () => {
    const plain = srop(['run', '--model', demo, '--backend', 'cpu', ...images]);
    const r = srop(['run', '--model', demo, '--backend', 'cpu', ...images, '--session', 'run.srop.zip']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const { doc, about } = readSession('run.srop.zip');
    expect(doc.writer).toBe('srop run');
    expect(doc.params).toEqual(DEFAULT_PARAMS);
    expect([doc.engineChoice, doc.model, doc.lab]).toEqual([null, null, null]);
    expect(about).toMatchObject({ command: 'srop run', backend: 'cpu', images: images.map((path, input) => ({ input, path })), failed: [] });
    expect(doc.panes.B.files).toEqual([]);
    const [file] = doc.panes.A.files;
    expect(doc.panes.A.files).toHaveLength(1);
    expect(file.name).toBe(`demo_step12000.onnx on ${setName(images)}`);
    expect(file.name).toBe('demo_step12000.onnx on images/: 2 images');
    expect([file.kind, file.blob, file.leftOut, file.origin]).toEqual(['profiles', null, undefined, 'user']);

    // Every map of the CSV (image by image) from the joined profiles: same layers, in order, same values.
    const rows = plain.stdout.trim().split('\n').slice(1);
    const layerNames = [...new Set(rows.map((row) => row.split(',')[0]))];
    expect(file.layers.map((l) => l.name)).toEqual(layerNames);
    const fromProfiles = new Map<string, string>();
    for (const layer of file.layers) {
      expect(layer).toMatchObject({ status: 'done', error: null, file: file.name, dtype: 'float32', inputNames: images });
      expect(layer.shape[0]).toBe(2);
      expect(layer.storedShape[0]).toBe(2);
      const result = layerResult(layer, layer.profiles!, doc.params);
      for (const line of mapsCsvRows({ ...result, file: 'demo_step12000.onnx' }).trim().split('\n')) {
        const [name, input, channel] = line.split(',');
        fromProfiles.set(`${name},${input},${channel}`, line);
      }
    }
    expect(fromProfiles.size).toBe(rows.length);
    for (const row of rows) expect(fromProfiles.get(row.split(',').slice(0, 3).join(','))).toBe(row);
  }, 300_000);

  it('with --b, B is pane B of kind "profiles" over the images measured; an image that could not be read is a message of its pane', () => {
    const r = srop(['run', '--model', demo, '--backend', 'cpu', ...images, '--b', 'images/digit8.png', 'images/broken.png', '--session', 'runb.srop.zip']);
    expect(r.code, r.stderr).toBe(2);
    const { doc } = readSession('runb.srop.zip');
    const a = doc.panes.A.files[0];
    const b = doc.panes.B.files[0];
    expect([a.kind, b.kind]).toEqual(['profiles', 'profiles']);
    expect(b.name).toBe('demo_step12000.onnx on images/digit8.png');
    expect(doc.panes.B.errors).toEqual([expect.stringMatching(/^images\/broken\.png: the PNG could not be decoded/)]);
    expect(doc.panes.A.errors).toEqual([]);
    expect(b.layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
    for (const layer of b.layers) {
      expect(layer.shape[0]).toBe(1);
      expect(layer.inputNames).toEqual(['images/digit8.png']);
    }
    // A's profiles are the run's without --b (the same images on the same engine).
    const alone = readSession('run.srop.zip').doc.panes.A.files[0];
    expect(csvFromProfiles([a], DEFAULT_PARAMS)).toBe(csvFromProfiles([alone], DEFAULT_PARAMS));
    // B's, the run of its one image alone.
    const bAlone = srop(['run', '--model', demo, '--backend', 'cpu', 'images/digit8.png']);
    expect(csvFromProfiles([{ ...b, layers: b.layers.map((l) => ({ ...l, file: 'demo_step12000.onnx' })) }], DEFAULT_PARAMS)).toBe(bAlone.stdout);
  }, 300_000);
});
