#!/usr/bin/python3
"""Development script: one markdown table from `blindspots attack` run folders of the same digits.

    /usr/bin/python3 scripts/attack_runs_table.py [--reference LABEL] LABEL=RUN_FOLDER [LABEL=RUN_FOLDER ...]
    /usr/bin/python3 scripts/attack_runs_table.py --min "best=lbfgs-refined+fmn" ... LABEL=RUN ...

Per run: the examples attacked, how many were fooled, the mean and median of the paper's distortion
sqrt(sum r^2 / n) over the fooled ones, the mean over examples of its distortion divided by the
smallest any run found for that example, and the mean evaluations per attacked example. With
--reference, the change of each mean against that run's mean over the digits both fooled, and on
how many digits each run is at or below it. --min NAME=A+B adds a row that is, per example, the
smaller successful result of runs A and B with their evaluations added: what `--method best
--methods A,B` returns, since an example's result does not depend on its batch. --digits-of LABEL
keeps only the examples that run attacked (a reference run on fewer digits).
Reads results.jsonl only; not used by the build or the tests.
"""
import argparse
import json
import os
import statistics
import sys


def read_run(folder):
    """index -> (success, distortion, evaluations) over the attacked examples of a run folder."""
    rows = {}
    with open(os.path.join(folder, "results.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if not r["already_misclassified"]:
                rows[r["index"]] = (r["success"], r["distortion"], r["evaluations"])
    return rows


def smaller_of(a, b):
    """Per example, the smaller success of two runs (a's on a tie), evaluations added."""
    out = {}
    for i in a.keys() & b.keys():
        (sa, da, ea), (sb, db, eb) = a[i], b[i]
        keep_b = sb and (not sa or db < da)
        out[i] = (sb, db, ea + eb) if keep_b else (sa, da, ea + eb)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="LABEL=RUN_FOLDER")
    parser.add_argument("--reference", help="the label the means are compared with")
    parser.add_argument("--min", action="append", default=[], help="NAME=A+B: per example the smaller of runs A and B")
    parser.add_argument("--digits-of", help="keep only the examples the run of this label attacked")
    args = parser.parse_args()
    runs = {}
    for spec in args.runs:
        label, _, folder = spec.partition("=")
        runs[label] = read_run(folder)
    for spec in args.min:
        name, _, pair = spec.partition("=")
        a, _, b = pair.partition("+")
        runs[name] = smaller_of(runs[a], runs[b])
    if args.digits_of:
        keep = runs[args.digits_of].keys()
        runs = {label: {i: r for i, r in rows.items() if i in keep} for label, rows in runs.items()}
    smallest = {}
    for rows in runs.values():
        for i, (ok, d, _) in rows.items():
            if ok:
                smallest[i] = min(smallest.get(i, float("inf")), d)
    ref = runs.get(args.reference) if args.reference else None
    print("| method | attacked | fooled | mean distortion | median | against the reference (mean) | at or below it on | mean ratio to best | evaluations / example |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, rows in sorted(runs.items(), key=lambda kv: statistics.mean([d for ok, d, _ in kv[1].values() if ok] or [9])):
        won = sorted(d for ok, d, _ in rows.values() if ok)
        ratio = statistics.mean(d / smallest[i] for i, (ok, d, _) in rows.items() if ok)
        evals = statistics.mean(e for _, _, e in rows.values())
        against, below = "—", "—"
        if ref is not None and rows is not ref:
            both = [i for i in rows if i in ref and rows[i][0] and ref[i][0]]
            mine, theirs = statistics.mean(rows[i][1] for i in both), statistics.mean(ref[i][1] for i in both)
            against = f"{100 * (mine / theirs - 1):+.2f}% ({len(both)} digits)"
            below = f"{sum(rows[i][1] <= ref[i][1] for i in both)}"
        print(f"| {label} | {len(rows)} | {len(won)} | {statistics.mean(won):.6f} | {won[len(won) // 2]:.4f} | {against} | {below} | {ratio:.4f} | {evals:,.0f} |")


if __name__ == "__main__":
    sys.exit(main())
