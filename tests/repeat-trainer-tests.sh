#!/usr/bin/env bash
# Runs the TorchSharp tests N times in a row (default 10) on one build and prints each run's result and
# a summary; exits non-zero when any run failed.
#   tests/repeat-trainer-tests.sh [N]           the training and memory-layout tests: nondeterminism, spurious NaN
#   tests/repeat-trainer-tests.sh [N] --stress  every trainer test with the finalizer under pressure
#       (SUPERRES_FINALIZER_PRESSURE=1: garbage collected without pause, so a tensor or scalar freed by
#       its finalizer during a native call crashes at once), beside the runtime tests as load, with crash
#       blame: a crashed host names the tests in flight and the faulting native stack.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=10 stress=false
for arg in "$@"; do
  case "$arg" in
    --stress) stress=true ;;
    *[!0-9]*|'') echo "usage: tests/repeat-trainer-tests.sh [N] [--stress]" >&2; exit 2 ;;
    *) runs=$arg ;;
  esac
done
filter='FullyQualifiedName~MLNet.SuperRes.Trainer.Tests.Training|FullyQualifiedName~MLNet.SuperRes.Trainer.Tests.Archs.CpuMemoryLayoutTests'
build=tests/MLNet.SuperRes.Trainer.Tests
$stress && build=MLNet.SuperRes.sln
dotnet build "$build" -c Release -v q -nologo >/dev/null || { echo "build failed"; exit 1; }
results=$(mktemp -d)
failed_runs=0 started=$(date +%s)
for i in $(seq 1 "$runs"); do
  run_started=$(date +%s)
  if $stress; then
    # The runtime tests (samples and package builds left out) load the other core meanwhile.
    dotnet test tests/MLNet.SuperRes.Tests -c Release --no-build --filter 'FullyQualifiedName!~Samples' >"$results/load-$i.log" 2>&1 &
    load=$!
    out=$(SUPERRES_FINALIZER_PRESSURE=1 dotnet test tests/MLNet.SuperRes.Trainer.Tests -c Release --no-build \
          --blame-crash --blame-crash-dump-type mini --results-directory "$results/run-$i" 2>&1)
    rc=$?
    wait "$load" || { echo "run $i: the runtime tests beside it failed ($results/load-$i.log)"; rc=1; }
  else
    out=$(dotnet test tests/MLNet.SuperRes.Trainer.Tests -c Release --no-build --filter "$filter" 2>&1)
    rc=$?
  fi
  echo "run $i ($(( $(date +%s) - run_started )) s): $(grep -E '^(Passed|Failed)!|Test Run Aborted' <<<"$out" | sed 's/ - MLNet.*//')"
  if [ $rc -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    grep -E '\[FAIL\]|Error Message' -A2 <<<"$out" | head -20
    tests/crash-report.sh "$results/run-$i"
  fi
  rm -f "$results"/run-"$i"/*/*.dmp 2>/dev/null # large; their stacks are printed above
done
echo "$((runs - failed_runs)) of $runs runs passed in $(( $(date +%s) - started )) s"
[ "$failed_runs" -eq 0 ]
