"""Projects: named investment and construction projects.

Patterns: `…项目`, phases (`…二期`, `…二、三期`), infrastructure named with a place
(`…铁路`, `…高速公路`, `…机场`, `…核电`), and lists closed by `等(一批)(重大)项目`. Values:
city (from the name, else context), investment in 亿元 (万元 converted), capacity (`年产X万吨`)
and status from the verb that follows (建成投产, 开工建设, 前期).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import Gazetteer, Place
from gxatlas.extract.mentions import (
    CityContext,
    anchor_start,
    display_name,
    evidence,
    industry_words,
    left_window,
    is_function_word,
    pos_cut,
    strip_leading_function_words,
    word_starts,
)
from gxatlas.extract.parks import is_generic, park_city
from gxatlas.extract.pipeline import component
from gxatlas.ingest.document import Document
from gxatlas.ingest.tables import Table, find_tables, is_numeric_cell

_SUFFIX = re.compile(
    r"(?:[一二三四五六七八九十]、)?[一二三四五六七八九十]期(?:工程|项目)?|项目|铁路(?:既有线)?扩能改造|铁路|高速公路|高速|高铁|客专|城际铁路"
    r"|机场(?:迁建)?|运河|核电(?:站)?|电厂|风电场|船闸工程|码头|地铁\d+号线|扩能改造|异地改造|扩能技改|技术改造|技改|增建二线"
    r"|(?:改)?扩建工程|(?:提标|升级)?改造工程")
# Works named like a project (`A污水处理厂扩建工程`): proper names, not infrastructure nouns
_WORKS_SUFFIX = re.compile(r"(?:改)?扩建工程|(?:提标|升级)?改造工程")
# A list closed by `等(一批)<descriptor>项目` (or an infrastructure noun): the items are projects.
_LIST_END = re.compile(r"等(?:一批|一系列|多个|若干)?(?P<desc>[^。；;,，：:\n等]{0,24}?)"
                       r"(?P<head>项目|工程(?=[,，。；;、\s]|建设)|高速公路|铁路|风电场|电站|电厂|码头|道路)")
# `A、B、C的开业或建设`: a list whose items are opened, built, started…: projects.
_VERB_LIST_END = re.compile(r"的(?:开业|建设|开工|竣工|投产|落地|运营)")
# `(记者某某 通讯员某某)`: a press credit ends the clause before it
_CREDIT = re.compile(r"[(（](?:记者|通讯员|本报|特约|实习生|摄影)[^()（）\n]{0,40}[)）]")
# `东至…`, `西至…`: the bounds of an area (四至), not names
_BOUND = re.compile(r"^[东南西北]至")
# `…重点项目`, `…示范项目`: a category of projects, not a name.
_CATEGORY = re.compile(r"(重点|重大|重要|示范|试点|计划|合作|储备|产业链|配套|招商|之一|投资|建设|型)(项目|工程)$")
# Nouns that `项目` modifies when they follow it (`项目库`, `项目组`, `项目部`).
_PROJECT_NOUN_HEAD = frozenset("库组部办")
# A caption (`专栏5…`, `表2…`) is no name.
# a category a name is introduced by (`园区重大项目A项目`, `重点工程B`): not part of the name
_CATEGORY_LEAD = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:重点|重大|重要|示范|试点|龙头|招商|签约|储备)(?:项目|工程)")
_CAPTION = re.compile(r"^(专栏|附表|表)\s*\d")
# `中澄化梧州…`: `中` and one to three characters before a place abbreviate an organisation.
_ORG_PREFIX = re.compile(r"中[\u4e00-\u9fff]{1,3}")
# Infrastructure nouns a closing descriptor hands down to every item (`A、B等风电场项目`).
_SHARED_HEAD = re.compile(r"(高速公路|城际铁路|铁路|风电场|光伏电站|电站|电厂|码头)$")
_CLAUSE_STOP = re.compile(r"[。；;：:,，\n!?！？]")
# `二、三期`: a 、 inside a phase range is no item separator.
_PHASE_RANGE = re.compile(r"[一二三四五六七八九十]、(?=[一二三四五六七八九十]期)")
# Infrastructure named by abbreviations alone (`桂澄高铁`, `澄江运河`): a short proper stem.
_BARE_INFRA = ("高铁", "铁路", "客专", "城际铁路", "运河", "高速公路", "高速")
_METRO = re.compile(r"地铁(\d+)号线?((?:[、和及]\d+号线?)+)")
_COUNTED_PLACES = re.compile(r"^[两三四五六七八九十]+[市县区]")
_GENERIC_STEM = ("重大", "重点", "重要", "大型", "一批", "工业", "能源", "产业", "高新技术", "建设", "示范", "试点",
                 "合作", "招商", "引资", "投资", "储备", "前期", "在建", "新建", "续建", "技改", "技术改造", "配套",
                 "基础设施", "民生", "社会", "公益", "重点产业", "优势", "龙头", "关键", "该", "本", "各类", "相关")

_INVEST = re.compile(r"(?:估算|计划|预计|项目)?(?:总投资|投资总额|计划投资|投资)(?:约|达|超过|逾)?\s*(\d+(?:\.\d+)?)\s*(亿|万)元")


def investment_in(text: str, start: int, end: int) -> tuple[float, int] | None:
    """The first investment stated in ``text[start:end]`` (`总投资6.8亿元`, `投资5000万元`), in
    亿元, and where it ends; None when there is none."""
    m = _INVEST.search(text, start, end)
    if m is None:
        return None
    return round(float(m.group(1)) / (10000 if m.group(2) == "万" else 1), 6), m.end()
_CAPACITY = re.compile(r"(?:年产|产能)?\s*(\d+(?:\.\d+)?)\s*(万吨|万辆|万台|万方|万千瓦|GWh|吨)")


# `年产10万吨荔枝深加工项目`: a project named by what and how much it makes
_CAPACITY_NAME = re.compile(r"^(?:年产|年加工|年处理|年回收|年吞吐)\s*\d+(?:\.\d+)?\s*(?:[万亿千百]?(?:吨|辆|台|套|件|片|只|条|立方米|方"
                            r"|平方米|千瓦时?)|GWh|MWh|GW|MW)[\u4e00-\u9fffA-Za-z]{2,}")
# `广西某某科技有限公司年产…项目`: a project named after the legal name of its firm
_FIRM_PREFIX = re.compile(r"^(?P<firm>[\u4e00-\u9fff()（）]{4,30}?(?:股份有限公司|有限责任公司|有限公司))"
                          r"(?P<rest>[\u4e00-\u9fffA-Za-z\d.]{4,})$")


def split_firm(name: str) -> tuple[str, str] | None:
    """(project name, firm) for a project named after its firm's legal name, or None."""
    m = _FIRM_PREFIX.match(name)
    if not m or not _SUFFIX.search(m.group("rest")):
        return None
    words = pos_cut(m.group("rest"))
    if not words or (is_function_word(*words[0]) and not words[0][0].startswith("年产")):
        return None
    return m.group("rest"), m.group("firm")


def _generic(stem: str) -> bool:
    rest = stem
    for w in sorted(_GENERIC_STEM, key=len, reverse=True):
        rest = rest.replace(w, "")
    return len(rest) < 2 or is_generic(rest)


def _named_start(text: str, window: int, stem_end: int, gaz: Gazetteer) -> int:
    """Start of a name ending at ``stem_end``: after the last verb or function word, except
    that a conjunction followed by common words is inside the name (`A冷轧及铝合金型材基地`)."""
    start = strip_leading_function_words(text, window, stem_end)
    while start - 1 > window and text[start - 1] in "和及与":
        words = pos_cut(text[start:stem_end])
        if not words or _opens_name(text, start, words, gaz, nz=True):
            break
        before = strip_leading_function_words(text, window, start - 1)
        if before >= start - 1:
            break
        start = before
    return start


def _named(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _SUFFIX.finditer(text):
        w = left_window(text, m.start(), max_len=28)
        start = _named_start(text, w, m.start(), gaz)
        stem = text[start:m.start()]
        if len(stem) < 2 or _generic(stem) or re.search(r"\d{4}年|等", stem):
            continue
        if m.group() in ("项目",) and stem in industry_words():
            continue
        works = _WORKS_SUFFIX.fullmatch(m.group()) is not None
        infra = not m.group().startswith(("项目",)) and "期" not in m.group() and not works
        if infra and _continues_name(text, m.end()):
            continue
        if infra and not (gaz.find_places(stem) or re.search(r"[A-Z]\d+|—|至", stem)
                          or _abbreviated_stem(stem, m.group())):
            continue
        a = anchor_start(text, start, m.start(), gaz=gaz)
        if (a is not None and a > start and (is_generic(text[start:a]) or "内" in text[start:a])
                and not _ORG_PREFIX.fullmatch(text[start:a])):
            start, stem = a, text[a:m.start()]
        if (not _has_proper(stem, gaz) and not _abbreviated_stem(stem, m.group())
                and not ((m.group() == "项目" or works) and _CAPACITY_NAME.match(stem))):
            continue
        name = display_name(text[start:m.end()])
        if _CATEGORY.search(name) or _CAPTION.match(name) or _in_title(text, start) or _BOUND.match(name):
            continue
        if start > 0 and text[start - 1] == "等" and m.group() == "项目":
            continue  # `A、B等普通路网项目`: the descriptor of a list, not a name
        if m.group() == "项目" and text[m.end():m.end() + 1] in _PROJECT_NOUN_HEAD:
            continue  # `A项目库`, `A项目组`: the word modifies another noun
        out.append((start, m.end(), name))
        shared = _shared_with_previous(text, start, m.end(), gaz)
        if shared:
            out.append(shared)
        partner = _coordinated(text, w, start, gaz)
        if partner:
            out.append(partner)
    return out + _metro_lines(text, gaz) + _marked(text, gaz)


# `“A”项目`, `（A项目）`, `A工程建设`: a name the writing marks as one.
_QUOTED = re.compile(r"[“\"]([^“”\"\n]{2,12})[”\"](项目|工程)")
_BRACKETED = re.compile(r"[(（]([^()（）\n]{2,12}项目)[)）]")
_WORKS = re.compile(r"工程(?=建设)")
_SLOGAN = re.compile(r"一带一路|十[一二三四五]五|\d")
# `“一国一标志”`, `“双百双新”`: numbers in quotes make a slogan, not a name.
_QUOTED_NUMERAL = re.compile(r"[一二三四五六七八九十百千万双两]")


def _marked(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    for m in _QUOTED.finditer(text):
        if not _SLOGAN.search(m.group(1)) and m.group(1) not in inds and not _generic(m.group(1)) \
                and not _QUOTED_NUMERAL.search(m.group(1)):
            out.append((m.start(), m.end(), display_name(m.group(1) + m.group(2))))
    for m in _BRACKETED.finditer(text):
        stem = m.group(1)[:-2]
        if not _SLOGAN.search(stem) and stem not in inds and not _CATEGORY.search(m.group(1)):
            out.append((m.start(1), m.end(1), display_name(m.group(1))))
    for m in _WORKS.finditer(text):
        w = left_window(text, m.start(), max_len=20)
        start = strip_leading_function_words(text, w, m.start())
        stem = text[start:m.start()]
        if len(stem) >= 4 and re.search(r"北部湾|东盟|中国", stem) or gaz.find_places(stem):
            if not _generic(stem) and not _CATEGORY.search(stem + "工程"):
                out.append((start, m.end(), display_name(stem + "工程")))
    return out


def _coordinated(text: str, window: int, start: int, gaz: Gazetteer) -> tuple[int, int, str] | None:
    """`建设A和B项目`: A, opening with a place and named after a firm, is a project too."""
    from gxatlas.extract.enterprises import investor_of

    if start < 2 or text[start - 1] not in "和及":
        return None
    a_start = strip_leading_function_words(text, window, start - 1)
    name = text[a_start:start - 1]
    if not 4 <= len(name) <= 20 or not gaz.match_place(name, 0) or a_start <= window:
        return None
    if investor_of(name, gaz) is None or _SUFFIX.search(name):
        return None
    return a_start, start - 1, display_name(name)


def _in_title(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside a 《title》 (a policy's name, not a project)."""
    opened = text.rfind("《", max(0, pos - 60), pos)
    return opened >= 0 and "》" not in text[opened:pos]


def _continues_name(text: str, end: int) -> bool:
    """`甲市机场货运区改造`: a noun right after an infrastructure word makes it a modifier."""
    if end >= len(text) or not "\u4e00" <= text[end] <= "\u9fff":
        return False
    w, flag = pos_cut(text[end:end + 6])[0]
    return not is_function_word(w, flag) and w not in ("等", "和", "及", "与", "的", "项目", "工程", "建设")


def _abbreviated_stem(stem: str, suffix: str) -> bool:
    """`桂澄高铁`, `湘澄高铁`, `澄江运河`: two or three characters of proper nouns or
    abbreviations before a line or canal (a canal's stem may be any word)."""
    suffix = next((b for b in _BARE_INFRA if suffix.startswith(b)), "")
    if not suffix or not 2 <= len(stem) <= 3:
        return False
    words = pos_cut(stem)
    if suffix == "运河":
        return not any(is_function_word(w, f) for w, f in words)
    return all(f in ("ns", "j", "nr", "nrt", "nt") for _, f in words)


def _place_head(text: str, start: int, end: int, gaz: Gazetteer) -> int | None:
    """End of a region name (plus 港/市/县) opening ``text[start:end]``, or None."""
    hit = gaz.match_place(text, start)
    if hit is None or hit[0] > end:
        return None
    stop = hit[0]
    if stop < end and text[stop] in "港市县":
        stop += 1
    return stop


def _shared_with_previous(text: str, start: int, end: int, gaz: Gazetteer
                          ) -> tuple[int, int, str] | None:
    """`梧州港、来宾港作业区项目`: the item before the 、 is a place that shares the rest of
    the name; returns the name it stands for (`梧州港作业区项目`)."""
    if start < 3 or text[start - 1] != "、":
        return None
    own = _place_head(text, start, end, gaz)
    if own is None:
        return None
    prev_end = start - 1
    prev_start = left_window(text, prev_end, max_len=12)
    for i in range(prev_start, prev_end):
        head = _place_head(text, i, prev_end, gaz)
        if head == prev_end and not _COUNTED_PLACES.match(text[own:end]):
            name = display_name(text[i:prev_end] + text[own:end])
            return i, end, name
    return None


def _metro_lines(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """`桂林市地铁3号、5号线`: one project per line, named with the city."""
    out: list[tuple[int, int, str]] = []
    for m in _METRO.finditer(text):
        w = left_window(text, m.start(), max_len=8)
        place = next(((s, e) for s, e, _ in gaz.find_places(text[w:m.start()])), None)
        if place is None:
            continue
        city = text[w + place[0]:m.start()]
        for num in [m.group(1), *re.findall(r"\d+", m.group(2))]:
            out.append((w + place[0], m.end(), display_name(f"{city}地铁{num}号线")))
    return out


_PROPER = frozenset({"ns", "nr", "nrt", "nrfg", "nt", "j", "eng", "x"})


def _has_proper(stem: str, gaz: Gazetteer) -> bool:
    """A place, a Latin name, a regional anchor (`北部湾`, `东盟`), an organisation
    abbreviation in `中…` or a proper noun (not an industry word) in ``stem``."""
    if gaz.find_places(stem) or re.search(r"[A-Za-z]|北部湾|东盟|粤港澳", stem):
        return True
    words = pos_cut(stem)
    if len(words) > 1 and words[0] == ("中", "f"):
        return True
    inds = industry_words()
    if any(flag in _PROPER or (flag == "nz" and w not in inds) for w, flag in words):
        return True
    from gxatlas.extract.enterprises import firm_shape

    return firm_shape(stem, set(inds)) is not None  # `X新材料…`: named after its firm


_COMMON = frozenset({"n", "vn", "v", "a", "nz"})


def _only_common_words(name: str, inds: set[str]) -> bool:
    """A list item is no project name when it is made of industry and common words only."""
    words = pos_cut(name)
    if any(flag in _PROPER or (flag == "nz" and len(w) >= 2 and w not in inds) for w, flag in words[:1]):
        return False
    if any(flag in _PROPER for _, flag in words):
        return False
    return all(w in inds or w in _GENERIC_STEM or flag in _COMMON for w, flag in words)


def _outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop mentions inside a longer one (`某县风电` inside `某县风电项目`)."""
    out: list[tuple[int, int, str]] = []
    for s, e, n in sorted(spans, key=lambda t: (t[0], -t[1])):
        if any(s >= os and e <= oe and n in on for os, oe, on in out[-4:]):
            continue
        out.append((s, e, n))
    return out


def _listed(text: str, gaz: Gazetteer, *, relaxed: bool = False) -> list[tuple[int, int, str]]:
    """Items of lists closed by `等…项目` (`推进A、B和C等重大项目`) or by what is done to them
    (`A、B、C的开业或建设`), one project each."""
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    prev_end = 0
    for m in _LIST_END.finditer(text):
        clause = max(_clause_start(text, m.start()), prev_end)
        prev_end = m.end()
        shared = _SHARED_HEAD.search(m.group("desc") + (m.group("head") if m.group("head") != "项目" else ""))
        suffix = shared.group(1) if shared else ""
        items = _list_items(text, clause, m.start(), gaz)
        # `A产业基地、B产业园等一批产业项目`: what a list frames as 项目 is a project, even when
        # named like a park (SCHEMA.md: a project only, not also a park)
        framed = m.group("head") == "项目" and len(items) >= 3
        for s, e, name in _join_counted_places(items, text, gaz):
            ok = (_closed_item_ok(name, gaz, inds, parks_too=framed) if relaxed
                  else _good_item(name, gaz, inds))
            if not ok or not _anchored(name, gaz):
                continue
            if suffix and not _SUFFIX.search(name):
                name += suffix
            out.append((s, e, display_name(name)))
    for m in _VERB_LIST_END.finditer(text):
        clause = _clause_start(text, m.start())
        if text.count("、", clause, m.start()) < 2:
            continue  # `随着A、B的建设`: two things built is no list of projects
        for s, e, name in _list_items(text, clause, m.start(), gaz):
            if relaxed and _closed_item_ok(name, gaz, inds) and _anchored(name, gaz):
                out.append((s, e, display_name(name)))
    return out


def _closed_item_ok(name: str, gaz: Gazetteer, inds: set[str], *, parks_too: bool = False) -> bool:
    """An item of a list the text closes as projects: a name (proper, or made of words the
    dictionary does not know: a trade name), not generic words or a bound (`西至…`);
    ``parks_too``: one named like a park counts (a long list closed by `等…项目`)."""
    from gxatlas.extract.parks import ends_with_park_suffix

    name = name.strip()
    if _BOUND.match(name) or not 2 <= len(name) <= 30:
        return False
    hit = gaz.match_place(name, 0)
    if (hit and hit[0] >= len(name) - 1) or re.search(r"北部湾|经济区$|经济带$", name) and _generic(
            re.sub(r"北部湾|经济区$|经济带$|^[环泛]", "", name)):
        return False  # a place or a region
    if _good_item(name, gaz, inds):
        return True
    if (name in inds or _generic(name) or _CATEGORY.search(name) or re.search(r"\d|[“”\"]|等", name)
            or (ends_with_park_suffix(name) and not parks_too) or gaz.find_places(name[-3:])):
        return False  # generic words, a zone (the park component's), a route to a place
    words = pos_cut(name)
    if not words or is_function_word(*words[0]):
        return False
    from gxatlas.segment import tokenizer

    freq = tokenizer().FREQ
    singles = 0
    for w, _ in words[:3]:
        if len(w) >= 2 and freq.get(w, 0) < 300 and w not in inds:
            return True  # a trade name (`金珀`, `毅德`)
        singles += len(w) == 1
    return singles >= 2  # `旺|城广场`: a name the segmenter cut into characters


def _clause_start(text: str, end: int) -> int:
    start = max(0, end - 200)
    last = start
    for m in _CLAUSE_STOP.finditer(text, start, end):
        last = m.end()
    for m in _CREDIT.finditer(text, start, end):
        last = max(last, m.end())
    return last


def _list_items(text: str, start: int, end: int, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """Spans of the items of the list in ``text[start:end]``: split at 、 (not inside
    `二、三期`), at 和/及 when a proper name follows; the first item starts after the verb."""
    body = _PHASE_RANGE.sub(lambda m: m.group()[0] + "\0", text[start:end])
    cuts = [start] + [start + i + 1 for i, ch in enumerate(body) if ch == "、"] + [end + 1]
    spans = [(cuts[k], cuts[k + 1] - 1) for k in range(len(cuts) - 1)]
    if spans:
        first_end = spans[0][1]
        spans[0] = (strip_leading_function_words(text, spans[0][0], first_end, keep=_whole_firm), first_end)
    out: list[tuple[int, int, str]] = []
    for s, e in spans:
        out.extend(_split_conjunction(text, _skip_function_words(text, s, e), e, gaz))
    return out


def _whole_firm(name: str) -> bool:
    """Whether ``name`` is a firm's name as it stands (`X智能科技`), the way projects are
    named after the firm that builds them."""
    from gxatlas.extract.enterprises import firm_shape

    return len(name) >= 3 and firm_shape(name, set(industry_words())) == name


def _skip_function_words(text: str, start: int, end: int) -> int:
    """``start`` moved past spaces and leading verbs or adverbs (jieba part of speech)."""
    while start < end and text[start].isspace():
        start += 1
    for w, flag in pos_cut(text[start:end]):
        if not (is_function_word(w, flag) or w.isspace()) or _whole_firm(text[start:end]):
            break
        start += len(w)
    return start


def _split_conjunction(text: str, start: int, end: int, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """Split an item at 和/及/以及 when a proper name follows (`A项目和鸿澄电厂`), not when a
    common word does (`新货运区和第三跑道`); a conjunction opening the item is part of it."""
    for m in re.finditer(r"以及|和|及", text[start + 2:end]):
        right = start + 2 + m.end()
        words = pos_cut(text[right:end])
        if words and _opens_name(text, right, words, gaz, nz=True):
            left = start + 2 + m.start()
            return [(start, left, text[start:left]), *_split_conjunction(text, right, end, gaz)]
    return [(start, end, text[start:end])]


def _opens_name(text: str, pos: int, words: tuple[tuple[str, str], ...], gaz: Gazetteer, *,
                nz: bool) -> bool:
    """Whether the words at ``pos`` open a new name: a place, a proper noun, an organisation
    abbreviation in `中…`, or (``nz``) a named thing that is no industry word."""
    from gxatlas.extract.enterprises import firm_shape

    w, flag = words[0]
    if flag in _PROPER or gaz.match_place(text, pos) or (w == "中" and len(words) > 1):
        return True
    if firm_shape("".join(x for x, _ in words), set(industry_words())):
        return True  # `A项目和X粮油项目`: another firm's project
    return nz and flag == "nz" and w not in industry_words()


def _join_counted_places(items: list[tuple[int, int, str]], text: str, gaz: Gazetteer
                         ) -> list[tuple[int, int, str]]:
    """`梧州、贵港、来宾三市光伏电站` is one project: bare places joined to the item that
    counts them (`三市`)."""
    out: list[tuple[int, int, str]] = []
    run: list[tuple[int, int, str]] = []
    for s, e, name in items:
        hit = gaz.match_place(name.strip(), 0)
        if hit and hit[0] == len(name.strip()):
            run.append((s, e, name))
            continue
        if run and hit and _COUNTED_PLACES.match(name.strip()[hit[0]:]):
            out.append((run[0][0], e, text[run[0][0]:e]))
        else:
            out.extend(run)
            out.append((s, e, name))
        run = []
    return out + run


def _good_item(name: str, gaz: Gazetteer, inds: set[str]) -> bool:
    name = name.strip()
    if not 2 <= len(name) <= 30 or name in inds:
        return False
    if _whole_firm(name):
        return True  # `X智能科技`: named after the firm that builds it
    if _generic(name) and not any((f in _PROPER or (f == "nz" and w not in inds)) and len(w) >= 2
                                  for w, f in pos_cut(name)):
        return False
    hit = gaz.match_place(name, 0)
    if (hit and hit[0] >= len(name) - 1) or _only_common_words(name, inds):
        return False
    if _CATEGORY.search(name) or not _has_proper(name, gaz):
        return False
    return not any(is_function_word(w, f) for w, f in pos_cut(name)[:1])


@functools.lru_cache(maxsize=1)
def _stages() -> tuple[re.Pattern[str], Mapping[str, str]]:
    from gxatlas.data.lexicon import lexicon

    lex = lexicon()
    return lex.pattern("project_stages"), lex.map("project_stages")


def stage_of(text: str, start: int, end: int) -> str | None:
    """The stage the text gives a project named at ``[start, end)``: the first stage word
    after the name in its sentence (`A项目开工建设`), else the last one before it in its clause
    (`已开工A项目`); one of 储备, 前期, 签约, 开工, 在建, 竣工, 投产, 达产."""
    pattern, stages = _stages()
    tail = text[end:end + 40]
    stop = re.search(r"[。；;\n]", tail)
    tail = tail[:stop.start()] if stop else tail
    m = pattern.search(tail)
    if m:
        return stages[m.group()]
    lo = max(_clause_start(text, start), start - 30)
    before = list(pattern.finditer(text, lo, start))
    return stages[before[-1].group()] if before else None


def find_projects(text: str, gaz: Gazetteer, *, names_listed: bool = False
                  ) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Spans and names of the projects named in ``text``: those a pattern names a project
    (`…项目`, `A、B等项目`), and all of them with the items of mostly-project lists
    (outermost mentions, in order). ``names_listed``: the text's lists of projects name
    projects even when the items are trade names the dictionary does not know (news and
    reports list projects by name; plans list kinds of projects: `引进变速箱总成…等项目`)."""
    explicit = _named(text, gaz) + _listed(text, gaz, relaxed=names_listed)
    return explicit, _outermost(explicit + _propagated(text, explicit, gaz))


def _propagated(text: str, found: list[tuple[int, int, str]], gaz: Gazetteer
                ) -> list[tuple[int, int, str]]:
    """Items of a 、-list most of whose items are projects already (`续建A铁路、B客专、C扩能
    改造`): the other items are projects too."""
    out: list[tuple[int, int, str]] = []
    starts = sorted(s for s, _, _ in found)
    ends = {e for _, e, _ in found}
    inds = set(industry_words())
    for clause in re.finditer(r"[^。；;：:,，\n!?！？]{4,300}", text):
        cs, ce = clause.span()
        i = bisect.bisect_left(starts, cs)
        if "、" not in clause.group() or i >= len(starts) or starts[i] >= ce:
            continue
        body = _PHASE_RANGE.sub(lambda m: m.group()[0] + "\0", clause.group())
        bounds = [cs + k for k, ch in enumerate(body) if ch == "、"] + [ce]
        if 2 * sum(1 for b in bounds if b in ends) < len(bounds):
            continue  # cheap test before the segmentation below
        items = _list_items(text, cs, ce, gaz)
        known = [it for it in items if it[1] in ends or any(s >= it[0] and e == it[1] for s, e, _ in found)]
        if len(items) < 2 or 2 * len(known) < len(items):
            continue
        for s, e, _ in items:
            if any(fs < e and s < fe for fs, fe, _ in found):
                continue
            cut = text.find("等", s + 1, e)
            e = cut if cut > 0 else e
            a = anchor_start(text, s, e, gaz=gaz)
            if a is not None and a > s and any(f.startswith("v") for _, f in pos_cut(text[s:a])):
                s = a
            if _good_item(text[s:e], gaz, inds) and _anchored(text[s:e], gaz):
                out.append((s, e, display_name(text[s:e])))
    return out


# Institutions (`…中心`, `…研究所`) are projects when a place or an anchor names them.
_INSTITUTION = re.compile(r"(中心|机构|法庭|所|院|库|平台|基金|馆|大学|学院)$")


def _anchored(name: str, gaz: Gazetteer) -> bool:
    """An institution listed among projects needs a place, a regional anchor or an investor
    (`国际仲裁中心` names an institution in general, not one being built)."""
    from gxatlas.extract.enterprises import investor_of

    if not _INSTITUTION.search(name):
        return True
    if gaz.find_places(name) or re.search(r"北部湾|东盟|中国|粤港澳|[A-Za-z]", name):
        return True
    return investor_of(name, gaz) is not None


def _project_key(name: str, gaz: Gazetteer) -> str:
    """One key for the spellings of a project in a document: no trailing 项目/工程, one dash
    for 至/—, no 市 after the leading city (`防城港市鸿澄项目` = `防城港鸿澄`)."""
    key = re.sub(r"(项目|工程)$", "", name) or name
    key = re.sub(r"[至—\-－]", "-", key)
    hit = gaz.match_place(key, 0)
    if hit and key[hit[0]:hit[0] + 1] == "市":
        key = key[:hit[0]] + key[hit[0] + 1:]
    return key


def extract_projects(doc: Document, *, gaz: Gazetteer, ctx: CityContext,
                     exclude: frozenset[str] = frozenset(),
                     spans: list[tuple[int, int, str]] | None = None,
                     tables: Iterable[Table] | None = None) -> list[Fact]:
    """Project facts of ``doc`` (from ``spans`` when the caller found them already); names in
    ``exclude`` (parks, enterprises) are left out; spellings of one project are merged."""
    text = doc.text
    seen: dict[str, Fact] = {}
    tables = [t for t in (find_tables(text) if tables is None else tables) if _project_columns(t)]
    home = _home_province(text, gaz)
    for start, end, name in find_projects(text, gaz)[1] if spans is None else spans:
        lead = _CATEGORY_LEAD.match(text, start, end)
        if lead and end - lead.end() >= 6 and name.startswith(lead.group()):
            start, name = lead.end(), name[len(lead.group()):]  # `园区重大项目A项目`: A项目
        key = _project_key(name, gaz)
        if name in exclude:
            continue
        if key in seen:
            first = seen[key]
            if name != first.name and name not in first.aliases:
                first = seen[key] = replace(first, aliases=(*first.aliases, name))
            if first.values.get("investment") is None:
                # named first in passing, its figures stated where it is named again
                inv = _values(text, start, end, name, gaz=gaz, ctx=ctx).get("investment")
                if inv is not None:
                    seen[key] = replace(first, values={**first.values, "investment": inv})
            continue
        values = _values(text, start, end, name, gaz=gaz, ctx=ctx)
        values.update(_table_values(tables, start, end, gaz=gaz, ctx=ctx))
        if home is not None:
            values["city"] = _built_in(text, start, end, name, values.get("city"), home=home, gaz=gaz, ctx=ctx)
        aliases: tuple[str, ...] = ()
        firm = split_firm(name)
        if firm is not None:
            # the firm is a value of the project; its place, if any, is the project's city
            name, values["enterprise"], aliases = firm[0], firm[1], (name,)
            if values.get("city") is None:
                values["city"] = park_city(name, start, gaz=gaz, ctx=ctx)
        seen[key] = Fact(type="project", name=name, evidence=evidence(doc, start, end),
                         values=values, aliases=aliases)
    return merge_spellings(list(seen.values()), gaz)


@dataclass(frozen=True)
class _Identity:
    """What tells one project from another in a document: its investor, the places in its
    name, its phase, what is built with the investor's trade name (`北海中澄500万吨炼油`
    = 中澄, {北海}, -, `中澄炼油`) and, for a railway, its line and its two ends."""

    investor: str | None
    places: frozenset[str]
    phase: str | None
    core: str
    lines: frozenset[str]


_PHASE = re.compile(r"([二三四五六七八九十](?:、[二三四五六七八九十])*)期")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?万?(?:吨|方|千瓦|辆|台)级?|[千百]万吨级?|[千百]万方")
# Words that do not tell two spellings of a project apart.
_SPELLING_NOISE = re.compile(r"项目|工程|产业|加工|有色金属|精品|既有线|集团|有限公司|公司|股份|新材料|[市县港]$|^[市县]")
_LINE = re.compile(r"^([\u4e00-\u9fff]{2})(?:铁路|高铁|客专|高速)")
_INFRA_NAME = re.compile(r"铁路|高铁|客专|高速|公路|机场|运河|码头|船闸")


def _identity_of(name: str, gaz: Gazetteer) -> _Identity:
    from gxatlas.extract.enterprises import investor_of

    investor = None if _INFRA_NAME.search(name) else investor_of(name, gaz)
    starts = word_starts(name)
    hits = [h for h in gaz.find_places(name) if h[0] in starts]
    places = frozenset(p.short_name for _, _, p in hits if p.level not in ("province", "country"))
    phase_m = _PHASE.search(name)
    rest = name
    for s, e, _ in sorted(hits, key=lambda h: -h[0]):
        rest = rest[:s] + rest[e:]
    rest = _PHASE.sub("", _QUANTITY.sub("", rest))
    core = _SPELLING_NOISE.sub("", re.sub(r"[()（）—\-·、]", "", rest))
    lines = set()
    if (m := _LINE.match(name)) and not gaz.match_place(name, 0):
        lines.add(m.group(1))
    for i, ch in enumerate(name):
        if ch in "至—-":
            left = next((p.short_name for _, e, p in hits if e == i), None)
            right = next((p.short_name for s, _, p in hits if s == i + 1), None)
            if left and right:
                lines.add("|".join(sorted((left, right))))
    return _Identity(investor, places, phase_m.group(1) if phase_m else None, core, frozenset(lines))


def _same_project(a: _Identity, b: _Identity) -> bool:
    """Two spellings of one project: same phase (none = 一期), no two investors, no two sets
    of places, and what is built named by one inside the other; railways by line or ends."""
    if (a.phase or "一") != (b.phase or "一"):
        return False
    if a.lines or b.lines:
        return bool(a.lines & b.lines) or (a.core == b.core and len(a.core) >= 4)
    if a.investor and b.investor and a.investor != b.investor:
        return False
    if bool(a.investor) != bool(b.investor):
        firm, other = (a.investor, b) if a.investor else (b.investor, a)
        if _SPELLING_NOISE.sub("", firm or "") not in other.core:
            return False  # `鸿澄核电` is not `澄川核电`
    if a.places and b.places and not (a.places <= b.places or b.places <= a.places):
        return False
    short, long_ = sorted((a.core, b.core), key=len)
    if len(short) < 2 or short not in long_:
        return False
    return short == long_ or bool(a.investor or b.investor) or bool(a.places and b.places)


def merge_spellings(facts: list[Fact], gaz: Gazetteer) -> list[Fact]:
    """Facts of one project under several spellings merged into the first (the others as
    aliases): `中澄五百万吨炼油项目` = `北海中澄500万吨炼油`, `鸿澄项目` =
    `鸿澄集团铝材精深加工`."""
    idents = [_identity_of(f.name, gaz) for f in facts]
    out: list[Fact] = []
    kept: list[list[_Identity]] = []  # every spelling of each project so far
    for f, ident in zip(facts, idents):
        # a spelling joins a project only when it fits every spelling of it (`北海A二期` is
        # `A北海炼油二期` or `A原油储备二期`, not both)
        k = next((i for i, group in enumerate(kept) if all(_same_project(o, ident) for o in group)), None)
        if k is None:
            out.append(f)
            kept.append([ident])
            continue
        kept[k].append(ident)
        first = out[k]
        extra = tuple(n for n in (f.name, *f.aliases) if n != first.name and n not in first.aliases)
        values = {**{key: v for key, v in f.values.items() if v is not None}, **{key: v for key, v in first.values.items() if v is not None}}
        values.setdefault("city", None)
        out[k] = replace(first, aliases=(*first.aliases, *extra), values=values)
    return out


def _home_province(text: str, gaz: Gazetteer) -> str | None:
    """The province most of a document's places (with a city) are in."""
    counts = Counter(p.province for _, _, p in gaz.find_places(text) if p.city and p.province)
    return counts.most_common(1)[0][0] if counts else None


def _built_in(text: str, start: int, end: int, name: str, city: object, *, home: str, gaz: Gazetteer,
              ctx: CityContext) -> object:
    """Where a project is built: a city of another province that context gave it (the home city
    of an investor, `A省B市C公司投资…建设D项目`) gives way to the place of the document's own
    province named in the project's clause, else its sentence, else the document's main city."""
    place = gaz.place(city) if isinstance(city, str) else None
    if place is None or place.province in (None, home):
        return city
    starts = word_starts(name)
    if any(p.city for s, _, p in gaz.find_places(name) if s in starts):
        return city  # the name says where it is
    sent_start = max((m.end() for m in re.finditer(r"[。；;!?！？\n]", text[max(0, start - 200):start])), default=0)
    sent_start += max(0, start - 200)
    clause_start = max((m.end() for m in re.finditer(r"[,，]", text[sent_start:start])), default=0) + sent_start
    stop = re.search(r"[。；;!?！？\n]", text[end:end + 200])
    after = text[end:end + (stop.start() if stop else 200)]

    def own(span: str) -> list[Place]:
        return [p for _, _, p in gaz.find_places(span) if p.city and p.province == home]

    found = own(text[clause_start:start]) or own(text[sent_start:start])
    if found:
        return ctx.local(found[-1].city, start, found[-1:])
    if own(after):
        return ctx.local(own(after)[0].city, start, own(after)[:1])
    dominant = gaz.place(ctx.dominant) if ctx.dominant else None
    if dominant is not None and dominant.province == home:
        return ctx.local(ctx.dominant, start)
    return city


# a table column of investment with its unit (`总投资(亿元)`, `计划总投资（万元）`)
_INVEST_HEAD = re.compile(r"投资[^()（）]{0,6}[(（]\s*(亿|万)元\s*[)）]")
# a table column of where a project is built (`建设地点`, `所在地`, `所在县区`)
_PLACE_HEAD = re.compile(r"地点|地址|所在地|所在(?:市|县|区|县区|县市区)$|^(?:建设)?(?:地区|市县|县区|区域)$")


def _project_columns(table: Table) -> dict[str, int]:
    """The columns of a project table the row of a project is read from: `investment` (with
    `scale`, 1 for 亿元 and 10000 for 万元) and `place`."""
    out: dict[str, int] = {}
    for k, head in enumerate(table.header):
        m = _INVEST_HEAD.search(head.text)
        if m and "investment" not in out:
            out["investment"], out["scale"] = k, 1 if m.group(1) == "亿" else 10000
        elif _PLACE_HEAD.search(head.text) and "place" not in out:
            out["place"] = k
    return out


def _table_values(tables: list[Table], start: int, end: int, *, gaz: Gazetteer, ctx: CityContext
                  ) -> dict[str, object]:
    """A project named in a cell of a table row: its investment (in 亿元) and city, read from
    the row's investment and place columns."""
    for t in tables:
        if not t.start <= start < t.end:
            continue
        row = next((r for r in t.rows if any(c.start <= start and end <= c.end for c in r.cells)), None)
        if row is None or len(row.cells) != len(t.header):
            return {}
        cols = _project_columns(t)
        out: dict[str, object] = {}
        if "investment" in cols:
            cell = row.cells[cols["investment"]].text.replace(",", "")
            if is_numeric_cell(cell) and re.fullmatch(r"\d+(?:\.\d+)?", cell):
                out["investment"] = round(float(cell) / cols["scale"], 6)
        if "place" in cols:
            places = [p for _, _, p in gaz.find_places(row.cells[cols["place"]].text) if p.city]
            if places:
                out["city"] = ctx.local(places[-1].city, start, places)
        return out
    return {}


def _invest_before(text: str, start: int) -> tuple[float, int] | None:
    """`A公司计划投资15亿元，建设B项目`: the investment stated in the clause before a project
    name, in its sentence, with no other project named in between."""
    lo = max(0, start - 60)
    cut = max((m.end() for m in re.finditer(r"[。；;\n]|项目|工程", text[lo:start])), default=0)
    found = list(_INVEST.finditer(text, lo + cut, start))
    return investment_in(text, found[-1].start(), start) if found else None


def _values(text: str, start: int, end: int, name: str, *, gaz: Gazetteer, ctx: CityContext
            ) -> dict[str, object]:
    values: dict[str, object] = {"city": park_city(name, start, gaz=gaz, ctx=ctx)}
    sent_end = re.search(r"[。；;\n]", text[end:end + 120])
    window = text[end:end + (sent_end.start() if sent_end else 120)]
    inv = investment_in(window, 0, len(window)) or _invest_before(text, start)
    if inv:
        values["investment"] = inv[0]
    cap = _CAPACITY.search(name) or _CAPACITY.search(window)
    if cap:
        values["capacity"] = cap.group(1) + cap.group(2)
    status = stage_of(text, start, end)
    if status:
        values["status"] = status
    return values


@dataclass(frozen=True)
class ProjectMentions:
    """Spans and names of projects: those a pattern frames as a project (``explicit``) and all
    of them with the items of mostly-project lists (``spans``, outermost, in order)."""

    explicit: tuple[tuple[int, int, str], ...]
    spans: tuple[tuple[int, int, str], ...]


@component("project_mentions", needs=("places", "profile"), provides=("project_mentions",))
def project_mentions(ad: Any, inputs: Mapping[str, Any]) -> ProjectMentions:
    """Where the text names projects (read by the park, enterprise and project components)."""
    from gxatlas.extract.parks import ends_with_park_suffix, tiered_park

    from gxatlas.extract.profile import Genre

    gaz = ad.gazetteer
    explicit, spans = find_projects(ad.text, gaz, names_listed=ad.profile.genre is not Genre.PLAN)
    # a list item inferred to be a project that is named like a park stays a park, and so
    # does a park named with its output tier (`A千亿产业园`) in a list of projects
    explicit = [sp for sp in explicit if not tiered_park(sp[2], gaz)]
    spans = [sp for sp in spans if sp in explicit or not ends_with_park_suffix(sp[2])]
    return ProjectMentions(tuple(explicit), tuple(spans))


@component("project", needs=("project_mentions", "tables", "city_context"), provides=("project",))
def project_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Projects with city, investment (亿元), capacity and stage; spellings merged."""
    return extract_projects(ad.doc, gaz=ad.gazetteer, ctx=ad.city_context,
                            spans=list(inputs["project_mentions"].spans), tables=ad.tables)
