#!/usr/bin/env python3
"""Exports torchvision architectures to ONNX with random weights (nothing is downloaded), and for the
end-to-end test also dumps PyTorch's own feature maps.

Writes into OUT (default tmp/torchvision/, ignored by git: the models are large):
  <name>.onnx       the model (weights=None, torch.manual_seed(0)), input [1, 3, S, S] named
                    'input', output 'logits', exported by torch.onnx.export at the opset listed
                    below (PyTorch 1.13's default, 14, unless a pattern needs another)
  <name>.json       how it was made: torch and torchvision versions, opset, input size
With --dump, also:
  <name>_input.npy  the input tensor (seeded noise, ImageNet-normalised)
  <name>_maps.npz   PyTorch's own outputs of every activation module (ReLU, Hardswish, SiLU, GELU,
                    ...) and of every residual block (the modules whose forward adds a skip), caught
                    by forward hooks during torch's own forward pass, in execution order, as
                    'NNN <module path>' members; channels-last tensors (inside ConvNeXt's blocks,
                    between its two Permutes) are stored permuted to [N, C, H, W]
  <name>_maps.json  per member: kind (activation, block, gate, other-activation), whether it
                    was channels-last in PyTorch, its stored shape

Run: /usr/bin/python3 tools/export_torchvision.py [--out DIR] [--size S] [--dump] [name ...]
(needs Debian's python3-torch and python3-torchvision; no name: every model of the docs table)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision import models

ROOT = Path(__file__).resolve().parents[1]

# name: (constructor, opset). MobileNetV3 at opset 13, where Hardswish is exported as
# HardSigmoid x Mul (opset 14 has a HardSwish op); the e2e test checks that pattern.
MODELS = {
    'resnet18': (models.resnet18, 14),
    'resnet50': (models.resnet50, 14),
    'vgg16': (models.vgg16, 14),
    'mobilenet_v2': (models.mobilenet_v2, 14),
    'mobilenet_v3_large': (models.mobilenet_v3_large, 13),
    'mobilenet_v3_small': (models.mobilenet_v3_small, 13),
    'efficientnet_b0': (models.efficientnet_b0, 14),
    'densenet121': (models.densenet121, 14),
    'squeezenet1_1': (models.squeezenet1_1, 14),
    'shufflenet_v2_x1_0': (models.shufflenet_v2_x1_0, 14),
    'convnext_tiny': (models.convnext_tiny, 14),
    'regnet_y_400mf': (models.regnet_y_400mf, 14),
    'googlenet': (models.googlenet, 14),
}
TABLE = [n for n in MODELS if n != 'mobilenet_v3_small']

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.SiLU, nn.GELU, nn.LeakyReLU, nn.ELU, nn.Mish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh)


def build(name):
    constructor, opset = MODELS[name]
    torch.manual_seed(0)
    kwargs = {'weights': None}
    if name == 'googlenet':
        kwargs.update(aux_logits=False, init_weights=True)
    model = constructor(**kwargs)
    # Random but not degenerate batch-norm statistics, as a trained model has.
    generator = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=generator) * 0.4 - 0.2)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
    return model.eval(), opset


def residual(module):
    """Whether the module's forward returns its input plus a branch (a residual block)."""
    from torchvision.models import convnext, efficientnet, mobilenetv2, mobilenetv3, regnet, resnet
    if isinstance(module, (resnet.BasicBlock, resnet.Bottleneck, regnet.ResBottleneckBlock, convnext.CNBlock)):
        return True
    if isinstance(module, (mobilenetv2.InvertedResidual, mobilenetv3.InvertedResidual, efficientnet.MBConv)):
        return bool(module.use_res_connect)
    return False


def dump(model, x, out, name):
    """PyTorch's own activation and block outputs, in execution order (see the module docstring)."""
    from torchvision.ops.misc import SqueezeExcitation
    from torchvision.models.convnext import Permute
    gates = set()
    for m in model.modules():
        if isinstance(m, SqueezeExcitation):
            gates.add(id(m.scale_activation))
    state = {'channels_last': False}
    records = []

    def hook(path, kind):
        def run(module, inputs, output):
            if isinstance(module, Permute):
                state['channels_last'] = list(module.dims) == [0, 2, 3, 1]
                return
            if output.dim() != 4:
                return
            value = output.detach().clone()
            channels_last = state['channels_last'] and kind != 'block'
            if channels_last:
                value = value.permute(0, 3, 1, 2)
            records.append((path, kind, channels_last, value.contiguous().numpy()))
        return run

    for path, m in model.named_modules():
        if isinstance(m, Permute):
            m.register_forward_hook(hook(path, 'permute'))
        elif isinstance(m, ACTIVATIONS):
            m.register_forward_hook(hook(path, 'gate' if id(m) in gates else 'activation'))
        elif residual(m):
            m.register_forward_hook(hook(path, 'block'))
    with torch.no_grad():
        model(x)
    members, meta = {}, []
    for i, (path, kind, channels_last, value) in enumerate(records):
        key = f'{i:03d} {path}'
        members[key] = value
        meta.append({'member': key, 'module': path, 'kind': kind, 'channels_last': channels_last, 'shape': list(value.shape)})
    np.savez(out / f'{name}_maps.npz', **members)
    (out / f'{name}_maps.json').write_text(json.dumps(meta, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('names', nargs='*', help=f'models to export (default: {", ".join(TABLE)})')
    parser.add_argument('--out', default=str(ROOT / 'tmp' / 'torchvision'))
    parser.add_argument('--size', type=int, default=224, help='input height and width (default 224)')
    parser.add_argument('--dump', action='store_true', help="also write the input and PyTorch's own feature maps")
    args = parser.parse_args()
    names = args.names or TABLE
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f'export_torchvision: unknown model {", ".join(unknown)}; known: {", ".join(MODELS)}')
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    for name in names:
        model, opset = build(name)
        rng = np.random.default_rng(7)
        image = rng.random((1, 3, args.size, args.size), dtype=np.float32)
        mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[None, :, None, None]
        std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[None, :, None, None]
        x = torch.from_numpy(((image - mean) / std).astype(np.float32))
        torch.onnx.export(model, x, str(out / f'{name}.onnx'), input_names=['input'], output_names=['logits'], opset_version=opset)
        info = {'model': name, 'torch': torch.__version__, 'torchvision': torchvision.__version__, 'opset': opset, 'size': args.size, 'weights': 'random (torch.manual_seed(0))'}
        (out / f'{name}.json').write_text(json.dumps(info, indent=1))
        if args.dump:
            np.save(out / f'{name}_input.npy', x.numpy())
            dump(model, x, out, name)
        print(f'{name}: {out / (name + ".onnx")} (opset {opset}, {args.size} x {args.size})', flush=True)


if __name__ == '__main__':
    main()
