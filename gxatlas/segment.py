"""Chinese word segmentation (jieba), configured once, with no network and a local cache.

jieba writes its prefix-dictionary cache into ``GXATLAS_CACHE`` or the user cache dir, never
into the system temp dir; the bundled domain dictionary (gxatlas/data/userdict.txt) and any
names the caller registers are added so that park, city and industry names stay whole.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Iterable

import platformdirs

_DATA = Path(__file__).parent / "data"


def cache_dir() -> Path:
    d = Path(os.environ.get("GXATLAS_CACHE") or platformdirs.user_cache_dir("gxatlas"))
    d.mkdir(parents=True, exist_ok=True)
    return d


@functools.lru_cache(maxsize=1)
def tokenizer():
    """The shared jieba Tokenizer (loaded lazily, quietly, with the domain dictionary)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    userdict = _DATA / "userdict.txt"
    if userdict.exists():
        tok.load_userdict(str(userdict))
    return tok


def add_words(words: Iterable[str]) -> None:
    """Register names (parks, enterprises, regions) so that segmentation keeps them whole."""
    tok = tokenizer()
    for w in words:
        if w and len(w) > 1:
            tok.add_word(w, freq=50000)
    _BLOCKS.clear()


# jieba segments each run of Chinese/alphanumeric characters (its ``re_han_default`` blocks)
# on its own, so the words of a text are the words of its blocks in order: blocks are
# memoized (registry scopes repeat the same items across millions of firms) with output
# identical to segmenting the whole text at once.
_BLOCKS: dict[str, tuple[str, ...]] = {}
_MAX_BLOCKS = 200_000


def cut(text: str) -> list[str]:
    """Words of ``text`` (search-engine mode: long words and their parts), blanks dropped."""
    import jieba

    tok = tokenizer()
    out: list[str] = []
    for blk in jieba.re_han_default.split(text):
        if not blk:
            continue
        words = _BLOCKS.get(blk)
        if words is None:
            words = tuple(w for w in tok.cut_for_search(blk) if w.strip())
            if len(_BLOCKS) >= _MAX_BLOCKS:
                _BLOCKS.clear()
            _BLOCKS[blk] = words
        out.extend(words)
    return out
