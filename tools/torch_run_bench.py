#!/usr/bin/env python3
"""The `srop run` pipeline in PyTorch + numpy, for `npm run bench` (row `run`): per image, decode
the PNG (PIL), preprocess as the page does (resize bilinear to the model's size, grey or RGB, divide
by 255, mean and std), a torch forward pass with forward hooks catching the feature maps `srop run`
chooses by default (the ReLU outputs), then per map numpy.fft.rfft2 and the ring sums
(bench/numpy_baseline.py's layer_srops: rfft2, half-spectrum weights, one bincount, the SROPs).

    /usr/bin/python3 tools/torch_run_bench.py --model demo|resnet18 --images DIR [--repeat 2]
        one JSON line: images, seconds (best pass over every image), images_per_second, and the
        forward pass's share; model building and imports are outside the clock, as `srop run`'s
        own rate leaves out its model loading.
    /usr/bin/python3 tools/torch_run_bench.py --make-images DIR --count N --size S --mode L|RGB
        writes N seeded PNG images of S x S (smooth colour fields with noise).

Models: `demo` is tools/train_demo.py's DemoNet (the demo's architecture, 1 x 28 x 28, with seeded
random weights: the same work per image as the trained demo); `resnet18` is torchvision's
resnet18(weights=None) as tools/export_torchvision.py builds it (the ONNX side exports the same).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'bench'))
sys.path.insert(0, str(ROOT / 'tools'))
from numpy_baseline import layer_srops  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406])[:, None, None]
STD = np.array([0.229, 0.224, 0.225])[:, None, None]


def make_images(out, count, size, mode):
    out.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        rng = np.random.default_rng(500 + k)
        channels = 3 if mode == 'RGB' else 1
        coarse = Image.fromarray((rng.random((8, 8, channels)) * 255).astype(np.uint8).squeeze()).resize((size, size), Image.BICUBIC)
        a = np.asarray(coarse, dtype=np.float64) + rng.normal(0, 15, np.asarray(coarse).shape)
        Image.fromarray(np.clip(np.round(a), 0, 255).astype(np.uint8), mode).save(out / f'bench_{k:04d}.png')


def build(name):
    torch.manual_seed(0)
    maps = []
    if name == 'demo':
        from train_demo import DemoNet
        model = DemoNet().eval()
        # DemoNet applies F.relu after each convolution: the hook takes the convolution's output
        # and applies the same ReLU (the tensor the ONNX graph names /Relu_output_0 ...).
        for conv in (model.conv1, model.conv2, model.conv3, model.conv4, model.conv5):
            conv.register_forward_hook(lambda m, i, o: maps.append(F.relu(o)))
        return model, maps, (1, 28, 28)
    from export_torchvision import build as build_torchvision
    model, _ = build_torchvision('resnet18')
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(lambda m, i, o: maps.append(o))
    return model, maps, (3, 224, 224)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model', choices=['demo', 'resnet18'])
    parser.add_argument('--images')
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--make-images')
    parser.add_argument('--count', type=int, default=8)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--mode', default='RGB')
    args = parser.parse_args()
    if args.make_images:
        make_images(Path(args.make_images), args.count, args.size, args.mode)
        return
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    model, maps, (channels, height, width) = build(args.model)
    paths = sorted(Path(args.images).glob('*.png'))
    tables = {}
    best, best_forward, count = float('inf'), 0.0, 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        forward = 0.0
        count = 0
        for path in paths:
            image = Image.open(path).convert('RGB' if channels == 3 else 'L')
            if image.size != (width, height):
                image = image.resize((width, height), Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.float64)
            if channels == 3:
                x = (pixels.transpose(2, 0, 1) / 255 - MEAN) / STD
            else:
                x = pixels[None] / 255
            maps.clear()
            f0 = time.perf_counter()
            with torch.no_grad():
                model(torch.from_numpy(x.astype(np.float32)[None]))
            forward += time.perf_counter() - f0
            for m in maps:
                if m.shape[2] * m.shape[3] > 1:
                    layer_srops(m[0].numpy().astype(np.float64), tables)
            count += 1
        seconds = time.perf_counter() - t0
        if seconds < best:
            best, best_forward = seconds, forward
    print(json.dumps({'model': args.model, 'images': count, 'seconds': best, 'images_per_second': count / best, 'forward_seconds': best_forward, 'torch': torch.__version__, 'numpy': np.__version__}))


if __name__ == '__main__':
    main()
