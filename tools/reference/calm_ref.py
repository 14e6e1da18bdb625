"""PyTorch reference of the CALM autoencoder, the CALM (energy) model and the token-level Llama twin.

Module and parameter names follow the official release (github shaochenze/calm, see
shared/spec/calm.md and shared/spec/official-layout/), so state_dict() keys are the checkpoint keys.
This file is used both by the trainer (tools/train) and by evaluation / fixtures (tools/reference).
"""
import json, math, os
import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io


# ----------------------------------------------------------------------------- building blocks
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        dt = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dt)


class LlamaMLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.gate_proj = nn.Linear(d, inter, bias=False)
        self.up_proj = nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_inv_freq(head_dim, theta, scaling=None):
    """Rotary inverse frequencies [head_dim / 2] in f32, rescaled as transformers' rope_type
    "linear" (divide by factor) or "llama3" (wavelengths above original / low_freq_factor slowed by
    factor, below original / high_freq_factor kept, the band between interpolated)."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    kind = (scaling or {}).get("rope_type", (scaling or {}).get("type", "default"))
    if kind == "default":
        return inv
    factor = scaling["factor"]
    if kind == "linear":
        return inv / factor
    assert kind == "llama3", kind
    old = scaling["original_max_position_embeddings"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > old / low, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < old / high) * ~(wavelen > old / low)
    return torch.where(medium, smoothed, scaled)


def rope_cos_sin(pos, head_dim, theta, scaling=None):
    """pos: [B, T] long -> cos, sin [B, 1, T, head_dim] (rotate-half layout)."""
    inv = rope_inv_freq(head_dim, theta, scaling)
    fr = pos.float()[..., None] * inv
    emb = torch.cat((fr, fr), dim=-1)
    return emb.cos()[:, None], emb.sin()[:, None]


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, theta, kv_heads=None, rope_scaling=None):
        super().__init__()
        self.h, self.hd, self.theta = heads, d // heads, theta
        self.kvh = kv_heads or heads
        self.rope_scaling = rope_scaling
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, pos, past=None, mask=None):
        """x [B,T,d]; pos [B,T]; past (k, v) each [B or 1, H, S, hd]; mask additive [B|1, 1, T, S+T]
        (None: causal over the T new tokens, all of past visible). Returns out, (k_new, v_new)."""
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kvh, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kvh, self.hd).transpose(1, 2)
        cos, sin = rope_cos_sin(pos, self.hd, self.theta, self.rope_scaling)
        # In the activations' dtype, as Hugging Face's Llama does (a no-op in f32).
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        kn, vn = k, v
        S = 0
        if past is not None:
            pk, pv = past
            S = pk.shape[2]
            k = torch.cat((pk.expand(B, -1, -1, -1), k), dim=2)
            v = torch.cat((pv.expand(B, -1, -1, -1), v), dim=2)
        # Grouped-query attention: query head i reads key/value head i // (H / Hkv) (repeat_kv).
        k = k.repeat_interleave(self.h // self.kvh, dim=1)
        v = v.repeat_interleave(self.h // self.kvh, dim=1)
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd)
        if mask is None:
            causal = torch.ones(T, S + T, dtype=torch.bool).tril(diagonal=S)
            att = att.masked_fill(~causal, float("-inf"))
        else:
            att = att + mask
        att = torch.softmax(att.float(), dim=-1).to(q.dtype)
        o = torch.matmul(att, v).transpose(1, 2).reshape(B, T, -1)
        return self.o_proj(o), (kn, vn)


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.input_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.self_attn = LlamaAttention(d, cfg["num_attention_heads"], cfg.get("rope_theta", 10000.0),
                                        cfg.get("num_key_value_heads"), cfg.get("rope_scaling"))
        self.post_attention_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.mlp = LlamaMLP(d, cfg["intermediate_size"])

    def forward(self, x, pos, past=None, mask=None):
        a, kv = self.self_attn(self.input_layernorm(x), pos, past, mask)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, kv


class LlamaModel(nn.Module):
    """Llama decoder stack: embed_tokens, layers, final norm (no lm_head)."""

    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([LlamaDecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def forward(self, inputs_embeds, pos=None, past=None, mask=None, return_kv=False, return_layers=False):
        B, T, _ = inputs_embeds.shape
        if pos is None:
            off = 0 if past is None else past[0][0].shape[2]
            pos = torch.arange(off, off + T).unsqueeze(0).expand(B, T)
        x = inputs_embeds
        kvs, layer_outs = [], []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, pos, None if past is None else past[i], mask)
            kvs.append(kv)
            layer_outs.append(x)
        h = self.norm(x)
        if return_kv or return_layers:
            return h, kvs, layer_outs
        return h


def init_weights(module, std=0.02):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=std)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


# ----------------------------------------------------------------------------- autoencoder
class AELayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.mlp = LlamaMLP(cfg["hidden_size"], cfg["intermediate_size"])
        self.layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def forward(self, x):
        return x + self.mlp(self.layernorm(x))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, K = cfg["hidden_size"], cfg["patch_size"]
        self.K, self.latent = K, cfg["latent_size"]
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], d)
        self.encoder_layers = nn.ModuleList([AELayer(cfg) for _ in range(cfg["num_encoder_layers"])])
        self.nstage = cfg["num_encoder_layers"] // 2
        self.hidden_to_latent = nn.Linear(d, 2 * cfg["latent_size"])
        self.squeeze_layer = nn.Linear(K * d, d)
        self.norm = RMSNorm(d, cfg["rms_norm_eps"])

    def forward(self, ids):
        """ids [..., L] with L % K == 0 -> latent_states [..., L/K, 2*latent] (mean | log_std)."""
        lead = ids.shape[:-1]
        n = ids.shape[-1] // self.K
        h = self.embed_tokens(ids.reshape(-1, self.K))
        for stage in range(2):
            for j in range(self.nstage):
                h = self.encoder_layers[stage * self.nstage + j](h)
            if stage == 0:
                h = self.squeeze_layer(h.reshape(h.shape[0], 1, -1))
        h = self.norm(h)
        return self.hidden_to_latent(h).reshape(*lead, n, 2 * self.latent)


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, K = cfg["hidden_size"], cfg["patch_size"]
        self.K = K
        self.latent_to_hidden = nn.Linear(cfg["latent_size"], d)
        self.decoder_layers = nn.ModuleList([AELayer(cfg) for _ in range(cfg["num_decoder_layers"])])
        self.nstage = cfg["num_decoder_layers"] // 2
        self.expand_layer = nn.Linear(d, K * d)
        self.norm = RMSNorm(d, cfg["rms_norm_eps"])
        self.lm_head_weight = None  # tied to encoder.embed_tokens.weight by Autoencoder

    def forward(self, z, return_hidden=False):
        """z [..., n, latent] -> logits [..., n*K, V]."""
        h = self.latent_to_hidden(z)
        for stage in range(2):
            for j in range(self.nstage):
                h = self.decoder_layers[stage * self.nstage + j](h)
            if stage == 0:
                h = self.expand_layer(h)
                h = h.reshape(*h.shape[:-2], h.shape[-2] * self.K, -1)
        h = self.norm(h)
        logits = F.linear(h, self.lm_head_weight)
        return (logits, h) if return_hidden else logits


class Autoencoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        init_weights(self)
        self.decoder.lm_head_weight = self.encoder.embed_tokens.weight  # tied, not saved

    def encode(self, ids):
        mean, log_std = self.encoder(ids).chunk(2, dim=-1)
        return mean, log_std

    def decode_tokens(self, z):
        return self.decoder(z).argmax(-1)

    def loss(self, ids, generator=None):
        """Training loss of the official Autoencoder.forward (ids [B, K])."""
        cfg = self.cfg
        K = cfg["patch_size"]
        labels = ids
        keep = torch.rand(ids.shape, generator=generator) > cfg["ae_dropout"]
        x = ids * keep.long()
        mean, log_std = self.encode(x)
        std = log_std.exp()
        z = mean + torch.randn(mean.shape, generator=generator) * std
        z = F.dropout(z, p=cfg["ae_dropout"], training=True)
        kl = 0.5 * (mean.pow(2) + std.pow(2) - 1 - 2 * log_std)
        kl = torch.clamp(kl, min=cfg["kl_clamp"]).sum(-1).mean()
        logits = self.decoder(z)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        return K * ce + cfg["kl_weight"] * kl, ce, kl


# ----------------------------------------------------------------------------- energy head
class MLPBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.in_ln = nn.LayerNorm(c, eps=1e-6)
        self.linears = nn.Sequential(nn.Linear(2 * c, c), nn.SiLU(), nn.Linear(c, c), nn.SiLU(),
                                     nn.Linear(c, 2 * c))
        self.down_proj = nn.Linear(c, c)

    def forward(self, x, y):
        gate, up = self.linears(torch.cat((self.in_ln(x), y), dim=-1)).chunk(2, dim=-1)
        return x + self.down_proj(F.silu(gate) * up)


class FinalLayer(nn.Module):
    def __init__(self, c, out):
        super().__init__()
        self.in_ln = nn.LayerNorm(c, eps=1e-6)
        self.linears = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, out))

    def forward(self, x):
        return self.linears(self.in_ln(x))


class MLPGenerator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.noise_size = cfg["noise_size"]
        self.noise_embd = nn.Linear(cfg["noise_size"], d)
        self.hidden_embd = nn.Linear(d, d)
        self.norm_hidden = nn.LayerNorm(d, eps=1e-6)
        self.norm_noise = nn.LayerNorm(d, eps=1e-6)
        self.mlp_blocks = nn.ModuleList([MLPBlock(d) for _ in range(cfg["num_mlp_layers"])])
        self.final_layer = FinalLayer(d, cfg["latent_size"])

    def forward(self, h, noise, return_intermediate=False):
        """h [..., d], noise [..., noise_size] in [-0.5, 0.5] -> latent [..., latent]."""
        x = self.norm_noise(self.noise_embd(noise))
        y = self.norm_hidden(self.hidden_embd(h))
        inter = {"noise_embd": x, "cond": y}
        for j, blk in enumerate(self.mlp_blocks):
            x = blk(x, y)
            inter["block%d" % j] = x
        out = self.final_layer(x)
        return (out, inter) if return_intermediate else out

    def sample_noise(self, shape, generator=None):
        return torch.rand(*shape, self.noise_size, generator=generator) - 0.5


# ----------------------------------------------------------------------------- CALM
class EnergyTransformer(nn.Module):
    def __init__(self, cfg, ae_cfg):
        super().__init__()
        self.cfg = cfg
        d, K = cfg["hidden_size"], cfg["patch_size"]
        self.K = K
        self.transformer = LlamaModel(cfg)
        self.mlp_generator = MLPGenerator(cfg)
        self.embed_proj = nn.Sequential(nn.Linear(K * d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d),
                                        nn.LayerNorm(d, eps=1e-6))
        init_weights(self)
        nn.init.zeros_(self.mlp_generator.final_layer.linears[2].weight)
        nn.init.zeros_(self.mlp_generator.final_layer.linears[2].bias)
        self.ae_model = Autoencoder(ae_cfg)
        for p in self.ae_model.parameters():
            p.requires_grad_(False)

    def compress(self, ids):
        """ids [B, n*K] -> compressed chunk inputs [B, n, d]."""
        B, L = ids.shape
        e = self.transformer.embed_tokens(ids).reshape(B, L // self.K, -1)
        return self.embed_proj(e)

    def hidden(self, ids, **kw):
        """Backbone over the chunks of ids: hidden [B, n, d]; position i has seen chunks 0..i and
        conditions the prediction of chunk i+1."""
        return self.transformer(self.compress(ids), **kw)

    def energy_loss(self, ids, n_targets=100, generator=None):
        """ids [B, L] (L % K == 0). Official EnergyTransformer.forward loss (beta = 1)."""
        cfg = self.cfg
        N = cfg["num_samples"]
        K = self.K
        B, L = ids.shape
        with torch.no_grad():
            mean, log_std = self.ae_model.encode(ids[:, K:])          # [B, n-1, latent]
        h = self.hidden(ids[:, :-K])                                   # [B, n-1, d]
        P = B * (L // K - 1)
        h = h.reshape(P, -1)
        mean, std = mean.reshape(P, -1), log_std.exp().reshape(P, -1)
        noise = self.mlp_generator.sample_noise((P, N), generator=generator)
        x = self.mlp_generator(h.unsqueeze(1).expand(P, N, h.shape[-1]), noise)   # [P, N, latent]
        y = mean.unsqueeze(1) + torch.randn(P, n_targets, mean.shape[-1], generator=generator) * std.unsqueeze(1)
        d_xy = torch.cdist(x, y).mean(dim=(1, 2))                      # [P]
        ii, kk = torch.triu_indices(N, N, offset=1)
        d_xx = (x[:, ii] - x[:, kk]).norm(dim=-1).mean(dim=1)         # mean over unordered pairs
        score = d_xx - 2 * d_xy
        return -score.mean()


# ----------------------------------------------------------------------------- token twin
class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        init_weights(self)
        if cfg.get("tie_word_embeddings", False):
            self.lm_head.weight = self.model.embed_tokens.weight   # tied: saved once, as the embedding

    def forward(self, ids, **kw):
        h = self.model(self.model.embed_tokens(ids), **kw)
        if isinstance(h, tuple):
            return (self.lm_head(h[0]),) + h[1:]
        return self.lm_head(h)


# ----------------------------------------------------------------------------- loading
def read_config(d):
    with open(os.path.join(d, "config.json")) as f:
        return json.load(f)


TIED = "decoder.lm_head_weight"


def _load_into(module, sd, prefix="", strict=True):
    """Copy sd[prefix + name] into module (f32). An autoencoder's decoder.lm_head_weight is tied to
    encoder.embed_tokens.weight unless the file carries it (then it is untied)."""
    if isinstance(module, Autoencoder):
        if prefix + TIED in sd:
            module.decoder.lm_head_weight = nn.Parameter(sd[prefix + TIED].float().clone(), requires_grad=False)
        else:
            module.decoder.lm_head_weight = module.encoder.embed_tokens.weight
    own = {k: v for k, v in module.state_dict().items() if not (k.endswith(TIED) and prefix + k not in sd)}
    missing = [k for k in own if prefix + k not in sd]
    if strict and missing:
        raise KeyError("missing tensors: %s" % missing[:5])
    with torch.no_grad():
        for k, v in own.items():
            t = sd[prefix + k]
            if tuple(t.shape) != tuple(v.shape):
                raise ValueError("%s: shape %s != %s" % (prefix + k, tuple(t.shape), tuple(v.shape)))
            v.copy_(t.float())


def load_autoencoder(d):
    cfg = read_config(d)
    m = Autoencoder(cfg)
    _load_into(m, safetensors_io.load(os.path.join(d, "model.safetensors")))
    return m.eval()


def load_calm(d, ae_dir=None):
    cfg = read_config(d)
    ae_dir = ae_dir or os.path.normpath(os.path.join(d, cfg["ae_path"]))
    ae_cfg = read_config(ae_dir)
    m = EnergyTransformer(cfg, ae_cfg)
    sd = safetensors_io.load(os.path.join(d, "model.safetensors"))
    if not any(k.startswith("mlp_generator.") for k in sd):
        sd = {("mlp_generator." + k[len("generative_head."):] if k.startswith("generative_head.") else k): v
              for k, v in sd.items()}
    own = {k: v for k, v in sd.items() if not k.startswith("ae_model.")}
    for k in list(m.state_dict()):
        if k.startswith("ae_model.") or k.endswith(TIED):
            continue
        if k not in own:
            raise KeyError("missing " + k)
    with torch.no_grad():
        for k, v in m.state_dict().items():
            if k.startswith("ae_model."):
                continue
            if tuple(own[k].shape) != tuple(v.shape):
                raise ValueError("%s: shape %s != %s" % (k, tuple(own[k].shape), tuple(v.shape)))
            v.copy_(own[k].float())
    if any(k.startswith("ae_model.") for k in sd):   # embedded AE overrides ae_path
        _load_into(m.ae_model, sd, prefix="ae_model.")
    else:
        _load_into(m.ae_model, safetensors_io.load(os.path.join(ae_dir, "model.safetensors")))
    return m.eval()


def load_twin(d):
    cfg = read_config(d)
    m = LlamaForCausalLM(cfg)
    sd = safetensors_io.load(os.path.join(d, "model.safetensors"))
    if cfg.get("tie_word_embeddings", False):   # a saved lm_head.weight is ignored, as transformers does
        sd = dict(sd, **{"lm_head.weight": sd["model.embed_tokens.weight"]})
    _load_into(m, sd)
    return m.eval()


def state_dict_for_save(module, dtype=torch.bfloat16):
    """Checkpoint tensors (official names); the tied AE output matrix is not saved."""
    return {k: v.detach().to(dtype).contiguous() for k, v in module.state_dict().items()
            if not k.endswith(TIED)}
