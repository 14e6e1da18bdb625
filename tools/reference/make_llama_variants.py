"""Small random Llama checkpoints of the shapes people have, with the PyTorch reference's outputs.

  /usr/bin/python3 tools/reference/make_llama_variants.py

Writes test/fixtures/llama-variants/<name>/{config.json, model.safetensors, expected.safetensors}:
  llama32-style    grouped-query attention (8 query heads over 2 K/V heads), tied embeddings,
                   rope_scaling llama3 (its three frequency bands all present: original context 64);
                   the calm-tiny vocabulary (4096), so a test can run it with that tokenizer.
  tinyllama-style  grouped-query attention (4 over 1), untied lm_head, rope_scaling linear 2.
Weights are random (fixed seeds) and stored in bf16; the reference computes in f32 from them
upcast, one thread. expected.safetensors:
  input_ids      I32 [40]        random tokens
  logits_slice   F32 [40, 256]   logits of every position, vocab ids 0..255
  logits_last    F32 [V]         all logits at the last position
  greedy_tokens  I32 [8]         greedy continuation, one token at a time (top-2 margins > 0.05)
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import calm_ref, safetensors_io  # noqa: E402

OUT = os.path.join(ROOT, "test", "fixtures", "llama-variants")
BASE = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
    "attention_bias": False, "mlp_bias": False, "rms_norm_eps": 1e-5, "torch_dtype": "bfloat16",
    "max_position_embeddings": 2048, "num_hidden_layers": 2,
}
VARIANTS = {
    "llama32-style": dict(BASE, vocab_size=4096, hidden_size=64, intermediate_size=128,
                          num_attention_heads=8, num_key_value_heads=2, tie_word_embeddings=True,
                          rope_theta=10000.0, bos_token_id=4094, eos_token_id=4094,
                          rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                        "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
    "tinyllama-style": dict(BASE, vocab_size=512, hidden_size=64, intermediate_size=160,
                            num_attention_heads=4, num_key_value_heads=1, tie_word_embeddings=False,
                            rope_theta=10000.0, bos_token_id=1, eos_token_id=2,
                            rope_scaling={"type": "linear", "factor": 2.0}),
}
TOKENS, GREEDY, MARGIN = 40, 8, 0.05


def margin(logits):
    top = logits.topk(2).values
    return (top[0] - top[1]).item()


@torch.no_grad()
def make(name, cfg, seed):
    g = torch.Generator().manual_seed(seed)
    model = calm_ref.LlamaForCausalLM(cfg)
    for p in model.parameters():    # large enough weights for decisive argmaxes
        if p.dim() == 1:
            p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
        else:
            p.copy_(torch.randn(p.shape, generator=g) * 0.6 / p.shape[-1] ** 0.5)
    sd = {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}
    if cfg["tie_word_embeddings"]:
        del sd["lm_head.weight"]
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    safetensors_io.save(sd, os.path.join(d, "model.safetensors"))
    ref = calm_ref.load_twin(d)     # from the file, as a runtime reads it
    ids = torch.randint(0, cfg["vocab_size"], (TOKENS,), generator=g)
    logits = ref(ids[None])[0]
    seq, greedy = ids.tolist(), []
    last = logits[-1]
    for _ in range(GREEDY):
        if margin(last) < MARGIN:
            return False
        greedy.append(int(last.argmax()))
        seq.append(greedy[-1])
        last = ref(torch.tensor([seq]))[0, -1]
    safetensors_io.save({"input_ids": ids.to(torch.int32), "logits_slice": logits[:, :256].contiguous(),
                         "logits_last": logits[-1].contiguous(),
                         "greedy_tokens": torch.tensor(greedy, dtype=torch.int32)},
                        os.path.join(d, "expected.safetensors"))
    return True


def main():
    torch.set_num_threads(1)
    for i, (name, cfg) in enumerate(VARIANTS.items()):
        seed = 1000 * (i + 1)
        while not make(name, cfg, seed):   # redraw until every greedy step has a clear winner
            seed += 1
        print(name, "seed", seed)


if __name__ == "__main__":
    main()
