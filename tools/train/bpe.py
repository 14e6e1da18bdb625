"""Train a byte-level BPE (Llama-3 split pattern) on the training split; write HF tokenizer.json.

usage: /usr/bin/python3 tools/train/bpe.py --vocab-size 4096 --out models/tokenizer.json
Ids: 0..255 the byte alphabet (GPT-2 byte order by byte value), then merges in order,
then <|endoftext|> (eos) = V-2 and [PAD] = V-1.
"""
import argparse, collections, json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from tokenizer import bytes_to_unicode, LLAMA3_PATTERN  # noqa: E402
import corpus  # noqa: E402

EOS = "<|endoftext|>"
PAD = "[PAD]"


def train_bpe(texts, n_merges):
    import regex
    pat = regex.compile(LLAMA3_PATTERN)
    b2u = bytes_to_unicode()
    counts = collections.Counter()
    for t in texts:
        counts.update(pat.findall(t))
    words, freqs = [], []
    for piece, c in counts.items():
        words.append([b2u[b] for b in piece.encode("utf-8")])
        freqs.append(c)
    pair_counts = collections.defaultdict(int)
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[wi]
            where[(a, b)].add(wi)
    merges = []
    for step in range(n_merges):
        if not pair_counts:
            break
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merges.append(best)
        a, b = best
        new = a + b
        for wi in list(where[best]):
            w = words[wi]
            f = freqs[wi]
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                if pair_counts[p] <= 0:
                    del pair_counts[p]
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for p in zip(out, out[1:]):
                pair_counts[p] += f
                where[p].add(wi)
        del where[best]
        pair_counts.pop(best, None)
    return merges


def build_tokenizer_json(merges, vocab_size):
    b2u = bytes_to_unicode()
    vocab = {}
    for b in range(256):
        vocab[b2u[b]] = b
    for a, b in merges:
        vocab[a + b] = len(vocab)
    assert len(vocab) == vocab_size - 2, (len(vocab), vocab_size)
    eos_id, pad_id = vocab_size - 2, vocab_size - 1
    special = lambda c, i: {"id": i, "content": c, "single_word": False, "lstrip": False,
                            "rstrip": False, "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(EOS, eos_id), special(PAD, pad_id)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.time()
    train, _ = corpus.load_split(brown=False)   # the shipped tokenizer predates Brown
    merges = train_bpe([t for _, t in train], args.vocab_size - 258)
    tj = build_tokenizer_json(merges, args.vocab_size)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=1)
    print("wrote %s: %d merges in %.1fs" % (args.out, len(merges), time.time() - t0))


if __name__ == "__main__":
    main()
