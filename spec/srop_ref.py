#!/usr/bin/env python3
"""The numpy reference of the spectral roll-off point, as spec/SROP.md defines it.

Plain numpy in float64, written to be read beside spec/SROP.md rather than to be fast: every
function names the section it implements. The project's tests take their expected values from it
(tools/make_fixtures.py, test/helpers/make_unseen.py); the CPU engine must agree with it to 1e-9.

As a command, it prints one JSON object per map of every layer of the files it is given:

    python3 spec/srop_ref.py FILE.npy|FILE.npz ... --layout nchw|nhwc
        [--kappa 0.85] [--dc keep|remove] [--domain disc|full] [--no-interpolate]

    {"layer": ..., "input": n, "channel": c, "height": H, "width": W,
     "srop": ..., "ring": ..., "energy": ..., "status": "ok"|"dead"|"nonfinite"}

A `.npy` file is one layer named after the file; a `.npz` file one layer per member. `--layout`
says how 4-D and 3-D arrays are laid out (section 7): it has no default, because a guess would be
a silent assumption; 2-D arrays (one map) need none.
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

# Section 2, step 7: a map whose kept energy is at most this share of its whole energy is dead.
DEAD_RATIO = 1e-9
PARAMETERS = {'kappa': 0.85, 'dc': 'keep', 'domain': 'disc', 'interpolate': True}  # section 1


# ---- Section 2: one map

def signed_frequencies(n):
    """Step 3: numpy.fft.fftfreq(n) * n as integers: 0, 1, ..., then the negative ones."""
    return [k if k < (n + 1) // 2 else k - n for k in range(n)]


def ring_table(H, W):
    """Steps 3-6: ring index and in-disc flag of every bin of the half spectrum (H x (W//2 + 1)).

    Exact integers: Q = (ky W)^2 + (kx H)^2 and M = max(H, W), so s = M sqrt(Q) / (H W);
    floor(2 s) = isqrt(4 M^2 Q) // (H W), ring = (floor(2 s) + 1) // 2 (round half up; the bin
    Q = 0 is ring 0), and the bin is inside the disc iff 4 Q <= (H W)^2.
    """
    M = max(H, W)
    HW = H * W
    ky = signed_frequencies(H)
    kx = list(range(W // 2 + 1))  # numpy.fft.rfftfreq(W) * W
    ring = np.zeros((H, len(kx)), dtype=np.int64)
    disc = np.zeros((H, len(kx)), dtype=bool)
    for i, a in enumerate(ky):
        for j, b in enumerate(kx):
            Q = (a * W) ** 2 + (b * H) ** 2
            ring[i, j] = (math.isqrt(4 * M * M * Q) // HW + 1) // 2
            disc[i, j] = 4 * Q <= HW * HW
    return ring, disc


def half_spectrum_weights(W):
    """Step 2: how many bins of the full spectrum each rfft2 column kx = 0..W//2 stands for."""
    w = np.full(W // 2 + 1, 2.0)
    w[0] = 1.0
    if W % 2 == 0:
        w[-1] = 1.0
    return w


def ring_energy(fmap, dc='keep', domain='disc'):
    """Steps 1-7: E[r] for r = 0..(largest kept ring) of one H x W map, and the Nyquist radius M/2."""
    a = np.asarray(fmap, dtype=np.float64)
    H, W = a.shape
    if dc == 'remove':
        a = a - a.mean()
    P = np.abs(np.fft.rfft2(a)) ** 2 * half_spectrum_weights(W)[None, :]
    ring, disc = ring_table(H, W)
    keep = disc if domain == 'disc' else np.ones_like(disc)
    E = np.bincount(ring[keep], weights=P[keep], minlength=int(ring[keep].max()) + 1 if keep.any() else 1)
    return E, max(H, W) / 2.0


def srop(fmap, kappa=0.85, dc='keep', domain='disc', interpolate=True):
    """Steps 1-9: the SROP of one 2-D map (1.0 = the Nyquist radius), with its ring, energy and status.

    srop and ring are None for a map with no SROP (status 'nonfinite' or 'dead'); energy is the kept
    energy T (None for a non-finite map).
    """
    if not 0.0 < kappa < 1.0:
        raise ValueError(f'kappa must lie strictly between 0 and 1, not {kappa}')
    if dc not in ('keep', 'remove') or domain not in ('disc', 'full'):
        raise ValueError(f'dc must be keep or remove and domain disc or full, not {dc!r}, {domain!r}')
    a = np.asarray(fmap, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        return {'srop': None, 'ring': None, 'energy': None, 'status': 'nonfinite'}
    E, half = ring_energy(a, dc, domain)
    total = E.sum()
    # The whole spectrum's energy (Parseval) of the map as given: before the DC removal and the disc cut.
    whole = a.size * float(np.sum(a * a))
    if not total > DEAD_RATIO * whole:
        return {'srop': None, 'ring': None, 'energy': float(total), 'status': 'dead'}
    C = np.cumsum(E)
    target = kappa * total
    r = int(np.argmax(C >= target))
    if interpolate:
        lo = max(r - 0.5, 0.0)
        hi = r + 0.5
        before = C[r - 1] if r > 0 else 0.0
        s = lo + (hi - lo) * (target - before) / E[r]
    else:
        s = float(r)
    return {'srop': s / half, 'ring': r, 'energy': float(total), 'status': 'ok'}


# ---- Section 4: one layer

def summary(values):
    """Count, mean, population std, min, quartiles (numpy's linear interpolation) and max of the SROPs.

    None and NaN stand for maps with no SROP: they are left out (the caller counts them).
    """
    v = np.asarray([x for x in values if x is not None and not math.isnan(x)], dtype=np.float64)
    if v.size == 0:
        return {'count': 0, 'mean': None, 'std': None, 'min': None, 'q1': None, 'median': None, 'q3': None, 'max': None}
    return {'count': int(v.size), 'mean': float(np.mean(v)), 'std': float(np.std(v)), 'min': float(np.min(v)),
            'q1': float(np.quantile(v, 0.25)), 'median': float(np.median(v)), 'q3': float(np.quantile(v, 0.75)),
            'max': float(np.max(v))}


# ---- Section 6: two inputs compared

def wasserstein(u, v):
    """1-D Wasserstein-1 distance: the integral of |F_u - F_v| (scipy.stats.wasserstein_distance)."""
    u = np.sort(np.asarray(u, dtype=np.float64))
    v = np.sort(np.asarray(v, dtype=np.float64))
    if u.size == 0 or v.size == 0:
        return None
    allv = np.sort(np.concatenate([u, v]))
    deltas = np.diff(allv)
    cu = np.searchsorted(u, allv[:-1], side='right') / u.size
    cv = np.searchsorted(v, allv[:-1], side='right') / v.size
    return float(np.sum(np.abs(cu - cv) * deltas))


def ks(u, v):
    """Two-sample Kolmogorov-Smirnov statistic sup |F_u - F_v|, over every data point."""
    u = np.sort(np.asarray(u, dtype=np.float64))
    v = np.sort(np.asarray(v, dtype=np.float64))
    if u.size == 0 or v.size == 0:
        return None
    allv = np.concatenate([u, v])
    cu = np.searchsorted(u, allv, side='right') / u.size
    cv = np.searchsorted(v, allv, side='right') / v.size
    return float(np.max(np.abs(cu - cv)))


def channel_means(x):
    """Each channel's mean SROP over the inputs where it has one (x is [N, C], NaN for none); NaN where it has none."""
    return np.array([np.mean(col[~np.isnan(col)]) if (~np.isnan(col)).any() else np.nan for col in x.T])


def compare(a, na, b, nb, C):
    """The A-vs-B figures of one layer. a and b hold N*C SROPs (map n*C + c), NaN for no SROP."""
    a = np.asarray(a, dtype=np.float64).reshape(na, C)
    b = np.asarray(b, dtype=np.float64).reshape(nb, C)
    va, vb = a[~np.isnan(a)], b[~np.isnan(b)]
    med_a = float(np.median(va)) if va.size else None
    med_b = float(np.median(vb)) if vb.size else None
    if na == nb:
        pairing = 'maps'
        pa, pb = a.ravel(), b.ravel()
    else:
        pairing = 'channel-means'
        with np.errstate(invalid='ignore'):
            pa, pb = channel_means(a), channel_means(b)
    keep = ~np.isnan(pa) & ~np.isnan(pb)
    d = pb[keep] - pa[keep]
    return {
        'channels': C, 'dead_a': int(np.isnan(a).sum()), 'dead_b': int(np.isnan(b).sum()),
        'median_a': med_a, 'median_b': med_b,
        'delta_median': None if med_a is None or med_b is None else med_b - med_a,
        'wasserstein': wasserstein(va, vb), 'ks': ks(va, vb),
        'pairing': pairing, 'pairs': int(keep.sum()),
        'paired_median_delta': float(np.median(d)) if d.size else None,
        'share_rising': float(np.mean(d > 0)) if d.size else None,
    }


# ---- Section 7: layouts

def to_nchw(x, layout):
    """A 4-D, 3-D or 2-D activation array as [N, C, H, W]; layout is 'nchw' or 'nhwc' (unused for 2-D)."""
    x = np.asarray(x)
    if x.ndim == 2:
        return x[None, None]
    if x.ndim not in (3, 4):
        raise ValueError(f'an activation array has 2, 3 or 4 axes, not {x.ndim} (shape {x.shape})')
    if layout not in ('nchw', 'nhwc'):
        raise ValueError(f'a {x.ndim}-D array needs its layout stated (nchw or nhwc), not {layout!r}')
    if x.ndim == 3:
        x = x[None]
    return x if layout == 'nchw' else np.transpose(x, (0, 3, 1, 2))


def layers_of(path):
    """(name, array) of every layer of a .npy file (the file's name) or a .npz file (its members, in order)."""
    path = Path(path)
    if path.suffix == '.npz':
        with np.load(path, allow_pickle=False) as z:
            return [(name, z[name]) for name in z.files]
    return [(path.stem, np.load(path, allow_pickle=False))]


def main(argv=None):
    ap = argparse.ArgumentParser(description='Per-map SROPs of .npy/.npz activation files, by the numpy reference (spec/SROP.md).')
    ap.add_argument('files', nargs='+', metavar='FILE')
    ap.add_argument('--layout', choices=['nchw', 'nhwc'], help='layout of 4-D and 3-D arrays (required for them)')
    ap.add_argument('--kappa', type=float, default=PARAMETERS['kappa'])
    ap.add_argument('--dc', default=PARAMETERS['dc'], choices=['keep', 'remove'])
    ap.add_argument('--domain', default=PARAMETERS['domain'], choices=['disc', 'full'])
    ap.add_argument('--no-interpolate', action='store_true')
    args = ap.parse_args(argv)
    if not 0.0 < args.kappa < 1.0:
        ap.error(f'--kappa must lie strictly between 0 and 1, not {args.kappa}')
    for f in args.files:
        for name, x in layers_of(f):
            if x.ndim in (3, 4) and args.layout is None:
                ap.error(f'{f}: layer {name} is {x.ndim}-D {tuple(x.shape)}: give --layout nchw or --layout nhwc')
            try:
                maps = to_nchw(x, args.layout)
            except ValueError as e:
                ap.error(f'{f}: layer {name}: {e}')
            N, C, H, W = maps.shape
            for n in range(N):
                for c in range(C):
                    r = srop(maps[n, c], args.kappa, args.dc, args.domain, not args.no_interpolate)
                    print(json.dumps({'layer': name, 'input': n, 'channel': c, 'height': H, 'width': W, **r}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
