#!/usr/bin/env python3
"""The PyTorch baseline of bench/eval: BrierLM of a text with the reference modules of
tools/reference (calm_ref.py, brier.py: the ones the golden fixtures come from), one batched
teacher-forced pass per block as the official evaluation runs it, in f32 or bf16 (--dtype) with a
fixed thread count. Prints one JSON object: tokens, seconds (evaluation only), tokens_per_s.

    /usr/bin/python3 bench/eval/torch_eval.py --model models/calm-tiny --text FILE --threads 2
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))

import torch  # noqa: E402

import brier  # noqa: E402
import calm_ref  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--block-size", type=int, default=512)
    ap.add_argument("--max-blocks", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = calm_ref.load_calm(a.model)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    model = model.to(dtype)
    tok = Tokenizer(os.path.join(a.model, "tokenizer.json"))
    with open(a.text, encoding="utf-8") as f:
        stream = torch.tensor(tok.encode(f.read()), dtype=torch.int64)
    blocks = len(brier.blocks_of(stream, a.block_size)[:a.max_blocks])
    g = torch.Generator().manual_seed(a.seed)
    P = a.block_size // model.K - 1
    noise = [model.mlp_generator.sample_noise((2, P), generator=g).to(dtype) for _ in range(blocks)]
    start = time.perf_counter()
    res = brier.calm_brier(model, stream, a.block_size, g, max_blocks=a.max_blocks, noise_list=noise)
    seconds = time.perf_counter() - start
    tokens = blocks * a.block_size
    print(json.dumps({"tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds,
                      "brierlm": res["BrierLM"]}))


if __name__ == "__main__":
    main()
