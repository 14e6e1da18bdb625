"""Convert an official CALM / autoencoder / Llama checkpoint directory into the layout the calm-mlir
runtime loads: one model.safetensors with canonical names, config.json, tokenizer files.

  python3 tools/convert/convert.py SRC_DIR OUT_DIR [--ae-path PATH] [--dtype keep|f32|bf16]

Accepts model.safetensors, sharded safetensors (model.safetensors.index.json), pytorch_model.bin and
sharded .bin (pytorch_model.bin.index.json). Canonicalizes the energy head prefix generative_head.* ->
mlp_generator.* (when both are present they must be identical, and only one copy is kept), drops the
AE output matrix decoder.lm_head_weight when it equals encoder.embed_tokens.weight (tied), keeps it
when untied. Validates every name and shape against shared/spec/calm.md given config.json; any
problem is reported as ONE line "convert: error: ..." and exit status 2. Pure Python (no torch).
"""
import argparse, json, os, shutil, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import calm_layout, torch_bin  # noqa: E402

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                   "generation_config.json")
DSIZE = {"F32": 4, "BF16": 2, "F16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "U8": 1, "I8": 1, "BOOL": 1}


class ConvertError(Exception):
    pass


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ConvertError("%s: truncated safetensors file" % path)
    n = struct.unpack("<Q", data[:8])[0]
    try:
        hdr = json.loads(data[8:8 + n].decode("utf-8"))
    except ValueError as e:
        raise ConvertError("%s: bad safetensors header (%s)" % (path, e))
    out = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = (v["dtype"], list(v["shape"]), data[8 + n + b: 8 + n + e])
    return out


def write_safetensors(tensors, path, metadata=None):
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    off, blobs = 0, []
    for k in sorted(tensors):
        dt, shape, raw = tensors[k]
        header[k] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for r in blobs:
            f.write(r)


def load_weights(src):
    """All tensors of a checkpoint directory -> {name: (dtype, shape, raw)}; the files used."""
    def from_index(index, loader):
        with open(index) as f:
            wm = json.load(f)["weight_map"]
        out = {}
        for shard in sorted(set(wm.values())):
            p = os.path.join(src, shard)
            if not os.path.exists(p):
                raise ConvertError("%s: shard %s listed in %s is missing" % (src, shard, os.path.basename(index)))
            part = loader(p)
            for k in part:
                if k in out:
                    raise ConvertError("%s: tensor %s appears in more than one shard" % (src, k))
            out.update(part)
        missing = [k for k in wm if k not in out]
        if missing:
            raise ConvertError("%s: tensor %s listed in the index is in no shard" % (src, missing[0]))
        return out, [index]

    cands = [("model.safetensors", read_safetensors), ("model.safetensors.index.json", None),
             ("pytorch_model.bin", torch_bin.load_bin), ("pytorch_model.bin.index.json", None)]
    for name, loader in cands:
        p = os.path.join(src, name)
        if not os.path.exists(p):
            continue
        if name.endswith(".index.json"):
            return from_index(p, read_safetensors if "safetensors" in name else torch_bin.load_bin)
        try:
            return loader(p), [p]
        except ConvertError:
            raise
        except Exception as e:  # noqa: BLE001 (report any reader failure in one line)
            raise ConvertError("%s: cannot read (%s)" % (p, str(e).splitlines()[0] if str(e) else type(e).__name__))
    raise ConvertError("%s: no model.safetensors, pytorch_model.bin or shard index found" % src)


def to_dtype(t, dtype):
    dt, shape, raw = t
    if dtype == "keep" or dtype.upper() == dt:
        return t
    want = {"f32": "F32", "bf16": "BF16"}[dtype]
    n = len(raw) // DSIZE[dt]
    if dt == "BF16":
        vals = struct.unpack("<%dH" % n, raw)
        f = struct.pack("<%dI" % n, *[v << 16 for v in vals])
    elif dt == "F16":
        f = struct.pack("<%df" % n, *struct.unpack("<%de" % n, raw))
    elif dt == "F32":
        f = raw
    else:
        raise ConvertError("cannot convert %s tensors to %s" % (dt, want))
    if want == "F32":
        return ("F32", shape, f)
    u = struct.unpack("<%dI" % n, f)
    # round to nearest even
    b = [((x + 0x7FFF + ((x >> 16) & 1)) >> 16) & 0xFFFF for x in u]
    return ("BF16", shape, struct.pack("<%dH" % n, *b))


def canonicalize(kind, tensors):
    t = dict(tensors)
    for pre in ("", "ae_model."):
        heads = [k for k in t if k.startswith(pre + "generative_head.")]
        if pre == "" and heads:
            for k in heads:
                canon = "mlp_generator." + k[len("generative_head."):]
                if canon in t and t[canon][2] != t[k][2]:
                    raise ConvertError("%s differs from its alias %s" % (k, canon))
                t[canon] = t.pop(k)
        tied = pre + "decoder.lm_head_weight"
        emb = pre + "encoder.embed_tokens.weight"
        if tied in t and emb in t and t[tied][1] == t[emb][1] and t[tied][2] == t[emb][2]:
            del t[tied]
    return t


def validate(kind, cfg, t, ae_cfg=None, where=""):
    try:
        if kind == "autoencoder":
            exp = calm_layout.autoencoder_tensors(cfg)
            opt = {calm_layout.AE_OPTIONAL: [cfg["vocab_size"], cfg["hidden_size"]]}
        elif kind == "calm":
            exp = calm_layout.calm_tensors(cfg)
            opt = {}
            if any(k.startswith("ae_model.") for k in t):
                if ae_cfg is not None:
                    exp.update(calm_layout.autoencoder_tensors(ae_cfg, "ae_model."))
                    opt["ae_model." + calm_layout.AE_OPTIONAL] = [ae_cfg["vocab_size"], ae_cfg["hidden_size"]]
                else:
                    opt.update({k: v[1] for k, v in t.items() if k.startswith("ae_model.")})
        else:
            exp = calm_layout.twin_tensors(cfg)
            opt = {"lm_head.weight": [cfg["vocab_size"], cfg["hidden_size"]]}
    except KeyError as e:
        raise ConvertError("%sconfig.json lacks field %s" % (where, e))
    for k in sorted(exp):
        if k not in t:
            raise ConvertError("%smissing tensor %s (expected shape %s)" % (where, k, exp[k]))
    for k in sorted(t):
        dt, shape, raw = t[k]
        want = exp.get(k, opt.get(k))
        if want is None:
            raise ConvertError("%sunexpected tensor %s %s" % (where, k, shape))
        if list(shape) != list(want):
            raise ConvertError("%stensor %s has shape %s, expected %s" % (where, k, list(shape), list(want)))
        if dt not in DSIZE:
            raise ConvertError("%stensor %s has unsupported dtype %s" % (where, k, dt))
        n = DSIZE[dt]
        for s in shape:
            n *= s
        if n != len(raw):
            raise ConvertError("%stensor %s: %d bytes for shape %s %s" % (where, k, len(raw), shape, dt))


def convert(src, out, ae_path=None, dtype="keep"):
    cfg_path = os.path.join(src, "config.json")
    if not os.path.exists(cfg_path):
        raise ConvertError("%s: no config.json" % src)
    with open(cfg_path) as f:
        cfg = json.load(f)
    try:
        kind = calm_layout.kind_of(cfg)
    except ValueError as e:
        raise ConvertError("%s: %s" % (cfg_path, e))
    tensors, files = load_weights(src)
    tensors = canonicalize(kind, tensors)
    ae_cfg = None
    if kind == "calm":
        if ae_path is not None:
            cfg["ae_path"] = ae_path
        ap = cfg.get("ae_path")
        base = out if ae_path is not None else src
        if ap:
            cand = ap if os.path.isabs(ap) else os.path.join(base, ap)
            if os.path.exists(os.path.join(cand, "config.json")):
                with open(os.path.join(cand, "config.json")) as f:
                    ae_cfg = json.load(f)
    validate(kind, cfg, tensors, ae_cfg, where="%s: " % files[0])
    tensors = {k: to_dtype(v, dtype) for k, v in tensors.items()}
    os.makedirs(out, exist_ok=True)
    write_safetensors(tensors, os.path.join(out, "model.safetensors"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    for n in TOKENIZER_FILES:
        if os.path.exists(os.path.join(src, n)) and os.path.abspath(src) != os.path.abspath(out):
            shutil.copy(os.path.join(src, n), os.path.join(out, n))
    return kind, len(tensors)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--ae-path", help="override the CALM config's ae_path (relative to OUT or absolute)")
    ap.add_argument("--dtype", default="keep", choices=["keep", "f32", "bf16"])
    a = ap.parse_args(argv)
    try:
        kind, n = convert(a.src, a.out, a.ae_path, a.dtype)
    except ConvertError as e:
        print("convert: error: %s" % e, file=sys.stderr)
        return 2
    print("convert: %s, %d tensors -> %s" % (kind, n, os.path.join(a.out, "model.safetensors")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
