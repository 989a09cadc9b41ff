// `srop run` and `srop merge` end to end: the built command run as processes on the demo model
// over image files made here (PNG at the model's size and at an awkward size, a JPEG, a damaged
// PNG), checked against the page's own pipeline (ModelStore, onnxruntime-web's WASM backend, the
// CPU engine) image by image; shards run as parallel processes and merged equal the whole run byte
// for byte; --b's comparison equals the comparison statistics of the two sets' results.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageBytes } from '../src/io/imageNode';
import { compareSrops } from '../src/analysis/compare';
import { compareCsvHeader } from '../src/analysis/format';
import type { RunJson } from '../src/cli/runResult';
import { CpuEngine } from '../src/engine/cpuEngine';
import { ModelStore } from '../src/session/modelStore';
import { Workspace } from '../src/session/workspace';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'srop.mjs');
const demo = join(root, 'public', 'demo', 'demo_step12000.onnx');
const otherDemo = join(root, 'public', 'demo', 'demo_step0000.onnx');
const samples = join(root, 'public', 'samples');

const fileOf = (path: string) => ({ name: path.split('/').at(-1)!, blob: new Blob([readFileSync(path)]) });

/** The page's stores, as src/session/session.ts wires them, on the CPU engine. */
function pageStores(): { workspace: Workspace; model: ModelStore } {
  const engine = new CpuEngine();
  const workspace = new Workspace(() => engine);
  return { workspace, model: new ModelStore(workspace, () => false) };
}

let dir = '';
let images = '';

function srop(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sropAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trim().split('\n');
  const keys = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i], v])));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'srop-run-'));
  images = join(dir, 'images');
  mkdirSync(join(images, 'more'), { recursive: true });
  for (const f of readdirSync(samples)) copyFileSync(join(samples, f), join(images, f));
  // An RGB PNG of an awkward size (resized to 28 x 28, greyed by luma): a colour ramp over digit 3.
  const digit = decodeImageBytes(readFileSync(join(samples, 'digit3.png')));
  const png = new PNG({ width: 37, height: 45 });
  for (let y = 0; y < 45; y++) {
    for (let x = 0; x < 37; x++) {
      const s = digit.data[(Math.min(27, Math.floor((y * 28) / 45)) * 28 + Math.min(27, Math.floor((x * 28) / 37))) * 4];
      png.data.set([s, (x * 7) % 256, (y * 5) % 256, 255], (y * 37 + x) * 4);
    }
  }
  writeFileSync(join(images, 'more', 'ramp_37x45.png'), PNG.sync.write(png));
  // A JPEG of digit 7 (in a sub-directory: directories are walked).
  const seven = decodeImageBytes(readFileSync(join(samples, 'digit7.png')));
  writeFileSync(join(images, 'more', 'seven.jpg'), jpeg.encode({ width: 28, height: 28, data: Buffer.from(seven.data) }, 90).data);
  // A PNG cut short, and a file that is not an image (not listed: not .png/.jpg).
  writeFileSync(join(images, 'broken.png'), readFileSync(join(samples, 'digit5.png')).subarray(0, 60));
  writeFileSync(join(images, 'notes.txt'), 'not an image');
}, 60_000);

/** The images in the command's order (sorted paths), as the test wrote them. */
function sortedImages(): string[] {
  const all = [...readdirSync(images).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => join('images', f)), ...readdirSync(join(images, 'more')).map((f) => join('images', 'more', f))];
  return all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('srop run', () => {
  it('measures every image as the page does; a damaged image is one line and exit 2, the rest measured', async () => {
    const r = srop(['run', '--model', demo, '--backend', 'cpu', 'images']);
    expect(r.code, r.stderr).toBe(2);
    const badLines = r.stderr.split('\n').filter((l) => l.includes('broken.png'));
    expect(badLines).toEqual([expect.stringMatching(/^srop: images\/broken\.png: the PNG could not be decoded \(.+\)$/)]);
    expect(r.stderr).toMatch(/srop: 13\/13 images in [\d.]+ s \([\d.]+ images\/s\)/);
    const rows = parseCsv(r.stdout);
    const list = sortedImages();
    expect(list).toHaveLength(13);
    const brokenIndex = list.indexOf(join('images', 'broken.png'));
    const inputs = [...new Set(rows.map((row) => Number(row.input)))];
    expect(inputs).toEqual(list.map((_, i) => i).filter((i) => i !== brokenIndex));

    // The page: the same model in the ModelStore, each image set on A, its results from the workspace.
    const { model, workspace } = pageStores();
    expect(await model.loadModel([fileOf(demo)])).toBe(true);
    const layers = model.state.selected;
    expect([...new Set(rows.map((row) => row.layer))]).toEqual(layers);
    let compared = 0;
    for (const input of inputs) {
      const image = decodeImageBytes(readFileSync(join(dir, list[input])));
      model.setImage('A', list[input], image);
      await model.settled();
      await workspace.idle();
      const results = workspace.results('A');
      expect(results.map((res) => res.name)).toEqual(layers);
      for (const res of results) {
        const mine = rows.filter((row) => Number(row.input) === input && row.layer === res.name);
        expect(mine).toHaveLength(res.maps);
        for (let m = 0; m < res.maps; m++) {
          const row = mine[m];
          expect(Number(row.channel)).toBe(m);
          expect(`${row.height}x${row.width}`).toBe(`${res.shape[2]}x${res.shape[3]}`);
          expect(row.status, `${list[input]} ${res.name} channel ${m}`).toBe(['ok', 'dead', 'nonfinite'][res.status[m]]);
          if (row.status === 'ok') {
            // Two runtimes (onnxruntime-node native, onnxruntime-web WASM): float32 round-off only.
            expect(Math.abs(Number(row.srop) - res.srop[m]), `${list[input]} ${res.name} channel ${m}`).toBeLessThan(1e-5);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  }, 300_000);

  it('--outputs chooses the feature maps by a regular expression; one that matches none is refused with the names', () => {
    const r = srop(['run', '--model', demo, '--backend', 'cpu', '--outputs', 'Relu_[13]_', '--format', 'json', join('images', 'digit0.png')]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as RunJson;
    expect(json.layers.map((l) => l.name)).toEqual(['/Relu_1_output_0', '/Relu_3_output_0']);
    expect(json.images).toEqual([{ input: 0, path: join('images', 'digit0.png') }]);
    const none = srop(['run', '--model', demo, '--outputs', '^nothing$', 'images']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^srop: demo_step12000\.onnx: no 4-D float tensor matches --outputs \^nothing\$ \(the model has \d+: .*\/Relu_output_0/m);
  });

  it('refuses bad options with the reason and the usage', () => {
    for (const [args, message] of [
      [['run', 'images'], 'run needs --model <m.onnx>'],
      [['run', '--model', demo], 'run needs images or directories'],
      [['run', '--model', demo, '--shard', '3/3', 'images'], '--shard takes K/N with 0 <= K < N'],
      [['run', '--model', demo, '--mean', '0.1,0.2', 'images'], '--mean: mean needs one value, or one per channel (1); got 2'],
      [['run', '--model', demo, '--size', '0x4', 'images'], '--size takes <H>x<W> or <S>'],
      [['run', '--model', demo, 'images', '--b'], '--b needs images or directories after it'],
      [['run', '--model', demo, '--shard', '0/2', 'images', '--b', 'images'], '--shard does not go with --b'],
    ] as const) {
      const r = srop([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`srop: ${message}`);
      expect(r.stderr).toContain('Usage:');
    }
    const missing = srop(['run', '--model', join(dir, 'nope.onnx'), 'images']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.onnx: cannot read the model \(ENOENT\)/);
  });

  it('--b writes the comparison of the two sets: the statistics of the two sets\' SROPs', () => {
    mkdirSync(join(dir, 'setA'), { recursive: true });
    mkdirSync(join(dir, 'setB'), { recursive: true });
    for (let d = 0; d < 10; d++) copyFileSync(join(samples, `digit${d}.png`), join(dir, d < 4 ? 'setA' : 'setB', `digit${d}.png`));
    const cmp = srop(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', 'setA', '--b', 'setB']);
    expect(cmp.code, cmp.stderr).toBe(0);
    const csv = srop(['run', '--model', demo, '--backend', 'cpu', 'setA', '--b', 'setB']);
    expect(csv.stdout.split('\n')[0]).toBe(compareCsvHeader);
    const a = JSON.parse(srop(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', 'setA']).stdout) as RunJson;
    const b = JSON.parse(srop(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', 'setB']).stdout) as RunJson;
    const side = (l: RunJson['layers'][number]) => ({ inputs: l.shape[0], channels: l.shape[1], srop: Float64Array.from(l.srop.flat(), (v) => v ?? NaN) });
    const json = JSON.parse(cmp.stdout);
    expect(json.files).toEqual({ a: 'setA', b: 'setB' });
    expect(json.images.a.map((i: { path: string }) => i.path)).toEqual(['setA/digit0.png', 'setA/digit1.png', 'setA/digit2.png', 'setA/digit3.png']);
    expect(json.layers).toHaveLength(a.layers.length);
    a.layers.forEach((la, k) => {
      const { pairing, pairs, ...expected } = compareSrops(side(la), side(b.layers[k]));
      expect(json.layers[k]).toMatchObject({ layer: la.name, ...expected, pairing, pairs });
      expect(pairing).toBe('channel-means');
    });
    const rows = parseCsv(csv.stdout);
    expect(rows.map((row) => row.layer)).toEqual(a.layers.map((l) => l.name));
  });
});

describe('srop run --shard and srop merge', () => {
  it('shards run as parallel processes merge into the whole run, byte for byte', async () => {
    const whole = srop(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', '--out', 'whole.json', 'images']);
    expect(whole.code).toBe(2); // the damaged PNG
    const shards = await Promise.all([0, 1, 2, 3].map((k) => sropAsync(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', '--shard', `${k}/4`, '--out', `part${k}.json`, 'images'])));
    shards.forEach((s, k) => expect(s.stderr).toContain(`srop: shard ${k}/4: images ${Math.floor((k * 13) / 4)} to ${Math.floor(((k + 1) * 13) / 4) - 1} of 13`));
    const parts = [0, 1, 2, 3].map((k) => JSON.parse(readFileSync(join(dir, `part${k}.json`), 'utf8')) as RunJson);
    expect(parts.map((p) => p.images.length + p.failed.length)).toEqual([3, 3, 3, 4]);
    expect(parts.every((p) => p.shard && p.run.inputs.length === 13)).toBe(true);
    const merged = srop(['merge', 'part3.json', 'part1.json', 'part0.json', 'part2.json', '--out', 'all.json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toContain('srop: merged 4 shards: 12 images, 1 failed, 5 layers');
    expect(readFileSync(join(dir, 'all.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const all = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as RunJson;
    expect(all.failed).toEqual([{ input: sortedImages().indexOf(join('images', 'broken.png')), path: join('images', 'broken.png'), reason: expect.stringMatching(/^the PNG could not be decoded/) }]);
    expect('shard' in all).toBe(false);
  }, 300_000);

  it('refuses parts that are not of one run: a shard missing or given twice, another model, other parameters, a whole run', async () => {
    const run = (extra: string[], out: string) => srop(['run', '--model', demo, '--backend', 'cpu', '--format', 'json', ...extra, '--out', out, 'images']);
    run(['--shard', '0/2'], 's0.json');
    run(['--shard', '1/2'], 's1.json');
    srop(['run', '--model', otherDemo, '--backend', 'cpu', '--format', 'json', '--shard', '1/2', '--out', 'other1.json', 'images']);
    run(['--shard', '1/2', '--kappa', '0.9'], 'kappa1.json');
    run(['--shard', '1/3'], 'three1.json');
    writeFileSync(join(dir, 'cut.json'), readFileSync(join(dir, 's1.json'), 'utf8').slice(0, 100));
    const cases: Array<[string[], RegExp]> = [
      [['s0.json'], /^srop: shard 1\/2 missing \(given: 0\)$/m],
      [['s0.json', 's1.json', 's1.json'], /^srop: s1\.json: shard 1\/2 is given twice \(also s1\.json\)$/m],
      [['s0.json', 'other1.json'], /^srop: other1\.json: not of the same run as s0\.json: another model \(demo_step0000\.onnx, SHA-256 [0-9a-f]{12}\.\.\. against demo_step12000\.onnx/m],
      [['s0.json', 'kappa1.json'], /^srop: kappa1\.json: not of the same run as s0\.json: other parameters \(.*"kappa":0\.9/m],
      [['s0.json', 'three1.json'], /^srop: three1\.json: not of the same run as s0\.json: shard 1\/3, not one of 2$/m],
      [['s0.json', 'whole.json'], /^srop: whole\.json: not a partial result \(no "shard": it is a whole run, written without --shard\)$/m],
      [['s0.json', 'cut.json'], /^srop: cut\.json: not JSON \(/m],
      [['s0.json', 'gone.json'], /^srop: gone\.json: cannot read it \(ENOENT\)$/m],
    ];
    for (const [args, message] of cases) {
      const r = srop(['merge', ...args, '--out', 'bad.json']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 300_000);
});
