#!/usr/bin/env python3
"""A model exported by PyTorch and its activations dumped by forward hooks, for the live-path test.

Writes test/fixtures/model/:
  torch_cnn.onnx   a small random CNN (fixed seed): RGB input [1, 3, 32, 32], conv/BN/ReLU blocks
                   with a max-pool and a residual add, exported by torch.onnx.export (opset 13)
  input.npy        the input tensor [1, 3, 32, 32] (ImageNet-normalised noise image)
  torch_acts.npz   the outputs of every ReLU module, caught by forward hooks during torch's own
                   forward pass, named by the tensor names the ONNX export gives them
                   ("/<module path>/Relu_output_0"), so that the page's live layers and these
                   file layers meet by name.

Run: /usr/bin/python3 tools/make_torch_fixture.py   (needs python3-torch)
"""
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

OUT = Path(__file__).resolve().parents[1] / 'test' / 'fixtures' / 'model'


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class TorchCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block(3, 8, 1)
        self.pool = nn.MaxPool2d(2)
        self.block1 = Block(8, 8, 1)
        self.block2 = Block(8, 16, 2)
        self.block3 = Block(16, 16, 1)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = x + self.block1(x)
        x = self.block2(x)
        x = self.block3(x)
        return self.head(x.mean(dim=(2, 3)))


def main():
    torch.manual_seed(7)
    model = TorchCnn()
    # Non-trivial batch-norm statistics, as a trained model has.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.3)
    model.eval()
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    image = rng.random((1, 3, 32, 32), dtype=np.float32)
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[None, :, None, None]
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[None, :, None, None]
    x = ((image - mean) / std).astype(np.float32)
    np.save(OUT / 'input.npy', x)
    acts = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.ReLU):
            tensor_name = '/' + name.replace('.', '/') + '/Relu_output_0'
            module.register_forward_hook(lambda m, i, o, n=tensor_name: acts.__setitem__(n, o.detach().numpy().copy()))
    with torch.no_grad():
        model(torch.from_numpy(x))
    torch.onnx.export(model, torch.from_numpy(x), str(OUT / 'torch_cnn.onnx'), input_names=['input'], output_names=['scores'], opset_version=13)
    np.savez(OUT / 'torch_acts.npz', **acts)
    print(sorted(acts))


if __name__ == '__main__':
    main()
