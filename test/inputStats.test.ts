// Statistics across inputs (src/analysis/inputStats.ts) against scipy: the fixtures of
// tools/make_input_stats_fixtures.py (test/fixtures/inputstats/stats.json) hold per-map SROP tables
// of both sides and what scipy.stats.wilcoxon / mannwhitneyu say of them (exact and approximate
// branches, ties, zero differences, missing inputs, unpaired sets, fewer than 3 inputs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageRanks, compareInputs, holm, inputMedians, mannWhitneyU, normalSf, wilcoxonSignedRank, withHolm } from '../src/analysis/inputStats';
import { requireScipy, skipping } from './helpers/prerequisites';

const root = join(import.meta.dirname, '..');
const fixtureFile = join(root, 'test', 'fixtures', 'inputstats', 'stats.json');

type Table = Array<Array<number | null>>;
interface Case {
  name: string;
  paired: boolean;
  a: Table;
  b: Table;
  expected: {
    medians_a: Array<number | null>;
    medians_b: Array<number | null>;
    inputs_a: number;
    inputs_b: number;
    input_median_delta: number | null;
    pairs: number | null;
    test: string;
    test_method: string | null;
    statistic: number | null;
    p_value: number | null;
  };
}
interface Fixtures {
  cases: Case[];
  holm: Array<{ p: Array<number | null>; expected: Array<number | null> }>;
}

const fixtures: Fixtures = JSON.parse(readFileSync(fixtureFile, 'utf8'));

/** A layer's shape and SROP column from an [N][C] table (null: no SROP). */
function layer(table: Table) {
  const n = table.length, c = table[0]?.length ?? 1;
  return { shape: [n, c, 5, 5] as [number, number, number, number], srop: Float64Array.from(table.flat(), (v) => (v === null ? NaN : v)) };
}

/** Equal within 1e-9, relative for values above 1 and for small p-values (relative 1e-9 below 1e-3). */
function close(got: number | null, want: number | null, what: string) {
  if (want === null) {
    expect(got, what).toBeNull();
    return;
  }
  expect(got, what).not.toBeNull();
  const tolerance = want !== 0 && Math.abs(want) < 1e-3 ? 1e-9 * Math.abs(want) : 1e-9 * Math.max(1, Math.abs(want));
  expect(Math.abs(got! - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tolerance);
}

describe('statistics across inputs equal scipy (fixtures)', () => {
  it('covers every branch', () => {
    const kinds = new Set(fixtures.cases.map((c) => `${c.expected.test}/${c.expected.test_method}`));
    expect([...kinds].sort()).toEqual(['mann-whitney/approx', 'mann-whitney/exact', 'none/null', 'wilcoxon/approx', 'wilcoxon/exact']);
    expect(fixtures.cases.length).toBeGreaterThan(25);
  });

  for (const c of fixtures.cases) {
    it(c.name, () => {
      const a = layer(c.a), b = layer(c.b);
      const got = compareInputs(a, b, c.paired);
      const e = c.expected;
      expect(Array.from(inputMedians(a), (v) => (Number.isNaN(v) ? null : v))).toEqual(e.medians_a);
      expect(Array.from(got.medians_b, (v) => (Number.isNaN(v) ? null : v))).toEqual(e.medians_b);
      expect(got.inputs_a).toBe(e.inputs_a);
      expect(got.inputs_b).toBe(e.inputs_b);
      expect(got.test).toBe(e.test);
      expect(got.test_method).toBe(e.test_method);
      expect(got.pairs).toBe(e.pairs);
      close(got.input_median_delta, e.input_median_delta, 'input_median_delta');
      close(got.statistic, e.statistic, 'statistic');
      close(got.p_value, e.p_value, 'p_value');
      expect(got.p_holm).toBeNull();
    });
  }

  it("Holm's adjustment", () => {
    for (const { p, expected } of fixtures.holm) {
      const got = holm(p);
      expect(got.length).toBe(expected.length);
      got.forEach((v, i) => close(v, expected[i], `holm ${i} of [${p.join(', ')}]`));
    }
    const list = withHolm(fixtures.cases.map((c) => compareInputs(layer(c.a), layer(c.b), c.paired)));
    const last = fixtures.holm[fixtures.holm.length - 1];
    list.forEach((c, i) => close(c.p_holm, last.expected[i], `p_holm of ${fixtures.cases[i].name}`));
  });
});

describe('pieces', () => {
  it('average ranks and tie groups (scipy.stats.rankdata)', () => {
    const { ranks, ties } = averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
    expect(Array.from(ranks)).toEqual([4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
    expect(ties.sort()).toEqual([2, 2, 3]);
  });

  it('the normal survival function, near 0 and far in the tail', () => {
    // Values of scipy.special.ndtr(-z).
    const table: Array<[number, number]> = [
      [0, 0.5],
      [0.3, 0.3820885778110474],
      [1.959963984540054, 0.025],
      [2.5, 0.006209665325776132],
      [3, 0.0013498980316300933],
      [6, 9.865876450376946e-10],
      [10, 7.61985302416047e-24],
      [-1, 0.8413447460685429],
    ];
    for (const [z, p] of table) expect(Math.abs(normalSf(z) - p) / p, `z = ${z}`).toBeLessThan(1e-13);
    expect(normalSf(Infinity)).toBe(0);
    expect(normalSf(-Infinity)).toBe(1);
  });

  it('small cases by hand: Wilcoxon n = 3 all positive, p = 2/8; Mann-Whitney 3 vs 3 separated, p = 2/20', () => {
    expect(wilcoxonSignedRank([0.1, 0.2, 0.3])).toEqual({ statistic: 0, p: 0.25, method: 'exact' });
    expect(wilcoxonSignedRank([0.1, -0.2, 0.3]).p).toBe(0.75);
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3])).toEqual({ statistic: 9, p: 0.1, method: 'exact' });
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6])).toEqual({ statistic: 0, p: 0.1, method: 'exact' });
  });

  it('a side whose inputs have no SROP at all: left out, and no test below 3', () => {
    const dead = { shape: [4, 2, 3, 3] as [number, number, number, number], srop: new Float64Array(8).fill(NaN) };
    const live = { shape: [4, 2, 3, 3] as [number, number, number, number], srop: Float64Array.from({ length: 8 }, (_, i) => 0.1 * i) };
    const c = compareInputs(dead, live, true);
    expect(c).toMatchObject({ inputs_a: 0, inputs_b: 4, test: 'none', input_median_delta: null, p_value: null, pairs: 0 });
    expect(compareInputs(dead, live, false)).toMatchObject({ test: 'none', input_median_delta: null, pairs: null });
  });

  it('bad input is refused with a reason', () => {
    expect(() => wilcoxonSignedRank([0.1, NaN])).toThrow(/NaN/);
    expect(() => mannWhitneyU([], [1])).toThrow(/empty/);
  });
});

describe.skipIf(skipping('numpy'))('the fixtures are what the script makes', () => {
  it('tools/make_input_stats_fixtures.py writes the committed stats.json (numbers within 1e-12)', () => {
    requireScipy();
    const dir = mkdtempSync(join(tmpdir(), 'srop-inputstats-'));
    execFileSync('python3', [join(root, 'tools', 'make_input_stats_fixtures.py'), dir], { stdio: 'pipe' });
    const fresh = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as Fixtures;
    const compare = (x: unknown, y: unknown, path: string): void => {
      if (typeof y === 'number' && typeof x === 'number') {
        expect(Math.abs(x - y), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(y)));
      } else if (Array.isArray(y)) {
        expect(Array.isArray(x) && x.length === y.length, path).toBe(true);
        y.forEach((v, i) => compare((x as unknown[])[i], v, `${path}[${i}]`));
      } else if (y && typeof y === 'object') {
        for (const key of Object.keys(y)) compare((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], `${path}.${key}`);
      } else {
        expect(x, path).toEqual(y);
      }
    };
    const { cases, holm: holmCases } = fixtures;
    compare({ cases: fresh.cases, holm: fresh.holm }, { cases, holm: holmCases }, 'stats');
  });
});
