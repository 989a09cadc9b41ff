#!/usr/bin/env python3
"""A ResNet-18-shaped ONNX model with random weights (fixed seed) for `npm run bench`.

ResNet-18 as torchvision defines it (written out here, so torchvision is not needed), input
[1, 3, 224, 224], exported with torch.onnx.export (opset 13) to tmp/resnet18.onnx (about 45 MB, not
committed). Run: /usr/bin/python3 tools/make_resnet18.py   (needs python3-torch)
"""
import sys
from pathlib import Path

import torch
import torch.nn as nn

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / 'tmp' / 'resnet18.onnx'


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [Basic(cin, cout, stride), Basic(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean(dim=(2, 3)))


torch.manual_seed(18)
model = ResNet18().eval()
OUT.parent.mkdir(parents=True, exist_ok=True)
torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(OUT), input_names=['input'], output_names=['logits'], opset_version=13)
print(OUT)
