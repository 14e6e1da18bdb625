#!/usr/bin/env python3
"""Writes the hostile-input corpus of test/Robustness from the shipped models.

Each case is a directory (a CALM checkpoint with one defect, its autoencoder
named by absolute path) or a file, written at test time so that nothing large
is committed. Standard library only.

Usage: make_hostile.py MODELS_DIR OUT_DIR [checkpoints|prompts|limits]
(default: checkpoints and prompts; limits: the cases that used to allocate
without bound)
"""
import json
import os
import shutil
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def write_safetensors(path, header, payload, length=None):
    h = json.dumps(header, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h) if length is None else length))
        f.write(h)
        f.write(payload)


class Corpus:
    def __init__(self, models, out, only=None):
        self.only = only
        self.calm = os.path.join(models, "calm-tiny")
        self.ae = os.path.abspath(os.path.join(models, "calm-tiny-ae"))
        self.out = out
        self.config = json.load(open(os.path.join(self.calm, "config.json")))
        self.header, self.payload = read_safetensors(
            os.path.join(self.calm, "model.safetensors"))

    def case(self, name, config=None, header=None, payload=None, raw=None,
             ae=None):
        """A checkpoint directory: the shipped CALM with what is given
        replaced; raw replaces model.safetensors' bytes outright."""
        d = os.path.join(self.out, name)
        if self.only is not None and name not in self.only:
            return d
        os.makedirs(d, exist_ok=True)
        c = dict(self.config, ae_path=ae or self.ae)
        c.update(config or {})
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f)
        shutil.copy(os.path.join(self.calm, "tokenizer.json"), d)
        st = os.path.join(d, "model.safetensors")
        if raw is not None:
            with open(st, "wb") as f:
                f.write(raw)
        elif header is None and payload is None:
            os.symlink(os.path.abspath(os.path.join(self.calm, "model.safetensors")), st)
        else:
            write_safetensors(st, header or self.header,
                              self.payload if payload is None else payload)
        return d

    def ae_case(self, name, config):
        d = os.path.join(self.out, name)
        os.makedirs(d, exist_ok=True)
        c = json.load(open(os.path.join(self.ae, "config.json")))
        c.update(config)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f)
        os.symlink(os.path.join(self.ae, "model.safetensors"),
                   os.path.join(d, "model.safetensors"))
        return d


def first_tensor(header, dtype="BF16"):
    """The first tensor (by offset) of `dtype`, and its entry."""
    items = [(k, v) for k, v in header.items()
             if k != "__metadata__" and v["dtype"] == dtype]
    return min(items, key=lambda kv: kv[1]["data_offsets"][0])


def main():
    models, out = sys.argv[1], sys.argv[2]
    which = sys.argv[3] if len(sys.argv) > 3 else "both"
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    limits = ["header-2-63", "config-huge", "config-layers", "ae-layers",
              "ae-layers-ae", "tokenizer-sparse", "deep-header",
              "deep-config", "deep-tokenizer"]
    c = Corpus(models, out, limits if which == "limits" else None)
    if which in ("checkpoints", "both", "limits"):
        checkpoints(c)
    if which in ("prompts", "both"):
        prompts(c)


def checkpoints(c):
    original = open(os.path.join(c.calm, "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", original[:8])[0]

    # Safetensors defects.
    c.case("truncated", raw=original[:8 + n + len(c.payload) // 2])
    c.case("header-only", raw=original[:5])
    c.case("header-2-63", raw=struct.pack("<Q", 1 << 63) + original[8:])
    c.case("header-past-end", raw=struct.pack("<Q", len(original)) + original[8:])
    h = json.loads(json.dumps(c.header))
    name, entry = first_tensor(h)
    second = sorted((k for k in h if k != "__metadata__" and k != name and
                     h[k]["dtype"] == entry["dtype"] and
                     h[k]["shape"] == entry["shape"]))[0]
    h[second]["data_offsets"] = list(entry["data_offsets"])
    c.case("overlap", header=h)
    h = json.loads(json.dumps(c.header))
    name, entry = first_tensor(h)
    entry["shape"] = entry["shape"][:-1] + [entry["shape"][-1] + 1]
    c.case("dtype-size", header=h)
    h = json.loads(json.dumps(c.header))
    name, entry = first_tensor(h)
    entry["dtype"] = "F32"
    c.case("dtype-f32", header=h)
    h = json.loads(json.dumps(c.header))
    name, entry = first_tensor(h)
    entry["dtype"] = "I16"
    c.case("dtype-int", header=h)
    # A valid file whose tensor has the wrong shape for the config: the
    # same bytes as [a, b] read as [b, a].
    h = json.loads(json.dumps(c.header))
    name = "transformer.layers.0.mlp.up_proj.weight"
    h[name]["shape"] = h[name]["shape"][::-1]
    c.case("shape-transposed", header=h)

    # NaN and inf weights (bf16: 0x7FC0 NaN, 0x7F80 inf) in the middle of a
    # backbone matrix.
    for label, bits in (("nan", 0x7FC0), ("inf", 0xFF80)):
        h = c.header
        begin, end = h["transformer.layers.1.self_attn.q_proj.weight"]["data_offsets"]
        p = bytearray(c.payload)
        at = begin + 2 * 1000
        p[at:at + 2] = struct.pack("<H", bits)
        c.case("weights-" + label, payload=bytes(p))

    # Config defects: zero, negative, huge sizes; K and latent size that do
    # not match the autoencoder; an absurd layer count.
    c.case("config-zero", config={"hidden_size": 0})
    c.case("config-negative", config={"num_attention_heads": -4})
    c.case("config-huge", config={"vocab_size": 1 << 40})
    c.case("config-layers", config={"num_hidden_layers": 2147483647})
    c.case("config-k", config={"patch_size": 8})
    c.case("config-string", config={"latent_size": "64"})
    c.case("config-context", config={"max_position_embeddings": 16})
    c.case("ae-layers", ae=c.ae_case("ae-layers-ae",
                                     {"num_encoder_layers": 1000000}))
    c.case("ae-zero", ae=c.ae_case("ae-zero-ae", {"latent_size": 0}))


    # JSON nested a million levels deep (llvm::json::parse recurses).
    deep = b"[" * 1000000
    c.case("deep-header", raw=struct.pack("<Q", len(deep)) + deep)
    d = c.case("deep-config")
    with open(os.path.join(d, "config.json"), "wb") as f:
        f.write(b'{"model_type": "energy", "x": ' + deep)
    d = c.case("deep-tokenizer")
    with open(os.path.join(d, "tokenizer.json"), "wb") as f:
        f.write(b'{"model": ' + b'{"a": ' * 1000000)

    # Tokenizer defects: an id far beyond the tokens in the file.
    d = c.case("tokenizer-sparse")
    if not os.path.isdir(d):
        return
    t = json.load(open(os.path.join(d, "tokenizer.json"), encoding="utf-8"))
    t["added_tokens"][1]["id"] = 16000000
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(t, f, ensure_ascii=False)



def prompts(c):
    out = c.out
    c.case("config-positions", config={"max_position_embeddings": 2147483647})
    # Prompts: 100 MB on one line, longer than a small context, invalid UTF-8.
    with open(os.path.join(out, "prompt-100mb.txt"), "wb") as f:
        f.write(b"Call me Ishmael. " * (100 * 1000 * 1000 // 17))
    with open(os.path.join(out, "prompt-long.txt"), "wb") as f:
        f.write(b"Call me Ishmael. " * 120)
    with open(os.path.join(out, "prompt-invalid-utf8.txt"), "wb") as f:
        f.write(b"Call me \xff\xfe Ishmael \xc3( \xed\xa0\x80 \xf4\x90\x80\x80.")


if __name__ == "__main__":
    main()
