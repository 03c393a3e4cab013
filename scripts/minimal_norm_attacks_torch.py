#!/usr/bin/python3
"""Development script: C&W-L2, DDN and FMN written from their papers in PyTorch, on the project's model and digits.

C&W-L2 is in scripts/cw_torch.py (Carlini & Wagner 2017, with its own comparison against a
`blindspots attack --method cw` run); it is run from here too with --attacks cw. Rony et al. (2019),
"Decoupled Direction and Norm", Algorithm 1: normalised gradient steps of the cross-entropy,
the perturbation rescaled to a norm that shrinks by (1 - gamma) while adversarial and grows by
(1 + gamma) while not, clipped into [0, 1]. Pintor et al. (2021), "Fast Minimum-norm Adversarial
Attacks through Adaptive Norm Constraints", Algorithm 1 (L2): steps along the normalised gradient of
the logit difference, projected onto a ball whose radius shrinks below the best norm while
adversarial, grows while not, and before the first success is the linearised distance to the
boundary; from the project's start (DDN steps and a bisection, or with --fmn-start deepfool three
DeepFool steps; see docs/minimal-norm-attacks.md) and with its last bisection. Settings are the
project's defaults (C&W: 9 x 1,000, lr 0.01, c0 1e-3, kappa 0, the abort checked per example; DDN:
100 steps, gamma 0.05, norm 1, step 1 cosine-annealed to 0.01; FMN: 100 steps, step 1 -> 0.01 and
gamma 0.05 -> 0.001 cosine-annealed, 3 DeepFool steps past the boundary by 10%, 30 DDN steps and 10
halvings, a last bisection of 10), so the mean distortions can be compared with Bench `attacks`'s
JSON, or with a `blindspots attack` run folder of one attack on the same digits:

    /usr/bin/python3 scripts/minimal_norm_attacks_torch.py [--model models/fc100-100-10.safetensors]
        [--count 200] [--target next|untargeted] [--attacks ddn,fmn,cw] [--fmn-steps 100] [--fmn-start ddn|deepfool]
        [--bench Bench/results/attacks] [--project RUN_FOLDER]

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
    """The frozen model and the first --count test digits it classifies correctly: (model, x, y, targets or None, indices)."""
    torch.set_num_threads(2)
    model = build_model(args.model)
    for p in model.parameters():
        p.requires_grad_(False)
    x, y = read_digits(args.data_root, args.count)
    with torch.no_grad():
        index = torch.nonzero(model(x).argmax(1) == y).squeeze(1)
    x, y = x[index], y[index]
    return model, x, y, (y + 1) % 10 if args.target == "next" else None, index


def reached(logits, y, t):
    pred = logits.argmax(1)
    return pred == t if t is not None else pred != y


class Best:
    """Each problem's smallest successful input so far, recorded at every model pass (float64 state, float32 model)."""

    def __init__(self, model, x, y, t):
        self.model, self.x, self.y, self.t = model, x, y, t
        self.best = x.clone()
        self.best_sq = torch.full((x.shape[0],), math.inf, dtype=torch.float64)
        self.ever = torch.zeros(x.shape[0], dtype=torch.bool)
        self.passes = 0

    def record(self, adv, logits):
        self.passes += 1
        success = reached(logits, self.y, self.t)
        sq = (adv - self.x).flatten(1).pow(2).sum(1)
        better = success & (sq < self.best_sq)
        self.best[better], self.best_sq[better] = adv[better], sq[better]
        self.ever |= success
        return success

    def check(self, adv):
        with torch.no_grad():
            return self.record(adv, self.model(adv.float()).double())

    def margin_and_gradient(self, adv):
        """Records the pass; returns success, d (the goal's logit difference, > 0 until reached) and its gradient."""
        z = adv.clone().requires_grad_(True)
        logits = self.model(z.float()).double()
        success = self.record(adv, logits.detach())
        own = self.t if self.t is not None else self.y
        sign = -1.0 if self.t is not None else 1.0
        rows = torch.arange(adv.shape[0])
        others = logits.clone()
        others[rows, own] = -math.inf
        d = sign * (logits[rows, own] - others.max(1).values)
        (g,) = torch.autograd.grad(d.sum(), z)
        return success, d.detach(), g.double()


def cosine(first, last, k, steps):
    return last + (first - last) * (1 + math.cos(math.pi * k / steps)) / 2


def rows_norm(v):
    return v.flatten(1).norm(dim=1)


def deepfool_start(state, adv, steps, overshoot=0.1, floor=1e-4):
    """DeepFool steps on d, leaving out of the linearisation the values the box holds; a problem stops at its first success."""
    for _ in range(steps):
        success, d, g = state.margin_and_gradient(adv)
        free = g * ~(((adv <= 0) & (g > 0)) | ((adv >= 1) & (g < 0)))
        free_sq = free.flatten(1).pow(2).sum(1)
        r = torch.where(success | (free_sq <= 0), torch.zeros_like(d), (d.clamp_min(0) + floor) * (1 + overshoot) / free_sq.clamp_min(1e-300))
        adv = (adv - r.view(-1, 1, 1, 1) * g).clamp(0, 1)
    return adv


def ddn_start(state, adv, steps, gamma=0.05):
    """DDN's steps (Algorithm 1 above) on the cross-entropy, recording successes in the state."""
    x = state.x
    norm = torch.ones(x.shape[0], dtype=torch.float64)
    farthest = rows_norm(torch.maximum(x, 1 - x))
    for k in range(1, steps + 1):
        alpha = cosine(1.0, 0.01, k, steps)
        z = adv.clone().requires_grad_(True)
        logits = state.model(z.float()).double()
        success = state.record(adv, logits.detach())
        # Descend CE(target), or ascend CE(label) untargeted (the direction of the project's -log(1 - p_label)).
        loss = F.cross_entropy(logits, state.t, reduction="sum") if state.t is not None else -F.cross_entropy(logits, state.y, reduction="sum")
        (g,) = torch.autograd.grad(loss, z)
        gn = rows_norm(g).view(-1, 1, 1, 1)
        delta = adv - x - torch.where(gn > 0, alpha / gn.clamp_min(1e-300), torch.zeros_like(gn)) * g
        norm = torch.minimum(norm * torch.where(success, 1 - gamma, 1 + gamma), farthest)
        dn = rows_norm(delta).view(-1, 1, 1, 1)
        adv = (x + torch.where(dn > 0, norm.view(-1, 1, 1, 1) / dn.clamp_min(1e-300), torch.zeros_like(dn)) * delta).clamp(0, 1)
    return adv


def ddn(model, x, y, t, steps=100):
    """DDN as an attack of its own: its steps from the input, the last iterate checked too."""
    state = Best(model, x.double(), y, t)
    state.check(ddn_start(state, x.double().clone(), steps))
    return state.best.float(), state.ever, steps


def bisection(state, adv, steps):
    """Halvings of the scale s of each best perturbation (the current iterate where none) for the smallest adversarial s."""
    x = state.x
    end = torch.where(state.ever.view(-1, 1, 1, 1), state.best, adv)
    lo, hi = torch.zeros(x.shape[0], dtype=torch.float64), torch.ones(x.shape[0], dtype=torch.float64)
    for _ in range(steps):
        scale = torch.where(state.ever, (lo + hi) / 2, torch.ones_like(lo))
        success = state.check(x + scale.view(-1, 1, 1, 1) * (end - x))
        hi, lo = torch.where(success, scale, hi), torch.where(success, lo, scale)
    return x + torch.where(state.ever, hi, torch.ones_like(hi)).view(-1, 1, 1, 1) * (end - x)


def fmn(model, x, y, t, steps=100, start="ddn", alpha0=1.0, gamma0=0.05, final_bisection=10):
    """FMN-L2 from DDN's start (the project's default) or DeepFool's, then its last bisection."""
    x = x.double()
    state = Best(model, x, y, t)
    adv = ddn_start(state, x.clone(), 30) if start == "ddn" else deepfool_start(state, x.clone(), 3)
    adv = bisection(state, adv, 10) if start == "ddn" else adv
    farthest = rows_norm(torch.maximum(x, 1 - x))
    eps = torch.where(state.ever, state.best_sq.sqrt(), torch.full_like(state.best_sq, math.inf))
    for k in range(steps):
        alpha, gamma = cosine(alpha0, alpha0 / 100, k, steps), cosine(gamma0, 0.001, k, steps)
        success, d, g = state.margin_and_gradient(adv)
        gn = rows_norm(g)
        before = rows_norm(adv - x) + d.abs() / gn.clamp_min(1e-12)
        eps = torch.where(success, torch.minimum(eps * (1 - gamma), state.best_sq.sqrt()),
                          torch.where(state.ever, eps * (1 + gamma), before))
        eps = torch.minimum(eps, farthest)
        delta = adv - x - torch.where(gn > 0, alpha / gn.clamp_min(1e-300), torch.zeros_like(gn)).view(-1, 1, 1, 1) * g
        scale = torch.where(rows_norm(delta) > eps, eps / rows_norm(delta), torch.ones_like(eps)).view(-1, 1, 1, 1)
        adv = (x + scale * delta).clamp(0, 1)
    if final_bisection:
        adv = bisection(state, adv, final_bisection)
    state.check(adv)
    return state.best.float(), state.ever, state.passes - 1


def compare_with_project(folder, indices, rms, ok):
    """The project's run's mean over the same digits, and on how many it is at or below PyTorch's."""
    rows = {}
    with open(os.path.join(folder, "results.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            rows[r["index"]] = r
    ours, theirs, below = [], [], 0
    for i, d, s in zip(indices.tolist(), rms.tolist(), ok.tolist()):
        r = rows.get(i)
        if r is None or not s or not r["success"]:
            continue
        ours.append(r["distortion"])
        theirs.append(d)
        below += r["distortion"] <= d
    mine, ref = sum(ours) / len(ours), sum(theirs) / len(theirs)
    return (f"project {mine:.6f} against PyTorch {ref:.6f} on the {len(ours)} digits both fooled "
            f"({100 * (mine / ref - 1):+.2f}%), project at or below on {below}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_problem_arguments(parser)
    parser.add_argument("--attacks", default="ddn,fmn,cw")
    parser.add_argument("--fmn-steps", type=int, default=100, help="FMN's steps after its start")
    parser.add_argument("--fmn-start", default="ddn", choices=["ddn", "deepfool"], help="FMN's start (the project's --start)")
    parser.add_argument("--bench", default="Bench/results/attacks", help="folder of Bench attacks JSON to compare with")
    parser.add_argument("--project", help="a blindspots attack run folder of the one attack in --attacks, on the same digits")
    args = parser.parse_args()
    if args.project and "," in args.attacks:
        parser.error("--project compares one attack: give one name in --attacks")
    model, x, y, t, index = correctly_classified(args)
    name = os.path.splitext(os.path.basename(args.model))[0]
    for attack in args.attacks.split(","):
        from cw_torch import cw  # C&W lives beside its own comparison script
        run = {"ddn": ddn, "cw": cw, "fmn": lambda *a: fmn(*a, steps=args.fmn_steps, start=args.fmn_start)}[attack]
        best, ok, evals = run(model, x, y, t)
        rms = (best - x).flatten(1).pow(2).mean(1).sqrt()
        line = f"{name} {args.target} {attack} (PyTorch): {int(ok.sum())}/{len(ok)} fooled, mean distortion {rms[ok].mean():.6f}, evaluations/example {evals:.0f}"
        bench = os.path.join(args.bench, f"{name}-{args.target}-{attack}.json")
        if not args.project and os.path.exists(bench):
            saved = json.load(open(bench))
            ours = [e["Rms"] for e in saved["Examples"] if e["Attacked"] and e["Success"]]
            if saved["Count"] == args.count and ours:
                mine = sum(ours) / len(ours)
                line += f"; project {mine:.5f} ({100 * (mine / rms[ok].mean().item() - 1):+.2f}%)"
        print(line, flush=True)
        if args.project:
            print(compare_with_project(args.project, index, rms, ok), flush=True)


if __name__ == "__main__":
    sys.exit(main())
