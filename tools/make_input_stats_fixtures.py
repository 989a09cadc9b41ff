"""Fixtures for the statistics across inputs (src/analysis/inputStats.ts, spec/SROP.md section 6a).

Writes test/fixtures/inputstats/stats.json: cases of per-map SROPs [N][C] (null: no SROP) for A and
B with the pairing flag, and what scipy says of them: each input's median SROP, the test, its
branch, statistic and two-sided p-value (scipy.stats.wilcoxon / scipy.stats.mannwhitneyu with the
method named explicitly), and Holm's adjustment over lists of p-values.

    python3 tools/make_input_stats_fixtures.py [OUT_DIR]

Needs numpy and scipy. The cases cover the exact and approximate branches of both tests, ties,
zero differences, missing inputs, unpaired sets and fewer than 3 usable inputs.
"""
import json
import os
import sys

import numpy as np
from scipy import stats

MIN_INPUTS = 3
WILCOXON_EXACT_MAX = 50
MANN_WHITNEY_EXACT_MAX = 8


def input_medians(srop):
    """m(i): the median of input i's channels that have an SROP; NaN when none has."""
    out = []
    for row in srop:
        values = [v for v in row if v is not None]
        out.append(float(np.median(values)) if values else float('nan'))
    return np.array(out, dtype=np.float64)


def num(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def expected(a, b, paired):
    ma, mb = input_medians(a), input_medians(b)
    ua, ub = ma[~np.isnan(ma)], mb[~np.isnan(mb)]
    out = {
        'medians_a': [num(v) for v in ma],
        'medians_b': [num(v) for v in mb],
        'inputs_a': int(ua.size),
        'inputs_b': int(ub.size),
    }
    if paired and ma.size == mb.size:
        both = ~np.isnan(ma) & ~np.isnan(mb)
        d = mb[both] - ma[both]
        out['input_median_delta'] = num(np.median(d)) if d.size else None
        out['pairs'] = int(d.size)
        if d.size < MIN_INPUTS:
            return {**out, 'test': 'none', 'test_method': None, 'statistic': None, 'p_value': None}
        nonzero = d[d != 0]
        ties = np.unique(np.abs(nonzero)).size < nonzero.size
        exact = nonzero.size <= WILCOXON_EXACT_MAX and not ties and nonzero.size == d.size
        if nonzero.size == 0:
            return {**out, 'test': 'wilcoxon', 'test_method': 'approx', 'statistic': 0.0, 'p_value': None}
        r = stats.wilcoxon(mb[both], ma[both], zero_method='wilcox', correction=False,
                           alternative='two-sided', method='exact' if exact else 'asymptotic')
        return {**out, 'test': 'wilcoxon', 'test_method': 'exact' if exact else 'approx',
                'statistic': float(r.statistic), 'p_value': float(r.pvalue)}
    out['input_median_delta'] = num(np.median(ub) - np.median(ua)) if ua.size and ub.size else None
    out['pairs'] = None
    if ua.size < MIN_INPUTS or ub.size < MIN_INPUTS:
        return {**out, 'test': 'none', 'test_method': None, 'statistic': None, 'p_value': None}
    pooled = np.concatenate([ub, ua])
    ties = np.unique(pooled).size < pooled.size
    exact = not ties and min(ua.size, ub.size) <= MANN_WHITNEY_EXACT_MAX
    r = stats.mannwhitneyu(ub, ua, use_continuity=True, alternative='two-sided',
                           method='exact' if exact else 'asymptotic')
    return {**out, 'test': 'mann-whitney', 'test_method': 'exact' if exact else 'approx',
            'statistic': float(r.statistic), 'p_value': float(r.pvalue)}


def holm(p):
    """Holm's step-down adjustment of the non-null p-values (the others stay null)."""
    idx = [i for i, v in enumerate(p) if v is not None]
    order = sorted(idx, key=lambda i: (p[i], i))
    m = len(order)
    out = [None] * len(p)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, p[i] * (m - k)))
        out[i] = running
    return out


def maps(medians_or_none, channels, rng, spread=0.05):
    """An [N][C] SROP table whose input i has median close to medians[i]; None: every map dead."""
    out = []
    for m in medians_or_none:
        if m is None:
            out.append([None] * channels)
            continue
        row = list(m + spread * rng.standard_normal(channels))
        row[channels // 2] = m  # odd C: the median is m itself
        row = sorted(row)
        # keep the median at m: place values symmetric around the centre
        mid = channels // 2
        row = [m - abs(v - m) if k < mid else (m + abs(v - m) if k > mid else m) for k, v in enumerate(row)]
        # a dead map on some inputs (does not move the median: one below and one above)
        if channels >= 5 and rng.random() < 0.3:
            row[0] = None
            row[-1] = None
        out.append(row)
    return out


def grid(values):
    """Values on a grid of 1/64 (exact in binary), so that ties and zeros are exact."""
    return [None if v is None else round(v * 64) / 64 for v in values]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'inputstats')
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261201)
    cases = []

    def add(name, a, b, paired):
        cases.append({'name': name, 'paired': paired, 'a': a, 'b': b, 'expected': expected(a, b, paired)})

    def cont(n, loc=0.4, scale=0.1):
        return [float(v) for v in loc + scale * rng.standard_normal(n)]

    # Paired, exact branch (no ties, no zeros; n <= 50), several sizes and channel counts.
    for n, c in [(3, 1), (4, 3), (6, 5), (10, 7), (13, 4), (25, 9), (50, 3)]:
        base = cont(n)
        shift = [v + 0.03 + 0.05 * rng.standard_normal() for v in base]
        add(f'paired exact n={n} C={c}', maps(base, c, rng), maps(shift, c, rng), True)
    # A strong shift: a small exact p-value (all differences positive).
    base = cont(20)
    add('paired exact, all rising', maps(base, 3, rng), maps([v + 0.2 + 0.01 * k for k, v in enumerate(base)], 3, rng), True)
    # Paired, approximate branch: n > 50; ties among |d|; zero differences.
    base = cont(51)
    add('paired approx n=51', maps(base, 5, rng), maps([v + 0.02 + 0.05 * rng.standard_normal() for v in base], 5, rng), True)
    base = cont(300)
    add('paired approx n=300', maps(base, 3, rng), maps([v - 0.01 + 0.05 * rng.standard_normal() for v in base], 3, rng), True)
    base = grid(cont(12))
    add('paired ties in |d|', maps(base, 1, rng), maps(grid([v + d for v, d in zip(base, [1/64, -1/64, 2/64, 1/64, -2/64, 3/64, 1/64, 2/64, -1/64, 4/64, 1/64, 5/64])]), 1, rng), True)
    base = grid(cont(15))
    diffs = [0, 1/64, -3/64, 0, 2/64, 5/64, 0, -7/64, 4/64, 6/64, 8/64, -9/64, 10/64, 11/64, 12/64]
    add('paired zeros', maps(base, 1, rng), maps(grid([v + d for v, d in zip(base, diffs)]), 1, rng), True)
    base = grid(cont(9))
    add('paired zeros and ties, n=9', maps(base, 3, rng, spread=0), maps(grid([v + d for v, d in zip(base, [0, 0, 1/64, 1/64, -1/64, 2/64, 2/64, -3/64, 1/64])]), 3, rng, spread=0), True)
    base = grid(cont(5))
    add('paired all differences zero', maps(base, 1, rng), maps(base, 1, rng), True)
    # Missing inputs: an input dead on A, another on B; pairs over inputs present on both.
    base = cont(8)
    a = [None if i == 2 else v for i, v in enumerate(base)]
    b = [None if i == 5 else v + 0.04 + 0.03 * rng.standard_normal() for i, v in enumerate(base)]
    add('paired, missing inputs', maps(a, 5, rng), maps(b, 5, rng), True)
    # Fewer than 3 usable: paired with 2 pairs; unpaired with 2 on one side.
    base = cont(4)
    add('paired, 2 pairs usable', maps([base[0], base[1], None, base[3]], 3, rng), maps([base[0] + 0.1, base[1] + 0.1, base[2], None], 3, rng), True)
    add('paired, 2 inputs', maps(cont(2), 3, rng), maps(cont(2), 3, rng), True)
    add('unpaired, 2 on A', maps(cont(2), 3, rng), maps(cont(10), 3, rng), False)
    add('unpaired, 3 on A of 5 (2 dead)', maps([*cont(3), None, None], 3, rng), maps(cont(4, 0.5), 3, rng), False)
    # Unpaired, exact branch: no ties, smaller side <= 8 (the larger one may be large).
    for na, nb in [(3, 3), (5, 7), (8, 8), (8, 40), (4, 120), (7, 3)]:
        add(f'unpaired exact {na} vs {nb}', maps(cont(na), 3, rng), maps(cont(nb, 0.45), 3, rng), False)
    # Unpaired, approximate branch: both sides > 8; ties; all tied.
    add('unpaired approx 9 vs 12', maps(cont(9), 3, rng), maps(cont(12, 0.5), 3, rng), False)
    add('unpaired approx 200 vs 150', maps(cont(200), 1, rng), maps(cont(150, 0.41), 1, rng), False)
    add('unpaired approx, far apart (tiny p)', maps(cont(60), 1, rng), maps(cont(60, 0.7), 1, rng), False)
    base = cont(80)
    add('paired approx, strong shift (tiny p)', maps(base, 1, rng), maps([v + 0.1 + 0.02 * rng.standard_normal() for v in base], 1, rng), True)
    add('unpaired ties 6 vs 7', maps(grid(cont(6)), 1, rng), maps(grid(cont(7, 0.45)), 1, rng), False)
    add('unpaired all tied', maps([0.5] * 4, 1, rng), maps([0.5] * 5, 1, rng), False)
    # The paired flag on, but the counts differ: unpaired. Off with equal counts: unpaired.
    add('paired flag, counts differ', maps(cont(6), 3, rng), maps(cont(7, 0.5), 3, rng), True)
    base = cont(6)
    add('equal counts, paired off', maps(base, 3, rng), maps([v + 0.05 for v in base], 3, rng), False)

    holm_cases = [
        [0.01, 0.04, 0.03, 0.005],
        [0.5, None, 0.01, 0.2, None],
        [0.3, 0.3, 0.3],
        [None, None],
        [0.02],
        [0.9, 0.6, 0.001, 0.04, 0.04, 0.2],
    ]
    holm_cases.append([c['expected']['p_value'] for c in cases])
    result = {
        'scipy': __import__('scipy').__version__,
        'numpy': np.__version__,
        'cases': cases,
        'holm': [{'p': p, 'expected': holm(p)} for p in holm_cases],
    }
    with open(os.path.join(out_dir, 'stats.json'), 'w') as f:
        json.dump(result, f, indent=1, allow_nan=False)
        f.write('\n')


if __name__ == '__main__':
    main()
