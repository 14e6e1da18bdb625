"""Regenerate the golden fixtures in test/fixtures/ from the committed models.

  /usr/bin/python3 tools/reference/make_fixtures.py

Everything random (head noise, AE posterior noise, twin sampling uniforms) is drawn here from fixed
seeds and WRITTEN INTO the fixture files, so another implementation needs only the files. Tensors are
stored in safetensors (F32 / F64 / I32, shapes as documented in test/fixtures/README.md); scalars and
texts in manifest.json. The BrierLM slice needs no corpus: its token ids are stored too.
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import calm_ref, brier, safetensors_io  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

FIX = os.path.join(ROOT, "test", "fixtures")
MODELS = os.path.join(ROOT, "models")
AE_TEXT = ("Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, "
           "and nothing particular to interest me on shore, I thought I would sail about a little.")
CALM_TEXT = ("Mr. Speaker, Mr. Vice President, Members of Congress, the state of our Union is strong. We have built "
             "a nation of free people, and tonight I ask you to work together for the good of the country.")
BRIER_TEXT_SOURCE = "held-out stream tokens 0..255 (tools/data/corpus.py split, documents joined by <|endoftext|>)"
TOKENIZER_CASES = [
    "Call me Ishmael.",
    "Hello world! It's 2024; we'll see 12345 whales.\n\nNew paragraph\tand tabs  and  spaces.",
    "Unicode: café, naïve, “quotes”, — dash, 東京, emoji 🐋.",
    "I'M SHOUTING, you're whispering, they'd've known.",
    "end<|endoftext|>next doc",
    "   leading spaces and trailing   ",
    "line1\r\nline2\n\n\n  indented",
]
SEED = 20240601


def f32(t):
    return t.detach().float().contiguous()


def i32(t):
    return t.detach().to(torch.int32).contiguous()


def take(tok, text, n, eos):
    ids = tok.encode(text)
    assert len(ids) >= n, (len(ids), n)
    return ids[:n]


@torch.no_grad()
def main(out_dir=FIX, brier_ids=None):
    """brier_ids: the 256 held-out tokens of the BrierLM slice (default: tokenize the corpus)."""
    torch.set_num_threads(1)
    FIX = out_dir
    os.makedirs(FIX, exist_ok=True)
    g = torch.Generator().manual_seed(SEED)
    tok = Tokenizer(os.path.join(MODELS, "calm-tiny", "tokenizer.json"))
    ae = calm_ref.load_autoencoder(os.path.join(MODELS, "calm-tiny-ae"))
    calm = calm_ref.load_calm(os.path.join(MODELS, "calm-tiny"))
    twin = calm_ref.load_twin(os.path.join(MODELS, "llama-tiny-twin"))
    cfg = calm_ref.read_config(os.path.join(MODELS, "calm-tiny"))
    eos, K = cfg["eos_token_id"], cfg["patch_size"]
    man = {"generated_by": "/usr/bin/python3 tools/reference/make_fixtures.py", "seed": SEED,
           "models": {"ae": "models/calm-tiny-ae", "calm": "models/calm-tiny", "twin": "models/llama-tiny-twin"},
           "note": "computed in float32 from the bf16 checkpoints upcast to float32"}

    # ---------------------------------------------------------------- tokenizer
    man["tokenizer"] = [{"text": t, "ids": tok.encode(t)} for t in TOKENIZER_CASES]
    for c in man["tokenizer"]:
        assert tok.decode(c["ids"]) == c["text"], c

    # ---------------------------------------------------------------- autoencoder
    ids = torch.tensor(take(tok, AE_TEXT, 32, eos)).reshape(2, 16)
    mean, log_std = ae.encode(ids)                                   # [2, 4, latent]
    logits = ae.decoder(mean)                                        # [2, 16, V]
    eps = torch.randn(mean.shape, generator=g)
    z = mean + eps * log_std.exp()
    ae_t = {"input_ids": i32(ids), "enc_mean": f32(mean), "enc_log_std": f32(log_std),
            "dec_logits_slice": f32(logits[..., :256]), "dec_logits_row0": f32(logits[0, 0]),
            "dec_argmax": i32(logits.argmax(-1)),
            "posterior_eps": f32(eps), "posterior_z": f32(z), "posterior_z_argmax": i32(ae.decode_tokens(z))}
    # Reconstruction (calm-run eval --reconstruction): two blocks of 64 tokens, natural text and
    # random ids (which the AE often gets wrong, so the counts are not all "correct").
    gr = torch.Generator().manual_seed(SEED + 7)
    natural = (tok.encode(AE_TEXT) + tok.encode(CALM_TEXT))[:64]
    recon = torch.tensor(natural + torch.randint(0, eos, (64,), generator=gr).tolist())
    rmean, _ = ae.encode(recon.reshape(32, K))
    ae_t["recon_ids"] = i32(recon)
    ae_t["recon_argmax"] = i32(ae.decode_tokens(rmean).reshape(-1))
    safetensors_io.save(ae_t, os.path.join(FIX, "ae.safetensors"))
    man["ae"] = {"text": AE_TEXT, "reconstruction_exact_from_mean": bool((ae_t["dec_argmax"] == ae_t["input_ids"]).all())}

    # ---------------------------------------------------------------- CALM
    ids = torch.tensor(take(tok, CALM_TEXT, 32, eos))[None]          # [1, 32] = 8 chunks
    comp = calm.compress(ids)                                         # [1, 8, d]
    h, kvs, layers = calm.transformer(comp, return_kv=True)
    S = 4
    noise = calm.mlp_generator.sample_noise((8, S), generator=g)      # [8, 4, noise]
    hz, inter = calm.mlp_generator(h[0].unsqueeze(1).expand(8, S, h.shape[-1]), noise, return_intermediate=True)
    head_tok = calm.ae_model.decode_tokens(hz.reshape(8 * S, 1, -1)).reshape(8, S, K)
    calm_t = {"input_ids": i32(ids), "compress_out": f32(comp), "hidden": f32(h),
              "head_noise": f32(noise), "head_cond": f32(inter["cond"][:, 0]), "head_noise_embd": f32(inter["noise_embd"]),
              "head_out": f32(hz), "head_tokens": i32(head_tok)}
    for i, lo in enumerate(layers):
        calm_t["layer_out.%d" % i] = f32(lo)
    # two generation steps with given noise: step 0 predicts chunk 8 from chunks 0..7, step 1 appends it
    step_noise = calm.mlp_generator.sample_noise((2,), generator=g)
    seq = ids[0].tolist()
    st_h, st_z, st_tok = [], [], []
    for s in range(2):
        hh = calm.hidden(torch.tensor([seq]))[0, -1]
        zz = calm.mlp_generator(hh[None], step_noise[s:s + 1])
        tt = calm.ae_model.decode_tokens(zz[:, None])[0]
        st_h.append(hh); st_z.append(zz[0]); st_tok.append(tt)
        seq += tt.tolist()
    calm_t.update({"step_noise": f32(step_noise), "step_hidden": f32(torch.stack(st_h)),
                   "step_latent": f32(torch.stack(st_z)), "step_tokens": i32(torch.stack(st_tok))})
    safetensors_io.save(calm_t, os.path.join(FIX, "calm.safetensors"))
    man["calm"] = {"text": CALM_TEXT}

    # ---------------------------------------------------------------- twin
    ids = torch.tensor(take(tok, CALM_TEXT, 32, eos))[None]
    logits, _, layers = twin(ids, return_kv=True)
    hid = twin.model(twin.model.embed_tokens(ids))
    seq = ids[0].tolist()
    greedy = []
    for _ in range(8):
        t = twin(torch.tensor([seq]))[0, -1].argmax().item()
        greedy.append(t); seq.append(t)
    tw_t = {"input_ids": i32(ids), "hidden": f32(hid), "logits_slice": f32(logits[..., :256]),
            "logits_last": f32(logits[0, -1]), "greedy_tokens": i32(torch.tensor(greedy))}
    for i, lo in enumerate(layers):
        tw_t["layer_out.%d" % i] = f32(lo)
    safetensors_io.save(tw_t, os.path.join(FIX, "twin.safetensors"))
    man["twin"] = {"text": CALM_TEXT, "greedy_text": tok.decode(greedy)}

    # ---------------------------------------------------------------- BrierLM on a fixed slice
    if brier_ids is None:
        sys.path.insert(0, os.path.join(ROOT, "tools", "data"))
        import evaluate
        brier_ids = evaluate.heldout_stream(tok, eos)[:256]
    sl = torch.as_tensor(brier_ids, dtype=torch.int64)
    P = 256 // K - 1
    noise = calm.mlp_generator.sample_noise((2, P), generator=g)
    cterms, ctoks = brier.calm_block_terms(calm, sl, noise)
    u = torch.rand(2, P, 4, generator=g, dtype=torch.float64)
    tterms, roll, py = brier.twin_block_terms(twin, sl, u, K)
    cB, tB = cterms.mean(0).tolist(), tterms.mean(0).tolist()
    br_t = {"input_ids": i32(sl), "calm_noise": f32(noise), "calm_tokens": i32(ctoks),
            "calm_terms": cterms.double(), "twin_uniforms": u.double(), "twin_rollouts": i32(roll),
            "twin_p_y": py.double(), "twin_terms": tterms.double()}
    safetensors_io.save(br_t, os.path.join(FIX, "brier.safetensors"))
    man["brier"] = {"slice": BRIER_TEXT_SOURCE, "block_tokens": 256, "positions": P,
                    "calm": {"B": cB, "BrierLM": brier.brierlm(cB)},
                    "twin": {"B": tB, "BrierLM": brier.brierlm(tB)}}
    with open(os.path.join(FIX, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", FIX)


if __name__ == "__main__":
    main()
