"""Cheap progress check of a CALM while it trains (issue 34: measure before spending hours).

  OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/dev_check.py [--models DIR] [--blocks N]

On the first N (default 16) held-out blocks of 512 tokens, with a fixed seed: Brier-1..4 and BrierLM,
and evaluate.py's diagnostics (the head's distance to the true next latent against two random
chunks' distance; first-token accuracy with the own and a shuffled context). Read with care: the
slice is part of the held-out text, used here only to decide whether a run moves, never to pick
among runs by their final numbers. Prints one JSON line; takes about a minute on one core.
"""
import argparse, json, os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))
import torch  # noqa: E402
import brier, calm_ref, evaluate  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--blocks", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    calm_dir = os.path.join(args.models, "calm-tiny")
    calm = calm_ref.load_calm(calm_dir)
    tok = Tokenizer(os.path.join(calm_dir, "tokenizer.json"))
    stream = evaluate.heldout_stream(tok, calm.cfg["eos_token_id"])
    with torch.no_grad():
        g = torch.Generator().manual_seed(evaluate.SEED)
        b = brier.calm_brier(calm, stream, evaluate.BLOCK, g, max_blocks=args.blocks)
        g = torch.Generator().manual_seed(evaluate.SEED)
        d = evaluate.calm_diagnostics(calm, stream, g, blocks=min(8, args.blocks), K=calm.K)
    with open(os.path.join(calm_dir, "training.json")) as f:
        steps = json.load(f).get("steps")
    print(json.dumps({"steps": steps, "brier": b, "diagnostics": d, "seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
