"""Word-level tokenizer of kineo-mini; the Python twin of ``src/engine/tokenizer.ts``.

vocab.json (written by ``node bin/kineo.mjs world vocab -o FILE``)::

    {"format": "kineo-vocab/1", "tokens": ["<pad>", "<unk>", ...], "maxTokens": 32}

Rule (identical to ``tokenizeCaption`` in src/world/parse.ts + ``tokenize`` in tokenizer.ts):
lowercase; every character not in ``[a-z0-9\\s-]`` becomes a space; split on whitespace runs;
words map to ids (unknown -> 1 = ``<unk>``, reported, de-duplicated in order of first
appearance, counted over the whole caption including the truncated tail); keep the first
``maxTokens`` words; pad ids with 0 and the mask with 0 (mask 1 on real tokens).

``\\s`` is spelled out as JavaScript's whitespace set, so odd characters (NBSP, BOM, U+2028,
U+001C ...) behave the same on both sides.

Unconditional (empty) caption for classifier-free guidance: :func:`uncond_caption` -- all
``<pad>`` ids with ``mask[0] = 1`` so cross-attention always has one key to attend to.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Sequence, Tuple

VOCAB_FORMAT = "kineo-vocab/1"
PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

# JavaScript's \s: [\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]
_JS_WS = "\\t\\n\\x0b\\x0c\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_NOT_ALLOWED = re.compile("[^a-z0-9" + _JS_WS + "\\-]")
_WS_RUN = re.compile("[" + _JS_WS + "]+")


class Vocab:
    """Loaded vocabulary: ``tokens`` (id order), ``index`` (word -> id), ``max_tokens``."""

    def __init__(self, tokens: Sequence[str], max_tokens: int = 32):
        tokens = list(tokens)
        if len(tokens) < 2 or tokens[0] != PAD or tokens[1] != UNK:
            raise ValueError("vocab must start with <pad>, <unk>")
        self.tokens = tokens
        self.max_tokens = int(max_tokens)
        self.index: Dict[str, int] = {}
        for i, t in enumerate(tokens):  # a duplicate token keeps its last id, as `new Map(entries)` does
            self.index[t] = i

    def __len__(self) -> int:
        return len(self.tokens)

    def to_json(self) -> dict:
        return {"format": VOCAB_FORMAT, "tokens": list(self.tokens), "maxTokens": self.max_tokens}


def load_vocab(path: str) -> Vocab:
    with open(path, "r", encoding="utf-8") as f:
        d = json.load(f)
    return vocab_from_json(d)


def vocab_from_json(d: dict) -> Vocab:
    if d.get("format") != VOCAB_FORMAT:
        raise ValueError(f"not a {VOCAB_FORMAT} vocabulary: format {d.get('format')!r}")
    return Vocab(d["tokens"], d.get("maxTokens", 32))


def split_words(text: str) -> List[str]:
    """``tokenizeCaption``: lowercase, non-[a-z0-9\\s-] -> space, split on whitespace."""
    return [w for w in _WS_RUN.split(_NOT_ALLOWED.sub(" ", text.lower())) if w]


def tokenize_full(text: str, vocab: Vocab) -> dict:
    """All four fields of the TypeScript ``Tokenized``: ids, mask, unknownWords, truncated."""
    words = split_words(text)
    unknown: List[str] = []
    seen = set()
    for w in words:
        if w not in vocab.index and w not in seen:
            seen.add(w)
            unknown.append(w)
    kept = words[: vocab.max_tokens]
    ids = [vocab.index.get(w, UNK_ID) for w in kept]
    mask = [1] * len(ids)
    pad = vocab.max_tokens - len(ids)
    return {"ids": ids + [PAD_ID] * pad, "mask": mask + [0] * pad, "unknownWords": unknown,
            "truncated": words[vocab.max_tokens:]}


def tokenize(text: str, vocab: Vocab) -> Tuple[List[int], List[int], List[str]]:
    """Returns ``(ids, mask, unknown_words)``, each list of length ``vocab.max_tokens`` (except unknowns)."""
    r = tokenize_full(text, vocab)
    return r["ids"], r["mask"], r["unknownWords"]


def uncond_caption(max_tokens: int) -> Tuple[List[int], List[int]]:
    """The unconditional caption: all ``<pad>`` ids, mask 1 on position 0 only."""
    return [PAD_ID] * max_tokens, [1] + [0] * (max_tokens - 1)


def tokenize_batch(texts: Sequence[str], vocab: Vocab):
    """numpy int64 arrays ``(ids, mask)`` of shape (N, max_tokens) and the set of unknown words.

    An empty caption (no words) becomes the unconditional caption (mask[0] = 1), so the
    model never sees an all-zero mask.
    """
    import numpy as np

    ids = np.zeros((len(texts), vocab.max_tokens), dtype=np.int64)
    mask = np.zeros((len(texts), vocab.max_tokens), dtype=np.int64)
    unknown: Dict[str, int] = {}
    for i, t in enumerate(texts):
        a, m, u = tokenize(t, vocab)
        if sum(m) == 0:
            a, m = uncond_caption(vocab.max_tokens)
        ids[i], mask[i] = a, m
        for w in u:
            unknown[w] = unknown.get(w, 0) + 1
    return ids, mask, unknown
