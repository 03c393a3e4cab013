#!/usr/bin/env python3
"""Asks whether a float32 input gradient that strays from float64 autograd is a gate decided by rounding.

  /usr/bin/python3 scripts/gradient_ties.py NAME HEIGHTxWIDTH STEM PROJECT_GRAD [RADIUS ...] [--nudges N] [--example B] [--search K]

NAME and HEIGHTxWIDTH as for export_torchvision.py, which wrote STEM.input.bin, STEM.grad.bin
(PyTorch float32) and STEM.grad64.bin (PyTorch float64); PROJECT_GRAD is the project's gradient of
the same inputs (`Bench graphs --gradients DIR` writes DIR/NAME.project.grad.bin).

A ReLU whose pre-activation, or a max-pooling window whose two largest inputs, lie closer together
than float32 resolves makes the gradient jump: float32 and float64 may take different sides, and
both are the exact gradient of some input within rounding of x. For every example where a float32
gradient is more than 1e-3 (of the largest float64 value, as `Bench graphs` measures) from float64
autograd at x (or example B only), this evaluates float64 autograd at N inputs x + d (default 16),
d uniform in [-r, r] for each RADIUS r (default 1e-6 and 1e-5; nudge k of example b seeded by
1000 b + k, so a larger N adds nudges to the same first ones), and reports how far each float32 gradient is from the
nearest of them. A float32 gradient within float32's accuracy (~1e-6) of float64 autograd at an
input that close to x is the exact gradient there: it took the other side of a tie, it is not wrong.
Where several ties fall the other way at once, random nudges rarely flip all of them: --search K
then walks K rounds from x, each time to the nudge (radius: the last RADIUS) whose float64
gradient is nearest the project's, and reports where it ended.
"""
import sys

import torch

from export_torchvision import LABELS, logits_and_gradient, seeded_inputs, seeded_model

TOLERANCE = 1e-3


def read(path, dtype, shape):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=dtype).reshape(shape).double()


def distance(a, b, scale):
    return ((a - b).abs().max() / scale).item()


def nudged(model64, x, label, radius, seed, count):
    """count inputs x + d around x (one example), nudge k seeded by seed + k, and float64 autograd's
    gradient at each, 16 at a time."""
    inputs, gradients = [], []
    for first in range(0, count, 16):
        nudges = [torch.empty_like(x).uniform_(-radius, radius, generator=torch.Generator().manual_seed(seed + k))
                  for k in range(first, min(count, first + 16))]
        xi = torch.stack([x + d for d in nudges]).requires_grad_(True)
        logits = model64(xi)
        torch.nn.functional.cross_entropy(logits, torch.full((len(nudges),), label), reduction="sum").backward()
        inputs.extend(xi.detach())
        gradients.extend(xi.grad.detach())
    return inputs, gradients


def search(model64, x, label, target, scale, radius, count, rounds, seed):
    """Greedy walk: each round nudges the current input count times within radius and moves to the
    nudge whose float64 gradient is nearest target, if nearer than before. Returns that distance and
    how far (max per pixel) the input it belongs to lies from x."""
    centre, best = x, float("inf")
    for r in range(rounds):
        inputs, gradients = nudged(model64, centre, label, radius, seed + 100000 * (r + 1), count)
        d = [distance(g, target, scale) for g in gradients]
        k = min(range(len(d)), key=d.__getitem__)
        if d[k] < best:
            centre, best = inputs[k], d[k]
    return best, (centre - x).abs().max().item()


def option(args, name, default):
    """Removes `name value` from args and returns the value as an int, else default."""
    if name not in args:
        return default
    i = args.index(name)
    value = int(args[i + 1])
    del args[i:i + 2]
    return value


def main():
    args = sys.argv[1:]
    count, only = option(args, "--nudges", 16), option(args, "--example", None)
    rounds = option(args, "--search", 0)
    if len(args) < 4:
        sys.exit(__doc__)
    name, size, stem, project_path = args[:4]
    radii = [float(r) for r in args[4:]] or [1e-6, 1e-5]
    height, width = (int(v) for v in size.lower().split("x"))
    shape = (4, 3, height, width)
    x = read(stem + ".input.bin", torch.float32, shape)
    if not torch.equal(x.float(), seeded_inputs(height, width)):
        sys.exit(f"{stem}.input.bin: not the inputs export_torchvision.py makes for {size}")
    exact = read(stem + ".grad64.bin", torch.float64, shape)
    float32 = {"project": read(project_path, torch.float32, shape), "pytorch": read(stem + ".grad.bin", torch.float32, shape)}
    scale = exact.abs().max()
    model64 = seeded_model(name).double()
    for b in range(4) if only is None else [only]:
        off = {who: distance(g[b], exact[b], scale) for who, g in float32.items()}
        line = f"{name} {size} example {b}: " + ", ".join(f"{who} {d:.1e}" for who, d in off.items())
        if max(off.values()) <= TOLERANCE:
            print(line + " (both within 1e-3 at x)")
            continue
        for radius in radii:
            _, gradients = nudged(model64, x[b], LABELS[b], radius, 1000 * b, count)
            moved = [distance(n, exact[b], scale) for n in gradients]
            nearest = {who: min(distance(n, g[b], scale) for n in gradients) for who, g in float32.items()}
            line += (f"; r {radius:.0e}: float64 moved {min(moved):.1e}..{max(moved):.1e}, nearest to "
                     + ", ".join(f"{who} {d:.1e}" for who, d in nearest.items()))
        if rounds:
            d, away = search(model64, x[b], LABELS[b], float32["project"][b], scale, radii[-1], count, rounds, 1000 * b)
            line += f"; search of {rounds} rounds: nearest to project {d:.1e}, at an input {away:.1e} from x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
