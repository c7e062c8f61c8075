"""Plan audit: where a plan's numbers do not hold together.

Each rule has a stable id and returns :class:`Finding` objects. Rules read the document's
normalized text (``Document.text``) and its extracted facts; they never look at file names or
at particular numbers. A finding must be true of the document, so every rule errs on the
side of silence: lists that end in ``等``, figures that agree within rounding, parts that may
overlap and counts whose subject is unclear give no finding.

Rules (severity):

* ``INDICATOR_CONFLICT`` (error): one indicator, same scope, unit and year, stated with
  different values in different places (prose vs table, chapter vs chapter);
* ``GROWTH_INCONSISTENT`` (error): a stated average annual growth rate that differs from the
  compound growth implied by the stated baseline and target by more than
  :data:`GROWTH_TOLERANCE_PP` percentage points (after allowing for the rounding of the
  figures), or from a stated multiple (``是2010年的1.9倍``) over the stated years;
* ``SHARE_IMPOSSIBLE`` (error): a three-sector structure not summing to 100 within rounding, a
  share over 100%, parts (named regions, which cannot overlap) larger than their total;
* ``BASELINE_CONTRADICTION`` (error): a count of things in a year stated differently in two
  places (a table baseline vs the prose that enumerates them, ``零突破``/``第一个`` = 1);
* ``MULTIPLIER_AMBIGUOUS`` (warning): ``增长N倍`` where the figures show the ratio is N
  (``增长N倍`` means the ratio is N+1);
* ``COUNT_MISMATCH`` (error): a list announced as N items (``N个``/``N家``/``N大``) with a
  different number of items listed (inline lists and numbered sub-items of a heading);
* ``TARGET_BOUND_CONFLICT`` (error): a target stated with a comparator (``达到3200亿元以上``,
  ``控制在…以内``) that the plan's other statement of the same indicator, scope, unit and year
  (its table) does not meet (table 3000 < 3200); a table value inside the bound
  (``3000亿元以上`` with 3200 in the table) is consistent and gives nothing. Pairs with a
  comparator are judged here, not by ``INDICATOR_CONFLICT``;
* ``LIST_COUNT_MISMATCH`` (error): a count announced right before a colon and its list
  (``建设3个自治区级开发区：甲、乙。``, or the numbered lines that follow the colon) that the
  list contradicts.

Across the knowledge base (``cross_source``, over `gxatlas.kb.statements`):

* ``CROSS_SOURCE_CONFLICT`` (error): one figure of one entity (an indicator's baseline or
  target of a year, a park's area or output target, a project's investment) stated with
  different values by different sources: the atlas (a plan's table) and a document's prose,
  a plan and a later report; a bound another source's value meets (``超过15000`` and 15800)
  is no conflict. The statements stay side by side in the KB; this says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from gxatlas.analysis import growth
from gxatlas.extract.facts import Evidence, Fact
from gxatlas.extract.numbers import Quantity, cn_number, find_quantities, find_years, parse_number
from gxatlas.names import name_key
from gxatlas.units import in_base, normalize_unit, unit_family

if TYPE_CHECKING:
    from gxatlas.kb.statements import Statement

RULES: dict[str, str] = {
    "INDICATOR_CONFLICT": "error",
    "GROWTH_INCONSISTENT": "error",
    "SHARE_IMPOSSIBLE": "error",
    "BASELINE_CONTRADICTION": "error",
    "MULTIPLIER_AMBIGUOUS": "warning",
    "COUNT_MISMATCH": "error",
    "TARGET_BOUND_CONFLICT": "error",
    "LIST_COUNT_MISMATCH": "error",
}
#: The rule over the KB's statements (not one text), with its severity.
CROSS_SOURCE_RULE = ("CROSS_SOURCE_CONFLICT", "error")
RULE_ZH = {
    "INDICATOR_CONFLICT": "同一指标数值不一致",
    "GROWTH_INCONSISTENT": "增速与基数、目标不符",
    "SHARE_IMPOSSIBLE": "比重或结构不可能成立",
    "BASELINE_CONTRADICTION": "基数与文中事实矛盾",
    "MULTIPLIER_AMBIGUOUS": "“增长N倍”表述有歧义",
    "COUNT_MISMATCH": "所称数量与列举项数不符",
    "TARGET_BOUND_CONFLICT": "目标的上下限与表格数值不符",
    "LIST_COUNT_MISMATCH": "冒号前所称数量与其后列举不符",
    "CROSS_SOURCE_CONFLICT": "不同来源数值不一致",
}
#: Largest gap (percentage points) tolerated between a stated and an implied growth rate.
GROWTH_TOLERANCE_PP = 0.5
_QUOTE_MAX = 80


@dataclass(frozen=True)
class Finding:
    """One problem: rule id, severity, indicator as written, the numbers, a sentence, spans."""

    rule: str
    severity: str
    indicator: str
    values: tuple[Any, ...]
    message: str
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "indicator": self.indicator,
                "values": list(self.values), "message": self.message,
                "evidence": [{"doc": e.doc, **e.to_dict()} for e in self.evidence]}


class _Text:
    """The document text with helpers for spans and sentences."""

    def __init__(self, doc: str, text: str) -> None:
        self.doc, self.text = doc, text

    def ev(self, start: int, end: int, *, reason: str | None = None) -> Evidence:
        quote = self.text[start:end].replace("\n", " ")
        if len(quote) > _QUOTE_MAX:
            quote = quote[:_QUOTE_MAX - 1] + "…"
        return Evidence(doc=self.doc, start=start, end=end, quote=quote,
                        alignment="exact" if reason is None else "fuzzy", reason=reason)

    def sentences(self) -> Iterable[tuple[int, int]]:
        start = 0
        for m in re.finditer(r"[。;；!?！？\n]", self.text):
            if m.start() > start:
                yield start, m.start()
            start = m.end()
        if start < len(self.text):
            yield start, len(self.text)

    def lines(self) -> list[tuple[int, int]]:
        out, start = [], 0
        for m in re.finditer(r"\n", self.text):
            out.append((start, m.start()))
            start = m.end()
        out.append((start, len(self.text)))
        return out


def _num(v: float) -> float | int:
    r = round(float(v), 6)
    return int(r) if r == int(r) else r


def _fmt(v: float) -> str:
    return f"{_num(v):g}" if abs(v) < 1e15 else str(v)


def _half_unit(q_text: str) -> float:
    m = re.search(r"\d+(?:\.(\d+))?", q_text)
    return 0.5 * 10.0 ** (-(len(m.group(1)) if m and m.group(1) else 0))


def _half_of(v: float) -> float:
    s = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return growth.rounding_interval(0.0, decimals=growth.decimals_of(s))[1]


# --- MULTIPLIER_AMBIGUOUS ------------------------------------------------------------------

_UP_BEFORE = re.compile(r"(?:增长|增加|提高|扩大|上升|翻)了?$")


def rule_multiplier(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """``由A…到B，增长N倍`` with B/A ≈ N (not N+1)."""
    out = []
    for s0, s1 in t.sentences():
        sent = t.text[s0:s1]
        qs = find_quantities(sent)
        for i, q in enumerate(qs):
            if q.unit != "倍" or i < 2 or not isinstance(q.value, (int, float)):
                continue
            if not _UP_BEFORE.search(sent[max(0, q.start - 4):q.start]):
                continue
            a, b = qs[i - 2], qs[i - 1]
            if a.unit != b.unit or a.unit in (None, "倍", "%") or \
                    not isinstance(a.value, (int, float)):
                continue
            lead = sent[(qs[i - 3].end if i >= 3 else 0):a.start]
            if not re.search(r"[由从](?:\d{4}年(?:的|底|末)?)?$", lead):
                continue
            if not re.search(r"(?:到|至)(?:\d{4}年(?:的|底|末)?)?$", sent[a.end:b.start]):
                continue
            if not a.value or b.value is None:
                continue
            ratio = float(b.value) / float(a.value)
            n = float(q.value)
            lo, hi = n - _half_unit(q.text), n + _half_unit(q.text)
            as_ratio = lo <= ratio <= hi
            as_growth = lo + 1 <= ratio <= hi + 1
            if not as_ratio or as_growth:
                continue
            name = _subject(sent[:a.start])
            msg = (f"由{_fmt(a.value)}{a.unit}到{_fmt(b.value)}{b.unit}是原来的{ratio:.2f}倍，"
                   f"即增长{ratio - 1:.2f}倍，文中“增长{_fmt(n)}倍”应写作“是原来的{_fmt(n)}倍”"
                   f"或“增长{ratio - 1:.1f}倍”。")
            out.append(Finding("MULTIPLIER_AMBIGUOUS", RULES["MULTIPLIER_AMBIGUOUS"], name,
                               (_num(a.value), _num(b.value), _num(n), round(ratio, 3)), msg,
                               (t.ev(s0 + a.start, s0 + q.end),)))
    return out


def _subject(before: str) -> str:
    """The indicator a clause is about: the words before ``由``/``从`` back to a break."""
    head = re.split(r"[由从](?=\d{4}年|\d)", before)[0]
    head = re.split(r"[,，:：()（）“”]", head)[-1]
    head = re.sub(r"^(?:其中|同时|全年|\d{4}年)", "", head)
    return head.strip() or before.strip()[-12:]


# --- COUNT_MISMATCH -------------------------------------------------------------------------

_CN = "一二两三四五六七八九十"
_COUNT = re.compile(rf"(?<![第\d.{_CN}])(?P<num>\d+|[{_CN}]+)(?P<m>个|家|大|项|座|条|类|所|市)")
_BOUNDARY = re.compile(r"[,，。;；:：“”\n]")
_AND = re.compile(r"(?:以及|和|及|与)")
_PAREN = re.compile(r"[(（][^()（）]*[)）]")


def _count_value(num: str) -> int | None:
    v = float(num) if num.isdigit() else cn_number(num)
    return int(v) if v is not None and v == int(v) else None


def _items(segment: str) -> tuple[list[str], int, int] | None:
    """Items of the ``、``-list that ends ``segment`` right before a count:
    (items, count, count if the last item's 和 joins two items), or None when unclear."""
    flat = _PAREN.sub(lambda m: "（" + "·" * (len(m.group()) - 2) + "）", segment)
    parts = flat.split("、")
    if len(parts) < 2 or "等" in parts[-1]:
        return None
    # two coordinations (甲、乙和丙、丁): the count belongs to the last one
    for i in range(len(parts) - 2, -1, -1):
        found = list(_AND.finditer(parts[i]))
        if found:
            parts = [parts[i][found[-1].end():]] + parts[i + 1:]
            break
    # the list must end right at the count (not 以甲、乙为重点的N个…, 甲、乙是N个…)
    if len(parts) < 2 or re.search(r"为|是|在|的$", parts[-1]) or parts[0].startswith("以"):
        return None
    if any(not p.strip() or re.fullmatch(r"[\d.%]+", p.strip()) for p in parts):
        return None
    n = len(parts)
    return parts, n, n + (1 if _AND.search(parts[-1]) else 0)


def rule_count(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """A list announced as N items with a different number listed."""
    out: list[Finding] = []
    for s0, s1 in t.sentences():
        sent = t.text[s0:s1]
        prev_end = 0
        for m in _COUNT.finditer(sent):
            n = _count_value(m.group("num"))
            seg_start = max(prev_end, _last_boundary(sent, m.start()))
            prev_end = m.end()
            if n is None or n < 2:
                continue
            # (a) the list just before the count: A、B和C 3个…
            got = _items(sent[seg_start:m.start()])
            if got:
                parts, k1, k2 = got
                if n not in (k1, k2):
                    noun = _noun_after(sent, m.end())
                    out.append(_count_finding(t, s0 + seg_start, s0 + m.end() + len(noun), n,
                                              m.group("m"), noun, k1))
                continue
            # (b) the list after the count: N个X，分别为A、B、C
            after = re.match(r"[^,，。;；]{0,20}?[,，]?(?:分别为|分别是|即|包括)[:：]?([^。;；\n,，]+)",
                             sent[m.end():])
            if after:
                got = _items(after.group(1))
                if got and n not in (got[1], got[2]):
                    noun = _noun_after(sent, m.end()) or sent[seg_start:m.start()]
                    out.append(_count_finding(t, s0 + seg_start, s0 + m.end() + after.end(), n,
                                              m.group("m"), noun, got[1]))
    out.extend(_numbered_lists(t))
    return out


def _last_boundary(sent: str, pos: int) -> int:
    b = 0
    for m in _BOUNDARY.finditer(sent, 0, pos):
        b = m.end()
    return b


def _noun_after(sent: str, pos: int) -> str:
    m = re.match(r"[^,，。;；、:：\n]{0,16}", sent[pos:])
    return m.group() if m else ""


def _count_finding(t: _Text, start: int, end: int, n: int, measure: str, noun: str,
                   listed: int) -> Finding:
    said = f"{n}{measure}{noun}" if t.text[start:end].find(noun) > t.text[start:end].find(
        f"{n}{measure}") else f"{noun}{n}{measure}"
    msg = f"文中称“{said}”，但实际列出{listed}项。"
    return Finding("COUNT_MISMATCH", RULES["COUNT_MISMATCH"], said, (n, listed), msg,
                   (t.ev(start, end),))


_HEADING = re.compile(r"^(?:[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章节])")
_ITEM = re.compile(r"^(\d{1,2})\s*[.、．]")


def _numbered_lists(t: _Text) -> list[Finding]:
    """A short heading announcing N things followed by numbered items 1..k, k != N."""
    out = []
    lines = [(a, b, t.text[a:b].strip()) for a, b in t.lines()]
    lines = [x for x in lines if x[2]]
    for i, (a, b, line) in enumerate(lines):
        if not _HEADING.match(line) or len(line) > 30:
            continue
        counts = list(_COUNT.finditer(line))
        if len(counts) != 1:
            continue
        n = _count_value(counts[0].group("num"))
        noun = _noun_after(line, counts[0].end())
        if n is None or n < 2 or len(noun) < 2:
            continue
        k, last_end, items = 0, b, []
        for a2, b2, line2 in lines[i + 1:]:
            if _HEADING.match(line2) or line2.startswith("专栏"):
                break
            m = _ITEM.match(line2)
            if m:
                if int(m.group(1)) != k + 1:
                    break
                k, last_end = k + 1, b2
                items.append(line2)
        if k < 2 or k == n:
            continue
        # the items must be the announced things: most of them name the heading's noun
        tail = noun[-2:]
        if sum(1 for it in items if any(ch in it[:30] for ch in tail)) * 2 < len(items):
            continue
        msg = f"标题称“{n}{counts[0].group('m')}{noun}”，但其下编号列出{k}项。"
        out.append(Finding("COUNT_MISMATCH", RULES["COUNT_MISMATCH"],
                           f"{n}{counts[0].group('m')}{noun}", (n, k), msg,
                           (t.ev(a, b), t.ev(a, last_end, reason="标题及其下编号各项"))))
    return out


# --- SHARE_IMPOSSIBLE -----------------------------------------------------------------------

_STRUCTURE = re.compile(r"(?:三次产业结构|三产结构|产业结构|三次产业比例|三次产业比重)")
_SHARE_WORD = re.compile(r"(?:比重|占比|比例|份额|利用率|覆盖率|普及率|达标率|合格率|率)")
_CHANGE_WORD = re.compile(r"(?:增长|增速|增幅|增加|提高(?!到|至)|上升(?!到|至)|倍)")


def rule_share(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """Three-sector structures not summing to 100, shares over 100%, parts over the total."""
    out: list[Finding] = []
    for s0, s1 in t.sentences():
        sent = t.text[s0:s1]
        qs = find_quantities(sent)
        for i, q in enumerate(qs):
            if isinstance(q.value, str):
                parts = q.value.split(":")
                if len(parts) != 3 or not _STRUCTURE.search(sent[max(0, q.start - 30):q.start]):
                    continue
                vals = [float(p) for p in parts]
                total = sum(vals)
                tol = sum(_half_unit(p) for p in parts)
                if abs(total - 100) > tol + 1e-9:
                    msg = (f"三次产业结构{q.value}三项合计{_fmt(total)}，不等于100"
                           f"（按各项四舍五入，允许±{_fmt(tol)}）。")
                    out.append(Finding("SHARE_IMPOSSIBLE", RULES["SHARE_IMPOSSIBLE"], "三次产业结构",
                                       (*[_num(v) for v in vals], _num(total)), msg,
                                       (t.ev(s0 + q.start, s0 + q.end),)))
            elif q.unit == "%" and isinstance(q.value, (int, float)) and q.value > 100:
                start = qs[i - 1].end if i else 0
                lead = sent[start:q.start]
                word = _SHARE_WORD.search(lead)
                if word and not _CHANGE_WORD.search(lead[word.start():]) and q.change is None:
                    name = _subject(lead[:word.end()]) or word.group()
                    msg = f"“{name}”为{_fmt(q.value)}%，比重或比率不可能超过100%。"
                    out.append(Finding("SHARE_IMPOSSIBLE", RULES["SHARE_IMPOSSIBLE"], name,
                                       (_num(q.value),), msg, (t.ev(s0 + start, s0 + q.end),)))
        out.extend(_parts_over_total(t, s0, sent, qs))
    return out


def _parts_over_total(t: _Text, s0: int, sent: str, qs: list[Quantity]) -> list[Finding]:
    """``总数N，其中甲市a、乙市b…``: parts named by distinct regions cannot exceed the total."""
    from gxatlas.extract.gazetteer import default_gazetteer

    m = re.search(r"[,，]?其中[,，:：]?", sent)
    if not m:
        return []
    before = [q for q in qs if q.end <= m.start() and isinstance(q.value, (int, float))]
    after = [q for q in qs if q.start >= m.end() and isinstance(q.value, (int, float))]
    if not before or len(after) < 2:
        return []
    total = before[-1]
    parts: list[tuple[str, Quantity]] = []
    pos = m.end()
    gaz = default_gazetteer()
    for q in after:
        if q.unit != total.unit:
            break
        label = re.split(r"[,，、;；]", sent[pos:q.start])[-1].strip()
        label = re.sub(r"(?:为|有|达|共)$", "", label)
        if not label or gaz.place(label) is None:
            return []  # not a breakdown by region: parts may overlap
        parts.append((label, q))
        pos = q.end
    places = [gaz.place(lbl) for lbl, _ in parts]
    codes = [p.code for p in places if p]
    cities = {p.short_name for p in places if p and p.level in ("prefecture", "city")}
    if len(parts) < 2 or len(set(codes)) != len(codes) or any(
            p and p.level == "county" and p.city in cities for p in places):
        return []  # a region listed twice, or a county with its own city: parts overlap
    s = sum(float(q.value) for _, q in parts)
    tol = _half_unit(total.text) + sum(_half_unit(q.text) for _, q in parts)
    if s <= float(total.value) + tol + 1e-9:
        return []
    name = _subject(sent[:total.start]) if total.start else ""
    name = re.split(r"[,，]", sent[:total.start])[-1] or name
    msg = (f"“{name}”合计{_fmt(total.value)}{total.unit}，但其中按地区列出的{len(parts)}项"
           f"之和为{_fmt(s)}{total.unit}，部分之和大于总数。")
    return [Finding("SHARE_IMPOSSIBLE", RULES["SHARE_IMPOSSIBLE"], name,
                    (_num(total.value), _num(s)), msg,
                    (t.ev(s0 + total.start, s0 + parts[-1][1].end),))]


# --- facts: INDICATOR_CONFLICT, GROWTH_INCONSISTENT -----------------------------------------

_GROWTH_SUFFIX = re.compile(r"(?:的)?(?:年均增速|年均增长率|年均增长|年平均增长率|年均增幅|年均递增)$")
_UNIT_SAME = {"%": "%", "％": "%"}
_MIN_NAME = 4  # shorter names (形成, 打造, 千亿) are not indicator names to compare


def _key(name: str) -> str:
    """Comparison key of an indicator name: 的 dropped, growth wordings unified."""
    k = name_key(name).replace("的", "")
    return _GROWTH_SUFFIX.sub("年均增速", k)


def _unit(u: Any) -> str:
    s = str(u or "").strip()
    return _UNIT_SAME.get(s, s)


def _values_differ(a: float, b: float, *, rounded: bool = True) -> bool:
    """Whether two stated values differ: measured values (baselines) within the rounding of
    the less precise one are the same; targets are stated exactly."""
    tol = max(_half_of(a), _half_of(b)) if rounded else 1e-9 * max(abs(a), abs(b), 1.0)
    return abs(float(a) - float(b)) > tol + 1e-9


def _indicators(facts: Sequence[Fact]) -> list[Fact]:
    return [f for f in facts if f.type == "indicator"]


def _cmp_zh(c: Any) -> str:
    return {">=": "不低于", "<=": "不高于", ">": "超过", "<": "低于"}.get(str(c or ""), "")


def rule_conflict(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """The same indicator (scope, unit, year) stated with different values in two places."""
    groups: dict[tuple[str, str, str, str, int], list[tuple[float, Fact]]] = {}
    for f in _indicators(facts):
        for role in ("baseline", "target"):
            year, value = f.get(f"{role}_year"), f.get(f"{role}_value")
            if year is None or not isinstance(value, (int, float)) or len(f.name) < _MIN_NAME:
                continue
            k = (_key(f.name), str(f.get("scope") or ""), _unit(f.get("unit")), role, int(year))
            groups.setdefault(k, []).append((float(value), f))
    out = []
    for (_, _, unit, role, year), items in groups.items():
        distinct: list[tuple[float, Fact]] = []  # one representative per value, in text order
        if role == "target":  # bounds (以上/以内) are judged by TARGET_BOUND_CONFLICT
            items = [(v, f) for v, f in items if not _bound(f)]
        for value, f in sorted(items, key=lambda x: x[1].evidence.start):
            if all(_values_differ(v0, value, rounded=role == "baseline") for v0, _ in distinct):
                distinct.append((value, f))
        if len(distinct) < 2 or len({f.evidence.start for _, f in distinct}) < 2:
            continue
        which = "基期" if role == "baseline" else "目标"
        stated = "、".join(
            f"{_cmp_zh(f.get('comparator')) if role == 'target' else ''}{_fmt(v)}{unit}"
            for v, f in distinct)
        first = distinct[0][1]
        msg = f"“{first.name}”{year}年{which}值在文中不同位置分别为{stated}，前后不一致。"
        out.append(Finding("INDICATOR_CONFLICT", RULES["INDICATOR_CONFLICT"], first.name,
                           tuple(_num(v) for v, _ in distinct), msg,
                           tuple(f.evidence for _, f in distinct)))
    return out


# --- TARGET_BOUND_CONFLICT ------------------------------------------------------------------

_BOUNDS = {">=": "不低于", ">": "超过", "<=": "不高于", "<": "低于"}


def _bound(f: Fact) -> str | None:
    c = str(f.get("comparator") or "")
    return c if c in _BOUNDS else None


def _meets(value: float, comparator: str, bound: float) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound,
            "<": value < bound}[comparator]


def rule_bounds(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """A bounded target (``≥3200``) that the same indicator's exact target (3000) breaks."""
    groups: dict[tuple[str, str, str, int], list[tuple[float, Fact]]] = {}
    for f in _indicators(facts):
        year, value = f.get("target_year"), f.get("target_value")
        if year is None or not isinstance(value, (int, float)) or len(f.name) < _MIN_NAME:
            continue
        k = (_key(f.name), str(f.get("scope") or ""), _unit(f.get("unit")), int(year))
        groups.setdefault(k, []).append((float(value), f))
    out = []
    for (_, _, unit, year), items in groups.items():
        bounded = [(v, f) for v, f in items if _bound(f)]
        exact = [(v, f) for v, f in items if not _bound(f)]
        for bv, bf in bounded:
            c = _bound(bf)
            assert c is not None
            broken = [(v, f) for v, f in exact if f.evidence.start != bf.evidence.start
                      and not _meets(v, c, bv)]
            if not broken:
                continue
            v, f = broken[0]
            msg = (f"“{bf.name}”{year}年目标在文中为{_BOUNDS[c]}{_fmt(bv)}{unit}，"
                   f"而另一处（如指标表）为{_fmt(v)}{unit}，达不到文中所说的"
                   f"{'下限' if c.startswith('>') else '上限'}，前后矛盾。")
            out.append(Finding("TARGET_BOUND_CONFLICT", RULES["TARGET_BOUND_CONFLICT"], bf.name,
                               (_num(bv), _num(v)), msg, (bf.evidence, f.evidence)))
    return out


# --- LIST_COUNT_MISMATCH --------------------------------------------------------------------

_ANNOUNCE = re.compile(rf"(?<![第\d.{_CN}])(?P<num>\d+|[{_CN}]+)(?P<m>个|家|大|项|座|条|类|所)"
                       r"(?P<noun>[^,，。;；:：、\n]{1,16})[:：]")
_LINE_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[(（]\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十]是)")


def rule_list_count(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """``N个X：`` followed by a list of a different length (inline ``、`` list up to the end of
    the sentence, or the numbered lines that follow)."""
    out: list[Finding] = []
    for m in _ANNOUNCE.finditer(t.text):
        n = _count_value(m.group("num"))
        if n is None or n < 2:
            continue
        rest = t.text[m.end():]
        line_end = rest.find("\n")
        inline = rest if line_end < 0 else rest[:line_end]
        stop = re.search(r"[。;；]", inline)
        listed: int | None = None
        end = m.end()
        if inline.strip() and (stop is None or stop.start() > 0):
            segment = inline[:stop.start()] if stop else inline
            got = _items(segment)
            if got is None:
                continue
            parts, k1, k2 = got
            if n in (k1, k2):
                continue
            listed, end = k1, m.end() + len(segment)
        else:
            k, pos = 0, m.end() + (line_end if line_end >= 0 else len(rest))
            for line in t.text[pos:].split("\n")[1:]:
                if not line.strip():
                    continue
                if not _LINE_ITEM.match(line):
                    break
                k += 1
                pos = t.text.index(line, pos) + len(line)
            if k < 2 or k == n:
                continue
            listed, end = k, pos
        said = f"{n}{m.group('m')}{m.group('noun')}"
        msg = f"文中称“{said}”，冒号后却列出{listed}项。"
        out.append(Finding("LIST_COUNT_MISMATCH", RULES["LIST_COUNT_MISMATCH"], said,
                           (n, listed), msg, (t.ev(m.start(), end),)))
    return out


@dataclass(frozen=True)
class _Rate:
    value: float  # percent
    text: str
    comparator: str | None
    evidence: Evidence
    near: int  # position used to pair the rate with the nearest level statement


_RATE_TEXT = re.compile(r"^[,，]?(?:年均增速|年均增长率?|年均增幅|年均递增|年平均增长率?)"
                        r"(?:为|达到|达|保持在|保持|超过|不低于|高于|在)?(?P<num>\d+(?:\.\d+)?)%")


def _rates_for(t: _Text, facts: Sequence[Fact], level: Fact) -> list[_Rate]:
    """Growth rates stated for ``level``: growth facts named after it, or the words that
    follow its value in the same clause (``15000亿元以上，年均增速超过10%``)."""
    out = []
    for f in _indicators(facts):
        base = _GROWTH_SUFFIX.sub("", f.name)
        if base == f.name or _key(base) != _key(level.name) or _unit(f.get("unit")) != "%":
            continue
        if str(f.get("scope") or "") != str(level.get("scope") or ""):
            continue
        v = f.get("target_value")
        if isinstance(v, (int, float)) and f.get("target_year") in (None, level.get("target_year")):
            out.append(_Rate(float(v), _fmt(v), f.get("comparator"), f.evidence, f.evidence.start))
    end = level.evidence.end
    if level.evidence.alignment == "exact" and 0 < end <= len(t.text):
        tail = t.text[end:end + 40]
        tail = re.sub(r"^(?:以上|左右|多)", "", tail)
        m = _RATE_TEXT.match(tail)
        if m:
            s = end + (len(t.text[end:end + 40]) - len(tail)) + m.start("num")
            word = m.group()[:m.start("num")]
            cmp_ = ">=" if re.search(r"超过|不低于|高于|以上", word + tail[m.end():m.end() + 2]) else None
            out.append(_Rate(float(m.group("num")), m.group("num"), cmp_,
                             t.ev(end, s + len(m.group("num")) + 1), end))
    uniq: list[_Rate] = []
    for r in out:  # the same statement found as a fact and in the text counts once
        if not any(u.value == r.value and u.evidence.start < r.evidence.end
                   and r.evidence.start < u.evidence.end for u in uniq):
            uniq.append(r)
    return uniq


def rule_growth(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """A stated average growth rate that the stated baseline and target contradict."""
    inds = _indicators(facts)
    out: list[Finding] = []
    by_key: dict[tuple[str, str, str], list[Fact]] = {}
    for f in inds:
        if _GROWTH_SUFFIX.search(f.name) or _unit(f.get("unit")) == "%":
            continue
        by_key.setdefault((_key(f.name), str(f.get("scope") or ""), _unit(f.get("unit"))), []
                          ).append(f)
    claimed: set[int] = set()
    for group in by_key.values():
        bases = {(int(f.get("baseline_year")), float(f.get("baseline_value")))
                 for f in group if f.get("baseline_year") is not None
                 and isinstance(f.get("baseline_value"), (int, float))}
        if not bases:
            continue
        levels = [f for f in group if f.get("target_year") is not None
                  and isinstance(f.get("target_value"), (int, float))]
        # each rate pairs with the nearest level statement of the same indicator
        pairs: dict[int, tuple[_Rate, Fact]] = {}
        for f in levels:
            for r in _rates_for(t, facts, f):
                d = abs(r.near - f.evidence.start)
                same = next((k for k, (r0, _) in pairs.items() if r0.value == r.value
                             and r0.evidence.start < r.evidence.end
                             and r.evidence.start < r0.evidence.end), r.evidence.start)
                cur = pairs.get(same)
                if cur is None or d < abs(cur[0].near - cur[1].evidence.start):
                    pairs[same] = (r, f)
        for rstart, (rate, f) in sorted(pairs.items()):
            if rstart in claimed:
                continue
            y1, v1 = int(f.get("target_year")), float(f.get("target_value"))
            gaps = []
            for y0, v0 in sorted(bases):
                implied = growth.cagr(start=v0, end=v1, years=y1 - y0)
                if implied is None:
                    continue
                lo = growth.cagr(start=v0 + _half_of(v0), end=v1 - _half_of(v1), years=y1 - y0)
                hi = growth.cagr(start=v0 - _half_of(v0), end=v1 + _half_of(v1), years=y1 - y0)
                r_lo = rate.value - _half_unit(rate.text)
                r_hi = rate.value + _half_unit(rate.text)
                gap = max(0.0, r_lo - 100 * (hi or implied), 100 * (lo or implied) - r_hi)
                gaps.append((gap, y0, v0, implied))
            if not gaps or min(g for g, *_ in gaps) <= GROWTH_TOLERANCE_PP:
                continue
            gap, y0, v0, implied = min(gaps)
            claimed.add(rstart)
            unit = _unit(f.get("unit"))
            diff = 100 * implied - rate.value
            msg = (f"按{y0}年基数{_fmt(v0)}{unit}和{y1}年目标{_fmt(v1)}{unit}计算，“{f.name}”"
                   f"年均增长{100 * implied:.1f}%，与所述年均增长{_cmp_zh(rate.comparator)}"
                   f"{rate.text}%相差{abs(diff):.1f}个百分点（容差{GROWTH_TOLERANCE_PP}个百分点）。")
            base_ev = next((g.evidence for g in group if g.get("baseline_year") == y0
                            and g.get("baseline_value") == v0), f.evidence)
            evs = tuple(dict.fromkeys((base_ev, f.evidence, rate.evidence)))
            out.append(Finding("GROWTH_INCONSISTENT", RULES["GROWTH_INCONSISTENT"], f.name,
                               (_num(v0), _num(v1), y1 - y0, round(100 * implied, 2),
                                _num(rate.value)),
                               msg, evs))
    out.extend(_multiple_vs_rate(t))
    return out


_MULT_RATE = re.compile(r"是(?P<y0>\d{4})年的?(?P<n>\d+(?:\.\d+)?)倍[,，]?(?:年均增长|年均增速为?)"
                        r"(?P<r>\d+(?:\.\d+)?)%")


def _multiple_vs_rate(t: _Text) -> list[Finding]:
    """``是2010年的1.9倍，年均增长13.4%``: the multiple and the rate must agree over the years
    from the stated year to the year the sentence is about."""
    from gxatlas.extract.numbers import plan_period_years

    out = []
    for m in _MULT_RATE.finditer(t.text):
        line_start = t.text.rfind("\n", 0, m.start()) + 1
        before = t.text[line_start:m.start()]
        years = [p.year for p in find_years(before)]
        plans = [(last, e) for _, last, _, e in plan_period_years(before)
                 if re.match(r"[”\"]?\s*(?:末|期末)", before[e:e + 3])]
        y1 = years[-1] if years else (plans[-1][0] if plans else None)
        y0 = int(m.group("y0"))
        if y1 is None or y1 <= y0:
            continue
        n, r = float(m.group("n")), float(m.group("r"))
        lo_n, hi_n = n - _half_unit(m.group("n")), n + _half_unit(m.group("n"))
        band = growth.cagr_interval(ratio_low=lo_n, ratio_high=hi_n, years=y1 - y0)
        if band is None:
            continue
        r_lo, r_hi = r - _half_unit(m.group("r")), r + _half_unit(m.group("r"))
        gap = max(0.0, r_lo - 100 * band[1], 100 * band[0] - r_hi)
        if gap <= GROWTH_TOLERANCE_PP:
            continue
        implied = growth.cagr(start=1, end=n, years=y1 - y0) or 0.0
        msg = (f"{y0}—{y1}年是原来的{_fmt(n)}倍，折合年均增长约{100 * implied:.1f}%，与所述年均"
               f"增长{_fmt(r)}%相差{abs(100 * implied - r):.1f}个百分点（容差"
               f"{GROWTH_TOLERANCE_PP}个百分点）。")
        name = re.split(r"[,，]", before)[-1][:20]
        out.append(Finding("GROWTH_INCONSISTENT", RULES["GROWTH_INCONSISTENT"], name,
                           (_num(n), y1 - y0, round(100 * implied, 2), _num(r)), msg,
                           (t.ev(m.start(), m.end()),)))
    return out


# --- BASELINE_CONTRADICTION -----------------------------------------------------------------

_ENTITY = r"(?:园区|开发区|工业区|产业园|企业|集团|产业集群|产业|项目|基地)"
_THRESHOLD = re.compile(r"(?:超过|超|逾|突破)?(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九]?[十百千])?(?P<scale>亿|万)元?"
                        rf"(?:[^,，。;；、\d]{{0,10}}?)(?P<ent>{_ENTITY})")


_MEASURES = (("收入", re.compile(r"收入|营收")), ("产值", re.compile(r"产值")),
             ("资产", re.compile(r"资产")), ("投资", re.compile(r"投资")),
             ("利润", re.compile(r"利润|利税|税收")))


def _measure(label: str) -> str | None:
    return next((m for m, rx in _MEASURES if rx.search(label)), None)


@dataclass(frozen=True)
class _CountClaim:
    key: tuple[float, str]  # (threshold in 元, entity word)
    label: str  # as written
    year: int
    value: int
    evidence: Evidence
    measure: str | None = None  # 产值 / 收入 / 资产 ...: None when not written
    scope: str | None = None  # the region counted; None: the document's own region


def _class_key(phrase: str) -> tuple[tuple[float, str], str] | None:
    """``产值超千亿元园区`` -> ((1e11, "园区"), "千亿元园区")."""
    m = None
    for m in _THRESHOLD.finditer(phrase):
        pass
    if m is None:
        return None
    num = m.group("num")
    if num is None:
        v = 1.0
    else:
        v = parse_number(num) if num[0].isdigit() else (cn_number(num) if len(num) > 1 else
                                                         {"十": 10, "百": 100, "千": 1000}[num])
        if v is None:
            return None
    scale = 1e8 if m.group("scale") == "亿" else 1e4
    ent = m.group("ent")
    ent = "园区" if ent in ("开发区", "工业区", "产业园") else "企业" if ent == "集团" else ent
    return (float(v) * scale, ent), phrase[m.start():m.end()]


def _fact_counts(facts: Sequence[Fact]) -> list[_CountClaim]:
    out = []
    for f in _indicators(facts):
        if _unit(f.get("unit")) not in ("个", "家", "项", "座"):
            continue
        year, value = f.get("baseline_year"), f.get("baseline_value")
        if year is None or not isinstance(value, (int, float)):
            continue
        ck = _class_key(f.name)
        if not ck:
            continue
        # trust the year written next to the value over the fact's year (由2011年的11个)
        quote = f.evidence.quote or ""
        m = re.search(rf"((?:19|20)\d\d)年的?{int(value)}(?:个|家|项|座)", quote)
        if m:
            year = int(m.group(1))
        out.append(_CountClaim(ck[0], f.name, int(year), int(value), f.evidence,
                               _measure(f.name), f.get("scope") or None))
    return out


_FROM_TO = re.compile(r"(?:由|从)(?P<y0>\d{4})年的?(?P<a>\d+)(?P<m>个|家)[^,，。;；]{0,6}?(?:到|至)"
                      r"(?P<y1>\d{4})年的?(?P<b>\d+)(?P=m)")
_LISTED = re.compile(r"(?P<n>\d+)(?:个|家)[,，]?(?:分别为|分别是|其中|即)")
_FIRST = re.compile(r"实现零突破|零的突破")


def _text_counts(t: _Text) -> list[_CountClaim]:
    out: list[_CountClaim] = []
    for s0, s1 in t.sentences():
        sent = t.text[s0:s1]
        for m in _FROM_TO.finditer(sent):
            head = _clause_before(sent, m.start())
            ck = _class_key(head)
            if ck:
                for y, g in (("y0", "a"), ("y1", "b")):
                    out.append(_CountClaim(ck[0], ck[1], int(m.group(y)), int(m.group(g)),
                                           t.ev(s0 + m.start(g), s0 + m.end(g) + 1),
                                           _measure(head)))
        years = _fact_years(t.text[t.text.rfind("\n", 0, s0) + 1:s1])
        if not years or any(p.target for p in find_years(sent)):
            continue
        year = years[-1]
        if _FROM_TO.search(sent):
            continue
        for m in _LISTED.finditer(sent):
            head = _clause_before(sent, m.start())
            ck = _class_key(head)
            if ck:
                out.append(_CountClaim(ck[0], ck[1], year, int(m.group("n")),
                                       t.ev(s0 + _last_boundary(sent, m.start()), s0 + m.end()),
                                       _measure(head)))
        for m in _FIRST.finditer(sent):
            head = _clause_before(sent, m.start())
            ck = _class_key(head)
            first = re.search(r"第一个|首个|第一家|首家", sent[m.end():])
            if ck and first:
                out.append(_CountClaim(ck[0], ck[1], year, 1,
                                       t.ev(s0 + m.start() - len(ck[1]),
                                            s0 + m.end() + first.end()),
                                       _measure(head + sent[m.end():m.end() + first.end() + 12])))
    return out


def _fact_years(text: str) -> list[int]:
    """Years a statement is about: not targets, not comparison years (是/比/较/由/从…年)."""
    out = []
    for p in find_years(text):
        if p.target or re.search(r"(?:是|比|较|由|从|与|同)$", text[max(0, p.start - 1):p.start]):
            continue
        if text[p.end:p.end + 2] == "以来":
            continue
        out.append(p.year)
    return out


def _clause_before(sent: str, pos: int) -> str:
    return sent[_last_boundary(sent, pos):pos]


def rule_baseline(t: _Text, facts: Sequence[Fact]) -> list[Finding]:
    """A count of things in a year stated differently in two places of the document."""
    scopes = Counter(str(f.get("scope")) for f in _indicators(facts) if f.get("scope"))
    main = scopes.most_common(1)[0][0] if scopes else None
    claims = _fact_counts(facts) + [replace(c, scope=main) for c in _text_counts(t)]
    groups: dict[tuple[tuple[float, str], int, str | None], list[_CountClaim]] = {}
    for c in claims:
        groups.setdefault((c.key, c.year, c.scope), []).append(c)
    out = []
    for (_, year, _), cs in groups.items():
        cs = sorted(cs, key=lambda c: c.evidence.start)
        for i, a in enumerate(cs):
            b = next((c for c in cs[i + 1:] if c.value != a.value
                      and (a.measure is None or c.measure is None or a.measure == c.measure)), None)
            if b is None:
                continue
            msg = (f"{year}年“{a.label}”的数量一处为{a.value}个，另一处（“{b.label}”）为"
                   f"{b.value}个，相互矛盾。")
            out.append(Finding("BASELINE_CONTRADICTION", RULES["BASELINE_CONTRADICTION"], a.label,
                               (a.value, b.value), msg, (a.evidence, b.evidence)))
            break
    return out


# --- CROSS_SOURCE_CONFLICT (the KB's statements, not one text) ------------------------------

_FIELD_ZH = {"baseline": "基期值", "target": "目标值", "area_km2": "面积", "investment": "投资"}


def _field_zh(field: str) -> str:
    return _FIELD_ZH.get(field) or (f"{field.split(':', 1)[1]}目标" if field.startswith("target:")
                                    else field)


def _agree(a: Statement, b: Statement, *, measured: bool) -> bool:
    """Two statements of one figure agree: the same value (within rounding; after unit
    conversion), or a bound (以上/以内) the other's exact value meets, or two bounds (judged
    as TARGET_BOUND_CONFLICT judges them within one text)."""
    ca, cb = (c if c in _BOUNDS else None for c in (a.comparator, b.comparator))
    x, y = in_base(a.value, a.unit), in_base(b.value, b.unit)
    if ca and cb:
        return True
    if ca or cb:
        return _meets(y, ca, x) if ca else _meets(x, cb, y)
    if normalize_unit(a.unit) == normalize_unit(b.unit):
        return not _values_differ(a.value, b.value, rounded=measured)
    return abs(x - y) <= 1e-9 + 0.005 * max(abs(x), abs(y))


def _statement_evidence(st: Statement) -> Evidence:
    if st.start is not None and st.end is not None:
        return Evidence(doc=st.document or "", start=st.start, end=st.end,
                        quote=(st.quote or "")[:_QUOTE_MAX])
    return Evidence(doc=st.document or "", start=0, end=0, alignment="fuzzy",
                    reason=f"图谱引用：{st.locator or ''}")


def cross_source(statements: Iterable[Statement], *,
                 document: str | None = None) -> list[Finding]:
    """``CROSS_SOURCE_CONFLICT`` findings (see module doc); with ``document`` only those that
    involve that document. Statements of one source agreeing with each other are one."""
    groups: dict[tuple[Any, ...], list[Statement]] = {}
    for st in statements:
        groups.setdefault((st.entity_type, st.entity_id, st.field, st.year,
                           unit_family(st.unit)), []).append(st)
    out = []
    for (_, _, field, year, _), items in groups.items():
        measured = field != "target" and not field.startswith("target:")
        distinct: list[Statement] = []
        for st in sorted(items, key=lambda s: (s.origin != "atlas", s.document or "",
                                               s.start or 0)):
            if all(not _agree(d, st, measured=measured) for d in distinct):
                distinct.append(st)
        if len(distinct) < 2 or len({(d.document, d.origin) for d in distinct}) < 2:
            continue
        if document is not None and all(d.document != document for d in distinct):
            continue
        first = distinct[0]
        when = f"{year}年" if year else ""
        stated = "；".join(f"{d.place}：{_cmp_zh(d.comparator)}{_fmt(d.value)}{d.unit or ''}"
                          for d in distinct)
        msg = f"“{first.entity}”{when}{_field_zh(field)}：{stated}，不同来源不一致。"
        out.append(Finding(*CROSS_SOURCE_RULE, first.entity,
                           tuple(_num(d.value) for d in distinct), msg,
                           tuple(_statement_evidence(d) for d in distinct)))
    return sorted(out, key=lambda f: (f.indicator, f.message))


def kb_cross_source(session: Any, *, document: str | None = None) -> list[Finding]:
    """``cross_source`` over the KB's statements."""
    from gxatlas.kb.statements import statements

    return cross_source(statements(session), document=document)


# --- driver ---------------------------------------------------------------------------------

RULE_FUNCS: dict[str, Callable[[_Text, Sequence[Fact]], list[Finding]]] = {
    "INDICATOR_CONFLICT": rule_conflict,
    "GROWTH_INCONSISTENT": rule_growth,
    "SHARE_IMPOSSIBLE": rule_share,
    "BASELINE_CONTRADICTION": rule_baseline,
    "MULTIPLIER_AMBIGUOUS": rule_multiplier,
    "COUNT_MISMATCH": rule_count,
    "TARGET_BOUND_CONFLICT": rule_bounds,
    "LIST_COUNT_MISMATCH": rule_list_count,
}


def audit_text(*, doc: str, text: str, facts: Sequence[Fact] = (),
               rules: Iterable[str] | None = None) -> list[Finding]:
    """Run the rules over normalized ``text`` and its ``facts``; findings in document order."""
    t = _Text(doc, text)
    chosen = list(rules) if rules is not None else list(RULE_FUNCS)
    unknown = [r for r in chosen if r not in RULE_FUNCS]
    if unknown:
        raise ValueError(f"未知的审查规则：{', '.join(unknown)}")
    out: list[Finding] = []
    for rule in chosen:
        out.extend(RULE_FUNCS[rule](t, facts))
    return sorted(out, key=lambda f: (f.evidence[0].start if f.evidence else 0, f.rule))


def audit(doc: Any, facts: Sequence[Fact] | None = None, *,
          rules: Iterable[str] | None = None) -> list[Finding]:
    """Audit a :class:`~gxatlas.ingest.document.Document`; facts are extracted if not given."""
    if facts is None:
        from gxatlas.extract import extract

        facts = extract(doc)
    return audit_text(doc=doc.name, text=doc.text, facts=facts, rules=rules)


def audit_file(path: str) -> list[Finding]:
    """Read, extract and audit one file."""
    from gxatlas.ingest import read

    return audit(read(path))


def stored_document(session: Any, key: str) -> Any:
    """The KB document ``key`` (file stem, or numeric id) as a Document, normalized again
    from the stored original so that spans and offsets are those extraction expects."""
    from sqlalchemy import select

    from gxatlas.errors import GxatlasError
    from gxatlas.ingest.document import Document as Doc
    from gxatlas.ingest.normalize import normalize
    from gxatlas.kb.models import Document

    row = session.scalars(select(Document).where(Document.key == key)).first()
    if row is None and key.isdigit():
        row = session.get(Document, int(key))
    if row is None:
        raise GxatlasError(f"{key}: 既不是文件，也不是知识库中的文件编号")
    if not row.original:
        raise GxatlasError(f"{key}: 知识库中没有该文件的原文（图谱引用的文件无法审查）")
    n = normalize(row.original)
    return Doc(name=row.key, path=row.source or row.key, sha256=row.sha256 or "",
               format=row.format or "txt", encoding=row.encoding or "utf-8",
               variant=row.variant or "simplified", title=row.title or row.key,
               original=row.original, text=n.text, offsets=n.offsets)
