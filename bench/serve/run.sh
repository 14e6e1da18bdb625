#!/usr/bin/env bash
# bench/serve: calm-run serve's requests/s, tokens/s and time to first chunk
# under 1, 2, 4 and 8 concurrent streams, on the shipped tiny CALM and, with
# --calm-m, also on the CALM-M-shaped random checkpoint of bench/decode
# (written once, needs python3-torch: scripts/setup.sh --bench). Extra
# arguments go to bench_serve.py (e.g. --numerics i8/channel --requests 4).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
models=(--model models/calm-tiny)
if [[ "${1:-}" == "--calm-m" ]]; then
  shift
  models+=(--model "$(bash bench/forward/decode-checkpoint.sh)")
fi
exec /usr/bin/python3 bench/serve/bench_serve.py --build "$BUILD_DIR" "${models[@]}" "$@"
