"""Chinese word segmentation, configured once, with no network and a local cache.

Two segmenters share one dictionary (jieba's, plus the bundled domain dictionary
gxatlas/data/userdict.txt, so that park, city and industry names stay whole):

* ``tokenizer()``: jieba itself (Python), for extraction, which reads its word frequencies
  and part-of-speech tags. jieba writes its prefix-dictionary cache into ``GXATLAS_CACHE`` or
  the user cache dir, never into the system temp dir.
* ``cut(text)``: the search index's and the queries' words, by rjieba (jieba-rs, the same
  algorithm and dictionary compiled: about 20× faster, which is what lets a registry of a
  million firms be indexed; registry names are all new words). Index and queries always go
  through ``cut``, so they are segmented alike.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Iterator

import platformdirs

_DATA = Path(__file__).parent / "data"
USERDICT = _DATA / "userdict.txt"


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
    if USERDICT.exists():
        tok.load_userdict(str(USERDICT))
    return tok


def user_words() -> Iterator[tuple[str, int | None, str | None]]:
    """(word, frequency or None, tag or None) of each line of the domain dictionary, in
    jieba's user-dictionary format."""
    if not USERDICT.exists():
        return
    with USERDICT.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
            yield parts[0], freq, tag


@functools.lru_cache(maxsize=1)
def _search_segmenter():
    import rjieba

    # importing rjieba builds its module-level segmenter (jieba's dictionary as jieba-rs ships
    # it); that one is given the domain words, once, rather than a second one built (each
    # costs about as much as the search index of a short document)
    for word, freq, tag in user_words():
        rjieba.add_word(word, freq, tag)
    return rjieba


def cut(text: str) -> list[str]:
    """Words of ``text`` for search (search-engine mode: long words and their parts), blanks
    dropped."""
    return [w for w in _search_segmenter().cut_for_search(text) if w.strip()]
