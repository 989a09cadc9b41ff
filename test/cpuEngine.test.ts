// The CPU engine plus the SROP step against the numpy reference (tools/make_fixtures.py ->
// spec/srop_ref.py, spec/SROP.md §2), for every fixture map and every parameter set.
//
// Stated tolerances: status and ring identical; SROP within 1e-9 relative; kept energy T within
// 1e-9 relative for maps with an SROP, and below 1e-9 of the whole spectrum's energy for dead maps
// (both sides then hold round-off only); ring-energy profiles within 1e-12 of T per ring.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine, PRIMING_SHAPES } from '../src/engine/cpuEngine';
import { fftPlan } from '../src/engine/fft64';
import { ringTable } from '../src/engine/ringTable';
import type { RingProfiles } from '../src/engine/types';
import type { Layer } from '../src/io/types';
import { memoryLayer } from '../src/testing/syntheticMaps';
import { keptRingEnergy, layerSrops, mapSrop } from '../src/analysis/srop';
import { FIXTURE_DIR, readJson, readNpy, type SropFixtures } from './fixtures/srop/fixtures';
import { requireNumpy, skipReason, skipping } from './helpers/prerequisites';

const fixtures = readJson<SropFixtures>('srop.json');
const files = [...new Set(fixtures.maps.map((m) => m.file))];
const engine = new CpuEngine();
const profilesOf = new Map<string, Promise<RingProfiles>>();

function profiles(file: string): Promise<RingProfiles> {
  let p = profilesOf.get(file);
  if (!p) {
    const { shape, data } = readNpy(file);
    const [count, h, w] = shape;
    p = engine.profileMaps(data, count, h, w);
    profilesOf.set(file, p);
  }
  return p;
}

function close(got: number, want: number, relative: number): boolean {
  return Math.abs(got - want) <= relative * Math.abs(want) + 1e-300;
}

describe('CPU engine + SROP vs the numpy reference', () => {
  it('covers every size and kind the brief asks for', () => {
    const sizes = new Set(fixtures.maps.map((m) => `${m.height}x${m.width}`));
    for (const s of ['1x1', '1x9', '9x1', '2x2', '7x7', '13x17', '28x28', '56x56', '224x224', '251x251']) expect(sizes.has(s)).toBe(true);
    const kinds = new Set(fixtures.maps.map((m) => m.kind));
    for (const k of ['relu', 'smooth', 'constant', 'zero', 'nan', 'random']) expect(kinds.has(k)).toBe(true);
    expect(fixtures.params).toHaveLength(24);
    const statuses = new Set(fixtures.maps.flatMap((m) => m.results.map((r) => r[3])));
    expect([...statuses].sort()).toEqual(['dead', 'nonfinite', 'ok']);
  });

  for (const file of files) {
    it(`${file}: every map, every parameter set`, async () => {
      const prof = await profiles(file);
      let checked = 0;
      for (const map of fixtures.maps.filter((m) => m.file === file)) {
        const whole = map.height * map.width * prof.sumSquares[map.index];
        fixtures.params.forEach((params, k) => {
          const [srop, ring, energy, status] = map.results[k];
          const where = `${file} #${map.index} (${map.kind}) ${JSON.stringify(params)}`;
          const got = mapSrop(prof, map.index, params);
          expect(got.status, where).toBe(status);
          expect(got.ring, where).toBe(ring);
          if (status === 'ok') {
            expect(close(got.srop!, srop!, 1e-9), `${where}: srop ${got.srop} vs ${srop}`).toBe(true);
            expect(close(got.energy!, energy!, 1e-9), `${where}: energy ${got.energy} vs ${energy}`).toBe(true);
          } else if (status === 'dead') {
            expect(got.srop, where).toBeNull();
            expect(Math.abs(got.energy! - energy!), `${where}: energy ${got.energy} vs ${energy}`).toBeLessThanOrEqual(1e-9 * whole);
          } else {
            expect(got.srop, where).toBeNull();
            expect(got.energy, where).toBeNull();
          }
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(0);
    });
  }

  it('columnar layerSrops agrees with mapSrop entry by entry', async () => {
    const prof = await profiles('maps_7x7.npy');
    for (const params of fixtures.params) {
      const cols = layerSrops(prof, params);
      for (let m = 0; m < prof.maps; m++) {
        const one = mapSrop(prof, m, params);
        expect(cols.status[m]).toBe(['ok', 'dead', 'nonfinite'].indexOf(one.status));
        expect(cols.ring[m]).toBe(one.ring ?? -1);
        if (one.srop === null) expect(cols.srop[m]).toBeNaN();
        else expect(cols.srop[m]).toBe(one.srop);
      }
    }
  });

  it('ring-energy profiles match srop_ref.ring_energy', async () => {
    for (const ref of fixtures.ringEnergy) {
      const prof = await profiles(ref.file);
      const got = keptRingEnergy(prof, ref.index, ref);
      const total = ref.energy.reduce((a, b) => a + b, 0);
      const n = Math.max(got.length, ref.energy.length);
      for (let r = 0; r < n; r++) {
        const want = ref.energy[r] ?? 0;
        const have = r < prof.rings ? got[r] : 0;
        expect(Math.abs(have - want), `${ref.file} #${ref.index} ${ref.dc}/${ref.domain} ring ${r}`).toBeLessThanOrEqual(1e-12 * total);
      }
      expect(ref.half).toBe(Math.max(prof.height, prof.width) / 2);
    }
  });

  it('ring tables equal srop_ref.ring_table (ties included)', () => {
    for (const ref of fixtures.ringTables) {
      const table = ringTable(ref.height, ref.width);
      expect(Array.from(table.ring), `${ref.height}x${ref.width}`).toEqual(ref.ring);
      expect(Array.from(table.inDisc), `${ref.height}x${ref.width}`).toEqual(ref.disc);
      expect(table.rings).toBe(Math.max(...ref.ring) + 1);
    }
  });
});

describe('CPU engine contract', () => {
  it('its priming maps take every pass of the FFT (each written-out radix with and without twiddles, the generic odd radix, Bluestein) and odd and even widths', () => {
    const passes = new Set<string>();
    for (const [h, w] of PRIMING_SHAPES) {
      for (const n of [h, w]) {
        const plan = fftPlan(n);
        if (plan.kind === 'bluestein') passes.add('bluestein');
        plan.radices.forEach((p, i) => passes.add(p > 8 ? 'generic' : `${p}${i === plan.radices.length - 1 ? ' last' : ''}`));
      }
    }
    for (const p of [2, 3, 4, 5, 7, 8]) expect(passes, `radix ${p}`).toContain(`${p}`);
    for (const p of [2, 3, 4, 5, 7, 8]) expect(passes, `radix ${p}, last pass`).toContain(`${p} last`);
    expect(passes).toContain('generic');
    expect(passes).toContain('bluestein');
    expect(PRIMING_SHAPES.some(([, w]) => w % 2 === 1) && PRIMING_SHAPES.some(([, w]) => w % 2 === 0) && PRIMING_SHAPES.some(([, w]) => w === 1)).toBe(true);
  });

  const { shape, data } = readNpy('maps_13x17.npy');
  const [count, h, w] = shape;

  function fakeLayer(n: number, c: number, reads: [number, number][]): Layer {
    return memoryLayer(data, [n, c, h, w], reads, 'fake.npy');
  }

  it('profileLayer reads in bounded chunks, reports progress, and equals profileMaps', async () => {
    const reads: [number, number][] = [];
    const progress: number[] = [];
    const small = new CpuEngine({ chunkValues: 2 * h * w + 5 }); // two maps per read
    const layer = fakeLayer(2, count / 2, reads);
    const got = await small.profileLayer(layer, { onProgress: (done, total) => progress.push(done / total) });
    const want = await engine.profileMaps(data, count, h, w);
    expect(reads.every(([, k]) => k <= 2)).toBe(true);
    expect(reads.reduce((a, [, k]) => a + k, 0)).toBe(count);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(got.maps).toBe(count);
    expect(got.rings).toBe(want.rings);
    expect(Array.from(got.inDisc)).toEqual(Array.from(want.inDisc));
    expect(Array.from(got.outDisc)).toEqual(Array.from(want.outDisc));
    expect(Array.from(got.dc)).toEqual(Array.from(want.dc));
    expect(Array.from(got.nonFinite)).toEqual(Array.from(want.nonFinite));
  });

  it('profileLayer stops on abort', async () => {
    const controller = new AbortController();
    const small = new CpuEngine({ chunkValues: h * w });
    const reads: [number, number][] = [];
    const layer = fakeLayer(1, count, reads);
    const run = small.profileLayer(layer, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort(new Error('stopped by the user'));
      },
    });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(reads.length).toBeLessThan(count);
  });

  it('fills dc, sumSquares and nonFinite from the values in float64', async () => {
    const prof = await engine.profileMaps(data, count, h, w);
    for (let m = 0; m < count; m++) {
      let sum = 0, squares = 0;
      for (let i = m * h * w; i < (m + 1) * h * w; i++) {
        sum += data[i];
        squares += data[i] * data[i];
      }
      if (Number.isFinite(sum)) {
        expect(prof.nonFinite[m]).toBe(0);
        expect(prof.dc[m]).toBeCloseTo(sum * sum, 8);
        expect(Math.abs(prof.sumSquares[m] - squares)).toBeLessThanOrEqual(1e-14 * squares);
      } else {
        expect(prof.nonFinite[m]).toBe(1);
      }
    }
    expect(engine.backend).toBe('cpu');
    expect(engine.adapter).toBeNull();
  });

  it('Parseval: in-disc + out-of-disc + DC energy = H W sum of squares, at awkward shapes', async () => {
    for (const [hh, ww] of [[1, 1], [1, 2], [2, 1], [3, 1], [1, 37], [37, 1], [2, 2], [5, 3], [31, 37], [64, 41], [97, 98]]) {
      const n = 3;
      const maps = new Float32Array(n * hh * ww).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
      const prof = await engine.profileMaps(maps, n, hh, ww);
      for (let m = 0; m < n; m++) {
        let total = prof.dc[m];
        for (let r = 0; r < prof.rings; r++) total += prof.inDisc[m * prof.rings + r] + prof.outDisc[m * prof.rings + r];
        let sum = 0;
        for (let i = m * hh * ww; i < (m + 1) * hh * ww; i++) sum += maps[i];
        // the engine takes the mean out: the non-DC bins hold H W sum (a - mean)^2, the DC bin sum^2
        const want = hh * ww * prof.sumSquares[m];
        expect(Math.abs(total - want), `${hh}x${ww} map ${m}`).toBeLessThanOrEqual(1e-12 * want);
        expect(prof.dc[m]).toBeCloseTo(sum * sum, 6);
      }
    }
  });

  it('rejects short data and bad shapes', async () => {
    await expect(engine.profileMaps(new Float32Array(10), 1, 4, 4)).rejects.toThrow(/fewer than 1 maps of 4 x 4/);
    await expect(engine.profileMaps(new Float32Array(10), 1, 0, 4)).rejects.toThrow(/height 0/);
    const empty = await engine.profileMaps(new Float32Array(0), 0, 5, 5);
    expect(empty.maps).toBe(0);
  });
});

describe('fixtures', () => {
  it('are small', () => {
    const bytes = readdirSync(FIXTURE_DIR).reduce((a, f) => a + readFileSync(join(FIXTURE_DIR, f)).length, 0);
    expect(bytes).toBeLessThan(2_000_000);
  });

  // The committed fixtures must be what tools/make_fixtures.py makes from spec/srop_ref.py. Needs
  // python3 with numpy: fails without it, unless SROP_SKIP_NUMPY=1 (test/helpers/prerequisites.ts).
  it('are what tools/make_fixtures.py makes from the reference (spec/srop_ref.py)', (ctx) => {
    if (skipping('numpy')) ctx.skip(skipReason('numpy'));
    requireNumpy();
    const out = mkdtempSync(join(tmpdir(), 'srop-fixtures-'));
    try {
      execFileSync('python3', [join(FIXTURE_DIR, '../../../tools/make_fixtures.py'), '--out', out], { stdio: 'pipe' });
      for (const name of readdirSync(out)) {
        if (name.endsWith('.npy')) {
          const fresh = readNpy(name, out);
          const kept = readNpy(name);
          expect(fresh.shape, name).toEqual(kept.shape);
          expect(Buffer.from(fresh.data.buffer).equals(Buffer.from(kept.data.buffer)), name).toBe(true);
        } else {
          const fresh = readFileSync(join(out, name));
          const kept = readFileSync(join(FIXTURE_DIR, name));
          // numbers may differ in the last bits between numpy versions; compare within 1e-12
          const a = JSON.parse(fresh.toString('utf8'));
          const b = JSON.parse(kept.toString('utf8'));
          delete a.numpy;
          delete b.numpy;
          expectClose(a, b, name);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

function expectClose(a: unknown, b: unknown, where: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) + 1e-300, `${where}: ${a} vs ${b}`).toBe(true);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, where).toBe(b.length);
    a.forEach((v, i) => expectClose(v, b[i], `${where}[${i}]`));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), where).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
  } else {
    expect(a, where).toEqual(b);
  }
}
