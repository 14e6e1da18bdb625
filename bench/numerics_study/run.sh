#!/usr/bin/env bash
# BrierLM of the tiny CALM and its twin, the autoencoder's reconstruction,
# throughput and arithmetic energy under every numerics form, with paired
# standard errors; writes docs/numerics-study.{md,svg,json} and
# docs/numerics-study-deltas.svg. Needs the build and the held-out text
# (tools/data/fetch_data.sh, npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
[[ -x "$BUILD_DIR/bin/calm-run" ]] || bash scripts/build.sh
bash tools/data/fetch_data.sh >/dev/null
exec /usr/bin/python3 bench/numerics_study/numerics_study.py --build "$BUILD_DIR" "$@"
