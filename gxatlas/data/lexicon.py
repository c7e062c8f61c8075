"""The one lexicon ingest and extraction read: word lists kept as data under gxatlas/data/lexicon/.

Each YAML file there holds top-level lists (``park_suffixes: [开发区, 工业园区, …]``) or
mappings (``plan_calendar: {十四五: [2021, 2025]}``); a key appears in one file only. The
lists are the vocabulary of administrative and economic writing in general, never names or
phrases of a particular document (see gxatlas/data/lexicon/README.md).

    >>> from gxatlas.data.lexicon import lexicon
    >>> LEX = lexicon()
    >>> "开发区" in LEX.set("park_suffixes")
    True
    >>> LEX.pattern("park_suffixes").search("南宁经济技术开发区").group()
    '经济技术开发区'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from gxatlas.errors import InputError

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

__all__ = ["Lexicon", "lexicon", "load_lexicon", "LEXICON_DIR"]


@dataclass(frozen=True)
class Lexicon:
    """Named word lists and mappings (read-only); patterns are compiled on first use."""

    lists: Mapping[str, tuple[str, ...]]
    maps: Mapping[str, Mapping[str, Any]]
    _patterns: dict[tuple[str, str, str], re.Pattern[str]] = field(default_factory=dict, repr=False,
                                                                   compare=False)

    def __getitem__(self, name: str) -> tuple[str, ...]:
        try:
            return self.lists[name]
        except KeyError:
            raise KeyError(f"no word list {name!r} in {LEXICON_DIR}") from None

    def map(self, name: str) -> Mapping[str, Any]:
        try:
            return self.maps[name]
        except KeyError:
            raise KeyError(f"no mapping {name!r} in {LEXICON_DIR}") from None

    def set(self, name: str) -> frozenset[str]:
        return frozenset(self[name])

    def longest_first(self, *names: str) -> tuple[str, ...]:
        """The words of the named lists (or mapping keys), longest first, duplicates dropped."""
        words: set[str] = set()
        for n in names:
            words.update(self.lists[n] if n in self.lists else self.map(n).keys())
        return tuple(sorted(words, key=lambda w: (-len(w), w)))

    def alternation(self, *names: str) -> str:
        """A regex alternation of the named lists, longest first (for embedding in patterns)."""
        return "|".join(re.escape(w) for w in self.longest_first(*names))

    def pattern(self, *names: str, prefix: str = "", suffix: str = "") -> re.Pattern[str]:
        """``prefix (?:w1|w2|…) suffix`` compiled once per arguments."""
        key = ("|".join(names), prefix, suffix)
        pat = self._patterns.get(key)
        if pat is None:
            pat = re.compile(f"{prefix}(?:{self.alternation(*names)}){suffix}")
            self._patterns[key] = pat
        return pat


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Every ``*.yaml`` of ``directory`` read into one :class:`Lexicon`; a key given twice, or a
    value that is neither a list of strings nor a mapping, is an error naming file and line."""
    from gxatlas.data import read_yaml

    lists: dict[str, tuple[str, ...]] = {}
    maps: dict[str, Mapping[str, Any]] = {}
    where: dict[str, Path] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise InputError(directory, "没有词表文件 (no lexicon files)")
    for path in files:
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise InputError(path, "expected a mapping of list names to word lists")
        line = data.get("__line__")
        for key, value in data.items():
            if key == "__line__":
                continue
            if key in where:
                raise InputError(path, f"word list {key!r} is also defined in {where[key].name}",
                                 line=line)
            where[key] = path
            if isinstance(value, list):
                if not all(isinstance(w, (str, int)) and str(w) for w in value):
                    raise InputError(path, f"{key}: every entry must be a non-empty string",
                                     line=line)
                lists[key] = tuple(dict.fromkeys(str(w) for w in value))
            elif isinstance(value, dict):
                maps[key] = {str(k): v for k, v in value.items() if k != "__line__"}
            else:
                raise InputError(path, f"{key}: expected a list or a mapping", line=line)
    return Lexicon(lists=lists, maps=maps)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The bundled lexicon (read once)."""
    return load_lexicon()
