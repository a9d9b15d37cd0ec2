#!/usr/bin/env bash
# Installs what the tests need (Debian packages, only those missing; see install-deps.sh),
# builds dist/git-sync (the end-to-end tests run that binary), runs the whole test suite, and
# prints the "N passed, N failed, N skipped" summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
./scripts/build.sh || exit 1

results=TestResults
rm -rf "$results"
start=$(date +%s)
dotnet test tests/GitSync.Tests/GitSync.Tests.csproj -c Release --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?
elapsed=$(( $(date +%s) - start ))

trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); passed=$(get passed); failed=$(get failed); executed=$(get executed)
  skipped=$(( ${total:-0} - ${executed:-0} ))
  echo "test suite took ${elapsed}s"
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
else
  echo "no test results found"
  echo "0 passed, 1 failed"
  status=1
fi
exit $status
