#!/usr/bin/env python3
"""Activation files for the visualiser's tests and its example, written by numpy.

A small random convolutional network (fixed seed; 3x3 convolutions, ReLU, 2x2 average pooling)
runs on a drawn figure (input A) and on the same figure with a block occluded (input B). The
activations after each ReLU are saved as the tests and the example need them:

  test/fixtures/visualiser/a.npz            A, NCHW, numpy.savez_compressed (batch of 2: figure, shifted figure)
  test/fixtures/visualiser/b.npz            B, NCHW, numpy.savez (stored)
  test/fixtures/visualiser/b_nhwc.safetensors  B's layers as NHWC float32 safetensors (another format)
  test/fixtures/visualiser/a_only.npy       one extra layer on A's side only
  test/fixtures/visualiser/broken.npz       a truncated archive (an error case)
  public/examples/figure_a.npz, figure_b.npz  the example the page offers ("Load the example")

Run: python3 tools/make_visualiser_fixtures.py
"""
import json
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / 'test' / 'fixtures' / 'visualiser'
EXAMPLES = ROOT / 'public' / 'examples'


def figure(size=32, shift=0):
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    c = size / 2 + shift
    r = np.hypot(y - c, x - c)
    img = np.exp(-((r - size * 0.28) ** 2) / 4.0)          # a ring
    img += np.exp(-((x - c) ** 2) / 3.0) * (np.abs(y - c) < size * 0.3)  # a vertical stroke
    return img


def conv3(x, w):
    """x [C, H, W], w [O, C, 3, 3], 'same' zero padding."""
    c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((w.shape[0], h, wd))
    for dy in range(3):
        for dx in range(3):
            out += np.einsum('oc,chw->ohw', w[:, :, dy, dx], p[:, dy:dy + h, dx:dx + wd])
    return out


def pool2(x):
    c, h, w = x.shape
    return x[:, : h - h % 2, : w - w % 2].reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))


def network(rng):
    widths = [1, 8, 8, 12, 12, 24]
    return [rng.standard_normal((o, i, 3, 3)) * np.sqrt(2.0 / (9 * i)) for i, o in zip(widths[:-1], widths[1:])]


def activations(weights, img):
    x = img[None]
    acts = {}
    for k, w in enumerate(weights):
        x = np.maximum(conv3(x, w), 0)
        acts[f'conv{k + 1}'] = x.astype(np.float32)
        if k in (1, 3):
            x = pool2(x)
    return acts


def batch(weights, images):
    per = [activations(weights, im) for im in images]
    return {name: np.stack([p[name] for p in per]) for name in per[0]}


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    path.write_bytes(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def main():
    rng = np.random.default_rng(20260211)
    weights = network(rng)
    a_img = figure()
    b_img = a_img.copy()
    b_img[8:20, 14:28] = 0.0  # occlusion
    OUT.mkdir(parents=True, exist_ok=True)
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    a = batch(weights, [a_img, figure(shift=2)])
    b = batch(weights, [b_img])
    np.savez_compressed(OUT / 'a.npz', **a)
    np.savez(OUT / 'b.npz', **b)
    write_safetensors(OUT / 'b_nhwc.safetensors', {k: np.transpose(v, (0, 2, 3, 1)) for k, v in b.items()})
    np.save(OUT / 'a_only.npy', a['conv5'][:, :4])
    whole = (OUT / 'b.npz').read_bytes()
    (OUT / 'broken.npz').write_bytes(whole[: len(whole) // 2])
    np.savez_compressed(EXAMPLES / 'figure_a.npz', **activations(weights, a_img))
    np.savez_compressed(EXAMPLES / 'figure_b.npz', **activations(weights, b_img))


if __name__ == '__main__':
    main()
