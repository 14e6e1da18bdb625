#!/usr/bin/env bash
# Builds and runs bench/matmul (single thread): every numerics form on
# 1x4096x4096, 128x4096x4096 and 1024^3, OpenBLAS sgemm/sgemv on the same
# shapes and a memcpy probe, in one run. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are unset for this command only; OpenBLAS prints the
# kernel (core) it selected.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh matmul_bench
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_VERBOSE=2 OPENBLAS_NUM_THREADS=1 \
  "$BUILD_DIR/bin/matmul_bench" --benchmark_min_time=0.5 "$@"
