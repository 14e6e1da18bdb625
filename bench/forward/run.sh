#!/usr/bin/env bash
# bench/forward on the shipped tiny CALM and on a CALM-M-shaped checkpoint
# with random weights (generated once into build/bench-models, ~0.9 GB,
# never committed). Single thread, one run; see docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh forward_bench
"$BUILD_DIR/bin/forward_bench" --model models/calm-tiny "$@"
models="$BUILD_DIR/bench-models"
if [ ! -f "$models/calm-m-random/model.safetensors" ]; then
  /usr/bin/python3 bench/forward/make_random_checkpoint.py "$models"
fi
"$BUILD_DIR/bin/forward_bench" --model "$models/calm-m-random" --batches 1,8 --steps 32 "$@"
