#!/usr/bin/env python3
"""Byte-mutation robustness check for calm-opt.

Takes the lit corpus (.mlir files), makes N mutated variants (byte flips,
random bytes, deleted / duplicated / swapped ranges, truncation), runs
calm-opt on each with the calm passes, and requires every run to end with
exit code 0 or 1: a signal (crash, abort), any other code, or a hang past the
timeout is a failure and the offending input is saved for a regression test.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

SANITIZER_REPORT = re.compile(rb"==[0-9]+==ERROR: [A-Za-z]+Sanitizer|: runtime error: ")

PASS_SETS = [
    ["--calm-mulf-to-lmul=mantissa-bits=3", "--convert-calm-to-arith"],
    ["--calm-mulf-to-lmul", "--canonicalize"],
    ["--canonicalize", "--convert-calm-to-arith", "--cse"],
    ["--verify-diagnostics"],
    ["--calm-mulf-to-lmul=mantissa-bits=2", "--calm-cpu-pipeline"],
    ["--calm-quantize-contractions=form=i8 granularity=channel", "--calm-energy-report=output=-"],
    ["--calm-lmul-contractions", "--calm-expand-float-casts", "--calm-vectorize-elementwise"],
    ["--calm-quantize-contractions=form=f8e4m3", "--calm-cpu-pipeline"],
]


def corpus_files(root):
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("Fuzz",)]
        files += [os.path.join(dirpath, f) for f in filenames if f.endswith(".mlir")]
    return sorted(files)


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not data:
            break
        kind = rng.randrange(7)
        i = rng.randrange(len(data))
        if kind == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data[i] = rng.randrange(256)
        elif kind == 2:
            data[i] = ord(rng.choice("0123456789-%@^#:,<>()[]{}x!\"?"))
        elif kind == 3:
            del data[i:i + rng.randint(1, 32)]
        elif kind == 4:
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randint(1, 64)]
        elif kind == 5:
            j = rng.randrange(len(data))
            a, b = sorted((i, j))
            n = min(rng.randint(1, 16), b - a)
            data[a:a + n], data[b:b + n] = data[b:b + n], data[a:a + n]
        else:
            del data[i:]
    return bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calm-opt", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--save", default=None, help="folder for failing inputs")
    args = parser.parse_args()

    files = corpus_files(args.corpus)
    if not files:
        sys.exit(f"error: no .mlir files under {args.corpus}")
    rng = random.Random(args.seed)
    sources = {f: open(f, "rb").read() for f in files}
    failures = 0
    codes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.variants):
            src = rng.choice(files)
            data = mutate(sources[src], rng)
            path = os.path.join(tmp, f"v{n}.mlir")
            with open(path, "wb") as f:
                f.write(data)
            passes = rng.choice(PASS_SETS)
            cmd = [args.calm_opt, path, "--split-input-file", "-o", os.devnull] + passes
            try:
                proc = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, timeout=args.timeout)
                rc = proc.returncode
                # A sanitizer report is a failure whatever the exit status
                # (the sanitizer build also aborts on one: scripts/sanitize.sh).
                if SANITIZER_REPORT.search(proc.stderr):
                    rc = "sanitizer report"
            except subprocess.TimeoutExpired:
                rc = "timeout"
            codes[rc] = codes.get(rc, 0) + 1
            if rc not in (0, 1):
                failures += 1
                where = ""
                if args.save:
                    os.makedirs(args.save, exist_ok=True)
                    where = os.path.join(args.save, f"crash-{args.seed}-{n}.mlir")
                    with open(where, "wb") as f:
                        f.write(data)
                print(f"FAIL variant {n} of {os.path.relpath(src, args.corpus)} "
                      f"({' '.join(passes)}): exit {rc} {where}")
    summary = ", ".join(f"exit {k}: {v}" for k, v in sorted(codes.items(), key=str))
    print(f"mutated variants: {args.variants} from {len(files)} files ({summary})")
    print(f"{args.variants - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
