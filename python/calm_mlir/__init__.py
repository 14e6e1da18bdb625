"""calm_mlir: run CALM models (and token-level Llamas) from Python.

A thin ctypes layer over libcalm, the runtime's C API (include/calm-c/calm.h,
docs/C-API.md): no compiled extension, no LLVM or MLIR in the process when
a model library (``calm-run compile -o``) is given.

    from calm_mlir import Model
    with Model("models/calm-tiny", library="tiny.so") as m:
        print(m.generate("Call me Ishmael.", max_tokens=32, seed=3))
        for piece in m.stream("Call me Ishmael.", max_tokens=32):
            print(piece, end="", flush=True)
        print(m.eval(open("text.txt").read(), block_size=256))

libcalm is found at $CALM_LIBCALM, else in the build tree beside this
package (build/lib), else by the dynamic loader (libcalm.so.1).
"""

import ctypes
import ctypes.util
import json
import os
import queue
import threading

__all__ = ["CalmError", "Model", "api_version"]


class CalmError(RuntimeError):
    """An error from libcalm, with the runtime's one-line message."""


_TEXT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_char),
                            ctypes.c_size_t, ctypes.c_void_p)
_lib = None
_lib_lock = threading.Lock()


def _find_libcalm():
    explicit = os.environ.get("CALM_LIBCALM")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))
    in_tree = os.path.join(here, "..", "..", "build", "lib", "libcalm.so.1")
    if os.path.exists(in_tree):
        return os.path.normpath(in_tree)
    return ctypes.util.find_library("calm") or "libcalm.so.1"


def _load():
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = _find_libcalm()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise CalmError(f"cannot load libcalm ({path}): {e}; set "
                            "CALM_LIBCALM to its path") from None
        c = ctypes
        sig = {
            "calm_api_version": (c.c_int, []),
            "calm_last_error": (c.c_char_p, []),
            "calm_model_open": (c.c_void_p, [c.c_char_p, c.c_char_p,
                                             c.c_char_p, c.c_int]),
            "calm_model_close": (None, [c.c_void_p]),
            "calm_model_info": (c.c_char_p, [c.c_void_p]),
            "calm_session_new": (c.c_void_p, [c.c_void_p, c.c_uint64]),
            "calm_session_free": (None, [c.c_void_p]),
            "calm_generate": (c.c_int64, [c.c_void_p, c.c_char_p, c.c_size_t,
                                          c.c_int64, c.c_double, c.c_int64,
                                          _TEXT_FN, c.c_void_p]),
            "calm_eval": (c.c_int, [c.c_void_p, c.c_char_p, c.c_size_t,
                                    c.c_int64, c.c_uint64,
                                    c.POINTER(c.c_double)]),
            "calm_tokenize": (c.c_int64, [c.c_void_p, c.c_char_p, c.c_size_t,
                                          c.POINTER(c.c_int32), c.c_int64]),
            "calm_detokenize": (c.c_int64, [c.c_void_p, c.POINTER(c.c_int32),
                                            c.c_int64, c.c_char_p,
                                            c.c_size_t]),
        }
        for name, (restype, argtypes) in sig.items():
            f = getattr(lib, name)
            f.restype, f.argtypes = restype, argtypes
        _lib = lib
        return lib


def _error(lib):
    message = lib.calm_last_error()
    return CalmError(message.decode("utf-8", "replace") if message
                     else "libcalm failed without a message")


def api_version():
    """The C API version libcalm was built with (CALM_API_VERSION)."""
    return _load().calm_api_version()


def _encode(text):
    return text if isinstance(text, bytes) else text.encode("utf-8")


class Model:
    """A model directory opened with its compiled code.

    ``library``: a model library from ``calm-run compile -o`` (None: compile
    on demand, or take the cached library). ``numerics``: None for the
    library's (or f32), else as calm-run spells it, e.g. ``"i8/channel"``.
    ``threads``: threads of the linear layers, 0 for every core. Calls may
    come from several threads at once.
    """

    def __init__(self, model_dir, library=None, numerics=None, threads=0):
        self._lib = _load()
        self._model = None
        # Calls in flight: close() waits for them instead of freeing the
        # model under them.
        self._calls = 0
        self._idle = threading.Condition()
        if not isinstance(threads, int) or threads < 0:
            raise CalmError("threads must be an integer >= 0")
        self._model = self._lib.calm_model_open(
            os.fsencode(model_dir), os.fsencode(library) if library else None,
            numerics.encode() if numerics else None, threads)
        if not self._model:
            raise _error(self._lib)
        self.info = json.loads(self._lib.calm_model_info(self._model))

    def close(self):
        """Closes the model once the calls in flight (other threads',
        unfinished streams') have returned."""
        with self._idle:
            model, self._model = self._model, None
            self._idle.wait_for(lambda: self._calls == 0)
        if model:
            self._lib.calm_model_close(model)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _enter(self):
        """The model handle, counted as in use until _leave()."""
        with self._idle:
            if not self._model:
                raise CalmError("the model is closed")
            self._calls += 1
            return self._model

    def _leave(self):
        with self._idle:
            self._calls -= 1
            self._idle.notify_all()

    def _call(self, fn, *args):
        model = self._enter()
        try:
            return fn(model, *args)
        finally:
            self._leave()

    def _generate(self, prompt, max_tokens, temperature, seed, samples,
                  on_text):
        """Runs one generation in a session of its own; on_text(bytes) returns
        True to stop. Returns the tokens generated."""
        if not isinstance(max_tokens, int) or not isinstance(samples, int):
            raise CalmError("max_tokens and samples must be integers")
        data = _encode(prompt)
        raised = []

        def callback(ptr, size, _user):
            # An exception (KeyboardInterrupt included) would be printed and
            # swallowed by ctypes: keep it, stop, and raise it afterwards.
            try:
                return 1 if on_text(ctypes.string_at(ptr, size)) else 0
            except BaseException as e:
                raised.append(e)
                return 1

        fn = _TEXT_FN(callback)  # alive until calm_generate returns

        def run(model):
            session = self._lib.calm_session_new(model, seed & (2**64 - 1))
            if not session:
                raise _error(self._lib)
            try:
                n = self._lib.calm_generate(session, data, len(data),
                                            max_tokens, float(temperature),
                                            samples, fn, None)
                if n < 0:
                    raise _error(self._lib)
                return n
            finally:
                self._lib.calm_session_free(session)

        n = self._call(run)
        if raised:
            raise raised[0]
        return n

    def generate(self, prompt, max_tokens=64, temperature=1.0, seed=0,
                 samples=0):
        """The text generated from ``prompt``, as ``calm-run generate --seed
        SEED`` prints it (without its final newline)."""
        pieces = []

        def keep(data):
            pieces.append(data)
            return False

        self._generate(prompt, max_tokens, temperature, seed, samples, keep)
        return b"".join(pieces).decode("utf-8", "replace")

    def stream(self, prompt, max_tokens=64, temperature=1.0, seed=0,
               samples=0):
        """Yields the text of generate() as it decodes, a chunk at a time.
        Closing the generator early stops the generation at the next chunk."""
        pieces = queue.Queue()
        stop = threading.Event()
        done = object()
        failure = []

        def on_text(data):
            pieces.put(data)
            return stop.is_set()

        def worker():
            try:
                self._generate(prompt, max_tokens, temperature, seed, samples,
                               on_text)
            except BaseException as e:  # raised in the consumer's thread
                failure.append(e)
            finally:
                pieces.put(done)

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        try:
            while True:
                item = pieces.get()
                if item is done:
                    break
                yield item.decode("utf-8", "replace")
            if failure:
                raise failure[0]
        finally:
            stop.set()
            thread.join()

    def eval(self, text, block_size=512, seed=0):
        """BrierLM of ``text`` as one document, as ``calm-run eval --json``:
        a dict with brier1..brier4 and brierlm."""
        data = _encode(text)
        out = (ctypes.c_double * 5)()
        if self._call(self._lib.calm_eval, data, len(data), block_size,
                      seed & (2**64 - 1), out) != 0:
            raise _error(self._lib)
        keys = ["brier1", "brier2", "brier3", "brier4", "brierlm"]
        return dict(zip(keys, list(out)))

    def tokenize(self, text):
        """The token ids of ``text`` (no special tokens added)."""
        data = _encode(text)
        n = self._call(self._lib.calm_tokenize, data, len(data), None, 0)
        if n < 0:
            raise _error(self._lib)
        ids = (ctypes.c_int32 * n)()
        self._call(self._lib.calm_tokenize, data, len(data), ids, n)
        return list(ids)

    def detokenize(self, ids):
        """The bytes of ``ids``."""
        arr = (ctypes.c_int32 * len(ids))(*ids)
        n = self._call(self._lib.calm_detokenize, arr, len(ids), None, 0)
        if n < 0:
            raise _error(self._lib)
        out = ctypes.create_string_buffer(n)
        self._call(self._lib.calm_detokenize, arr, len(ids), out, n)
        return out.raw[:n]
