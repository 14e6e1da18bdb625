#!/usr/bin/env bash
# A token model's 512-token prompt, all rows' logits against the last row's
# only (llama_prefill_last), on a random checkpoint in the Llama-3.2 shape of
# issue 31 (generated once into build/bench-models, ~0.6 GB, never
# committed) and on the shipped twin. See docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build-bench.sh token_prefill_bench
grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni|amx_bf16|amx_int8' /proc/cpuinfo | sort -u | tr '\n' ' '
echo
models="$BUILD_DIR/bench-models"
[ -f "$models/llama32-shape-random/model.safetensors" ] ||
  /usr/bin/python3 bench/forward/make_random_llama.py "$models"
for t in 1 "$(nproc)"; do
  for n in f32 bf16 i8/channel; do
    "$BUILD_DIR/bin/token_prefill_bench" --model "$models/llama32-shape-random" \
      --numerics "$n" --tokens 512 --prefill-threads "$t"
  done
  "$BUILD_DIR/bin/token_prefill_bench" --model models/llama-tiny-twin --tokens 512 --prefill-threads "$t"
done
