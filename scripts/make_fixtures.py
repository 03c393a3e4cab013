#!/usr/bin/env python3
"""Writes the model-file fixtures under Tests/Fixtures/ from fixed seeds, with PyTorch.

For each tiny model: NAME.safetensors (written by export_safetensors.export) and NAME.json with
the model's arch and input shape, 4 inputs (flat NCHW, float32 values) and PyTorch's float32
outputs for them in eval mode (dropout off). Floats are written exactly: every float32 is a
double, and JSON keeps the shortest text that reads back as that double.

Run once with the system python that has torch:  /usr/bin/python3 scripts/make_fixtures.py
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_safetensors import export  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "Tests", "Fixtures")


def tiny_mlp():
    # A leading Flatten (module 0) shifts every index: fc layers are modules 1, 4 and 6.
    return nn.Sequential(
        nn.Flatten(), nn.Linear(30, 7), nn.Tanh(), nn.Dropout(0.25), nn.Linear(7, 6), nn.Sigmoid(), nn.Linear(6, 4))


def tiny_conv():
    # 1x9x8 -> conv 3x3 pad 1 -> 3x9x8 -> pool 2 (odd height floors) -> 3x4x4
    # -> conv 3x2 stride 2 pad 1 -> 4x2x3 -> overlapping pool 2 stride 1 -> 4x1x2 -> flatten 8 -> fc 5
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, (3, 2), stride=2, padding=1), nn.Tanh(), nn.MaxPool2d(2, stride=1),
        nn.Flatten(), nn.Linear(8, 5))


def write(name, model, input_shape, seed):
    torch.manual_seed(seed)
    for p in model.parameters():
        # Wider than the default init so every layer's nonlinearity is exercised away from zero.
        nn.init.uniform_(p, -1.0, 1.0)
    model.eval()
    meta = export(model, input_shape, os.path.join(out_dir, f"{name}.safetensors"))
    inputs = torch.rand(4, *input_shape, dtype=torch.float32)
    with torch.no_grad():
        logits = model(inputs)
    fixture = {
        "model": f"{name}.safetensors",
        "arch": meta["arch"],
        "input": meta["input"],
        "modules": meta["modules"],
        "torch": torch.__version__,
        "inputs": [[float(v) for v in x.flatten()] for x in inputs],
        "logits": [[float(v) for v in y] for y in logits],
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"{name}: arch {meta['arch']}, input {meta['input']}, modules {meta['modules']}")


os.makedirs(out_dir, exist_ok=True)
write("tiny_mlp", tiny_mlp(), (1, 6, 5), seed=20131221)
write("tiny_conv", tiny_conv(), (1, 9, 8), seed=20131222)
