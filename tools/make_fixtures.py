#!/usr/bin/env python3
"""Test fixtures for the CPU engine and the analysis layer, from the numpy reference spec/srop_ref.py.

Made with (from the repository root, numpy 2.4):

    python3 tools/make_fixtures.py

which writes test/fixtures/srop/:
  maps_<H>x<W>.npy   float32 [K, H, W] maps of one size (kinds listed in srop.json)
  srop.json          reference SROP / ring / energy / status of every map for every parameter set
                     (kappa 0.5, 0.85, 0.99 x dc keep, remove x domain disc, full x interpolate on, off),
                     ring-energy profiles (srop_ref.ring_energy) of a few maps, and exact ring tables
                     (srop_ref.ring_table) of a few shapes, ties included
  analysis.json      summaries (numpy mean, std, quantiles, median; spec/SROP.md §4),
                     histograms (numpy.histogram), Wasserstein-1 and KS statistics (sorted-CDF
                     integration and searchsorted, as scipy does) and A-vs-B layer comparisons
                     (section 6), all computed in numpy by the reference, not by the code under test

The maps are drawn as float32 and the reference is computed in float64 from those float32 values.
`--out DIR` writes elsewhere (the tests use it to check that the committed fixtures are what this
script makes).
"""
import argparse
import functools
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'spec'))
import srop_ref  # noqa: E402
from srop_ref import compare, ks, summary, wasserstein  # noqa: E402

# ring_table is pure and slow (Python loops); srop() calls it once per map and parameter set.
srop_ref.ring_table = functools.lru_cache(maxsize=None)(srop_ref.ring_table)

KAPPAS = [0.5, 0.85, 0.99]
PARAMS = [
    {'kappa': k, 'dc': dc, 'domain': dom, 'interpolate': interp}
    for k, dc, dom, interp in itertools.product(KAPPAS, ['keep', 'remove'], ['disc', 'full'], [True, False])
]
ALL_KINDS = ['relu', 'smooth', 'constant', 'zero', 'nan', 'random']
# (H, W, kinds): every kind for the small sizes; one or two maps for the big ones (fixture size).
SIZES = [
    (1, 1, ALL_KINDS + ['inf']),
    (1, 9, ALL_KINDS),
    (9, 1, ALL_KINDS),
    (2, 2, ALL_KINDS),
    (7, 7, ALL_KINDS + ['inf']),
    (13, 17, ALL_KINDS),
    (10, 15, ['relu', 'smooth', 'random']),  # ring ties (s = k + 1/2 exactly) occur for 10 x 15
    (15, 10, ['relu', 'random']),
    (28, 28, ALL_KINDS),
    (56, 56, ALL_KINDS),
    (224, 224, ['relu', 'smooth']),
    (251, 251, ['relu']),
]
RING_ENERGY_MAPS = [((7, 7), 'relu'), ((13, 17), 'random'), ((9, 1), 'smooth'), ((10, 15), 'relu'), ((56, 56), 'smooth')]
RING_TABLE_SHAPES = [(1, 1), (1, 9), (9, 1), (2, 2), (7, 7), (10, 15), (15, 10), (13, 17), (12, 18)]


def make_map(kind, H, W, rng):
    """One float32 map of a kind."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    if kind == 'relu':  # sparse: about 30 % non-zero
        a = np.maximum(rng.standard_normal((H, W)) - 0.5, 0.0)
    elif kind == 'smooth':  # low-frequency waves and a blob, with a little noise
        a = (1.5 + np.cos(2 * np.pi * (1.3 * x / max(W, 2) + 0.2)) * np.sin(2 * np.pi * (0.7 * y / max(H, 2)))
             + 2.0 * np.exp(-(((x - 0.4 * W) / (0.25 * W + 1)) ** 2 + ((y - 0.6 * H) / (0.3 * H + 1)) ** 2))
             + 0.01 * rng.standard_normal((H, W)))
    elif kind == 'constant':
        a = np.full((H, W), 3.25)
    elif kind == 'zero':
        a = np.zeros((H, W))
    elif kind in ('random', 'nan', 'inf'):
        a = rng.uniform(-1.0, 1.0, (H, W)) + 0.3
        if kind == 'nan':
            a[rng.integers(H), rng.integers(W)] = np.nan
        if kind == 'inf':
            a[rng.integers(H), rng.integers(W)] = np.inf
    else:
        raise ValueError(kind)
    return a.astype(np.float32)


def num(v):
    """A float for JSON: None for NaN (JSON has no NaN), the shortest repr otherwise (exact double)."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def srop_fixtures(out):
    rng = np.random.default_rng(20240213)
    maps_out = []
    for H, W, kinds in SIZES:
        maps = np.stack([make_map(k, H, W, rng) for k in kinds]).astype('<f4')
        name = f'maps_{H}x{W}.npy'
        np.save(out / name, maps)
        for i, kind in enumerate(kinds):
            a = maps[i].astype(np.float64)
            results = []
            for p in PARAMS:
                r = srop_ref.srop(a, p['kappa'], p['dc'], p['domain'], p['interpolate'])
                results.append([num(r['srop']), r['ring'], num(r['energy']), r['status']])
            maps_out.append({'file': name, 'index': i, 'height': H, 'width': W, 'kind': kind, 'results': results})
    energies = []
    for (H, W), kind in RING_ENERGY_MAPS:
        name = f'maps_{H}x{W}.npy'
        kinds = next(k for h, w, k in SIZES if (h, w) == (H, W))
        a = np.load(out / name)[kinds.index(kind)].astype(np.float64)
        for dc, domain in itertools.product(['keep', 'remove'], ['disc', 'full']):
            E, half = srop_ref.ring_energy(a, dc, domain)
            energies.append({'file': name, 'index': kinds.index(kind), 'dc': dc, 'domain': domain, 'half': half,
                             'energy': [float(e) for e in E]})
    tables = []
    for H, W in RING_TABLE_SHAPES:
        ring, disc = srop_ref.ring_table(H, W)
        tables.append({'height': H, 'width': W, 'ring': ring.ravel().tolist(), 'disc': disc.ravel().astype(int).tolist()})
    return {'params': PARAMS, 'maps': maps_out, 'ringEnergy': energies, 'ringTables': tables}


# ---- analysis: the statistics come from the reference (summary, wasserstein, ks, compare)

def side(rng, n, c, dead_share, shift=0.0, ties=False):
    v = rng.uniform(0.1, 0.9, n * c) + shift
    if ties:
        v = np.round(v * 8) / 8  # many equal values: ties inside and across the two sides
    v[rng.random(n * c) < dead_share] = np.nan
    return v


def analysis_fixtures():
    rng = np.random.default_rng(7)
    summaries = []
    for n in [0, 1, 2, 3, 4, 5, 10, 17, 100, 1001]:
        v = rng.normal(0.5, 0.2, n)
        if n >= 10:
            v[::7] = np.round(v[::7], 1)
        summaries.append({'values': [float(x) for x in v], **summary(v)})
    hists = []
    for n, bins, rng_ in [(50, 10, None), (200, 7, None), (31, 12, (0.0, 1.5)), (1, 5, None), (9, 4, (0.25, 0.75))]:
        v = rng.uniform(0, 1.2, n)
        if n > 2:
            v[0] = 0.25  # a value on an edge
        counts, edges = np.histogram(v, bins=bins, range=rng_)
        hists.append({'values': [float(x) for x in v], 'bins': bins, 'range': list(rng_) if rng_ else None,
                      'counts': counts.tolist(), 'edges': [float(e) for e in edges]})
    layers = []
    for n, c, dead in [(1, 8, 0.0), (3, 5, 0.2), (4, 16, 0.3), (2, 3, 1.0)]:
        srop = side(rng, n, c, dead)
        status = ['ok' if not math.isnan(x) else ('nonfinite' if i % 3 == 0 else 'dead') for i, x in enumerate(srop)]
        layers.append({'inputs': n, 'channels': c, 'srop': [num(x) for x in srop], 'status': status,
                       'pooled': summary(srop), 'perInput': [summary(srop[i * c:(i + 1) * c]) for i in range(n)]})
    distances = []
    for la, lb, ties in [(5, 5, False), (7, 13, False), (30, 20, True), (1, 1, False), (1, 4, True), (200, 150, False), (12, 12, True)]:
        u = side(rng, 1, la, 0.0, 0.0, ties)
        v = side(rng, 1, lb, 0.0, 0.1, ties)
        distances.append({'a': u.tolist(), 'b': v.tolist(), 'wasserstein': wasserstein(u, v), 'ks': ks(u, v)})
    comparisons = []
    for na, nb, c, dead_a, dead_b, shift, ties in [
        (1, 1, 16, 0.0, 0.0, 0.05, False),
        (2, 2, 10, 0.2, 0.1, -0.03, False),
        (3, 2, 8, 0.25, 0.25, 0.02, False),
        (1, 4, 6, 0.0, 0.3, 0.0, True),
        (2, 2, 4, 1.0, 0.0, 0.0, False),  # A all dead: no medians, no distances, no pairs
        (2, 2, 12, 0.0, 0.0, 0.0, True),  # ties: pairs with B == A do not count as rising
        (2, 3, 5, 0.0, 0.0, 0.04, False),  # channel 1 of A dead on every input: left out of the pairs
    ]:
        a = side(rng, na, c, dead_a, 0.0, ties)
        b = side(rng, nb, c, dead_b, shift, ties)
        if (na, nb, c) == (2, 3, 5):
            a.reshape(na, c)[:, 1] = np.nan
        comparisons.append({'inputsA': na, 'inputsB': nb, 'channels': c, 'a': [num(x) for x in a], 'b': [num(x) for x in b],
                            'expected': compare(a, na, b, nb, c)})
    return {'summaries': summaries, 'histograms': hists, 'layers': layers, 'distances': distances, 'comparisons': comparisons}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', type=Path, default=REPO / 'test' / 'fixtures' / 'srop')
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    meta = {'generator': 'tools/make_fixtures.py', 'numpy': np.__version__, 'reference': 'spec/srop_ref.py (spec/SROP.md)'}
    srop = srop_fixtures(a.out)
    (a.out / 'srop.json').write_text(json.dumps({**meta, **srop}, separators=(',', ':')) + '\n')
    (a.out / 'analysis.json').write_text(json.dumps({**meta, **analysis_fixtures()}, separators=(',', ':')) + '\n')
    total = sum(f.stat().st_size for f in a.out.iterdir() if f.is_file())
    print(f'wrote {a.out} ({total / 1e6:.2f} MB)')


if __name__ == '__main__':
    main()
