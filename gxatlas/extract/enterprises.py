"""Enterprises: companies and groups, by the name the document uses.

Two patterns of administrative writing carry them: company forms (`广西鸿澄机械有限公司`,
`甲集团广西化工公司`, `广西澄川投资集团`, `梧州澄川纸厂`) and lists of leading firms
(`以A、B、C等龙头企业`, `以鸿澄为龙头`, `引进A、B`), whose items are short names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any, Iterable, Mapping

from gxatlas.data.lexicon import lexicon

from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import Gazetteer
from gxatlas.extract.mentions import (
    CityContext,
    display_name,
    evidence,
    industry_words,
    is_function_word,
    left_window,
    pos_cut,
    strip_leading_function_words,
    word_starts,
)
from gxatlas.extract.parks import SUFFIXES as PARK_SUFFIXES
from gxatlas.extract.parks import GENERIC_WORDS, is_generic, park_city
from gxatlas.extract.pipeline import component
from gxatlas.extract.values import as_values
from gxatlas.ingest.document import Document

_COMPANY = re.compile(r"股份有限公司|有限责任公司|集团有限公司|集团股份有限公司|有限公司|集团公司|集团|公司"
                      r"|炼油厂|卷烟厂|船厂|钢厂|糖厂")
_PROPER = frozenset({"ns", "nr", "nrt", "nrfg", "nt", "nz", "j", "eng", "x", "ng", "g"})
_LIST = re.compile(r"(?:以|围绕|依托|引进|培育|支持|推动|推进|重点培育|大力培育|积极引进|吸引|服务好|包括|拥有|有|——)"
                   r"([^。；;，,：:\n]{2,80}?)(?:等(?:一批)?(?:龙头|骨干|重点|大型|知名|优势|世界500强)*(?:企业|集团|公司)(?!管理|服务|文化|发展|家)"
                   r"|为龙头|[一二三四五六七八九十两\d]+大[\u4e00-\u9fff]{0,4}?(?:集团|企业))")
_ITEM_SPLIT = re.compile(r"[、和及与]")
_NOT_FIRM = re.compile(r"(产业|行业|经济|市场|企业|项目|工程|基地|园区|园|区|资源|技术|产品|品牌|平台|中心|优势|政策|"
                       r"龙头|资金|人才|港口|集群|领域|体系|链|化|性|业)$")
_GENERIC_FIRM = ("上市", "港资", "台资", "合资", "独资", "央企",
                 "龙头", "骨干", "企业", "大型", "中小", "民营", "国有", "外资", "知名", "优势", "重点", "千亿元",
                 "百亿元", "大", "集团", "公司", "有限", "股份", "责任", "一批", "本地", "区内", "区外", "相关")


def _is_generic_firm(stem: str) -> bool:
    rest = stem
    for w in sorted(_GENERIC_FIRM, key=len, reverse=True):
        rest = rest.replace(w, "")
    return len(rest) < 2 or is_generic(rest)


def _has_proper(stem: str, gaz: Gazetteer) -> bool:
    """A company stem names someone: a place, a proper noun, or a word jieba does not know."""
    if gaz.find_places(stem):
        return True
    return any(flag in _PROPER and flag != "nz" for _, flag in pos_cut(stem))


def _is_generic_item(name: str, inds: set[str]) -> bool:
    """A list item is no firm when it is only modifiers or only industry words."""
    rest = name
    for w in sorted(_GENERIC_FIRM, key=len, reverse=True):
        rest = rest.replace(w, "")
    if len(rest) < 2:
        return True
    words = [w for w, _ in pos_cut(name)]
    return all(w in inds or w in _GENERIC_FIRM for w in words)


def _company_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _COMPANY.finditer(text):
        w = left_window(text, m.start(), max_len=20)
        start = strip_leading_function_words(text, w, m.start())
        marker = _LIST_MARKER.match(text, start, m.start())
        if marker:  # `(二)X有限公司`: a list item's number is no part of the name
            start = marker.end()
        stem = text[start:m.start()]
        if len(stem) < 2 or _is_generic_firm(stem) or re.search(r"\d{4}|年|等|的|[子分]$", stem):
            continue
        if _place_and_generic(stem, gaz):
            continue
        if any(stem.endswith(s) for s in PARK_SUFFIXES):
            stem_park = True
        else:
            stem_park = False
        if stem_park and m.group() in ("公司", "集团"):
            continue
        if m.group() in ("公司", "集团", "集团公司") and not _has_proper(stem, gaz):
            continue
        first = _leading_firm(stem)
        if first:  # `X饲料Y集团`: two firms side by side
            out.append((start, start + len(first), display_name(first)))
            start += len(first)
        out.append((start, m.end(), display_name(text[start:m.end()])))
    return out


_LIST_MARKER = re.compile(r"\s*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．](?!\d)|[①-⑳])\s*")


def _place_and_generic(stem: str, gaz: Gazetteer) -> bool:
    """`香港上市公司`, `广西本地企业`: a place and generic words, no trade name."""
    rest = stem
    for w in sorted(_GENERIC_FIRM, key=len, reverse=True):
        rest = rest.replace(w, "")
    return rest != stem and gaz.place(rest) is not None


def _leading_firm(stem: str) -> str | None:
    """A whole firm name (`X饲料`) opening a company stem that goes on with another trade
    name (`X饲料Y集团`), or None."""
    inds = set(industry_words())
    first = firm_shape(stem, inds)
    if not first or len(stem) - len(first) < 2 or first == stem:
        return None
    if first.endswith(("集团", "股份", "控股")) or stem[len(first):].startswith(("有限", "股份", "控股")):
        return None
    return first if not _only_generic_words(stem[len(first):], inds) else None


def _list_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    for m in _LIST.finditer(text):
        body_start = m.start(1)
        pos = body_start
        for item in _ITEM_SPLIT.split(m.group(1)):
            s = text.find(item, pos)
            pos = s + len(item) if s >= 0 else pos
            name = item.strip()
            if s < 0 or not name:
                continue
            words = pos_cut(name)
            while words and (words[0][1].startswith(("v", "d", "p", "c", "u", "r")) and words[0][1] != "vn"):
                s += len(words[0][0])
                name = name[len(words[0][0]):]
                words = words[1:]
            shaped = firm_shape(name, inds) == name  # `X锡业`, `X糖业` end like an industry
            if not 2 <= len(name) <= 14 or name in inds or (_NOT_FIRM.search(name) and not shaped):
                continue
            if re.search(r"\d|“|”|\"|[()（）]|企业|的|项目|工程(?:建设)?$", name) or _is_generic_item(name, inds):
                continue
            if _place_and_industry(name, gaz, inds):
                continue
            if words and words[-1][1].startswith("v") and words[-1][1] != "vn":
                continue
            place = gaz.match_place(name, 0)
            if place and place[0] == len(name):
                continue
            out.append((s, s + len(name), display_name(name)))
    return out


# `…世界500强——A、B。`, `领先企业——A（9880.HK）`: firms listed after a dash that follows a
# word for firms.
_DASH_LIST = re.compile(r"(?:500强|企业|集团|公司|龙头|领军者|独角兽)——([^。；;，,：:\n——]{2,60})")
_STOCK_CODE = re.compile(r"[(（](?:\d{4,6}\.(?:HK|SH|SZ|SS|BJ)|(?:股票代码|证券代码)[:：]?\s*\d{6})[)）]")
# `鸿澄国内业务营收达12亿元`, `A出口近2.1万辆`: a firm as the subject of its business
# figures at the start of a clause.
_BUSINESS = re.compile(r"(?:海外|国内|境外|全球)?(?:业务)?(?:总体|全年|累计)?"
                       r"(?:出口|营收|营业收入|销售收入|销量|产销量|净利润)(?:同比)?(?:增长|达|超过?|近|突破)?"
                       r"[\d一二三四五六七八九十百千]")
_CLAUSE_LEAD = re.compile(r"^(?:(?:\d{4}年|今年|去年|上半年|前三季度|全年|[一二三四]季度|\d{1,2}月|以来|目前|同时)[,，]?)*")
_NOT_SUBJECT = re.compile(r"全市|全区|全省|我市|我区|企业|产业|行业|园区|地区|城市|全国|规上|规模")


def _dash_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    for m in _DASH_LIST.finditer(text):
        pos = m.start(1)
        for item in re.split(r"[、和及与]", m.group(1)):
            s = pos
            pos += len(item) + 1
            code = _STOCK_CODE.search(item)
            name = item[:code.start()] if code else item
            if code is None and not 2 <= len(name) <= 10:
                continue
            if _good_subject(name, gaz, inds):
                out.append((s, s + len(name), display_name(name)))
    return out


def _stock_code_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """`A科技（9880.HK）`: a name right before its stock code."""
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    for m in _STOCK_CODE.finditer(text):
        w = left_window(text, m.start(), max_len=16)
        start = strip_leading_function_words(text, w, m.start())
        name = text[start:m.start()]
        if _good_subject(name, gaz, inds):
            out.append((start, m.start(), display_name(name)))
    return out


def _subject_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    inds = set(industry_words())
    for m in _BUSINESS.finditer(text):
        clause = max(text.rfind(ch, max(0, m.start() - 30), m.start()) for ch in "。；;，,\n—") + 1
        lead = _CLAUSE_LEAD.match(text, clause)
        start = lead.end() if lead else clause
        name = text[start:m.start()]
        if 2 <= len(name) <= 10 and _good_subject(name, gaz, inds):
            out.append((start, m.start(), display_name(name)))
    return out


def _good_subject(name: str, gaz: Gazetteer, inds: set[str]) -> bool:
    """A name standing alone (a list item, a clause's subject) that names a firm: a proper
    noun, not a place, not industry or common words."""
    if not name or re.search(r"[\d\s“”\"()（）「」]", name) or _NOT_SUBJECT.search(name):
        return False
    words = pos_cut(name)
    if is_function_word(*words[0]) or any(f in ("p", "c", "u", "uj", "r") for _, f in words):
        return False
    hit = gaz.match_place(name, 0)
    if (hit and hit[0] >= len(name) - 1) or _place_and_industry(name, gaz, inds):
        return False
    if all(w in inds or w in GENERIC_WORD_SET for w, _ in words):
        return False
    return any(f in _SUBJECT_FLAGS and w not in inds for w, f in words) or firm_shape(name, inds) == name


_SUBJECT_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt", "nz", "j", "eng", "x", "ns"})


def _place_and_industry(name: str, gaz: Gazetteer, inds: set[str]) -> bool:
    """`梧州钢铁`: a place and industry words name an industry there, not a firm."""
    hit = gaz.match_place(name, 0)
    if hit is None or hit[0] >= len(name) or hit[1].level == "country":
        return False  # `中国鸿澄`, `韩国澄川…` are firms
    rest = name[hit[0]:].lstrip("市县")
    return bool(rest) and (all(w in inds for w, _ in pos_cut(rest)) or _SHAPE_KIND.fullmatch(rest) is not None)


# Words a firm's trade name carries on into its short name (`鸿澄粮油`, `澄川集团`).
_FIRM_WORDS = ("集团", "股份", "控股", "粮油", "新材料", "重工", "科技", "电子", "能源", "实业", "钢铁", "化工",
               "饲料", "食品", "药业", "电器", "矿业", "铝业", "纸业", "糖业", "船厂", "糖厂")
# Province abbreviations: `粤桂`, `川渝` name a pair of provinces, not a firm.
_PROVINCE_ABBREV = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台")
# Infrastructure is named after places and lines, not investors.
_INFRA_END = re.compile(r"(铁路|高铁|客专|公路|高速|运河|机场|码头|船闸工程|号线|扩能改造|增建二线)$|铁路|核电|风电")
GENERIC_WORD_SET = frozenset(GENERIC_WORDS)
_INVESTOR_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt", "j", "nz", "g"})


def investor_of(name: str, gaz: Gazetteer) -> str | None:
    """The firm a project is named after (`北海中澄500万吨炼油` -> `中澄`,
    `鸿澄碳酸锂` -> `鸿澄`, `中澄十七项目` -> `中澄十七`): after the places it opens with,
    a proper noun that is no place, no industry word and no regional anchor."""
    pos = 0
    while (hit := gaz.match_place(name, pos)) is not None and hit[1].level != "country":
        pos = hit[0] + (1 if name[hit[0]:hit[0] + 1] in ("市", "县") else 0)
    inds = set(industry_words())
    shaped = firm_shape(name[pos:], inds)
    if shaped:
        return _checked_investor(shaped, gaz)
    words = list(pos_cut(name[pos:]))
    firm = ""
    if len(words) >= 2 and words[0] == ("中", "f") and len(words[1][0]) <= 2 and words[1][1] == "n":
        firm, words = "中" + words[1][0], words[2:]  # `中石油`, `中船`
    elif words and words[0][1] in _INVESTOR_FLAGS and words[0][0] not in inds:
        firm, words = words[0][0], words[1:]
        # `斯道|拉恩索`, `宸|宇`; not a dictionary word tagged as a name (`鹏辉|智慧`)
        while words and words[0][1] in ("nr", "nrt", "nrfg", "g") and _unknown_word(words[0][0]):
            firm += words[0][0]
            words = words[1:]
        firm, words = _with_short_tail(firm, words, name[pos:], gaz, inds)
    if not firm or _only_generic_words(firm, inds):
        return None
    if words and (words[0][0].startswith("产业") or words[0][0] in PARK_SUFFIXES):
        return None  # `智能家居产业园项目`: an industry naming a park, not a firm
    if words and words[0][1] == "m" and re.fullmatch(r"[一二三四五六七八九十]+", words[0][0]):
        firm += words[0][0]  # `中澄十七`
    elif words and words[0][0] in _FIRM_WORDS:
        firm += words[0][0]
    return _checked_investor(firm, gaz)


def _checked_investor(firm: str, gaz: Gazetteer) -> str | None:
    if re.match(r"年产|年加工|年处理|年回收|年吞吐|新建|扩建|改扩建", firm):
        return None  # `年产30万吨…项目`: named by its output, not by a firm
    if len(firm) < 2 or gaz.match_place(firm, 0) or re.search(r"东盟|北部湾|广西", firm):
        return None
    if firm.endswith(PARK_SUFFIXES) or re.fullmatch(r"中[马新泰越印老柬缅菲文德法英日韩欧俄非]", firm):
        return None
    if len(firm) == 2 and set(firm) <= _PROVINCE_ABBREV:
        return None
    return firm


# The shape of a firm's name: a trade name and what the firm does (`X电子`, `X智能科技`,
# `X新材料`, `X重工`, `X粮油`), the way companies name themselves.
_SHAPE_MOD = lexicon().alternation("firm_kind_modifiers")
_SHAPE_WORD = lexicon().alternation("firm_kinds")
_SHAPE = re.compile(rf"(?P<trade>[\u4e00-\u9fff]{{1,3}}?)(?P<kind>(?:(?:{_SHAPE_MOD})?(?:{_SHAPE_WORD}))+)")
_SHAPE_KIND = re.compile(rf"(?:(?:{_SHAPE_MOD})?(?:{_SHAPE_WORD}))+")
_SHAPE_MOD_RE = re.compile(rf"(?:{_SHAPE_MOD})")
_MODIFIER_FLAGS = frozenset({"a", "b", "ad", "an", "t", "d", "m", "q"})


def firm_shape(text: str, inds: set[str]) -> str | None:
    """The firm ``text`` opens with when it is shaped like a company name: a trade name of
    two or three characters (one when the name is all there is: `X智能电机`) that is no
    modifier or industry word, then what the firm does (`鸿澄新材料…` -> `鸿澄新材料`)."""
    m = _SHAPE.match(text)
    if m is None:
        return None
    trade, firm = m.group("trade"), m.group()
    whole = re.fullmatch(r"(项目|工程)?", text[m.end():]) is not None
    if len(trade) == 1 and not (whole and len(m.group("kind")) >= 4):
        return None
    if trade in inds or firm in inds or trade in GENERIC_WORD_SET or _SHAPE_KIND.fullmatch(trade):
        return None  # `智能家居`: what firms do, no trade name
    if re.search(r"[区园港市县型性化级类式]$", trade) or len(trade) not in word_starts(text):
        return None  # `澄川|林浆纸`: the trade name would cut a word
    if len(trade) == 2 and set(trade) <= _PROVINCE_ABBREV:
        return None  # `粤桂`: two provinces, no trade name
    from gxatlas.segment import tokenizer

    if tokenizer().FREQ.get(trade, 0) >= 3000:
        return None  # `农村`, `现代`: a common word, no trade name
    words = pos_cut(trade)
    if all(f in _MODIFIER_FLAGS for _, f in words) or any(w in inds for w, _ in words):
        return None
    return firm


def _unknown_word(word: str) -> bool:
    """A piece jieba guessed (not in its dictionary) or a single character."""
    from gxatlas.segment import tokenizer

    return len(word) == 1 or not tokenizer().FREQ.get(word)


def _with_short_tail(firm: str, words: list[tuple[str, str]], rest: str, gaz: Gazetteer,
                     inds: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """`华信|大|锰|80万吨…` -> `华信大锰`: single characters after a firm's name, up to
    four characters in all, are part of it when a number or a place comes right after."""
    tail = ""
    k = 0
    while (k < len(words) and len(words[k][0]) == 1 and len(firm + tail) < 4
           and "\u4e00" <= words[k][0] <= "\u9fff" and words[k][0] not in inds
           and words[k][1] not in ("p", "c", "u", "f", "m", "q", "r", "uv", "ul", "uj")):
        tail += words[k][0]
        k += 1
    if not tail or len(firm + tail) > 4 or k >= len(words):
        return firm, words
    nxt = rest.find(words[k][0], len(firm + tail))
    if words[k][1] == "m" or (nxt >= 0 and gaz.match_place(rest, nxt)):
        return firm + tail, words[k:]
    return firm, words


def _only_generic_words(name: str, inds: set[str]) -> bool:
    """`钢铁集团`, `智慧`: modifiers and industry words only, no trade name."""
    stem = re.sub("(" + "|".join(_FIRM_WORDS) + ")$", "", name) or name
    if all(w in inds or w in GENERIC_WORD_SET for w, _ in pos_cut(stem)):
        return True
    return not stem.startswith("中") and is_generic(stem)


def _trade_part(name: str, gaz: Gazetteer) -> str:
    """A legal name without the places it opens with (`广西博宇家居有限公司` -> `博宇家居有限公司`)."""
    pos = 0
    while (hit := gaz.match_place(name, pos)) is not None:
        pos = hit[0] + (1 if name[hit[0]:hit[0] + 1] in ("市", "县") else 0)
    return name[pos:]


def _firm_key(name: str) -> str:
    """One key for a firm's spellings (`鸿澄集团` = `鸿澄`)."""
    return re.sub(r"(集团|股份|控股)?(有限责任公司|股份有限公司|有限公司|公司)?$", "", name) or name


# --- lists of firms ---------------------------------------------------------------------------

_CLAUSE_STOP = re.compile(r"[。，,；;：:\n!?！？]")
_LIST_ITEM_BAD = re.compile(r"\d|[“”\"《》]|的|项目|工程|企业$")


@functools.lru_cache(maxsize=1)
def _closed_list() -> re.Pattern[str]:
    lex = lexicon()
    return re.compile(rf"等(?P<mod>[^。，,；;：:、\n等的]{{0,12}}?)(?P<head>{lex.alternation('firm_list_heads')})"
                      rf"(?!{lex.alternation('firm_head_continuations')})")


def _clause_before(text: str, end: int, *, limit: int = 200) -> int:
    start = max(0, end - limit)
    stops = [m.end() for m in _CLAUSE_STOP.finditer(text, start, end)]
    return stops[-1] if stops else start


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the 、-separated items of ``text[start:end]`` (a final 和/及 item split off),
    the first without the verb that opens the clause."""
    spans: list[tuple[int, int]] = []
    pos = start
    for m in re.finditer("、", text[start:end]):
        spans.append((pos, start + m.start()))
        pos = start + m.end()
    spans.append((pos, end))
    if len(spans) >= 2:
        s, e = spans[-1]
        j = re.search(r"(?:以及|和|及|与)", text[s:e])
        if j and j.start() >= 2:
            spans[-1:] = [(s, s + j.start()), (s + j.end(), e)]
    s0, e0 = spans[0]
    spans[0] = (strip_leading_function_words(text, s0, e0), e0)
    return [(s, e) for s, e in spans if e > s]


def list_item_ok(name: str, gaz: Gazetteer) -> bool:
    """An item of a list of firms names one: a short name, not a place, not industry or
    generic words alone, no figures, quotes or clause."""
    inds = set(industry_words())
    if not 2 <= len(name) <= 16 or name in inds or _LIST_ITEM_BAD.search(name):
        return False
    if _is_generic_item(name, inds) or _place_and_industry(name, gaz, inds):
        return False
    place = gaz.match_place(name, 0)
    if place and place[0] >= len(name) - 1:
        return False
    words = pos_cut(name)
    return not (words and is_function_word(*words[0]) and firm_shape(name, inds) != name)


def tags_in(text: str) -> tuple[str, ...]:
    """The enterprise tiers ``text`` words (`国家级专精特新“小巨人”`, `龙头企业`…)."""
    tags = lexicon().map("enterprise_tags")
    found: list[str] = []
    rest = text
    for word in sorted(tags, key=len, reverse=True):
        if word in rest:
            found.append(tags[word])
            rest = rest.replace(word, "")
    return tuple(dict.fromkeys(found))


def _closed_list_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    """`A、B、C等一批知名企业`, `A、B等6家企业`: every item of a list closed by 等 and a word
    for firms is a firm (with the tiers the closing words give)."""
    out: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    for m in _closed_list().finditer(text):
        start = _clause_before(text, m.start())
        tags = tags_in(m.group("mod") + m.group("head"))
        for s, e in _items(text, start, m.start()):
            name = text[s:e].strip()
            if list_item_ok(name, gaz):
                out.append((s, e, display_name(name), "列举:等…企业", tags))
    return out


def _shaped_list_mentions(text: str, gaz: Gazetteer) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    """A 、-list most of whose items are shaped like firms (`A集团`, `B新材料`, `C汽车`):
    every item is a firm."""
    inds = set(industry_words())
    out: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    for clause in re.finditer(r"[^。，,；;：:\n!?！？]{6,300}", text):
        first = clause.group().find("、")
        if first < 0:
            continue
        cut = clause.group().find("等", first)
        end = clause.start() + cut if cut > 0 else clause.end()
        raw = text[clause.start():end].split("、")
        if 3 * sum(1 for r in raw if _COMPANY.search(r[-4:]) or _SHAPE.search(r)) < 2 * len(raw):
            continue  # cheap test before the segmentation below
        items = _items(text, clause.start(), end)
        names = [text[s:e].strip() for s, e in items]
        shaped = [n for n in names if _COMPANY.search(n[-4:] if n else "") or firm_shape(n, inds) == n]
        if len(items) < 2 or 3 * len(shaped) < 2 * len(items):
            continue
        for (s, e), n in zip(items, names):
            if list_item_ok(n, gaz):
                out.append((s, e, display_name(n), "列举:企业形名称", ()))
    return out


_PROJECT_WORD = re.compile(r"(项目|工程|基地|园区?|中心|广场|城|线|厂|站|港|码头|路|铁路|公路|大道|桥|医院|学校|楼|馆|期"
                           r"|仓|平台|系统|应用|市场|街|区|库|所|院|网|场|电站|超市)$")


def _firms_listed_as_projects(projects: Iterable[tuple[int, int, str]], gaz: Gazetteer
                              ) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    """`A电子科技、B、C等重点项目落户`: a project named by its firm alone (no word for what is
    built) is that firm too."""
    inds = set(industry_words())
    out: list[tuple[int, int, str, str, tuple[str, ...]]] = []
    for s, e, name in projects:
        if _PROJECT_WORD.search(name) or _INFRA_END.search(name) or len(name) > 10:
            continue
        if firm_shape(name, inds) == name or (len(name) <= 4 and list_item_ok(name, gaz)
                                              and _rare(pos_cut(name)[0][0])):
            out.append((s, e, name, "项目以企业名", ()))
    return out


_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def _rare(word: str) -> bool:
    """A word the segmenter's dictionary does not know, or knows as a rare one (trade names)."""
    from gxatlas.segment import tokenizer

    return len(word) >= 2 and tokenizer().FREQ.get(word, 0) < 600


def trade_name(name: str, gaz: Gazetteer) -> str | None:
    """The firm a project is named after when its words say so (`A高精度铜箔线` -> `A`,
    `B生物酶制剂加工` -> `B生物`): after the places it opens with, a run of rare words (a trade
    name the dictionary does not know), then the words for what firms do (`电子`, `工业`)."""
    from gxatlas.segment import tokenizer

    freq = tokenizer().FREQ
    pos = 0
    while (hit := gaz.match_place(name, pos)) is not None and hit[1].level != "country":
        pos = hit[0] + (1 if name[hit[0]:hit[0] + 1] in ("市", "县") else 0)
    inds = set(industry_words())
    words = pos_cut(name[pos:])
    trade = ""
    k = 0
    unknown = False
    while (k < len(words) and len(words[k][0]) >= 2 and freq.get(words[k][0], 0) < 300
           and _HAN_ONLY.fullmatch(words[k][0]) and words[k][0] not in inds
           and not _SHAPE_KIND.search(words[k][0]) and not _SHAPE_MOD_RE.match(words[k][0])
           and not gaz.match_place(words[k][0], 0) and len(trade) < 4):
        unknown |= freq.get(words[k][0], 0) == 0 or words[k][1] in ("nr", "nrt", "nrfg")
        trade += words[k][0]
        k += 1
    if len(trade) < 2 or not unknown:
        return None
    while k < len(words) and _SHAPE_KIND.fullmatch(words[k][0]):
        trade += words[k][0]
        k += 1
    return _checked_investor(trade, gaz)


def extract_enterprises(doc: Document, *, gaz: Gazetteer, ctx: CityContext,
                        projects: list[tuple[int, int, str]] = ()) -> list[Fact]:
    """Enterprise facts of ``doc``, one per firm (spellings merged), with the city where it is
    or operates; ``projects`` (spans and names) add the firms projects are named after."""
    text = doc.text
    seen: dict[str, Fact] = {}
    investors = [(s, e, n, f) for s, e, n in projects if not _INFRA_END.search(n)
                 and (f := investor_of(n, gaz) or trade_name(n, gaz))]
    invested = [(i, i + len(f), f) for s, e, _, f in investors if (i := text.find(f, s, e)) >= 0]
    # the city of a firm named in a project is the project's (`中澄梧州热电项目` -> 梧州)
    project_city = {f: park_city(n, s, gaz=gaz, ctx=ctx) for s, _, n, f in investors if gaz.find_places(n)}
    companies = _company_mentions(text, gaz)
    # a firm a project is named after that is the trade name of a legal name the document
    # gives (`博宇家居…项目` and `广西博宇家居有限公司`) is a spelling of that firm
    legal = {n: _trade_part(n, gaz) for _, _, n in companies if n.endswith(("有限公司", "有限责任公司"))}
    spelling_of = {f: n for _, _, f in invested for n, trade in legal.items()
                   if len(f) >= 2 and trade.startswith(f) and f != n}
    invested = [m for m in invested if m[2] not in spelling_of]

    def tagged(ms: list[tuple[int, int, str]], reason: str) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
        return [(s, e, n, reason, ()) for s, e, n in ms]

    mentions = sorted(tagged(companies, "公司形式") + tagged(_list_mentions(text, gaz), "列举:引导词")
                      + tagged(invested, "项目名中的投资方") + tagged(_dash_mentions(text, gaz), "列举:破折号")
                      + tagged(_stock_code_mentions(text, gaz), "股票代码")
                      + tagged(_subject_mentions(text, gaz), "业务主语")
                      + _closed_list_mentions(text, gaz) + _shaped_list_mentions(text, gaz)
                      + _firms_listed_as_projects(projects, gaz))
    institution = lexicon().pattern("institution_endings", suffix="$")
    for start, end, name, reason, tags in mentions:
        if len(name) < 2 or institution.search(name):
            continue  # `A大学`, `B管委会`: no enterprise
        key = _firm_key(name)
        if key in seen:
            first = seen[key]
            if name != first.name and name not in first.aliases:
                first = replace(first, aliases=(*first.aliases, name))
            if reason not in first.reasons:
                first = replace(first, reasons=(*first.reasons, reason))
            if tags:
                old = tuple(first.values.get("tags") or ())
                first = replace(first, values={**first.values, "tags": tuple(dict.fromkeys(old + tags))})
            seen[key] = first
            continue
        city = project_city.get(name) or park_city(name, start, gaz=gaz, ctx=ctx, province_means_unknown=True)
        tags = tuple(dict.fromkeys(tags + tags_in(text[_clause_before(text, start, limit=30):start])))
        seen[key] = Fact(type="enterprise", name=name, evidence=evidence(doc, start, end),
                         values=as_values("enterprise", {"city": city, "tags": tags or None}),
                         reasons=(reason,))
    for short, full in spelling_of.items():
        fact = seen.get(_firm_key(full))
        if fact is not None and short not in fact.aliases:
            seen[_firm_key(full)] = replace(fact, aliases=(*fact.aliases, short))
    return list(seen.values())


@component("enterprise", needs=("project_mentions", "places", "city_context"), provides=("enterprise",))
def enterprise_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Companies and groups by the name used, with the city where the text places them."""
    return extract_enterprises(ad.doc, gaz=ad.gazetteer, ctx=ad.city_context,
                               projects=list(inputs["project_mentions"].spans))
