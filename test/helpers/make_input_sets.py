#!/usr/bin/env python3
"""Activation files whose batch axis holds a set of inputs, and what the statistics across inputs
(spec/SROP.md section 6a) should say of them, from the numpy reference's SROPs and scipy.

    python3 make_input_sets.py OUTDIR SEED

Writes OUTDIR/a.npz and OUTDIR/b.npz (8 inputs each: B is A blurred on conv1, fresh maps
on conv2 and relu3; relu3 has only 2 live inputs on A), OUTDIR/c.npz (5 inputs) and OUTDIR/expected.json:
per layer, for `compare a b` (paired), `compare --unpaired a b` and `compare a c`, the fields
inputs_a, inputs_b, test, input_median_delta, p_value and p_holm (Holm over the three layers).
Used by test/cli.test.ts and e2e/inputstats.spec.ts. Needs numpy and scipy.
"""
import json
import sys
from pathlib import Path

import numpy as np

here = Path(__file__).resolve()
sys.path.insert(0, str(here.parents[2] / 'spec'))
sys.path.insert(0, str(here.parents[2] / 'tools'))
from srop_ref import srop  # noqa: E402
from make_input_stats_fixtures import expected as input_stats, holm  # noqa: E402

LAYERS = ['conv1', 'conv2', 'relu3']


def relu_like(rng, shape):
    return np.maximum(rng.standard_normal(shape), 0.3 * rng.standard_normal(shape)).astype(np.float32)


def blur(x):
    """3 x 3 box blur on the last two axes (circular): lowers every map's SROP."""
    out = np.zeros_like(x, dtype=np.float64)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out += np.roll(np.roll(x, dy, axis=-2), dx, axis=-1)
    return (out / 9).astype(np.float32)


def sets(rng, n):
    conv1 = relu_like(rng, (n, 4, 12, 12))
    conv2 = relu_like(rng, (n, 6, 9, 11))
    relu3 = relu_like(rng, (n, 3, 7, 7))
    return {'conv1': conv1, 'conv2': conv2, 'relu3': relu3}


def table(x):
    """[N][C] reference SROPs (None: no SROP)."""
    return [[srop(x[i, c])['srop'] for c in range(x.shape[1])] for i in range(x.shape[0])]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(sys.argv[2]))
    a = sets(rng, 8)
    a['relu3'][2:] = 0.0  # only inputs 0 and 1 live on A: fewer than 3, no test
    b = {
        'conv1': blur(a['conv1']),
        'conv2': relu_like(rng, a['conv2'].shape),
        'relu3': relu_like(rng, a['relu3'].shape),
    }
    c = sets(rng, 5)
    np.savez_compressed(out / 'a.npz', **a)
    np.savez(out / 'b.npz', **b)
    np.savez(out / 'c.npz', **c)
    tables = {name: {k: table(v) for k, v in files.items()} for name, files in (('a', a), ('b', b), ('c', c))}
    expected = {}
    for key, (x, y, paired) in {'a-b': ('a', 'b', True), 'a-b-unpaired': ('a', 'b', False), 'a-c': ('a', 'c', True)}.items():
        rows = {layer: input_stats(tables[x][layer], tables[y][layer], paired) for layer in LAYERS}
        adjusted = holm([rows[layer]['p_value'] for layer in LAYERS])
        for layer, p in zip(LAYERS, adjusted):
            rows[layer]['p_holm'] = p
        expected[key] = rows
    (out / 'expected.json').write_text(json.dumps(expected, indent=1))


if __name__ == '__main__':
    main()
