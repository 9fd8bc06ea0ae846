#!/usr/bin/env bash
# Runs every test project and prints one closing summary line ("N passed, N failed, N skipped").
# Test projects run one after another: the real-OVN fixtures are cheap, but 2-core CI machines are not.
set -uo pipefail
cd "$(dirname "$0")/.."
RESULTS=${RESULTS:-artifacts/test-results}
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
FILTER=${TEST_FILTER:-}
projects=$(find tests -name '*.Tests.csproj' | sort)
rc=0
for p in $projects; do
  name=$(basename "$p" .csproj)
  echo "=== $name"
  args=(test "$p" --no-build -c "${CONFIGURATION:-Release}" --logger "trx;LogFileName=$name.trx"
        --results-directory "$RESULTS" --logger "console;verbosity=normal")
  [ -n "$FILTER" ] && args+=(--filter "$FILTER")
  timeout "${TEST_PROJECT_TIMEOUT:-900}" dotnet "${args[@]}" 2>&1 | grep -Ev '^\s*(Passed|Skipped) ' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done
python3 scripts/trx-summary.py "$RESULTS"
summary_rc=$?
[ $rc -eq 0 ] && [ $summary_rc -eq 0 ] || exit 1
