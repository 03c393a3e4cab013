#!/usr/bin/python3
"""Development script: ProjectedLbfgs against SciPy's L-BFGS-B on MNIST attack problems at a fixed c.

Reads what `dotnet run -c Release --project Bench -- fixed-c --json OUT.json` wrote (the digits,
targets, weights c, the solver's settings, its final x' and the device's value and gradient at the
start point and at the solution), the safetensors model and the MNIST IDX test digits, and minimises
the same objective

    f(x') = c * ||x' - x||^2 + CE(logits(x'), target)     (cross-entropy in nats)

over the box [0, 1]^784 with scipy.optimize.minimize(method="L-BFGS-B") from the same start x' = x,
in float64, with the solver's m, pgtol, factr and iteration limit. Prints first how well the numpy
objective agrees with the device's (value and gradient at the start point, value at the solution),
then per problem SciPy's objective, the project's (its final x' evaluated by the same float64 numpy
objective), (project - scipy)/|scipy|, iterations and evaluations of both, and whether each final
point is classified as the target; and the summary: max and mean relative difference and how many
problems are within 1% (a lower objective than SciPy's counts as within).

Run with Debian's python3, python3-numpy and python3-scipy:
    /usr/bin/python3 scripts/lbfgs_fixed_c_vs_scipy.py Bench/results/fixed-c-cpu.json [--model M] [--data-root data]
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
from scipy.optimize import minimize


# ProjectedLbfgs's stop reasons in SciPy's terms.
STOP = {"Converged": "pgtol", "RelativeReductionBelowTolerance": "factr", "MaxIterations": "maxiter",
        "LineSearchFailed": "linesearch", "Running": "running"}


def read_safetensors(path):
    """{name: float64 array} and the metadata of a safetensors file (F32 tensors only)."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} is {entry['dtype']}; only F32 is read")
        start, end = entry["data_offsets"]
        data = np.frombuffer(blob[base + start:base + end], dtype="<f4")
        tensors[name] = data.reshape(entry["shape"]).astype(np.float64)
    return tensors, metadata


class Mlp:
    """A fully connected network from its arch spec ("fc:100,sigmoid,fc:10"): value and input gradient in float64.

    Tensors are named as PyTorch's nn.Sequential state_dict (MODULE.weight [out, in], MODULE.bias),
    assigned to the fc layers in numeric order of the module index, as the project's loader does.
    """

    def __init__(self, path):
        tensors, metadata = read_safetensors(path)
        modules = sorted({int(name.split(".")[0]) for name in tensors})
        self.layers = []
        for spec in metadata["arch"].split(","):
            if spec.startswith("fc:"):
                m = modules.pop(0)
                self.layers.append(("fc", tensors[f"{m}.weight"], tensors[f"{m}.bias"]))
            elif spec in ("sigmoid", "relu", "tanh"):
                self.layers.append((spec, None, None))
            else:
                sys.exit(f"{path}: layer {spec} is not supported here (fully connected models only)")

    def logits(self, x):
        a = x
        for kind, w, b in self.layers:
            a = self._forward(kind, w, b, a)
        return a

    def loss_and_gradient(self, x, target):
        """CE(logits(x), target) in nats and its gradient with respect to x."""
        activations = [x]
        for kind, w, b in self.layers:
            activations.append(self._forward(kind, w, b, activations[-1]))
        z = activations[-1]
        zmax = np.max(z)
        e = np.exp(z - zmax)
        lse = zmax + np.log(np.sum(e))
        loss = lse - z[target]
        grad = e / np.sum(e)
        grad[target] -= 1.0
        for (kind, w, b), a_in, a_out in zip(reversed(self.layers), reversed(activations[:-1]), reversed(activations[1:])):
            if kind == "fc":
                grad = w.T @ grad
            elif kind == "sigmoid":
                grad = grad * a_out * (1.0 - a_out)
            elif kind == "relu":
                grad = grad * (a_in > 0)
            elif kind == "tanh":
                grad = grad * (1.0 - a_out * a_out)
        return loss, grad

    @staticmethod
    def _forward(kind, w, b, a):
        if kind == "fc":
            return w @ a + b
        if kind == "sigmoid":
            return 1.0 / (1.0 + np.exp(-a))
        if kind == "relu":
            return np.maximum(a, 0.0)
        return np.tanh(a)


def read_idx_images(data_root):
    """The test digits as float32 byte/255 (exactly the project's pixels) and their labels."""
    folder = os.path.join(data_root, "mnist")
    if not os.path.isdir(folder):
        folder = os.path.join(data_root, "sample")
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, f"{folder}: not an IDX image file"
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8).reshape(count, rows * cols)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
        assert magic == 2049, f"{folder}: not an IDX label file"
        labels = np.frombuffer(f.read(count), dtype=np.uint8)
    return pixels.astype(np.float32) / np.float32(255), labels.astype(int)


def objective(model, x, c, target):
    def fg(xp):
        loss, grad = model.loss_and_gradient(xp, target)
        r = xp - x
        return c * float(r @ r) + loss, grad + 2.0 * c * r
    return fg


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_json", help="the JSON written by Bench fixed-c")
    parser.add_argument("--model", default="models/fc100-100-10.safetensors")
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--json", help="also write the per-problem comparison and the summary here")
    args = parser.parse_args()

    with open(args.bench_json) as f:
        bench = json.load(f)
    model = Mlp(args.model)
    images, labels = read_idx_images(args.data_root)
    o = bench["options"]
    scipy_options = {"maxcor": o["memory"], "gtol": o["pgtol"], "ftol": o["relative_reduction"],
                     "maxiter": o["max_iterations"], "maxls": o["max_line_search_steps"], "maxfun": 15000}
    print(f"Bench: {bench['model']} on {bench['data']}, {bench['device']}; c: {bench['weights']}; solver: {bench['solver']}")
    print(f"SciPy L-BFGS-B options: {scipy_options}")

    # The objective definitions must agree before the minima are compared.
    print("\nobjective check, numpy float64 against the device (float32):")
    print(f"{'digit':>5} {'f(x) rel.diff':>13} {'|g(x)| rel.diff':>15} {'f(x*proj) rel.diff':>18} {'C# float64 rel.diff':>19}")
    worst = [0.0, 0.0, 0.0, 0.0]
    problems = []
    for p in bench["problems"]:
        i, c, t = p["index"], p["c"], p["target"]
        assert labels[i] == p["label"], f"digit {i}: label {labels[i]} here, {p['label']} in the bench file"
        x = images[i].astype(np.float64)
        fg = objective(model, x, c, t)
        f0, g0 = fg(x.copy())
        gdev = np.array(p["start_gradient"], dtype=np.float64)
        solution = np.array(p["solution"], dtype=np.float32).astype(np.float64)
        f_project, _ = fg(solution)
        checks = [relative(p["start_value"], f0), np.linalg.norm(gdev - g0) / np.linalg.norm(g0),
                  relative(p["final_value"], f_project), relative(p["value_float64"], f_project)]
        worst = [max(w, v) for w, v in zip(worst, checks)]
        print(f"{i:5d} {checks[0]:13.1e} {checks[1]:15.1e} {checks[2]:18.1e} {checks[3]:19.1e}")
        problems.append((p, x, fg, f_project, solution))
    print(f"{'max':>5} {worst[0]:13.1e} {worst[1]:15.1e} {worst[2]:18.1e} {worst[3]:19.1e}")

    print("\nminima from x' = x (project objective: its final x' in the numpy float64 objective):")
    header = (f"{'digit':>5} {'y':>1} {'t':>1} {'c':>8} {'f SciPy':>10} {'f project':>10} {'rel.diff':>9} "
              f"{'SciPy it/ev':>11} {'proj it/ev':>10} {'proj stop':>10} {'target? S/P':>11} {'apart':>7}")
    print(header)
    rows = []
    for p, x, fg, f_project, solution in problems:
        r = minimize(fg, x.copy(), jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * x.size, options=scipy_options)
        diff = (f_project - r.fun) / abs(r.fun)
        scipy_adv = int(np.argmax(model.logits(r.x))) == p["target"]
        project_adv = int(np.argmax(model.logits(solution))) == p["target"]
        distance_scipy = float(np.linalg.norm(r.x - x))
        distance_project = float(np.linalg.norm(solution - x))
        # Same objective value could still be two different minima: how far apart the two x' are,
        # relative to the size of SciPy's perturbation.
        apart = float(np.linalg.norm(solution - r.x)) / max(distance_scipy, 1e-300)
        message = r.message if isinstance(r.message, str) else r.message.decode()
        rows.append({"index": p["index"], "label": p["label"], "target": p["target"], "c": p["c"],
                     "f_scipy": float(r.fun), "f_project": float(f_project), "relative_difference": float(diff),
                     "scipy_iterations": int(r.nit), "scipy_evaluations": int(r.nfev), "scipy_message": message,
                     "project_iterations": p["iterations"], "project_evaluations": p["evaluations"], "project_stop": p["stop"],
                     "scipy_target_reached": scipy_adv, "project_target_reached": project_adv,
                     "l2_scipy": distance_scipy, "l2_project": distance_project, "apart": apart})
        print(f"{p['index']:5d} {p['label']:1d} {p['target']:1d} {p['c']:8.4g} {r.fun:10.6f} {f_project:10.6f} {diff:+9.2e} "
              f"{r.nit:5d}/{r.nfev:<5d} {p['iterations']:4d}/{p['evaluations']:<5d} {STOP.get(p['stop'], p['stop']):>10} "
              f"{'yes' if scipy_adv else 'no':>5}/{'yes' if project_adv else 'no':<5} {apart:7.1e}")

    diffs = np.array([row["relative_difference"] for row in rows])
    within = int(np.sum(diffs <= 0.01))
    summary = {"problems": len(rows), "max_relative_difference": float(np.max(diffs)),
               "mean_relative_difference": float(np.mean(diffs)),
               "mean_absolute_relative_difference": float(np.mean(np.abs(diffs))),
               "within_1_percent": within,
               "max_apart": float(max(row["apart"] for row in rows)),
               "project_lower": int(np.sum(diffs < 0)),
               "scipy_evaluations_mean": float(np.mean([row["scipy_evaluations"] for row in rows])),
               "project_evaluations_mean": float(np.mean([row["project_evaluations"] for row in rows])),
               "target_reached_scipy": int(sum(row["scipy_target_reached"] for row in rows)),
               "target_reached_project": int(sum(row["project_target_reached"] for row in rows)),
               "check_max": {"start_value": worst[0], "start_gradient": worst[1], "final_value_device": worst[2],
                             "final_value_host_float64": worst[3]}}
    print(f"\nrelative difference (project - SciPy)/|SciPy|: max {summary['max_relative_difference']:+.2e}, "
          f"mean {summary['mean_relative_difference']:+.2e} (mean |.| {summary['mean_absolute_relative_difference']:.2e}); "
          f"within 1%: {within} of {len(rows)} (project lower on {summary['project_lower']})")
    print(f"final points apart, |x'_project - x'_SciPy| / |x'_SciPy - x|: max {summary['max_apart']:.1e}")
    print(f"evaluations per problem: SciPy {summary['scipy_evaluations_mean']:.1f}, project {summary['project_evaluations_mean']:.1f}; "
          f"target reached: SciPy {summary['target_reached_scipy']}, project {summary['target_reached_project']} of {len(rows)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bench": args.bench_json, "options": scipy_options, "summary": summary, "problems": rows}, f, indent=1)


if __name__ == "__main__":
    main()
