#!/usr/bin/env python3
"""bench/decode: tokens/s at batch 1, T = 1, of calm-run on a CALM-M-shaped checkpoint in every
numerics form with 1 and all threads, against the PyTorch reference (tools/reference) in bf16
and f32 with the same threads, beside a streaming read-bandwidth probe and each form's weight
bytes per chunk (the roofline), and peak RSS. One run, interleaved (these machines are noisy).

    /usr/bin/python3 bench/decode/bench_decode.py --build build --model DIR [--tokens 64]
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "generate"))
from bench_generate import peak_rss_mb, run_measured  # noqa: E402

# The last one: L-Mul for the linear layers only (attention's L-Mul runs in generated code).
FORMS = ["f32", "bf16", "f16", "i8/channel", "f8e4m3/channel", "lmul:4",
         "lmul:4,attention=f32"]
ELEMENT_BYTES = {"f32": 4, "bf16": 2, "f16": 2, "i8/channel": 1, "f8e4m3/channel": 1,
                 "lmul:4": 4}


def cpu_flags():
    text = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", text).group(1)
    flags = set(re.search(r"flags\s*:\s*(.*)", text).group(1).split())
    keep = sorted(f for f in flags if f.startswith(("avx", "amx", "fma", "f16c")))
    return model, keep


def safetensors_shapes(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__"}


def bytes_per_chunk(model_dir, ae_dir, form):
    """Weight bytes one decode step streams: every linear layer of the backbone, input
    compression, energy head (one draw at T = 1) and autoencoder decoder (with its vocabulary
    projection) in the form's packed storage (rows padded to 64, scales); embeddings are
    gathered, not streamed; vectors are negligible."""
    form = form.split(",")[0]  # the linear layers' form
    pad = lambda k: (k + 63) // 64 * 64  # noqa: E731
    total = 0
    calm = safetensors_shapes(os.path.join(model_dir, "model.safetensors"))
    ae = safetensors_shapes(os.path.join(ae_dir, "model.safetensors"))
    linears = [s for k, s in calm.items() if len(s) == 2 and "embed_tokens" not in k]
    linears += [s for k, s in ae.items() if len(s) == 2 and k.startswith("decoder.")]
    linears.append(ae["encoder.embed_tokens.weight"])  # tied decoder.lm_head_weight
    for n, k in linears:
        total += n * pad(k) * ELEMENT_BYTES[form] + (8 * n if "i8" in form or "f8" in form else 0)
    return total


def calm_run(args, form, threads, env):
    cmd = [os.path.join(args.build, "bin", "calm-run"), "generate", "--model", args.model,
           "-p", args.prompt, "-n", str(args.tokens), "--seed", "1", "--threads", str(threads),
           "--numerics", form, "--ignore-eos", "--stats"]
    _, err = run_measured(cmd, env)
    m = re.search(r"(\d+) tokens.*?\(([\d.]+) tokens/s\)", err)
    if not m:
        sys.exit("bench_decode: no statistics in: " + err)
    return float(m.group(2)), cmd


def torch_run(args, dtype, threads):
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "generate", "torch_generate.py"),
           "--model", args.model, "--prompt", args.prompt, "--tokens", str(args.tokens),
           "--threads", str(threads), "--dtype", dtype, "--seed", "1"]
    out, _ = run_measured(cmd)
    r = json.loads(out.strip().splitlines()[-1])
    return r["tokens_per_s"], r["peak_rss_mb"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", default="Call me Ishmael.")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--threads", default="1,%d" % os.cpu_count())
    ap.add_argument("--forms", default=";".join(FORMS),
                    help="numerics selections, separated by ;")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    forms = args.forms.split(";")
    env = dict(os.environ, CALM_CACHE_DIR=os.path.join(args.build, "bench-cache"))
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    ae_dir = os.path.normpath(os.path.join(args.model, cfg["ae_path"]))

    model, flags = cpu_flags()
    print("machine: %d cores, %s; flags: %s" % (os.cpu_count(), model, " ".join(flags)))
    probe = subprocess.run([os.path.join(args.build, "bin", "stream_read"), "--threads",
                            args.threads], capture_output=True, text=True, check=True)
    bandwidth = {json.loads(l)["threads"]: json.loads(l)["gb_per_s"]
                 for l in probe.stdout.splitlines()}
    print("read bandwidth (GB/s): %s" % bandwidth)
    # Compile every form once (cached) before timing anything.
    for form in forms:
        calm_run(args, form, 1, env)

    rows = []
    for t in counts:
        torch_rows = {}
        if not args.no_torch:
            for dtype in ("bf16", "f32"):
                torch_rows[dtype] = torch_run(args, dtype, t)
                rows.append(("PyTorch reference, %s" % dtype, t, torch_rows[dtype][0], None,
                             torch_rows[dtype][1]))
        for form in forms:
            tps, cmd = calm_run(args, form, t, env)
            chunk = bytes_per_chunk(args.model, ae_dir, form)
            roof = bandwidth[t] * 1e9 / chunk * cfg["patch_size"]
            rss = peak_rss_mb(cmd, env)
            rows.append(("calm-run %s" % form, t, tps, roof, rss))
    print()
    print("| contender | threads | tokens/s | x PyTorch bf16 | roofline tokens/s | of roofline "
          "| peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for name, t, tps, roof, rss in rows:
        ref = next((r[2] for r in rows if r[0] == "PyTorch reference, bf16" and r[1] == t), None)
        print("| %s | %d | %.1f | %s | %s | %s | %.0f |" % (
            name, t, tps, "%.2fx" % (tps / ref) if ref else "-",
            "%.0f" % roof if roof else "-", "%.2f" % (tps / roof) if roof else "-", rss))


if __name__ == "__main__":
    main()
