#!/usr/bin/env python3
"""Vectorised numpy baseline for `npm run bench`: per layer, numpy.fft.rfft2 over the whole layer,
power times half-spectrum weights, one bincount over (channel, ring), then every channel's SROP
(kappa 0.85, dc keep, disc, interpolated).

    python3 bench/numpy_baseline.py [--workload vgg16|resnet50] [--repeat 3]
        engine only: one JSON line with seconds per image. The activations are ReLU-like random
        float32 maps and the ring tables (one per shape, as a per-shape cache holds them) are
        made before the clock starts, as the engines' benchmark makes its data, plans and ring
        tables before its clock (one warm-up map per shape).
    python3 bench/numpy_baseline.py --workload vgg16 --write PATH.npz
        writes that workload's activations ([1, C, H, W] float32 members, np.savez) for the
        whole-process comparison with `srop --backend cpu`.
    python3 bench/numpy_baseline.py --file PATH.npz --out PATH.csv
        the whole job as one process (timed from outside): read every layer of the file, make its
        ring table, compute the SROPs, write layer,channel,srop as CSV.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np


def ring_table(H, W):
    M = max(H, W)
    HW = H * W
    ky = np.fft.fftfreq(H) * H
    kx = np.arange(W // 2 + 1)
    Q = (ky[:, None] * W) ** 2 + (kx[None, :] * H) ** 2
    # floor(2 s) with s = M sqrt(Q) / (H W), settled exactly with integers (as spec/SROP.md §2 step 5 asks)
    two_s = np.array([math.isqrt(int(4 * M * M * q)) // HW for q in Q.ravel().astype(np.int64)]).reshape(Q.shape)
    ring = (two_s + 1) // 2
    disc = 4 * Q <= HW * HW
    return ring, disc


def weights(W):
    w = np.full(W // 2 + 1, 2.0)
    w[0] = 1.0
    if W % 2 == 0:
        w[-1] = 1.0
    return w


def layer_srops(x, tables, kappa=0.85):
    C, H, W = x.shape
    key = (H, W)
    if key not in tables:
        tables[key] = ring_table(H, W)
    ring, disc = tables[key]
    P = np.abs(np.fft.rfft2(x)) ** 2 * weights(W)[None, None, :]
    rings = int(ring.max()) + 1
    idx = np.where(disc, ring, rings)  # bins outside the disc go to a slot that is dropped
    flat = (np.arange(C)[:, None] * (rings + 1) + idx.ravel()[None, :]).ravel()
    E = np.bincount(flat, weights=P.reshape(C, -1).ravel(), minlength=C * (rings + 1)).reshape(C, rings + 1)[:, :rings]
    T = E.sum(axis=1)
    Cum = np.cumsum(E, axis=1)
    target = kappa * T
    r = np.argmax(Cum >= target[:, None], axis=1)
    before = np.where(r > 0, Cum[np.arange(C), np.maximum(r - 1, 0)], 0.0)
    lo = np.maximum(r - 0.5, 0.0)
    with np.errstate(invalid='ignore', divide='ignore'):
        s = lo + (r + 0.5 - lo) * (target - before) / E[np.arange(C), r]
    return s / (max(H, W) / 2.0)


def whole_file(path, out):
    """Every layer of an .npz file, read, transformed and written as CSV."""
    tables = {}
    with np.load(path) as archive, open(out, 'w') as csv:
        csv.write('layer,channel,srop\n')
        for name in archive.files:
            x = archive[name]
            x = x.reshape(-1, *x.shape[-2:]).astype(np.float32, copy=False)
            s = layer_srops(x, tables)
            csv.write(''.join(f'{name},{c},{"" if math.isnan(v) else repr(float(v))}\n' for c, v in enumerate(s)))


def workload_layers(shapes):
    rng = np.random.default_rng(0)
    return [np.maximum(rng.standard_normal(s, dtype=np.float32), 0) for s in shapes]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--workload', default='vgg16')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--write', help='write the workload to this .npz and stop')
    ap.add_argument('--file', help='whole-process mode: SROPs of every layer of this .npz')
    ap.add_argument('--out', help='CSV written in --file mode', default='/dev/null')
    a = ap.parse_args()
    if a.file:
        whole_file(a.file, a.out)
        return
    shapes = json.loads((Path(__file__).parent / 'workloads.json').read_text())[a.workload]
    layers = workload_layers(shapes)
    if a.write:
        np.savez(a.write, **{f'layer{i:02d}': x[None] for i, x in enumerate(layers)})
        return
    # Ring tables before the clock, once per shape, as the engines hold theirs.
    tables = {}
    for s in shapes:
        if tuple(s[1:]) not in tables:
            tables[tuple(s[1:])] = ring_table(*s[1:])
    best = math.inf
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        for x in layers:
            layer_srops(x, tables)
        best = min(best, time.perf_counter() - t0)
    maps = sum(s[0] for s in shapes)
    values = sum(s[0] * s[1] * s[2] for s in shapes)
    print(json.dumps({'workload': a.workload, 'seconds_per_image': best, 'maps': maps, 'values': values, 'numpy': np.__version__}))


if __name__ == '__main__':
    main()
