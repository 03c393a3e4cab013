#!/usr/bin/env python3
"""Writes the ONNX fixtures of Transpose and ReduceMean under Tests/Fixtures/graphs/ from a fixed seed.

channel_shuffle_op13.onnx: 
A small network: a grouped convolution, the channel shuffle of torchvision's shufflenet_v2 with the
shapes written as numbers (a Reshape to [N, groups, C/groups, H, W], a Transpose of axes 1 and 2,
a Reshape back; torchvision's own reads them with Shape/Gather/Slice, which the importer does not
fold), a second grouped convolution, global average pooling and a linear layer: 3x16x16 inputs,
10 classes, random weights, opset 13, eval mode.

reduce_mean_op13.onnx: a convolution, its output times its mean over the channels (ReduceMean
keepdims=1, broadcast Mul), the mean over height and width (ReduceMean axes [2, 3], keepdims=0,
PyTorch's x.mean([2, 3])) and a linear layer: 3x16x16 inputs, 10 classes, opset 13.

layer_norm_op17.onnx: convnext_tiny's LayerNorm pattern: a convolution, a Transpose to channels
last, nn.LayerNorm over the channels (exported at opset 17 as LayerNormalization, random weight and
bias), a Transpose back, global average pooling and a linear layer: 3x16x16 inputs, 10 classes.

The tests check them against ONNX Runtime.

Run once with the system python that has torch:
  /usr/bin/python3 scripts/make_shape_op_fixtures.py
"""
import os

import torch
from torch import nn

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "Tests", "Fixtures", "graphs")


class TinyShuffle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, 1)
        self.conv2 = nn.Conv2d(8, 8, 3, 1, 1, groups=2)
        self.conv3 = nn.Conv2d(8, 8, 1, groups=2)
        self.fc = nn.Linear(8, 10)

    @staticmethod
    def shuffle(x, groups=2, channels=8, side=8):
        x = x.reshape(-1, groups, channels // groups, side, side).transpose(1, 2)
        return x.reshape(-1, channels, side, side)

    def forward(self, x):
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = torch.relu(self.conv3(self.shuffle(x)))
        return self.fc(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1))


class TinyMeans(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, 2, 1)
        self.fc = nn.Linear(6, 10)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = x * x.mean(1, keepdim=True)
        return self.fc(x.mean([2, 3]))


class TinyLayerNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 10)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        x = self.norm(self.conv(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.fc(nn.functional.adaptive_avg_pool2d(torch.relu(x), 1).flatten(1))


def export(model, name, opset=13):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    path = os.path.join(out_dir, name)
    torch.onnx.export(model.eval(), x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    import onnx
    print(name, sorted({n.op_type for n in onnx.load(path).graph.node}))


def main():
    torch.manual_seed(0)
    export(TinyShuffle(), "channel_shuffle_op13.onnx")
    export(TinyMeans(), "reduce_mean_op13.onnx")
    export(TinyLayerNorm(), "layer_norm_op17.onnx", 17)


if __name__ == "__main__":
    main()
