#!/usr/bin/env python3
"""bench/generate: generation speed at batch 1, all contenders in one run.

For T = 1 and T = 0.5, runs
  (a) calm-run generate on the CALM          (--model models/calm-tiny)
  (b) calm-run generate on the token twin    (--model models/llama-tiny-twin)
  (c) the PyTorch reference on the CALM      (torch_generate.py, KV cache)
  (d) the PyTorch reference on the twin
with the same prompt, token count, thread count and seeds, and prints a
Markdown table: tokens/s (generation only: after the prompt, compile and
load excluded; the object cache is warmed first), first-chunk latency (the
first K = 4 tokens after the prompt) and peak RSS of the whole process, plus
the ratios the goals name: (a)/(c) and (a)/(b). Each cell is the median of
--repeats runs, interleaved (these machines are noisy). A CALM samples T = 0.5 with the
batch approximation (--samples, default 16 draws per chunk in one batched
head and decoder pass) in both calm-run and PyTorch: exact rejection on the
undertrained tiny model rarely sees two equal chunks and mostly measures the
draw budget (see docs/ARCHITECTURE.md, "Sampling budget"); the twin samples
its softmax at T exactly.

    /usr/bin/python3 bench/generate/bench_generate.py [--tokens 256]
        [--repeats 3] [--threads 1] [--build build]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALM = os.path.join(ROOT, "models", "calm-tiny")
TWIN = os.path.join(ROOT, "models", "llama-tiny-twin")


def run_measured(cmd, env=None):
    """Runs cmd; returns its (stdout, stderr)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    if p.returncode != 0:
        sys.exit("bench_generate: %s failed:\n%s" % (" ".join(cmd), err.decode()))
    return out.decode(errors="replace"), err.decode(errors="replace")


def peak_rss_mb(cmd, env=None):
    """Runs cmd once more under os.wait4 to get its own peak RSS."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvpe(cmd[0], cmd, env or os.environ)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit("bench_generate: %s failed" % " ".join(cmd))
    return usage.ru_maxrss / 1024


def calm_run(args, model, temperature, seed, env):
    cmd = [os.path.join(args.build, "bin", "calm-run"), "generate", "--model", model,
           "-p", args.prompt, "-n", str(args.tokens), "--temperature", str(temperature),
           "--seed", str(seed), "--threads", str(args.threads), "--ignore-eos", "--stats"]
    if model == CALM and temperature < 1:
        cmd += ["--samples", str(args.samples)]
    _, err = run_measured(cmd, env)
    m = re.search(r"(\d+) tokens.*?\(([\d.]+) tokens/s\),(?: prompt \d+ tokens in [\d.]+ ms,)? first (?:chunk|4 tokens) ([\d.]+) ms", err)
    if not m:
        sys.exit("bench_generate: no statistics in: " + err)
    return {"tokens": int(m.group(1)), "tokens_per_s": float(m.group(2)),
            "first_chunk_ms": float(m.group(3)), "cmd": cmd}


def torch_run(args, model, temperature, seed):
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "generate", "torch_generate.py"),
           "--model", model, "--prompt", args.prompt, "--tokens", str(args.tokens),
           "--temperature", str(temperature), "--seed", str(seed), "--threads", str(args.threads)]
    if model == CALM and temperature < 1:
        cmd += ["--samples", str(args.samples)]
    out, _ = run_measured(cmd)
    r = json.loads(out)
    r["cmd"] = cmd
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--prompt", default="Call me Ishmael.")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("CALM_CACHE_DIR", os.path.join(args.build, "bench", "object-cache"))
    contenders = [
        ("(a) calm-run, CALM", lambda t, s: calm_run(args, CALM, t, s, env)),
        ("(b) calm-run, twin", lambda t, s: calm_run(args, TWIN, t, s, env)),
        ("(c) PyTorch, CALM", lambda t, s: torch_run(args, CALM, t, s)),
        ("(d) PyTorch, twin", lambda t, s: torch_run(args, TWIN, t, s)),
    ]
    # Warm the object cache (compile time is bench/forward's subject).
    for model in (CALM, TWIN):
        calm_run(args, model, 1.0, 0, env)
    # Round robin: every repeat runs every contender once, so a slow spell
    # of this shared machine hits all of them alike rather than one.
    runs = {(name, t): [] for name, _ in contenders for t in (1.0, 0.5)}
    for seed in range(args.repeats):
        for temperature in (1.0, 0.5):
            for name, fn in contenders:
                runs[(name, temperature)].append(fn(temperature, seed))
    rows = {}
    for (name, temperature), rs in runs.items():
        rows[(name, temperature)] = {
            "tokens_per_s": statistics.median(r["tokens_per_s"] for r in rs),
            "first_chunk_ms": statistics.median(r["first_chunk_ms"] for r in rs),
            "peak_rss_mb": peak_rss_mb(rs[0]["cmd"], env)}
        print("  %-20s T=%.1f  %8.1f tokens/s" % (name, temperature,
                                                rows[(name, temperature)]["tokens_per_s"]),
              file=sys.stderr)
    print("| contender | T | tokens/s | first chunk (ms) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for temperature in (1.0, 0.5):
        for name, _ in contenders:
            r = rows[(name, temperature)]
            print("| %s | %.1f | %.1f | %.2f | %.0f |" % (name, temperature, r["tokens_per_s"],
                                                        r["first_chunk_ms"], r["peak_rss_mb"]))
    print()
    for temperature in (1.0, 0.5):
        a = rows[("(a) calm-run, CALM", temperature)]["tokens_per_s"]
        b = rows[("(b) calm-run, twin", temperature)]["tokens_per_s"]
        c = rows[("(c) PyTorch, CALM", temperature)]["tokens_per_s"]
        d = rows[("(d) PyTorch, twin", temperature)]["tokens_per_s"]
        print("T = %.1f: (a)/(c) = %.1fx (goal >= 10x), (a)/(b) = %.2fx (goal >= 2.5x), "
              "(b)/(d) = %.1fx" % (temperature, a / c, a / b, b / d))
    print("\n%d tokens after \"%s\", %d thread(s), median of %d interleaved seeds; CALM at T = 0.5: "
          "batch approximation, %d draws per chunk." % (
              args.tokens, args.prompt, args.threads, args.repeats, args.samples))


if __name__ == "__main__":
    main()
