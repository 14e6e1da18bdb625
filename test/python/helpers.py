"""Shared helpers for the Python tests (stdlib only)."""
import importlib.util, os, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
for sub in ("tools/convert", "tools/reference", "tools/data"):
    p = os.path.join(ROOT, sub)
    if p not in sys.path:
        sys.path.insert(0, p)


def has(mod):
    return importlib.util.find_spec(mod) is not None


HAS_TORCH = has("torch")
HAS_REGEX = has("regex")


def read_json(path):
    import json
    with open(path, encoding="utf-8") as f:
        return json.load(f)
