"""Tests of the PyTorch reference (skipped, with the reason, where torch is not installed)."""
import collections, json, os, shutil, sys, tempfile, unittest

from helpers import ROOT, MODELS, FIXTURES, HAS_TORCH, HAS_REGEX, read_json

REASON = "needs PyTorch (Debian python3-torch, run with /usr/bin/python3) and python3-regex; skipped"


@unittest.skipUnless(HAS_TORCH and HAS_REGEX, REASON)
class ReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        torch.set_num_threads(1)

    def test_fixtures_regenerate(self):
        """make_fixtures.py on the committed models reproduces the committed fixtures."""
        import make_fixtures, safetensors_io
        tmp = tempfile.mkdtemp()
        try:
            ref = safetensors_io.load(os.path.join(FIXTURES, "brier.safetensors"))
            make_fixtures.main(tmp, brier_ids=ref["input_ids"].long())
            for f in ("ae", "calm", "twin", "brier"):
                a = safetensors_io.load(os.path.join(FIXTURES, f + ".safetensors"))
                b = safetensors_io.load(os.path.join(tmp, f + ".safetensors"))
                self.assertEqual(sorted(a), sorted(b))
                for k in a:
                    if a[k].is_floating_point():
                        err = (a[k].double() - b[k].double()).abs().max().item()
                        self.assertLess(err, 1e-4 * max(1.0, a[k].abs().max().item()), (f, k))
                    else:
                        self.assertTrue(bool((a[k] == b[k]).all()), (f, k))
            m1 = read_json(os.path.join(FIXTURES, "manifest.json"))
            m2 = read_json(os.path.join(tmp, "manifest.json"))
            self.assertEqual(m1["tokenizer"], m2["tokenizer"])
            for who in ("calm", "twin"):
                self.assertAlmostEqual(m1["brier"][who]["BrierLM"], m2["brier"][who]["BrierLM"], places=6)
        finally:
            shutil.rmtree(tmp)

    def test_twin_rollouts_match_recompute(self):
        import torch, calm_ref, brier
        torch.manual_seed(0)
        cfg = dict(vocab_size=50, hidden_size=32, intermediate_size=48, num_attention_heads=4,
                   num_hidden_layers=2, rms_norm_eps=1e-6, rope_theta=10000.0)
        tw = calm_ref.LlamaForCausalLM(cfg).eval()
        for p in tw.parameters():
            p.data.normal_(0, 0.3)
        ids = torch.randint(0, 50, (32,))
        u = torch.rand(2, 7, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        with torch.no_grad():
            _, roll, _ = brier.twin_block_terms(tw, ids, u, K=4)
            for r in range(2):
                for pi, s in enumerate(range(4, 29, 4)):
                    seq = ids[:s].tolist()
                    for j in range(4):
                        lg = tw(torch.tensor([seq]))[0, -1]
                        t = brier.inverse_cdf(torch.softmax(lg.double(), -1)[None], u[r, pi, j][None]).item()
                        self.assertEqual(t, roll[r, pi, j].item())
                        seq.append(t)

    def test_kv_cache_matches_full_forward(self):
        import torch, calm_ref
        calm = calm_ref.load_calm(os.path.join(MODELS, "calm-tiny"))
        ids = torch.randint(0, 4094, (1, 24), generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            full = calm.hidden(ids)
            comp = calm.compress(ids)
            h1, kv, _ = calm.transformer(comp[:, :4], return_kv=True)
            h2 = calm.transformer(comp[:, 4:], past=kv)
        self.assertLess((torch.cat([h1, h2], 1) - full).abs().max().item(), 1e-4)

    def test_temperature_samplers(self):
        import torch, calm_sample
        p = [0.5, 0.3, 0.2]
        g = torch.Generator().manual_seed(7)
        dist = torch.tensor(p, dtype=torch.float64)
        draw = lambda: int(torch.multinomial(dist, 1, generator=g).item())
        for T in (0.5, 1 / 1.5, 0.8):
            want = [x ** (1 / T) for x in p]
            want = [x / sum(want) for x in want]
            n = 20000
            c = collections.Counter(calm_sample.sample_exact_from(draw, T, g) for _ in range(n))
            for k in range(3):
                self.assertAlmostEqual(c[k] / n, want[k], delta=0.015, msg="T=%g k=%d" % (T, k))
        # batch approximation: picks only among the most repeated candidates, weight C(c, n)
        toks = [(1,)] * 5 + [(2,)] * 3 + [(3,)]
        c = collections.Counter(calm_sample.batch_approx_from(toks, 4, g) for _ in range(2000))
        self.assertEqual(set(c), {(1,)})
        c = collections.Counter(calm_sample.batch_approx_from(toks, 2, g) for _ in range(4000))
        self.assertAlmostEqual(c[(1,)] / 4000, 10 / 13, delta=0.03)

    def test_calm_brier_uses_two_samples(self):
        import torch, calm_ref, brier
        calm = calm_ref.load_calm(os.path.join(MODELS, "calm-tiny"))
        ids = torch.randint(0, 4094, (64,), generator=torch.Generator().manual_seed(4))
        noise = calm.mlp_generator.sample_noise((2, 15), generator=torch.Generator().manual_seed(5))
        terms, toks = brier.calm_block_terms(calm, ids, noise)
        self.assertEqual(tuple(terms.shape), (15, 4))
        same = (toks[0] == toks[1]).all(-1)
        # identical samples give 2*1{x=y} - 1 on the full 4-gram
        y = ids[4:].reshape(15, 4)
        for p in range(15):
            if same[p]:
                self.assertEqual(terms[p, 3].item(), 2.0 * float(bool((toks[0, p] == y[p]).all())) - 1.0)


if __name__ == "__main__":
    unittest.main()
