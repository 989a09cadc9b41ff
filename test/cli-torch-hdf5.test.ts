// The `srop` command (the built bundle, as a process) on torch.save and HDF5 files: the same rows
// as for the same arrays in .npz (each fixture's twin), and every map against the numpy
// reference's SROP computed by tools/make_torch_hdf5_fixtures.py; `srop compare` across formats;
// bad files one line each on stderr, the rest still done.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'srop.mjs');
const dir = join(root, 'test', 'fixtures', 'torch_hdf5');

interface Ref { srop: number | null; ring: number | null; energy: number | null; status: string }
const expected: Record<string, Array<{ name: string; shape: number[]; reference: Ref[] }>> = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const good = Object.keys(expected).filter((f) => !f.startsWith('bad_'));

function srop(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trim().split('\n');
  const keys = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i], v])));
}

beforeAll(() => {
  expect(existsSync(join(root, 'dist-cli', 'srop.mjs')), 'run `npm run build:cli` first').toBe(true);
});

describe('srop on .pt and .h5 files', () => {
  for (const file of good) {
    it(`${file}: the rows of its .npz twin, and the numpy reference for every map`, () => {
      const out = srop(['--backend', 'cpu', file]);
      expect(out.code, out.stderr).toBe(0);
      const twin = srop(['--backend', 'cpu', `${file}.npz`]);
      expect(twin.code, twin.stderr).toBe(0);
      // The same rows but for the file column, which names each file.
      const withoutFile = (text: string, name: string) => text.split('\n').map((line, i) => {
        if (i === 0 || line === '') return line;
        expect(line.endsWith(`,${name}`), line).toBe(true);
        return line.slice(0, -name.length);
      }).join('\n');
      expect(withoutFile(out.stdout, file)).toBe(withoutFile(twin.stdout, `${file}.npz`));
      const rows = parseCsv(out.stdout);
      let row = 0;
      for (const layer of expected[file]) {
        for (const [m, ref] of layer.reference.entries()) {
          const r = rows[row++];
          const what = `${file} ${layer.name} map ${m}`;
          expect(r.layer, what).toBe(layer.name);
          expect(r.status, what).toBe(ref.status);
          if (ref.srop === null) expect(r.srop, what).toBe('');
          else {
            expect(Math.abs(Number(r.srop) - ref.srop), what).toBeLessThanOrEqual(1e-9 * Math.max(1, ref.srop));
            expect(Number(r.ring), what).toBe(ref.ring);
            expect(Math.abs(Number(r.energy) - ref.energy!), what).toBeLessThanOrEqual(1e-9 * Math.max(1, ref.energy!));
          }
        }
      }
      expect(rows.length).toBe(row);
    });
  }

  it('srop compare across formats: a .pt against its .npz twin differs nowhere; an .h5 against its twin likewise', () => {
    for (const [a, b] of [['hooks.pt', 'hooks.pt.npz'], ['acts.h5.npz', 'acts.h5']]) {
      const out = srop(['compare', '--backend', 'cpu', a, b]);
      expect(out.code, out.stderr).toBe(0);
      const rows = parseCsv(out.stdout);
      const file = a.endsWith('.npz') ? b : a;
      expect(rows.map((r) => r.layer)).toEqual(expected[file].map((l) => l.name));
      for (const r of rows) {
        expect(r.median_a).toBe(r.median_b);
        expect(Number(r.wasserstein)).toBe(0);
        expect(Number(r.share_rising)).toBe(0);
      }
    }
  });

  it('bad files: one line per bad entry or file, naming it once; the good entries and files still done; exit 2', () => {
    const out = srop(['--backend', 'cpu', 'bad_mixed.pt', 'single.pt', 'bad_legacy.pt', 'bad_mixed.h5', 'bad_not_hdf5.h5', 'bad_chunk.h5']);
    expect(out.code).toBe(2);
    const problems = out.stderr.split('\n').filter((l) => l.startsWith('srop: ') && !/: layout |srop: backend /.test(l));
    expect(problems).toEqual([
      "srop: bad_mixed.pt: entry layer3: global 'numpy.core.multiarray._reconstruct' is not allowed",
      'srop: bad_mixed.pt: entry five: shape (1, 2, 2, 3, 3) has 5 axes; a feature map needs 1 to 4',
      'srop: bad_mixed.pt: entry cplx: dtype complex64 is not a real number type',
      "srop: bad_mixed.pt: entry sub: tensor subclass '__main__.Subclassed' is not supported",
      'srop: bad_mixed.pt: entry epoch: an int, not a tensor',
      'srop: bad_legacy.pt: a legacy torch.save file (before PyTorch 1.6, or _use_new_zipfile_serialization=False) is not supported; save it again with torch.save in PyTorch 1.6 or later',
      'srop: bad_mixed.h5: dataset /five: shape (1, 2, 2, 3, 3) has 5 axes; a feature map needs 1 to 4',
      'srop: bad_mixed.h5: dataset /cplx: dtype complex64 is not a real number type',
      'srop: bad_mixed.h5: dataset /flags: dtype bool (an HDF5 enum) is not a real number type',
      'srop: bad_mixed.h5: dataset /record: a compound dtype (fields x, y) is not supported',
      'srop: bad_mixed.h5: dataset /text: a string dtype, not numbers',
      'srop: bad_mixed.h5: dataset /zero: shape (2, 0, 3) has a zero-sized axis; there are no maps to read',
      'srop: bad_not_hdf5.h5: not an HDF5 file (no HDF5 signature; first bytes 74 68 65 73 65 20 61 72)',
      'srop: bad_chunk.h5: dataset /x: reading maps 0..3 failed (HDF5 could not read the slice: filter returned failure during read)',
    ]);
    expect(out.stderr).not.toMatch(/HDF5-DIAG|\n\s+at /); // HDF5's own error stack is not printed, nor a stack trace
    const rows = parseCsv(out.stdout);
    const runs = rows.map((r) => r.layer).filter((name, i, all) => i === 0 || all[i - 1] !== name);
    expect(runs).toEqual(['good', 'other', 'single', 'good', 'other']);
  });
});
