#!/usr/bin/env python3
"""Holds the project's float32 ReLU decisions against the float64 model's pre-activations, gate by gate.

  /usr/bin/python3 scripts/gate_decisions.py NAME HEIGHTxWIDTH STEM EXAMPLE DUMP

NAME, HEIGHTxWIDTH and STEM as for gradient_ties.py; DUMP is the folder `Bench relu-outputs --model
STEM.onnx --example EXAMPLE --out DUMP` wrote (every ReLU node's float32 output, by ONNX node name).
For each ReLU a module of the float64 model runs (node /a/b/relu_1/Relu is the second call of a.b.relu), it
counts the gates the project decided the other way (output > 0 where the exact pre-activation is
<= 0, or the reverse) and sets the largest |exact pre-activation| at such a gate beside the
layer's float32 error (the largest |output - exact| where both are positive), both relative to the
layer's largest |exact pre-activation|. A flipped gate no farther from zero than the layer's
float32 error is a tie rounding decided, not a wrong value.
"""
import sys

import torch

from export_torchvision import seeded_model
from gradient_ties import read


def pre_activations(model64, x):
    """Each ReLU module's inputs in the float64 forward pass of one example, by module name, call by call."""
    seen = {}
    for name, module in model64.named_modules():
        if isinstance(module, torch.nn.ReLU):
            module.register_forward_pre_hook(
                lambda m, args, name=name: seen.setdefault(name, []).append(args[0].detach().clone()))
    with torch.no_grad():
        model64(x.unsqueeze(0))
    return seen


def module_call(node):
    """The module name and call index an exported ReLU node comes from: /layer1/layer1.0/relu_1/Relu is
    the second call of layer1.0.relu (the exporter names each scope by its full path or its own name)."""
    name = ""
    for part in node.strip("/").split("/")[:-1]:
        name = part if name and part.startswith(name + ".") else (f"{name}.{part}" if name else part)
    base, _, call = name.rpartition("_")
    return (base, int(call)) if call.isdigit() else (name, 0)


def dumped(folder):
    """(node name, float32 output) in the order the project ran them."""
    with open(folder + "/names.tsv") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    with open(folder + "/values.bin", "rb") as f:
        values = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).double()
    start, out = 0, []
    for name, count in rows:
        out.append((name, values[start:start + int(count)]))
        start += int(count)
    return out


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    name, size, stem, example, folder = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    height, width = (int(v) for v in size.lower().split("x"))
    x = read(stem + ".input.bin", torch.float32, (4, 3, height, width))[example]
    exact = pre_activations(seeded_model(name).double(), x)
    total, unmatched, beyond = 0, [], 0
    for node, ours in dumped(folder):
        module, call = module_call(node)
        if len(exact.get(module, [])) <= call:
            unmatched.append(node)
            continue
        z = exact[module][call].flatten()
        scale = z.abs().max().item()
        flipped = (ours > 0) != (z > 0)
        both = (ours > 0) & (z > 0)
        error = (ours[both] - z[both]).abs().max().item() / scale if both.any() else 0.0
        count = int(flipped.sum())
        total += count
        if count:
            nearest_zero = z[flipped].abs().max().item() / scale
            beyond += int((z[flipped].abs() / scale > error).sum())
            print(f"{node}: {count} gates decided the other way, |exact| at them up to {nearest_zero:.1e} "
                  f"of the layer's largest; the layer's float32 error {error:.1e}")
    print(f"{name} {size} example {example}: {total} gates decided the other way, {beyond} of them farther from zero "
          f"than their layer's float32 error; ReLU nodes not run by a module (not checked): {unmatched or 'none'}")


if __name__ == "__main__":
    main()
