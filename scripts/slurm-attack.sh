#!/bin/bash
# Runs `blindspots attack` as a Slurm job array, one shard per task, and `blindspots merge` after
# it. Run it on a login node (not with sbatch): it submits the array and the merge job itself.
#
#   BS_MODEL=models/fc100-100-10.safetensors BS_ARRAY=0-7 scripts/slurm-attack.sh
#
# Settings, all optional (environment variables):
#   BS_ARRAY      the array's task IDs, MIN-MAX or MIN-MAX:STEP (default 0-7); task k of the
#                 array takes shard k of COUNT, whatever its ID
#   BS_PARTITION  the partition (default: the cluster's default partition)
#   BS_GPUS       GPUs per task, requested as --gres=gpu:N (default 1; 0 for a CPU partition)
#   BS_DEVICE     the device each task uses (default cuda with GPUs, cpu without)
#   BS_CPUS       CPUs per task (default 1 with GPUs, 2 without)
#   BS_TIME       time limit per task (default 01:00:00)
#   BS_MODEL      the model file (default models/fc100-100-10.safetensors)
#   BS_DATA       the data: mnist, fashion-mnist, sample or a folder (default mnist)
#   BS_SPLIT      train or test (default test)
#   BS_RANGE      START:COUNT of the split (default: all of it)
#   BS_TARGET     the attack's target (default next)
#   BS_BATCH      examples attacked together (default 1024)
#   BS_OUT        the run's folder (default runs/attack): shard-ID/ per task, merged/, logs/
#   BS_SBATCH     more sbatch options for both jobs, e.g. "--account=abc --qos=long"
#   BLINDSPOTS    how to run the tool (default: `blindspots` on PATH, else this checkout's
#                 Release build, built first when missing or older than the sources)
#
# A requeued or restarted task resumes its shard (--resume) and appends to its log. The merge job
# waits for every task to succeed; if one fails it is cancelled, not left pending.
set -euo pipefail

if [[ ${1:-} == task ]]; then
    # One array task: slice (ID − MIN) / STEP of COUNT; the tool reads those variables itself.
    shift; base=$1; shift
    out=$base/shard-$SLURM_ARRAY_TASK_ID
    resume=()
    [[ -f $out/run.json ]] && resume=(--resume)
    echo "task $SLURM_ARRAY_TASK_ID of array $SLURM_ARRAY_JOB_ID on $(hostname) at $(date -u +%FT%TZ)${resume:+, resuming}"
    exec "$@" --out "$out" "${resume[@]}"
fi
if [[ ${1:-} == merge ]]; then
    shift; base=$1; shift
    exec "$@" merge "$base"/shard-* --out "$base/merged"
fi
if [[ -n ${SLURM_JOB_ID:-} ]]; then
    echo "slurm-attack.sh submits its own jobs: run it directly, not with sbatch or srun" >&2
    exit 2
fi

array=${BS_ARRAY:-0-7}
gpus=${BS_GPUS:-1}
if (( gpus > 0 )); then device=${BS_DEVICE:-cuda}; cpus=${BS_CPUS:-1}; else device=${BS_DEVICE:-cpu}; cpus=${BS_CPUS:-2}; fi
out=$(mkdir -p "${BS_OUT:-runs/attack}" && cd "${BS_OUT:-runs/attack}" && pwd)
logs=$out/logs
mkdir -p "$logs"

# The tool: as told, else installed, else built from the checkout this script lives in.
if [[ -n ${BLINDSPOTS:-} ]]; then
    read -r -a tool <<<"$BLINDSPOTS"
elif command -v blindspots >/dev/null; then
    tool=("$(command -v blindspots)")
else
    checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    dll=$checkout/Cli/bin/Release/net10.0/blindspots.dll
    if [[ ! -f $dll ]] || [[ -n $(find "$checkout"/{Cli,Optimizer,Network,Kernels} -name '*.cs' -newer "$dll" -print -quit) ]]; then
        echo "building the tool in $checkout" >&2
        dotnet build -c Release "$checkout/Cli" -v quiet -nologo >&2
    fi
    tool=(dotnet "$dll")
fi

model=${BS_MODEL:-models/fc100-100-10.safetensors}
[[ -f $model ]] || { echo "BS_MODEL: no such file: $model" >&2; exit 2; }
attack=(attack --model "$(realpath "$model")" --data "${BS_DATA:-mnist}"
    --split "${BS_SPLIT:-test}" --target "${BS_TARGET:-next}" --batch "${BS_BATCH:-1024}" --device "$device")
[[ -n ${BS_RANGE:-} ]] && attack+=(--range "$BS_RANGE")

common=(--parsable --time="${BS_TIME:-01:00:00}" --cpus-per-task="$cpus")
[[ -n ${BS_PARTITION:-} ]] && common+=(--partition="$BS_PARTITION")
read -r -a extra <<<"${BS_SBATCH:-}"
common+=("${extra[@]}")
gres=()
(( gpus > 0 )) && gres=(--gres="gpu:$gpus")

self=$(realpath "${BASH_SOURCE[0]}")
array_job=$(sbatch "${common[@]}" "${gres[@]}" --job-name=blindspots-attack --array="$array" \
    --output="$logs/attack-%A_%a.log" --open-mode=append --requeue \
    "$self" task "$out" "${tool[@]}" "${attack[@]}")
array_job=${array_job%%;*}
merge_job=$(sbatch "${common[@]}" --job-name=blindspots-merge --cpus-per-task=1 \
    --dependency="afterok:$array_job" --kill-on-invalid-dep=yes --output="$logs/merge-%j.log" \
    "$self" merge "$out" "${tool[@]}")
merge_job=${merge_job%%;*}
echo "array job $array_job (tasks $array, device $device), logs in $logs"
echo "merge job $merge_job into $out/merged once every task has succeeded"
