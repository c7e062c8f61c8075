"""Enterprises: companies and groups, by the name the document uses.

Two patterns of administrative writing carry them: company forms (`广西五丰机械有限公司`,
`中石油广西石化公司`, `广西投资集团`, `钦州炼油厂`) and lists of leading firms
(`以A、B、C等龙头企业`, `以玉柴为龙头`, `引进A、B`), whose items are short names.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Mapping

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
# `柳工海外业务总体营收达38亿元`, `A出口近3.3万辆`: a firm as the subject of its business
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
    """`防城港钢铁`: a place and industry words name an industry there, not a firm."""
    hit = gaz.match_place(name, 0)
    if hit is None or hit[0] >= len(name) or hit[1].level == "country":
        return False  # `中国电子`, `韩国斗山…` are firms
    rest = name[hit[0]:].lstrip("市县")
    return bool(rest) and (all(w in inds for w, _ in pos_cut(rest)) or _SHAPE_KIND.fullmatch(rest) is not None)


# Words a firm's trade name carries on into its short name (`大海粮油`, `金川集团`).
_FIRM_WORDS = ("集团", "股份", "控股", "粮油", "新材料", "重工", "科技", "电子", "能源", "实业", "钢铁", "化工",
               "饲料", "食品", "药业", "电器", "矿业", "铝业", "纸业", "糖业", "船厂", "糖厂")
# Province abbreviations: `粤桂`, `川渝` name a pair of provinces, not a firm.
_PROVINCE_ABBREV = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台")
# Infrastructure is named after places and lines, not investors.
_INFRA_END = re.compile(r"(铁路|高铁|客专|公路|高速|运河|机场|码头|船闸工程|号线|扩能改造|增建二线)$|铁路|核电|风电")
GENERIC_WORD_SET = frozenset(GENERIC_WORDS)
_INVESTOR_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt", "j", "nz", "g"})


def investor_of(name: str, gaz: Gazetteer) -> str | None:
    """The firm a project is named after (`钦州中石油1000万吨炼油` -> `中石油`,
    `比亚迪碳酸锂` -> `比亚迪`, `中冶十九项目` -> `中冶十九`): after the places it opens with,
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
        firm += words[0][0]  # `中冶十九`
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
_SHAPE_MOD = "智能|新能源|信息|数字|光电|生物"
_SHAPE_WORD = ("科技|电子|电机|电能|电器|电气|新材料|重工|机械|汽车|粮油|能源|实业|钢铁|化工|饲料|食品|药业|制药"
               "|矿业|铝业|铜业|锡业|锌业|镍业|锰业|纸业|糖业|木业|酒业|乳业|浆纸|光电|通信|动力|控股|股份|集团")
_SHAPE = re.compile(rf"(?P<trade>[\u4e00-\u9fff]{{1,3}}?)(?P<kind>(?:{_SHAPE_MOD})?(?:{_SHAPE_WORD}))")
_SHAPE_KIND = re.compile(rf"(?:{_SHAPE_MOD})?(?:{_SHAPE_WORD})")
_MODIFIER_FLAGS = frozenset({"a", "b", "ad", "an", "t", "d", "m", "q"})


def firm_shape(text: str, inds: set[str]) -> str | None:
    """The firm ``text`` opens with when it is shaped like a company name: a trade name of
    two or three characters (one when the name is all there is: `X智能电机`) that is no
    modifier or industry word, then what the firm does (`诚德新材料…` -> `诚德新材料`)."""
    m = _SHAPE.match(text)
    if m is None:
        return None
    trade, firm = m.group("trade"), m.group()
    whole = re.fullmatch(r"(项目|工程)?", text[m.end():]) is not None
    if len(trade) == 1 and not (whole and len(m.group("kind")) >= 4):
        return None
    if trade in inds or firm in inds or trade in GENERIC_WORD_SET:
        return None
    if re.search(r"[区园港市县型性化级类式]$", trade) or len(trade) not in word_starts(text):
        return None  # `金桂|林浆纸`: the trade name would cut a word
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
    """`中信|大|锰|140万吨…` -> `中信大锰`: single characters after a firm's name, up to
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
    """One key for a firm's spellings (`玉柴集团` = `玉柴`)."""
    return re.sub(r"(集团|股份|控股)?(有限责任公司|股份有限公司|有限公司|公司)?$", "", name) or name


def extract_enterprises(doc: Document, *, gaz: Gazetteer, ctx: CityContext,
                        projects: list[tuple[int, int, str]] = ()) -> list[Fact]:
    """Enterprise facts of ``doc``, one per firm (spellings merged), with the city where it is
    or operates; ``projects`` (spans and names) add the firms projects are named after."""
    text = doc.text
    seen: dict[str, Fact] = {}
    investors = [(s, e, n, f) for s, e, n in projects if not _INFRA_END.search(n) and (f := investor_of(n, gaz))]
    invested = [(i, i + len(f), f) for s, e, _, f in investors if (i := text.find(f, s, e)) >= 0]
    # the city of a firm named in a project is the project's (`中电投钦州热电项目` -> 钦州)
    project_city = {f: park_city(n, s, gaz=gaz, ctx=ctx) for s, _, n, f in investors if gaz.find_places(n)}
    companies = _company_mentions(text, gaz)
    # a firm a project is named after that is the trade name of a legal name the document
    # gives (`博宇家居…项目` and `广西博宇家居有限公司`) is a spelling of that firm
    legal = {n: _trade_part(n, gaz) for _, _, n in companies if n.endswith(("有限公司", "有限责任公司"))}
    spelling_of = {f: n for _, _, f in invested for n, trade in legal.items()
                   if len(f) >= 2 and trade.startswith(f) and f != n}
    invested = [m for m in invested if m[2] not in spelling_of]
    mentions = sorted(companies + _list_mentions(text, gaz) + invested
                      + _dash_mentions(text, gaz) + _stock_code_mentions(text, gaz)
                      + _subject_mentions(text, gaz))
    for start, end, name in mentions:
        if len(name) < 2:
            continue
        key = _firm_key(name)
        if key in seen:
            first = seen[key]
            if name != first.name and name not in first.aliases:
                seen[key] = replace(first, aliases=(*first.aliases, name))
            continue
        city = project_city.get(name) or park_city(name, start, gaz=gaz, ctx=ctx, province_means_unknown=True)
        seen[key] = Fact(type="enterprise", name=name, evidence=evidence(doc, start, end),
                         values={"city": city})
    for short, full in spelling_of.items():
        fact = seen.get(_firm_key(full))
        if fact is not None and short not in fact.aliases:
            seen[_firm_key(full)] = replace(fact, aliases=(*fact.aliases, short))
    for name in gaz.known_enterprises:
        if _firm_key(name) not in seen and len(name) >= 2:
            i = text.find(name)
            if i >= 0:
                seen[_firm_key(name)] = Fact(type="enterprise", name=name, evidence=evidence(doc, i, i + len(name)),
                                  values={"city": park_city(name, i, gaz=gaz, ctx=ctx)})
    return list(seen.values())


@component("enterprise", needs=("project_mentions", "places", "city_context"), provides=("enterprise",))
def enterprise_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """Companies and groups by the name used, with the city where the text places them."""
    return extract_enterprises(ad.doc, gaz=ad.gazetteer, ctx=ad.city_context,
                               projects=list(inputs["project_mentions"].spans))
