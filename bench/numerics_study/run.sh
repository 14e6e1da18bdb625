#!/usr/bin/env bash
# BrierLM, throughput and arithmetic energy of the tiny CALM under every
# numerics form; writes docs/numerics-study.{md,svg}. Needs the build and the
# held-out text (tools/data/fetch_data.sh, npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
[[ -x "$BUILD_DIR/bin/calm-run" ]] || bash scripts/build.sh
bash tools/data/fetch_data.sh >/dev/null
exec /usr/bin/python3 bench/numerics_study/numerics_study.py --build "$BUILD_DIR" "$@"
