"""The extractor's code carries no phrasing of the corpus documents (the house rule).

The extractor is scored on documents nobody here has seen, and the corpus's sentences may not
be copied into the repo: examples in comments and docstrings are invented, and rules are
general. This guard reads the corpus from ../shared (GXATLAS_SHARED points elsewhere), makes it
comparable with the code (OpenCC t2s, NFKC, whitespace removed) and fails for every run of
MIN_CJK or more Chinese characters (with the digits and punctuation between them) that the
corpus and the extraction code share, naming file:line and the phrase.

Bundled atlas data (gxatlas/data/atlas, pool, regions) is out of scope: it holds facts with
their citations by design.
"""

from __future__ import annotations

import os
import re
import unicodedata
from bisect import bisect_right
from pathlib import Path

import pytest

from gxatlas.names import to_simplified

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared")
CORPUS_DIRS = ("corpus/seeds", "corpus/real")
# the extraction code: rules, their vocabulary and the text preparation they rely on
CHECKED = ("gxatlas/extract/*.py", "gxatlas/ingest/*.py", "gxatlas/data/lexicon/*.yaml",
           "gxatlas/names.py", "gxatlas/segment.py")
MIN_CJK = 8

# General terms that are vocabulary, not a document's phrasing: official titles, tier and
# class names any document of the field may use. Keep it short; a phrase passes only when it
# lies inside one entry.
ALLOWED = frozenset({
    "区域全面经济伙伴关系协定",  # official titles of trade agreements (RCEP, CAFTA)
    "中国—东盟自由贸易协定",
    "中国(广西)自由贸易试验区",  # an official name, illustrating an abbreviation rule
    "国家级专精特新“小巨人”",  # an enterprise tier
    "高新技术产业开发区",  # classes of parks, by their official names
    "高新技术产业园区",
    "规模以上工业企业",  # a term of the statistics
})

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
# a run: Chinese characters with the digits and punctuation (after NFKC) that join them
_RUN = re.compile(rf"[{_CJK}0-9.%,;:!?()、。“”‘’《》〈〉【】「」—…·~-]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _prepare(text: str) -> str:
    """NFKC and OpenCC t2s (the product's own converter), as ingest prepares a document."""
    return unicodedata.normalize("NFKC", to_simplified(unicodedata.normalize("NFKC", text)))


def _windows(run: str) -> list[tuple[int, int]]:
    """(start, end) of every stretch of ``run`` that holds exactly MIN_CJK Chinese characters
    and starts and ends with one."""
    cjk = [i for i, ch in enumerate(run) if _IS_CJK.match(ch)]
    return [(cjk[k], cjk[k + MIN_CJK - 1] + 1) for k in range(len(cjk) - MIN_CJK + 1)]


def _corpus_windows() -> set[str]:
    found: set[str] = set()
    for sub in CORPUS_DIRS:
        for path in sorted((SHARED / sub).glob("*.txt")):
            text = re.sub(r"\s+", "", _prepare(path.read_text(encoding="utf-8", errors="replace")))
            for m in _RUN.finditer(text):
                found.update(m.group()[a:b] for a, b in _windows(m.group()))
    return found


def _code_text(path: Path) -> tuple[str, list[int]]:
    """The file prepared like the corpus, a line per line, and where each line starts in it; a
    line that goes on with the Chinese the line before ends in (prose wrapped in a comment or a
    docstring) is joined to it, so that a phrase is seen whole across the break."""
    text, starts = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        s = _prepare(re.sub(r"^\s*(?:#+\s*)?", "", line).rstrip())
        if not (text and _IS_CJK.match(text[-1]) and _IS_CJK.match(s[:1])):
            text += "\n"
        starts.append(len(text))
        text += s
    return text, starts


def _shared_phrases(text: str, corpus: set[str]) -> list[tuple[int, str]]:
    """(offset, phrase) of the maximal stretches of ``text`` made of windows the corpus holds."""
    phrases = []
    for m in _RUN.finditer(text):
        run = m.group()
        merged: list[list[int]] = []
        for a, b in _windows(run):
            if run[a:b] not in corpus:
                continue
            if merged and a < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        phrases.extend((m.start() + a, run[a:b]) for a, b in merged)
    return phrases


def _allowed(phrase: str) -> bool:
    return any(phrase in term for term in ALLOWED)


def test_no_corpus_phrase_in_the_extraction_code() -> None:
    if not all((SHARED / sub).is_dir() for sub in CORPUS_DIRS):
        pytest.skip(f"corpus not found under {SHARED} (../shared is absent; GXATLAS_SHARED "
                    "points elsewhere)")
    corpus = _corpus_windows()
    assert corpus, f"no corpus text read under {SHARED}"
    hits = []
    for pattern in CHECKED:
        for path in sorted(ROOT.glob(pattern)):
            text, starts = _code_text(path)
            hits.extend(f"{path.relative_to(ROOT)}:{bisect_right(starts, at)}: {phrase}"
                        for at, phrase in _shared_phrases(text, corpus) if not _allowed(phrase))
    assert not hits, ("corpus phrasing in the extraction code (invent an example that shows "
                      "the same pattern):\n" + "\n".join(hits))
