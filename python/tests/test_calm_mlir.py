"""The Python package against calm-run: the same text for a seed, streamed
or not, the same BrierLM, and the runtime's errors as CalmError.

Needs CALM_RUN (calm-run's path); CALM_LIBCALM may point at libcalm.
Run: python3 -m pytest python/tests (test/Python/package.test does, in CI).
"""

import os
import subprocess
import threading

import pytest

import calm_mlir
from calm_mlir import CalmError, Model

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
TINY = os.path.join(ROOT, "models", "calm-tiny")
TWIN = os.path.join(ROOT, "models", "llama-tiny-twin")
EVAL_TEXT = os.path.join(ROOT, "test", "Tools", "Inputs", "eval-text.txt")
CALM_RUN = os.environ.get("CALM_RUN", os.path.join(ROOT, "build", "bin",
                                                   "calm-run"))


def calm_run(*args):
    return subprocess.run([CALM_RUN, *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("lib") / "tiny.so")
    calm_run("compile", "--numerics", "i8/channel", "-o", path)
    return path


@pytest.fixture(scope="module")
def model(library):
    with Model(TINY, library=library, threads=1) as m:
        yield m


def test_info(model):
    assert calm_mlir.api_version() == 1
    assert model.info["kind"] == "calm"
    assert model.info["numerics"] == "i8/channel"
    assert model.info["chunk_tokens"] == 4


@pytest.mark.parametrize("seed,temperature,samples",
                         [(3, 1.0, 0), (4, 0.5, 8), (5, 1.0, 0)])
def test_generate_equals_calm_run(model, seed, temperature, samples):
    text = model.generate("Call me Ishmael.", max_tokens=24,
                          temperature=temperature, seed=seed, samples=samples)
    args = ["generate", "-p", "Call me Ishmael.", "-n", "24", "--seed",
            str(seed), "--numerics", "i8/channel", "--temperature",
            str(temperature)]
    if samples:
        args += ["--samples", str(samples)]
    assert text + "\n" == calm_run(*args)


def test_stream_equals_generate(model):
    pieces = list(model.stream("Call me Ishmael.", max_tokens=40, seed=7))
    assert len(pieces) >= 2, "one piece per decoded chunk"
    assert "".join(pieces) == model.generate("Call me Ishmael.",
                                             max_tokens=40, seed=7)


def test_stream_closed_early(model):
    stream = model.stream("Call me Ishmael.", max_tokens=400, seed=7)
    first = next(stream)
    stream.close()  # stops the generation; the model stays usable
    assert first
    assert model.generate("x", max_tokens=8, seed=1)


def test_concurrent_generations(model):
    expected = {s: model.generate("The whale", max_tokens=32, seed=s)
                for s in range(4)}
    got = {}

    def run(s):
        got[s] = model.generate("The whale", max_tokens=32, seed=s)

    threads = [threading.Thread(target=run, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_eval_equals_calm_run(model):
    with open(EVAL_TEXT, encoding="utf-8") as f:
        text = f.read()
    result = model.eval(text, block_size=256, seed=1)
    line = calm_run("eval", "--text", EVAL_TEXT, "--block-size", "256",
                    "--json", "--seed", "1", "--numerics", "i8/channel")
    import json
    reference = json.loads(line)
    for key in ["brier1", "brier2", "brier3", "brier4"]:
        assert result[key] == pytest.approx(reference[key], abs=5e-7)
    assert result["brierlm"] == pytest.approx(reference["brierlm"], abs=5e-5)


def test_tokenize_roundtrip(model):
    text = "Call me Ishmael. Some years ago — never mind how long"
    ids = model.tokenize(text)
    assert ids and all(isinstance(i, int) for i in ids)
    assert model.detokenize(ids) == text.encode("utf-8")
    assert model.tokenize("") == []


def test_errors_are_exceptions(model, tmp_path):
    with pytest.raises(CalmError, match="config.json"):
        Model(str(tmp_path))
    with pytest.raises(CalmError, match="temperature"):
        model.generate("x", temperature=2.0)
    with pytest.raises(CalmError, match="max"):
        model.generate("x", max_tokens=0)
    with pytest.raises(CalmError, match="block size"):
        model.eval("some text", block_size=3)
    with pytest.raises(CalmError):
        model.detokenize([10**9])
    with pytest.raises(CalmError, match="temperature"):
        list(model.stream("x", temperature=0.0))


def test_stream_errors_reach_the_consumer(model):
    with pytest.raises(CalmError, match="integers"):
        list(model.stream("x", max_tokens=1.5))
    with pytest.raises(CalmError, match="integers"):
        model.generate("x", max_tokens="8")


def test_callback_exception_stops_and_is_raised(model):
    seen = []

    def on_text(data):
        seen.append(data)
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        model._generate("x", 400, 1.0, 1, 0, on_text)
    assert len(seen) == 1, "the generation stopped at the first piece"


def test_close_waits_for_calls_in_flight(library):
    m = Model(TINY, library=library, threads=1)
    stream = m.stream("Call me Ishmael.", max_tokens=200, seed=2)
    first = next(stream)
    closer = threading.Thread(target=m.close)
    closer.start()
    rest = "".join(stream)  # the worker finishes on a live model
    closer.join(timeout=60)
    assert not closer.is_alive()
    assert first + rest
    with pytest.raises(CalmError, match="closed"):
        m.generate("x")


def test_wrong_library_is_refused(library):
    with pytest.raises(CalmError, match="not a calm model library for this model"):
        Model(TWIN, library=library)


def test_closed_model(library):
    m = Model(TINY, library=library)
    m.close()
    with pytest.raises(CalmError, match="closed"):
        m.generate("x")
