#!/usr/bin/env bash
# The whole calm-tiny pipeline, as run for the committed models (2-core CPU, ~1 h, one thread).
# Needs: npm, Debian python3-torch + python3-regex (+ libopenblas0-serial: the default reference
# BLAS makes torch ~15x slower). Logs go to logs/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1
PY=/usr/bin/python3
bash tools/data/fetch_data.sh
$PY tools/train/bpe.py --vocab-size 4096 --out .data/tokenizer.json
$PY tools/train/train.py ae   --steps 2500 --batch 256 --lr 1.5e-3 --log-every 50 --log logs/ae.log
$PY tools/train/train.py ae   --resume --steps 1000 --batch 256 --lr 5e-4 --log-every 50 --log logs/ae.log
$PY tools/train/train.py calm --steps 700 --batch 8 --block 512 --lr 1e-3 --log-every 10 --log logs/calm.log
$PY tools/train/train.py calm --resume --steps 1400 --batch 4 --block 512 --lr 1e-3 --seed 1 --log-every 20 --log logs/calm2.log
$PY tools/train/train.py twin --steps 1000 --batch 4 --block 512 --lr 1e-3 --log-every 10 --log logs/twin.log
$PY tools/reference/evaluate.py --write
$PY tools/reference/make_fixtures.py
