"""Name normalization shared by extraction, entity resolution and search.

One place decides when two spellings are the same name: NFKC, traditional -> simplified,
no whitespace, one dash, ASCII brackets, and the PDF artefact of `一` (yi) standing for a dash
between two place names (`广西一东盟` -> `广西—东盟`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_DASHES = re.compile("[\u2010-\u2015\u2212\uff0d\u2e3a\u2e3b\u30fc-]+")
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "《》〈〉“”\"'‘’「」『』")
# `一` between two place-like names is a dash lost in PDF export: 中国一东盟, 广西一东盟, 中国一马来西亚
_YI_DASH = re.compile(r"(?<=中国|广西|南宁|柳州|钦州|北海|中新|中马|中泰|中越)一(?=东盟|马来西亚|新加坡|泰国|越南|印尼|印度尼西亚|东南亚|南亚|中亚|欧洲|俄罗斯|非洲|老挝|柬埔寨|缅甸|菲律宾|文莱)")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC t2s); simplified text is unchanged."""
    return _t2s().convert(text)


@functools.lru_cache(maxsize=65536)
def canonical_name(name: str) -> str:
    """The display form of a name: NFKC, simplified, no spaces, em dash `—` between places,
    full-width brackets (memoized: resolution asks for the same names many times)."""
    s = unicodedata.normalize("NFKC", name or "")
    s = to_simplified(s)
    s = _SPACE.sub("", s)
    s = _YI_DASH.sub("—", s)
    s = _DASHES.sub("—", s)
    s = s.replace("(", "（").replace(")", "）")  # Chinese names take full-width brackets
    return s.strip()


def name_key(name: str) -> str:
    """The comparison key of a name: canonical form without quotes, brackets unified, `—` kept."""
    return key_of_canonical(canonical_name(name))


def key_of_canonical(canonical: str) -> str:
    """``name_key`` of a name already in ``canonical_name`` form (one OpenCC pass saved)."""
    s = canonical.translate(_QUOTES)
    s = s.replace("〔", "[").replace("〕", "]").replace("[", "〔").replace("]", "〕")
    return s
