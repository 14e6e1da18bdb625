#!/usr/bin/env python3
"""Compares two calm-gpu-stages dumps of one model and seed, the reference
(the CPU's) first, stage by stage, and prints one JSON line per stage.

    python3 bench/gpu/compare_stages.py CPU.bin GPU.bin --tolerance 1e-4

Per float stage: the largest |gpu - cpu| over max(1, max |cpu|) must be at
most --tolerance (1e-4 for f32 and L-Mul, whose products are the same bits
on both and whose sums differ only in order and in exp/log's last bits;
quantized activations can flip a rounding step: 1e-2); `bit_exact` says
whether every value has the same bits. Token stages: the fraction equal
must be 1 for the inputs (`ids`) and at least --tokens (default 0.99: a
near tie may break the other way) for the decoded tokens. Exit status 1
when a stage is outside its tolerance. Numpy only (the GPU machine has it).
"""
import argparse
import json
import sys

import numpy as np


def read(path):
    stages = {}
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        name = data[at:at + 32].split(b"\0")[0].decode()
        count = int(np.frombuffer(data, "<i8", 1, at + 32)[0])
        stages[name] = np.frombuffer(data, "<f4", count, at + 40)
        at += 40 + 4 * count
    return stages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference")
    ap.add_argument("candidate")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--tokens", type=float, default=0.99)
    a = ap.parse_args()
    ref, got = read(a.reference), read(a.candidate)
    failed = 0
    for name, r in ref.items():
        g = got.get(name)
        row = {"stage": name}
        if g is None or g.shape != r.shape:
            row.update(ok=False, why="missing or of another size")
        elif name in ("ids", "ae_decode_tokens"):
            equal = float(np.mean(g == r))
            row.update(equal=equal, ok=equal == 1.0 if name == "ids" else equal >= a.tokens)
        else:
            diff = float(np.max(np.abs(g.astype(np.float64) - r))) if r.size else 0.0
            scale = max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
            finite = bool(np.all(np.isfinite(g)))
            row.update(max_abs_diff=diff, scale=scale, relative=diff / scale,
                       bit_exact=bool(np.array_equal(g.view("<u4"), r.view("<u4"))),
                       ok=finite and diff / scale <= a.tolerance)
            if not finite:
                row["why"] = "non-finite values"
        failed += not row["ok"]
        print(json.dumps(row))
    print(json.dumps({"stages": len(ref), "failed": failed, "tolerance": a.tolerance}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
