#!/usr/bin/python3
"""Development script: C&W-L2 and DDN written from their papers in PyTorch, on the project's model and digits.

C&W-L2 is in scripts/cw_torch.py (Carlini & Wagner 2017, with its own comparison against a
`blindspots attack --method cw` run); it is run from here too with --attacks cw. Rony et al. (2019),
"Decoupled Direction and Norm", Algorithm 1: normalised gradient steps of the cross-entropy,
the perturbation rescaled to a norm that shrinks by (1 - gamma) while adversarial and grows by
(1 + gamma) while not, clipped into [0, 1]. Settings are the project's defaults (C&W: 9 x 1,000,
lr 0.01, c0 1e-3, kappa 0, the abort checked per example; DDN: 100 steps, gamma 0.05, norm 1, step
1 cosine-annealed to 0.01), so the mean distortions can be compared with Bench `attacks`'s JSON:

    /usr/bin/python3 scripts/minimal_norm_attacks_torch.py [--model models/fc100-100-10.safetensors]
        [--count 200] [--target next|untargeted] [--attacks ddn,cw] [--bench Bench/results/attacks]

Needs Debian's python3-torch; not used by the build or the tests.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        data = np.frombuffer(blob[8 + length + start:8 + length + end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(data.copy())
    return tensors, metadata


def build_model(path):
    """nn.Sequential from the file's arch spec; parameters assigned to weighted layers in module order."""
    tensors, metadata = read_safetensors(path)
    modules = sorted({int(name.split(".")[0]) for name in tensors})
    layers, channels, size = [], 1, 28
    for spec in metadata["arch"].split(","):
        if spec.startswith("conv:"):
            out, k, _, pad = [int(v) for v in spec[5:].replace("x", " ").replace("p", " ").split()]
            m = modules.pop(0)
            conv = torch.nn.Conv2d(channels, out, k, padding=pad)
            conv.weight.data, conv.bias.data = tensors[f"{m}.weight"], tensors[f"{m}.bias"]
            layers.append(conv)
            channels, size = out, size + 2 * pad - k + 1
        elif spec.startswith("maxpool:"):
            p = int(spec[8:])
            layers.append(torch.nn.MaxPool2d(p))
            size //= p
        elif spec.startswith("fc:"):
            m = modules.pop(0)
            w = tensors[f"{m}.weight"]
            if not any(isinstance(l, torch.nn.Flatten) for l in layers):
                layers.append(torch.nn.Flatten())
            fc = torch.nn.Linear(w.shape[1], w.shape[0])
            fc.weight.data, fc.bias.data = w, tensors[f"{m}.bias"]
            layers.append(fc)
        else:
            layers.append({"relu": torch.nn.ReLU(), "sigmoid": torch.nn.Sigmoid(), "tanh": torch.nn.Tanh()}[spec])
    return torch.nn.Sequential(*layers).eval()


def read_digits(data_root, count):
    folder = os.path.join(data_root, "mnist")
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8).reshape(n, 1, rows, cols)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        _, n = struct.unpack(">II", f.read(8))
        labels = np.frombuffer(f.read(n), dtype=np.uint8)
    x = torch.from_numpy(pixels[:count].astype(np.float32) / np.float32(255))
    return x, torch.from_numpy(labels[:count].astype(np.int64))


def add_problem_arguments(parser):
    """The options both comparison scripts take: the model, the digits, the target."""
    parser.add_argument("--model", default="models/fc100-100-10.safetensors")
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--target", default="next", choices=["next", "untargeted"])


def correctly_classified(args):
    """The frozen model and the first --count test digits it classifies correctly: (model, x, y, targets or None)."""
    torch.set_num_threads(2)
    model = build_model(args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    x, y = read_digits(args.data_root, args.count)
    with torch.no_grad():
        index = torch.nonzero(model(x).argmax(1) == y).squeeze(1)
    x, y = x[index], y[index]
    return model, x, y, (y + 1) % 10 if args.target == "next" else None


def reached(logits, y, t):
    pred = logits.argmax(1)
    return pred == t if t is not None else pred != y


def ddn(model, x, y, t, steps=100, gamma=0.05, init_norm=1.0, alpha0=1.0, alpha1=0.01):
    n = x.shape[0]
    delta = torch.zeros_like(x)
    norm = torch.full((n,), init_norm)
    worst = torch.maximum(x, 1 - x).flatten(1).norm(dim=1)
    best, best_l2 = x.clone(), torch.full((n,), math.inf)
    for k in range(1, steps + 1):
        alpha = alpha1 + (alpha0 - alpha1) * (1 + math.cos(math.pi * k / steps)) / 2
        delta.requires_grad_(True)
        logits = model(x + delta)
        adv = reached(logits, y, t)
        l2 = delta.detach().flatten(1).norm(dim=1)
        better = adv & (l2 < best_l2)
        best[better], best_l2[better] = (x + delta.detach())[better], l2[better]
        # Descend CE(target), or ascend CE(label) untargeted.
        loss = F.cross_entropy(logits, t, reduction="sum") if t is not None else -F.cross_entropy(logits, y, reduction="sum")
        (g,) = torch.autograd.grad(loss, delta)
        delta = delta.detach()
        gn = g.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        delta = delta - alpha * torch.where(gn > 0, g / gn.clamp_min(1e-30), torch.zeros_like(g))
        norm = torch.minimum(norm * torch.where(adv, 1 - gamma, 1 + gamma), worst)
        dn = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        delta = torch.where(dn > 0, delta * norm.view(-1, 1, 1, 1) / dn.clamp_min(1e-30), delta)
        delta = (x + delta).clamp(0, 1) - x
    with torch.no_grad():
        adv = reached(model(x + delta), y, t)
        l2 = delta.flatten(1).norm(dim=1)
        better = adv & (l2 < best_l2)
        best[better], best_l2[better] = (x + delta)[better], l2[better]
    return best, torch.isfinite(best_l2), steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_problem_arguments(parser)
    parser.add_argument("--attacks", default="ddn,cw")
    parser.add_argument("--bench", default="Bench/results/attacks", help="folder of Bench attacks JSON to compare with")
    args = parser.parse_args()
    model, x, y, t = correctly_classified(args)
    name = os.path.splitext(os.path.basename(args.model))[0]
    for attack in args.attacks.split(","):
        from cw_torch import cw  # C&W lives beside its own comparison script
        best, ok, evals = {"ddn": ddn, "cw": cw}[attack](model, x, y, t)
        rms = ((best - x).flatten(1).pow(2).mean(1).sqrt())[ok]
        line = f"{name} {args.target} {attack} (PyTorch): {int(ok.sum())}/{len(ok)} fooled, mean distortion {rms.mean():.5f}, evaluations/example {evals:.0f}"
        bench = os.path.join(args.bench, f"{name}-{args.target}-{attack}.json")
        if os.path.exists(bench):
            run = json.load(open(bench))
            ours = [e["Rms"] for e in run["Examples"] if e["Attacked"] and e["Success"]]
            if run["Count"] == args.count and ours:
                mine = sum(ours) / len(ours)
                line += f"; project {mine:.5f} ({100 * (mine / rms.mean().item() - 1):+.2f}%)"
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
