#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) into build-asan (or $BUILD_DIR) and
# runs each for SECONDS (default 60) from seeds made from the committed
# models and lit files (fuzz/make_seeds.py), one target at a time, one
# process each. Prints each target's executions and the corpus size; a
# crash, leak, timeout or sanitizer report stops the run with exit status 1,
# leaving the input in $BUILD_DIR/fuzz/artifacts/TARGET/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]       build, then run
#   FUZZ_SKIP_BUILD=1 scripts/fuzz.sh ...       run only
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh           build only
#
# TARGET is one of safetensors config tokenizer-load tokenizer-codec
# mlir-lmul (default: all). The corpus grows in $BUILD_DIR/fuzz/corpus and is
# reused by later runs. Needs clang-22 and libclang-rt-22-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
JOBS=${JOBS:-2}
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  TARGETS=(safetensors config tokenizer-load tokenizer-codec mlir-lmul)
fi
# Per target: the longest input worth mutating (seeds are cut below it).
declare -A MAX_LEN=([safetensors]=16384 [config]=4096 [tokenizer-load]=16384
                    [tokenizer-codec]=4096 [mlir-lmul]=8192)

if [[ -z "${FUZZ_SKIP_BUILD:-}" ]]; then
  BUILD_DIR=$BUILD_DIR JOBS=$JOBS bash scripts/sanitize.sh --build-only
  cmake --build "$BUILD_DIR" -j "$JOBS" --target \
    $(printf 'calm-fuzz-%s ' "${TARGETS[@]}")
fi
[[ -n "${FUZZ_BUILD_ONLY:-}" ]] && exit 0

root=$BUILD_DIR/fuzz
rm -rf "$root/seeds"
python3 fuzz/make_seeds.py . "$root/seeds"
# allow_user_poisoning=0: see scripts/sanitize.sh.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_container_overflow=0:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$root/corpus/$t" "$root/artifacts/$t" "$root/logs"
  log=$root/logs/$t.log
  start=$(date +%s)
  rc=0
  "$BUILD_DIR/bin/calm-fuzz-$t" -max_total_time="$SECONDS_EACH" \
    -max_len="${MAX_LEN[$t]}" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$root/artifacts/$t/" \
    "$root/corpus/$t" "$root/seeds/$t" > "$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
          grep -o '[0-9]*$' || echo "?")
  corpus=$(ls "$root/corpus/$t" | wc -l)
  echo "fuzz $t: $execs executions in $(( $(date +%s) - start )) s," \
       "corpus $corpus inputs, exit $rc"
  if [[ $rc -ne 0 ]]; then
    grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5
    status=1
  fi
done
exit $status
