#!/usr/bin/env bash
# Builds one benchmark program of bench/ (after the project itself), with
# what benchmarks need installed, and prints the machine it will run on.
#   bash scripts/build-bench.sh TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: build-bench.sh TARGET}
bash scripts/setup.sh --bench
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build.sh
cmake -S . -B "$BUILD_DIR" -DCALM_ENABLE_BENCHMARKS=ON > /dev/null
cmake --build "$BUILD_DIR" --target "$target" -j 2
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
