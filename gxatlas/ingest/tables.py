"""Rebuild tables that PDF export flattened to one cell per line.

A table region starts at a caption line (`表1 …`, `专栏3 …`, `附表2 …`) and runs over the short
lines that follow, up to a line of prose, a source note or a heading. The cells are then put
back into rows by the first strategy that fits:

1. column by column (`时间`, its values, `发文号`, its values, …): every column starts with a
   short header cell and all columns have the same number of values;
2. row by row with a sequence-number column (`序号` 1, 2, 3 …): each number starts a row, and a
   cell left over at the end of a row is the group label (`结构性指标`) of the rows after it;
   row by row under a header of labels, each row one label and numbers (`柳州市 58 44 14 31.8`);
3. row by row around a key column: a row starts at a text cell (not a list) that is followed
   by a number (a park and its area); short cells just before it are group labels.

Tables that the docx, html, xlsx and csv readers write one row a line with TAB-separated cells
need no rebuilding (:func:`tab_tables`): the first row is the header, the caption is the short
title line above, when there is one.

Each cell keeps its span in the normalized text, so a fact read from a row can cite the row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

__all__ = ["Cell", "Row", "Table", "find_tables", "tab_tables", "is_numeric_cell", "cells_of"]


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and its span ``[start, end)`` in the normalized text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Row:
    """The cells of one row, in column order, and the group label that applies to it."""

    cells: tuple[Cell, ...]
    group: Cell | None = None

    @property
    def start(self) -> int:
        return min(c.start for c in self.cells)

    @property
    def end(self) -> int:
        return max(c.end for c in self.cells)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(frozen=True)
class Table:
    """A rebuilt table: caption, header cells and rows (``orientation`` says how it was flat)."""

    caption: Cell | None
    header: tuple[Cell, ...]
    rows: tuple[Row, ...]
    orientation: str  # "rows" or "columns" (flattened one cell a line), "tabs" (TAB-separated)
    start: int
    end: int

    @property
    def title(self) -> str:
        return self.caption.text if self.caption else ""


_CAPTION = re.compile(r"^(?:续?表|专栏|附表)\s*(\d+(?:[-.]\d+)?)\s*(.*)$")
_END = re.compile(r"^(?:资料来源|数据来源|来源|注[:：]|说明[:：]|第[一二三四五六七八九十百]+[章节]"
                  r"|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")
_NUMERIC = re.compile(r"^[<>≥≤约近]?\s*-?\d+(?:,\d{3})*(?:\.\d+)?\s*(?:%|‰)?(?:以上|以下|左右)?$"
                      r"|^[—–\-－/]+$"
                      r"|^\d+(?:\.\d+)?(?:\s*[:∶]\s*\d+(?:\.\d+)?){1,3}$")
_SEQ = re.compile(r"^\d{1,3}$")
_MAX_CELL = 80


def is_numeric_cell(text: str) -> bool:
    """A cell holding a number, a percentage, a ratio or a dash (no value)."""
    return bool(_NUMERIC.match(text.strip()))


def _lines(text: str, start: int, stop: int) -> Iterator[Cell]:
    """The non-blank lines of ``text[start:stop]``, stripped, one at a time (callers stop early)."""
    pos = start
    while pos <= stop:
        nl = text.find("\n", pos, stop)
        end = stop if nl < 0 else nl
        line = text[pos:end]
        s = pos + len(line) - len(line.lstrip())
        e = pos + len(line.rstrip())
        if e > s:
            yield Cell(text=text[s:e], start=s, end=e)
        if nl < 0:
            break
        pos = nl + 1


def cells_of(text: str, caption: Cell) -> list[Cell]:
    """The cell lines after ``caption``, up to prose, a source note, a heading or a caption."""
    out: list[Cell] = []
    for cell in _lines(text, caption.end, len(text)):
        t = cell.text
        if _CAPTION.match(t) or _END.match(t):
            break
        if len(t) > _MAX_CELL or (len(t) > 40 and "。" in t[:-1]):
            break
        if t.endswith("。") and (len(t) > 30 or not any(ch.isdigit() for ch in t)):
            break
        out.append(cell)
    return out


def _header_like(text: str) -> bool:
    return 0 < len(text) <= 8 and not any(ch.isdigit() for ch in text)


def _kind(text: str) -> str:
    if is_numeric_cell(text):
        return "n"
    if re.match(r"^\d{4}-\d{1,2}(?:-\d{1,2})?$", text):
        return "d"
    if re.search(r"\d+号$", text):
        return "no"
    return "t"


def _columnwise(cells: Sequence[Cell]) -> tuple[tuple[Cell, ...], list[Row]] | None:
    n = len(cells)
    for size in range(3, n // 2 + 1):  # size = 1 header + values
        ncols, rem = divmod(n, size)
        if rem and rem > size // 2:
            ncols += 1  # the last column lost a cell or two
        elif rem:
            continue
        if ncols < 2:
            continue
        heads = [cells[k * size] for k in range(ncols)]
        if not all(_header_like(h.text) for h in heads):
            continue
        columns = [cells[k * size + 1:(k + 1) * size] for k in range(ncols)]
        if not all(len({_kind(c.text) for c in col}) == 1 for col in columns):
            continue
        if len({_kind(col[0].text) for col in columns}) < 2 and all(_kind(c[0].text) == "t" for c in columns):
            # text-only columns: accept only when the header cells are clearly shorter
            if max(len(h.text) for h in heads) * 2 > min(len(c.text) for col in columns for c in col):
                continue
        rows = [Row(cells=tuple(col[i] for col in columns if i < len(col))) for i in range(size - 1)]
        return tuple(heads), rows
    return None


def _by_label_rows(cells: Sequence[Cell]) -> tuple[tuple[Cell, ...], list[Row]] | None:
    """A header of labels (`地区`, `1-6月`, `上年同期`, `增减(家)`, `增长(%)`), then rows of one
    label and numbers (`柳州市`, `58`, `44`, `14`, `31.8`): the header is as wide as the text
    cells before the first number, less the first row's label; every row must fit."""
    first_n = next((i for i, c in enumerate(cells) if _kind(c.text) == "n"), None)
    if first_n is None or first_n < 3:
        return None
    width = first_n - 1
    head, rest = cells[:width], cells[width:]
    if any(len(c.text) > 12 or _kind(c.text) == "n" for c in head) or len(rest) < 2 * width or len(rest) % width:
        return None
    rows = [rest[i:i + width] for i in range(0, len(rest), width)]
    if not all(_kind(r[0].text) == "t" and all(_kind(c.text) == "n" for c in r[1:]) for r in rows):
        return None
    return tuple(head), [Row(cells=tuple(r)) for r in rows]


def _by_header_width(cells: Sequence[Cell]) -> tuple[tuple[Cell, ...], list[Row]] | None:
    """Rows flattened one cell a line under a header of short labels (`项目名称`, `总投资(亿元)`,
    `建设年限`) and no 序号 column: every row is as wide as the header, each column holds one
    kind of cell, and at least one column is all numbers."""
    width = 0
    while width < len(cells) and _header_like(cells[width].text):
        width += 1
    rest = cells[width:]
    if width < 3 or len(rest) < 2 * width or len(rest) % width:
        return None
    rows = [rest[i:i + width] for i in range(0, len(rest), width)]
    kinds = [{_kind(r[k].text) for r in rows} for k in range(width)]
    if any(len(k) != 1 for k in kinds) or kinds[0] != {"t"} or not any(k == {"n"} for k in kinds):
        return None
    return tuple(cells[:width]), [Row(cells=tuple(r)) for r in rows]


def _seq_starts(cells: Sequence[Cell]) -> list[int]:
    """Indices of cells 1, 2, 3 … in order (a 序号 column), or [] if there is none.

    A sequence number is followed by a text cell (the row's name); when a value equal to the
    next number comes first, the candidate preceded by a text cell (the end of the previous
    row) wins.
    """
    kinds = [_kind(c.text) for c in cells]

    def ok(j: int) -> bool:
        return j + 1 < len(cells) and kinds[j + 1] == "t"

    best: list[int] = []
    for i, c in enumerate(cells):
        if c.text != "1" or not ok(i):
            continue
        found = [i]
        want = 2
        while True:
            cands = [j for j in range(found[-1] + 2, min(len(cells), found[-1] + 21))
                     if cells[j].text == str(want) and ok(j)]
            if not cands:
                break
            pick = next((j for j in cands if kinds[j - 1] == "t"), cands[0])
            found.append(pick)
            want += 1
        if len(found) > len(best):
            best = found
    return best if len(best) >= 3 else []


def _strip_repeats(cells: list[Cell], head: Sequence[str]) -> list[Cell]:
    """Remove copies of the header repeated after a page break (3 or more header cells)."""
    if len(head) < 3:
        return cells
    out: list[Cell] = []
    i = 0
    while i < len(cells):
        k = 0
        while k < len(head) and i + k < len(cells) and cells[i + k].text == head[k]:
            k += 1
        if k >= 3:
            i += k
            continue
        out.append(cells[i])
        i += 1
    return out


def _unit_like(text: str) -> bool:
    return is_numeric_cell(text) or len(text) <= 3 or bool(re.fullmatch(r"[(（].*[)）]", text))


def _merge_wrapped(row: list[Cell], width: int) -> list[Cell]:
    """Merge a text cell wrapped over two lines (two adjacent text cells before the last)."""
    while len(row) > width:
        for k in range(len(row) - 2):
            a, b = row[k], row[k + 1]
            if not _unit_like(a.text) and not _unit_like(b.text) and k + 1 < len(row) - 1:
                row[k:k + 2] = [Cell(text=a.text + b.text, start=a.start, end=b.end)]
                break
        else:
            break
    return row


def _by_sequence(cells: Sequence[Cell], starts: list[int]) -> tuple[tuple[Cell, ...], list[Row]]:
    gaps = Counter(b - a for a, b in zip(starts, starts[1:]))
    width = gaps.most_common(1)[0][0]
    header = list(cells[:starts[0]])
    rest = _strip_repeats(list(cells[starts[0]:]), [h.text for h in header])
    starts = _seq_starts(rest) or [0]
    group: Cell | None = None
    if len(header) > width and not is_numeric_cell(header[-1].text):
        group = header.pop()
    rows: list[Row] = []
    bounds = starts + [min(len(rest), starts[-1] + width + 1)]
    for a, b in zip(bounds, bounds[1:]):
        row = _merge_wrapped(list(rest[a:b]), width)
        nxt: Cell | None = None
        if len(row) > width and not is_numeric_cell(row[-1].text):
            nxt = row.pop()
        rows.append(Row(cells=tuple(row), group=group))
        if nxt is not None:
            group = nxt
    return tuple(header), rows


def _default_label(table_cells: Sequence[Cell]) -> Callable[[str], bool]:
    counts = Counter(c.text for c in table_cells)

    def is_label(text: str) -> bool:
        return (len(text) <= 4 and not any(ch.isdigit() for ch in text) and counts[text] <= 2
                and not re.search(r"[级性类型]$|园区|[()（）]", text))

    return is_label


def _by_key(cells: Sequence[Cell], is_label: Callable[[str], bool] | None
            ) -> tuple[tuple[Cell, ...], list[Row]] | None:
    kinds = [_kind(c.text) for c in cells]
    keys = [i for i in range(len(cells) - 1)
            if kinds[i] == "t" and kinds[i + 1] == "n"
            and not re.search("[、,，;；]", cells[i].text) and not _header_like_only(cells[i].text)]
    if len(keys) < 2:
        return None
    if _has_unit_column(c.text for c in cells[:keys[0]]):
        keys = _unit_keys_back(cells, kinds, keys)
    label = is_label or _default_label(cells)
    first = keys[0]
    header_end = first - 1 if first > 0 and label(cells[first - 1].text) else first
    header_end = max(header_end, 0)
    header = tuple(cells[:header_end])
    rest = _strip_repeats(list(cells[header_end:]), [h.text for h in header])
    return _by_key_rows(header, rest, label)


def _by_key_rows(header: tuple[Cell, ...], cells: Sequence[Cell], label: Callable[[str], bool]
                 ) -> tuple[tuple[Cell, ...], list[Row]] | None:
    kinds = [_kind(c.text) for c in cells]
    keys = [i for i in range(len(cells) - 1)
            if kinds[i] == "t" and kinds[i + 1] == "n"
            and not re.search("[、,，;；]", cells[i].text) and not _header_like_only(cells[i].text)]
    if len(keys) < 2:
        return None
    if _has_unit_column(h.text for h in header):
        keys = _unit_keys_back(cells, kinds, keys)
    # a row normally holds the same count of numbers; a key that leaves two short rows is a
    # value (a one-item list of industries), not a new row
    def numbers(a: int, b: int) -> int:
        return sum(1 for k in kinds[a:b] if k == "n")

    spans = list(zip(keys, keys[1:] + [len(cells)]))
    mode = Counter(numbers(a, b) for a, b in spans).most_common(1)[0][0]
    merged: list[int] = [keys[0]]
    for k in range(1, len(keys)):
        a = merged[-1]
        b = keys[k]
        c = keys[k + 1] if k + 1 < len(keys) else len(cells)
        if numbers(a, b) < mode and numbers(a, c) <= mode:
            continue
        merged.append(b)
    keys = merged
    rows: list[Row] = []
    first = keys[0]
    group: Cell | None = cells[first - 1] if first > 0 and label(cells[first - 1].text) else None
    for k, i in enumerate(keys):
        stop = keys[k + 1] if k + 1 < len(keys) else len(cells)
        body = list(cells[i:stop])
        nxt: Cell | None = None
        if k + 1 < len(keys) and len(body) > 2 and label(body[-1].text):
            nxt = body.pop()
        rows.append(Row(cells=tuple(body), group=group))
        if nxt is not None:
            group = nxt
    return header, rows


_UNIT_HEADER = re.compile(r"^(?:单\s*位|计量单位)$")
_UNIT_CELL = re.compile(r"^(?:%|‰|[万亿千百]?(?:元|美元|吨|辆|台|套|个|家|项|人|户|亩|千瓦|千瓦时|标准煤|吨标准煤|平方公里|公里|"
                        r"平方米|立方米|件|条|座|所|艘|箱|标箱|GWh|MW|GW))$")


def _has_unit_column(header: Iterable[str]) -> bool:
    return any(_UNIT_HEADER.match(h.strip()) for h in header)


def _unit_keys_back(cells: Sequence[Cell], kinds: Sequence[str], keys: list[int]) -> list[int]:
    """In a table with a unit column, a row starts at its name, not at the unit cell that
    stands before the first number (`新能源汽车产量 / 万辆 / 8.5 / 30`)."""
    out: list[int] = []
    for i in keys:
        if (i > 0 and kinds[i - 1] == "t" and _UNIT_CELL.match(cells[i].text.strip())
                and not _UNIT_CELL.match(cells[i - 1].text.strip()) and (not out or out[-1] < i - 1)):
            out.append(i - 1)
        else:
            out.append(i)
    return out


def _header_like_only(text: str) -> bool:
    return bool(re.fullmatch(r"[(（].*[)）]", text))


# --- TAB-separated rows (docx, html, xlsx and csv readers) -----------------------------

_TITLE_PUNCT = re.compile(r"[。;；!?！？]|[,，].*[,，]")


def _split_row(line: Cell) -> tuple[Cell, ...]:
    """The cells of a TAB-separated line (an empty cell is an empty span where it stands)."""
    out: list[Cell] = []
    pos = line.start
    for part in line.text.split("\t"):
        lead = len(part) - len(part.lstrip())
        body = part.strip()
        out.append(Cell(text=body, start=pos + lead, end=pos + lead + len(body)))
        pos += len(part) + 1
    return tuple(out)


def _raw_lines(text: str) -> list[Cell]:
    """Every line of ``text`` (blank ones too) with its span."""
    out: list[Cell] = []
    pos = 0
    for line in text.split("\n"):
        out.append(Cell(text=line, start=pos, end=pos + len(line)))
        pos += len(line) + 1
    return out


def _group_row(cells: Sequence[Cell]) -> Cell | None:
    """A row that only labels the rows below it (one text, maybe repeated over merged cells)."""
    filled = [c for c in cells if c.text]
    if filled and len({c.text for c in filled}) == 1 and (len(filled) < len(cells) or len(cells) > 2) \
            and not is_numeric_cell(filled[0].text):
        return filled[0]
    return None


def _tab_caption(lines: Sequence[Cell], first: int) -> Cell | None:
    """The title line just above a block of TAB rows (at most one blank line between)."""
    for k in (first - 1, first - 2):
        if k < 0:
            return None
        t = lines[k].text.strip()
        if not t:
            continue
        if "\t" in t or len(t) > _MAX_CELL:
            return None
        if _CAPTION.match(t) or (len(t) <= 40 and not _TITLE_PUNCT.search(t)):
            s = lines[k].start + len(lines[k].text) - len(lines[k].text.lstrip())
            return Cell(text=t, start=s, end=s + len(t))
        return None
    return None


def _tab_table(lines: Sequence[Cell], first: int, last: int) -> Table | None:
    rows = [_split_row(lines[k]) for k in range(first, last)]
    header = rows[0]
    out: list[Row] = []
    group: Cell | None = None
    for cells in rows[1:]:
        label = _group_row(cells)
        if label is not None:
            group = label
            continue
        out.append(Row(cells=cells, group=group))
    if not out:
        return None
    caption = _tab_caption(lines, first)
    return Table(caption=caption, header=header, rows=tuple(out), orientation="tabs",
                 start=caption.start if caption else lines[first].start, end=lines[last - 1].end)


def tab_tables(text: str) -> list[Table]:
    """Tables written one row a line with TAB-separated cells: the first row is the header, a
    row holding one text only (a merged cell) labels the rows after it."""
    if "\t" not in text:
        return []
    lines = _raw_lines(text)
    tables: list[Table] = []
    k = 0
    while k < len(lines):
        if "\t" not in lines[k].text:
            k += 1
            continue
        j = k
        while j < len(lines) and "\t" in lines[j].text:
            j += 1
        if j - k >= 2:
            table = _tab_table(lines, k, j)
            if table is not None:
                tables.append(table)
        k = j
    return tables


def find_tables(text: str, *, is_label: Callable[[str], bool] | None = None) -> list[Table]:
    """The tables of ``text`` rebuilt into rows (see the module docstring), TAB-separated
    rows included (:func:`tab_tables`).

    ``is_label`` tells a group-label cell (a city heading a block of rows) from a value; by
    default a short cell without digits that occurs at most twice is a label.
    """
    tables = tab_tables(text)
    for cap in _lines(text, 0, len(text)):
        if not _CAPTION.match(cap.text) or len(cap.text) > _MAX_CELL or "\t" in cap.text:
            continue
        if any(t.caption is not None and t.caption.start == cap.start for t in tables):
            continue
        cells = cells_of(text, cap)
        if len(cells) < 4:
            continue
        built: tuple[tuple[Cell, ...], list[Row]] | None = None
        orientation = "rows"
        starts = _seq_starts(cells)
        if starts:
            built = _by_sequence(cells, starts)
        if built is None:
            built = _by_label_rows(cells)
        if built is None:
            built = _columnwise(cells)
            orientation = "columns" if built else "rows"
        if built is None:
            built = _by_header_width(cells)
        if built is None:
            built = _by_key(cells, is_label)
        if built is None:
            continue
        header, rows = built
        rows = [r for r in rows if r.cells]
        if not rows:
            continue
        tables.append(Table(caption=cap, header=header, rows=tuple(rows), orientation=orientation,
                            start=cap.start, end=cells[-1].end))
    return sorted(tables, key=lambda t: t.start)
