"""Evaluate the committed models and (re)write or check their cards' numbers.

  /usr/bin/python3 tools/reference/evaluate.py            # compute, compare with models/*/eval.json
  /usr/bin/python3 tools/reference/evaluate.py --write    # compute, write eval.json + README.md cards

Fetches the corpus with tools/data/fetch_data.sh when it is missing; tokenizes the held-out split
with the committed models/calm-tiny/tokenizer.json. Settings (fixed): BrierLM block 512 tokens over
the held-out token stream (documents joined by <|endoftext|>, consecutive blocks, the partial last
block dropped), seed 1234 (CALM noise and twin uniforms drawn block by block from one
torch.Generator), AE reconstruction over every 4-token chunk of the held-out stream.
Single-threaded (torch.set_num_threads(1)) so the numbers are reproducible.
"""
import argparse, json, os, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))
import torch  # noqa: E402
import calm_ref, brier, calm_sample, corpus  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

MODELS = os.path.join(ROOT, "models")
AE_DIR, CALM_DIR, TWIN_DIR = (os.path.join(MODELS, n) for n in ("calm-tiny-ae", "calm-tiny", "llama-tiny-twin"))
BLOCK = 512
SEED = 1234
PROMPTS = ["The whale", "Mr. Speaker, the state of our Union is", "It was a dark and stormy night; the"]
SAMPLE_TOKENS = 48


def heldout_stream(tok, eos_id, which=1):
    if not os.path.exists(corpus.MOBY):
        subprocess.check_call(["bash", os.path.join(ROOT, "tools", "data", "fetch_data.sh")])
    docs = corpus.load_split()[which]
    ids = []
    for _, t in docs:
        ids += tok.encode(t, allow_special=False) + [eos_id]
    return torch.tensor(ids, dtype=torch.int64)


def prompt_ids(tok, text, K, eos_id):
    """Prompt = <|endoftext|> padding on the left up to a multiple of K, then the text's tokens
    (documents in training are preceded by <|endoftext|>)."""
    ids = tok.encode(text)
    pad = (-len(ids)) % K
    return [eos_id] * (pad if pad else K) + ids


def param_count(sd_module, skip=()):
    return sum(v.numel() for k, v in sd_module.state_dict().items()
               if not any(k.startswith(s) for s in skip) and not k.endswith(calm_ref.TIED))


@torch.no_grad()
def calm_diagnostics(calm, stream, g, blocks=8, K=4):
    """Why a CALM's Brier-1 is what it is, on the first `blocks` held-out blocks: how far apart the
    AE posterior means of the true next chunks are (|mu_i - mu_j| of random pairs) against the
    posterior's own noise (sigma) and the energy head's spread (mean distance of a head sample from
    the mean of 16 samples at the same position), and the first token of a head sample decoded
    with its own context against a shuffled one's (how much the head uses its context)."""
    ids = stream[: blocks * BLOCK].reshape(blocks, BLOCK)
    h = calm.hidden(ids[:, :-K])
    mu, log_std = calm.ae_model.encode(ids[:, K:])
    P = h.shape[0] * h.shape[1]
    h, mu, sd = h.reshape(P, -1), mu.reshape(P, -1), log_std.exp().reshape(P, -1)
    y = ids[:, K:].reshape(P, K)
    perm = torch.randperm(P, generator=g)

    def first_token_acc(hh):
        x = calm.mlp_generator(hh, calm.mlp_generator.sample_noise((P,), generator=g))
        return (calm.ae_model.decode_tokens(x[:, None]).reshape(P, K)[:, 0] == y[:, 0]).double().mean().item(), x

    acc_own, x = first_token_acc(h)
    acc_shuffled, _ = first_token_acc(h[perm])
    xs = calm.mlp_generator(h[:, None].expand(P, 16, h.shape[-1]),
                            calm.mlp_generator.sample_noise((P, 16), generator=g))
    return {"positions": P, "posterior_sigma_mean": sd.mean().item(), "mu_norm_mean": mu.norm(dim=-1).mean().item(),
            "mu_pair_distance_mean": (mu[perm] - mu).norm(dim=-1).mean().item(),
            "head_sample_to_true_mu_mean": (x - mu).norm(dim=-1).mean().item(),
            "head_spread_mean": (xs - xs.mean(1, keepdim=True)).norm(dim=-1).mean().item(),
            "first_token_acc_own_context": acc_own, "first_token_acc_shuffled_context": acc_shuffled}


def evaluate():
    torch.set_num_threads(1)
    t0 = time.time()
    tok = Tokenizer(os.path.join(CALM_DIR, "tokenizer.json"))
    ae = calm_ref.load_autoencoder(AE_DIR)
    calm = calm_ref.load_calm(CALM_DIR)
    twin = calm_ref.load_twin(TWIN_DIR)
    cfg = calm_ref.read_config(CALM_DIR)
    eos = cfg["eos_token_id"]
    K = cfg["patch_size"]
    stream = heldout_stream(tok, eos)
    res = {"settings": {"block_tokens": BLOCK, "seed": SEED, "heldout_tokens": len(stream),
                        "brier_blocks": len(stream) // BLOCK,
                        "train_tokens": len(heldout_stream(tok, eos, which=0))}}
    # AE reconstruction
    g = torch.Generator().manual_seed(SEED)
    chunks = stream[: len(stream) // K * K].reshape(-1, K)
    with torch.no_grad():
        mean, log_std = ae.encode(chunks)
        acc_mean = (ae.decode_tokens(mean) == chunks).double().mean().item()
        z = mean + torch.randn(mean.shape, generator=g) * log_std.exp()
        acc_sample = (ae.decode_tokens(z) == chunks).double().mean().item()
        chunk_acc = (ae.decode_tokens(mean) == chunks).all(-1).double().mean().item()
    res["ae"] = {"heldout_token_accuracy_mean": acc_mean, "heldout_token_accuracy_sampled_z": acc_sample,
                 "heldout_chunk_accuracy_mean": chunk_acc, "chunks": chunks.shape[0],
                 "params": param_count(ae)}
    # BrierLM
    g = torch.Generator().manual_seed(SEED)
    res["calm"] = {"brier": brier.calm_brier(calm, stream, BLOCK, g),
                   "params_without_ae": param_count(calm, skip=("ae_model.",))}
    g = torch.Generator().manual_seed(SEED)
    res["calm"]["diagnostics"] = calm_diagnostics(calm, stream, g, K=K)
    g = torch.Generator().manual_seed(SEED)
    res["twin"] = {"brier": brier.twin_brier(twin, stream, BLOCK, g, K=K), "params": param_count(twin)}
    # samples
    samples = {"calm": [], "twin": []}
    for pi, p in enumerate(PROMPTS):
        ids = prompt_ids(tok, p, K, eos)
        for T in (1.0, 0.5):
            g = torch.Generator().manual_seed(SEED + pi)
            stats = {}
            out = calm_sample.generate_calm(calm, ids, SAMPLE_TOKENS // K, T, g, "exact", eos, stats=stats)
            samples["calm"].append({"prompt": p, "T": T, "method": "exact", "text": tok.decode(out),
                                    "fallback_steps": stats.get("fallbacks", 0)})
            g = torch.Generator().manual_seed(SEED + pi)
            out = calm_sample.generate_twin(twin, ids, SAMPLE_TOKENS, T, g, eos)
            samples["twin"].append({"prompt": p, "T": T, "text": tok.decode(out)})
        g = torch.Generator().manual_seed(SEED + pi)
        out = calm_sample.generate_calm(calm, ids, SAMPLE_TOKENS // K, 0.5, g, "batch", eos)
        samples["calm"].append({"prompt": p, "T": 0.5, "method": "batch-approx (N=200)", "text": tok.decode(out)})
    res["samples"] = samples
    res["eval_seconds"] = time.time() - t0
    return res


def compare(a, b, path=""):
    """Numbers equal to 1e-9 relative; strings equal. Returns list of differences."""
    diffs = []
    if isinstance(a, dict):
        for k in a:
            if k == "eval_seconds":
                continue
            if k not in b:
                diffs.append(path + "/" + k + " missing")
            else:
                diffs += compare(a[k], b[k], path + "/" + k)
    elif isinstance(a, list):
        if len(a) != len(b):
            return [path + " length"]
        for i, (x, y) in enumerate(zip(a, b)):
            diffs += compare(x, y, "%s[%d]" % (path, i))
    elif isinstance(a, float):
        if abs(a - b) > 1e-9 * max(1.0, abs(a)):
            diffs.append("%s: %r != %r" % (path, a, b))
    elif a != b:
        diffs.append("%s: %r != %r" % (path, a, b))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    res = evaluate()
    print(json.dumps({k: v for k, v in res.items() if k != "samples"}, indent=1))
    path = os.path.join(MODELS, "eval.json")
    if args.write:
        with open(path, "w") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        import write_cards
        write_cards.write_all(res)
        print("wrote", path, "and the model cards")
        return
    with open(path) as f:
        ref = json.load(f)
    d = compare(ref, res)
    if d:
        print("MISMATCH with models/eval.json:\n  " + "\n  ".join(d[:20]))
        sys.exit(1)
    print("OK: all numbers and samples in models/eval.json reproduced")


if __name__ == "__main__":
    main()
