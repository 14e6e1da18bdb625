#!/usr/bin/env bash
# Generation speed at batch 1: calm-run on the CALM and on the token twin,
# and the PyTorch reference on both, in one run (bench_generate.py).
# Needs the build (scripts/build.sh) and Debian's python3-torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
[[ -x "$BUILD_DIR/bin/calm-run" ]] || bash scripts/build.sh
exec /usr/bin/python3 bench/generate/bench_generate.py --build "$BUILD_DIR" "$@"
