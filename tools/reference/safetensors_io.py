"""Tiny safetensors reader/writer (no dependency on the safetensors package).

File = u64 little-endian header length N, N bytes of JSON header
({name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}), raw little-endian data.
read_header() is pure stdlib; load()/save() need torch.
"""
import json, struct

DTYPE_SIZE = {"F32": 4, "BF16": 2, "F16": 2, "I64": 8, "I32": 4, "I16": 2, "U8": 1, "F64": 8}


def read_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n).decode("utf-8"))
    return hdr, 8 + n


def read_raw(path):
    """Pure-stdlib: returns {name: (dtype, shape, bytes)}."""
    hdr, base = read_header(path)
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = (v["dtype"], v["shape"], data[base + b: base + e])
    return out


def to_floats(dtype, raw):
    """Pure-stdlib decode of F32 / BF16 bytes to a list of Python floats."""
    if dtype == "F32":
        return list(struct.unpack("<%df" % (len(raw) // 4), raw))
    if dtype == "BF16":
        h = struct.unpack("<%dH" % (len(raw) // 2), raw)
        return list(struct.unpack("<%df" % len(h), struct.pack("<%dI" % len(h), *[x << 16 for x in h])))
    if dtype == "I64":
        return list(struct.unpack("<%dq" % (len(raw) // 8), raw))
    if dtype == "I32":
        return list(struct.unpack("<%di" % (len(raw) // 4), raw))
    raise ValueError("unsupported dtype " + dtype)


def _torch_dtypes():
    import torch
    return {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64,
            "I32": torch.int32, "I16": torch.int16, "U8": torch.uint8, "F64": torch.float64}


def load(path):
    import torch
    td = _torch_dtypes()
    hdr, base = read_header(path)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    out = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        buf = data[base + b: base + e]
        dt = td[v["dtype"]]
        if len(buf) == 0:
            t = torch.empty(v["shape"], dtype=dt)
        else:
            t = torch.frombuffer(bytearray(buf), dtype=dt).reshape(v["shape"]).clone()
        out[k] = t
    return out


def save(tensors, path, metadata=None):
    import torch
    inv = {v: k for k, v in _torch_dtypes().items()}
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    header["__metadata__"].setdefault("format", "pt")
    blobs, off = [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[k] = {"dtype": inv[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for r in blobs:
            f.write(r)
