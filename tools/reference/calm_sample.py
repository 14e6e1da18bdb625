"""Reference sampling for CALM: exact T = 1/n, general T by the Bernoulli factory, and the batch
approximation of the released code (see shared/spec/calm.md, "Temperature"). Also the twin's sampler."""
import math
import torch


def head_tokens(calm, h, noise):
    """h [d], noise [S, noise_size] -> decoded K-token tuples [S, K] (argmax of the AE decoder)."""
    noise = noise.to(h.dtype)  # the model may run in bf16
    z = calm.mlp_generator(h.unsqueeze(0).expand(noise.shape[0], -1), noise)
    return calm.ae_model.decode_tokens(z.unsqueeze(1)).reshape(noise.shape[0], -1)


class ChunkSampler:
    """Draws decoded chunks for one hidden state h, batching head + decoder passes."""

    def __init__(self, calm, h, g, batch=256):
        self.calm, self.h, self.g, self.batch = calm, h, g, batch
        self.buf = []

    def draw(self):
        if not self.buf:
            noise = self.calm.mlp_generator.sample_noise((self.batch,), generator=self.g)
            self.buf = [tuple(t) for t in head_tokens(self.calm, self.h, noise).tolist()][::-1]
        return self.buf.pop()


def sample_exact(calm, h, temperature, g, max_tries=100000):
    """Exact sampling at temperature T <= 1: 1/T = n + a (n integer >= 1, 0 <= a < 1). Draw n samples,
    restart unless all identical (= x*); if a > 0 accept x* with probability P(x*)^a via the Bernoulli
    factory: for i = 1, 2, ...: draw x'; x' == x* -> accept; else with probability a/i -> restart."""
    return sample_exact_from(ChunkSampler(calm, h, g).draw, temperature, g, max_tries)


def sample_exact_from(draw, temperature, g, max_tries=100000):
    """The exact sampler over any draw() of hashable outcomes (see sample_exact)."""
    inv = 1.0 / temperature
    n = int(math.floor(inv + 1e-9))
    a = inv - n
    if a < 1e-9:
        a = 0.0
    assert n >= 1, "temperature must be <= 1"
    for _ in range(max_tries):
        x = draw()
        if any(draw() != x for _ in range(n - 1)):
            continue
        if a == 0.0:
            return x
        i = 1
        while True:
            if draw() == x:
                return x
            if torch.rand((), generator=g, dtype=torch.float64).item() < a / i:
                break
            i += 1
    raise RuntimeError("exact temperature sampling did not accept in %d tries" % max_tries)


def sample_batch_approx(calm, h, n, g, num=200):
    """The released code's approximation for T = 1/n: draw num latents, count each decoded tuple c_x;
    for j = n, n-1, ..., 1 take candidates with c_x >= j and pick one with weight C(c_x, j)."""
    noise = calm.mlp_generator.sample_noise((num,), generator=g)
    toks = [tuple(t) for t in head_tokens(calm, h, noise).tolist()]
    return batch_approx_from(toks, n, g)


def batch_approx_from(toks, n, g):
    counts = {}
    for t in toks:
        counts[t] = counts.get(t, 0) + 1
    for j in range(n, 0, -1):
        cands = [(t, c) for t, c in counts.items() if c >= j]
        if cands:
            w = torch.tensor([float(math.comb(c, j)) for _, c in cands])
            k = torch.multinomial(w, 1, generator=g).item()
            return cands[k][0]
    raise AssertionError("unreachable")


@torch.no_grad()
def generate_calm(calm, prompt_ids, n_chunks, temperature, g, method="exact", eos_id=None, max_tries=2000,
                  stats=None):
    """Generate n_chunks chunks after prompt_ids (length a multiple of K). Returns new token ids.
    method "exact": sample_exact with at most max_tries rounds per step; a step that does not accept
    within them uses the batch approximation instead (counted in stats["fallbacks"])."""
    K = calm.K
    assert len(prompt_ids) % K == 0 and len(prompt_ids) > 0
    ids = list(prompt_ids)
    out = []
    for _ in range(n_chunks):
        h = calm.hidden(torch.tensor([ids]))[0, -1]
        if method == "exact":
            try:
                x = sample_exact(calm, h, temperature, g, max_tries=max_tries)
            except RuntimeError:   # flat step: fall back to the batch approximation, and count it
                if stats is not None:
                    stats["fallbacks"] = stats.get("fallbacks", 0) + 1
                x = sample_batch_approx(calm, h, max(1, int(round(1.0 / temperature))), g)
        else:
            n = int(round(1.0 / temperature))
            x = sample_batch_approx(calm, h, n, g)
        ids.extend(x)
        out.extend(x)
        if eos_id is not None and eos_id in x:
            break
    return out


@torch.no_grad()
def generate_twin(twin, prompt_ids, n_tokens, temperature, g, eos_id=None):
    ids = list(prompt_ids)
    out = []
    for _ in range(n_tokens):
        logits = twin(torch.tensor([ids]))[0, -1]
        p = torch.softmax(logits.double() / temperature, dim=-1)
        t = torch.multinomial(p, 1, generator=g).item()
        ids.append(t)
        out.append(t)
        if eos_id is not None and t == eos_id:
            break
    return out
