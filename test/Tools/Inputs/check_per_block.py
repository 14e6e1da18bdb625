"""Checks calm-run eval --json --per-block output against the run without it.

  check_per_block.py brier PER_BLOCK.json PLAIN.json BLOCK_TOKENS
  check_per_block.py reconstruction PER_BLOCK.json BLOCK_TOKENS

brier: one [s1, s2, s3, s4, positions] per block, as many as the tokens fill, whose sums divided by
the positions are the totals (to the 6 printed digits), and the totals equal the plain run's.
reconstruction: one [correct tokens, tokens, correct chunks, chunks] per block, summing to the
totals, each count within its block.
"""
import json
import sys


def fail(msg):
    sys.exit("check_per_block: " + msg)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    r = json.load(open(path))
    blocks = r["per_block"]
    if kind == "brier":
        plain, block = json.load(open(sys.argv[3])), int(sys.argv[4])
        if len(blocks) != r["tokens"] // block:
            fail("%d blocks for %d tokens" % (len(blocks), r["tokens"]))
        positions = sum(b[4] for b in blocks)
        if positions != r["positions"]:
            fail("positions %d != %d" % (positions, r["positions"]))
        for n in range(4):
            mean = sum(b[n] for b in blocks) / positions
            key = "brier%d" % (n + 1)
            if abs(mean - r[key]) > 2e-6:
                fail("%s: blocks give %.7f, total %.6f" % (key, mean, r[key]))
            if r[key] != plain[key]:
                fail("%s differs from the run without --per-block" % key)
    else:
        block = int(sys.argv[3])
        if sum(b[1] for b in blocks) != r["tokens"] or sum(b[3] for b in blocks) != r["chunks"]:
            fail("block sizes do not sum to the totals")
        for b in blocks:
            if b[1] != block or not (0 <= b[0] <= b[1] and 0 <= b[2] <= b[3]):
                fail("bad block %r" % b)
        acc = sum(b[0] for b in blocks) / r["tokens"]
        if abs(acc - r["token_accuracy"]) > 2e-6:
            fail("token accuracy %.7f != %.6f" % (acc, r["token_accuracy"]))
    print("per-block %s: %d blocks consistent" % (kind, len(blocks)))


if __name__ == "__main__":
    main()
