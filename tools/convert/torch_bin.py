"""Read a PyTorch pickle checkpoint (pytorch_model.bin, zip format of torch >= 1.6) WITHOUT torch.

Returns {name: (dtype, shape, raw little-endian bytes)} in safetensors dtype names. Only the classes
a state_dict needs are allowed by the unpickler (OrderedDict, tensor rebuild, typed storages)."""
import pickle, struct, zipfile, collections

_STORAGE_DTYPES = {"FloatStorage": ("F32", 4), "BFloat16Storage": ("BF16", 2), "HalfStorage": ("F16", 2),
                   "DoubleStorage": ("F64", 8), "LongStorage": ("I64", 8), "IntStorage": ("I32", 4),
                   "ShortStorage": ("I16", 2), "ByteStorage": ("U8", 1), "CharStorage": ("I8", 1),
                   "BoolStorage": ("BOOL", 1)}
_DTYPE_NAMES = {"float32": "FloatStorage", "bfloat16": "BFloat16Storage", "float16": "HalfStorage",
                "float64": "DoubleStorage", "int64": "LongStorage", "int32": "IntStorage"}


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Storage:
    def __init__(self, dtype, size, data):
        self.dtype, self.size, self.data = dtype, size, data


class _Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, list(shape), list(stride)

    def raw(self):
        dt, sz = self.storage.dtype
        n = 1
        for s in self.shape:
            n *= s
        # contiguous row-major?
        exp, acc = [], 1
        for s in reversed(self.shape):
            exp.insert(0, acc)
            acc *= s
        data = self.storage.data
        if n == 0:
            return dt, b""
        if all(st == e for st, e, s in zip(self.stride, exp, self.shape) if s > 1):
            return dt, data[self.offset * sz:(self.offset + n) * sz]
        out = bytearray()
        idx = [0] * len(self.shape)
        for _ in range(n):
            o = self.offset + sum(i * st for i, st in zip(idx, self.stride))
            out += data[o * sz:(o + 1) * sz]
            for ax in range(len(idx) - 1, -1, -1):
                idx[ax] += 1
                if idx[ax] < self.shape[ax]:
                    break
                idx[ax] = 0
        return dt, bytes(out)


def _rebuild_tensor_v2(storage, offset, size, stride, *args, **kw):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, *args):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, zf, prefix):
        super().__init__(f)
        self.zf, self.prefix, self.cache = zf, prefix, {}

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and name in _DTYPE_NAMES:
            return _StorageType(_DTYPE_NAMES[name])
        raise pickle.UnpicklingError("pytorch_model.bin: unsupported pickled object %s.%s" % (module, name))

    def persistent_load(self, pid):
        typename, stype, key, location, numel = pid[:5]
        if typename != "storage":
            raise pickle.UnpicklingError("unsupported persistent id %r" % (typename,))
        if isinstance(stype, _StorageType):
            dt = _STORAGE_DTYPES[stype.name]
        else:  # torch >= 2 untyped storage: dtype is in the rebuild call; treat as bytes
            raise pickle.UnpicklingError("untyped storage not supported")
        if key not in self.cache:
            self.cache[key] = _Storage(dt, numel, self.zf.read(self.prefix + "data/" + str(key)))
        return self.cache[key]


def load_bin(path):
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pk = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if not pk:
            raise ValueError("%s: not a zip-format PyTorch checkpoint (legacy format unsupported)" % path)
        prefix = pk[0][: -len("data.pkl")]
        import io
        obj = _Unpickler(io.BytesIO(zf.read(pk[0])), zf, prefix).load()
    if isinstance(obj, dict) and "state_dict" in obj and not isinstance(obj.get("state_dict"), _Tensor):
        obj = obj["state_dict"]
    out = {}
    for k, t in obj.items():
        if not isinstance(t, _Tensor):
            continue
        dt, raw = t.raw()
        out[k] = (dt, list(t.shape), raw)
    return out
