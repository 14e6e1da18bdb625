#!/usr/bin/env python3
"""bench/numerics_study: what each numerics saving costs the shipped models.

For every numerics selection below, on the held-out text (tools/data/corpus.py's
split: the 6 held-out documents joined by <|endoftext|>, the stream
tools/reference/evaluate.py scores), in blocks of 512 tokens:
  * the CALM's BrierLM and Brier-1..4: `calm-run eval --json --per-block`;
  * its autoencoder's reconstruction (each chunk encoded to its latent mean
    and decoded): `calm-run eval --reconstruction --json --per-block`;
  * the token twin's BrierLM under the same form (its own compiled code).
Every form runs with the same seed, so it sees the same head noise (CALM) and
the same uniforms (twin): the comparison with f32 is paired, block by block.
The standard error of each difference from f32 comes from the per-block
terms: for a mean (Brier-1, accuracy) sd(d_b) / sqrt(n) over the n blocks'
differences d_b (blocks are equal in size); for BrierLM, a geometric mean of
ratios, the jackknife over blocks. A difference within about two standard
errors of zero is no measured effect.

Energy: one generated chunk priced with calm-opt's energy report
(calm-decompose, calm-assign-numerics, calm-energy-report with dynamic-size:
one backbone step at a context of 64 chunks, one head sample, one decoded
chunk; arithmetic only, Horowitz 45 nm), divided by K for pJ per token.
Tokens/s is the CALM eval's throughput (tokens scored per second, two samples
per position).

Writes docs/numerics-study.md (the tables), docs/numerics-study.svg (CALM
Brier-1 against pJ per token) and docs/numerics-study-deltas.svg (each form's
difference from f32 with its 95% interval).

    /usr/bin/python3 bench/numerics_study/numerics_study.py [--max-blocks N]
        [--twin-blocks N] [--build build] [--seed 1] [--threads N]
"""
import argparse
import json
import math
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


def evaluate(args, model, selection, text, blocks, reconstruction=False):
    cmd = [os.path.join(args.build, "bin", "calm-run"), "eval", "--model", model, "--text", text,
           "--numerics", selection, "--seed", str(args.seed), "--json", "--per-block",
           "--threads", str(args.threads)]
    if reconstruction:
        cmd.append("--reconstruction")
    if blocks:
        cmd += ["--max-blocks", str(blocks)]
    r = json.loads(run(cmd, env=args.env))
    if not reconstruction:
        r["tokens_per_s"] = r["tokens"] / r["seconds"]
    return r


# ----------------------------------------------------------------------------- statistics
def brier_lm(blocks):
    """BrierLM (percent) of a list of per-block [s1, s2, s3, s4, positions]."""
    pos = sum(b[4] for b in blocks)
    prod = 1.0
    for n in range(4):
        prod *= sum(b[n] for b in blocks) / pos
    return 100.0 * max(0.0, prod) ** 0.25


def brier_mean(blocks, n):
    return sum(b[n] for b in blocks) / sum(b[4] for b in blocks)


def accuracy(blocks):
    """Token accuracy of per-block [correct tokens, tokens, correct chunks, chunks]."""
    return sum(b[0] for b in blocks) / sum(b[1] for b in blocks)


def paired(stat, form, base):
    """(difference stat(form) - stat(base), its standard error): the jackknife over blocks,
    leaving one block out of both (for a mean over equal blocks it is sd(d_b) / sqrt(n))."""
    assert len(form) == len(base)
    n = len(form)
    diff = stat(form) - stat(base)
    if n < 2:
        return diff, float("nan")
    loo = [stat(form[:i] + form[i + 1:]) - stat(base[:i] + base[i + 1:]) for i in range(n)]
    mean = sum(loo) / n
    return diff, math.sqrt((n - 1) / n * sum((x - mean) ** 2 for x in loo))


def fmt_delta(d, se, digits):
    if d == 0 and se == 0:
        return "±0 (same)"
    return "%+.*f ± %.*f" % (digits, d, digits, se)


def svg_open(W, H, L, title):
    """An SVG's first elements: the root, a white background and the title."""
    return ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
            'font-size="11">' % (W, H),
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="%d" y="18" font-size="13">%s</text>' % (L, title)]


def svg(rows, path):
    """Brier-1 and Brier-2 (y) against pJ per token (x, log scale)."""
    import math
    pts = [r for r in rows if r["pj"] is not None]
    W, H, L, B, T, R = 720, 420, 70, 50, 30, 170
    xs = [math.log10(r["pj"]) for r in pts]
    x0, x1 = min(xs) - 0.1, max(xs) + 0.1
    ys = [r["brier1"] for r in rows]
    y0, y1 = min(ys + [0.0]), max(ys)
    y0, y1 = y0 - 0.05 * (y1 - y0 or 1), y1 + 0.05 * (y1 - y0 or 1)
    X = lambda v: L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)
    Y = lambda v: T + (y1 - v) / (y1 - y0) * (H - T - B)
    out = svg_open(W, H, L, "calm-tiny: Brier-1 vs arithmetic energy per token (held-out text)") + [
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, H - B, W - R, H - B),
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, T, L, H - B),
           '<text x="%d" y="%d">pJ per token (log scale, Horowitz 45 nm, arithmetic only)</text>'
           % (L + 60, H - 12),
           '<text x="14" y="%d" transform="rotate(-90 14 %d)">Brier-1</text>' % (H // 2, H // 2)]
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
    for key, color in (("brier1", "#1f77b4"),):
        for r in pts:
            out.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>' % (X(r["pj"]), Y(r[key]), color))
            if key == "brier1":
                out.append('<text x="%.1f" y="%.1f">%s</text>' % (X(r["pj"]) + 6, Y(r[key]) - 4, r["name"]))
    missing = [r["name"] for r in rows if r["pj"] is None]
    if missing:
        out.append('<text x="%d" y="%d">not plotted (fp8 multiply</text>' % (W - R + 14, T + 60))
        out.append('<text x="%d" y="%d">not in the table): %s</text>'
                   % (W - R + 14, T + 74, ", ".join(missing)))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def svg_deltas(rows, path):
    """Each form's difference from f32 (x: the forms) with its 95% interval (1.96 SE):
    CALM Brier-1, the autoencoder's token accuracy, the twin's Brier-1."""
    series = (("d_calm_b1", "CALM Brier-1", "#1f77b4"), ("d_ae_acc", "AE token accuracy", "#2ca02c"),
              ("d_twin_b1", "twin Brier-1", "#d62728"))
    forms = rows[1:]
    W, H, L, B, T, R = 760, 420, 80, 90, 30, 170
    vals = [0.0]
    for r in forms:
        for key, _, _ in series:
            d, se = r[key]
            vals += [d - 1.96 * se, d + 1.96 * se]
    y0, y1 = min(vals), max(vals)
    pad = 0.08 * (y1 - y0 or 1e-4)
    y0, y1 = y0 - pad, y1 + pad
    step = (W - L - R) / len(forms)
    Y = lambda v: T + (y1 - v) / (y1 - y0) * (H - T - B)
    out = svg_open(W, H, L, "Difference from f32, paired (same noise), with 95% intervals") + [
           '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, T, L, H - B),
           '<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/>' % (L, Y(0), W - R, Y(0))]
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        out.append('<text x="%d" y="%.1f" text-anchor="end">%+.4f</text>' % (L - 4, Y(v) + 4, v))
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, Y(v), W - R, Y(v)))
    for i, r in enumerate(forms):
        x = L + step * (i + 0.5)
        out.append('<text x="%.1f" y="%d" text-anchor="end" transform="rotate(-40 %.1f %d)">%s</text>'
                   % (x, H - B + 14, x, H - B + 14, r["name"]))
        for j, (key, _, color) in enumerate(series):
            d, se = r[key]
            xs = x + (j - 1) * 9
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>'
                       % (xs, Y(d - 1.96 * se), xs, Y(d + 1.96 * se), color))
            out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (xs, Y(d), color))
    for j, (_, label, color) in enumerate(series):
        out.append('<circle cx="%d" cy="%d" r="4" fill="%s"/><text x="%d" y="%d">%s</text>'
                   % (W - R + 20, T + 10 + 18 * j, color, W - R + 30, T + 14 + 18 * j, label))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--max-blocks", type=int, default=0, help="CALM and autoencoder blocks (0: all)")
    ap.add_argument("--twin-blocks", type=int, default=0, help="twin blocks (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
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
        r = {"name": sel, "pj": energy_per_token(args, module, sel, k)}
        r["calm"] = evaluate(args, CALM, sel, text, args.max_blocks)
        r["ae"] = evaluate(args, CALM, sel, text, args.max_blocks, reconstruction=True)
        r["twin"] = evaluate(args, TWIN, sel, text, args.twin_blocks)
        r["brier1"] = r["calm"]["brier1"]
        rows.append(r)
        print("  %-18s CALM BrierLM %.3f Brier-1 %.5f  AE %.5f  twin BrierLM %.3f  %.0f tokens/s  %s pJ/token"
              % (sel, r["calm"]["brierlm"], r["calm"]["brier1"], r["ae"]["token_accuracy"],
                 r["twin"]["brierlm"], r["calm"]["tokens_per_s"],
                 "n/a" if r["pj"] is None else "%.0f" % r["pj"]), file=sys.stderr)
    base = rows[0]
    b1 = lambda blocks: brier_mean(blocks, 0)
    for r in rows:
        r["d_calm_lm"] = paired(brier_lm, r["calm"]["per_block"], base["calm"]["per_block"])
        r["d_calm_b1"] = paired(b1, r["calm"]["per_block"], base["calm"]["per_block"])
        r["d_ae_acc"] = paired(accuracy, r["ae"]["per_block"], base["ae"]["per_block"])
        r["d_twin_lm"] = paired(brier_lm, r["twin"]["per_block"], base["twin"]["per_block"])
        r["d_twin_b1"] = paired(b1, r["twin"]["per_block"], base["twin"]["per_block"])
    c, a, t = base["calm"], base["ae"], base["twin"]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "numerics-study.md"), "w") as f:
        f.write("# Numerics study: the shipped models under every numerics form\n\n")
        f.write("Generated by `/usr/bin/python3 bench/numerics_study/numerics_study.py%s%s%s` (the "
                "script's header gives the method). Held-out text (`tools/data/corpus.py`), blocks of "
                "512 tokens, seed %d: the CALM on %d tokens (%d positions), its autoencoder on %d "
                "tokens (%d chunks), the token twin on %d tokens (%d positions). Every form sees the "
                "same noise; each difference from f32 is paired, block by block, and given with its "
                "standard error (± 1 SE; jackknife over blocks). A difference within about 2 SE of "
                "zero is no measured effect.\n\n"
                % (" --max-blocks %d" % args.max_blocks if args.max_blocks else "",
                   " --twin-blocks %d" % args.twin_blocks if args.twin_blocks else "",
                   " --threads %d" % args.threads if args.threads != 1 else "",
                   args.seed, c["tokens"], c["positions"], a["tokens"], a["chunks"], t["tokens"],
                   t["positions"]))
        f.write("## Quality\n\n")
        f.write("| numerics | CALM BrierLM | Δ vs f32 | CALM Brier-1 | Δ vs f32 | AE token accuracy | "
                "Δ vs f32 | twin BrierLM | Δ vs f32 | twin Brier-1 | Δ vs f32 |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write("| %s | %.3f | %s | %.5f | %s | %.5f | %s | %.3f | %s | %.5f | %s |\n"
                    % (r["name"], r["calm"]["brierlm"], fmt_delta(*r["d_calm_lm"], 3),
                       r["calm"]["brier1"], fmt_delta(*r["d_calm_b1"], 5),
                       r["ae"]["token_accuracy"], fmt_delta(*r["d_ae_acc"], 5),
                       r["twin"]["brierlm"], fmt_delta(*r["d_twin_lm"], 3),
                       r["twin"]["brier1"], fmt_delta(*r["d_twin_b1"], 5)))
        f.write("\nMeasured effects (|difference| > 2 SE; with %d comparisons, about %.0f would pass 2 SE by "
                "chance alone, so a lone 2-SE effect is a hint, not a finding):\n\n"
                % (5 * (len(rows) - 1), 0.05 * 5 * (len(rows) - 1)))
        for key, label in (("d_calm_lm", "CALM BrierLM"), ("d_calm_b1", "CALM Brier-1"),
                           ("d_ae_acc", "autoencoder token accuracy"), ("d_twin_lm", "twin BrierLM"),
                           ("d_twin_b1", "twin Brier-1")):
            hits = ["%s (%+.2g, %.1f SE)" % (r["name"], r[key][0], r[key][0] / r[key][1])
                    for r in rows[1:] if r[key][1] > 0 and abs(r[key][0]) > 2 * r[key][1]]
            same = [r["name"] for r in rows[1:] if r[key] == (0.0, 0.0)]
            f.write("- %s: %s%s\n" % (label, ", ".join(hits) if hits else "none",
                                       "; identical to f32: " + ", ".join(same) if same else ""))
        f.write("\n![Each form's difference from f32 with 95% intervals](numerics-study-deltas.svg)\n\n")
        f.write("## Brier-n of the CALM, throughput and energy\n\n")
        f.write("| numerics | Brier-1 | Brier-2 | Brier-3 | Brier-4 | AE chunk accuracy | tokens/s (eval) "
                "| pJ/token (arith.) | pJ vs f32 |\n")
        f.write("|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            pj = "n/a" if r["pj"] is None else "%.0f" % r["pj"]
            ratio = "n/a" if r["pj"] is None else "%.2fx" % (r["pj"] / base["pj"])
            e = r["calm"]
            f.write("| %s | %.5f | %.6f | %.6f | %.6f | %.5f | %.0f | %s | %s |\n"
                    % (r["name"], e["brier1"], e["brier2"], e["brier3"], e["brier4"],
                       r["ae"]["chunk_accuracy"], e["tokens_per_s"], pj, ratio))
        f.write("\n![CALM Brier-1 against pJ per token](numerics-study.svg)\n")
    svg(rows, os.path.join(args.out, "numerics-study.svg"))
    svg_deltas(rows, os.path.join(args.out, "numerics-study-deltas.svg"))
    with open(os.path.join(args.out, "numerics-study.json"), "w") as f:
        # Without the per-block terms: the summaries and the paired differences (d, SE).
        slim = [{key: ({k: v for k, v in val.items() if k != "per_block"} if isinstance(val, dict)
                       else val) for key, val in r.items()} for r in rows]
        json.dump({"settings": dict(vars(args), env=None), "rows": slim}, f, indent=1)
        f.write("\n")
    print("wrote %s/numerics-study.md, .svg, -deltas.svg and .json" % args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
