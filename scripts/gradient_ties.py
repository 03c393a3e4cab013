#!/usr/bin/env python3
"""Asks whether a float32 input gradient that strays from float64 autograd is a gate decided by rounding.

  /usr/bin/python3 scripts/gradient_ties.py NAME HEIGHTxWIDTH STEM PROJECT_GRAD [RADIUS ...]

NAME and HEIGHTxWIDTH as for export_torchvision.py, which wrote STEM.input.bin, STEM.grad.bin
(PyTorch float32) and STEM.grad64.bin (PyTorch float64); PROJECT_GRAD is the project's gradient of
the same inputs (`Bench graphs --gradients DIR` writes DIR/NAME.project.grad.bin).

A ReLU whose pre-activation, or a max-pooling window whose two largest inputs, lie closer together
than float32 resolves makes the gradient jump: float32 and float64 may take different sides, and
both are the exact gradient of some input within rounding of x. For every example where a float32
gradient is more than 1e-3 (of the largest float64 value, as `Bench graphs` measures) from float64
autograd at x, this evaluates float64 autograd at NUDGES inputs x + d, d uniform in [-r, r] for
each RADIUS r (default 1e-6 and 1e-5), and reports how far each float32 gradient is from the
nearest of them. A float32 gradient within float32's accuracy (~1e-6) of float64 autograd at an
input that close to x is the exact gradient there: it took the other side of a tie, it is not wrong.
"""
import sys

import torch

from export_torchvision import LABELS, logits_and_gradient, seeded_inputs, seeded_model

NUDGES = 16
TOLERANCE = 1e-3


def read(path, dtype, shape):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=dtype).reshape(shape).double()


def distance(a, b, scale):
    return ((a - b).abs().max() / scale).item()


def nudged_gradients(model64, x, label, radius, seed):
    """float64 autograd's gradient at NUDGES inputs around x (one example), nudge k seeded by seed + k."""
    nudges = [torch.empty_like(x).uniform_(-radius, radius, generator=torch.Generator().manual_seed(seed + k))
              for k in range(NUDGES)]
    batch = torch.stack([x + d for d in nudges])
    xi = batch.clone().requires_grad_(True)
    logits = model64(xi)
    torch.nn.functional.cross_entropy(logits, torch.full((NUDGES,), label), reduction="sum").backward()
    return xi.grad.detach()


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    name, size, stem, project_path = sys.argv[1:5]
    radii = [float(r) for r in sys.argv[5:]] or [1e-6, 1e-5]
    height, width = (int(v) for v in size.lower().split("x"))
    shape = (4, 3, height, width)
    x = read(stem + ".input.bin", torch.float32, shape)
    if not torch.equal(x.float(), seeded_inputs(height, width)):
        sys.exit(f"{stem}.input.bin: not the inputs export_torchvision.py makes for {size}")
    exact = read(stem + ".grad64.bin", torch.float64, shape)
    float32 = {"project": read(project_path, torch.float32, shape), "pytorch": read(stem + ".grad.bin", torch.float32, shape)}
    scale = exact.abs().max()
    model64 = seeded_model(name).double()
    for b in range(4):
        off = {who: distance(g[b], exact[b], scale) for who, g in float32.items()}
        line = f"{name} {size} example {b}: " + ", ".join(f"{who} {d:.1e}" for who, d in off.items())
        if max(off.values()) <= TOLERANCE:
            print(line + " (both within 1e-3 at x)")
            continue
        for radius in radii:
            nudged = nudged_gradients(model64, x[b], LABELS[b], radius, seed=1000 * b)
            moved = [distance(n, exact[b], scale) for n in nudged]
            nearest = {who: min(distance(n, g[b], scale) for n in nudged) for who, g in float32.items()}
            line += (f"; r {radius:.0e}: float64 moved {min(moved):.1e}..{max(moved):.1e}, nearest to "
                     + ", ".join(f"{who} {d:.1e}" for who, d in nearest.items()))
        print(line, flush=True)


if __name__ == "__main__":
    main()
