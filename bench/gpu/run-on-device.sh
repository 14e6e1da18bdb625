#!/usr/bin/env bash
# The device run of issue 17: everything that needs the GPU, in one go, from
# the bundle bench/gpu/make-bundle.sh wrote ($BUNDLE, default
# build/gpu-bundle), on a machine with CUDA, PyTorch and numpy but no LLVM.
# Results go to $OUT (the device tool's output folder), one file a step, so
# that a step that fails or runs out of time leaves the others:
#   gpu.txt            nvidia-smi: GPU, driver, clocks, memory
#   harness.txt        kernels vs the CPU (L-Mul bit-exact, f32/fp8/i8 2e-5)
#   tiny-FORM-*.       stage comparison with the CPU's dumps (compare_stages),
#                      decode step time, generated text (and whether it is
#                      the CPU's), BrierLM
#   calm-m-*.json      the CALM-M-shaped checkpoint: our decode step and
#                      tokens/s, PyTorch's bf16 (eager) on the same GPU
#   bandwidth.json     the GPU's copy bandwidth, as PyTorch measures it
#   summary.txt        one line per step, pass/fail and the figures
# Usage (from the repository root, run by the device tool):
#   bash bench/gpu/run-on-device.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=${BUNDLE:-build/gpu-bundle}
PYTHON=${PYTHON:-python3}
OUT=${OUT:-/tmp/calm-gpu-out}
mkdir -p "$OUT"
work=$(mktemp -d)
export LD_LIBRARY_PATH=$BUNDLE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
summary=$OUT/summary.txt
: > "$summary"
# To the summary and stderr (a step's stdout is its result file).
note() { echo "$*" >> "$summary"; echo "$*" >&2; }
step() { # step NAME SECONDS COMMAND...: runs with a time limit, notes the status
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@"
  local rc=$?
  note "$name: exit $rc in $((SECONDS - start)) s"
  return $rc
}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,memory.total,power.limit \
  --format=csv > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt" >> "$summary"
for f in "$BUNDLE"/lib/*.gz; do gunzip -c "$f" > "$work/$(basename "${f%.gz}")"; done

step harness 120 "$BUNDLE/bin/gpu-harness" run > "$OUT/harness.txt" 2>&1
tail -1 "$OUT/harness.txt" >> "$summary"

prompt="Call me Ishmael."
for form in f32:1e-4 lmul:1e-4 f8:1e-2; do
  name=${form%%:*} tolerance=${form#*:}
  lib=$work/tiny-$name-cuda.so
  step "tiny $name stages" 120 "$BUNDLE/bin/calm-gpu-stages" models/calm-tiny "$lib" \
    "$OUT/tiny-$name.bin" --steps 64 > "$OUT/tiny-$name-step.json" 2> "$OUT/tiny-$name-stages.err"
  cat "$OUT/tiny-$name-step.json" >> "$summary"
  "$PYTHON" bench/gpu/compare_stages.py "$BUNDLE/expected/tiny-$name.bin" "$OUT/tiny-$name.bin" \
    --tolerance "$tolerance" > "$OUT/tiny-$name-compare.jsonl"
  note "tiny $name stage comparison (tolerance $tolerance): exit $? $(tail -1 "$OUT/tiny-$name-compare.jsonl")"
  step "tiny $name generate" 120 "$BUNDLE/bin/calm-client" generate models/calm-tiny "$lib" 3 64 \
    "$prompt" > "$OUT/tiny-$name-text.txt" 2> "$OUT/tiny-$name-generate.err"
  if cmp -s "$OUT/tiny-$name-text.txt" "$BUNDLE/expected/tiny-$name-text.txt"; then
    note "tiny $name text: the CPU's"
  else
    note "tiny $name text: differs from the CPU's"
  fi
  step "tiny $name eval" 120 "$BUNDLE/bin/calm-client" eval models/calm-tiny "$lib" 1 32 \
    test/Tools/Inputs/eval-text.txt > "$OUT/tiny-$name-eval.json" 2> "$OUT/tiny-$name-eval.err"
  note "tiny $name BrierLM: GPU $(cat "$OUT/tiny-$name-eval.json") CPU $(cat "$BUNDLE/expected/tiny-$name-eval.json")"
done

# PyTorch's view of the GPU: copy bandwidth (the roofline of a decode step).
"$PYTHON" - > "$OUT/bandwidth.json" <<'EOF'
import json, torch
x = torch.empty(1 << 28, dtype=torch.float32, device="cuda")  # 1 GiB
y = torch.empty_like(x)
for _ in range(3):
    y.copy_(x)
torch.cuda.synchronize()
start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
start.record()
for _ in range(20):
    y.copy_(x)
end.record()
torch.cuda.synchronize()
s = start.elapsed_time(end) / 1e3 / 20
print(json.dumps({"gpu": torch.cuda.get_device_name(), "copy_gb_per_s": 2 * x.numel() * 4 / s / 1e9}))
EOF
note "bandwidth: $(cat "$OUT/bandwidth.json")"

# The CALM-M-shaped checkpoint: random bf16 weights written here by the same
# script that wrote the one the library was compiled against (same config).
models=$work/bench-models
gunzip -c "$BUNDLE/tokenizer-llama3.json.gz" > "$work/tokenizer.json"
step "calm-m checkpoint" 120 "$PYTHON" bench/forward/make_random_checkpoint.py "$models" \
  --shape decode --tokenizer "$work/tokenizer.json" > "$OUT/calm-m-checkpoint.log" 2>&1
m=$models/calm-decode-random
step "calm-m stages" 180 "$BUNDLE/bin/calm-gpu-stages" "$m" "$work/calm-m-f32-cuda.so" \
  "$work/calm-m.bin" --steps 32 > "$OUT/calm-m-step.json" 2> "$OUT/calm-m-stages.err"
cat "$OUT/calm-m-step.json" >> "$summary"
# tokens/s after the prompt: two lengths, so that opening and the prompt cancel.
for n in 32 160; do
  start=$(date +%s.%N)
  if timeout 180 "$BUNDLE/bin/calm-client" generate "$m" "$work/calm-m-f32-cuda.so" 1 $n \
    "$prompt" > /dev/null 2> "$OUT/calm-m-generate-$n.err"; then
    echo "$n $(date +%s.%N) $start" >> "$OUT/calm-m-generate.txt"
  else
    note "calm-m generate $n: failed (see calm-m-generate-$n.err)"
  fi
done
"$PYTHON" - "$OUT/calm-m-generate.txt" > "$OUT/calm-m-tokens.json" <<'EOF'
import json, sys
rows = [l.split() for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
if len(rows) != 2:
    print(json.dumps({"tokens_per_s": None, "why": "a generate run failed"}))
    sys.exit(0)
(n1, e1, s1), (n2, e2, s2) = [(int(a), float(b), float(c)) for a, b, c in rows]
print(json.dumps({"tokens_per_s": (n2 - n1) / ((e2 - s2) - (e1 - s1)),
                  "method": "(160 - 32) tokens / difference of the two runs' wall times"}))
EOF
note "calm-m ours (f32): $(cat "$OUT/calm-m-tokens.json")"
for dtype in bf16 f32; do
  step "calm-m torch $dtype" 240 "$PYTHON" bench/generate/torch_generate.py --model "$m" \
    --tokens 128 --dtype $dtype --device cuda > "$OUT/calm-m-torch-$dtype.json" 2> "$OUT/calm-m-torch-$dtype.err"
  note "calm-m torch $dtype: $(cat "$OUT/calm-m-torch-$dtype.json")"
done
step "tiny torch bf16" 120 "$PYTHON" bench/generate/torch_generate.py --model models/calm-tiny \
  --tokens 256 --dtype bf16 --device cuda > "$OUT/tiny-torch-bf16.json" 2> "$OUT/tiny-torch-bf16.err"
note "tiny torch bf16: $(cat "$OUT/tiny-torch-bf16.json")"
rm -rf "$work"
