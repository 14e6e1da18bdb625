"""A token model with random weights in the shape of issue 31's comparison (Llama-3.2-style: hidden
1024, 16 layers, GQA 16/4, MLP 2816, tied 128256 vocabulary), for bench/forward/token_prefill_bench.

  /usr/bin/python3 bench/forward/make_random_llama.py OUT_DIR

Writes OUT_DIR/llama32-shape-random/{config.json, model.safetensors} (~0.6 GB bf16, never committed).
"""
import json, os, sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_random_checkpoint import write_safetensors  # noqa: E402

V, D, LAYERS, HEADS, KV, INTER = 128256, 1024, 16, 16, 4, 2816


def tensors():
    hd = D // HEADS
    t = {"model.embed_tokens.weight": (V, D), "model.norm.weight": (D,)}
    for i in range(LAYERS):
        p = "model.layers.%d." % i
        t.update({p + "input_layernorm.weight": (D,), p + "post_attention_layernorm.weight": (D,),
                  p + "self_attn.q_proj.weight": (HEADS * hd, D), p + "self_attn.k_proj.weight": (KV * hd, D),
                  p + "self_attn.v_proj.weight": (KV * hd, D), p + "self_attn.o_proj.weight": (D, HEADS * hd),
                  p + "mlp.gate_proj.weight": (INTER, D), p + "mlp.up_proj.weight": (INTER, D),
                  p + "mlp.down_proj.weight": (D, INTER)})
    return t


def main():
    out = os.path.join(sys.argv[1], "llama32-shape-random")
    os.makedirs(out, exist_ok=True)
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": V, "hidden_size": D,
           "intermediate_size": INTER, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
           "num_key_value_heads": KV, "max_position_embeddings": 131072, "rms_norm_eps": 1e-5,
           "rope_theta": 500000.0, "tie_word_embeddings": True, "bos_token_id": 128000,
           "eos_token_id": 128001, "rope_scaling": {"rope_type": "llama3", "factor": 32.0,
                                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 8192}}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors(), np.random.default_rng(0))
    print("wrote %s (%.0fM parameters)" % (out, sum(int(np.prod(s)) for s in tensors().values()) / 1e6))


if __name__ == "__main__":
    main()
