#!/usr/bin/env python3
"""Makes activation files nobody has seen (seeded by the caller) and the numpy reference's answers
for them, for the end-to-end test of the `srop` command.

    python3 make_unseen.py OUTDIR SEED

Writes OUTDIR/a.npz, OUTDIR/b.npz (savez_compressed), OUTDIR/c.npy (NHWC), OUTDIR/expected.json.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np

spec = Path(os.environ.get('SROP_SPEC_DIR', Path(__file__).resolve().parents[3] / 'shared' / 'srop-spec'))
sys.path.insert(0, str(spec))
from srop_ref import srop  # noqa: E402

PARAMS = [
    dict(kappa=0.85, dc='keep', domain='disc', interpolate=True),
    dict(kappa=0.6, dc='remove', domain='full', interpolate=False),
]


def layer(rng, shape):
    x = np.maximum(rng.standard_normal(shape), 0.3 * rng.standard_normal(shape)).astype(np.float32)
    return x


def w1(a, b):
    """1-D Wasserstein-1 between two samples: the integral of |F_a - F_b|."""
    a = np.sort(a)
    b = np.sort(b)
    allv = np.sort(np.concatenate([a, b]))
    d = np.diff(allv)
    fa = np.searchsorted(a, allv[:-1], side='right') / len(a)
    fb = np.searchsorted(b, allv[:-1], side='right') / len(b)
    return float(np.sum(np.abs(fa - fb) * d))


def ks(a, b):
    allv = np.concatenate([a, b])
    fa = np.searchsorted(np.sort(a), allv, side='right') / len(a)
    fb = np.searchsorted(np.sort(b), allv, side='right') / len(b)
    return float(np.max(np.abs(fa - fb)))


def main():
    out = Path(sys.argv[1])
    rng = np.random.default_rng(int(sys.argv[2]))
    a = {'conv1': layer(rng, (2, 3, 13, 17)), 'block.relu': layer(rng, (1, 5, 7, 7))}
    a['block.relu'][0, 1] = 0.0           # a dead map
    a['block.relu'][0, 2, 3, 4] = np.nan  # a non-finite map
    b = {'conv1': layer(rng, (2, 3, 13, 17)), 'block.relu': layer(rng, (1, 5, 7, 7))}
    c = layer(rng, (1, 6, 6, 8))          # NHWC: channels last
    np.savez_compressed(out / 'a.npz', **a)
    np.savez(out / 'b.npz', **b)
    np.save(out / 'c.npy', c)
    expected = {'params': PARAMS, 'files': {}}
    for fname, layers in (('a.npz', a), ('b.npz', b), ('c.npy', {'c': np.transpose(c, (0, 3, 1, 2))})):
        expected['files'][fname] = {}
        for name, x in layers.items():
            maps = x.reshape(-1, x.shape[-2], x.shape[-1])
            expected['files'][fname][name] = [[srop(m, **p) for m in maps] for p in PARAMS]
    # compare figures for the default parameters, from the reference's SROPs
    comp = {}
    for name in a:
        sa = [r['srop'] for r in expected['files']['a.npz'][name][0]]
        sb = [r['srop'] for r in expected['files']['b.npz'][name][0]]
        va = np.array([v for v in sa if v is not None])
        vb = np.array([v for v in sb if v is not None])
        pairs = [(x, y) for x, y in zip(sa, sb) if x is not None and y is not None]
        d = np.array([y - x for x, y in pairs])
        comp[name] = dict(median_a=float(np.median(va)), median_b=float(np.median(vb)),
                          delta_median=float(np.median(vb) - np.median(va)), wasserstein=w1(va, vb), ks=ks(va, vb),
                          paired_median_delta=float(np.median(d)), share_rising=float(np.mean(d > 0)),
                          dead_a=sum(v is None for v in sa), dead_b=sum(v is None for v in sb))
    expected['compare'] = comp
    (out / 'expected.json').write_text(json.dumps(expected))


if __name__ == '__main__':
    main()
