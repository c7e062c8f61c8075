"""Parks: named industrial parks, development zones, bonded zones, cooperation zones and bases.

A park is found by its suffix (`开发区`, `工业园区`, `综合保税区`, `片区` ...); its left edge by
`mentions.name_start` (after the last verb, from the first region). A name must be anchored at a
place or carry a proper noun: generic phrases (`重点园区`, `石化产业园`) are not parks. Values
come from the park's own paragraph (`2025年园区产值力争突破800亿元`) and from park
tables flattened one cell per line (name, area, ..., target), read row by row.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import Gazetteer
from gxatlas.extract.mentions import (
    CityContext,
    is_county,
    display_name,
    evidence,
    industry_words,
    left_window,
    name_start,
    proper_tail,
    word_starts,
)
from gxatlas.extract.pipeline import component
from gxatlas.ingest.document import Document

SUFFIXES = (
    "综合保税区", "保税港区", "保税物流园区", "保税物流中心", "出口加工区", "跨境经济合作区",
    "边境经济合作区", "经济技术开发区", "高新技术产业开发区", "高新技术产业园区", "高新技术开发区",
    "高新区", "经开区", "综保区", "经济开发区", "工业集中区", "产业集聚区", "物流集聚区", "开发区",
    "工业园区", "产业园区", "科技园区", "物流园区", "加工园区", "示范园区", "示范园", "工业园", "产业园",
    "科技园", "软件园", "物流园", "加工园", "工业区", "集中区", "集聚区", "保税区", "试验区",
    "合作区", "产业新城", "新区", "片区", "经济区", "管理区", "金融城", "产业基地", "示范基地",
    "生产基地", "加工基地", "物流基地", "制造基地", "园区", "新城", "自贸试验区", "自由贸易试验区",
    "材料基地", "石化基地", "电子商务基地", "核心基地",
)
# Suffixes a name without a place in front may carry (`禾丰产业园`, `溪阳工业集中区`).
_UNANCHORED_OK = frozenset({"工业园区", "产业园区", "科技园区", "物流园区", "加工园区", "工业园", "产业园",
                            "科技园", "软件园", "物流园", "加工园", "工业区", "集中区", "工业集中区",
                            "开发区", "经济开发区", "管理区", "产业集聚区", "产业新城", "新区"})
_SUFFIX_RE = re.compile("|".join(sorted(map(re.escape, SUFFIXES), key=len, reverse=True)))
# Suffixes of a part of a zone (`…自贸试验区甲片区`): the part is a park of its own.
_PART_SUFFIXES = frozenset({"片区"})
# A county's industrial cluster names its sub-zones with it (`X县工业集中区Y工业区` is one
# park); inside a development zone or new area a named park is a park of its own.
_JOINED_OUTER = frozenset({"工业园区", "工业集中区", "集中区"})
# Country abbreviations of two-country parks (`中马` = `中国—马来西亚`).
_COUNTRY_ABBREV = {"马": "马来西亚", "新": "新加坡", "泰": "泰国", "越": "越南", "印": "印度尼西亚",
                   "老": "老挝", "柬": "柬埔寨", "缅": "缅甸", "菲": "菲律宾", "文": "文莱", "印尼": "印度尼西亚"}
_AREA = re.compile(r"(?:规划面积|总面积|实施范围|规划用地|用地面积|占地面积|占地|面积|范围)"
                   r"(?:约|为|达到?|共|超过|逾|近)*\s*(\d+(?:\.\d+)?)\s*(平方公里|平方千米|km2|万亩|亩|公顷)")
# square kilometres per unit of area (1 亩 = 1/1500 km², 1 公顷 = 1/100 km²)
_KM2_PER = {"平方公里": 1.0, "平方千米": 1.0, "km2": 1.0, "万亩": 10000 / 1500, "亩": 1 / 1500,
            "公顷": 1 / 100}


def area_km2(value: str, unit: str) -> float:
    """An area in km² (`2400`, `亩` -> 1.6), rounded to what the figure carries."""
    return round(float(value) * _KM2_PER[unit], 4)

# Suffixes a park name may end in, for the core of a name (`玉林溪岭产业园` -> `溪岭`).
_CORE_SUFFIX = re.compile("(" + "|".join(sorted(map(re.escape, SUFFIXES), key=len, reverse=True)) + ")$")
# Suffixes that name a region rather than a park when all that precedes them is a region.
_REGION_LIKE = frozenset({"经济区", "新区", "园区", "试验区", "开发区", "合作区", "集聚区", "自贸试验区",
                          "自由贸易试验区", "新城", "基地"})
# Words a stem may be made of without being a name: modifiers and industry words.
GENERIC_WORDS = (
    "国家级", "自治区级", "省级", "市级", "县级", "国家", "自治区", "重点", "特色", "专业", "现代",
    "综合", "主要", "大型", "新型", "一批", "各类", "各", "该", "本", "其他", "相关", "配套", "示范",
    "试点", "承接", "产业转移", "产城互动", "产城融合", "循环经济", "生态", "绿色", "智慧", "数字化",
    "百亿元", "千亿元", "百亿", "千亿", "五百亿", "超百亿", "超千亿", "城市", "临港", "沿海", "沿边",
    "边境", "跨境", "高新技术", "高新", "经济技术", "经济", "工业", "产业", "科技", "创新", "创业",
    "物流", "加工", "制造", "装备", "电子", "信息", "电子信息", "石化", "化工", "冶金", "有色金属",
    "食品", "医药", "生物", "新材料", "新能源", "汽车", "机械", "轻工", "纺织", "服装", "建材",
    "能源", "林浆纸", "造纸", "钢铁", "铝", "糖", "港口", "保税", "出口", "外贸", "电商", "电子商务",
    "商贸", "服务", "金融", "文化", "旅游", "农业", "农产品", "海洋", "两国双园", "国际", "合作",
    "开放", "开发", "园中园", "分园", "自贸", "自由贸易", "都市", "高水平", "全国", "县区", "现有",
    "境外", "外包", "零碳", "沿江", "腹地", "全产业链", "产业链", "集聚", "型", "新", "老", "大", "小", "中", "高", "个", "家", "和", "与", "及",
    "、", "的", "等", "两大", "三大", "四大", "五大", "多个",
)


@functools.lru_cache(maxsize=1)
def _generic_re() -> re.Pattern[str]:
    words = set(GENERIC_WORDS) | set(industry_words())
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))

_DIGITS = re.compile(r"[0-9一二三四五六七八九十两百千万亿]+")
_TRAIL_BRACKET = re.compile(r"[(（]([^()（）\n]{2,14})[)）]")
_TARGET = re.compile(
    r"(20\d{2})年[^。;；\n]{0,24}?(产值|贸易额|营业收入|营收|总收入|进出口额|交易额)"
    r"[^。;；\n\d]{0,12}?(超过|突破|达到|达|以上|不低于)?\s*(\d+(?:\.\d+)?)\s*(万亿|亿)元(以上)?")
# `项目建成投产后,年产值将达150亿元`: a goal with no year (the text gives none)
_TARGET_NO_YEAR = re.compile(
    r"(?:将|力争|预计|达产后|建成后|投产后)[^。;；\n\d]{0,16}?(产值|贸易额|营业收入|营收|总收入)"
    r"[^。;；\n\d]{0,8}?(超过|突破|达到|达|超|以上|不低于)?\s*(\d+(?:\.\d+)?)\s*(万亿|亿)元(以上)?")
_SENTENCE_LEAD = re.compile(r"^[\s,，“”\"]*(?:目前|当前|现在|同时|此外|另外|其中|今年|预计|未来)?[,，]?")
# a sentence about "the park" (`产业园现有企业…`, `园区…`) after the one naming it
_PARK_REF = re.compile(r"^(?:该|本|全)?(?:产业园|园区|开发区|试验区|基地)")
_ABBREV = (("高新技术产业开发区", "高新区"), ("高新技术开发区", "高新区"), ("经济技术开发区", "经开区"),
           ("综合保税区", "综保区"))
# Suffix families: spellings of one park within one document (`工业园区` = `工业园` = `工业区`).
_FAMILY = ((re.compile(r"(高新技术产业开发区|高新技术开发区|高新技术产业园区)$"), "高新区"),
           (re.compile(r"(工业园区|工业园|工业区)$"), "工业园"), (re.compile(r"(产业园区|产业园)$"), "产业园"),
           (re.compile(r"(经济技术开发区|经济开发区)$"), "经济开发区"))
_PLAN_END = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}


@dataclass(frozen=True)
class ParkMention:
    start: int
    end: int
    name: str
    anchored: bool
    parts: tuple[str, ...] = ()
    suffix: str = ""


@dataclass(frozen=True)
class _ParkValues:
    area_km2: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    comparator: str | None = None
    metric: str | None = None
    table_span: tuple[int, int] | None = None


@dataclass
class _Acc:
    """Mutable accumulator of one park within one document (internal)."""

    name: str
    start: int
    end: int
    anchored: bool
    aliases: set[str] = field(default_factory=set)
    values: _ParkValues = field(default_factory=_ParkValues)
    city: str | None = None


def ends_with_park_suffix(name: str) -> bool:
    """Whether ``name`` ends like a park (`…产业园`, `…示范基地`, `…开发区`)."""
    return name.endswith(SUFFIXES)


def is_generic(stem: str) -> bool:
    rest = _generic_re().sub("", _DIGITS.sub("", stem))
    rest = re.sub(r"[()（）—\-·]", "", rest)
    return len(rest) < 2


def find_park_mentions(text: str, *, gaz: Gazetteer, start: int = 0, end: int | None = None
                       ) -> list[ParkMention]:
    """Every park name in ``text[start:end]``, left to right, nested names joined."""
    end = len(text) if end is None else end
    out: list[ParkMention] = []
    for m in _SUFFIX_RE.finditer(text, start, end):
        s_start, s_end = m.start(), m.end()
        # a longer suffix continuing right after (产业园|区) is matched by finditer already
        w = left_window(text, s_start, max_len=22)
        w = max(w, start)
        n_start, anchored = name_start(text, window_start=w, stem_end=s_start, gaz=gaz)
        if out and out[-1].start == n_start and n_start < out[-1].end <= s_start:
            n_start = out[-1].end  # anchored at the same place: the inner name follows the outer
        if out and out[-1].end == n_start and out[-1].end > w:
            prev = out[-1]
            # `甲区工业园区乙岭工业园`: a park named inside another one
            n_end = _with_bracket(text, s_end)
            inner = display_name(text[n_start:n_end])
            stem = text[n_start:s_start]
            part = m.group() in _PART_SUFFIXES
            if (part or (prev.suffix not in _JOINED_OUTER and not is_generic(stem))) and len(inner) >= 4:
                # `…自由贸易试验区甲片区`: a part of the zone, named by its own short name;
                # the zone stays a park of its own
                whole = display_name(text[prev.start:n_end])
                out.append(ParkMention(n_start, n_end, inner, True, (whole,), m.group()))
            elif not is_generic(stem) or prev.anchored:
                whole = display_name(text[prev.start:n_end])
                out[-1] = ParkMention(prev.start, n_end, whole, True, (prev.name, inner), m.group())
            continue
        stem = text[n_start:s_start]
        if not stem or re.search(r"\d{4}年", stem) or _unbalanced(stem):
            continue
        if not anchored:
            tail = proper_tail(stem) if m.group() in _UNANCHORED_OK else None
            if tail is None or is_generic(tail) or len(tail) > 8:
                continue
            n_start = s_start - len(tail)
            stem = tail
        elif is_generic(stem) and not _stem_is_place(stem, gaz):
            continue
        if m.group() in _REGION_LIKE and _stem_is_place(stem, gaz) and not re.match(r"中国[(（]", stem):
            continue
        n_end = _with_bracket(text, s_end)
        name = display_name(text[n_start:n_end])
        if len(name) < 4:
            continue
        out.append(ParkMention(n_start, n_end, name, anchored, (), m.group()))
    return out


# the end of a listed item that names a park (`甲园`, `电子产业园`, `乙丙科技园`)
_LISTED_END = re.compile("|".join(sorted(map(re.escape, SUFFIXES), key=len, reverse=True)) + "|园区|园")
_NOT_A_PARK = re.compile(r"(?:公园|花园|家园|校园|庄园|果园|菜园|茶园|陵园|乐园|动物园|植物园)$")
_ITEM_SEP = re.compile(r"[、和及]")


def listed_parks(text: str, mentions: list[ParkMention]) -> list[ParkMention]:
    """The other items of a 、-list of parks (`A经济开发区、乙丙科技园和B工业园`, `做大
    庚辛园、电子产业园、壬癸园规模`): items ending like a park (`…园`) are parks too, when at
    least two items of the list are parks already."""
    from gxatlas.extract.mentions import strip_leading_function_words

    out: list[ParkMention] = []
    starts = [pm.start for pm in mentions]
    for clause in re.finditer(r"[^。；;:：,，\n!?！？]{4,200}", text):
        cs, ce = clause.span()
        i = bisect.bisect_left(starts, cs)
        inside = [pm for pm in mentions[i:] if pm.start < ce]
        if "、" not in clause.group() or "园" not in clause.group():
            continue
        seps = [cs + k for k, ch in enumerate(clause.group()) if ch == "、"
                or (ch in "和及" and any(pm.end == cs + k or pm.start == cs + k + 1 for pm in inside))]
        bounds = [cs, *[p + 1 for p in seps]]
        ends = [*seps, ce]
        items = list(zip(bounds, ends))
        known = [it for it in items if any(it[0] <= pm.start < it[1] for pm in inside)]
        found: list[ParkMention] = []
        for k, (a, b) in enumerate(items):
            if (a, b) in known:
                continue
            seg = text[a:b]
            ends_at = list(_LISTED_END.finditer(seg))
            if not ends_at:
                break
            m = ends_at[0] if k == len(items) - 1 else ends_at[-1]
            if k < len(items) - 1 and m.end() != len(seg):
                break  # an item inside the list ends with its park word
            start = strip_leading_function_words(text, a, a + m.start()) if k == 0 else a
            name = text[start:a + m.end()]
            if not (3 <= len(name) <= 12 and re.fullmatch(r"[\u4e00-\u9fff]+", name)
                    and a + m.start() - start >= 2) or _NOT_A_PARK.search(name):
                break
            found.append(ParkMention(start, a + m.end(), display_name(name), False, (), m.group()))
        else:
            # every item is a park: two of them known already, or three or more in all
            if found and (len(known) >= 2 or len(items) >= 3):
                out.extend(found)
    return out


def _unbalanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
            if depth < 0:
                return True
    return depth != 0


def _stem_is_place(stem: str, gaz: Gazetteer) -> bool:
    s = re.sub(r"[()（）]", "", stem)
    s = re.sub(r"^(中国|广西)", "", s) or s
    hit = gaz.match_place(s, 0)
    return bool(hit and hit[0] == len(s)) or s in ("北部湾", "中国", "广西")


def _looks_verbal(stem: str) -> bool:
    return bool(re.search(r"(加快|推进|推动|建设|打造|发展|实现|形成|完善|提高|提升|加强)", stem))


def _with_bracket(text: str, end: int) -> int:
    """Extend a name over a short bracket right after it: `鸿澄产业新城（鸿澄工业园）`."""
    m = _TRAIL_BRACKET.match(text, end)
    if m and (_SUFFIX_RE.search(m.group(1)) or re.fullmatch(r"[\u4e00-\u9fff及、]{2,10}", m.group(1))):
        inner = m.group(1)
        if not re.search(r"\d|年|以下|以上|含|简称|下称|即|等|^[一二三四五六七八九十、]+期$", inner):
            return m.end()
    return end


def _merge_key(name: str) -> str:
    s = re.sub(r"[（(][^）)]*[）)]$", "", name) or name
    s = s.replace("（", "").replace("）", "").replace("(", "").replace(")", "")
    s = re.sub(r"^(中国|广西)(?=.{4,})", "", s)
    s = re.sub(r"^([\u4e00-\u9fff]{2,3})[市县](?=.{3,})", r"\1", s)
    s = s.replace("国家", "")
    for pat, rep in _FAMILY:
        s = pat.sub(rep, s)
    return s


_WIDE_FAMILY = {"工业园区": "园", "工业园": "园", "工业区": "园", "产业园区": "园", "产业园": "园"}


@dataclass(frozen=True)
class _Identity:
    """What tells one park from another within a document: the places in its name (cities
    and counties, in any order), the rest of the name and the kind of suffix."""

    places: frozenset[str]
    core: str  # the name without places, suffix, brackets, dashes or `中国`
    family: str

    @property
    def bare(self) -> str:
        """``core`` without the modifiers and industry words at its ends (`鸿澄电子` ->
        `鸿澄`)."""
        words = _generic_re()
        s = _DIGITS.sub("", self.core)
        while True:
            m = words.match(s)
            if m and m.end() > 0:
                s = s[m.end():]
                continue
            tail = next((w.group() for w in words.finditer(s) if w.end() == len(s) and w.start() > 0), None)
            if tail:
                s = s[: -len(tail)]
                continue
            return s


def _identity(name: str, gaz: Gazetteer) -> _Identity:
    m = _CORE_SUFFIX.search(name)
    suffix = m.group() if m else ""
    body = name[: len(name) - len(suffix)]
    places: set[str] = set()
    rest = []
    i = 0
    while i < len(body):
        hit = gaz.match_place(body, i)
        if hit and hit[1].level not in ("country", "province"):
            places.add(hit[1].short_name)
            i = hit[0]
            if i < len(body) and body[i] in "市县区" and not _CORE_SUFFIX.search(body[:i + 1]):
                i += 1
            continue
        rest.append(body[i])
        i += 1
    core = re.sub(r"[()（）—\-·\s]", "", "".join(rest))
    core = re.sub(r"^(中国|广西)", "", core)
    core = re.sub(r"^中([马新泰越老柬缅菲文]|印尼)", lambda c: _COUNTRY_ABBREV[c.group(1)], core)
    core = re.sub(r"^中国?", "", core)
    family = _WIDE_FAMILY.get(suffix, _merge_key("X" + suffix)[1:] if suffix else "")
    return _Identity(frozenset(places), core, family)


def _identity_keys(name: str, gaz: Gazetteer) -> set[str]:
    """Keys under which two spellings of a park meet: same places, same rest of the name
    (`中越（百色）产业园` = `百色中越产业园` = `中国—越南百色产业园区`), or the same
    proper part once modifiers are set aside (`南宁鸿澄电子产业园` = `南宁鸿澄千亿产业园`)."""
    ident = _identity(name, gaz)
    if not ident.places and len(ident.core) < 2:
        return set()
    places = ",".join(sorted(ident.places))
    keys = {f"#{places}|{ident.core}|{ident.family}"}
    bracket = re.search(r"[(（]([^()（）]*)[)）]", name)
    if bracket and not gaz.place(bracket.group(1)):
        keys |= _identity_keys(name[:bracket.start()] + name[bracket.end():], gaz)
    if ident.places and len(ident.bare) >= 2:
        keys.add(f"#{places}|~{ident.bare}|{ident.family}")
    return keys


def _aliases(name: str) -> set[str]:
    out: set[str] = set()
    m = re.fullmatch(r"(.+?)[（(]([^()（）]+)[)）]", name)
    if m:
        out.update({m.group(1), m.group(2)})
    for long, short in _ABBREV:
        if name.endswith(long):
            out.add(name[: -len(long)] + short)
    if name.startswith("广西") and len(name) > 6:
        out.add(name[2:])
    return {a for a in out if a != name and len(a) >= 3}


def _plan_year(caption: str) -> int | None:
    m = re.search(r"(20\d{2})年", caption)
    if m:
        return int(m.group(1))
    for k, y in _PLAN_END.items():
        if k in caption:
            return y
    return None


def _lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        s = line.strip()
        if s:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(s), s))
        pos += len(line) + 1
    return out


_NUM_CELL = re.compile(r"(\d+(?:\.\d+)?)")


def table_values(doc: Document, *, gaz: Gazetteer) -> dict[str, tuple[_ParkValues, int, int]]:
    """Area and target of parks listed in tables flattened one cell per line.

    A row is a park-name cell followed by a number (area, when the header has 面积) and, a few
    cells later, another number (the target, when the header has 产值/贸易额/亿元).
    """
    lines = _lines(doc.text)
    out: dict[str, tuple[_ParkValues, int, int]] = {}
    header_at = -1
    caption = ""
    has_area = has_target = False
    for i, (ls, le, s) in enumerate(lines):
        if re.match(r"^(专栏|表|附表)\s*\d", s):
            caption, header_at, has_area, has_target = s, i, False, False
            continue
        if header_at >= 0 and i - header_at < 16:
            if "面积" in s:
                has_area = True
            if re.search(r"产值|贸易额|亿元|发展目标", s):
                has_target = True
        if not (has_area or has_target) or len(s) > 30:
            continue
        ms = find_park_mentions(doc.text, gaz=gaz, start=ls, end=le)
        if not ms or ms[0].start != ls or ms[-1].end < le - 1:
            continue
        nums: list[tuple[float, int, int, str]] = []
        for ns, ne, t in lines[i + 1:i + 9]:
            if find_park_mentions(doc.text, gaz=gaz, start=ns, end=ne) and not _NUM_CELL.fullmatch(t):
                break
            if re.fullmatch(r"[(（]?\d+(?:\.\d+)?[)）]?", t):
                nums.append((float(t.strip("()（）")), ns, ne, t))
            elif re.fullmatch(r"[(（][^()（）]{1,8}[)）]", t):
                nums.append((-1.0, ns, ne, t))  # a note cell such as （贸易额）
        vals = [n for n in nums if n[0] >= 0]
        area = target = None
        if has_area and has_target and len(vals) >= 2:
            area, target = vals[0][0], vals[1][0]
        elif has_area and vals:
            area = vals[0][0]
        elif has_target and vals:
            target = vals[0][0]
        if area is None and target is None:
            continue
        metric = "贸易额" if any("贸易" in n[3] for n in nums) else None
        last = max((n[2] for n in nums), default=le)
        name = ms[0].name if len(ms) == 1 else display_name(doc.text[ls:le])
        out[name] = (_ParkValues(area_km2=area, target_year=_plan_year(caption) if target else None,
                                 target_value=target, comparator=">=" if target else None,
                                 metric=metric, table_span=(ls, last)), ls, last)
    return out


def _prose_area(text: str, start: int, end: int) -> float | None:
    """`…开发区,涵盖两个园区,实施范围36.5平方公里`: the area stated in the sentence that
    names the park, before any other park is named."""
    stop = re.search(r"[。；;]", text[start:end])
    m = _AREA.search(text, start, start + stop.start() if stop else end)
    return area_km2(m.group(1), m.group(2)) if m else None


def _prose_target(text: str, start: int, end: int) -> _ParkValues | None:
    m = _TARGET.search(text, start, end)
    if not m:
        n = _TARGET_NO_YEAR.search(text, start, end)
        if not n:
            return None
        value = float(n.group(3)) * (10000 if n.group(4) == "万亿" else 1)
        comp = ">=" if (n.group(2) in ("超过", "突破", "超", "以上", "不低于") or n.group(5)) else "="
        return _ParkValues(target_year=None, target_value=value, comparator=comp,
                           metric="贸易额" if "贸易" in n.group(1) else None)
    value = float(m.group(4)) * (10000 if m.group(5) == "万亿" else 1)
    comp = ">=" if (m.group(3) in ("超过", "突破", "以上", "不低于") or m.group(6)) else "="
    metric = "贸易额" if "贸易" in m.group(2) else None
    return _ParkValues(target_year=int(m.group(1)), target_value=value, comparator=comp, metric=metric)


def extract_parks(doc: Document, *, gaz: Gazetteer, ctx: CityContext) -> list[Fact]:
    """Park facts of ``doc``: one per park, short forms as aliases, values where stated."""
    text = doc.text
    accs: dict[str, _Acc] = {}
    alias_index: dict[str, str] = {}

    def acc_for(name: str, start: int, end: int, anchored: bool) -> _Acc:
        key = _merge_key(name)
        keys = {key} | {_merge_key(a) for a in _aliases(name)} | _identity_keys(name, gaz)
        hit = next((alias_index[k] for k in keys if k in alias_index), None)
        if hit is None:
            acc = _Acc(name=name, start=start, end=end, anchored=anchored)
            accs[name] = acc
            hit = name
        acc = accs[hit]
        if name != acc.name:
            if len(name) > len(acc.name) and not name.startswith(acc.name + "（"):
                acc.aliases.add(acc.name)
                accs[name] = acc
                del accs[acc.name]
                for k, v in list(alias_index.items()):
                    if v == acc.name:
                        alias_index[k] = name
                acc.name = name
                hit = name
            else:
                acc.aliases.add(name)
        acc.aliases.update(_aliases(name))
        for k in keys | {_merge_key(a) for a in acc.aliases}:
            alias_index[k] = hit
        return acc

    def absorb(acc: _Acc, other: _Acc) -> None:
        """Merge ``other`` (a spelling of the same park) into ``acc``."""
        acc.aliases |= other.aliases | {other.name}
        acc.city = acc.city or other.city
        v, o = acc.values, other.values
        acc.values = replace(
            v, area_km2=v.area_km2 if v.area_km2 is not None else o.area_km2,
            target_year=v.target_year or o.target_year,
            target_value=v.target_value if v.target_value is not None else o.target_value,
            comparator=v.comparator or o.comparator, metric=v.metric or o.metric)
        accs.pop(other.name, None)
        for k, n in list(alias_index.items()):
            if n == other.name:
                alias_index[k] = acc.name

    def add_parts(acc: _Acc, parts: tuple[str, ...]) -> None:
        for p in parts:
            if p == acc.name:
                continue
            acc.aliases.add(p)
            for k in {_merge_key(p)} | _identity_keys(p, gaz):
                other = accs.get(alias_index.get(k, acc.name))
                if other is not None and other is not acc:
                    absorb(acc, other)
                alias_index[k] = acc.name

    mentions = find_park_mentions(text, gaz=gaz)
    # listed items that may be a spelling of a park named otherwise are left to that one
    tabled = table_values(doc, gaz=gaz)
    named = {k for n in [pm.name for pm in mentions] + list(tabled)
             for k in {_merge_key(n)} | _identity_keys(n, gaz) | {_merge_key(a) for a in _aliases(n)}}
    others = [pm.name for pm in mentions] + list(tabled)
    listed = [pm for pm in listed_parks(text, mentions)
              if not ({_merge_key(pm.name)} | _identity_keys(pm.name, gaz)) & named
              and not any(pm.name[:-len(pm.suffix)] in o for o in others)]
    mentions = sorted(mentions + listed, key=lambda pm: pm.start)
    for i, pm in enumerate(mentions):
        acc = acc_for(pm.name, pm.start, pm.end, pm.anchored)
        add_parts(acc, pm.parts)
        if acc.values.area_km2 is None:
            nxt = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
            area = _prose_area(text, pm.end, min(nxt, pm.end + 80))
            if area is not None:
                acc.values = replace(acc.values, area_km2=area)
        # the target stated in the park's own paragraph, before the next park is named
        para_end = text.find("\n", pm.end)
        para_end = len(text) if para_end < 0 else para_end
        line_start = text.rfind("\n", 0, pm.start) + 1
        heads_paragraph = re.fullmatch(r"[\s\d.、()（）一二三四五六七八九十]*", text[line_start:pm.start]) is not None
        tv = None
        if heads_paragraph and acc.values.target_value is None:
            tv = _prose_target(text, pm.end, para_end)
        elif acc.values.target_value is None:
            # `以X产业园为核心，规划面积…，到2026年园区产值达到600亿元`: a target of `园区` in the
            # sentence that names the park, before another park is named
            nxt = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
            stop = re.search(r"[。；;\n]", text[pm.end:nxt])
            lim = pm.end + stop.start() if stop else nxt
            m = _TARGET.search(text, pm.end, lim)
            if m and "园区" in text[m.end(1):m.start(2)]:
                tv = _prose_target(text, pm.end, lim)
            elif stop is not None and pm.end + stop.start() < nxt:
                # the next sentence, when it is about "the park" (`产业园…年产值将超过150亿元`)
                s2 = pm.end + stop.end()
                stop2 = re.search(r"[。；;\n]", text[s2:nxt])
                lim2 = s2 + stop2.start() if stop2 else nxt
                if _PARK_REF.match(text, s2) and _TARGET.search(text, s2, lim2) is None:
                    tv = _prose_target(text, s2, lim2)
        if tv is not None:
            acc.values = replace(acc.values, target_year=tv.target_year,
                                 target_value=tv.target_value, comparator=tv.comparator,
                                 metric=tv.metric)
        if acc.city is None:
            acc.city = park_city(pm.name, pm.start, gaz=gaz, ctx=ctx)

    # a later sentence that names the park by the end of its name and states an area
    # (`《规划》确定了产业基地范围…,规划面积60平方公里`): the area of the park named last before
    for sm in re.finditer(r"[^。；;!?！？\n]+", text):
        area_m = _AREA.search(sm.group())
        if area_m is None or any(sm.start() <= pm.start < sm.end() for pm in mentions):
            continue
        last = next((pm for pm in reversed(mentions) if pm.start < sm.start()), None)
        if last is None or len(last.name) < 6:
            continue
        tail = last.name[-4:]
        acc = accs.get(alias_index.get(_merge_key(last.name), ""))
        if acc is not None and acc.values.area_km2 is None and tail in sm.group()[:area_m.start()]:
            acc.values = replace(acc.values, area_km2=area_km2(area_m.group(1), area_m.group(2)))

    # a later sentence of the paragraph about "the park" (`…。产业园现有项目建成投产后,
    # 年产值将超过150亿元`): the target of the park named last before it
    for sm in re.finditer(r"[^。；;!?！？\n]+", text):
        if not _PARK_REF.match(_SENTENCE_LEAD.sub("", sm.group())):
            continue
        para = text.rfind("\n", 0, sm.start()) + 1
        last = next((pm for pm in reversed(mentions) if para <= pm.start < sm.start()), None)
        acc = accs.get(alias_index.get(_merge_key(last.name), "")) if last is not None else None
        if acc is not None and acc.values.target_value is None:
            tv = _prose_target(text, sm.start(), sm.end())
            if tv is not None:
                acc.values = replace(acc.values, target_year=tv.target_year, target_value=tv.target_value,
                                     comparator=tv.comparator, metric=tv.metric)

    for name, (vals, ls, le) in tabled.items():
        acc = acc_for(name, ls, le, True)
        v = acc.values
        acc.values = replace(
            v,
            area_km2=vals.area_km2 if vals.area_km2 is not None else v.area_km2,
            target_year=v.target_year or vals.target_year,
            target_value=v.target_value if v.target_value is not None else vals.target_value,
            comparator=v.comparator or vals.comparator,
            metric=v.metric or vals.metric,
            table_span=vals.table_span)
        if acc.city is None:
            acc.city = (park_city(name, ls, gaz=gaz, ctx=None) or _table_city(text, ls, gaz)
                        or ctx.near(ls))

    for part, whole in _partial_names(list({id(a): a for a in accs.values()}.values()), gaz):
        if part.name in accs and whole.name in accs:
            absorb(whole, part)

    facts: list[Fact] = []
    seen: set[int] = set()
    for acc in accs.values():
        if id(acc) in seen:
            continue
        seen.add(id(acc))
        v = acc.values
        values: dict[str, object] = {"city": acc.city}
        if v.area_km2 is not None:
            values["area_km2"] = v.area_km2
        if v.target_value is not None:
            values.update(target_year=v.target_year, target_value=v.target_value,
                          comparator=v.comparator)
            if v.metric:
                values["metric"] = v.metric
        aliases = tuple(sorted(a for a in acc.aliases if a != acc.name))
        facts.append(Fact(type="park", name=acc.name, evidence=evidence(doc, acc.start, acc.end),
                          values=values, aliases=aliases))
    return facts


def _partial_names(accs: list[_Acc], gaz: Gazetteer) -> list[tuple[_Acc, _Acc]]:
    """Pairs (short spelling, full name) of one park: the short one names fewer places and
    the same rest (`甲港（临海）工业区` in `北海市甲港（临海）工业区`), or no place and the
    start of the rest (`东湾产业园区` of `防城港东湾临港产业园`); only when one full name fits."""
    idents = [(a, _identity(a.name, gaz)) for a in accs]
    pairs = []
    for a, ia in idents:
        core = re.sub(r"产业$", "", ia.core)
        if len(core) < 2:
            continue
        wider = [(b, ib) for b, ib in idents if b is not a and ia.places < ib.places]
        same = [b for b, ib in wider if re.sub(r"产业$", "", ib.core) == core]
        longer = [b for b, ib in wider if not ia.places and ib.core.startswith(core)]
        fits = same or longer
        if len(fits) == 1:
            pairs.append((a, fits[0]))
    return pairs


def park_city(name: str, pos: int, *, gaz: Gazetteer, ctx: CityContext | None,
              province_means_unknown: bool = False) -> str | None:
    """The city of a named thing: the last place in its name that has one (`南宁临港凭祥合作区`
    is in 崇左); none when the name is anchored at a province or country only; else context."""
    starts = word_starts(name)
    places = [hit for hit in gaz.find_places(name) if hit[0] in starts]  # not `东北|海岸`
    # a later place of another province is part of the name, not a place (`德州北海产业园`)
    home = next((p.province for _, _, p in places if p.province), None)
    places = [hit for hit in places if not (home and hit[2].province and hit[2].province != home)]
    cities = [p.city for _, _, p in places if p.city and not (province_means_unknown and p.level == "province")]
    if cities:
        last = next(p for _, _, p in reversed(places) if p.city)
        if is_county(last) and last.name.endswith("市") and ctx is not None and ctx.about == last.city:
            return last.short_name  # in a text about its city, a county-level city is the city
        return ctx.local(cities[-1], pos, [p for _, _, p in places]) if ctx else cities[-1]
    if (places or name.startswith("中国")) and not province_means_unknown:
        prov = {p.short_name for _, _, p in places if p.level == "province"}
        if ctx is not None and ctx.about and prov and ctx.about_province in prov:
            return ctx.local(ctx.about, pos)  # `广西某某汽车生产基地` in a text about its city
        return None  # anchored at a province or the country only
    return ctx.local(ctx.near(pos), pos) if ctx else None


def _table_city(text: str, pos: int, gaz: Gazetteer) -> str | None:
    """The city cell of a flattened table row: the last line before ``pos`` that is a region."""
    back = text[max(0, pos - 600):pos].split("\n")
    for line in reversed(back):
        s = line.strip().rstrip("市")
        if not s:
            continue
        p = gaz.place(s)
        if p and p.city:
            return p.city
    return None


_TIER = re.compile(r"(千亿|百亿|五百亿|万亿)元?级?(产业园区?|工业园区?|园区|产业基地)$")


def tiered_park(name: str, gaz: Gazetteer) -> bool:
    """`南宁A千亿产业园`: a place's park named with its output tier is a park even where a
    list of projects names it."""
    return bool(_TIER.search(name)) and gaz.match_place(name, 0) is not None


@component("park", needs=("places", "city_context"), provides=("park",))
def park_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Parks, zones and bases: one fact per park, short forms as aliases, values where stated."""
    return extract_parks(ad.doc, gaz=ad.gazetteer, ctx=ad.city_context)
