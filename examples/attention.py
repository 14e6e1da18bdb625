#!/usr/bin/env python3
"""The pre-runtime main job: an attention block rewritten to L-Mul.

Compiles examples/attention.mlir with calm-opt (f32, then every multiply of
the block as L-Mul keeping m mantissa bits), runs each with mlir-runner, and
prints the error of each against a double-precision reference computed here
in plain Python from the same deterministic inputs.

  python3 examples/attention.py [--build build] [--check]

--check exits non-zero unless f32 matches the reference to 1e-5 (relative
Frobenius; the runner prints 6 significant digits) and every L-Mul variant
is finite, differs from f32, and stays within the documented bound.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys

S, D = 16, 32
HERE = os.path.dirname(os.path.abspath(__file__))
# Relative Frobenius error bounds for --check (what a correct L-Mul lands
# well inside; measured figures are printed and recorded in README).
LMUL_BOUND = {2: 0.2, 3: 0.12, 4: 0.08, 7: 0.08, 23: 0.08}


def reference():
    q = [[math.sin(0.37 * i + 1.13 * j) for j in range(D)] for i in range(S)]
    k = [[math.cos(0.71 * i - 0.29 * j) for j in range(D)] for i in range(S)]
    v = [[math.sin(0.53 * (i * j) + 0.11) for j in range(D)] for i in range(S)]
    out = []
    scale = 1.0 / math.sqrt(D)
    for i in range(S):
        s = [sum(q[i][d] * k[j][d] for d in range(D)) for j in range(S)]
        m = max(s)
        e = [math.exp((x - m) * scale) for x in s]
        t = sum(e)
        a = [x / t for x in e]
        out.append([sum(a[j] * v[j][d] for j in range(S)) for d in range(D)])
    return out


def tool(build, name):
    path = os.path.join(build, "bin", name)
    if os.path.exists(path):
        return path
    for candidate in (name + "-22", os.path.join("/usr/lib/llvm-22/bin", name)):
        found = shutil.which(candidate)
        if found:
            return found
    sys.exit(f"error: cannot find {name} (build calm-mlir first: see README)")


def run(build, passes):
    calm_opt = tool(build, "calm-opt")
    runner = tool(build, "mlir-runner")
    libs = ",".join(f"/usr/lib/llvm-22/lib/{l}.so"
                    for l in ("libmlir_runner_utils", "libmlir_c_runner_utils"))
    lowered = subprocess.run(
        [calm_opt, os.path.join(HERE, "attention.mlir")] + passes + ["--calm-cpu-pipeline"],
        check=True, capture_output=True, text=True).stdout
    out = subprocess.run([runner, "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + libs],
                         input=lowered, check=True, capture_output=True, text=True).stdout
    body = out[out.index("data =") + len("data ="):]
    values = [float(x) for x in re.findall(r"-?(?:nan|inf|[0-9.]+(?:e[-+]?[0-9]+)?)", body)]
    if len(values) != S * D:
        sys.exit(f"error: expected {S * D} values from the runner, got {len(values)}")
    return [values[i * D:(i + 1) * D] for i in range(S)]


def rel_error(a, b):
    num = sum((x - y) ** 2 for ra, rb in zip(a, b) for x, y in zip(ra, rb))
    den = sum(y ** 2 for rb in b for y in rb)
    return math.sqrt(num / den)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"),
                        help="calm-mlir build directory (default: ../build)")
    parser.add_argument("--check", action="store_true",
                        help="exit non-zero if an error is outside its bound")
    args = parser.parse_args()

    ref = reference()
    f32 = run(args.build, [])
    ok = True
    f32_err = rel_error(f32, ref)
    print("attention block, S=16, D=32: relative Frobenius error vs float64")
    print(f"  {'numerics':<10} {'vs float64':>12} {'vs f32':>12}")
    print(f"  {'f32':<10} {f32_err:>12.3e} {0.0:>12.3e}")
    ok &= f32_err < 1e-5
    for m in (2, 3, 4, 7, 23):
        got = run(args.build, [f"--calm-mulf-to-lmul=mantissa-bits={m}"])
        err, vs32 = rel_error(got, ref), rel_error(got, f32)
        print(f"  {'lmul:' + str(m):<10} {err:>12.3e} {vs32:>12.3e}")
        ok &= math.isfinite(err) and vs32 > 0 and err < LMUL_BOUND[m]
    if args.check and not ok:
        print("FAIL: an error is outside its bound")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
