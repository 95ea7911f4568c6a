#!/usr/bin/env bash
# Runs the TorchSharp training tests N times in a row (default 10) on one build, to catch
# nondeterminism and spurious NaN that one run can miss. Prints each run's result and a summary;
# exits non-zero when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
filter='FullyQualifiedName~MLNet.SuperRes.Trainer.Tests.Training|FullyQualifiedName~MLNet.SuperRes.Trainer.Tests.Archs.CpuMemoryLayoutTests'
dotnet build tests/MLNet.SuperRes.Trainer.Tests -c Release -v q -nologo >/dev/null || { echo "build failed"; exit 1; }
failed_runs=0
for i in $(seq 1 "$runs"); do
  out=$(dotnet test tests/MLNet.SuperRes.Trainer.Tests -c Release --no-build --filter "$filter" 2>&1)
  rc=$?
  echo "run $i: $(grep -E '^(Passed|Failed)!' <<<"$out" | sed 's/ - MLNet.*//')"
  if [ $rc -ne 0 ]; then failed_runs=$((failed_runs + 1)); grep -E '\[FAIL\]|Error Message' -A2 <<<"$out" | head -20; fi
done
echo "$((runs - failed_runs)) of $runs runs passed"
[ "$failed_runs" -eq 0 ]
