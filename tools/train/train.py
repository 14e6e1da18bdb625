"""Train calm-tiny: tokenizer -> autoencoder -> CALM, and the token-level Llama twin.

Run with Debian's PyTorch, one thread:  OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/train.py <what> ...
  tokenizer                      train the BPE (tools/train/bpe.py) into models/*/tokenizer.json
  ae    --steps S --batch B      autoencoder  -> models/calm-tiny-ae
  calm  --steps S --batch B      CALM (needs the AE) -> models/calm-tiny
  twin  --steps S --batch B      token-level twin -> models/llama-tiny-twin
  --bench N                      time N steps and exit (nothing written)
Weights are trained in f32 and stored as bf16 safetensors; everything downstream (CALM training
targets, evaluation, fixtures) uses the stored bf16 values.
"""
import argparse, hashlib, json, math, os, shutil, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))

import torch  # noqa: E402
import calm_ref, safetensors_io, corpus  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

MODELS = os.path.join(ROOT, "models")
AE_DIR = os.path.join(MODELS, "calm-tiny-ae")
CALM_DIR = os.path.join(MODELS, "calm-tiny")
TWIN_DIR = os.path.join(MODELS, "llama-tiny-twin")
TOK_JSON = os.path.join(ROOT, ".data", "tokenizer.json")
VOCAB = 4096
EOS_ID, PAD_ID = VOCAB - 2, VOCAB - 1

COMMON = {"bos_token_id": EOS_ID, "eos_token_id": EOS_ID, "pad_token_id": PAD_ID, "vocab_size": VOCAB,
          "hidden_act": "silu", "initializer_range": 0.02, "is_decoder": False, "is_encoder_decoder": False,
          "max_position_embeddings": 2048, "mlp_bias": False, "output_attentions": False,
          "output_hidden_states": False, "pretraining_tp": 1, "return_dict": True, "rms_norm_eps": 1e-06,
          "tie_word_embeddings": False, "torch_dtype": "bfloat16", "torchscript": False, "use_bfloat16": False}

AE_CFG = dict(COMMON, **{"architectures": ["Autoencoder"], "model_type": "", "ae_dropout": 0.15,
                         "hidden_size": 256, "intermediate_size": 640, "kl_clamp": 0.5, "kl_weight": 0.001,
                         "latent_size": 64, "num_decoder_layers": 2, "num_encoder_layers": 2,
                         "patch_size": 4, "tie_word_embeddings": True})
CALM_CFG = dict(COMMON, **{"architectures": ["EnergyTransformer"], "model_type": "energy",
                           "ae_path": "../calm-tiny-ae", "attention_bias": False, "attention_dropout": 0.0,
                           "beta": 1.0, "hidden_size": 256, "intermediate_size": 704, "latent_size": 64,
                           "noise_size": 64, "num_attention_heads": 4, "num_hidden_layers": 4,
                           "num_key_value_heads": 4, "num_mlp_layers": 3, "num_samples": 8, "patch_size": 4,
                           "rope_scaling": None, "rope_theta": 10000.0, "use_cache": True})
TWIN_CFG = dict(COMMON, **{"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                           "attention_bias": False, "attention_dropout": 0.0, "hidden_size": 256,
                           "intermediate_size": 704, "num_attention_heads": 4, "num_hidden_layers": 4,
                           "num_key_value_heads": 4, "rope_scaling": None, "rope_theta": 10000.0,
                           "use_cache": True})


class Log:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "a")
        self.t0 = time.time()

    def __call__(self, msg):
        line = "%s %s" % (time.strftime("%H:%M:%S", time.gmtime()), msg)
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


BROWN = True   # --without-brown: the document set of the stages trained before Brown was added


def token_streams():
    """(train stream, held-out stream) as int64 tensors; each document followed by EOS. Cached."""
    version = corpus.VERSION if BROWN else "moby+sotu"
    with open(TOK_JSON, "rb") as f:
        h = hashlib.sha256(f.read() + version.encode()).hexdigest()[:12]
    cache = os.path.join(ROOT, ".data", "tokens-%s.pt" % h)
    if os.path.exists(cache):
        return torch.load(cache)
    tok = Tokenizer(TOK_JSON)
    train, held = corpus.load_split(brown=BROWN)
    enc = lambda docs: torch.tensor([i for _, t in docs for i in tok.encode(t, allow_special=False) + [EOS_ID]],
                                    dtype=torch.int64)
    out = (enc(train), enc(held))
    torch.save(out, cache)
    return out


def lr_at(step, total, peak, warm, schedule="cosine"):
    if step < warm:
        return peak * (step + 1) / warm
    if schedule == "constant":   # the official CALM runs: warm-up, then a constant rate
        return peak
    p = (step - warm) / max(1, total - warm)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def write_model_dir(d, cfg, tensors, extra=None):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    safetensors_io.save(tensors, os.path.join(d, "model.safetensors"), {"format": "pt"})
    shutil.copy(TOK_JSON, os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>",
                   "pad_token": "[PAD]", "bos_token": None, "add_bos_token": False, "add_eos_token": False,
                   "model_max_length": 2048, "clean_up_tokenization_spaces": False}, f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({"eos_token": "<|endoftext|>", "pad_token": "[PAD]"}, f, indent=2)
        f.write("\n")
    if extra is not None:
        with open(os.path.join(d, "training.json"), "w") as f:
            json.dump(extra, f, indent=2)
            f.write("\n")


def windows(stream, n, length, align, g):
    """n windows of `length` tokens. align 1 starts them anywhere, so a K-token model sees every
    chunking of the text; align K (the round-1/2 recipe) only a quarter of them."""
    hi = (len(stream) - length) // align
    starts = torch.randint(0, hi, (n,), generator=g) * align
    return torch.stack([stream[s:s + length] for s in starts.tolist()])


def param_groups(named, weight_decay):
    """AdamW groups as the official trainer has them: decay on matrices, none on norms and biases."""
    decay = [p for n, p in named if p.requires_grad and p.dim() >= 2]
    rest = [p for n, p in named if p.requires_grad and p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


def train_loop(name, model, params, step_fn, args, log, save_fn=None):
    if args.weight_decay is None:   # rounds 1-2: one group, 0.01 everywhere
        opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
        params = list(params)
    else:
        named = [(n, p) for n, p in model.named_parameters() if any(p is q for q in params)]
        opt = torch.optim.AdamW(param_groups(named, args.weight_decay), lr=args.lr, betas=(0.9, 0.95))
    total = args.bench or args.steps
    warm = max(1, int(0.05 * total))
    t0 = time.time()
    ema = None
    hist = []
    for step in range(total):
        for gr in opt.param_groups:
            gr["lr"] = lr_at(step, total, args.lr, warm, args.schedule)
        loss, info = step_fn(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        lv = loss.item()
        ema = lv if ema is None else 0.98 * ema + 0.02 * lv
        if args.checkpoint_every and step and step % args.checkpoint_every == 0 and save_fn is not None:
            save_fn(step, time.time() - t0, ema, hist)
        if step % args.log_every == 0 or step == total - 1:
            el = time.time() - t0
            eta = el / (step + 1) * (total - step - 1)
            log("%s step %d/%d loss %.4f ema %.4f %s lr %.2e  %.2fs/step  elapsed %.0fs  eta %.0fs" % (
                name, step, total, lv, ema, info, opt.param_groups[0]["lr"], el / (step + 1), el, eta))
            hist.append({"step": step, "loss": lv, "ema": ema})
    return time.time() - t0, ema, hist


def cmd_tokenizer(args, log):
    import subprocess
    subprocess.check_call([sys.executable, os.path.join(HERE, "bpe.py"), "--vocab-size", str(VOCAB), "--out", TOK_JSON])
    tr, he = token_streams()
    log("tokens: train %d held-out %d" % (len(tr), len(he)))


def ae_diagnostics(model, hchunks, g):
    """What makes a latent space predictable (issue 34): the unclamped KL per chunk in nats, the
    held-out token accuracy from the posterior mean and from a posterior *sample*, and the
    accuracy when the mean is moved by noise of 0.5 and 1.0 per dimension (a near miss)."""
    was = model.training
    model.eval()
    with torch.no_grad():
        mean, log_std = model.encode(hchunks)
        std = log_std.exp()
        kl = (0.5 * (mean.pow(2) + std.pow(2) - 1 - 2 * log_std)).sum(-1).mean().item()
        acc = lambda z: (model.decode_tokens(z) == hchunks).float().mean().item()
        noise = lambda s: torch.randn(mean.shape, generator=g) * s
        out = "kl/chunk %.1f sigma %.3f acc(mean) %.4f acc(sample) %.4f acc(+0.5) %.4f acc(+1.0) %.4f" % (
            kl, std.mean().item(), acc(mean), acc(mean + noise(1.0) * std), acc(mean + noise(0.5)),
            acc(mean + noise(1.0)))
    model.train(was)
    return out


def cmd_ae(args, log):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    tr, he = token_streams()
    K = AE_CFG["patch_size"]
    chunks = tr[: len(tr) // K * K].reshape(-1, K)
    cfg = dict(AE_CFG, kl_weight=args.kl_weight)
    model = calm_ref.Autoencoder(cfg).train()
    if args.resume:   # continue from the saved (bf16) AE with a fresh schedule
        calm_ref._load_into(model, safetensors_io.load(os.path.join(AE_DIR, "model.safetensors")))
        model.train()
    params = [p for n, p in model.named_parameters() if not n.endswith(calm_ref.TIED)]
    log("ae params %d" % sum(p.numel() for p in params))

    hchunks = he[: len(he) // K * K].reshape(-1, K)[:4096]

    def step(i):
        idx = torch.randint(0, len(chunks), (args.batch,), generator=g)
        loss, ce, kl = model.loss(chunks[idx], generator=g)
        info = "ce %.4f kl %.2f" % (ce.item(), kl.item())
        if i % 250 == 0 or i == args.steps - 1:
            info += " " + ae_diagnostics(model, hchunks, g)
        return loss, info

    wall, ema, hist = train_loop("ae", model, params, step, args, log)
    if args.bench:
        return
    tensors = calm_ref.state_dict_for_save(model)
    prev = None
    if args.resume:
        with open(os.path.join(AE_DIR, "training.json")) as f:
            prev = json.load(f)
    write_model_dir(AE_DIR, cfg, tensors, {"command": args.cmdline, "wall_seconds": wall, "steps": args.steps,
                                              "previous_stage": prev,
                                              "batch_chunks": args.batch, "lr": args.lr, "seed": args.seed,
                                              "kl_weight": args.kl_weight,
                                              "diagnostics": ae_diagnostics(model, hchunks, g),
                                              "final_loss_ema": ema, "log": hist})
    log("saved %s" % AE_DIR)


def cmd_calm(args, log):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    tr, he = token_streams()
    if args.bench and not os.path.exists(AE_DIR):   # timing only: a random AE will do
        model = calm_ref.EnergyTransformer(CALM_CFG, AE_CFG)
    else:
        ae_cfg = calm_ref.read_config(AE_DIR)
        model = calm_ref.EnergyTransformer(CALM_CFG, ae_cfg)
        calm_ref._load_into(model.ae_model, safetensors_io.load(os.path.join(AE_DIR, "model.safetensors")))
    prev = None
    if args.resume:   # continue from the saved (bf16) CALM with a fresh schedule
        loaded = calm_ref.load_calm(CALM_DIR)
        model.load_state_dict(loaded.state_dict())
        with open(os.path.join(CALM_DIR, "training.json")) as f:
            prev = json.load(f)
    model.train()
    model.ae_model.eval()
    params = [p for n, p in model.named_parameters() if not n.startswith("ae_model.")]
    log("calm params (without AE) %d" % sum(p.numel() for p in params))
    K = CALM_CFG["patch_size"]

    def step(i):
        ids = windows(tr, args.batch, args.block, args.align or K, g)
        loss = model.energy_loss(ids, n_targets=args.targets, generator=g)
        return loss, ""

    def save(steps_done, wall, ema, hist):
        tensors = calm_ref.state_dict_for_save(model)
        write_model_dir(CALM_DIR, CALM_CFG, tensors, {"command": args.cmdline, "wall_seconds": wall,
                                                      "steps": steps_done, "previous_stage": prev,
                                                      "batch_blocks": args.batch, "block_tokens": args.block,
                                                      "window_align": args.align or K,
                                                      "energy_targets_M": args.targets, "lr": args.lr,
                                                      "schedule": args.schedule,
                                                      "weight_decay": args.weight_decay,
                                                      "seed": args.seed, "final_loss_ema": ema, "log": hist})
        model.train()
        model.ae_model.eval()

    wall, ema, hist = train_loop("calm", model, params, step, args, log, save_fn=save)
    if args.bench:
        return
    save(args.steps, wall, ema, hist)
    log("saved %s" % CALM_DIR)


def cmd_twin(args, log):
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    tr, he = token_streams()
    model = calm_ref.LlamaForCausalLM(TWIN_CFG).train()
    prev = None
    if args.resume:   # continue from the saved (bf16) twin with a fresh schedule
        model.load_state_dict(calm_ref.load_twin(TWIN_DIR).state_dict())
        model.train()
        with open(os.path.join(TWIN_DIR, "training.json")) as f:
            prev = json.load(f)
    params = list(model.parameters())
    log("twin params %d" % sum(p.numel() for p in params))

    def step(i):
        ids = windows(tr, args.batch, args.block + 1, 1, g)
        logits = model(ids[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
        return loss, ""

    wall, ema, hist = train_loop("twin", model, params, step, args, log)
    if args.bench:
        return
    write_model_dir(TWIN_DIR, TWIN_CFG, calm_ref.state_dict_for_save(model),
                    {"command": args.cmdline, "wall_seconds": wall, "steps": args.steps, "previous_stage": prev,
                     "batch_blocks": args.batch,
                     "block_tokens": args.block, "lr": args.lr, "seed": args.seed, "final_loss_ema": ema,
                     "log": hist})
    log("saved %s" % TWIN_DIR)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["tokenizer", "ae", "calm", "twin"])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--targets", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--bench", type=int, default=0)
    ap.add_argument("--kl-weight", type=float, default=0.001, help="ae: weight of the clamped KL term")
    ap.add_argument("--align", type=int, default=0,
                    help="calm: window starts on multiples of this (default K: the rounds 1-2 recipe; 1: anywhere)")
    ap.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    ap.add_argument("--weight-decay", type=float, default=None,
                    help="AdamW decay on matrices only (default: 0.01 on every parameter, rounds 1-2)")
    ap.add_argument("--checkpoint-every", type=int, default=0,
                    help="write the model directory every N steps (resume with --resume)")
    ap.add_argument("--resume", action="store_true", help="continue from the saved model (fresh lr schedule)")
    ap.add_argument("--log", default=os.path.join(ROOT, "logs", "train.log"))
    ap.add_argument("--without-brown", action="store_true",
                    help="train on Moby Dick and the addresses only (the stages before Brown was added)")
    ap.add_argument("--models", default=MODELS,
                    help="directory of the model folders (default models/; train a new round elsewhere so the "
                         "committed models and their fixtures stay consistent until it is done)")
    args = ap.parse_args()
    global BROWN, AE_DIR, CALM_DIR, TWIN_DIR
    AE_DIR, CALM_DIR, TWIN_DIR = (os.path.join(args.models, n) for n in ("calm-tiny-ae", "calm-tiny", "llama-tiny-twin"))
    BROWN = not args.without_brown
    args.cmdline = "OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/train.py " + " ".join(sys.argv[1:])
    torch.set_num_threads(1)
    log = Log(args.log)
    log("start: " + args.cmdline)
    {"tokenizer": cmd_tokenizer, "ae": cmd_ae, "calm": cmd_calm, "twin": cmd_twin}[args.what](args, log)


if __name__ == "__main__":
    main()
