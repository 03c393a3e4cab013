#!/usr/bin/python3
"""Development script: the C&W-L2 attack written from its paper in PyTorch, compared with `blindspots attack --method cw`.

Carlini & Wagner (2017), "Towards Evaluating the Robustness of Neural Networks", section V.A, the L2 attack:
  x' = (tanh w + 1)/2 (the change of variables that keeps x' in the box [0, 1]),
  minimise |x' - x|^2 + c * f(x'),  f(x') = max(max_{k != t} Z(x')_k - Z(x')_t, -kappa)  (their f6, on logits Z),
  by Adam on w, started at w = atanh((2x - 1) * 0.999999) with fresh moments in every round;
  a binary search over c per example: c x 10 until a round succeeds, then bisection between the largest
  failing and smallest succeeding c; the smallest successful iterate of any round is the result;
  early abort: every tenth of a round's steps, stop once the objective fell by less than 0.01%.
Untargeted, f = max(Z_y - max_{k != y} Z_k, -kappa). The settings are the project's `--method cw` defaults
(9 binary steps x 1,000 Adam steps, learning rate 0.01, c0 1e-3, kappa 0). Like the project, the abort is
checked per example (the authors' code sums the batch), so an example's result does not depend on its batch.

    /usr/bin/python3 scripts/cw_torch.py [--model models/fc100-100-10.safetensors] [--count 200]
        [--target next|untargeted] [--project RUN_FOLDER]

RUN_FOLDER is a `blindspots attack --method cw --out RUN_FOLDER` run on the same digits: its results.jsonl
is compared example by example. Needs Debian's python3-torch; not used by the build or the tests.
"""
import argparse
import math
import os
import sys

import torch
import torch.nn.functional as F

from minimal_norm_attacks_torch import add_problem_arguments, compare_with_project, correctly_classified, reached


def margin(logits, own, sign, kappa):
    """f: the own class's logit against the largest other one (sign -1 targeted, +1 untargeted), floored at -kappa."""
    onehot = F.one_hot(own, logits.shape[1]).bool()
    rival = logits.masked_fill(onehot, -math.inf).max(1).values
    return torch.clamp(sign * (logits.gather(1, own.view(-1, 1)).squeeze(1) - rival), min=-kappa)


def cw_round(model, x, y, t, w0, weight, state, steps, lr, kappa):
    """One Adam run from w0 at the weights c; updates state (best, best_sq, evaluations); which examples succeeded."""
    best, best_sq, evaluations = state
    n = x.shape[0]
    own, sign = (t, -1.0) if t is not None else (y, 1.0)
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=lr)
    success = torch.zeros(n, dtype=torch.bool)
    running = torch.ones(n, dtype=torch.bool)
    previous = torch.full((n,), math.inf, dtype=torch.float64)
    check = math.ceil(steps / 10)
    for step in range(1, steps + 1):
        xa = (torch.tanh(w) + 1) / 2
        logits = model(xa)
        sq = (xa - x).flatten(1).pow(2).sum(1)
        objective = sq + weight * margin(logits, own, sign, kappa)
        with torch.no_grad():
            adv = reached(logits, y, t) & running
            success |= adv
            better = adv & (sq < best_sq)
            best[better], best_sq[better] = xa[better], sq[better]
            evaluations += running.float()
        opt.zero_grad()
        (objective * running).sum().backward()
        frozen = w.detach().clone()
        opt.step()
        with torch.no_grad():
            w[~running] = frozen[~running]   # a stopped example stays where it stopped
        if step % check == 0:
            value = objective.detach().double()
            running &= value <= 0.9999 * previous
            previous = torch.where(running, value, previous)
            if not running.any():
                break
    return success


def cw(model, x, y, t, binary_steps=9, steps=1000, lr=0.01, c0=1e-3, kappa=0.0):
    """C&W-L2 on the batch; (adversarial inputs, which succeeded, mean evaluations per example)."""
    n = x.shape[0]
    c = torch.full((n,), c0, dtype=torch.float64)
    lo, hi = torch.zeros(n, dtype=torch.float64), torch.full((n,), math.inf, dtype=torch.float64)
    state = (x.clone(), torch.full((n,), math.inf), torch.zeros(n))
    w0 = torch.atanh((2 * x - 1) * 0.999999)
    for _ in range(binary_steps):
        success = cw_round(model, x, y, t, w0, c.float(), state, steps, lr, kappa)
        hi = torch.where(success, torch.minimum(hi, c), hi)
        lo = torch.where(success, lo, torch.maximum(lo, c))
        c = torch.where(torch.isinf(hi), c * 10, (lo + hi) / 2)
    best, best_sq, evaluations = state
    return best, torch.isfinite(best_sq), evaluations.mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_problem_arguments(parser)
    parser.add_argument("--project", help="a blindspots attack --method cw run folder on the same digits")
    args = parser.parse_args()
    model, x, y, t, index = correctly_classified(args)
    best, ok, evals = cw(model, x, y, t)
    rms = (best - x).flatten(1).pow(2).mean(1).sqrt()
    name = os.path.splitext(os.path.basename(args.model))[0]
    print(f"{name} {args.target} cw (PyTorch): {int(ok.sum())}/{len(ok)} fooled, mean distortion "
          f"{rms[ok].mean():.6f}, evaluations/example {evals:.0f}", flush=True)
    if args.project:
        print(compare_with_project(args.project, index, rms, ok))


if __name__ == "__main__":
    sys.exit(main())
