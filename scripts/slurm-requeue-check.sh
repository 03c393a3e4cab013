#!/usr/bin/env bash
# Not CI (it takes minutes: Slurm holds a requeued task for about two minutes before restarting it).
# On a throw-away single-node Slurm (scripts/slurm-single-node.sh; run as root with Debian's
# slurmctld, slurmd, slurm-client and munge installed) it checks what docs/scale-out.md says about
# interruptions:
#   1. a task requeued mid-run (`scontrol requeue`) resumes its shard, appends to its log, and the
#      merged result equals one unsharded run;
#   2. when a task fails, the merge job is cancelled instead of staying pending.
# Run from the checkout after `dotnet build -c Release`. Prints one line per step; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
say() { echo "requeue check ($((SECONDS - start)) s): $*"; }
source scripts/slurm-single-node.sh
tmp=$(mktemp -d /tmp/blindspots-requeue.XXXXXX)
trap 'slurm_stop; rm -rf "$tmp"' EXIT
fail() { say "FAILED: $*"; slurm_logs; exit 1; }
slurm_start "$tmp/cluster" 2>"$tmp/why" || fail "$(cat "$tmp/why")"
say "single-node Slurm up"

tool=$PWD/Cli/bin/Release/net10.0/blindspots.dll
[[ -f $tool ]] || fail "$tool is not built"
export BLINDSPOTS="dotnet $tool" BS_GPUS=0 BS_CPUS=1 BS_DEVICE=cpu BS_DATA=sample BS_BATCH=10 BS_TIME=00:10:00
export BS_MODEL=models/fc100-100-10.safetensors BS_RANGE=0:240
ids() { sed -n 's/^\(array\|merge\) job \([0-9]*\) .*/\2/p' | paste -sd' ' -; }

read -r array merge < <(BS_ARRAY=0-2 BS_OUT=$tmp/run scripts/slurm-attack.sh | ids)
[[ -n ${merge:-} ]] || fail "no job IDs"
results=$tmp/run/shard-0/results.jsonl
for _ in $(seq 600); do [[ -s $results ]] && break; sleep 0.2; done
[[ -s $results ]] || fail "task 0 wrote no result within 120 s"
done_before=$(wc -l <"$results")
scontrol requeue "${array}_0" || fail "scontrol requeue ${array}_0 refused"
say "requeued task 0 of array $array with $done_before of 80 examples done"
ended=$(slurm_wait "$merge" 420) || fail "merge job $merge $ended"
[[ $ended == COMPLETED ]] || fail "merge job $merge ended $ended"
log=$(ls "$tmp"/run/logs/attack-"${array}"_0.log)
starts=$(grep -c '^task 0 of array' "$log")
(( starts >= 2 )) && grep -q 'resuming' "$log" || fail "task 0's log shows $starts start(s) and no resume: $(cat "$log")"
say "task 0 started $starts times in one appended log, the second resuming; merge job $ended"
dotnet "$tool" attack --model "$BS_MODEL" --data sample --range "$BS_RANGE" --batch 10 --device cpu --out "$tmp/whole" >/dev/null 2>&1 ||
    fail "the unsharded run failed"
comparable() { sed -E 's/,"seconds":[^,}]*//' "$1" | sort; }
diff -q <(comparable "$tmp/whole/results.jsonl") <(comparable "$tmp/run/merged/results.jsonl") >/dev/null ||
    fail "the merged results differ from the unsharded run"
say "merged results of 240 digits equal the unsharded run"

# A range beyond the data fails every task: the merge must be cancelled, not left pending.
read -r array merge < <(BS_ARRAY=0-1 BS_RANGE=990:100 BS_OUT=$tmp/bad scripts/slurm-attack.sh | ids)
ended=$(slurm_wait "$merge" 120) || fail "merge job $merge after failed tasks: $ended"
[[ $ended == CANCELLED ]] || fail "merge job $merge after failed tasks ended $ended, expected CANCELLED"
say "failed tasks: merge job $ended (reason: $(scontrol -o show job "$merge" | sed -n 's/.*Reason=\([^ ]*\).*/\1/p'))"
say "passed"
