#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan (or $BUILD_DIR), the libFuzzer targets included (one
# instrumented build serves scripts/fuzz.sh too), and runs the whole lit
# suite on it, printing its duration. Every sanitizer report is fatal, so a
# report fails its test. `--build-only` stops after the build; LIT_FILTER
# (a regex) runs a subset, e.g. LIT_FILTER='Unit|Robustness'.
#
# Runtime options and their reasons (docs/ROBUSTNESS.md, "Sanitizers"):
#  - detect_container_overflow=0: libMLIR/libLLVM are not instrumented, and
#    std::vector growth inside them is invisible to ASan's container
#    annotations, which then misfire in our instrumented code.
#  - LSAN suppressions (test/Sanitizers/lsan.supp): process-lifetime objects
#    that LLVM and PCRE2 allocate once and never free.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
JOBS=${JOBS:-2}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCALM_SANITIZE=ON -DCALM_ENABLE_FUZZERS=ON
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
[[ "${1:-}" == "--build-only" ]] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_container_overflow=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/test/Sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$(date +%s)
rc=0
BUILD_DIR=$BUILD_DIR bash scripts/test.sh || rc=$?
echo "sanitize.sh: lit suite under ASan + UBSan in $(( $(date +%s) - start )) s, exit $rc"
exit $rc
