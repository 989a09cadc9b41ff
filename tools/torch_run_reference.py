#!/usr/bin/env python3
"""PyTorch's own SROPs of a torchvision ResNet-18 on a few images, for test/cli-run-torch.test.ts.

The test runs `srop run` on the exported model and the same PNG files and compares, image by image,
with what the numpy reference (spec/srop_ref.py) gives on PyTorch's own tensors, caught by forward
hooks during torch's forward pass on the image preprocessed as the page does (divide by 255,
ImageNet mean and std, computed in float64 and rounded to float32 as the page rounds it).

Writes into OUT (default tmp/srop-run-torch/, ignored by git):
  resnet18.onnx        torchvision's resnet18(weights=None) as tools/export_torchvision.py builds and
                       exports it (torch.manual_seed(0), opset 14; nothing is downloaded)
  images/img_K.png     IMAGES RGB images of 224 x 224 (the model's size: no resize), seeded
  reference.json       per kept module output (activations and residual blocks, in execution order,
                       a block that returns its last activation's tensor once, no 1 x 1 maps): its
                       module path, shape and, per image and channel, SROP, ring and status

Run: /usr/bin/python3 tools/torch_run_reference.py [OUT]   (needs Debian's python3-torch, -torchvision)
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(ROOT / 'spec'))
from export_torchvision import ACTIVATIONS, build, residual  # noqa: E402
import srop_ref  # noqa: E402

IMAGES = 3
SIZE = 224
MEAN = np.array([0.485, 0.456, 0.406])[:, None, None]
STD = np.array([0.229, 0.224, 0.225])[:, None, None]


def make_image(k):
    """A smooth random colour field plus fine noise and a bright square: every scale has energy."""
    rng = np.random.default_rng(100 + k)
    coarse = Image.fromarray((rng.random((7, 7, 3)) * 255).astype(np.uint8)).resize((SIZE, SIZE), Image.BICUBIC)
    a = np.asarray(coarse, dtype=np.float64) + rng.normal(0, 12 + 8 * k, (SIZE, SIZE, 3))
    a[40 + 10 * k:90 + 10 * k, 60:130] += 70
    return Image.fromarray(np.clip(np.round(a), 0, 255).astype(np.uint8), 'RGB')


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'tmp' / 'srop-run-torch'
    (out / 'images').mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    model, opset = build('resnet18')
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), str(out / 'resnet18.onnx'), input_names=['input'], output_names=['logits'], opset_version=opset)

    records = []

    def hook(path):
        def run(module, inputs, output):
            if output.dim() == 4 and output.shape[2] * output.shape[3] > 1:
                records.append((path, output.detach().clone().numpy()))
        return run

    for path, m in model.named_modules():
        if isinstance(m, ACTIVATIONS) or residual(m):
            m.register_forward_hook(hook(path))

    names, per_image = [], []
    for k in range(IMAGES):
        name = f'img_{k}.png'
        make_image(k).save(out / 'images' / name)
        # Read back as the command reads it, preprocessed as the page does (float64, then float32).
        pixels = np.asarray(Image.open(out / 'images' / name).convert('RGB'), dtype=np.float64).transpose(2, 0, 1)
        x = ((pixels * (1 / 255) - MEAN) / STD).astype(np.float32)[None]
        records.clear()
        with torch.no_grad():
            model(torch.from_numpy(x))
        kept = []
        for path, value in records:
            # A block that ends in its activation (ReLU(x + f(x))) returns that activation's tensor.
            if kept and kept[-1][1].shape == value.shape and np.array_equal(kept[-1][1], value):
                continue
            kept.append((path, value))
        names.append(name)
        per_image.append(kept)

    layers = []
    for j, (path, value) in enumerate(per_image[0]):
        entry = {'module': path, 'shape': [IMAGES] + list(value.shape[1:]), 'srop': [], 'ring': [], 'status': []}
        for kept in per_image:
            assert kept[j][0] == path, f'image order differs at {j}: {kept[j][0]} vs {path}'
            maps = [srop_ref.srop(kept[j][1][0, c]) for c in range(value.shape[1])]
            entry['srop'].append([m['srop'] for m in maps])
            entry['ring'].append([m['ring'] for m in maps])
            entry['status'].append([m['status'] for m in maps])
        layers.append(entry)
    info = {'torch': torch.__version__, 'opset': opset, 'size': SIZE, 'images': names, 'layers': layers}
    (out / 'reference.json').write_text(json.dumps(info))
    print(f'{out}: resnet18.onnx, {IMAGES} images, {len(layers)} feature maps', flush=True)


if __name__ == '__main__':
    main()
