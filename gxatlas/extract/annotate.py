"""One document analysed once: the layers every extraction component reads.

:class:`AnnotatedDoc` wraps a :class:`~gxatlas.ingest.document.Document` and computes, each
once and only when first asked for, the layers of its normalized text:

- ``lines``: non-blank lines, each a :class:`Block` of a kind (heading, caption, metadata,
  table cell, paragraph); a line is a paragraph since ingest joined the lines a layout wrapped;
- ``sentences`` and ``clauses`` (sentences cut at commas and colons);
- ``headings`` with their level (`第一章`, `一、`, `（一）`, `1.`);
- ``tables``: the tables rebuilt once (flattened one cell per line, or TAB-separated);
- ``places``: region names of the gazetteer (:class:`PlaceMention`);
- ``times``: years, months and plan periods (:class:`~gxatlas.extract.numbers.Period`);
- ``quantities``: numbers with units (:class:`~gxatlas.extract.numbers.Quantity`);
- ``city_context``: where cities are named, to place a fact by its context;
- ``profile``: the document's genre, date, plan period, main region and main park
  (:mod:`gxatlas.extract.profile`).

Offsets are into ``Document.text``; lookups by position (``sentence_at``, ``places_in``...)
use binary search, so components stay linear in the size of the text.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

from gxatlas.data.lexicon import Lexicon, lexicon
from gxatlas.extract.gazetteer import Gazetteer, Place, default_gazetteer
from gxatlas.extract.mentions import CityContext
from gxatlas.extract.numbers import Period, Quantity, find_quantities, find_years
from gxatlas.ingest.document import Document
from gxatlas.ingest.tables import Table, find_tables

if TYPE_CHECKING:
    from gxatlas.extract.profile import Profile

__all__ = ["AnnotatedDoc", "Block", "BlockKind", "Span", "PlaceMention", "annotate"]

_S = TypeVar("_S", Period, Quantity)


def _within(items: Sequence[_S], starts: list[int], start: int, end: int) -> Sequence[_S]:
    """The items (sorted by start) that start in ``[start, end)``."""
    return items[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)]


class BlockKind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    CAPTION = "caption"
    META = "meta"  # a page's metadata line (`时间:… 来源:…`): read by the profile only
    CELL = "cell"  # a line inside a rebuilt table


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """One non-blank line of the text (stripped) and what it is."""

    start: int
    end: int
    kind: BlockKind
    level: int = 0  # heading level: 1 `第一章`, 2 `一、`, 3 `（一）`, 4 `1.`; 0 otherwise


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    place: Place


_HEADING_LEVELS = (
    (1, re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章篇部分]")),
    (2, re.compile(r"^(?:第[一二三四五六七八九十百]+节|[一二三四五六七八九十]+、)")),
    (3, re.compile(r"^[(（][一二三四五六七八九十]+[)）]")),
    (4, re.compile(r"^(?:\d{1,2}[、.．](?!\d)|[(（]\d{1,2}[)）]|——)")),
)
_CAPTION = re.compile(r"^\s*(?:续?表|专栏|附表|附图|图)\s*\d+")
# a sentence ends at its punctuation or a line end; a run of more than MAX_SENTENCE characters
# without either (a flattened table, garbage) is cut, so that work per sentence stays bounded
MAX_SENTENCE = 600
_SENTENCE = re.compile(r"[^。;;!?！？\n]{1,%d}[。;;!?！？]?" % MAX_SENTENCE)
_CLAUSE_BREAK = re.compile(r"[,，:：]")


@functools.lru_cache(maxsize=1)
def _meta_line() -> re.Pattern[str]:
    return lexicon().pattern("meta_labels", prefix=r"^\s*", suffix=r"\s*[:：]")


def _kind_of(line: str) -> tuple[BlockKind, int]:
    if _CAPTION.match(line) and len(line) <= 60:
        return BlockKind.CAPTION, 0
    if _meta_line().match(line) and len(line) <= 120 and "。" not in line:
        return BlockKind.META, 0
    if len(line) <= 40 and "。" not in line[:-1]:
        for level, pat in _HEADING_LEVELS:
            if pat.match(line):
                return BlockKind.HEADING, level
    return BlockKind.PARAGRAPH, 0


class AnnotatedDoc:
    """A document and its layers (see the module docstring), each computed once."""

    def __init__(self, doc: Document, *, gazetteer: Gazetteer | None = None,
                 lex: Lexicon | None = None) -> None:
        self.doc = doc
        self.text = doc.text
        self.gazetteer = gazetteer or default_gazetteer()
        self.lexicon = lex or lexicon()

    def __repr__(self) -> str:
        return f"AnnotatedDoc({self.doc.name!r}, {len(self.text)} chars)"

    # --- lines, sentences, clauses ---------------------------------------------------------

    @functools.cached_property
    def lines(self) -> tuple[Block, ...]:
        out: list[Block] = []
        text = self.text
        cells = self._table_cells
        pos = 0
        for raw in text.split("\n"):
            s = pos + len(raw) - len(raw.lstrip())
            e = pos + len(raw.rstrip())
            if e > s:
                if self._in_cells(cells, s):
                    out.append(Block(s, e, BlockKind.CELL))
                else:
                    kind, level = _kind_of(text[s:e])
                    out.append(Block(s, e, kind, level))
            pos += len(raw) + 1
        return tuple(out)

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        return [b.start for b in self.lines]

    def line_at(self, pos: int) -> Block | None:
        i = bisect.bisect_right(self._line_starts, pos) - 1
        if i >= 0 and self.lines[i].start <= pos <= self.lines[i].end:
            return self.lines[i]
        return None

    @functools.cached_property
    def _table_cells(self) -> list[tuple[int, int]]:
        """(start, end) of every table's body, sorted."""
        return sorted((t.start, t.end) for t in self.tables)

    def _in_cells(self, spans: Sequence[tuple[int, int]], pos: int) -> bool:
        """Whether ``pos`` is inside a table body other than its caption line."""
        i = bisect.bisect_right(spans, (pos, len(self.text) + 1)) - 1
        return i >= 0 and spans[i][0] < pos < spans[i][1]

    @functools.cached_property
    def _table_starts(self) -> list[int]:
        return [t.start for t in self.tables]

    def in_table(self, pos: int) -> Table | None:
        """The rebuilt table whose span holds ``pos``, if any."""
        i = bisect.bisect_right(self._table_starts, pos) - 1
        if i >= 0 and self.tables[i].start <= pos < self.tables[i].end:
            return self.tables[i]
        return None

    @functools.cached_property
    def sentences(self) -> tuple[Span, ...]:
        return tuple(Span(m.start(), m.end()) for m in _SENTENCE.finditer(self.text))

    @functools.cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, pos: int) -> Span | None:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < max(self.sentences[i].end, pos + 1):
            return self.sentences[i]
        return None

    def sentences_in(self, start: int, end: int) -> Iterator[Span]:
        i = max(0, bisect.bisect_right(self._sentence_starts, start) - 1)
        while i < len(self.sentences) and self.sentences[i].start < end:
            if self.sentences[i].end > start:
                yield self.sentences[i]
            i += 1

    @functools.cached_property
    def clauses(self) -> tuple[Span, ...]:
        out: list[Span] = []
        text = self.text
        for s in self.sentences:
            pos = s.start
            for m in _CLAUSE_BREAK.finditer(text, s.start, s.end):
                if m.start() > pos:
                    out.append(Span(pos, m.start()))
                pos = m.end()
            if s.end > pos:
                out.append(Span(pos, s.end))
        return tuple(out)

    def clause_start(self, pos: int) -> int:
        """Where the clause holding ``pos`` starts (after a comma, colon or sentence end)."""
        starts = self._clause_starts
        i = bisect.bisect_right(starts, pos) - 1
        return starts[i] if i >= 0 else 0

    @functools.cached_property
    def _clause_starts(self) -> list[int]:
        return [c.start for c in self.clauses]

    @functools.cached_property
    def headings(self) -> tuple[Block, ...]:
        return tuple(b for b in self.lines if b.kind is BlockKind.HEADING)

    def heading_path(self, pos: int) -> tuple[Block, ...]:
        """The headings ``pos`` stands under, outermost first (one per level)."""
        path: dict[int, Block] = {}
        for h in self.headings:
            if h.start > pos:
                break
            path = {lv: b for lv, b in path.items() if lv < h.level}
            path[h.level] = h
        return tuple(path[lv] for lv in sorted(path))

    # --- tables, places, times, quantities ------------------------------------------------

    @functools.cached_property
    def tables(self) -> tuple[Table, ...]:
        return tuple(find_tables(self.text))

    @functools.cached_property
    def places(self) -> tuple[PlaceMention, ...]:
        return tuple(PlaceMention(s, e, p) for s, e, p in self.gazetteer.find_places(self.text))

    def places_in(self, start: int, end: int) -> Sequence[PlaceMention]:
        return _within(self.places, self._starts("places"), start, end)

    def _per_sentence(self, find: Callable[[str], list[_S]]) -> tuple[_S, ...]:
        """What ``find`` finds in each sentence, with offsets made absolute."""
        out: list[_S] = []
        for s in self.sentences:
            for x in find(self.text[s.start:s.end]):
                out.append(dataclasses.replace(x, start=x.start + s.start, end=x.end + s.start))
        return tuple(out)

    @functools.cached_property
    def times(self) -> tuple[Period, ...]:
        return self._per_sentence(find_years)

    def times_in(self, start: int, end: int) -> Sequence[Period]:
        return _within(self.times, self._starts("times"), start, end)

    @functools.cached_property
    def quantities(self) -> tuple[Quantity, ...]:
        return self._per_sentence(find_quantities)

    def quantities_in(self, start: int, end: int) -> Sequence[Quantity]:
        return _within(self.quantities, self._starts("quantities"), start, end)

    def _starts(self, layer: str) -> list[int]:
        cache = self.__dict__.setdefault("_start_lists", {})
        if layer not in cache:
            cache[layer] = [x.start for x in getattr(self, layer)]
        return cache[layer]

    @functools.cached_property
    def city_context(self) -> CityContext:
        """Where the text names cities (to place a fact by context), and the city the document
        is about (the profile's region, when it is a city or county)."""
        prof = self.profile
        place = self.gazetteer.place(prof.region) if prof.region else None
        about = place.city if place is not None and place.level in ("prefecture", "county") else None
        # a text whose title or dateline places it in one province: a same-named place of
        # another province (`北海` in a text about Shandong's 滨州) places nothing there
        home = place.province if about and prof.region_source in ("title", "dateline") else None
        return CityContext.of_places(
            self.text, ((p.start, p.end, p.place) for p in self.places),
            about=about, about_province=place.province if about else None, only_province=home)

    # --- the profile -----------------------------------------------------------------------

    @functools.cached_property
    def profile(self) -> Profile:
        from gxatlas.extract.profile import build_profile

        return build_profile(self)


def annotate(doc: Document, *, gazetteer: Gazetteer | None = None) -> AnnotatedDoc:
    """The annotated form of ``doc`` (layers are computed when first read)."""
    return AnnotatedDoc(doc, gazetteer=gazetteer)
