"""Text normalization with an offset map back to the original.

``normalize(original)`` runs, in order, each step as its own function over a
:class:`Normalized` (text + offsets into the original):

1. :func:`nfkc` — Unicode NFKC, per character cluster so offsets stay mappable;
2. :func:`strip_noise` — what web reposts put into a text and no reader wants: pinyin
   glosses after characters (`經(jīng)濟(jì)`), a gloss cut off at the end of a line (`城鎮(z`),
   runs of `?` and replacement characters left by a wrong encoding, numbers with leading
   zeros that page scrapers leave between words (`003010`);
3. :func:`simplify` — traditional to simplified Chinese (OpenCC t2s), 1:1 per line
   when the lengths agree, per character otherwise;
4. :func:`fix_spaces` — spaces that PDF export put between Chinese characters (and between
   Chinese and digits or punctuation) removed, spaces inside Latin words and between numbers
   kept, line ends stripped; TABs between cells of a table row (one row a line, as the docx,
   html, xlsx and csv readers write tables) kept as cell separators;
5. :func:`drop_boilerplate` — site furniture lines dropped (menus, breadcrumbs, year indexes,
   share buttons, copyright notices: the markers are ``boilerplate_markers`` of the lexicon);
   a page's metadata line (`时间:… 来源:…`) is kept, the document profile reads it;
6. :func:`join_wrapped_lines` — lines broken mid-sentence by a fixed-width layout joined
   (never across headings, list items, short table cells or TAB-separated rows);
7. :func:`collapse_blank_lines` — runs of blank lines (blank lines holding spaces too)
   collapsed to one.

Every step keeps the invariant ``len(offsets) == len(text) + 1`` with the last entry
``len(original)``; ``offsets[i]`` is the index in the original of the character that
produced ``text[i]``, and offsets never decrease.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from gxatlas.names import to_simplified

__all__ = [
    "Normalized",
    "normalize",
    "identity",
    "nfkc",
    "simplify",
    "strip_noise",
    "fix_spaces",
    "drop_boilerplate",
    "join_wrapped_lines",
    "collapse_blank_lines",
    "is_cjk",
]


@dataclass(frozen=True)
class Normalized:
    """Normalized text and, per character, the index in the original that produced it."""

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original that the half-open span ``[start, end)`` came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}-{end} outside text of length {len(self.text)}")
        if start == end:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def identity(original: str) -> Normalized:
    """The unnormalized text with the identity offset map."""
    return Normalized(text=original, offsets=tuple(range(len(original) + 1)))


def _edit(n: Normalized, edits: Iterable[tuple[int, int, str]]) -> Normalized:
    """Apply sorted, non-overlapping replacements ``(start, end, new)`` to ``n``.

    The characters of ``new`` are attributed to the first replaced character (or, for an
    insertion, to the character that follows), so offsets stay monotone.
    """
    parts: list[str] = []
    offs: list[int] = []
    pos = 0
    text, old = n.text, n.offsets
    changed = False
    for start, end, new in edits:
        if start < pos:
            continue  # overlapping edit: the earlier one wins
        changed = True
        parts.append(text[pos:start])
        offs.extend(old[pos:start])
        parts.append(new)
        offs.extend([old[start]] * len(new))
        pos = end
    if not changed:
        return n
    parts.append(text[pos:])
    offs.extend(old[pos:])  # includes the final sentinel
    return Normalized(text="".join(parts), offsets=tuple(offs))


# --- 1. NFKC -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _nfkc(segment: str) -> str:
    return unicodedata.normalize("NFKC", segment)


def nfkc(n: Normalized) -> Normalized:
    """Unicode NFKC per character cluster (a base and its combining marks).

    A character that expands (``㎡`` → ``m2``) maps every output character to itself; a
    cluster that contracts maps to its first character.
    """
    text = n.text
    if unicodedata.is_normalized("NFKC", text):
        return n
    edits: list[tuple[int, int, str]] = []
    combining = unicodedata.combining
    size = len(text)
    pos = 0
    # ASCII and CJK ideographs are NFKC-stable: only the other characters are looked at
    for m in _MAYBE_CHANGED.finditer(text):
        i = j = m.start()
        if i < pos:
            continue  # already inside the previous cluster
        if combining(text[i]) and i - 1 >= pos:
            i -= 1  # a combining mark belongs with the base before it
        j += 1
        while j < size and combining(text[j]):
            j += 1
        seg = text[i:j]
        out = _nfkc(seg)
        if out != seg:
            edits.append((i, j, out))
        pos = j
    return _edit(n, edits)


_MAYBE_CHANGED = re.compile("[^\x00-\x7f\u4e00-\u9fff]")


# --- 2. noise of web reposts --------------------------------------------------------------

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN = f"a-zü{_TONED}"
_HAN_BEFORE = r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
# `經(jīng)`: a gloss holds one syllable with a tone mark; `城鎮(z` at a line's end is one cut off
_GLOSS = re.compile(_HAN_BEFORE + rf"\((?=[{_PINYIN}]*[{_TONED}])[{_PINYIN}]{{1,7}}\)"
                    + "|" + _HAN_BEFORE + rf"\([{_PINYIN}]{{0,7}}(?=\s*$|\?)", re.M)
# `????`, `\ufffd`: characters lost to a wrong encoding
_LOST = re.compile(r"\?{2,}|\ufffd+")
# `003010` between words: a counter or id a page scraper left, never a quantity (a quantity
# has no leading zero); phone numbers (`0771-…`) and dates are left alone
_SCRAPED = re.compile(r"(?<![\d.:/\-])0\d{3,}(?![\d.:/\-])")


def strip_noise(n: Normalized) -> Normalized:
    """Pinyin glosses (`經(jīng)濟(jì)` → `經濟`, a cut-off `城鎮(z` → `城鎮`), runs of `?` or
    U+FFFD left by a wrong encoding, and numbers with leading zeros scraped into running text
    (`003010`) removed; everything else kept, offsets mapped."""
    text = n.text
    if "(" not in text and "?" not in text and "\ufffd" not in text and "0" not in text:
        return n
    edits = [(m.start(), m.end(), "") for m in _GLOSS.finditer(text)]
    edits += [(m.start(), m.end(), "") for m in _LOST.finditer(text)]
    edits += [(m.start(), m.end(), "") for m in _SCRAPED.finditer(text) if _between_words(text, *m.span())]
    return _edit(n, sorted(edits))


def _between_words(text: str, start: int, end: int) -> bool:
    """A scraped number sits between Chinese text (or a line edge) on both sides; alone on a
    line it is no table cell either (a cell's number has no leading zero)."""
    left = text[start - 1] if start > 0 else "\n"
    right = text[end] if end < len(text) else "\n"
    return (left == "\n" or is_cjk(left)) and (right == "\n" or is_cjk(right))


# --- 3. traditional -> simplified --------------------------------------------------------


def simplify(n: Normalized) -> Normalized:
    """Traditional to simplified Chinese (OpenCC t2s), keeping the offset map.

    Each line is converted whole (OpenCC uses phrases); when the converted line has the same
    length it is taken character for character, otherwise each character is converted alone.
    """
    text = n.text
    converted = to_simplified(text)
    if converted == text:
        return n
    edits: list[tuple[int, int, str]] = []
    if len(converted) == len(text) and converted.count("\n") == text.count("\n"):
        lines_old = text.split("\n")
        lines_new = converted.split("\n")
        if all(len(a) == len(b) for a, b in zip(lines_old, lines_new)):
            return Normalized(text=converted, offsets=n.offsets)
    pos = 0
    for line in text.splitlines(keepends=True):
        new = to_simplified(line)
        if new != line:
            if len(new) == len(line):
                edits.extend((pos + k, pos + k + 1, b) for k, (a, b) in enumerate(zip(line, new)) if a != b)
            else:
                for k, ch in enumerate(line):
                    out = _t2s_char(ch)
                    if out != ch:
                        edits.append((pos + k, pos + k + 1, out))
        pos += len(line)
    return _edit(n, edits)


@functools.lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    return to_simplified(ch)


# --- 4. spaces ---------------------------------------------------------------------------


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (including extension A and compatibility ideographs)."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3134F or o == 0x3007)


def _is_cjk_punct(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x303F or 0x2010 <= o <= 0x206F or 0xFF00 <= o <= 0xFFEF or 0x25A0 <= o <= 0x25FF


_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _kind(ch: str) -> str:
    """c: Chinese (ideograph or CJK punctuation), d: digit, p: ASCII punctuation, l: other."""
    if is_cjk(ch) or _is_cjk_punct(ch):
        return "c"
    if ch.isdigit():
        return "d"
    if ch in _ASCII_PUNCT:
        return "p"
    return "l"


_HSPACE = re.compile(r"[ \t\u00a0\u3000\u2000-\u200b\u202f\u205f\ufeff]+")


def _drop_space(left: str, right: str) -> bool:
    a, b = _kind(left), _kind(right)
    if "l" in (a, b):
        return False  # Latin words keep their spaces: `PS 板`, `Intel Core`
    return "c" in (a, b) or (a == "p" and b == "p")


_OPENERS = frozenset("([{")
_CLOSING = frozenset(")]}")


def _punct_space(text: str, s: int, e: int) -> bool:
    """A space PDF export put between Chinese punctuation (ASCII after NFKC) and a number:
    `; 2022年`, `( 2023—2026年)`, `2026年 )`. Latin text keeps its spaces (`1, 2`): the
    punctuation must open a bracket or follow (precede) a Chinese character."""
    left, right = text[s - 1], text[e]
    before = text[max(0, s - 16):s - 1].rstrip(" \t\u3000")  # PDF spacing: `家 ； 2022`
    if _kind(left) == "p" and _kind(right) == "d":
        return left in _OPENERS or (left in ",;:" and bool(before) and _kind(before[-1]) == "c")
    if _kind(left) == "d" and right in _CLOSING:
        return bool(re.search(r"[\u4e00-\u9fff][\d.—–\- ]*$", text[max(0, s - 16):s]))
    return False


def fix_spaces(n: Normalized) -> Normalized:
    """Remove spaces PDF export put inside Chinese text; keep them in Latin text and numbers.

    ``北 部湾`` → ``北部湾``, ``2020 年`` → ``2020年``, ``1000 万吨`` → ``1000万吨``; ``PS 板`` and
    ``Intel Core`` keep their space, ``2017-06-14 14:40`` too. Spaces at line ends go. A TAB
    inside a line separates table cells and stays (`指标\t2020年` keeps it; spaces around it go);
    leading TABs stay only on a line with a TAB further on (empty first cells).
    """
    text = n.text
    edits: list[tuple[int, int, str]] = []
    for m in _HSPACE.finditer(text):
        s, e = m.span()
        left = text[s - 1] if s > 0 else "\n"
        right = text[e] if e < len(text) else "\n"
        tabs = m.group().count("\t")
        if tabs and right not in "\r\n" and (left not in "\r\n" or _row_follows(text, e)):
            new = "\t" * tabs  # cell separators of a table row (docx, html, xlsx, csv)
            if new != m.group():
                edits.append((s, e, new))
        elif left == "\n" or right == "\n" or left == "\r" or right == "\r":
            edits.append((s, e, ""))
        elif _drop_space(left, right) or _punct_space(text, s, e):
            edits.append((s, e, ""))
        elif e - s > 1 or m.group() != " ":
            edits.append((s, e, " "))
    out = _edit(n, edits)
    if "\r" in out.text:
        out = _edit(out, _cr_edits(out.text))
    return out


def _row_follows(text: str, pos: int) -> bool:
    """Whether the line from ``pos`` holds another TAB (leading TABs are then empty cells)."""
    end = text.find("\n", pos)
    return "\t" in text[pos:end if end >= 0 else len(text)]


def _cr_edits(text: str) -> list[tuple[int, int, str]]:
    """``\\r\\n`` and lone ``\\r`` to ``\\n`` (the ``\\n`` keeps its own offset)."""
    edits: list[tuple[int, int, str]] = []
    for m in re.finditer(r"\r\n?", text):
        if m.group() == "\r\n":
            edits.append((m.start(), m.start() + 1, ""))
        else:
            edits.append((m.start(), m.end(), "\n"))
    return edits


# --- 5. site furniture ----------------------------------------------------------------------

_ITEM_SEPARATORS = re.compile(r"[|>›»]|\s{2,}")
# a page's metadata line dates the text: kept whatever markers it holds
_DATED = re.compile(r"(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}")
_YEAR_RUN = re.compile(r"(?:(?:19|20)\d{2}\s*){5,}")
_SENTENCE_PUNCT = re.compile("[。；;]")
_PROSE_PUNCT_ANY = re.compile("[,，、。；;]")


@functools.lru_cache(maxsize=1)
def _boilerplate_marker() -> re.Pattern[str]:
    from gxatlas.data.lexicon import lexicon

    return lexicon().pattern("boilerplate_markers")


def is_boilerplate(line: str) -> bool:
    """A line of site furniture: it holds a boilerplate marker and is short, or is made of
    separated items (`加入收藏|会员中心`, `首页>统计公报>广西`), or lists years (an index);
    never a line that reads as a sentence."""
    s = line.strip()
    if not s or _SENTENCE_PUNCT.search(s[:-1]) or _DATED.search(s):
        return False
    if _YEAR_RUN.search(s) and len(_YEAR_RUN.sub("", s)) <= 40:
        return True
    if not _boilerplate_marker().search(s):
        return False
    return (len(s) <= 20 and not _PROSE_PUNCT_ANY.search(s)) or len(_ITEM_SEPARATORS.findall(s)) >= 2


_CELL_MARK = re.compile(r"\s*\|\s*$")


def drop_boilerplate(n: Normalized) -> Normalized:
    """Lines of site furniture (see :func:`is_boilerplate`) removed with their line break;
    the `|` a scraper left after each cell of a table flattened one cell per line (`58 |`)
    removed where two such lines follow each other."""
    text = n.text
    edits: list[tuple[int, int, str]] = []
    pos = 0
    lines = text.split("\n")
    marked = [bool(_CELL_MARK.search(line)) and len(line) <= 60 for line in lines]
    for k, line in enumerate(lines):
        end = pos + len(line)
        if "\t" not in line and is_boilerplate(line):
            edits.append((pos, min(end + 1, len(text)), ""))
        elif marked[k] and ((k > 0 and marked[k - 1]) or (k + 1 < len(lines) and marked[k + 1])):
            m = _CELL_MARK.search(line)
            edits.append((pos + m.start(), end, ""))
        pos = end + 1
    return _edit(n, edits)


# --- 6. lines broken by a fixed-width layout ---------------------------------------------

_SENTENCE_END = frozenset("。！？!?；;：:…")
_CLOSERS = frozenset("”’」』)）】》〉\"'")
# headings, list items and captions that start a line of their own
_NEW_BLOCK = re.compile(
    r"(?:第[一二三四五六七八九十百零〇\d]+[章节条部篇]"
    r"|[(（][一二三四五六七八九十\d]+[)）]"
    r"|[一二三四五六七八九十]+[、.．]"
    r"|\d+(?:\.\d+)*[、.．)）](?!\d)"
    r"|[①-⑳⑴-⒇]"
    r"|[●■◆▪•·※★☆○◇□▲►\-—]{1,2}(?!—)"
    r"|(?:表|图|专栏|附图|附表|附件)\s*\d+(?![\d所中和的、,及与为可显列至-])"
    r"|注[:：]|(?:资料|数据)?来源[:：])"
)


_PROSE_PUNCT = re.compile("[,、。;:，；：“”!?！？]")
_CAPTION = re.compile(r"(?:表|图|专栏|附图|附表|附件)\s*\d+")


def _local_widths(lengths: Sequence[int], prose: Sequence[bool], *, radius: int = 4,
                  tolerance: int = 2) -> list[int | None]:
    """Per non-blank line, the width at which its neighbourhood wraps, or None.

    ``prose[i]`` says whether line i has inner punctuation (a comma, 、, 。 ...): table cells of
    similar length (document numbers, titles) do not, and are never taken for wrapped prose.

    A neighbourhood (the line and ``radius`` non-blank lines each side) wraps at a fixed
    width when at least three of its lines of 12 or more characters lie within
    ``tolerance`` of the longest such length below the neighbourhood's outliers. Prose with
    one line per paragraph, short table cells and headings have no such width.
    """
    out: list[int | None] = []
    size = len(lengths)
    for i in range(size):
        lo, hi = max(0, i - radius), i + radius + 1
        window = [k for k in lengths[lo:hi] if k >= 12]
        if len(window) < 3 or 2 * sum(prose[lo:hi]) < len(window):
            out.append(None)
            continue
        best, best_count = _dominant_width(window, tolerance=tolerance)
        if best_count < 3 or best > 160:
            out.append(None)
        else:
            out.append(max(k for k in window if abs(k - best) <= tolerance))
    return out


def _dominant_width(window: Sequence[int], *, tolerance: int) -> tuple[int, int]:
    """The line length most lines of ``window`` lie within ``tolerance`` of (the widest such
    on a tie), and how many do."""
    counts: Counter[int] = Counter(window)
    best, best_count = 0, 0
    for k in counts:
        c = sum(counts[k + d] for d in range(-tolerance, tolerance + 1))
        if c > best_count or (c == best_count and k > best):
            best, best_count = k, c
    return best, best_count


def _page_width(lengths: Sequence[int], prose: Sequence[bool], *, tolerance: int = 1) -> int | None:
    """The width most prose lines of a document stop at, when at least half its prose lines
    of 12 or more characters (and at least five) lie within ``tolerance`` of it."""
    window = [k for k, p in zip(lengths, prose) if k >= 12 and p]
    if len(window) < 5:
        return None
    best, best_count = _dominant_width(window, tolerance=tolerance)
    if 2 * best_count < len(window) or best_count < 5 or best > 160:
        return None
    return max(k for k in window if abs(k - best) <= tolerance)


_NARROW = re.compile(r"[0-9A-Za-z .%\-+/]")


def _display_width(line: str) -> int:
    """The width a line takes in a fixed-width layout, in Chinese characters: digits, Latin
    letters and ASCII spaces take half a character (`2022年1-6月` is 6 wide, not 9)."""
    return len(line) - len(_NARROW.findall(line)) // 2


def _joinable(line: str, nxt: str, width: int) -> bool:
    if _display_width(line) < width - 3 or not nxt or "\t" in line or "\t" in nxt:
        return False  # TAB-separated lines are table rows
    last = line[-1]
    if last in _SENTENCE_END or _CAPTION.match(line):
        return False
    if not (_PROSE_PUNCT.search(line) or _PROSE_PUNCT.search(nxt)):
        return False  # two lines without punctuation: table cells or titles, not prose
    if last in _CLOSERS and len(line) >= 2 and line[-2] in _SENTENCE_END:
        return False
    return not _NEW_BLOCK.match(nxt)


def join_wrapped_lines(n: Normalized) -> Normalized:
    """Join lines that a fixed-width layout broke mid-sentence.

    A line is joined to the next non-blank line (at most one blank line between) when its
    neighbourhood wraps at a fixed width, the line reaches that width, it does not end a
    sentence, and the next line does not start a heading, list item or caption. Between two
    Latin letters the break becomes a space.
    """
    text = n.text
    if "\n" not in text:
        return n
    lines = text.split("\n")
    starts: list[int] = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    # headings and list items do not show the wrap width: they end where their text ends
    lengths = [0 if _NEW_BLOCK.match(lines[i]) else _display_width(lines[i]) for i in filled]
    prose = [bool(_PROSE_PUNCT.search(lines[i])) for i in filled]
    widths = _local_widths(lengths, prose)
    # list items (`(一)…`) show no width of their own: a list item wrapped over two lines
    # takes the width the document's prose wraps at, when it has one
    page = _page_width(lengths, prose)
    widths = [page if w is None and lengths[k] == 0 and not _CAPTION.match(lines[filled[k]]) else w
              for k, w in enumerate(widths)]
    edits: list[tuple[int, int, str]] = []
    for k in range(len(filled) - 1):
        i, j = filled[k], filled[k + 1]
        width = widths[k]
        if width is None or j - i > 2:
            continue
        line, nxt = lines[i], lines[j]
        if _joinable(line, nxt, width):
            sep = " " if _kind(line[-1]) == "l" and _kind(nxt[0]) == "l" else ""
            edits.append((starts[i] + len(line), starts[j], sep))
    return _edit(n, edits)


# --- 7. blank lines ----------------------------------------------------------------------

_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n){2,}")


def collapse_blank_lines(n: Normalized) -> Normalized:
    """Runs of blank lines become one blank line; leading and trailing blank lines go."""
    text = n.text
    edits = [(m.start(), m.end(), "\n\n") for m in _BLANK_RUN.finditer(text)]
    out = _edit(n, edits)
    lead = len(out.text) - len(out.text.lstrip("\n"))
    trail = len(out.text) - len(out.text.rstrip("\n"))
    tail: list[tuple[int, int, str]] = []
    if lead:
        tail.append((0, lead, ""))
    if trail and trail < len(out.text):
        tail.append((len(out.text) - trail, len(out.text), ""))
    return _edit(out, tail)


# --- the pipeline ------------------------------------------------------------------------

STEPS = (nfkc, strip_noise, simplify, fix_spaces, drop_boilerplate, join_wrapped_lines,
         collapse_blank_lines)


def normalize(original: str) -> Normalized:
    """Normalize ``original`` (all steps in order), keeping the map back to it."""
    n = identity(original)
    for step in STEPS:
        n = step(n)
    return n
