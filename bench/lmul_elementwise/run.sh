#!/usr/bin/env bash
# Builds and runs bench/lmul_elementwise: throughput of calm.lmul (m = 4) vs
# arith.mulf on 16M-element f32 arrays, both through calm-cpu-pipeline, in
# the same run; then instructions per element of each kernel (callgrind,
# counting only inside the kernel).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh lmul_elementwise
exe="$BUILD_DIR/bin/lmul_elementwise"
"$exe" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
N=1048576
for k in mulf lmul; do
  fn=_mlir_ciface_${k}_f32
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect="$fn" "$exe" --once=$k --n=$N 2>&1)
  ir=$(echo "$out" | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
  echo "callgrind $k: $ir instructions for $N elements = $(awk "BEGIN {printf \"%.3f\", $ir / $N}") per element"
done
