#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (scripts/fuzz.sh).

Seeds come from the committed models, test fixtures and lit files; large
files are cut down so that each seed stays under the target's -max_len:
safetensors headers sliced from the real checkpoints (with small valid
files rebuilt from their first tensors), the models' config.json files,
small tokenizer.json files cut from the shipped one, text for the codec, and
the lit suite's MLIR split at `// -----`. Standard library only.

Usage: make_seeds.py SOURCE_DIR OUT_DIR
"""
import glob
import json
import os
import struct
import sys


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors_seeds(src, out):
    files = sorted(glob.glob(os.path.join(src, "models/*/model.safetensors")) +
                   glob.glob(os.path.join(src, "test/fixtures/*.safetensors")))
    for path in files:
        tag = os.path.basename(os.path.dirname(path)) + "-" + \
            os.path.basename(path).split(".")[0]
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = f.read(n)
        # The real header with no data: every tensor runs past the end.
        if n < 60000:
            write(out, "safetensors", tag + "-header", struct.pack("<Q", n) + header)
        # A small valid file: the first tensors, reshaped to a few elements.
        entries = json.loads(header)
        small, offset = {}, 0
        if "__metadata__" in entries:
            small["__metadata__"] = entries.pop("__metadata__")
        sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1}
        for name in sorted(entries)[:4]:
            dtype = entries[name]["dtype"]
            size = sizes.get(dtype, 4) * 3
            small[name] = {"dtype": dtype, "shape": [3],
                           "data_offsets": [offset, offset + size]}
            offset += size
        h = json.dumps(small).encode()
        write(out, "safetensors", tag + "-small",
              struct.pack("<Q", len(h)) + h + bytes(range(offset)))
    # Every dtype, an empty tensor and metadata.
    h = json.dumps({"__metadata__": {"format": "pt"},
                    "a": {"dtype": "F8_E4M3", "shape": [2, 1], "data_offsets": [0, 2]},
                    "b": {"dtype": "F64", "shape": [1], "data_offsets": [2, 10]},
                    "c": {"dtype": "BOOL", "shape": [0, 5], "data_offsets": [10, 10]},
                    "d": {"dtype": "I16", "shape": [], "data_offsets": [10, 12]}}).encode()
    write(out, "safetensors", "dtypes", struct.pack("<Q", len(h)) + h + bytes(12))


def config_seeds(src, out):
    for path in sorted(glob.glob(os.path.join(src, "models/*/config.json"))):
        write(out, "config", os.path.basename(os.path.dirname(path)),
              open(path, "rb").read())


def tokenizer_seeds(src, out):
    path = os.path.join(src, "models/calm-tiny/tokenizer.json")
    full = json.load(open(path, encoding="utf-8"))
    for keep in (256, 300, 400):
        t = json.loads(json.dumps(full))
        vocab = {k: v for k, v in t["model"]["vocab"].items() if v < keep}
        merges = [m for m in t["model"]["merges"]
                  if all(p in vocab for p in m.split(" ")) and
                  m.replace(" ", "") in vocab]
        t["model"]["vocab"] = vocab
        t["model"]["merges"] = merges
        for i, a in enumerate(t["added_tokens"]):
            a["id"] = keep + i
        write(out, "tokenizer-load", "tiny-%d" % keep,
              json.dumps(t, ensure_ascii=False))
    # The GPT-2 spelling: ByteLevel with its own regex, pairs as arrays.
    t = json.loads(json.dumps(full))
    t["model"]["vocab"] = {k: v for k, v in t["model"]["vocab"].items() if v < 256}
    t["model"]["merges"] = []
    t["added_tokens"] = [{"id": 256, "content": "<|endoftext|>", "special": True}]
    t["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False,
                          "use_regex": True}
    write(out, "tokenizer-load", "gpt2-style", json.dumps(t, ensure_ascii=False))

    texts = [open(os.path.join(src, "test/Tokenizer/Inputs/hard-cases.txt"),
                  "rb").read()]
    for name in ("models/calm-tiny/README.md", "test/Tools/Inputs/eval-text.txt"):
        data = open(os.path.join(src, name), "rb").read()
        texts += [data[i:i + 2048] for i in range(0, min(len(data), 8192), 2048)]
    texts += [b"Call me Ishmael.<|endoftext|>[PAD]", b"\xff\xfe\xc3(\xed\xa0\x80",
              b" " * 300 + b"1234567890" * 20]
    for i, text in enumerate(texts):
        write(out, "tokenizer-codec", "text-%d" % i, text)


def mlir_seeds(src, out):
    n = 0
    for path in sorted(glob.glob(os.path.join(src, "test/**/*.mlir"), recursive=True)):
        text = open(path, "rb").read()
        for part in text.split(b"\n// -----\n"):
            # Lit lines are comments; the first byte picks the mantissa bits.
            lines = [l for l in part.split(b"\n") if not l.startswith(b"//")]
            body = b"\n".join(lines).strip()
            if body and len(body) < 16000:
                write(out, "mlir-lmul", "%03d" % n, bytes([n % 25]) + body)
                n += 1


def main():
    src, out = sys.argv[1], sys.argv[2]
    safetensors_seeds(src, out)
    config_seeds(src, out)
    tokenizer_seeds(src, out)
    mlir_seeds(src, out)


if __name__ == "__main__":
    main()
