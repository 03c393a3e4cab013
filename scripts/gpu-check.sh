#!/usr/bin/env bash
# gpu-check.sh: one run that measures the project on a device (a CUDA GPU by default) and writes
# every figure into one JSON file: the device's name, the test suite's counts (where a .NET SDK is
# present), `Bench kernels`, `Bench attack` and the 10,000-digit attack's wall time from process
# start. Runs from a source checkout or from the self-contained bundle (docs/gpu-check.md).
#
#   scripts/gpu-check.sh [--device cuda:0] [--bench CMD] [--data-root DIR] [--out FILE]
#                        [--examples N] [--attack-runs B:E,...] [--skip-tests]
#
#   --device       device string (auto|cpu|cuda[:i]|opencl[:i]), default cuda:0
#   --bench        how to start the benchmark program; default .gpu/IlgpuBlindSpots.Bench (the
#                  bundle), else `dotnet Bench/bin/Release/net10.0/IlgpuBlindSpots.Bench.dll`
#   --data-root    folder holding mnist/ (the four IDX files, gzipped or not), default data
#   --out          the JSON to write, default gpu-check.json
#   --examples     digits for the large attack, default 10000 (one batch)
#   --attack-runs  the `Bench attack` runs, default 1:32,64:256,1024:1024
#   --skip-tests   do not run the test suite even where a .NET SDK is present
#
# Exit code: 0 when every step ran and passed, 1 when a step failed (the JSON says which), 2 for a
# bad option. Each step's output is kept beside the JSON in FILE.logs/.
set -uo pipefail
cd "$(dirname "$0")/.."

device=cuda:0 bench="" data=data out=gpu-check.json examples=10000 runs=1:32,64:256,1024:1024 skip_tests=0
while (( $# )); do
  case $1 in
    --device) device=${2:?--device needs a value}; shift 2 ;;
    --bench) bench=${2:?--bench needs a value}; shift 2 ;;
    --data-root) data=${2:?--data-root needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    --examples) examples=${2:?--examples needs a value}; shift 2 ;;
    --attack-runs) runs=${2:?--attack-runs needs a value}; shift 2 ;;
    --skip-tests) skip_tests=1; shift ;;
    *) echo "gpu-check: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
done
[[ $examples =~ ^[1-9][0-9]*$ ]] || { echo "gpu-check: --examples must be a positive integer, got $examples" >&2; exit 2; }
[[ -d $data/mnist ]] || { echo "gpu-check: --data-root $data has no mnist/ folder" >&2; exit 2; }
if [[ -z $bench ]]; then
  if [[ -x .gpu/IlgpuBlindSpots.Bench ]]; then bench=.gpu/IlgpuBlindSpots.Bench
  elif [[ -f Bench/bin/Release/net10.0/IlgpuBlindSpots.Bench.dll ]] && command -v dotnet >/dev/null; then
    bench="dotnet Bench/bin/Release/net10.0/IlgpuBlindSpots.Bench.dll"
  else
    echo "gpu-check: no benchmark program: make the bundle (../shared/tools/gpu-bundle Bench/Bench.csproj .gpu) or build Bench" >&2
    exit 2
  fi
fi

logs=$out.logs
rm -rf "$logs" && mkdir -p "$logs" || { echo "gpu-check: cannot create $logs" >&2; exit 2; }
failed=()
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# 1. The test suite on the device. It needs `dotnet test` (xunit runs through the SDK's test host),
#    so a bundle alone cannot run it: where no SDK is present the JSON says so.
tests='{"ran": false, "reason": "no .NET SDK on this machine: the xunit suite runs only through dotnet test"}'
if (( skip_tests )); then
  tests='{"ran": false, "reason": "--skip-tests"}'
elif command -v dotnet >/dev/null && [[ -f Tests/Tests.csproj ]] && dotnet --list-sdks 2>/dev/null | grep -q .; then
  echo "gpu-check: test suite on $device" >&2
  t0=$(now)
  BLINDSPOTS_TEST_DEVICE=$device dotnet test Tests -c Release --logger "trx;LogFileName=gpu-check.trx" \
    --results-directory "$logs" >"$logs/tests.log" 2>&1
  rc=$?
  counters=$(grep -o '<Counters [^>]*>' "$logs/gpu-check.trx" 2>/dev/null | head -1)
  field() { grep -o "$1=\"[0-9]*\"" <<<"$counters" | grep -o '[0-9]*' || echo 0; }
  tests="{\"ran\": true, \"exitCode\": $rc, \"seconds\": $(seconds "$t0" "$(now)"), \"total\": $(field total), \"passed\": $(field passed), \"failed\": $(field failed), \"notExecuted\": $(field notExecuted)}"
  (( rc == 0 )) || failed+=(tests)
fi

# 2.–4. The benchmarks, each a separate process; the large attack is timed from process start.
step() {  # name, then the benchmark's arguments
  local name=$1; shift
  echo "gpu-check: $name on $device" >&2
  local t0; t0=$(now)
  $bench "$@" --device "$device" --data-root "$data" --json "$logs/$name.json" >"$logs/$name.log" 2>&1
  local rc=$?
  echo "$rc $(seconds "$t0" "$(now)")" >"$logs/$name.status"
  (( rc == 0 )) || failed+=("$name")
}
step kernels kernels
step attack attack --runs "$runs"
step attack-large attack --runs "$examples:$examples"

part() {  # name: the step's JSON with its exit code and wall seconds
  local rc secs; read -r rc secs <"$logs/$1.status"
  local body=null; [[ -s $logs/$1.json ]] && body=$(cat "$logs/$1.json")
  printf '{"exitCode": %s, "wallSeconds": %s, "result": %s}' "$rc" "$secs" "$body"
}
name=$(grep -m1 -o '"device": *"[^"]*"' "$logs/kernels.json" 2>/dev/null | sed 's/^"device": *//')
{
  printf '{\n"device": %s,\n"deviceString": "%s",\n"date": "%s",\n' "${name:-null}" "$device" "$(date -u +%FT%TZ)"
  printf '"host": {"cores": %s, "gpu": "%s"},\n' "$(nproc)" "$( (nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo none) | head -1)"
  printf '"tests": %s,\n' "$tests"
  printf '"kernels": %s,\n' "$(part kernels)"
  printf '"attack": %s,\n' "$(part attack)"
  printf '"attackLarge": %s,\n' "$(part attack-large)"
  list=""; for f in "${failed[@]}"; do list+="${list:+, }\"$f\""; done
  printf '"failedSteps": [%s]\n}\n' "$list"
} >"$out"
echo "gpu-check: wrote $out${failed:+ (failed: ${failed[*]})}" >&2
(( ${#failed[@]} == 0 ))
