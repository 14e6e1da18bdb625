#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan (or $BUILD_DIR), the libFuzzer targets included (one
# instrumented build serves scripts/fuzz.sh too), and runs the whole lit
# suite on it, printing its duration. Every sanitizer report is fatal, so a
# report fails its test. `--build-only` stops after the build; LIT_FILTER
# (a regex) runs a subset, e.g. LIT_FILTER='Unit|Robustness'.
#
# Runtime options and their reasons (docs/ROBUSTNESS.md, "Sanitizers"):
#  - abort_on_error=1 (ASan, LSan and UBSan): a report ends the process with
#    SIGABRT, not with exit status 1. Exit status 1 is what our tools return
#    for an expected error, so a report on an error path would otherwise
#    pass `not calm-run ...` and a fuzz harness's "exit 0 or 1".
#    test/Sanitizers/report-is-fatal.test checks that this holds.
#  - detect_container_overflow=0: a precaution. Container annotations
#    misfire when a container is grown by uninstrumented code (libMLIR,
#    libLLVM) and read by ours; libstdc++ only annotates std::vector with
#    _GLIBCXX_SANITIZE_VECTOR, which we do not define, so today it changes
#    nothing.
#  - allow_user_poisoning=0: LLVM's BumpPtrAllocator, inlined into our
#    instrumented code, poisons each new slab by hand and unpoisons what it
#    hands out; the same allocator's out-of-line code in the uninstrumented
#    libMLIR hands out memory without unpoisoning it, so a slab started by
#    our code and then used by libMLIR reads as use-after-poison (seen by
#    the MLIR fuzzer). Only manual poisoning is off; heap, stack and global
#    checks stay.
#  - LSAN suppressions (test/Sanitizers/lsan.supp), for allocations that an
#    uninstrumented library keeps until exit (none needed so far).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
JOBS=${JOBS:-2}
BUILD_DIR="$BUILD_DIR" JOBS="$JOBS" bash scripts/build.sh \
  -DCALM_SANITIZE=ON -DCALM_ENABLE_FUZZERS=ON
[[ "${1:-}" == "--build-only" ]] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_container_overflow=0:detect_leaks=1:allow_user_poisoning=0:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/test/Sanitizers/lsan.supp:print_suppressions=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
start=$(date +%s)
rc=0
BUILD_DIR=$BUILD_DIR bash scripts/test.sh || rc=$?
echo "sanitize.sh: lit suite under ASan + UBSan in $(( $(date +%s) - start )) s, exit $rc"
exit $rc
