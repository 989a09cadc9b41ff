#!/usr/bin/env python3
"""Makes activation files nobody has seen (seeded by the caller) and the answers of the numpy
reference (spec/srop_ref.py, spec/SROP.md) for them, for the end-to-end test of the `srop` command.

    python3 make_unseen.py OUTDIR SEED

Writes OUTDIR/a.npz, OUTDIR/b.npz (savez_compressed), OUTDIR/c.npy (NHWC), OUTDIR/expected.json.
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'spec'))
from srop_ref import compare, srop, to_nchw  # noqa: E402

PARAMS = [
    dict(kappa=0.85, dc='keep', domain='disc', interpolate=True),
    dict(kappa=0.6, dc='remove', domain='full', interpolate=False),
]


def layer(rng, shape):
    x = np.maximum(rng.standard_normal(shape), 0.3 * rng.standard_normal(shape)).astype(np.float32)
    return x


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
    for fname, layers, layout in (('a.npz', a, 'nchw'), ('b.npz', b, 'nchw'), ('c.npy', {'c': c}, 'nhwc')):
        expected['files'][fname] = {}
        for name, x in layers.items():
            x = to_nchw(x, layout)
            maps = x.reshape(-1, x.shape[-2], x.shape[-1])
            expected['files'][fname][name] = [[srop(m, **p) for m in maps] for p in PARAMS]
    # compare figures (spec/SROP.md §6) for the default parameters, from the reference's SROPs
    comp = {}
    for name in a:
        N, C = a[name].shape[:2]
        sa = [np.nan if r['srop'] is None else r['srop'] for r in expected['files']['a.npz'][name][0]]
        sb = [np.nan if r['srop'] is None else r['srop'] for r in expected['files']['b.npz'][name][0]]
        comp[name] = compare(sa, N, sb, b[name].shape[0], C)
    expected['compare'] = comp
    (out / 'expected.json').write_text(json.dumps(expected))


if __name__ == '__main__':
    main()
