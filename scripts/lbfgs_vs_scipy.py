#!/usr/bin/python3
"""Development script: SciPy's L-BFGS-B on the analytic problems of Tests/Optimizer.

Prints, per problem, the minimizer, f, iterations, evaluations and SciPy's stop message, as a
yardstick for ProjectedLbfgs (whose tests assert the same minimizers). Run with Debian's python3
and python3-scipy:  /usr/bin/python3 scripts/lbfgs_vs_scipy.py [--json]

The problems are the ones with closed-form or seed-free definitions (the tests' random quadratics
use .NET's seeded Random, which Python does not reproduce):
  * chained Rosenbrock, n = 2 and n = 10, in boxes that do and do not contain (1, ..., 1);
  * a diagonal quadratic with curvatures spanning 0, 2 and 3 decades, whose box minimizer is the
    clamped centre.
Settings mirror ProjectedLbfgs's defaults: m = 10, pgtol = 1e-5, factr = 1e7, maxiter = 15000.
"""
import argparse
import json

import numpy as np
from scipy.optimize import minimize


def rosenbrock(x):
    x = np.asarray(x, dtype=np.float64)
    bend = x[1:] - x[:-1] ** 2
    f = np.sum(100.0 * bend ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * bend - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * bend
    return f, g


def diagonal_quadratic(curvature, centre):
    def fg(x):
        r = x - centre
        return 0.5 * np.sum(curvature * r * r), curvature * r
    return fg


def problems():
    yield "rosenbrock2 box[-2,2]^2 from (-1.2,1)", rosenbrock, [-1.2, 1.0], [(-2, 2)] * 2, [1.0, 1.0]
    yield "rosenbrock2 box[-2,2]^2 from (2,2)", rosenbrock, [2.0, 2.0], [(-2, 2)] * 2, [1.0, 1.0]
    yield "rosenbrock2 x0<=0.5 from (-1.2,1)", rosenbrock, [-1.2, 1.0], [(-2, 0.5), (-2, 2)], [0.5, 0.25]
    yield "rosenbrock2 x0<=0.5 from (0,-2)", rosenbrock, [0.0, -2.0], [(-2, 0.5), (-2, 2)], [0.5, 0.25]
    yield "rosenbrock10 box[-2,2] from 0.5", rosenbrock, [0.5] * 10, [(-2, 2)] * 10, [1.0] * 10
    yield "rosenbrock10 box[-2,2] from -2", rosenbrock, [-2.0] * 10, [(-2, 2)] * 10, [1.0] * 10
    n = 12
    centre = np.linspace(-1.8, 1.8, n)  # half of it outside [-1, 1]: those end on a bound
    for decades in (0, 2, 3):
        curvature = 2.0 * 10.0 ** (decades * np.arange(n) / (n - 1))
        yield (f"diagonal quadratic n=12, {decades} decades, box[-1,1]", diagonal_quadratic(curvature, centre),
               [0.0] * n, [(-1, 1)] * n, list(np.clip(centre, -1, 1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object per problem instead of a table")
    args = parser.parse_args()
    for name, fg, x0, bounds, expected in problems():
        r = minimize(fg, np.array(x0, dtype=np.float64), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxcor": 10, "gtol": 1e-5, "ftol": 1e7 * np.finfo(float).eps, "maxiter": 15000})
        error = float(np.max(np.abs(r.x - np.array(expected))))
        message = r.message if isinstance(r.message, str) else r.message.decode()
        if args.json:
            print(json.dumps({"problem": name, "x": r.x.tolist(), "f": float(r.fun), "nit": int(r.nit),
                              "nfev": int(r.nfev), "message": message, "error": error}))
        else:
            print(f"{name:52s} f={r.fun:10.3e} nit={r.nit:4d} nfev={r.nfev:4d} |x-x*|={error:8.1e}  {message}")


if __name__ == "__main__":
    main()
