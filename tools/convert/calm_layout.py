"""Expected tensor names and shapes of CALM checkpoints (shared/spec/calm.md, official-layout/),
computed from config.json. Pure stdlib."""


def autoencoder_tensors(c, prefix=""):
    V, d, I, K, Z = c["vocab_size"], c["hidden_size"], c["intermediate_size"], c["patch_size"], c["latent_size"]
    t = {}
    for side, nl, key in (("encoder", c["num_encoder_layers"], "encoder_layers"),
                          ("decoder", c["num_decoder_layers"], "decoder_layers")):
        for i in range(nl):
            p = "%s.%s.%d." % (side, key, i)
            t[p + "layernorm.weight"] = [d]
            t[p + "mlp.gate_proj.weight"] = [I, d]
            t[p + "mlp.up_proj.weight"] = [I, d]
            t[p + "mlp.down_proj.weight"] = [d, I]
    t.update({
        "encoder.embed_tokens.weight": [V, d],
        "encoder.squeeze_layer.weight": [d, K * d], "encoder.squeeze_layer.bias": [d],
        "encoder.norm.weight": [d],
        "encoder.hidden_to_latent.weight": [2 * Z, d], "encoder.hidden_to_latent.bias": [2 * Z],
        "decoder.latent_to_hidden.weight": [d, Z], "decoder.latent_to_hidden.bias": [d],
        "decoder.expand_layer.weight": [K * d, d], "decoder.expand_layer.bias": [K * d],
        "decoder.norm.weight": [d],
    })
    return {prefix + k: v for k, v in t.items()}


AE_OPTIONAL = "decoder.lm_head_weight"   # untied AE output matrix [V, d]; absent when tied


def llama_tensors(c, prefix):
    V, d, I, L = c["vocab_size"], c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    H = c["num_attention_heads"]
    kvh = c.get("num_key_value_heads") or H
    kv = d // H * kvh
    t = {prefix + "embed_tokens.weight": [V, d], prefix + "norm.weight": [d]}
    for i in range(L):
        p = "%slayers.%d." % (prefix, i)
        t.update({p + "input_layernorm.weight": [d], p + "post_attention_layernorm.weight": [d],
                  p + "self_attn.q_proj.weight": [d, d], p + "self_attn.k_proj.weight": [kv, d],
                  p + "self_attn.v_proj.weight": [kv, d], p + "self_attn.o_proj.weight": [d, d],
                  p + "mlp.gate_proj.weight": [I, d], p + "mlp.up_proj.weight": [I, d],
                  p + "mlp.down_proj.weight": [d, I]})
    return t


def calm_tensors(c):
    d, K, Z, NZ = c["hidden_size"], c["patch_size"], c["latent_size"], c["noise_size"]
    t = llama_tensors(c, "transformer.")
    t.update({"embed_proj.0.weight": [2 * d, K * d], "embed_proj.0.bias": [2 * d],
              "embed_proj.2.weight": [d, 2 * d], "embed_proj.2.bias": [d],
              "embed_proj.3.weight": [d], "embed_proj.3.bias": [d]})
    g = "mlp_generator."
    t.update({g + "noise_embd.weight": [d, NZ], g + "noise_embd.bias": [d],
              g + "hidden_embd.weight": [d, d], g + "hidden_embd.bias": [d]})
    for n in ("norm_hidden", "norm_noise"):
        t[g + n + ".weight"] = [d]
        t[g + n + ".bias"] = [d]
    for j in range(c["num_mlp_layers"]):
        p = "%smlp_blocks.%d." % (g, j)
        t.update({p + "in_ln.weight": [d], p + "in_ln.bias": [d],
                  p + "linears.0.weight": [d, 2 * d], p + "linears.0.bias": [d],
                  p + "linears.2.weight": [d, d], p + "linears.2.bias": [d],
                  p + "linears.4.weight": [2 * d, d], p + "linears.4.bias": [2 * d],
                  p + "down_proj.weight": [d, d], p + "down_proj.bias": [d]})
    f = g + "final_layer."
    t.update({f + "in_ln.weight": [d], f + "in_ln.bias": [d], f + "linears.0.weight": [d, d],
              f + "linears.0.bias": [d], f + "linears.2.weight": [Z, d], f + "linears.2.bias": [Z]})
    return t


def twin_tensors(c):
    t = llama_tensors(c, "model.")
    if not c.get("tie_word_embeddings", False):
        t["lm_head.weight"] = [c["vocab_size"], c["hidden_size"]]
    return t


def kind_of(cfg):
    if cfg.get("model_type") == "energy" or "EnergyTransformer" in (cfg.get("architectures") or []):
        return "calm"
    if "Autoencoder" in (cfg.get("architectures") or []) or "num_encoder_layers" in cfg:
        return "autoencoder"
    if cfg.get("model_type") == "llama":
        return "llama"
    raise ValueError("unknown model kind (model_type %r, architectures %r)" % (cfg.get("model_type"), cfg.get("architectures")))
