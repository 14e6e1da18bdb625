"""Minimal reader of a Hugging Face byte-level BPE tokenizer.json (encode / decode).

Supports what calm-tiny and Llama-3 use: added (special) tokens, a Split pre-tokenizer with a regex
(behavior Isolated) followed by ByteLevel(use_regex=false), a BPE model with merges, ByteLevel decoder.
Needs the `regex` module (Debian: python3-regex) for \\p{L} / \\p{N}.
"""
import json


def bytes_to_unicode():
    """GPT-2 byte -> printable unicode character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def bpe_word(word, ranks):
    """Apply merges (rank dict of (a, b) -> rank) to one byte-level word; returns symbol list."""
    syms = list(word)
    if len(syms) < 2:
        return syms
    while True:
        best, bi = None, -1
        for i in range(len(syms) - 1):
            r = ranks.get((syms[i], syms[i + 1]))
            if r is not None and (best is None or r < best):
                best, bi = r, i
        if best is None:
            return syms
        a, b = syms[bi], syms[bi + 1]
        out, i = [], 0
        while i < len(syms):
            if i < len(syms) - 1 and syms[i] == a and syms[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(syms[i])
                i += 1
        syms = out
        if len(syms) < 2:
            return syms


class Tokenizer:
    def __init__(self, path):
        import regex
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        m = tj["model"]
        assert m["type"] == "BPE"
        self.vocab = dict(m["vocab"])
        merges = [tuple(x.split(" ", 1)) if isinstance(x, str) else tuple(x) for x in m["merges"]]
        self.ranks = {p: i for i, p in enumerate(merges)}
        self.added = {t["content"]: t["id"] for t in tj.get("added_tokens", [])}
        for c, i in self.added.items():
            self.vocab[c] = i
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        pat = LLAMA3_PATTERN
        for p in (tj.get("pre_tokenizer") or {}).get("pretokenizers", []):
            if p["type"] == "Split":
                pat = p["pattern"]["Regex"]
        self.pat = regex.compile(pat)
        self.special_re = regex.compile("|".join(regex.escape(s) for s in sorted(self.added, key=len, reverse=True))) \
            if self.added else None
        self.b2u = bytes_to_unicode()
        self.u2b = {c: b for b, c in self.b2u.items()}
        self.cache = {}

    def _encode_plain(self, text, out):
        for piece in self.pat.findall(text):
            ids = self.cache.get(piece)
            if ids is None:
                w = "".join(self.b2u[b] for b in piece.encode("utf-8"))
                ids = [self.vocab[s] for s in bpe_word(w, self.ranks)]
                self.cache[piece] = ids
            out.extend(ids)

    def encode(self, text, allow_special=True):
        out = []
        if allow_special and self.special_re is not None:
            pos = 0
            for mt in self.special_re.finditer(text):
                self._encode_plain(text[pos:mt.start()], out)
                out.append(self.added[mt.group(0)])
                pos = mt.end()
            self._encode_plain(text[pos:], out)
        else:
            self._encode_plain(text, out)
        return out

    def decode(self, ids, skip_special=False):
        parts, buf = [], []
        for i in ids:
            t = self.id_to_token[int(i)]
            if t in self.added:
                if buf:
                    parts.append(bytes(buf).decode("utf-8", errors="replace"))
                    buf = []
                if not skip_special:
                    parts.append(t)
            else:
                buf.extend(self.u2b[c] for c in t)
        if buf:
            parts.append(bytes(buf).decode("utf-8", errors="replace"))
        return "".join(parts)
