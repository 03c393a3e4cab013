#!/usr/bin/env bash
# Compares the per-example results of two `blindspots attack` runs of the same examples (for
# example one on the CPU accelerator and one on an OpenCL device):
#   scripts/compare-attack-runs.sh RUN_A RUN_B
# prints, over the examples both attacked: how many agree on success and on the class reached,
# the largest and mean absolute difference of the distortion, each run's mean distortion of its
# successes, and the mean evaluations per example. Needs jq.
set -euo pipefail
a=$1/results.jsonl b=$2/results.jsonl
for f in "$a" "$b"; do [[ -f $f ]] || { echo "$f: no such file" >&2; exit 2; }; done
jq -n -r --slurpfile a "$a" --slurpfile b "$b" '
  ($a | map({key: (.index | tostring), value: .}) | from_entries) as $A
  | [ $b[] | select(.already_misclassified | not) | . as $y | $A[.index | tostring] as $x | select($x != null)
      | { success: ($x.success == $y.success), class: ($x.prediction_after == $y.prediction_after),
          d: (($x.distortion - $y.distortion) | fabs), da: $x.distortion, db: $y.distortion,
          sa: $x.success, sb: $y.success, ea: $x.evaluations, eb: $y.evaluations } ] as $p
  | ($p | length) as $n
  | "examples attacked in both: \($n)",
    "same success: \($p | map(select(.success)) | length) of \($n); same class reached: \($p | map(select(.class)) | length) of \($n)",
    "distortion |A - B|: max \($p | map(.d) | max), mean \(($p | map(.d) | add) / $n)",
    "mean distortion of successes: A \(($p | map(select(.sa) | .da) | add) / ($p | map(select(.sa)) | length)), B \(($p | map(select(.sb) | .db) | add) / ($p | map(select(.sb)) | length))",
    "successes: A \($p | map(select(.sa)) | length), B \($p | map(select(.sb)) | length)",
    "evaluations per example: A \(($p | map(.ea) | add) / $n), B \(($p | map(.eb) | add) / $n)"'
