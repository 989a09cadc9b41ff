// The `srop` command end to end: the built bundle run as a process, on files numpy writes afresh
// for every run (a random seed), checked against the numpy reference (spec/srop_ref.py, spec/SROP.md).
// Needs python3 with numpy, and a WebGPU adapter through Dawn for its GPU cases (SwiftShader where
// there is no GPU): without them these tests fail, unless SROP_SKIP_NUMPY=1 / SROP_SKIP_GPU=1 is set.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeAdapter } from '../src/cli/nodeGpu';
import { adapterIsFallback, adapterName } from '../src/engine/host';
import { orSkip, requireNumpy, requireScipy, skipping } from './helpers/prerequisites';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'srop.mjs');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface RefMap { srop: number | null; ring: number | null; energy: number | null; status: string }
interface Expected {
  params: Array<{ kappa: number; dc: string; domain: string; interpolate: boolean }>;
  files: Record<string, Record<string, RefMap[][]>>;
  compare: Record<string, Record<string, number>>;
}

let dir = '';
let expected: Expected;
const seed = Math.floor(Math.random() * 1e9);
const skipNumpy = skipping('numpy');
const skipGpu = skipping('gpu');
const gpuNote = skipGpu ? ' [skipped: SROP_SKIP_GPU=1]' : '';

function srop(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trim().split('\n');
  const keys = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i], v])));
}

function paramArgs(p: Expected['params'][number]): string[] {
  return ['--kappa', String(p.kappa), '--dc', p.dc, '--domain', p.domain, ...(p.interpolate ? [] : ['--no-interpolate'])];
}

/** Every row against the reference: same status and ring, SROP and energy within `tolerance` (relative). */
function checkRows(rows: Record<string, string>[], file: string, layers: string[], paramIndex: number, tolerance: number, ringsExact: boolean) {
  let row = 0;
  for (const name of layers) {
    const ref = expected.files[file][name][paramIndex];
    for (const mapRef of ref) {
      const r = rows[row++];
      expect(r.layer).toBe(name);
      expect(r.status, `${file} ${name} map ${row}`).toBe(mapRef.status);
      if (mapRef.srop === null) {
        expect(r.srop).toBe('');
        expect(r.ring).toBe('');
      } else {
        expect(Math.abs(Number(r.srop) - mapRef.srop)).toBeLessThanOrEqual(tolerance * Math.max(1, mapRef.srop));
        if (ringsExact) expect(Number(r.ring)).toBe(mapRef.ring);
        else expect(Math.abs(Number(r.ring) - mapRef.ring!)).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(r.energy) - mapRef.energy!)).toBeLessThanOrEqual(Math.max(tolerance, 1e-5) * mapRef.energy!);
      }
    }
  }
  expect(rows.length).toBe(row);
}

beforeAll(() => {
  if (skipNumpy) return;
  expect(existsSync(join(root, 'dist-cli', 'srop.mjs')), 'run `npm run build:cli` first').toBe(true);
  requireNumpy();
  dir = mkdtempSync(join(tmpdir(), 'srop-cli-'));
  execFileSync('python3', [join(root, 'test', 'helpers', 'make_unseen.py'), dir, String(seed)]);
  expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
});

describe.skipIf(skipNumpy)(`srop on unseen maps (numpy seed ${seed})${skipNumpy ? ' [skipped: SROP_SKIP_NUMPY=1]' : ''}`, () => {
  it('CPU backend: every map equals the numpy reference, for each parameter set', () => {
    for (const [i, p] of expected.params.entries()) {
      const out = srop(['--backend', 'cpu', ...paramArgs(p), 'a.npz', 'c.npy']);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain('srop: backend cpu');
      const rows = parseCsv(out.stdout);
      expect(Object.keys(rows[0])).toEqual(['layer', 'input', 'channel', 'height', 'width', 'srop', 'ring', 'energy', 'status', 'file']);
      // Each row names its file: the same layer name in two files stays distinguishable.
      expect(rows.slice(0, 11).every((r) => r.file === 'a.npz')).toBe(true);
      expect(rows.slice(11).every((r) => r.file === 'c.npy')).toBe(true);
      // One layout line per file (a.npz has two layers), no native-library noise.
      const layoutLines = out.stderr.split('\n').filter((l) => /: layout /.test(l));
      expect(layoutLines).toHaveLength(2);
      expect(layoutLines[0]).toMatch(/^srop: a\.npz: layout nchw for 2 layers \(conv1: .*--verbose for every layer\)$/);
      expect(out.stderr).not.toMatch(/XDG_RUNTIME_DIR/);
      checkRows(rows.slice(0, 2 * 3 + 5), 'a.npz', ['conv1', 'block.relu'], i, 1e-9, true);
      checkRows(rows.slice(11), 'c.npy', ['c'], i, 1e-9, true);
      // input and channel are 0-based, in N-major order
      expect(rows.slice(0, 6).map((r) => `${r.input}/${r.channel}/${r.height}/${r.width}`)).toEqual(['0/0/13/17', '0/1/13/17', '0/2/13/17', '1/0/13/17', '1/1/13/17', '1/2/13/17']);
    }
  });

  it('--threads: the same output, byte for byte, on the command\'s own thread and on 1 or 3 worker threads beside it', () => {
    const outputs = ['0', '1', '3'].map((n) => {
      const out = srop(['--backend', 'cpu', '--threads', n, '--format', 'json', 'a.npz', 'c.npy']);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain(n === '0' ? '(on the main thread)' : `(${n} worker thread${n === '1' ? '' : 's'} and the main thread)`);
      return out.stdout;
    });
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
  });

  it.skipIf(skipGpu)(`GPU backend (forced) agrees with the reference within 1e-3${gpuNote}`, () => {
    const out = srop(['--backend', 'gpu', 'a.npz', 'c.npy']);
    expect(out.code, out.stderr).toBe(0);
    // Without any adapter the command runs the CPU engine with a warning: this test then fails.
    expect(out.stderr, `the GPU engine needs a WebGPU adapter through Dawn (install chromium for SwiftShader, and libvulkan1), ${orSkip('gpu')}`)
      .toMatch(/srop: backend gpu: GPU engine on .+, as asked/);
    const rows = parseCsv(out.stdout);
    checkRows(rows.slice(0, 11), 'a.npz', ['conv1', 'block.relu'], 0, 1e-3, false);
    checkRows(rows.slice(11), 'c.npy', ['c'], 0, 1e-3, false);
  });

  it.skipIf(skipGpu)(`auto picks the CPU engine when the only adapter is a software one (SwiftShader), and says so${gpuNote}`, () => {
    expect(existsSync(SWIFTSHADER), `Chromium's SwiftShader driver (${SWIFTSHADER}) is needed here: install chromium, ${orSkip('gpu')}`).toBe(true);
    const out = srop(['c.npy'], { VK_ICD_FILENAMES: SWIFTSHADER });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/srop: backend cpu: CPU engine: the only adapter, .*SwiftShader.*, is a software one/i);
  });

  it('auto follows the rule on the adapter this machine offers: GPU engine on hardware, CPU engine on a software adapter or none', async () => {
    // The adapter the command will find (the same search, without SwiftShader as a last resort)
    const found = await nodeAdapter(false);
    const out = srop(['--format', 'json', 'c.npy']);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    if (!('adapter' in found)) {
      expect(json.backend).toBe('cpu');
      expect(out.stderr).toMatch(/srop: backend cpu: CPU engine: (no WebGPU adapter|WebGPU for Node)/);
    } else if (adapterIsFallback(found.adapter)) {
      expect(json.backend).toBe('cpu');
      expect(out.stderr).toContain(`srop: backend cpu: CPU engine: the only adapter, ${adapterName(found.adapter)}, is a software one`);
    } else {
      expect(json.backend).toBe('gpu');
      expect(json.adapter).toBe(adapterName(found.adapter));
      expect(out.stderr).toContain(`srop: backend gpu: GPU engine on ${adapterName(found.adapter)}\n`);
    }
  });

  it('--verbose gives one layout line per layer, with its reason', () => {
    const out = srop(['--backend', 'cpu', '--verbose', 'a.npz']);
    expect(out.code, out.stderr).toBe(0);
    const layoutLines = out.stderr.split('\n').filter((l) => /: layout /.test(l));
    expect(layoutLines.map((l) => l.split(': ')[2])).toEqual(['conv1', 'block.relu']);
  });

  it('--backend auto and gpu: no native-library noise on stderr (XDG_RUNTIME_DIR, Dawn\'s adapter warnings), only srop: lines', () => {
    for (const backend of ['auto', 'gpu']) {
      // Without a Vulkan driver chosen, Dawn meets whatever this machine has (and may warn about it).
      const out = srop(['--backend', backend, 'c.npy'], { XDG_RUNTIME_DIR: '', VK_ICD_FILENAMES: '' });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).not.toMatch(/XDG_RUNTIME_DIR|While initializing|InitializeImpl/);
      expect(out.stderr.trim().split('\n').every((l) => l.startsWith('srop: ')), out.stderr).toBe(true);
      expect(out.stdout.split('\n')[0]).toBe('layer,input,channel,height,width,srop,ring,energy,status,file');
    }
    // A bad file still exits 2 through the launcher, its line kept.
    const bad = srop(['--backend', 'auto', 'missing.npy', 'c.npy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^srop: missing\.npy: /m);
  });

  it('JSON output has params, backend, adapter and per-layer srop/ring/status/summary', () => {
    const out = srop(['--backend', 'cpu', '--format', 'json', 'a.npz']);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.params).toEqual({ kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true });
    expect(json.app).toBe('SROP lab');
    expect(json.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(json.files).toEqual(['a.npz']);
    expect(json.backend).toBe('cpu');
    expect(json.adapter).toBeNull();
    expect(json.layers.map((l: { name: string }) => l.name)).toEqual(['conv1', 'block.relu']);
    const relu = json.layers[1];
    expect(relu.shape).toEqual([1, 5, 7, 7]);
    expect(relu.file).toBe('a.npz');
    expect(relu.status[0][1]).toBe('dead');
    expect(relu.status[0][2]).toBe('nonfinite');
    expect(relu.srop[0][1]).toBeNull();
    const ref = expected.files['a.npz']['block.relu'][0];
    expect(relu.srop[0][0]).toBeCloseTo(ref[0].srop!, 12);
    expect(relu.summary).toMatchObject({ count: 3, dead: 1, nonfinite: 1 });
    const values = ref.map((m) => m.srop).filter((v): v is number => v !== null).sort((x, y) => x - y);
    expect(relu.summary.median).toBeCloseTo(values[1], 12);
    expect(relu.summary.min).toBeCloseTo(values[0], 12);
    expect(relu.summary.max).toBeCloseTo(values[2], 12);
  });

  it('compare: per-layer statistics equal numpy’s, from the reference SROPs', () => {
    const out = srop(['compare', '--backend', 'cpu', 'a.npz', 'b.npz']);
    expect(out.code, out.stderr).toBe(0);
    const rows = parseCsv(out.stdout);
    expect(Object.keys(rows[0])).toEqual(['layer', 'channels', 'dead_a', 'dead_b', 'median_a', 'median_b', 'delta_median', 'wasserstein', 'ks', 'paired_median_delta', 'share_rising', 'inputs_a', 'inputs_b', 'test', 'input_median_delta', 'p_value', 'p_holm', 'tensor']);
    expect(rows.map((r) => r.layer)).toEqual(['conv1', 'block.relu']);
    // The files' layers have no other name: `tensor` (last, after the older columns) repeats `layer`.
    expect(rows.map((r) => r.tensor)).toEqual(['conv1', 'block.relu']);
    for (const r of rows) {
      const ref = expected.compare[r.layer];
      for (const key of ['median_a', 'median_b', 'delta_median', 'wasserstein', 'ks', 'paired_median_delta', 'share_rising'] as const) {
        expect(Number(r[key]), `${r.layer} ${key}`).toBeCloseTo(ref[key], 9);
      }
      expect(Number(r.dead_a)).toBe(ref.dead_a);
      expect(Number(r.dead_b)).toBe(ref.dead_b);
    }
    expect(rows[0].channels).toBe('3');
    const json = JSON.parse(srop(['compare', '--backend', 'cpu', '--format', 'json', 'a.npz', 'b.npz']).stdout);
    expect(json.layers[1].layer).toBe('block.relu');
    expect(json.layers[1].wasserstein).toBeCloseTo(expected.compare['block.relu'].wasserstein, 9);
  });

  it('compare: statistics across inputs (batch axis) equal scipy on the reference SROPs; paired, --unpaired, unequal sets, fewer than 3', () => {
    requireScipy();
    const sets = join(dir, 'sets');
    execFileSync('python3', [join(root, 'test', 'helpers', 'make_input_sets.py'), sets, String(seed)]);
    const want = JSON.parse(readFileSync(join(sets, 'expected.json'), 'utf8')) as Record<string, Record<string, Record<string, number | string | null>>>;
    const runs: Array<[string, string[]]> = [['a-b', ['a.npz', 'b.npz']], ['a-b-unpaired', ['--unpaired', 'a.npz', 'b.npz']], ['a-c', ['a.npz', 'c.npz']]];
    for (const [key, args] of runs) {
      const r = spawnSync(process.execPath, [bin, 'compare', '--backend', 'cpu', ...args], { cwd: sets, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      const rows = parseCsv(r.stdout);
      expect(rows.map((row) => row.layer)).toEqual(['conv1', 'conv2', 'relu3']);
      for (const row of rows) {
        const e = want[key][row.layer];
        const what = `${key} ${row.layer}`;
        expect(row.test, what).toBe(e.test);
        expect(Number(row.inputs_a), what).toBe(e.inputs_a);
        expect(Number(row.inputs_b), what).toBe(e.inputs_b);
        for (const field of ['input_median_delta', 'p_value', 'p_holm'] as const) {
          if (e[field] === null) expect(row[field], `${what} ${field}`).toBe('');
          else expect(Math.abs(Number(row[field]) - (e[field] as number)), `${what} ${field}: ${row[field]} vs ${e[field]}`).toBeLessThanOrEqual(1e-9);
        }
      }
      const json = JSON.parse(spawnSync(process.execPath, [bin, 'compare', '--backend', 'cpu', '--format', 'json', ...args], { cwd: sets, encoding: 'utf8', timeout: 300_000 }).stdout);
      expect(json.paired).toBe(!args.includes('--unpaired'));
      for (const layer of json.layers) {
        const e = want[key][layer.layer];
        expect(layer.test).toBe(e.test);
        expect(layer.test_method).toBe(e.test_method);
        if (e.p_value === null) expect(layer.p_value).toBeNull();
        else expect(Math.abs(layer.p_value - (e.p_value as number))).toBeLessThanOrEqual(1e-9);
        expect(layer.input_medians_a).toHaveLength(8);
        (e.medians_a as unknown as Array<number | null>).forEach((m, i) => {
          if (m === null) expect(layer.input_medians_a[i]).toBeNull();
          else expect(Math.abs(layer.input_medians_a[i] - m)).toBeLessThanOrEqual(1e-9);
        });
      }
    }
    // B blurred from A on conv1: every input's median falls, the paired test finds it; relu3 has 2 live inputs on A.
    expect(want['a-b'].conv1.test).toBe('wilcoxon');
    expect(want['a-b'].conv1.p_value).toBe(2 / 256);
    expect(want['a-b'].relu3.test).toBe('none');
    expect(want['a-c'].conv1.test).toBe('mann-whitney');
  });

  it('compare: batch sizes may differ (channel means paired); only channels or map size make a shape difference', () => {
    const fixtures = join(root, 'test', 'fixtures', 'visualiser');
    const out = srop(['compare', '--backend', 'cpu', join(fixtures, 'a.npz'), join(fixtures, 'b.npz')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/shapes differ/);
    expect(parseCsv(out.stdout).length).toBeGreaterThan(0);
    execFileSync('python3', ['-c', [
      'import numpy as np',
      "r = np.random.default_rng(3)",
      "np.savez('narrow.npz', conv1=r.random((2, 3, 8, 8), dtype=np.float32))",
      "np.savez('wide.npz', conv1=r.random((2, 3, 8, 9), dtype=np.float32))",
    ].join('\n')], { cwd: dir });
    const reshaped = srop(['compare', '--backend', 'cpu', 'narrow.npz', 'wide.npz']);
    expect(reshaped.stderr).toMatch(/layer conv1: shapes differ, A 2x3x8x8 and B 2x3x8x9/);
  });

  it('a bad file is one line on stderr, the others are still processed, exit 2', () => {
    const good = readFileSync(join(dir, 'c.npy'));
    writeFileSync(join(dir, 'broken.npy'), good.subarray(0, good.length - 10));
    writeFileSync(join(dir, 'notnumpy.npy'), 'hello, I am text');
    const out = srop(['--backend', 'cpu', 'broken.npy', 'c.npy', 'notnumpy.npy', 'missing.npz']);
    expect(out.code).toBe(2);
    const problems = out.stderr.split('\n').filter((l) => /^srop: (broken|notnumpy|missing)/.test(l));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^srop: broken\.npy: .+/);
    expect(out.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const rows = parseCsv(out.stdout);
    expect(rows.length).toBe(8); // c.npy is [1, 6, 6, 8] channels-last: 8 maps
    expect(rows.every((r) => r.layer === 'c')).toBe(true);
  });

  it.each(skipGpu ? ['cpu'] : ['cpu', 'gpu'])('a file that breaks mid-read (%s backend): one line naming the file and the member once, the other files still done, in order, exit 2', (backend) => {
    const bad = join(root, 'test', 'fixtures', 'readers', 'bad_deflate_data.npz');
    // Between good files: the GPU engine starts the next layer while one runs.
    const out = srop(['--backend', backend, 'c.npy', bad, 'a.npz']);
    expect(out.code).toBe(2);
    const problems = out.stderr.split('\n').filter((l) => l.startsWith('srop: ') && !/: layout |srop: backend /.test(l));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`srop: ${bad}: member cut.npy: the compressed data is corrupt or cut short`), problems[0]).toBe(true);
    expect(problems[0].split(bad).length - 1, 'the file is named once').toBe(1);
    expect(problems[0].split('cut').length - 1, 'the member is named once (and the reason says "cut short")').toBe(2);
    const rows = parseCsv(out.stdout);
    expect(rows.filter((r) => r.layer === 'c')).toHaveLength(8); // c.npy's rows
    expect(rows.filter((r) => r.layer === 'fine')).toHaveLength(2); // the archive's good member
    expect(rows.some((r) => r.layer === 'cut')).toBe(false);
    expect([...new Set(rows.map((r) => r.layer))]).toEqual(['c', 'fine', 'conv1', 'block.relu']);
  });

  it('--out writes the file; --layout nchw reads channels-last data as given', () => {
    const out = srop(['--backend', 'cpu', '--out', 'maps.csv', '--layout', 'nchw', 'c.npy']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    const rows = parseCsv(readFileSync(join(dir, 'maps.csv'), 'utf8'));
    expect(rows[0]).toMatchObject({ height: '6', width: '8' }); // [1,6,6,8] read as N,C,H,W
    expect(rows.length).toBe(6);
  });

  it('bad options: the usage and exit 2; --help documents every option', () => {
    for (const args of [['--kappa', '2', 'a.npz'], ['--backend', 'tpu', 'a.npz'], [], ['compare', 'a.npz']]) {
      const out = srop(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr).toContain('Usage:');
    }
    const help = srop(['--help']);
    expect(help.code).toBe(0);
    for (const option of ['--kappa', '--dc', '--domain', '--no-interpolate', '--unpaired', '--layout', '--backend', '--format', '--out', 'compare']) {
      expect(help.stdout).toContain(option);
    }
  });
});

