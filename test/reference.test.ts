// The numpy reference as a command (spec/srop_ref.py, spec/SROP.md sections 7 and 9): it reads the
// layout it is told, refuses to guess one, and gives the committed fixtures' SROPs. Needs python3
// with numpy: fails without it, unless SROP_SKIP_NUMPY=1 (test/helpers/prerequisites.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, readJson, type SropFixtures } from './fixtures/srop/fixtures';
import { requireNumpy, skipping } from './helpers/prerequisites';

const root = join(import.meta.dirname, '..');
const reference = join(root, 'spec', 'srop_ref.py');
const skip = skipping('numpy');
const fixtures = readJson<SropFixtures>('srop.json');
let dir = '';

interface RefRow { layer: string; input: number; channel: number; height: number; width: number; srop: number | null; ring: number | null; status: string }

function run(args: string[]) {
  const r = spawnSync('python3', [reference, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, rows: (): RefRow[] => r.stdout.trim().split('\n').map((l) => JSON.parse(l)) };
}

describe.skipIf(skip)(`spec/srop_ref.py as a command${skip ? ' [skipped: SROP_SKIP_NUMPY=1]' : ''}`, () => {
  beforeAll(() => {
    requireNumpy();
    dir = mkdtempSync(join(tmpdir(), 'srop-ref-'));
    // 13 x 17 fixture maps [K, H, W] as one input, channels first and channels last
    execFileSync('python3', ['-c', [
      'import numpy as np',
      `m = np.load(${JSON.stringify(join(FIXTURE_DIR, 'maps_13x17.npy'))})`,
      "np.save('nchw.npy', m[None])",
      "np.savez('both.npz', first=m[None], last=np.transpose(m[None], (0, 2, 3, 1)).copy())",
      "np.save('nhwc.npy', np.transpose(m[None], (0, 2, 3, 1)).copy())",
      "np.save('one.npy', m[0])",
    ].join('\n')], { cwd: dir });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a 3-D or 4-D array without --layout, naming the file and the layer', () => {
    const out = run(['nchw.npy']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/nchw\.npy: layer nchw is 4-D \(1, 6, 13, 17\): give --layout nchw or --layout nhwc/);
  });

  it('reads NCHW and NHWC as told, with the fixtures’ SROPs (default parameters)', () => {
    const p = fixtures.params.findIndex((q) => q.kappa === 0.85 && q.dc === 'keep' && q.domain === 'disc' && q.interpolate);
    const want = fixtures.maps.filter((m) => m.file === 'maps_13x17.npy').sort((a, b) => a.index - b.index);
    const first = run(['--layout', 'nchw', 'nchw.npy']);
    const last = run(['--layout', 'nhwc', 'nhwc.npy']);
    expect(first.code, first.stderr).toBe(0);
    expect(last.code, last.stderr).toBe(0);
    for (const rows of [first.rows(), last.rows()]) {
      expect(rows.length).toBe(want.length);
      rows.forEach((row, c) => {
        expect(row).toMatchObject({ input: 0, channel: c, height: 13, width: 17, status: want[c].results[p][3] });
        expect(row.srop).toBe(want[c].results[p][0]);
        expect(row.ring).toBe(want[c].results[p][1]);
      });
    }
    // the same maps as members of one .npz, one layer each
    const both = run(['--layout', 'nchw', 'both.npz']).rows();
    expect(both.filter((r) => r.layer === 'first').map((r) => r.srop)).toEqual(first.rows().map((r) => r.srop));
    // the channels-last member read as nchw is another array: 13 channels of 17 x 6
    expect(both.filter((r) => r.layer === 'last').map((r) => [r.height, r.width])[0]).toEqual([17, 6]);
  });

  it('takes a 2-D array as one map without a layout, and the parameters as options', () => {
    const p = fixtures.params.findIndex((q) => q.kappa === 0.5 && q.dc === 'remove' && q.domain === 'full' && !q.interpolate);
    const want = fixtures.maps.find((m) => m.file === 'maps_13x17.npy' && m.index === 0)!;
    const out = run(['--kappa', '0.5', '--dc', 'remove', '--domain', 'full', '--no-interpolate', 'one.npy']);
    expect(out.code, out.stderr).toBe(0);
    const [row] = out.rows();
    expect(row).toMatchObject({ layer: 'one', input: 0, channel: 0, srop: want.results[p][0], ring: want.results[p][1] });
    expect(run(['--kappa', '1', 'one.npy']).stderr).toMatch(/--kappa must lie strictly between 0 and 1/);
  });
});
