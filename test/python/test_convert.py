"""Converter tests on the committed models (pure Python; the .bin variant needs torch to be made)."""
import json, os, shutil, subprocess, sys, tempfile, unittest

from helpers import ROOT, MODELS, HAS_TORCH, read_json
import convert, calm_layout  # noqa: E402

AE, CALM, TWIN = (os.path.join(MODELS, n) for n in ("calm-tiny-ae", "calm-tiny", "llama-tiny-twin"))
CONVERT = os.path.join(ROOT, "tools", "convert", "convert.py")


def copy_model(src, dst, tensors=None, weights_name="model.safetensors", cfg_edit=None):
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    if cfg_edit:
        cfg_edit(cfg)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(cfg, f)
    shutil.copy(os.path.join(src, "tokenizer.json"), os.path.join(dst, "tokenizer.json"))
    if tensors is not None:
        convert.write_safetensors(tensors, os.path.join(dst, weights_name))


class ConvertTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cli(self, *args):
        return subprocess.run([sys.executable, CONVERT] + list(args), capture_output=True, text=True)

    def assert_same(self, a_dir, b_dir):
        a = convert.read_safetensors(os.path.join(a_dir, "model.safetensors"))
        b = convert.read_safetensors(os.path.join(b_dir, "model.safetensors"))
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            self.assertEqual(a[k], b[k], k)

    def test_identity_all_models(self):
        for src in (AE, CALM, TWIN):
            out = os.path.join(self.tmp, os.path.basename(src))
            r = self.run_cli(src, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_same(src, out)
            self.assertTrue(os.path.exists(os.path.join(out, "tokenizer.json")))

    def test_generative_head_prefix_and_sharded(self):
        t = convert.read_safetensors(os.path.join(CALM, "model.safetensors"))
        ren = {("generative_head." + k[len("mlp_generator."):] if k.startswith("mlp_generator.") else k): v
               for k, v in t.items()}
        self.assertTrue(any(k.startswith("generative_head.") for k in ren))
        src = os.path.join(self.tmp, "renamed")
        keys = sorted(ren)
        half = len(keys) // 2
        copy_model(CALM, src)
        shards = {"model-00001-of-00002.safetensors": keys[:half], "model-00002-of-00002.safetensors": keys[half:]}
        wm = {}
        for name, ks in shards.items():
            convert.write_safetensors({k: ren[k] for k in ks}, os.path.join(src, name))
            wm.update({k: name for k in ks})
        with open(os.path.join(src, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": wm}, f)
        out = os.path.join(self.tmp, "out")
        r = self.run_cli(src, out, "--ae-path", os.path.abspath(AE))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same(CALM, out)
        with open(os.path.join(out, "config.json")) as f:
            self.assertEqual(json.load(f)["ae_path"], os.path.abspath(AE))

    def test_untied_ae_output(self):
        t = convert.read_safetensors(os.path.join(AE, "model.safetensors"))
        # tied copy present: dropped
        t2 = dict(t)
        t2["decoder.lm_head_weight"] = t["encoder.embed_tokens.weight"]
        src = os.path.join(self.tmp, "tied")
        copy_model(AE, src, t2)
        out = os.path.join(self.tmp, "o1")
        self.assertEqual(convert.main([src, out]), 0)
        self.assert_same(AE, out)
        # a different matrix: kept (untied)
        dt, shape, raw = t["encoder.embed_tokens.weight"]
        t3 = dict(t)
        t3["decoder.lm_head_weight"] = (dt, shape, raw[::-1])
        src = os.path.join(self.tmp, "untied")
        copy_model(AE, src, t3)
        out = os.path.join(self.tmp, "o2")
        self.assertEqual(convert.main([src, out]), 0)
        o = convert.read_safetensors(os.path.join(out, "model.safetensors"))
        self.assertIn("decoder.lm_head_weight", o)

    def test_dtype_f32(self):
        out = os.path.join(self.tmp, "f32")
        self.assertEqual(convert.main([AE, out, "--dtype", "f32"]), 0)
        a = convert.read_safetensors(os.path.join(AE, "model.safetensors"))
        b = convert.read_safetensors(os.path.join(out, "model.safetensors"))
        k = "encoder.norm.weight"
        self.assertEqual(b[k][0], "F32")
        back = convert.to_dtype(b[k], "bf16")
        self.assertEqual(back[2], a[k][2])

    def test_one_line_errors(self):
        t = convert.read_safetensors(os.path.join(TWIN, "model.safetensors"))
        cases = []
        bad = dict(t)
        del bad["model.layers.1.mlp.up_proj.weight"]
        cases.append((bad, "missing tensor model.layers.1.mlp.up_proj.weight"))
        bad = dict(t)
        dt, shape, raw = bad["model.norm.weight"]
        bad["model.norm.weight"] = (dt, [shape[0] // 2], raw[: len(raw) // 2])
        cases.append((bad, "tensor model.norm.weight has shape"))
        bad = dict(t)
        bad["model.extra.weight"] = t["model.norm.weight"]
        cases.append((bad, "unexpected tensor model.extra.weight"))
        for i, (tens, msg) in enumerate(cases):
            src = os.path.join(self.tmp, "bad%d" % i)
            copy_model(TWIN, src, tens)
            r = self.run_cli(src, os.path.join(self.tmp, "out%d" % i))
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("convert: error:", r.stderr)
            self.assertIn(msg, r.stderr)
        r = self.run_cli(os.path.join(self.tmp, "nothing"), os.path.join(self.tmp, "o"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_layout_matches_official_names(self):
        """The expected-name generator reproduces the official layout (test/python/official_layout.json,
        copied from the official code's saved checkpoints)."""
        official = read_json(os.path.join(os.path.dirname(__file__), "official_layout.json"))
        for stem, kind in (("autoencoder", "autoencoder"), ("calm", "calm")):
            cfg, rows = official[stem]["config"], official[stem]["tensors"]
            if kind == "calm":
                ae_cfg = official["autoencoder"]["config"]
                exp = calm_layout.calm_tensors(cfg)
                exp.update(calm_layout.autoencoder_tensors(ae_cfg, "ae_model."))
            else:
                exp = calm_layout.autoencoder_tensors(cfg)
            self.assertEqual(exp, rows)

    @unittest.skipUnless(HAS_TORCH, "needs PyTorch to write pytorch_model.bin (skipped: torch not installed)")
    def test_pytorch_bin_variant(self):
        import torch
        sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
        import safetensors_io
        for src, name in ((CALM, "calm"), (AE, "ae")):
            sd = safetensors_io.load(os.path.join(src, "model.safetensors"))
            if name == "calm":   # official .bin files carry the head twice (alias) and a tied AE copy
                sd.update({"generative_head." + k[len("mlp_generator."):]: v for k, v in sd.items()
                           if k.startswith("mlp_generator.")})
            d = os.path.join(self.tmp, "bin-" + name)
            copy_model(src, d)
            torch.save(sd, os.path.join(d, "pytorch_model.bin"))
            out = os.path.join(self.tmp, "bin-out-" + name)
            r = self.run_cli(d, out, *(["--ae-path", os.path.abspath(AE)] if name == "calm" else []))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_same(src, out)


if __name__ == "__main__":
    unittest.main()
