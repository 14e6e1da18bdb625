#!/usr/bin/env python3
"""The PyTorch baseline of bench/generate: the reference modules of
tools/reference/calm_ref.py (the ones the golden fixtures come from) on the
same weights, driven the way a PyTorch user would run them, with a KV cache
(one backbone step per chunk for CALM, per token for the twin), f32 or bf16
(--dtype), a fixed thread count, on the CPU or (--device cuda, CALM at T = 1:
bench/gpu) on the GPU, the noise drawn on the CPU as on the CPU path. Prints one JSON object: tokens, seconds (generation after the
prompt), first-chunk latency (ms) and peak RSS (MB).

    /usr/bin/python3 bench/generate/torch_generate.py --model models/calm-tiny \
        --tokens 256 --temperature 1 --threads 1
"""
import argparse
import json
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))

import torch  # noqa: E402

import calm_ref  # noqa: E402
import calm_sample  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402


DTYPE = [torch.float32]  # the model's dtype (--dtype)
DEVICE = ["cpu"]  # where it runs (--device)


def ids_tensor(ids):
    return torch.tensor([ids], device=DEVICE[0])


def extend(past, kvs):
    if past is None:
        return list(kvs)
    return [(torch.cat((pk, k), 2), torch.cat((pv, v), 2)) for (pk, pv), (k, v) in zip(past, kvs)]


def stack_step(stack, x, past):
    """x [1, T, d] new inputs -> (last hidden [d], extended cache)."""
    h, kvs, _ = stack(x, past=past, return_kv=True)
    return h[0, -1], extend(past, kvs)


@torch.no_grad()
def run_calm(model, ids, tokens, temperature, g, samples):
    K = model.K
    pad = (-len(ids)) % K or (K if not ids else 0)
    ids = [model.cfg["eos_token_id"]] * pad + ids
    h, past = stack_step(model.transformer, model.compress(ids_tensor(ids)), None)
    if DEVICE[0] == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    first = None
    out = []
    while len(out) < tokens:
        if temperature == 1.0:
            noise = model.mlp_generator.sample_noise((1,), generator=g).to(DEVICE[0], DTYPE[0])
            chunk = calm_sample.head_tokens(model, h, noise)[0].tolist()
        elif samples:
            chunk = list(calm_sample.sample_batch_approx(model, h, round(1 / temperature), g,
                                                         num=samples))
        else:
            chunk = list(calm_sample.sample_exact(model, h, temperature, g, max_tries=200))
        if first is None:
            first = time.perf_counter() - start
        out += chunk
        if len(out) < tokens:
            h, past = stack_step(model.transformer, model.compress(ids_tensor(chunk)), past)
    return len(out), time.perf_counter() - start, first


@torch.no_grad()
def run_twin(model, ids, tokens, temperature, g, samples):
    ids = [model.cfg["eos_token_id"]] + ids
    h, past = stack_step(model.model, model.model.embed_tokens(torch.tensor([ids])), None)
    start = time.perf_counter()
    first = None
    out = []
    while len(out) < tokens:
        p = torch.softmax(model.lm_head(h).double() / temperature, dim=-1)
        t = torch.multinomial(p, 1, generator=g).item()
        out.append(t)
        if len(out) == 4:
            first = time.perf_counter() - start
        if len(out) < tokens:
            h, past = stack_step(model.model, model.model.embed_tokens(torch.tensor([[t]])), past)
    return len(out), time.perf_counter() - start, first


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", default="Call me Ishmael.")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"],
                    help="weights and activations (bf16: the model converted with .to(), as the "
                         "official code runs in bf16)")
    ap.add_argument("--samples", type=int, default=0,
                    help="CALM at T < 1: the batch approximation with this many draws "
                         "(default: exact sampling)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="cuda: the CALM at T = 1 on the GPU (KV cache and weights there)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed)
    kind = calm_ref.read_config(a.model)["model_type"]
    model = calm_ref.load_calm(a.model) if kind == "energy" else calm_ref.load_twin(a.model)
    if a.dtype == "bf16":
        DTYPE[0] = torch.bfloat16
        model = model.to(torch.bfloat16)
    if a.device == "cuda":
        if kind != "energy" or a.temperature != 1.0:
            sys.exit("torch_generate.py: --device cuda runs a CALM at temperature 1")
        DEVICE[0] = "cuda"
        model = model.to("cuda")
    ids = Tokenizer(os.path.join(a.model, "tokenizer.json")).encode(a.prompt)
    run = run_calm if kind == "energy" else run_twin
    n, seconds, first = run(model, ids, a.tokens, a.temperature, g, a.samples)
    print(json.dumps({"tokens": n, "seconds": seconds, "tokens_per_s": n / seconds,
                      "first_chunk_ms": first * 1e3,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
