#!/usr/bin/env bash
# After `dotnet test --blame-crash --results-directory DIR`: names the tests a crashed test host was
# running (from blame's Sequence_*.xml) and prints the native stack of the thread that took the signal
# in each crash dump (createdump writes ELF cores, which gdb reads). Prints nothing when nothing crashed.
set -uo pipefail
dir=${1:?usage: tests/crash-report.sh RESULTS_DIR}
[ -d "$dir" ] || exit 0
while IFS= read -r sequence; do
  echo "== crashed test host: tests in flight ($sequence)"
  grep -o 'Name="[^"]*"[^>]*Completed="False"' "$sequence" | sed -E 's/Name="([^"]*)".*/  \1/'
done < <(find "$dir" -name 'Sequence_*.xml' 2>/dev/null)
while IFS= read -r dump; do
  echo "== native stack of the faulting thread ($dump)"
  if ! command -v gdb >/dev/null; then echo "  (gdb is not installed; the dump is kept)"; continue; fi
  timeout 300 gdb -batch -ex 'thread apply all bt 40' "$(command -v dotnet)" "$dump" 2>/dev/null |
    awk '/^Thread /{thread=$0; show=0; next} /<signal handler called>/{show=1; print "  " thread; next} show && /^#/{print "    " $0} /^$/{show=0}'
done < <(find "$dir" -name '*.dmp' 2>/dev/null)
