#!/usr/bin/env bash
# The whole calm-tiny pipeline, as run for the committed models (2-core CPU, one thread per job).
# Needs: npm, Debian python3-torch + python3-regex (+ libopenblas0-serial: the default reference
# BLAS makes torch ~15x slower). Logs go to logs/ (ignored by git).
#
# Two rounds. Round 1 (2026-11, ~1 h): tokenizer, autoencoder, CALM and twin on Moby Dick + the
# addresses (--without-brown). Round 2 (2026-12, issue 19, ~75 min with the CALM and the twin
# side by side on the two cores): both continued on the corpus with the Brown samples added, the
# twin for as many more steps as brings its training time level with the CALM's (models/README.md,
# "Recipe"). The autoencoder was not retrained in round 2: it already reconstructs 99.5 % of the
# held-out tokens.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
PY=/usr/bin/python3
T="$PY tools/train/train.py"
bash tools/data/fetch_data.sh
# Round 1.
$PY tools/train/bpe.py --vocab-size 4096 --out .data/tokenizer.json
$T ae   --without-brown --steps 2500 --batch 256 --lr 1.5e-3 --log-every 50 --log logs/ae.log
$T ae   --without-brown --resume --steps 1000 --batch 256 --lr 5e-4 --log-every 50 --log logs/ae.log
$T calm --without-brown --steps 700 --batch 8 --block 512 --lr 1e-3 --log-every 10 --log logs/calm.log
$T calm --without-brown --resume --steps 1400 --batch 4 --block 512 --lr 1e-3 --seed 1 --log-every 20 --log logs/calm2.log
$T twin --without-brown --steps 1000 --batch 4 --block 512 --lr 1e-3 --log-every 10 --log logs/twin.log
# Round 2: the two jobs at once, one core each.
$T calm --resume --steps 1800 --batch 4 --block 512 --lr 6e-4 --seed 2 --log-every 20 --log logs/calm3.log & calm=$!
$T twin --resume --steps 2100 --batch 4 --block 512 --lr 6e-4 --seed 2 --log-every 20 --log logs/twin2.log & twin=$!
wait $calm
wait $twin
$PY tools/reference/evaluate.py --write
$PY tools/reference/make_fixtures.py
