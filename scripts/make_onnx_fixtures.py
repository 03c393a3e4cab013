#!/usr/bin/env python3
"""Writes the ONNX fixtures under Tests/Fixtures/onnx/ from fixed seeds, with PyTorch's exporter.

Two tiny classifiers, each with its input normalisation inside the graph, as torchvision-style
models ship it:
  tiny_mlp.onnx   opset 9:  (x - 0.1307) / 0.3081 (Sub, Div by scalars), Flatten, Gemm, Tanh,
                  Dropout, Gemm, Sigmoid, Gemm and a trailing LogSoftmax; fixed batch of 4.
  tiny_conv.onnx  opset 13: per-channel (x - mean[c]) * (1 / std[c]) (Sub, Mul by [3,1,1]), Conv with
                  padding, Relu, MaxPool, strided Conv, Tanh, Flatten, Gemm; symbolic batch dim.
NAME.json holds 4 inputs (flat NCHW float32 values) and PyTorch's float32 logits for them in eval
mode, taken before any trailing (log-)softmax, which the project's loader drops. Floats are
written exactly: JSON keeps the shortest text that reads back as the same double.

Run once with the system python that has torch:  /usr/bin/python3 scripts/make_onnx_fixtures.py
(torch.onnx.export needs no onnx package.)
"""
import json
import os

import torch
from torch import nn

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "Tests", "Fixtures", "onnx")


class Normalize(nn.Module):
    def __init__(self, mean, std, multiply):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.multiply = multiply

    def forward(self, x):
        return (x - self.mean) * (1.0 / self.std) if self.multiply else (x - self.mean) / self.std


def tiny_mlp():
    body = nn.Sequential(
        Normalize(0.1307, 0.3081, multiply=False), nn.Flatten(),
        nn.Linear(30, 7), nn.Tanh(), nn.Dropout(0.25), nn.Linear(7, 6), nn.Sigmoid(), nn.Linear(6, 4))
    return body, nn.LogSoftmax(dim=1)


def tiny_conv():
    # 3x8x8 -> conv 3x3 pad 1 -> 4x8x8 -> pool 2 -> 4x4x4 -> conv 3x3 stride 2 pad 1 -> 5x2x2 -> flatten 20 -> fc 6
    body = nn.Sequential(
        Normalize([[[0.485]], [[0.456]], [[0.406]]], [[[0.229]], [[0.224]], [[0.225]]], multiply=True),
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 5, 3, stride=2, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(20, 6))
    return body, None


def write(name, make, input_shape, seed, opset, symbolic_batch):
    torch.manual_seed(seed)
    body, head = make()
    for mname, p in body.named_parameters():
        # Wider than the default init so every layer's nonlinearity is exercised away from zero.
        nn.init.uniform_(p, -1.0, 1.0)
    body.eval()
    full = nn.Sequential(body, head) if head is not None else body
    full.eval()
    inputs = torch.rand(4, *input_shape, dtype=torch.float32)
    with torch.no_grad():
        logits = body(inputs)
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=opset)
    if symbolic_batch:
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
    torch.onnx.export(full, inputs, os.path.join(out_dir, f"{name}.onnx"), **kwargs)
    fixture = {
        "model": f"{name}.onnx",
        "input": "x".join(str(d) for d in input_shape),
        "opset": opset,
        "softmax": head is not None,
        "torch": torch.__version__,
        "inputs": [[float(v) for v in x.flatten()] for x in inputs],
        "logits": [[float(v) for v in y] for y in logits],
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(fixture, f, indent=1)


if __name__ == "__main__":
    os.makedirs(out_dir, exist_ok=True)
    write("tiny_mlp", tiny_mlp, (1, 5, 6), seed=11, opset=9, symbolic_batch=False)
    write("tiny_conv", tiny_conv, (3, 8, 8), seed=12, opset=13, symbolic_batch=True)
