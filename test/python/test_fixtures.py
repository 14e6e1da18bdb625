"""Consistency of the committed models and golden fixtures, without torch (pure stdlib).

Checks that the files exist and parse, that names/shapes/dtypes are the documented ones, and
re-computes a few fixture values in pure Python from the committed weights (AE encoder on one chunk,
CALM input compression on one chunk, one energy-head sample)."""
import json, math, os, unittest

from helpers import ROOT, MODELS, FIXTURES, HAS_REGEX, read_json
import safetensors_io, calm_layout  # noqa: E402

V, D, Z, NZ, K = 4096, 256, 64, 64, 4

FIXTURE_SPEC = {
    "ae.safetensors": {
        "input_ids": ("I32", [2, 16]), "enc_mean": ("F32", [2, 4, Z]), "enc_log_std": ("F32", [2, 4, Z]),
        "dec_logits_slice": ("F32", [2, 16, 256]), "dec_logits_row0": ("F32", [V]), "dec_argmax": ("I32", [2, 16]),
        "posterior_eps": ("F32", [2, 4, Z]), "posterior_z": ("F32", [2, 4, Z]),
        "posterior_z_argmax": ("I32", [2, 16]), "recon_ids": ("I32", [128]),
        "recon_argmax": ("I32", [128])},
    "calm.safetensors": dict({
        "input_ids": ("I32", [1, 32]), "compress_out": ("F32", [1, 8, D]), "hidden": ("F32", [1, 8, D]),
        "head_noise": ("F32", [8, 4, NZ]), "head_cond": ("F32", [8, D]), "head_noise_embd": ("F32", [8, 4, D]),
        "head_out": ("F32", [8, 4, Z]), "head_tokens": ("I32", [8, 4, K]), "step_noise": ("F32", [2, NZ]),
        "step_hidden": ("F32", [2, D]), "step_latent": ("F32", [2, Z]), "step_tokens": ("I32", [2, K])},
        **{"layer_out.%d" % i: ("F32", [1, 8, D]) for i in range(4)}),
    "twin.safetensors": dict({
        "input_ids": ("I32", [1, 32]), "hidden": ("F32", [1, 32, D]), "logits_slice": ("F32", [1, 32, 256]),
        "logits_last": ("F32", [V]), "greedy_tokens": ("I32", [8])},
        **{"layer_out.%d" % i: ("F32", [1, 32, D]) for i in range(4)}),
    "brier.safetensors": {
        "input_ids": ("I32", [256]), "calm_noise": ("F32", [2, 63, NZ]), "calm_tokens": ("I32", [2, 63, K]),
        "calm_terms": ("F64", [63, 4]), "twin_uniforms": ("F64", [2, 63, 4]), "twin_rollouts": ("I32", [2, 63, 4]),
        "twin_p_y": ("F64", [63, 4]), "twin_terms": ("F64", [63, 4])},
}


def load_fix(name):
    raw = safetensors_io.read_raw(os.path.join(FIXTURES, name))
    return {k: (dt, shp, safetensors_io.to_floats(dt, b) if dt != "F64" else __import__("struct").unpack(
        "<%dd" % (len(b) // 8), b)) for k, (dt, shp, b) in raw.items()}


class Weights:
    def __init__(self, path, prefix=""):
        self.raw = safetensors_io.read_raw(path)
        self.prefix = prefix

    def vec(self, name):
        dt, shp, b = self.raw[self.prefix + name]
        return safetensors_io.to_floats(dt, b)

    def mat(self, name):
        dt, shp, b = self.raw[self.prefix + name]
        f = safetensors_io.to_floats(dt, b)
        return [f[i * shp[1]:(i + 1) * shp[1]] for i in range(shp[0])]

    def row(self, name, i):
        dt, shp, b = self.raw[self.prefix + name]
        es = 2 if dt == "BF16" else 4
        return safetensors_io.to_floats(dt, b[i * shp[1] * es:(i + 1) * shp[1] * es])


def linear(W, x, b=None):
    out = [sum(map(float.__mul__, r, x)) for r in W]
    return [o + c for o, c in zip(out, b)] if b is not None else out


def rmsnorm(x, w, eps=1e-6):
    s = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [v * s * g for v, g in zip(x, w)]


def layernorm(x, w, b, eps=1e-6):
    m = sum(x) / len(x)
    var = sum((v - m) ** 2 for v in x) / len(x)
    s = 1.0 / math.sqrt(var + eps)
    return [(v - m) * s * g + c for v, g, c in zip(x, w, b)]


def silu(v):
    return v / (1.0 + math.exp(-v))


def ae_layer(w, p, x):
    n = rmsnorm(x, w.vec(p + "layernorm.weight"))
    gt = linear(w.mat(p + "mlp.gate_proj.weight"), n)
    up = linear(w.mat(p + "mlp.up_proj.weight"), n)
    h = [silu(a) * b for a, b in zip(gt, up)]
    return [a + b for a, b in zip(x, linear(w.mat(p + "mlp.down_proj.weight"), h))]


def close(a, b, tol):
    return max(abs(x - y) for x, y in zip(a, b)) <= tol * max(1.0, max(abs(y) for y in b))


class ModelFilesTest(unittest.TestCase):
    def test_models_exist_and_small(self):
        total = 0
        for n in ("calm-tiny-ae", "calm-tiny", "llama-tiny-twin"):
            for f in ("config.json", "model.safetensors", "tokenizer.json", "README.md"):
                self.assertTrue(os.path.exists(os.path.join(MODELS, n, f)), (n, f))
            total += os.path.getsize(os.path.join(MODELS, n, "model.safetensors"))
        self.assertLess(total, 40e6)

    def test_configs_have_official_fields(self):
        official = read_json(os.path.join(os.path.dirname(__file__), "official_layout.json"))
        for ours, theirs in (("calm-tiny-ae", "autoencoder"), ("calm-tiny", "calm")):
            a = read_json(os.path.join(MODELS, ours, "config.json"))
            b = official[theirs]["config"]
            self.assertEqual(sorted(set(b) - set(a)), [], ours)
        c = read_json(os.path.join(MODELS, "calm-tiny", "config.json"))
        self.assertEqual(c["model_type"], "energy")
        self.assertTrue(os.path.exists(os.path.join(MODELS, "calm-tiny", c["ae_path"], "config.json")))

    def test_tensor_names_and_shapes(self):
        ae_cfg = read_json(os.path.join(MODELS, "calm-tiny-ae", "config.json"))
        calm_cfg = read_json(os.path.join(MODELS, "calm-tiny", "config.json"))
        twin_cfg = read_json(os.path.join(MODELS, "llama-tiny-twin", "config.json"))
        exp_calm = calm_layout.calm_tensors(calm_cfg)
        exp_calm.update(calm_layout.autoencoder_tensors(ae_cfg, "ae_model."))
        for n, exp in (("calm-tiny-ae", calm_layout.autoencoder_tensors(ae_cfg)), ("calm-tiny", exp_calm),
                       ("llama-tiny-twin", calm_layout.twin_tensors(twin_cfg))):
            hdr, _ = safetensors_io.read_header(os.path.join(MODELS, n, "model.safetensors"))
            self.assertEqual(hdr["__metadata__"]["format"], "pt")
            got = {k: v["shape"] for k, v in hdr.items() if k != "__metadata__"}
            self.assertEqual(got, exp, n)
        # the embedded AE equals the standalone one
        a = safetensors_io.read_raw(os.path.join(MODELS, "calm-tiny-ae", "model.safetensors"))
        b = safetensors_io.read_raw(os.path.join(MODELS, "calm-tiny", "model.safetensors"))
        for k, v in a.items():
            self.assertEqual(b["ae_model." + k], v, k)


class FixtureTest(unittest.TestCase):
    def test_files_and_shapes(self):
        total = 0
        for f, spec in FIXTURE_SPEC.items():
            p = os.path.join(FIXTURES, f)
            total += os.path.getsize(p)
            hdr, _ = safetensors_io.read_header(p)
            got = {k: (v["dtype"], v["shape"]) for k, v in hdr.items() if k != "__metadata__"}
            self.assertEqual(got, {k: (d, s) for k, (d, s) in spec.items()}, f)
        self.assertLess(total, 2.5e6)
        man = read_json(os.path.join(FIXTURES, "manifest.json"))
        for k in ("tokenizer", "ae", "calm", "twin", "brier"):
            self.assertIn(k, man)

    def test_brier_terms_consistent(self):
        fx = load_fix("brier.safetensors")
        man = read_json(os.path.join(FIXTURES, "manifest.json"))["brier"]
        ids = fx["input_ids"][2]
        toks = fx["calm_tokens"][2]
        terms = fx["calm_terms"][2]
        P = 63
        B = [0.0] * 4
        for p in range(P):
            y = ids[(p + 1) * K:(p + 2) * K]
            x1 = toks[p * K:(p + 1) * K]
            x2 = toks[(P + p) * K:(P + p + 1) * K]
            a1 = a2 = v = 1.0
            for n in range(4):
                a1 *= x1[n] == y[n]
                a2 *= x2[n] == y[n]
                v *= x1[n] == x2[n]
                self.assertAlmostEqual(terms[p * 4 + n], a1 + a2 - v)
                B[n] += (a1 + a2 - v) / P
        for n in range(4):
            self.assertAlmostEqual(B[n], man["calm"]["B"][n], places=9)
        prod = max(0.0, B[0] * B[1] * B[2] * B[3])
        self.assertAlmostEqual(100 * prod ** 0.25, man["calm"]["BrierLM"], places=6)
        # twin: terms = 2 P(y) - 1{x1 = x2}
        r, py, tt = fx["twin_rollouts"][2], fx["twin_p_y"][2], fx["twin_terms"][2]
        for p in range(P):
            same = 1.0
            for n in range(4):
                same *= r[p * 4 + n] == r[(P + p) * 4 + n]
                self.assertAlmostEqual(tt[p * 4 + n], 2 * py[p * 4 + n] - same, places=12)

    def test_ae_encoder_pure_python(self):
        fx = load_fix("ae.safetensors")
        w = Weights(os.path.join(MODELS, "calm-tiny-ae", "model.safetensors"))
        ids = fx["input_ids"][2][:K]
        hs = [ae_layer(w, "encoder.encoder_layers.0.", w.row("encoder.embed_tokens.weight", int(t))) for t in ids]
        h = linear(w.mat("encoder.squeeze_layer.weight"), sum(hs, []), w.vec("encoder.squeeze_layer.bias"))
        h = ae_layer(w, "encoder.encoder_layers.1.", h)
        h = rmsnorm(h, w.vec("encoder.norm.weight"))
        lat = linear(w.mat("encoder.hidden_to_latent.weight"), h, w.vec("encoder.hidden_to_latent.bias"))
        self.assertTrue(close(lat[:Z], fx["enc_mean"][2][:Z], 1e-4))
        self.assertTrue(close(lat[Z:], fx["enc_log_std"][2][:Z], 1e-4))

    def test_calm_compress_and_head_pure_python(self):
        fx = load_fix("calm.safetensors")
        w = Weights(os.path.join(MODELS, "calm-tiny", "model.safetensors"))
        ids = fx["input_ids"][2][:K]
        e = sum((w.row("transformer.embed_tokens.weight", int(t)) for t in ids), [])
        h = [silu(v) for v in linear(w.mat("embed_proj.0.weight"), e, w.vec("embed_proj.0.bias"))]
        h = linear(w.mat("embed_proj.2.weight"), h, w.vec("embed_proj.2.bias"))
        h = layernorm(h, w.vec("embed_proj.3.weight"), w.vec("embed_proj.3.bias"))
        self.assertTrue(close(h, fx["compress_out"][2][:D], 1e-4))
        # energy head: position 0, sample 0
        g = "mlp_generator."
        hid = fx["hidden"][2][:D]
        noise = fx["head_noise"][2][:NZ]
        x = layernorm(linear(w.mat(g + "noise_embd.weight"), noise, w.vec(g + "noise_embd.bias")),
                      w.vec(g + "norm_noise.weight"), w.vec(g + "norm_noise.bias"))
        y = layernorm(linear(w.mat(g + "hidden_embd.weight"), hid, w.vec(g + "hidden_embd.bias")),
                      w.vec(g + "norm_hidden.weight"), w.vec(g + "norm_hidden.bias"))
        self.assertTrue(close(y, fx["head_cond"][2][:D], 1e-4))
        j = 0
        while g + "mlp_blocks.%d.in_ln.weight" % j in w.raw:
            p = g + "mlp_blocks.%d." % j
            u = layernorm(x, w.vec(p + "in_ln.weight"), w.vec(p + "in_ln.bias")) + y
            u = [silu(v) for v in linear(w.mat(p + "linears.0.weight"), u, w.vec(p + "linears.0.bias"))]
            u = [silu(v) for v in linear(w.mat(p + "linears.2.weight"), u, w.vec(p + "linears.2.bias"))]
            u = linear(w.mat(p + "linears.4.weight"), u, w.vec(p + "linears.4.bias"))
            gate, up = u[:D], u[D:]
            st = linear(w.mat(p + "down_proj.weight"), [silu(a) * b for a, b in zip(gate, up)], w.vec(p + "down_proj.bias"))
            x = [a + b for a, b in zip(x, st)]
            j += 1
        f = g + "final_layer."
        o = layernorm(x, w.vec(f + "in_ln.weight"), w.vec(f + "in_ln.bias"))
        o = [silu(v) for v in linear(w.mat(f + "linears.0.weight"), o, w.vec(f + "linears.0.bias"))]
        o = linear(w.mat(f + "linears.2.weight"), o, w.vec(f + "linears.2.bias"))
        self.assertTrue(close(o, fx["head_out"][2][:Z], 1e-4))

    @unittest.skipUnless(HAS_REGEX, "needs the regex module (Debian python3-regex) for \\p{L}; skipped")
    def test_tokenizer_cases(self):
        from tokenizer import Tokenizer
        tok = Tokenizer(os.path.join(MODELS, "calm-tiny", "tokenizer.json"))
        man = read_json(os.path.join(FIXTURES, "manifest.json"))
        for c in man["tokenizer"]:
            self.assertEqual(tok.encode(c["text"]), c["ids"], c["text"])
            self.assertEqual(tok.decode(c["ids"]), c["text"])


if __name__ == "__main__":
    unittest.main()
