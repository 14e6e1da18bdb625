#!/usr/bin/env bash
# bench/eval: tokens/s of `calm-run eval` (BrierLM, blocks of 512) on the
# shipped tiny CALM and on the CALM-M-shaped checkpoint of bench/decode,
# against the PyTorch reference (bench/eval/torch_eval.py) in bf16 and f32
# with the same threads, in one run; then T = 1/2 with a 200-draw pool on
# the CALM-M shape (calm-run generate vs bench/generate/torch_generate.py),
# and prefill of a 2048-token prompt (bench/forward: one pass vs step by
# step). Needs python3-torch and the data of scripts/fetch-test-data.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh forward_bench
model=$(bash bench/forward/decode-checkpoint.sh)
exec /usr/bin/python3 bench/eval/bench_eval.py --build "$BUILD_DIR" \
  --big "$model" "$@"
