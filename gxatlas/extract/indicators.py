"""Planning indicators from tables and prose (SCHEMA.md type ``indicator``).

From tables: a rebuilt table (``gxatlas.ingest.tables``) whose header names an indicator column
and year columns gives one indicator per row (name, unit, baseline and target by year column,
attribute 预期性/约束性, comparator from `>35`); a TAB-separated table is read by its header
(name, unit, year, attribute and category columns; a unit in brackets after the name).

From prose: every number with a unit in a clause gives an indicator named by the words before
it (`工业总产值达到5000亿元以上`) or, for counts, after it (`形成30项改革成果`); a relative
name (`年均增长`, `占全区的比重`) takes the subject of its sentence. Years come from the sentence
(`到2020年` is a target, `2015年` or `截至2022年6月底` a baseline), else from the section (a
heading about 目标 makes targets of the plan's last year; a review section gives baselines of
the year before the plan). The scope is the region the clause starts with, else the region the
document is about; a sentence opening with a place, zone or entity (`甲集团下属乙公司…`: the
subsidiary) is about it; a paragraph under a heading that names one place twice is about it.
Counts name what they count when the words before are a list or an attribute (`甲、乙三大千亿元
产业`, `已缔结的12对友城`); shares stated as `全区30%的外资` are named `外资占全区比重`;
`在全国15个…中位居第三` is a ranking, not a figure.

Region names are passed in (``regions``: spelling -> display name); nothing is special-cased.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from gxatlas.data.lexicon import lexicon
from gxatlas.extract.evidence import evidence
from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import region_names
from gxatlas.extract.numbers import Period, Quantity, find_quantities, find_years, plan_period_years
from gxatlas.extract.pipeline import component
from gxatlas.extract.profile import Profile
from gxatlas.extract.values import as_values
from gxatlas.ingest.document import Document
from gxatlas.ingest.tables import Row, Table, find_tables, is_numeric_cell

__all__ = ["IndicatorHit", "extract_indicators", "indicator_facts", "document_scope",
           "region_matcher", "subject_at"]


@dataclass(frozen=True)
class IndicatorHit:
    """An indicator read from ``text[start:end]`` (before it becomes a Fact with evidence)."""

    name: str
    values: Mapping[str, Any]
    start: int
    end: int
    alignment: str = "exact"
    reason: str | None = None
    source: str = "text"  # "table" or "text"


# --- regions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionMatcher:
    """Region (and subject) spellings found leftmost-longest with an Aho-Corasick automaton."""

    automata: tuple[Any, ...]  # the regions' (cached, shared) and the document's subjects'
    display: Mapping[str, str]
    longest: int
    regions: frozenset[str] = frozenset()  # the spellings that are regions (not subjects)

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
        stop = len(text) if end is None else min(end, len(text))
        if start >= stop:
            return []
        hits = sorted(((e + 1 - len(n), -len(n), n) for a in self.automata
                       for e, n in a.iter_long(text, start, stop)))
        out: list[tuple[int, int, str]] = []
        for s, neg, n in hits:  # leftmost-longest over both automata
            if out and s < out[-1][1]:
                continue
            out.append((s, s - neg, self.display[n]))
        return out

    def match(self, text: str, pos: int = 0) -> tuple[int, str] | None:
        """The longest spelling starting at ``pos``: (its end, the spelling), or None."""
        for k in range(min(self.longest, len(text) - pos), 1, -1):
            if text[pos:pos + k] in self.display:
                return pos + k, text[pos:pos + k]
        return None


@functools.lru_cache(maxsize=16)
def _automaton(names: frozenset[str]) -> Any:
    import ahocorasick

    a = ahocorasick.Automaton()
    for n in names:
        a.add_word(n, n)
    a.make_automaton()
    return a


def region_matcher(regions: Mapping[str, str], extra: Mapping[str, str] | None = None) -> RegionMatcher:
    """A matcher over region spellings (longest first); ``regions`` maps spelling -> display;
    ``extra`` adds a document's own subjects (a small automaton of their own, so that the
    regions' one is built once)."""
    names = frozenset(n for n in regions if len(n) >= 2)
    more = frozenset(n for n in (extra or {}) if len(n) >= 2 and n not in names)
    automata = tuple(_automaton(ns) for ns in (names, more) if ns)
    display = {**dict(regions), **{n: (extra or {})[n] for n in more}}
    return RegionMatcher(automata=automata, display=display,
                         longest=max(map(len, names | more), default=0),
                         regions=frozenset(regions.values()) | names)


# A zone or district opening a clause is its subject even when no gazetteer knows it.
_ZONES = (r"(?:自由贸易试验区|自贸试验区|自贸区|经济区|新区|新城|高新区|开发区|综合保税区|保税港区|保税区|工业园区"
          r"|产业园区|物流园区|工业集中区|工业园|产业园|工业区|片区|试验区|合作区)")
_ZONE_WORD = re.compile(_ZONES + "$")
_ZONE_SUBJECT = re.compile(r"[\u4e00-\u9fff]{0,8}?" + _ZONES)


def subject_at(s: str, matcher: RegionMatcher) -> tuple[int, str] | None:
    """The region or zone that ``s`` starts with: (its length, the scope name), or None.

    A zone is a region (or up to four characters) and a zone word: `广西自贸试验区`,
    `玉林北部新城`.
    """
    m = matcher.match(s)
    region = (0, m[0], matcher.display[m[1]]) if m else None
    zone = _ZONE_SUBJECT.match(s, region[1] if region else 0)
    if zone and _FUNCTION_CHARS.search(zone.group()):
        zone = None  # `甲市着力推进以乙工业园区…`: a clause, not a zone's name
    if zone and (region is not None or _zone_prefix_ok(s[: zone.end() - len(_ZONE_WORD.search(zone.group()).group())])):
        hit = zone.end(), s[: zone.end()]
    elif region is not None:
        hit = region[1], region[2]
    else:
        return None
    if s[hit[0]:hit[0] + 1] in _LIST_JOINERS:
        return None  # `甲国、乙国等5个国家`: the first item of a list, not the subject
    sub = _SUBORDINATE.match(s, hit[0])
    if sub:  # `甲集团下属乙公司…`: the subsidiary is the subject
        inner = subject_at(s[sub.end():], matcher)
        if inner:
            return sub.end() + inner[0], inner[1]
    return hit


_SUBORDINATE = re.compile(r"(?:下属|旗下|所属)的?")


_LIST_JOINERS = frozenset("、和及或")
_FUNCTION_CHARS = re.compile(r"[以为在的和与及对把将从向、,，]|推进|建设|打造|发展|加快|着力")
_NOT_A_PLACE = re.compile(r"^(?:各|全|本|该|此|其|重点|主要|其他|相关|省级|国家级|自治区级|市级|县级)")


def _zone_prefix_ok(prefix: str) -> bool:
    """A zone no gazetteer knows needs a short name of its own (`北部新城`), not a bare zone
    word (`工业园区…`) or a qualifier (`各开发区`, `国家级新区`)."""
    return 1 <= len(prefix) <= 2 and not _NOT_A_PLACE.match(prefix)


def document_scope(text: str, matcher: RegionMatcher) -> str | None:
    """The region a document is about: the one that most often opens a clause as its subject
    (`甲市工业总产值…`), not merely the most mentioned (lists name every city)."""
    counts: Counter[str] = Counter()
    for clause in re.split(r"[,，。;；:：!?！？\n]", text):
        s = _LEAD_WORDS.sub("", _TIME_LEAD.sub("", clause.strip()))
        hit = subject_at(s, matcher)
        if hit and s[hit[0]:hit[0] + 1] not in "、和与及":
            counts[hit[1]] += 1
    if not counts or counts.most_common(1)[0][1] < 2:
        # one clause is no evidence of what the whole document is about: the most mentioned
        mentions = Counter(name for _, _, name in matcher.find(text))
        if mentions:
            return mentions.most_common(1)[0][0]
    return counts.most_common(1)[0][0] if counts else None


# --- tables ------------------------------------------------------------------------------

_YEAR_HEAD = re.compile(r"^((?:19|20)\d{2})\s*年?\s*(?:(目标|预期|规划)值?|基期值?|基数|实际值?|完成值?|现状值?)?"
                        r"\s*(?:[(（][^()（）]{0,8}[)）])?$")
_NAME_HEAD = re.compile(r"指标|名称|项目|内容")
_NOT_NAME_HEAD = re.compile(r"类别|类型|分类|属性|性质|序号|单位")
_GROUP_HEAD = re.compile(r"类别|类型|分类")
_NAME_UNIT = re.compile(r"^(.+?)\s*[(（]\s*(%|‰|[^()（）\d]{0,3}(?:元|吨|人|个|家|项|辆|台|公里|平方公里|千瓦时?|标准煤|箱|亩|次|%))"
                        r"\s*[)）]$")
_UNIT_HEAD = re.compile(r"^单位$|计量单位")
_ATTR = re.compile(r"(约束|预期)")


def _attr(text: str) -> str | None:
    m = _ATTR.search(text)
    return m.group(1) + "性" if m else None


def _cell_value(text: str) -> tuple[float | int | str | None, str | None]:
    t = text.strip().replace(",", "")
    if not t or re.fullmatch(r"[—–\-－/]+", t):
        return None, None
    cmp_ = None
    if t[0] in "><≥≤":
        cmp_ = ">=" if t[0] in ">≥" else "<="
        t = t[1:].strip()
    if re.search(r"以上$", t):
        cmp_, t = ">=", t[:-2]
    elif re.search(r"以下$|以内$", t):
        cmp_, t = "<=", t[:-2]
    t = t.rstrip("%‰")
    # `[14]`: a cumulative figure marked by brackets (`[ ]内为五年累计数`)
    t = re.sub(r"^[\[〔【](.+)[\]〕】]$", r"\1", t).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?(?:\s*[:∶]\s*\d+(?:\.\d+)?)+", t):
        return re.sub(r"\s*[:∶]\s*", ":", t), cmp_
    try:
        v = float(t)
    except ValueError:
        return None, None
    return (int(v) if v == int(v) else v), cmp_


def _split_unit(name: str) -> tuple[str, str | None]:
    """`工业总产值(亿元)` → (`工业总产值`, `亿元`): a unit in brackets after a name."""
    m = _NAME_UNIT.match(name)
    return (m.group(1), m.group(2)) if m else (name, None)


@dataclass(frozen=True)
class _Columns:
    """What each column of a table with aligned cells holds."""

    name: int
    years: tuple[tuple[int, int, bool], ...]  # (column, year, stated as a target)
    unit: int | None
    attribute: int | None
    group: int | None


def _columns(head: Sequence[str]) -> _Columns | None:
    years = tuple((i, int(m.group(1)), bool(m.group(2))) for i, h in enumerate(head)
                  if (m := _YEAR_HEAD.match(h)))
    names = [i for i, h in enumerate(head) if _NAME_HEAD.search(h) and not _NOT_NAME_HEAD.search(h)]
    if not years:
        return None
    if not names:
        names = [i for i, h in enumerate(head) if i < years[0][0] and not _NOT_NAME_HEAD.search(h)]
    if not names:
        return None

    def first(pattern: str) -> int | None:
        return next((i for i, h in enumerate(head) if re.search(pattern, h)), None)

    return _Columns(name=names[0], years=years, unit=first(r"^单位$|计量单位|^单\s*位$"),
                    attribute=first(r"属性|性质"), group=first(_GROUP_HEAD.pattern))


def _aligned_indicator(row: Row, cols: _Columns, *, scope: str | None) -> IndicatorHit | None:
    """A row whose cells stand under their header cells (TAB-separated tables)."""
    cells = row.cells
    text = [c.text for c in cells]

    def at(i: int | None) -> str:
        return text[i].strip() if i is not None and i < len(text) else ""

    name, unit = _split_unit(re.sub(r"\s+", "", at(cols.name)))
    if not name or is_numeric_cell(name):
        return None
    unit = at(cols.unit) or unit
    if unit and re.fullmatch(r"[—–\-－/]+", unit):
        unit = None
    # a column is a target column when its header says so or, when no header does, when
    # it is not the first year column; a dash in the baseline column leaves the target
    # where it stands
    flagged = any(t for _, _, t in cols.years)
    dated = [(y, t if flagged else k > 0, _cell_value(at(i)))
             for k, (i, y, t) in enumerate(cols.years)]
    dated = [(y, target, v, c) for y, target, (v, c) in dated if v is not None]
    if not dated:
        return None
    if unit is None and any(at(i).endswith("%") for i, _, _ in cols.years):
        unit = "%"
    vals: dict[str, Any] = {"scope": scope, "unit": unit}
    targets = [d for d in dated if d[1]]
    base = [d for d in dated if not d[1]]
    if base:
        vals.update(baseline_year=base[0][0], baseline_value=base[0][2])
    if targets:
        y, _, v, c = targets[-1]
        vals.update(target_year=y, target_value=v)
        if c:
            vals["comparator"] = c
    elif base and base[0][3]:
        vals["comparator"] = base[0][3]
    attribute = _attr(at(cols.attribute)) if cols.attribute is not None else None
    if attribute:
        vals["attribute"] = attribute
    group = row.group.text if row.group is not None else at(cols.group)
    if group:
        vals["category"] = re.sub(r"\s+", "", group)
    return IndicatorHit(name=name, values=vals, start=row.start, end=row.end, alignment="fuzzy",
                        reason="assembled from table cells", source="table")


def _table_indicators(table: Table, *, scope: str | None) -> list[IndicatorHit]:
    if table.orientation == "tabs":
        cols = _columns([h.text for h in table.header])
        if cols is None:
            return []
        return [h for r in table.rows if (h := _aligned_indicator(r, cols, scope=scope))]
    head = [h.text for h in table.header]
    years = [(i, int(m.group(1))) for i, h in enumerate(head) if (m := _YEAR_HEAD.match(h))]
    if not years or not any(_NAME_HEAD.search(h) for h in head):
        return []
    has_unit = any(_UNIT_HEAD.search(h) for h in head)
    out: list[IndicatorHit] = []
    for row in table.rows:
        hit = _row_indicator(row, years=[y for _, y in years], has_unit=has_unit, scope=scope)
        if hit:
            out.append(hit)
    return out


# --- tables of labelled rows and measure columns (`地区 | 1-6月 | 上年同期 | 增减(家) | 增长(%)`) ---

_CAPTION_NUMBER = re.compile(r"^\s*(?:续?表|专栏|附表)\s*\d+(?:[-.]\d+)?\s*")
_CAPTION_TAIL = re.compile(r"(?:基本)?(?:情况|统计|一览|汇总|分布|明细)?表?$")
_CAPTION_TIME = re.compile(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*(?:[-—~至到]\s*\d{1,2})?\s*月(?:份)?)?"
                           r"|(?:上|下)半年|[一二三四]季度|前三季度|全年")
_COL_PERIOD = re.compile(r"^(?:\d{1,2}\s*[-—~至到]\s*\d{1,2}\s*月|\d{1,2}月|(?:19|20)\d{2}年?|本期|本月|本年|当年|累计|上半年"
                         r"|[一二三四]季度|前三季度|全年|单位数|数量|个数|家数|总数|数值|金额)")
_COL_PREVIOUS = re.compile(r"上年|去年|同期")
_COL_CHANGE = re.compile(r"增减|增加|减少")
_COL_GROWTH = re.compile(r"增长|增速|增幅|同比")
_COL_SHARE = re.compile(r"占比|比重|占全")
_BRACKET_UNIT = re.compile(r"[(（]\s*([^()（）]{1,6})\s*[)）]\s*$")
_WHOLE_ROW = re.compile(r"^(?:全\s*[区市省县国]|合\s*计|总\s*计|总\s*体|全部)$")


def _caption_measure(caption: str) -> tuple[str, int | None, str | None]:
    """(what a table counts, its year, its months) from a caption: `表2 2022年1-9月规上工业新增
    企业情况` -> (`规上工业新增企业`, 2022, `2022-01..2022-09`)."""
    body = _CAPTION_NUMBER.sub("", caption).strip()
    year = months = None
    found = find_years(body)
    if found:
        year = found[0].year
        if found[0].month_from:
            months = found[0].label()
    name = _CAPTION_TAIL.sub("", _CAPTION_TIME.sub("", body)).strip()
    return name, year, months


def _measure_table(table: Table, *, scope: str | None, matcher: RegionMatcher) -> list[IndicatorHit]:
    """A table of labelled rows (regions, sectors) and measure columns, as bulletins print
    them: the caption names what is measured, a period column (`1-6月`, `单位数(家)`) holds the
    value, an `增减`/`增长(%)`/`占比(%)` column the change, growth or share of it; a row of a region
    is that region's figure, a row of a sector the sector's (its name before the measure)."""
    if not table.caption or not table.rows:
        return []
    measure, year, months = _caption_measure(table.caption.text)
    if len(measure) < 2:
        return []
    head = [re.sub(r"\s+", "", h.text) for h in table.header]
    base_col = next((k for k in range(1, len(head)) if _COL_PERIOD.match(head[k])
                     and not _COL_PREVIOUS.search(head[k])), None)
    if base_col is None:
        return []
    unit_of = {k: (u.group(1) if (u := _BRACKET_UNIT.search(head[k])) else None) for k in range(len(head))}
    base_unit = unit_of[base_col] or next((u for k, u in unit_of.items() if u and u != "%" and _COL_CHANGE.search(head[k])), None)
    if base_unit is None:
        return []
    out: list[IndicatorHit] = []
    for row in table.rows:
        cells = [c.text.strip() for c in row.cells]
        if len(cells) != len(head) or not cells[0]:
            continue
        label = re.sub(r"\s+", "", cells[0])
        place = matcher.match(label)
        if _WHOLE_ROW.match(label):
            row_scope, prefix = scope, ""
        elif place is not None and place[0] >= len(label) - 1:
            row_scope, prefix = matcher.display[place[1]], ""
        else:
            row_scope, prefix = scope, label
        for k in range(1, len(head)):
            if _COL_PREVIOUS.search(head[k]):
                continue
            value, cmp_ = _cell_value(cells[k])
            if value is None:
                continue
            if k == base_col:
                name, unit = prefix + measure, base_unit
            elif _COL_CHANGE.search(head[k]):
                name, unit = prefix + measure + "增减", unit_of[k] or base_unit
            elif _COL_GROWTH.search(head[k]):
                name, unit = prefix + measure + "增长", "%"
            elif _COL_SHARE.search(head[k]):
                name, unit = prefix + measure + "占比", "%"
            else:
                continue
            vals: dict[str, Any] = {"scope": row_scope, "unit": unit, "baseline_year": year,
                                    "baseline_value": value}
            if months:
                vals["period"] = months
            if cmp_:
                vals["comparator"] = cmp_
            out.append(IndicatorHit(name=name, values=vals, start=row.start, end=row.end,
                                    alignment="fuzzy", reason="assembled from table cells", source="table"))
    return out


def _row_indicator(row: Row, *, years: Sequence[int], has_unit: bool, scope: str | None
                   ) -> IndicatorHit | None:
    cells = list(row.cells)
    if cells and re.fullmatch(r"\d{1,3}", cells[0].text):
        cells = cells[1:]  # 序号
    if not cells or is_numeric_cell(cells[0].text):
        return None
    name, unit = _split_unit(re.sub(r"\s+", "", cells[0].text))
    rest = cells[1:]
    if has_unit and rest and not re.fullmatch(r"-?\d+(?:\.\d+)?(?:[:∶]\d+(?:\.\d+)?)*", rest[0].text):
        u = rest[0].text.strip()
        unit = None if re.fullmatch(r"[—–\-－/]+", u) else u
        rest = rest[1:]
    values: list[tuple[Any, str | None]] = []
    attribute: str | None = None
    for c in rest:
        if is_numeric_cell(c.text) or c.text.strip()[:1] in "><≥≤":
            values.append(_cell_value(c.text))
        elif _attr(c.text):
            attribute = _attr(c.text)
    if not values or all(v is None for v, _ in values):
        return None
    vals: dict[str, Any] = {"scope": scope, "unit": unit}
    if len(years) >= 2 and len(values) >= 2:
        (bv, _), (tv, tc) = values[0], values[1]
        vals.update(baseline_year=years[0] if bv is not None else None, baseline_value=bv,
                    target_year=years[1], target_value=tv)
        if tc:
            vals["comparator"] = tc
    else:
        v, c = values[0]
        vals.update(baseline_year=years[0], baseline_value=v)
        if c:
            vals["comparator"] = c
    if attribute:
        vals["attribute"] = attribute
    if row.group is not None:
        vals["category"] = re.sub(r"\s+", "", row.group.text)
    return IndicatorHit(name=name, values=vals, start=row.start, end=row.end, alignment="fuzzy",
                        reason="assembled from table cells", source="table")


# --- prose -------------------------------------------------------------------------------

_SENT_END = re.compile(r"[。;;!?！？\n]")
_CLAUSE_BREAK = re.compile(r"[,，:：;；。\n]")
_TIME_LEAD = re.compile(
    r"^(?:(?:到|至|截至|截止|在|于)?\s*(?:(?:19|20)\d{2}(?:\s*[-—–~至到]\s*(?:19|20)\d{2})?年(?:\d{1,2}(?:-\d{1,2})?月(?:底|末|份)?)?"
    r"|[“\"]?[一二三四五六七八九十]{2,3}五[”\"]?(?:时期|期间)?)"
    r"(?:底|末|期末|前|以来|上半年|下半年|全年|一季度|第一季度|前三季度|年底)?[,，]?)+")
_LEAD_WORDS = re.compile(r"^(?:其中|同时|并且?|且|以及|全年|当年|同年|今年|去年|目前|当前|此外|另外|总体上|总的来看|预计|力争|计划|争取|确保|将|还"
                         r"|实现|形成|首季|全市|全县|全区|全省|全镇|该市|本市|我市|该县|本县|我县|该区|我区|该省"
                         r"|今年以来|年内|年初|现已|已经|已|完成|我们|努力实现|努力|用[^,，。;；]{1,6}?时间"
                         r"|[^,，。;；]{0,12}?(?:建成|达产|投产|满产)后)+")
_TRAIL_WORDS = re.compile(
    r"(?:分别)?(?:已经|已|将|也|均|还|可|共|累计)?(?:达到了?|达|为|是|完成|实现|突破|超过|超|逾|约为?|近|接近"
    r"|提高到|提高至|提升到|提升至|上升到|上升至|增长到|增加到|增至|降至|降低到|下降到|减少到|控制在|保持在"
    r"|稳定在|在|拥有|有|占|约占|已超|居|列|排名|首次|再次|同比|年产|力争|预计|计划|争取|确保|有望|预期|不少于|不低于|不超过)*$")
# `园区实现工业总产值`: the verb between a short subject and the figure's name
_SUBJECT_VERB = re.compile(r"^(园区|全园|企业|项目)(?:实现|完成|达成)(?=[\u4e00-\u9fff]{2,})")
_RELATIVE = re.compile(r"^(?:年均|同比|比上年|较上年|增速|增幅|增长|占(?!地|用)|比重|其中|总量占|总额占)")
_COUNT_UNITS = frozenset("个家项条对座所批种台辆艘架户人") | {"万家", "万户", "万人", "万个"}
_SKIP_NAME = re.compile(r"^(?:的|和|及|或|等)|^与(?:其|之|此|上年|去年|同期)|第$|^[\W\d]+$")
_TARGET_CUE = re.compile(r"(?<![截止])到\s*(?:19|20)\d{2}|期末|以后|" + lexicon().alternation("target_cues"))
# `主要施政目标包括:`, `主要预期目标是:`: the clauses after the colon, to the line's end, are goals
_GOAL_LIST = re.compile(r"目标(?:任务)?(?:包括|是|为|有)?[:：]")
# `完成全年计划的96.2%`: how much of a plan is done, a stated figure (no goal)
_DONE_OF_PLAN = re.compile(r"(?:完成|超额完成)(?:了)?(?:全年|年度|年初)?(?:计划|目标|任务)的?\s*$")
# `超额完成了年度目标的115%`: a share of the plan done, named after the figure it is of
_DONE_SHARE = re.compile(r"完成了?(全年|年度|年初)?(计划|目标|任务)的?\s*$")
# `现已开工A、B等23项`: a count of what is done (after the count planned)
_ACHIEVED = re.compile(r"已[\u4e00-\u9fff]{0,2}?(?:开工|竣工|完成|签约|投产|落地|引进|建成|开业|实施|启动)")
# a sentence about now (`目前已…`): the year of an earlier sentence is not its year
_NOW = re.compile(r"^\s*(?:截至)?(?:目前|当前|现已|现有|现在)")
# the land or floor of a site as planned: stated, not a goal (unless its own clause sets one)
_PLANNED_AREA = re.compile(r"规划面积|规划用地|占地|用地面积|总面积|建筑面积")
# what stands still, whatever the year: an area, a distance, a bound (no default year)
_STATIC = re.compile(r"面积|占地|用地|距离|长度|范围|四至|海拔")
_PROJECT_NAME = re.compile(r"^(?:总?投资(?:额|总额)?|计划投资)$")
# What a clause says of one project, firm, site or event rather than of a region or sector:
# its investment (`…扩建工程总投资`, `拟投资`), its land (`规划面积`, `占地`), its distance to
# somewhere (`距…港`), the firm doing it (`…有限公司实施`), the act of building (`在…建设`),
# and the tally of a signing or ground-breaking event (`本次活动共签约项目`).
_ATTRIBUTE_NAME = re.compile(
    r"^(?:拟|计划|预计|将|共|已)?(?:总?投资|投资总额)(?:额)?$|(?:项目|工程|期)(?:计划|预计|拟)?总投资(?:额)?$"
    r"|^(?:该|其)?(?:公司|企业)(?:计划|预计|拟)?总?投资(?:额)?$"
    r"|^(?:园区)?距"
    r"|有限公司|有限责任公司"
    r"|(?:本次|此次|活动|现场|集中)[^,，]{0,6}(?:签约|开工|竣工|投产)?项目$")


def attribute_not_indicator(name: str, unit: str | None) -> bool:
    """True for a figure that describes a project, firm, site or event (see _ATTRIBUTE_NAME)
    rather than a planning indicator; shares and rates (`%`) are always indicators."""
    if unit == "%":
        return False
    if _ATTRIBUTE_NAME.search(name):
        return True
    # `在…园区建设5GWh`: a capacity built; `重大项目建设80项` counts projects, an indicator
    return unit not in _COUNT_UNITS and _BUILD_END.search(name) is not None


_BUILD_END = re.compile(r"(?:建设|实施|新建|扩建)$")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[章节]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]"
                      r"|\d+(?:\.\d+)*[、.．]|——)")


# how far before a figure its name is looked for (names are at most 30 characters)
_NAME_WINDOW = 80
# what follows the first item of a list (`A(乙)B基地、C…`, `A、B等`): within its clause
_LISTED_FIRST = re.compile(r"[^,，。;；:：]{0,30}?、")
_CAPTION_LINE = re.compile(r"^\s*(?:续?表|专栏|附表|附图|图)\s*\d+[^。,，;；]{0,40}$")
# a sentence ends at its punctuation or a line end; a run of more than MAX_SENTENCE characters
# without either (a flattened table, garbage) is cut, so that work per sentence stays bounded
MAX_SENTENCE = 600
_SENTENCE = re.compile(r"[^。;;!?！？\n]{1,%d}[。;;!?！？]?" % MAX_SENTENCE)
_OPEN_BRACKET = re.compile(r"\s*[(（]\s*")
_FROM_START = re.compile(r"由\s*(?:(?:19|20)\d{2}年(?:底|末)?的?)?\s*$")
_THEN_RESPECTIVE = re.compile(r"\s*[,，]\s*分别")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_TWO_HAN = re.compile(r"[\u4e00-\u9fff]{2}")
# a count of the places a product or a link reaches (`远销世界…个国家`, `航线通达…个城市`)
_REACH_END = re.compile(r"(?:远销|销往|出口到?|覆盖|辐射|通达|连接|联通)(?P<world>世界|全球|全国|海外)?$")
_COUNT_VERB_END = re.compile(r"(?:拥有|有|形成|打造|建设|建成|培育|引进|新增|设立|认定|推动|支持|实施)$")
_APPROX_END = re.compile(r"(?:近|约|超过|超|逾|多达|达到?|共计?|累计)$")
_DIGIT = re.compile(r"\d")
_RANKING = re.compile(r"[^,，。;；:：]{0,15}?中(?:位居|居于?|排名?|名列|位列|最|第|处于)")
_FORMULA_OR_CAPTION = re.compile(r"[+×*/=<>]|表$|图$|^(?:专栏|附?表|附?图)\d")
# `三大千亿元产业`: a count in Chinese numerals is an indicator when it counts a size class
_SIZE_CLASS = re.compile(r"[“\"]?(?:超|过)?[千百万]亿元?级?(?![”\"])")


# what is left of a clause that only sets a goal for the figure named before it
_GOAL_VERBS = re.compile(r"(?:突破|达到?|超过|超|增至|增加到|提高到|提高至|提升到|提升至|增长到|实现|力争|争取|确保)*")


# an amount named only by its measure, after a count (`…项目12个,项目总投资96亿元`): the
# measure of what was counted; what counts may be so measured (projects, firms, parks)
_MEASURE_OF_COUNTED = re.compile(r"(?:项目|企业)?((?:计划|预计|达产后|建成后)?(?:总投资(?:额)?|投资总额|投资额?|到位资金"
                                 r"|年?(?:工业)?(?:总)?产值|年?税收|年?营业收入|年?销售收入)(?:达到?)?)")
_COUNTED_HEADS = ("项目", "企业", "园区", "基地")
# what an amount measures, at the end of its name (`…运输货物`, `…营业收入`)
_MEASURE_HEAD = re.compile(r"(?:货物|货值|货运量|货物量|进出口额|进出口值|出口额|进口额|主营业务?收入|营业收入|利润总额|利润"
                           r"|税收|产值|产量|销售额|交易额|成交额)$")
_JUST_BREAK = re.compile(r"\s*[,，;；]\s*")


def _headings(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        t = line.strip()
        if t and len(t) <= 40 and _HEADING.match(t) and "。" not in t:
            out.append((pos, t))
        elif t.startswith("——") and ":" in t[:30]:
            out.append((pos, t[: t.index(":")]))
        pos += len(line) + 1
    return out


def _clean_name(raw: str, *, scope_names: RegionMatcher) -> tuple[str, str | None]:
    """The indicator name in the words before a number, and the region it starts with."""
    s = _MARKS.sub("", re.sub(r"[\s“”\"'‘’]+", "", raw))
    s = re.sub(r"\([^()]*\)|（[^（）]*）|\[\d{1,2}\]", "", s)  # asides and footnote marks (`[2]`)
    s = s.split("(")[-1]
    s = re.sub(r"在[^,，。的]{1,8}?下(?=[\u4e00-\u9fff])", "", s)  # `在高基数下`: an aside
    intro = list(_LIST_INTRO.finditer(s))
    if intro and len(s) - intro[-1].end() >= 2:
        s = s[intro[-1].end():]  # `《规划》确定了范围包括甲农场用地`: what is listed
    scope: str | None = None
    for _ in range(3):
        before = s
        s = _TIME_LEAD.sub("", s)
        s = _LEAD_WORDS.sub("", s)
        hit = subject_at(s, scope_names)
        if hit and "、" in s[hit[0]:] and hit[1] not in scope_names.regions:
            hit = None  # `甲集团(乙)A基地、B…等`: a list's first item, not the subject
        if hit:
            scope = hit[1]
            s = s[hit[0]:]
            s = re.sub(r"^(?:市|区|县|的|全区|全市)", "", s)
        if s == before:
            break
    s = _TRAIL_WORDS.sub("", s)
    s = _SUBJECT_VERB.sub(r"\1", s)
    lead_verb = _LEAD_VERBS.match(s)
    if lead_verb and len(s) - lead_verb.end() >= 4:
        s = s[lead_verb.end():]
    s = re.sub(r"(?:的|总量|规模|数量?)?(?:分别)?$", "", s) if s.endswith(("的", "分别")) else s
    s = s.strip("、,，:：的")
    return _drop_modifier(s), scope


def _only_verbs(name: str) -> bool:
    """`推出`, `新增`: a verb (or verbs) and nothing it counts (jieba part of speech)."""
    from gxatlas.extract.mentions import pos_cut

    words = pos_cut(name)
    return bool(words) and len(name) <= 4 and all(f.startswith("v") and f != "vn" for _, f in words)


# `…30亿元的产业引导基金`: what a figure is of, right after it
_OF_WHAT = re.compile(r"(?:以上|左右)?的([\u4e00-\u9fffA-Za-z]{2,16}?)(?=[,，。;；、()（）]|等|$)")
_LIST_INTRO = re.compile(r"(?:包括|包含|涵盖|确定了|明确了|其中有|(?:企业|单位|项目|公司)有)")
_MODIFIER = re.compile(r"^[^的占比\d]{4,}的(?=[^的]{4,}$)")
_PARTNER = re.compile(r"^(与[^的占比,，]{1,8})的")


def _drop_modifier(name: str) -> str:
    """`具有较强带动力的骨干企业集群` → `骨干企业集群`: a long attribute before 的 is not part of
    the indicator's name (a short one, `千亿元的`, is); `与东盟的进出口额` → `与东盟进出口额`."""
    partner = _PARTNER.sub(r"\1", name, count=1)
    return partner if partner != name else _MODIFIER.sub("", name, count=1)


def _post_name(text: str, q: Quantity) -> str:
    """For a count (`30项改革成果`), the noun after the number."""
    tail = text[q.end: q.end + 30]
    m = _CLAUSE_BREAK.search(tail)
    if m:
        tail = tail[: m.start()]
    tail = re.sub(r"^(?:以上|多|余|左右)?(?:的)?", "", re.sub(r"[“”\"‘’「」]", "", tail))
    more = _NEXT_ITEM.search(tail)
    if more:  # `两大千亿元产业和甲园区、乙园区2个…`: 和 starts the next counted item
        tail = tail[: more.start()]
    tail = _POST_STOP.split(tail)[0].strip()
    head, of, rest = tail.partition("的")
    if of and not _ATTRIBUTE.search(head):
        tail = head  # `12对友好城市的经验`: the count is of the noun before 的
    elif of and _CLAUSE_ATTRIBUTE.match(head):
        tail = _drop_modifier(tail)  # `2家具有竞争力的企业集团` (`7个千亿元的园区` stays whole)
    return re.sub(r"(?:和|及|与|以及)$", "", tail)


_NEXT_ITEM = re.compile(r"(?:和|及|以及)(?=[^和及]*[、\d])")
_POST_STOP = re.compile(r"[、]|\d|[并为在共获被由将已于向对从]|提供|入驻|入选|落户|实现|达到|建设|设立")
# what comes before 的 in an attribute of the counted noun (`具有…的`, `千亿元的`, `超百亿元的`)
_CLAUSE_ATTRIBUTE = re.compile(r"^(?:具有|具备|拥有|有|能|可)")
_ATTRIBUTE = re.compile(r"^(?:具有|具备|拥有|有|能|可|超|年产|产值|规模)|[元吨万亿]$|以上$")


_CUT_VERB = re.compile(r"^(.{2,}?)(?:达到|达|为|是)(.{0,3})$")


def _trim_name(name: str) -> str:
    """`投产后综合产能达年产` → `投产后综合产能`: a verb near the end leaves the noun before it."""
    m = _CUT_VERB.match(name)
    return m.group(1) if m else name


def _section_mode(headings: Sequence[tuple[int, str]], pos: int) -> str | None:
    """`target` under a heading about goals, `review` under one about the past, else None."""
    for start, h in reversed(headings):
        if start > pos:
            continue
        if re.search(r"目标|任务|规划|展望|指标", h):
            return "target"
        if re.search(r"回顾|成效|成就|现状|基础|概况|情况|进展", h):
            return "review"
        if _HEADING.match(h) and not h.startswith("——"):
            return None
    return None


_TOP_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[章节]|[一二三四五六七八九十]+、)")
_HEADING_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*[—–\-－~至到]\s*(?:19|20)?\d{2})")


def _heading_year(headings: Sequence[tuple[int, str]], pos: int) -> int | None:
    """The one year the section around ``pos`` is about (`一、2023年工作回顾`, `二、2024年主要
    目标`): from the nearest heading that names a single year, up to the chapter's heading."""
    for start, h in reversed(headings):
        if start > pos:
            continue
        years = {int(y) for y in _HEADING_YEAR.findall(h)}
        if re.search(r"(?:19|20)\d{2}\s*年?\s*[—–\-－~至到]", h):
            return None  # a period (`2021—2025年`) is the plan's, not one year's
        if len(years) == 1:
            return years.pop()
        if _TOP_HEADING.match(h) or years:
            return None
    return None


_VERB_ONLY = re.compile(r"(?:形成|打造|建设|建成|培育|培植|引进|引入|新增|拥有|有|共有|实现|达到|累计|组建|设立|新设|布局"
                        r"|聚集|集聚|吸引|带动|推动|支持|重点|大力|力争|争取|壮大|发展|创建|认定|获批|入选|落户"
                        r"|已|共|约|近|超过|逾)+")
_MARKS = re.compile(r"^(?:[—\-·•●■◆★※>\s]+|【[^】]*】|\[[^\]]*\]|\d{1,2}[.、](?!\d)|[(（][一二三四五六七八九十\d]{1,3}[)）]"
                    r"|[一二三四五六七八九十]{1,3}、)+")
_LEAD_VERBS = re.compile(r"^(?:统筹|推进|推动|加快|大力|着力|积极|重点|支持|实施|打造|建设|培育|扶持|引导|鼓励)+")
_PLAN_NAMES = {1981 + 5 * (n - 6): cn for n, cn in ((11, "十一"), (12, "十二"), (13, "十三"), (14, "十四"),
                                                     (15, "十五"), (16, "十六"))}
_TOO_WIDE = frozenset({"中国", "全国", "国家", "世界", "全球"})
_ACTION = re.compile(r"^(?:大力|着力|重点|积极|加快|力争|争取|确保)?(?:打造|推动|支持|建设|培育|形成|实施|引进|新增|新建"
                     r"|创建|扶持|组建|布局|推进|建成|实现)")
_HEADS = re.compile(r"(?:用户数|用户|产量|产值|总额|总量|收入|增加值|利润|人数|数量|规模)$")


_ADVERBIAL = re.compile(r"^(?:在[^,，。]{1,12}[下中上里]|随着[^,，。]{1,24}|根据[^,，。]{1,24}|近年来|近几年|多年来|长期以来"
                        r"|为此|与此同时|同时|此外|另外|总体来看|总的来看|据(?:介绍|悉|了解|统计))[,，]?")
_SHARE_OF = re.compile(r"的([^,，。;；、和及与\d%]{2,16})")
_WHOLE = re.compile(r"全[国省区市县]|全球|全世界")
_SHARE_WORDS = ("比重", "比例", "份额", "占比", "之比", "贡献率")


def _lead(s: str) -> str:
    """``s`` without list marks, time phrases, lead words and an opening adverbial clause."""
    out = s
    for _ in range(2):
        out = _LEAD_WORDS.sub("", _ADVERBIAL.sub("", _TIME_LEAD.sub("", _MARKS.sub("", out))))
    return out


def _opening(s: str) -> str:
    """``s`` without list marks, time phrases and an opening adverbial (`据介绍,`), its
    subject kept (`物流园建成后…`)."""
    out = s
    for _ in range(2):
        out = _ADVERBIAL.sub("", _TIME_LEAD.sub("", _MARKS.sub("", out)))
    return out


def _is_action(raw: str, matcher: RegionMatcher) -> bool:
    """Whether the words before a figure (after its subject) are a plan's action: `打造…`,
    `实现年产…`, `甲市着力推进…`."""
    out = _ADVERBIAL.sub("", _TIME_LEAD.sub("", _MARKS.sub("", raw.strip())))
    hit = subject_at(out, matcher)
    if hit:
        out = out[hit[0]:]
    return _ACTION.match(out) is not None


def _paragraph_scope(para: str, matcher: RegionMatcher, places: set[str]) -> str | None:
    """The place or zone a paragraph opens with; else, for a paragraph opening with a heading,
    the one place its first sentence names twice (`一、核心:以甲市为核心,发挥甲市…`)."""
    head = para[:80]
    hit = subject_at(_lead(head), matcher)
    if hit and hit[1] not in _TOO_WIDE and (hit[1] in places or _ZONE_WORD.search(hit[1])):
        return hit[1]
    if not _HEADING.match(head):
        return None
    first = _SENT_END.split(head, maxsplit=1)[0]
    named = Counter(n for _, _, n in matcher.find(first) if n in places and n not in _TOO_WIDE)
    if len(named) == 1 and next(iter(named.values())) >= 2:
        return next(iter(named))
    return None


def _share_name(name: str, raw: str, sent: str, q: Quantity) -> str:
    """Names of shares: `实现全区30%的外资` → `外资占全区比重`; `甲占乙的60%` → `甲占乙比重`."""
    after = _SHARE_OF.match(sent, q.end)
    if after and not after.group(1).startswith(_SHARE_WORDS):
        whole = _WHOLE.findall(raw)
        return after.group(1) + "占" + (whole[-1] if whole else "") + "比重"
    if "占" in name and not name.endswith(_SHARE_WORDS) and raw.rstrip().endswith("的"):
        return name + "比重"
    return name


_KINDS = re.compile(r"(?:总产值|产值|增加值|营业收入|收入|利润|税收|总额|用户数|用户|产量|总量|人数|数量)$")
_RESPECTIVE = re.compile(r"分别(?P<verb>(?:同比|比上年|较上年|年均)?(?:增长|下降)|为|是|达到?|占)?$")


def _respective_names(sent: str, first_q: int, prior: Sequence[str] = ()) -> list[str]:
    """The names of the figures that follow `分别`: for `A、B、C占全区的比重…分别为x、y、z`,
    A占全区的比重, B…, C…; for `三次产业…分别为`, 第一产业…, 第二产业…, 第三产业…; for
    `一季度、上半年、全年GDP分别增长`, 一季度GDP增长…; for `甲营业收入、利润分别增长`,
    甲营业收入增长, 甲利润增长; with no list (`运输货物1.2万标箱,货值15亿元,分别同比增长x和y`),
    the growth of each amount named before in the sentence (``prior``)."""
    m = _RESPECTIVE.search(sent[:first_q])
    if not m:
        return []
    verb = m.group("verb") if m.group("verb") and m.group("verb").endswith(("增长", "下降")) else ""
    head = sent[: m.start()]
    cut = max((b.end() for b in re.finditer(r"[,，:：;；。“”]", head.rstrip(",，"))), default=0)
    body = head[cut:].rstrip(",，")
    implied = re.search(r"三次产业", body)
    if implied:
        rest = body[implied.end():]
        return [x + rest + verb for x in ("第一产业", "第二产业", "第三产业")]
    items = [re.sub(r"^(?:和|及|以及)", "", x) for x in re.split(r"[、和及]", body) if x]
    if len(items) < 2:
        return [p + verb for p in prior] if verb and prior else []
    periods = lexicon().map("period_months")
    if all(x in periods for x in items[:-1]):
        last_period = next((p for p in sorted(periods, key=len, reverse=True) if items[-1].startswith(p)), None)
        if last_period:  # `一季度、上半年、全年全县GDP`: periods of one figure
            stem = re.sub(r"^(?:全市|全区|全省|全县)", "", items[-1][len(last_period):])
            return [x + stem + verb for x in items[:-1]] + [last_period + stem + verb]
    first_kind = _KINDS.search(items[0])
    if first_kind and all(_KINDS.fullmatch(x) for x in items[1:]):
        head_words = items[0][: first_kind.start()]  # `规上工业营业收入、利润`
        return [items[0] + verb] + [head_words + x + verb for x in items[1:]]
    last = items[-1]
    if "占" in last:
        stem, suffix = last[: last.index("占")], last[last.index("占"):]
    else:
        hm = next((h for h in re.finditer(r"用户数|用户|产量|产值|总额|总量|收入|增加值|利润|人数|数量", last)), None)
        if hm is None:
            return [re.sub(r"\s+", "", x) + verb for x in items]
        stem, suffix = last[: hm.start()], last[hm.start():]
    suffix = re.sub(r"(?:接近|约|近|超过|达到|达|为).*$", "", suffix)
    return [x + suffix + verb for x in items[:-1]] + [stem + suffix + verb]


class Layers:
    """Quantities and time expressions already found in the text (the annotated document's
    ``quantities_in``/``times_in``), so that prose reading does not find them again."""

    def __init__(self, quantities_in: Callable[[int, int], Sequence[Quantity]],
                 times_in: Callable[[int, int], Sequence[Period]]) -> None:
        self.quantities_in, self.times_in = quantities_in, times_in

    def in_sentence(self, s0: int, s1: int) -> tuple[list[Quantity], list[Period]]:
        """The sentence's quantities and times, with offsets relative to its start."""
        return ([dataclasses.replace(q, start=q.start - s0, end=q.end - s0) for q in self.quantities_in(s0, s1)],
                [dataclasses.replace(t, start=t.start - s0, end=t.end - s0) for t in self.times_in(s0, s1)])


def _prose_indicators(text: str, *, matcher: RegionMatcher, scope: str | None,
                      plan: tuple[int, int] | None, subjects: Iterable[str] = (),
                      profile: Profile | None = None, layers: Layers | None = None) -> list[IndicatorHit]:
    out: list[IndicatorHit] = []
    headings = _headings(text)
    if profile is None:
        doc_year = report_year(text) if plan is None else None
        written = written_year(text)
        current = None
    else:
        doc_year = profile.about_year if plan is None else None
        written = profile.written_year if profile.current_source in ("signature", "page") else None
        # the year `今年` means in a text that says (news, reports): undated current figures
        current = profile.year_from_text if profile.genre.value in _CURRENT_GENRES else None
    goal_from = goal_until = -1
    para_sep = paragraph_break(text)
    last_year: int | None = None
    last_year_para = -1
    cur_para = -2
    para_scope: str | None = None
    places = set(matcher.display.values()) - set(subjects)
    shared: list[IndicatorHit] = []
    for sm in _SENTENCE.finditer(text):
        s0 = sm.start()
        sent = sm.group()
        found, years = layers.in_sentence(s0, sm.end()) if layers is not None else (
            find_quantities(sent), find_years(sent))
        quants = [q for q in found
                  if (q.unit or isinstance(q.value, str)) and q.unit not in ("倍",)
                  and (q.text[:1].isdigit() or q.text[:1] in "万千百" or q.unit == "%"
                       or (q.unit in _COUNT_UNITS and _SIZE_CLASS.match(sent, q.end) is not None))
                  and not sent.startswith("级", q.end) and q.unit not in ("万", "亿")]
        if quants and _CAPTION_LINE.match(sent):
            quants = []  # `专栏1 七大千亿元产业布局`: a caption names, it does not state
        para = text.rfind(para_sep, 0, s0)
        if not quants:
            plain = [y for y in years if not y.target and not y.reference]
            if plain:
                last_year, last_year_para = plain[-1].year, para
            continue
        mode = _section_mode(headings, s0)
        goal = _GOAL_LIST.search(sent)
        if goal:
            line_end = text.find("\n", s0)
            goal_from, goal_until = s0 + goal.end(), len(text) if line_end < 0 else line_end
        if para != cur_para:
            cur_para = para
            para_scope = _paragraph_scope(text[para + 2 if para >= 0 else 0:], matcher, places)
        subject: str | None = None
        subject_scope: str | None = None
        sent_scope: str | None = None
        lead = _lead(sent)
        lead_hit = subject_at(lead, matcher)
        sent_subject = lead_hit[1] if lead_hit and lead_hit[1] not in _TOO_WIDE else None
        if sent_subject is not None and sent_subject not in places and _LISTED_FIRST.match(lead, lead_hit[0]):
            sent_subject = None  # `甲集团(乙)A基地、B…等46项`: the first item of a list, no subject
        respective: list[str] = []
        r_index = 0
        amount: str | None = None
        amounts: list[str] = []  # names of the sentence's amounts so far (`运输货物…,货值…`)
        counted: str | None = None  # what the last count counted (`新签约项目12个,投资总额…`)
        prev: IndicatorHit | None = None
        prev_q: Quantity | None = None
        for q in quants:
            # `近6千亿元(5980.5亿元)`: the figure in brackets restates the one before it
            if prev is not None and prev_q is not None and q.unit == prev_q.unit \
                    and _OPEN_BRACKET.fullmatch(sent, prev_q.end, q.start):
                key = "target_value" if "target_value" in prev.values else "baseline_value"
                vals = dict(prev.values)
                vals[key] = q.value
                vals.pop("comparator", None)
                out[-1] = IndicatorHit(name=prev.name, values=vals, start=prev.start, end=s0 + q.end)
                prev, prev_q = out[-1], q
                continue
            window = max(0, q.start - _NAME_WINDOW)
            after_figure = False
            cstart = max((m.end() for m in _CLAUSE_BREAK.finditer(sent, window, q.start)), default=window)
            if prev_q is not None and cstart <= prev_q.end < q.start:
                sep = sent.rfind("、", prev_q.end, q.start)
                if sep >= 0 and (sep == prev_q.end or sent.startswith("的", prev_q.end)):
                    # `年产值30亿元、年税收2亿元`, `投资50亿元的A公司、投资60亿元的B公司`: the
                    # next figure's own name
                    cstart = sep + 1
                elif q.unit != "%" and q.unit not in _COUNT_UNITS:
                    # `占地90亩的A项目总投资…`, `投资5亿元建设A光伏电站20万千瓦`: a name starts
                    # after the figure before it
                    cstart = prev_q.end
                    after_figure = True
            raw = sent[cstart:q.start]
            if _FROM_START.search(raw):
                continue  # `由2015年的1200亿元(提高到…)`: the starting point, not the figure
            if "由" in raw:
                raw = raw[: raw.index("由")]
            name_scope: str | None = None
            chained = bool(respective) and prev_q is not None and re.fullmatch(
                r"\s*(?:、|和|及|以及|,|，)\s*", sent[prev_q.end:q.start]) is not None
            if not chained:
                respective, r_index = [], 0
                if "分别" in sent[max(0, q.start - 8):q.start]:
                    respective = _respective_names(sent, q.start, amounts)
            if respective:
                if r_index >= len(respective):
                    continue
                name, name_scope = _clean_name(respective[r_index], scope_names=matcher)
                r_index += 1
            else:
                name, name_scope = _clean_name(raw, scope_names=matcher)
                if name.endswith("各") and "、" in name:
                    items = name[:-1].split("、")
                    verb = re.match(r"^(?:年产|年均|新增|新建|建设|建成|累计)", items[0])
                    pre = verb.group() if verb else ""
                    names = [items[0]] + [x if x.startswith(pre) else pre + x for x in items[1:]]
                    name = names[0]
                    for extra in names[1:]:
                        out.append(IndicatorHit(name=extra, values={}, start=-1, end=-1))
                elif not name and name_scope and prev is not None and prev_q is not None \
                        and prev_q.unit == q.unit and prev.values.get("scope") != name_scope:
                    name = prev.name  # `其中,甲市120家,乙市80家`: the breakdown of the figure before
            if q.approx and q.unit == "%" and isinstance(q.value, float) and _THEN_RESPECTIVE.match(sent, q.end):
                continue  # `接近三分之一,分别为…`: the rounded share before the exact ones
            if q.unit in _COUNT_UNITS and not respective and name:
                tail = next(((a, sub) for a, _, _ in matcher.find(name)
                             if (sub := subject_at(name[a:], matcher)) and a + sub[0] == len(name)), None)
                if tail is not None:  # `上级赋予甲片区50项试点任务`
                    post = _post_name(sent, q)
                    if _TWO_HAN.search(post):
                        name_scope = tail[1][1]
                        name = ""
            if q.unit in _COUNT_UNITS and not respective:
                if "在" in raw and _RANKING.match(sent, q.end):
                    continue  # `在全国15个城市中位居第三`: the field ranked in, not a figure
                post = _post_name(sent, q)
                reach = _REACH_END.search(name)
                if reach and _TWO_HAN.search(post):
                    # `产品销往全球30多个国家和地区`: the places reached, named with the verb
                    name = (name[:reach.start("world")] if reach.group("world") else name) + post
                elif _TWO_HAN.search(post) and (
                        not name or len(name) < 2 or _VERB_ONLY.fullmatch(name) or _only_verbs(name)
                        or name.endswith("等")
                        or _COUNT_VERB_END.search(_APPROX_END.sub("", raw)) or raw.rstrip().endswith(("的", "为"))
                        or "、" in name or name.startswith("在") or _DIGIT.search(name)):
                    name = post  # `甲、乙、丙三大千亿元产业`: the list names what is counted
                elif "、" in name:
                    last = out[-1] if out and prev is not None and out[-1].name == prev.name else None
                    if last is not None and prev_q is not None and prev_q.unit == q.unit and _ACHIEVED.search(raw) \
                            and "target_value" in last.values and last.values.get("baseline_value") is None:
                        # `计划竣工项目20项,现已竣工A、B等23项`: what is done of the planned count
                        out[-1] = dataclasses.replace(last, values={
                            **last.values, "baseline_year": last.values.get("target_year"), "baseline_value": q.value})
                    continue
            name = _trim_name(name)
            if q.unit == "%" and not respective:
                name = _share_name(name, raw, sent, q)
                done_share = _DONE_SHARE.search(raw)
                if done_share and prev is not None:
                    # `竣工23项,完成年度计划的115%`: the share done of the plan for the figure before
                    name = prev.name + "完成" + (done_share.group(1) or "") + done_share.group(2) + "比例"
            if _FORMULA_OR_CAPTION.search(name):
                continue
            if _GOAL_VERBS.fullmatch(name) and prev is not None and prev_q is not None \
                    and prev_q.unit == q.unit and _TARGET_CUE.search(raw):
                # `2023年实现A385亿元，力争到2025年突破600亿元`: the goal of the figure before
                name, name_scope = prev.name, name_scope or prev.values.get("scope")
            of_counted = False
            measure = _MEASURE_OF_COUNTED.fullmatch(name)
            if measure and counted is not None and prev_q is not None \
                    and _JUST_BREAK.fullmatch(sent, prev_q.end, cstart) is not None:
                # `新落地项目41个,投资总额88.5亿元,到位资金20.3亿元`: figures of what was counted
                name = counted + measure.group(1)
                of_counted = True
            elif q.unit in _COUNT_UNITS:
                counted = re.sub(r"(?:数量?|总数)$", "", name) if name.endswith(_COUNTED_HEADS) else None
            elif not measure:
                counted = None
            head = _MEASURE_HEAD.fullmatch(name)
            if head and prev is not None and prev_q is not None and prev_q.unit != "%" \
                    and _JUST_BREAK.fullmatch(sent, prev_q.end, cstart) is not None:
                prev_head = _MEASURE_HEAD.search(prev.name)
                if prev_head and prev_head.start() >= 2 and prev_head.group() != name:
                    # `经A通道累计运输货物12万标箱,货值150亿元`: the same things measured
                    # otherwise (`经A通道累计运输货值`)
                    name = prev.name[:prev_head.start()] + name
            of_what = _OF_WHAT.match(sent, q.end)
            if of_what and re.search(r"(?:总)?规模(?:为|达)?$", raw):
                # `设立总规模为30亿元的产业引导基金`: the size of what follows
                name = of_what.group(1) + "规模"
            firm_after = of_what is not None and any(of_what.group(1).startswith(n) for n in subjects)
            if not name or len(name) < 2 or len(name) > 30 or _SKIP_NAME.search(name) \
                    or (after_figure and "、" in name):
                continue
            if not firm_after and not of_counted and (_PROJECT_NAME.match(name) or not _HAN.search(name)
                                   or attribute_not_indicator(name, q.unit)):
                continue  # (`投资80亿元的A公司`: the firm's investment is a figure of the firm)
            if _RELATIVE.match(name):
                if subject is None:
                    continue
                # `固定资产投资增长9.5%，其中工业投资68亿元，同比增长21%`: the growth of the
                # amount named last, not of the sentence's first figure
                name = (amount if amount is not None and q.unit == "%" and not _RELATIVE.match(amount)
                        else subject) + name
                name_scope = name_scope or subject_scope
            elif subject is None:
                subject, subject_scope = name, name_scope
            if q.unit != "%" and not _RELATIVE.match(name):
                amount = name
                amounts.append(name)
            sent_scope = sent_scope or name_scope
            before = sent[: q.start]
            ys = [y for y in years if y.end <= q.start and not y.reference and not y.target]
            tyear = next((y.year for y in reversed(years) if y.target and y.end <= q.start), None)
            action = _is_action(raw, matcher)
            in_plan = plan is not None and bool(re.search(
                rf"{_PLAN_NAMES.get(plan[0], '@')}五[”\"]?(?:时期|期间)", before))
            in_goals = goal_from <= s0 + q.start < goal_until
            done = _DONE_OF_PLAN.search(before) is not None
            is_target = not done and (bool(tyear) or bool(_TARGET_CUE.search(before)) or mode == "target" or in_goals or (
                plan is not None and mode != "review" and not ys and (action or in_plan)))
            if is_target and _PLANNED_AREA.search(name) and not _TARGET_CUE.search(raw) \
                    and not re.search(r"(?:19|20)\d{2}", raw):
                is_target = False  # `…计划总投资6亿元,总建筑面积8万平方米`: an area stated, no goal
            if not is_target and ys and written is not None and mode != "review" and not ys[-1].month_from and (
                    ys[-1].year > written or (ys[-1].year == written and (q.approx or q.comparator == ">=" or sent.startswith("左右", q.end)))):
                # `2024年…增长7%左右` in a text of 2024: a year not over when it was written
                is_target, tyear = True, ys[-1].year
            vals: dict[str, Any] = {"scope": name_scope or sent_scope or sent_subject or para_scope or scope,
                                    "unit": q.unit}
            hyear = _heading_year(headings, s0)
            if is_target:
                if tyear is None and hyear is not None and mode == "target":
                    tyear = hyear  # `二、2024年主要目标`: `…增长6%左右`
                if tyear is None and plan and (mode == "target" or re.search(r"期末|五[”\"]?末", before)
                                               or action or in_plan) and (current is None or plan[0] != current):
                    tyear = plan[1]
                this_year = (profile is not None and profile.genre.value == "work_report"
                             or _THIS_YEAR.search(text, max(0, s0 - 200), s0 + q.start) is not None)
                if tyear is None and current is not None and (
                        (ys and ys[-1].year == current) or (not ys and not _STATIC.search(name) and this_year)):
                    tyear = current  # `今年主要目标:…增长8%`, `计划新开工26项`: this year's goal
                vals.update(target_year=tyear, target_value=q.value)
            else:
                byear = ys[-1].year if ys else None
                if byear is None and last_year is not None and last_year_para == para and not _NOW.match(sent):
                    byear = last_year
                if byear is None and hyear is not None and mode == "review":
                    byear = hyear  # `一、2023年工作回顾`: `全年地区生产总值1705亿元`
                if byear is None and plan and mode == "review":
                    byear = plan[0] - 1
                if byear is None and doc_year is not None:
                    byear = doc_year  # a bulletin's year (its title) for `全年…`, `年末…`
                if byear is None and current is not None and not _STATIC.search(name):
                    byear = current  # a report's undated figure: the year it reports on
                vals.update(baseline_year=byear, baseline_value=q.value)
            if q.comparator:
                vals["comparator"] = q.comparator
            if q.low is not None:
                vals["range"] = [q.low, q.value]
            period = next((y for y in reversed(ys) if y.month_from), None)
            if period is not None:
                vals["period"] = period.label()
            if q.change == "down" and not name.endswith(("下降", "降低", "减少")):
                name = name + "下降"
            start = s0 + cstart + (len(raw) - len(raw.lstrip()))
            while out and out[-1].start == -1:  # names sharing this figure (`钢、铁各500万吨`)
                pending = out.pop()
                shared.append(IndicatorHit(name=pending.name, values=vals, start=start, end=s0 + q.end))
            out.append(IndicatorHit(name=name, values=vals, start=start, end=s0 + q.end))
            out.extend(shared)
            shared.clear()
            prev, prev_q = IndicatorHit(name=name, values=vals, start=start, end=s0 + q.end), q
        plain = [y for y in years if not y.target and not y.reference]
        if plain:
            last_year, last_year_para = plain[-1].year, para
    return out


def paragraph_break(text: str) -> str:
    """What ends a paragraph: a blank line where the text has them (a PDF's paragraphs span
    lines), else a line break (web text writes one paragraph a line)."""
    return "\n\n" if text.count("\n\n") >= 0.2 * max(1, text.count("\n")) else "\n"


# genres whose undated figures are of the year the text is about (`今年`, `目前`)
_CURRENT_GENRES = frozenset({"news", "work_report", "bulletin", "other", "park_intro"})
# words that place a goal in the current year
_THIS_YEAR = re.compile(r"今年|年内|年底|年初|全年|本年|当年")


# --- the extractor -----------------------------------------------------------------------


_REPORT_TITLE = re.compile(r"公报|年报|总结|报告|通报|情况|综述|年鉴")
_PERIOD_IN = re.compile(r"(?:19|20)\d{2}\s*年?\s*[—–\-－~至到]\s*(?:19|20)?\d{2}")
_DATE_LINE = re.compile(r"^(?:(?:发布|印发|成文)?日期|时间)?[:：]?\s*((?:19|20)\d{2})\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
                        r"|[-./]\d{1,2}[-./]\d{1,2})")


def report_year(text: str) -> int | None:
    """The one year a report or bulletin is about, from its title (first line):
    `甲市2023年统计公报` -> 2023; none for a plan or a period."""
    title = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if len(title) > 60 or not _REPORT_TITLE.search(title) or _PERIOD_IN.search(title):
        return None
    years = {int(y) for y in _HEADING_YEAR.findall(title)}
    return years.pop() if len(years) == 1 else None


def written_year(text: str) -> int | None:
    """The year a document was written or issued: the first line that is only a date
    (`2024年2月20日`, `发布日期:2024-06-19`), near its start or its end."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:8] + lines[-4:]:
        m = _DATE_LINE.match(line)
        if m and len(line) <= 30 and (m.end() == len(line) or not _HAN.search(line[m.end():m.end() + 1])):
            return int(m.group(1))
    return None


def _plan_years(text: str) -> tuple[int, int] | None:
    """The five-year plan a document is about (the one named most, title first)."""
    plans = plan_period_years(text[:300]) or plan_period_years(text)
    if not plans:
        return None
    first, last, _, _ = Counter((p[0], p[1], 0, 0) for p in plans).most_common(1)[0][0]
    return first, last


def extract_indicators(text: str, *, regions: Mapping[str, str] | None = None,
                       subjects: Iterable[str] = (), scope: str | None = None,
                       tables: Iterable[Table] | None = None,
                       profile: Profile | None = None, layers: Layers | None = None) -> list[IndicatorHit]:
    """Indicators of a normalized text, from its tables and its prose.

    ``regions`` maps region spellings to the name a fact's ``scope`` uses; ``subjects`` are
    other names that can be an indicator's scope when they open a clause (parks, enterprises
    found in the document); ``scope`` overrides the region the document is about; ``tables``
    are the rebuilt tables (found if not given).
    """
    subjects = list(subjects)
    matcher = region_matcher(regions or {}, {subj: subj for subj in subjects})
    doc_scope = scope or default_scope(document_scope(text, matcher), profile)
    plan = _plan_years(text)
    tabs = list(tables) if tables is not None else find_tables(text)
    hits: list[IndicatorHit] = []
    covered: list[tuple[int, int]] = []
    for t in tabs:
        cap_hits = matcher.find(t.title)
        t_scope = cap_hits[0][2] if cap_hits else doc_scope
        found = _table_indicators(t, scope=t_scope) or _measure_table(t, scope=t_scope, matcher=matcher)
        hits += found
        covered.append((t.start, t.end))
    subject_names = [n for n in subjects if n not in (regions or {})]
    prose = [h for h in _prose_indicators(text, matcher=matcher, scope=doc_scope, plan=plan,
                                          subjects=subject_names, profile=profile, layers=layers)
             if not any(a <= h.start < b for a, b in covered)]
    return hits + _merge_targets(_drop_restatements(prose, hits), set((regions or {}).values()))


def default_scope(doc_scope: str | None, profile: Profile | None) -> str | None:
    """The region a document's figures are about when a sentence names none: the profile's
    region when the title or the dateline names it, or when the clauses' usual subject is only
    the province or the country (a text about a city names its province too); else the
    clauses' usual subject (a plan of `北部湾经济区`)."""
    if profile is None or profile.region is None:
        return doc_scope
    if doc_scope is not None and _ZONE_WORD.search(doc_scope) and doc_scope in profile.title:
        return doc_scope  # a zone's own report (`某市某经济开发区…公报`)
    from gxatlas.extract.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    region = gaz.place(profile.region)
    place = gaz.place(doc_scope) if doc_scope else None
    if region is not None and region.level == "province" and doc_scope is not None and place is None:
        return doc_scope  # a province-wide text about one of its groups or zones (`北部湾经济区`)
    if profile.region_source in ("title", "dateline") or doc_scope is None:
        return profile.region
    if place is not None and place.level in ("province", "country") and profile.region != doc_scope:
        return profile.region
    return doc_scope


def _merge_targets(hits: list[IndicatorHit], places: Iterable[str] = ()) -> list[IndicatorHit]:
    """A target stated apart from its baseline (same scope and unit, similar name) joins it."""
    out = list(hits)
    for t in hits:
        if t.values.get("target_value") is None or t.values.get("baseline_value") is not None:
            continue
        for k, b in enumerate(out):
            if (b is not t and b.values.get("baseline_value") is not None
                    and b.values.get("target_value") is None
                    and b.values.get("scope") == t.values.get("scope")
                    and b.values.get("unit") == t.values.get("unit")
                    and b.values.get("scope") not in (None,)
                    and ((_similar(_canon(b.name), _canon(t.name)) and _named_scope(b))
                         or (_canon(b.name) == _canon(t.name) and _earlier(b, t))
                         or (_similar(_canon(b.name), _canon(t.name)) and _same_year(b, t)))):
                vals = dict(b.values)
                for key in ("target_year", "target_value", "comparator"):
                    if t.values.get(key) is not None:
                        vals[key] = t.values[key]
                out[k] = IndicatorHit(name=b.name, values=vals, start=b.start, end=b.end,
                                      alignment="fuzzy", reason="baseline and target stated apart")
                out = [h for h in out if h is not t]
                break
    # what is left of a park's output target is the park's own target (a park fact); a region
    # named like a zone (`…经济区`) keeps its indicators
    return [h for h in out if not (h.values.get("baseline_value") is None and _named_scope(h)
                                   and h.values.get("scope") not in places
                                   and _OUTPUT_NAME.fullmatch(h.name))]


def _same_year(b: IndicatorHit, t: IndicatorHit) -> bool:
    """A year's goal and its figure so far (`计划固定资产投资50亿元`, `前8个月完成41.2亿元`)."""
    by, ty = b.values.get("baseline_year"), t.values.get("target_year")
    return isinstance(by, int) and by == ty


def _earlier(b: IndicatorHit, t: IndicatorHit) -> bool:
    """A baseline dated before a target's year: one indicator's past and goal (a work
    report's actual for last year and its target for this year)."""
    by, ty = b.values.get("baseline_year"), t.values.get("target_year")
    return isinstance(by, int) and isinstance(ty, int) and by < ty


_OUTPUT_NAME = re.compile(r"(?:工业)?总?产值(?:\(贸易额\))?|贸易额|营业收入|产值规模")


def _canon(name: str) -> str:
    """A name with the usual variants unified (`工业总产值` and `工业产值` are one figure)."""
    return name.replace("总产值", "产值").replace("增长率", "增速").replace("年均增长", "年均增速")


def _named_scope(h: IndicatorHit) -> bool:
    """Merging is safe for a specific subject (a zone or place), which names few indicators."""
    return bool(_ZONE_WORD.search(str(h.values.get("scope") or "")))


def _similar(a: str, b: str, *, dice: float = 0.6) -> bool:
    short, long_ = sorted((a, b), key=len)
    if short and short in long_ and len(short) >= 0.5 * len(long_):
        return True
    ba = {a[i:i + 2] for i in range(len(a) - 1)}
    bb = {b[i:i + 2] for i in range(len(b) - 1)}
    return bool(ba and bb) and 2 * len(ba & bb) / (len(ba) + len(bb)) >= dice


def _same_figure(h: IndicatorHit, t: IndicatorHit) -> bool:
    """The prose states the table's target (or baseline): same unit, year and value."""
    v, w = h.values, t.values
    if v.get("unit") != w.get("unit"):
        return False
    for year, value in (("target_year", "target_value"), ("baseline_year", "baseline_value")):
        if v.get(value) is not None and v.get(value) == w.get(value) and v.get(year) == w.get(year):
            return True
    return False


def _drop_restatements(prose: list[IndicatorHit], table: list[IndicatorHit]) -> list[IndicatorHit]:
    """Prose indicators that restate a table row are dropped: same scope, a similar name and a
    shared value, or the same figure (unit, year, value) under a name half alike."""
    out = []
    for h in prose:
        hv = {h.values.get("baseline_value"), h.values.get("target_value")} - {None}
        same = [t for t in table if t.values.get("scope") == h.values.get("scope")
                and ((_similar(t.name, h.name) and hv & {t.values.get("baseline_value"), t.values.get("target_value")})
                     or (_same_figure(h, t) and _similar(t.name, h.name, dice=0.4)))]
        if not same:
            out.append(h)
    return out


# --- the component -----------------------------------------------------------------------


def indicator_facts(doc: Document, *, regions: Mapping[str, str] | None = None,
                    subjects: Iterable[str] = (), tables: Iterable[Table] | None = None,
                    profile: Profile | None = None, layers: Layers | None = None) -> list[Fact]:
    """The indicator facts of ``doc`` (tables and prose); ``subjects`` are entity names that
    may be an indicator's scope (see ``extract_indicators``); ``profile`` gives the defaults
    (region, year)."""
    hits = extract_indicators(doc.text, regions=region_names() if regions is None else regions,
                              subjects=subjects, tables=tables, profile=profile, layers=layers)
    facts: list[Fact] = []
    for h in hits:
        if h.end <= h.start:
            continue
        ev = evidence(doc, h.start, h.end, alignment=h.alignment, reason=h.reason)
        values = as_values("indicator", {k: (tuple(v) if k == "range" else v)
                                         for k, v in h.values.items() if v is not None})
        facts.append(Fact(type="indicator", name=h.name, evidence=ev, values=values,
                          reasons=("表格行",) if h.source == "table" else ("正文",)))
    return facts


@component("indicator", needs=("settled", "tables", "sentences", "quantities", "times", "profile"),
           provides=("indicator",))
def indicator_component(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Indicators from tables and prose, scoped to the region, park or entity they are about."""
    settled = inputs["settled"]
    text = ad.text
    subjects = {n for t in ("park", "enterprise", "project") for f in settled[t]
                for n in (f.name, *f.aliases) if n and n in text and "、" not in n}
    facts = indicator_facts(ad.doc, subjects=sorted(subjects), tables=ad.tables, profile=ad.profile,
                            layers=Layers(ad.quantities_in, ad.times_in))
    return _without_park_targets(entity_scopes(ad, facts, settled), settled["park"])


def _without_park_targets(indicators: list[Fact], parks: Sequence[Fact]) -> list[Fact]:
    """A park's output target is on the park's record (SCHEMA.md), not repeated as an indicator
    of the park."""
    target = {n: p.values.get("target_value") for p in parks for n in (p.name, *p.aliases)
              if p.values.get("target_value") is not None}
    return [f for f in indicators
            if not (f.values.get("scope") in target and f.values.get("baseline_value") is None
                    and f.values.get("target_value") == target[f.values["scope"]]
                    and f.values.get("unit") in ("亿元", "万亿元"))]


# `园区工业总产值`, `试验区招商引资…`, `项目总建筑面积`: a figure of "the park" or "the project",
# which the writing does not name again
_BARE_REF = re.compile(r"^(?:该|本|全)?(园区|入园|新增入园|园|试验区|开发区|高新区|产业园|保税区|综保区|片区|合作区"
                       r"|基地|项目|企业|公司)(?!区?项目)")
_PARK_WORDS = ("园区", "入园", "新增入园", "园")
_ZONE_REF = re.compile(r"园区|试验区|开发区|高新区|产业园|保税区|综保区|片区|合作区|基地")


@dataclass(frozen=True)
class _Named:
    start: int
    end: int
    surface: str  # as written here
    kind: str  # park, project or enterprise
    ref: str  # how the text refers to it: the short name it declares (`（下称:A）`), else its name


# how names are looked up in the text: facts carry `—` and Chinese brackets, the text may write
# `-` and `(` (one character for one, so offsets stay)
_SPELLING = str.maketrans("—–－―（）", "----()")


_DECLARED = re.compile(r"[(（](?:以下简称|以下称|下称|简称)[:：]?[“\"]?([^()（）“”\"]{2,16})[”\"]?[)）]")


def _named_entities(text: str, facts: Mapping[str, Sequence[Fact]]) -> list[_Named]:
    """Every occurrence of every spelling of the document's parks, projects and firms."""
    spell: dict[str, tuple[str, str]] = {}
    looked = text.translate(_SPELLING)
    for kind in ("park", "project", "enterprise"):
        for f in facts.get(kind, ()):
            ref = f.name
            i = looked.find(f.name.translate(_SPELLING))
            if i >= 0:
                d = _DECLARED.match(text, i + len(f.name))
                ref = d.group(1) if d else ref
            for n in (f.name, *f.aliases):
                if n and len(n) >= (2 if kind == "enterprise" else 3):
                    spell.setdefault(n, (kind, ref))
    if not spell or not text:
        return []
    keyed: dict[str, str] = {}
    for n in spell:
        keyed.setdefault(n.translate(_SPELLING), n)
    auto = _automaton(frozenset(keyed))
    return [_Named(e + 1 - len(k), e + 1, text[e + 1 - len(k):e + 1], *spell[keyed[k]])
            for e, k in auto.iter_long(looked)]


def _outside_names(text: str, s0: int, s1: int, word: str, named: Sequence[_Named], starts: Sequence[int]) -> bool:
    """Whether ``word`` occurs in text[s0:s1] other than inside a longer entity name."""
    inside = named[bisect.bisect_left(starts, s0 - 40):bisect.bisect_left(starts, s1)]
    i = text.find(word, s0, s1)
    while i >= 0:
        if not any(m.start <= i and i + len(word) <= m.end and m.end - m.start > len(word) for m in inside):
            return True
        i = text.find(word, i + 1, s1)
    return False


_WHOLE_AREA = re.compile(r"全[市区省县镇国]|[该本我][市区省县]")


def _refers_back(lead: str, before: Sequence[_Named]) -> str | None:
    """The park or project named before that a sentence opens with by the end of its name
    (`物流园建成后…` after `A跨境冷链物流园`, `项目投产后…`): the last one so ending."""
    for m in reversed(before):
        if m.kind == "enterprise":
            continue
        tail = m.surface[-3:] if len(m.surface) > 4 else ""
        word = lead[:len(tail)]
        if tail and word == tail and tail.endswith(("园", "区", "基地")) \
                and not re.match(r"区?(?:项目|企业)", lead[len(tail):]) \
                or lead.startswith(("项目", "该项目")) and m.kind == "project":
            return m.ref
    return None


def _named_place(text: str, start: int, end: int, matcher: RegionMatcher) -> bool:
    """Whether text[start:end] names a region."""
    return bool(matcher.find(text[start:end]))


def _abbreviates(short: str, full: str) -> bool:
    """`广西自贸试验区` for `中国（广西）自由贸易试验区`: a shorter name of the same zone (its
    characters in order, the same last two; not a piece of it, `城产业园` cut from `澄城产业园`)."""
    if len(short) < 4 or len(short) >= len(full) or short[-2:] != full[-2:] or short in full:
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def _kind_of_ref(word: str) -> str:
    return {"项目": "project", "企业": "enterprise", "公司": "enterprise"}.get(word, "park")


def entity_scopes(ad: Any, indicators: list[Fact], settled: Mapping[str, Sequence[Fact]]) -> list[Fact]:
    """Indicator scopes that are a park, a project or a firm, as the text writes them there:

    - a figure named after "the park", "the project", "the firm" (`园区产值`, `试验区…`,
      `项目…`, `企业…`) takes the one of that kind named last before it in its paragraph;
    - a figure right before the entity it belongs to (`占地面积90亩的A项目`, `投资50亿元的B公司`)
      takes it;
    - an area (`规划面积`, `占地面积`) takes the park or project its sentence names, or, when
      the sentence only says `基地`/`园区`, the park named last before it;
    - a figure with no subject of its own in a sentence after one that opens with `项目`/`园区`
      (`项目将…。投产后,年产值…`) takes the one named last.
    A scope written in the figure's own sentence stays as written.
    """
    text = ad.text
    named = _named_entities(text, settled)
    if not named:
        return indicators
    starts = [m.start for m in named]
    sep = paragraph_break(text)
    news = ad.profile.genre.value in ("news", "park_intro")
    entity_of_sentence: dict[int, str] = {}
    regions = region_matcher(region_names())
    out = []
    for f in indicators:
        pos, end = f.evidence.start, f.evidence.end
        scope = f.values.get("scope")
        sent = ad.sentence_at(pos)
        s0, s1 = (sent.start, sent.end) if sent else (pos, end)
        l0 = text.rfind(sep, 0, pos) + 1  # the paragraph's start
        b0 = text.rfind("\n\n", 0, pos) + 1  # the block a bare `园区` looks back over
        before = named[:bisect.bisect_left(starts, pos)]
        # a scope the sentence writes outside the names of parks, projects and firms (`南宁` in
        # `A-南宁B项目` is part of a name, not the figure's region)
        explicit = isinstance(scope, str) and _outside_names(text, s0, s1, scope, named, starts)
        # a scope naming an entity is written as the text refers to it (its declared short
        # name, else its full name)
        new: str | None = next((m.ref for m in before[::-1] if m.surface == scope), None) if explicit else None
        after = next((m for m in named[bisect.bisect_left(starts, end):bisect.bisect_left(starts, end + 4)]
                      if text[end:m.start] in ("的", "以上的", "左右的")), None)
        ref = _BARE_REF.match(f.name)
        if after is not None:
            new = after.ref
        elif ref and not explicit:
            kind = _kind_of_ref(ref.group(1))
            word = ref.group(1)
            hit = next((m for m in reversed(before) if m.start >= b0 and m.kind == kind
                        and (word in _PARK_WORDS or kind != "park" or m.surface.endswith(word))), None)
            new = hit.ref if hit else None
        elif _STATIC.search(f.name) and not explicit:
            inside = [m for m in before if m.start >= s0 and m.kind != "enterprise"]
            if inside:
                new = inside[-1].ref
            elif _ZONE_REF.search(text, s0, end):
                hit = next((m for m in reversed(before) if m.kind == "park"), None)
                new = hit.ref if hit else None
            else:  # `区块一规划面积…`: the park its paragraph is about
                hit = next((m for m in reversed(before) if m.kind == "park" and m.start >= l0), None)
                new = hit.ref if hit else None
        elif not explicit and (own := _refers_back(_opening(text[s0:s1]), before)) is not None:
            new = own  # `据介绍,物流园建成后年吞吐能力…`: the park or project it opens with
        elif not explicit and s0 > l0:
            prev = ad.sentence_at(s0 - 1)
            lead = _BARE_REF.match(_lead(text[prev.start:prev.end])) if prev is not None and prev.start >= l0 else None
            if lead:
                kind = _kind_of_ref(lead.group(1))
                hit = next((m for m in reversed(before) if m.start >= l0 and m.kind == kind), None)
                new = hit.ref if hit else None
        if new is None and not explicit and news and not _named_place(text, s0, end, regions) \
                and not _WHOLE_AREA.search(text, s0, end):
            # news of a park: a figure whose sentence names no place (nor `全市`) is the park's
            # that an earlier sentence of its paragraph is about (`A园举行签约仪式,8家企业…。
            # 签约项目计划总投资…`), or a later one when none before (`当天,5条道路开工。目前,
            # A园已形成…路网`)
            p1 = text.find(sep, end)
            parks = {m.ref for m in before if m.kind == "park" and m.start >= l0} or {
                m.ref for m in named[bisect.bisect_left(starts, end):bisect.bisect_left(starts, len(text) if p1 < 0 else p1)]
                if m.kind == "park"}
            if len(parks) == 1:
                new = parks.pop()
        if not explicit and sent is not None:
            # `…范围包括A用地12.5平方公里、B等9个行政村`: the figures after one of an entity,
            # in its sentence, are of that entity too
            if new is None:
                new = entity_of_sentence.get(s0)
            elif new is not None:
                entity_of_sentence.setdefault(s0, new)
        if new is not None and new != scope \
                and not (isinstance(scope, str) and _abbreviates(scope, new)):
            f = dataclasses.replace(f, values={**f.values, "scope": new})
        out.append(f)
    return out
