"""BrierLM (shared/spec/calm.md): CALM two-sample form and the twin's exact-probability form.

Both score the n-grams (n = 1..4) that start at the chunk boundaries of each block, with the block's
prefix as teacher-forced context: for a block of L tokens (L % K == 0) the starts are K, 2K, ..., L-K
(L/K - 1 positions per block).
CALM:  two head samples per position (noise given or drawn), decoded by argmax;
       brier_n = 1{x1=y} + 1{x2=y} - 1{x1=x2} over the first n tokens.
Twin:  brier_n = 2 P(y_1..n) - 1{x1=x2}, P from the softmax (teacher forced), x1, x2 two rollouts
       of n tokens sampled at T = 1 by inverse CDF from given uniforms u (first index whose float64
       cumulative probability exceeds u).
BrierLM = 100 * max(0, B1*B2*B3*B4)^(1/4), B_n = mean of brier_n over all positions.
"""
import math
import torch


def blocks_of(stream, block):
    n = len(stream) // block
    return [stream[i * block:(i + 1) * block] for i in range(n)]


def brierlm(bs):
    prod = 1.0
    for b in bs:
        prod *= b
    return 100.0 * max(0.0, prod) ** 0.25


@torch.no_grad()
def calm_block_terms(calm, ids, noise):
    """ids [L]; noise [2, P, noise_size] with P = L/K - 1. Returns (terms [P, 4], tokens [2, P, K])."""
    K = calm.K
    L = ids.shape[0]
    P = L // K - 1
    h = calm.hidden(ids[None, : L - K])[0]                       # [P, d]
    z = calm.mlp_generator(h.unsqueeze(0).expand(2, P, h.shape[-1]), noise)   # [2, P, latent]
    toks = calm.ae_model.decode_tokens(z.reshape(2 * P, 1, -1)).reshape(2, P, K)
    y = ids[K:].reshape(P, K)
    a1 = torch.cumprod((toks[0] == y).double(), -1)
    a2 = torch.cumprod((toks[1] == y).double(), -1)
    v = torch.cumprod((toks[0] == toks[1]).double(), -1)
    return (a1 + a2 - v)[:, :4], toks


def calm_brier(calm, stream, block, g, max_blocks=None, noise_list=None):
    terms = []
    for bi, ids in enumerate(blocks_of(stream, block)[:max_blocks]):
        P = block // calm.K - 1
        noise = noise_list[bi] if noise_list is not None else \
            calm.mlp_generator.sample_noise((2, P), generator=g)
        t, _ = calm_block_terms(calm, ids, noise)
        terms.append(t)
    B = torch.cat(terms).mean(0).tolist()
    return {"B1": B[0], "B2": B[1], "B3": B[2], "B4": B[3], "BrierLM": brierlm(B),
            "positions": sum(t.shape[0] for t in terms)}


def _layer_step(layer, x, pos, kpre, vpre, limit, own_k, own_v):
    """One decoder layer for one new token per row, attending to prefix keys < limit plus own keys."""
    att = layer.self_attn
    B = x.shape[0]
    hn = layer.input_layernorm(x)
    q = att.q_proj(hn).view(B, 1, att.h, att.hd).transpose(1, 2)
    k = att.k_proj(hn).view(B, 1, att.h, att.hd).transpose(1, 2)
    v = att.v_proj(hn).view(B, 1, att.h, att.hd).transpose(1, 2)
    from calm_ref import rope_cos_sin, rotate_half
    cos, sin = rope_cos_sin(pos[:, None], att.hd, att.theta)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    own_k.append(k)
    own_v.append(v)
    ok, ov = torch.cat(own_k, 2), torch.cat(own_v, 2)
    qh = q[:, :, 0, :].transpose(0, 1)                                          # [H,B,hd]
    s_pre = (torch.matmul(qh, kpre[0].transpose(-1, -2)) / math.sqrt(att.hd)).transpose(0, 1)[:, :, None, :]
    L = kpre.shape[2]
    mask = torch.arange(L)[None, :] >= limit[:, None]                           # [B, L]
    s_pre = s_pre.masked_fill(mask[:, None, None, :], float("-inf"))
    s_own = torch.matmul(q, ok.transpose(-1, -2)) / math.sqrt(att.hd)         # [B,H,1,j]
    p = torch.softmax(torch.cat((s_pre, s_own), -1), -1)
    o_pre = torch.matmul(p[:, :, 0, :L].transpose(0, 1), vpre[0]).transpose(0, 1)[:, :, None, :]
    o = o_pre + torch.matmul(p[..., L:], ov)
    x = x + att.o_proj(o.transpose(1, 2).reshape(B, 1, -1))
    return x + layer.mlp(layer.post_attention_layernorm(x))


def inverse_cdf(probs, u):
    """probs [B, V] (float64), u [B] in [0,1) -> index of first cumulative prob > u (clamped)."""
    c = torch.cumsum(probs.double(), -1)
    idx = torch.searchsorted(c, (u.double() * c[:, -1]).unsqueeze(-1), right=True).squeeze(-1)
    return idx.clamp(max=probs.shape[-1] - 1)


@torch.no_grad()
def twin_block_terms(twin, ids, u, K=4, n=4):
    """ids [L]; u [2, P, n] uniforms. Returns (terms [P, n], rollouts [2, P, n], P(y) [P, n])."""
    L = ids.shape[0]
    starts = torch.arange(K, L - K + 1, K)                      # P starts
    P = starts.shape[0]
    logits, kvs, _ = twin(ids[None], return_kv=True)
    logp = torch.log_softmax(logits[0].double(), -1)            # [L, V]: row t predicts token t+1
    idx = starts[:, None] + torch.arange(n)[None, :]            # [P, n] target positions
    lp = logp[idx - 1, ids[idx]]                                  # [P, n]
    py = torch.exp(torch.cumsum(lp, -1))
    # rollouts, batched: row r*P + p
    R = 2
    limit = starts.repeat(R)                                      # prefix visible: positions < s
    tok = inverse_cdf(torch.exp(logp[starts - 1]).repeat(R, 1), u[:, :, 0].reshape(-1))
    outs = [tok]
    own = [([], []) for _ in twin.model.layers]
    for j in range(1, n):
        x = twin.model.embed_tokens(tok)[:, None, :]
        pos = limit + (j - 1)
        for li, layer in enumerate(twin.model.layers):
            kpre, vpre = kvs[li]
            x = _layer_step(layer, x, pos, kpre, vpre, limit, own[li][0], own[li][1])
        lg = twin.lm_head(twin.model.norm(x))[:, 0]
        tok = inverse_cdf(torch.softmax(lg.double(), -1), u[:, :, j].reshape(-1))
        outs.append(tok)
    roll = torch.stack(outs, -1).reshape(R, P, n)
    same = torch.cumprod((roll[0] == roll[1]).double(), -1)
    return 2 * py - same, roll, py


def twin_brier(twin, stream, block, g, max_blocks=None, u_list=None, K=4):
    terms = []
    for bi, ids in enumerate(blocks_of(stream, block)[:max_blocks]):
        P = block // K - 1
        u = u_list[bi] if u_list is not None else torch.rand(2, P, 4, generator=g, dtype=torch.float64)
        t, _, _ = twin_block_terms(twin, ids, u, K)
        terms.append(t)
    B = torch.cat(terms).mean(0).tolist()
    return {"B1": B[0], "B2": B[1], "B3": B[2], "B4": B[3], "BrierLM": brierlm(B),
            "positions": sum(t.shape[0] for t in terms)}
