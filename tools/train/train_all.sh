#!/usr/bin/env bash
# The whole calm-tiny pipeline, as run for the committed models (2-core CPU, one thread per job).
# Needs: npm, Debian python3-torch + python3-regex (+ libopenblas0-serial or OPENBLAS_NUM_THREADS=1:
# the default reference BLAS makes torch ~15x slower). Logs go to logs/ (ignored by git).
#
# The tokenizer and the token twin are from rounds 1-2 (2026-11/12); the autoencoder and the CALM
# are round 3 (issue 34), retrained from scratch with the recipe of models/README.md: KL weight
# 0.03 (was 0.001), windows starting anywhere (not on the K grid), constant lr after warm-up,
# AdamW decay 0.1 on matrices only, 2,032 chunk positions per step (was 508), no warm restarts.
# Each round-3 stage is trained into .data/r3 and copied into models/ only when done, so the
# committed models and their fixtures stay consistent while it runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
PY=/usr/bin/python3
T="$PY tools/train/train.py"
bash tools/data/fetch_data.sh
# Rounds 1-2: tokenizer and twin (round 1 on Moby Dick and the addresses; round 2 adds Brown).
$PY tools/train/bpe.py --vocab-size 4096 --out .data/tokenizer.json
$T twin --without-brown --steps 1000 --batch 4 --block 512 --lr 1e-3 --log-every 10 --log logs/twin.log
$T twin --resume --steps 2100 --batch 4 --block 512 --lr 6e-4 --seed 2 --log-every 20 --log logs/twin2.log
# Round 3: the autoencoder, then the CALM against it, from scratch.
R3=.data/r3
$T ae --models $R3 --steps 3500 --batch 256 --lr 1.5e-3 --kl-weight 0.03 --log-every 50 --log logs/ae.log
$T ae --models $R3 --resume --steps 1000 --batch 256 --lr 5e-4 --kl-weight 0.03 --log-every 50 --log logs/ae.log
$T calm --models $R3 --steps 1800 --batch 16 --block 512 --align 1 --schedule constant --weight-decay 0.1 \
  --lr 6e-4 --checkpoint-every 200 --log-every 20 --log logs/calm-r3.log
# Progress while it runs: $PY tools/train/dev_check.py --models $R3
cp -r $R3/calm-tiny-ae $R3/calm-tiny models/
$PY tools/reference/evaluate.py --write
$PY tools/reference/make_fixtures.py
