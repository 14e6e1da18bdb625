#!/usr/bin/env python3
"""bench/numerics_study: what each numerics saving costs the tiny CALM.

For every numerics selection below, runs `calm-run eval --json` on the
held-out text (tools/data/corpus.py's split: the 6 held-out documents joined
by <|endoftext|>, the stream tools/reference/evaluate.py scores) with the
same seed, so every form sees the same head noise (paired comparison: the
differences between forms are far more precise than each figure), and
prices one generated chunk with calm-opt's energy report (calm-decompose,
calm-assign-numerics, calm-energy-report with dynamic-size: one backbone
step at a context of 64 chunks, one head sample, one decoded chunk;
arithmetic only, Horowitz 45 nm), divided by K for pJ per token. Tokens/s is eval's
throughput (tokens scored per second, two samples per position). The token
twin is evaluated once in f32 as the baseline.

Writes docs/numerics-study.md (the table) and docs/numerics-study.svg (Brier-1
and Brier-2 against pJ per token).

    /usr/bin/python3 bench/numerics_study/numerics_study.py [--max-blocks N]
        [--build build] [--seed 1]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))
import corpus  # noqa: E402

SELECTIONS = ["f32", "bf16", "f16", "f8e4m3", "f8e5m2", "i8", "i8/channel",
              "lmul:3", "lmul:4", "lmul:7", "attention=lmul:4"]
CALM = os.path.join(ROOT, "models", "calm-tiny")
TWIN = os.path.join(ROOT, "models", "llama-tiny-twin")
# Chunks of context the priced backbone step attends over.
CONTEXT = 64


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        sys.exit("numerics_study: %s failed:\n%s" % (" ".join(cmd), p.stderr))
    return p.stdout


def energy_per_token(args, module_path, selection, k):
    """pJ of one generated chunk / K: a backbone step at a context of CONTEXT chunks (the
    mean context of a 512-token eval block), one head sample and one decoded chunk. None when
    a form has no row in the table (fp8 multiplies)."""
    default, roles = selection, ""
    if "=" in selection:
        default, roles = "f32", selection
    passes = "--calm-assign-numerics=default=%s%s" % (default, " roles=" + roles if roles else "")
    total = 0.0
    for size, functions in ((CONTEXT, ["calm_backbone_step"]), (1, ["calm_energy_head", "ae_decode"])):
        out = run([os.path.join(args.build, "bin", "calm-opt"), module_path, "--calm-decompose",
                   passes, "--calm-energy-report=json=true dynamic-size=%d" % size,
                   "-o", "/dev/null"])
        for fn in json.loads(out)["functions"]:
            if fn["name"] in functions:
                if fn["energy_pj"] is None:
                    return None
                total += fn["energy_pj"]
    return total / k


def evaluate(args, model, selection, text):
    cmd = [os.path.join(args.build, "bin", "calm-run"), "eval", "--model", model, "--text", text,
           "--numerics", selection, "--seed", str(args.seed), "--json"]
    if args.max_blocks:
        cmd += ["--max-blocks", str(args.max_blocks)]
    r = json.loads(run(cmd, env=args.env))
    r["tokens_per_s"] = r["tokens"] / r["seconds"]
    return r


def svg(rows, path):
    """Brier-1 and Brier-2 (y) against pJ per token (x, log scale)."""
    import math
    pts = [r for r in rows if r["pj"] is not None]
    W, H, L, B, T, R = 720, 420, 70, 50, 30, 170
    xs = [math.log10(r["pj"]) for r in pts]
    x0, x1 = min(xs) - 0.1, max(xs) + 0.1
    ys = [r["brier1"] for r in rows] + [r["brier2"] for r in rows]
    y0, y1 = min(ys + [0.0]), max(ys)
    y0, y1 = y0 - 0.05 * (y1 - y0 or 1), y1 + 0.05 * (y1 - y0 or 1)
    X = lambda v: L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)
    Y = lambda v: T + (y1 - v) / (y1 - y0) * (H - T - B)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="11">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="13">calm-tiny: Brier-n vs arithmetic energy per token '
           '(held-out text)</text>' % L,
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, H - B, W - R, H - B),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, T, L, H - B),
           '<text x="%d" y="%d">pJ per token (log scale, Horowitz 45 nm, arithmetic only)</text>'
           % (L + 60, H - 12),
           '<text x="14" y="%d" transform="rotate(-90 14 %d)">Brier-n</text>' % (H // 2, H // 2)]
    for e in range(int(math.floor(x0)), int(math.ceil(x1)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if x0 <= math.log10(v) <= x1:
                out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
                           % (X(v), H - B, X(v), H - B + 4))
                out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (X(v), H - B + 16, v))
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        out.append('<text x="%d" y="%.1f" text-anchor="end">%.4f</text>' % (L - 4, Y(v) + 4, v))
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, Y(v), W - R, Y(v)))
    for key, color in (("brier1", "#1f77b4"), ("brier2", "#d62728")):
        for r in pts:
            out.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>' % (X(r["pj"]), Y(r[key]), color))
            if key == "brier1":
                out.append('<text x="%.1f" y="%.1f">%s</text>' % (X(r["pj"]) + 6, Y(r[key]) - 4, r["name"]))
    out.append('<circle cx="%d" cy="%d" r="4" fill="#1f77b4"/><text x="%d" y="%d">Brier-1</text>'
               % (W - R + 20, T + 10, W - R + 30, T + 14))
    out.append('<circle cx="%d" cy="%d" r="4" fill="#d62728"/><text x="%d" y="%d">Brier-2</text>'
               % (W - R + 20, T + 28, W - R + 30, T + 32))
    missing = [r["name"] for r in rows if r["pj"] is None]
    if missing:
        out.append('<text x="%d" y="%d">not plotted (fp8 multiply</text>' % (W - R + 14, T + 60))
        out.append('<text x="%d" y="%d">not in the table): %s</text>'
                   % (W - R + 14, T + 74, ", ".join(missing)))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--max-blocks", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"))
    args = ap.parse_args()
    args.env = dict(os.environ)
    args.env.setdefault("CALM_CACHE_DIR", os.path.join(args.build, "bench", "object-cache"))
    _, held = corpus.load_split()
    tmp = tempfile.mkdtemp(prefix="numerics-study-")
    text = os.path.join(tmp, "heldout.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("<|endoftext|>".join(t for _, t in held))
    module = os.path.join(tmp, "calm.mlir")
    with open(module, "w") as f:
        f.write(run([os.path.join(args.build, "bin", "calm-run"), "compile", "--model", CALM,
                     "--emit=mlir"]))
    k = json.load(open(os.path.join(CALM, "config.json")))["patch_size"]
    rows = []
    for sel in SELECTIONS:
        r = evaluate(args, CALM, sel, text)
        r["name"], r["pj"] = sel, energy_per_token(args, module, sel, k)
        rows.append(r)
        print("  %-18s Brier-1 %.5f  Brier-2 %.6f  BrierLM %.2f  %.0f tokens/s  %s pJ/token"
              % (sel, r["brier1"], r["brier2"], r["brierlm"], r["tokens_per_s"],
                 "n/a" if r["pj"] is None else "%.0f" % r["pj"]), file=sys.stderr)
    twin = evaluate(args, TWIN, "f32", text)
    base = rows[0]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "numerics-study.md"), "w") as f:
        f.write("# Numerics study: the tiny CALM under every numerics form\n\n")
        f.write("Generated by `/usr/bin/python3 bench/numerics_study/numerics_study.py%s` "
                "(see the script's header for the method). Held-out text: %d tokens, %d positions, "
                "seed %d (the same head noise for every form).\n\n"
                % (" --max-blocks %d" % args.max_blocks if args.max_blocks else "",
                   base["tokens"], base["positions"], args.seed))
        f.write("| numerics | Brier-1 | Brier-2 | Brier-3 | Brier-4 | BrierLM | Δ Brier-1 vs f32 "
                "| tokens/s (eval) | pJ/token (arith.) | pJ vs f32 |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            pj = "n/a" if r["pj"] is None else "%.0f" % r["pj"]
            ratio = "n/a" if r["pj"] is None else "%.2fx" % (r["pj"] / base["pj"])
            f.write("| %s | %.5f | %.6f | %.6f | %.6f | %.2f | %+.5f | %.0f | %s | %s |\n"
                    % (r["name"], r["brier1"], r["brier2"], r["brier3"], r["brier4"], r["brierlm"],
                       r["brier1"] - base["brier1"], r["tokens_per_s"], pj, ratio))
        f.write("| token twin, f32 (exact-probability estimator) | %.5f | %.6f | %.6f | %.6f | %.2f "
                "| | %.0f | | |\n" % (twin["brier1"], twin["brier2"], twin["brier3"], twin["brier4"],
                                     twin["brierlm"], twin["tokens_per_s"]))
        f.write("\n![Brier-1 and Brier-2 against pJ per token](numerics-study.svg)\n")
    svg(rows, os.path.join(args.out, "numerics-study.svg"))
    print("wrote %s/numerics-study.md and .svg" % args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
