"""Shared pieces of entity extraction: evidence spans, name boundaries and city context.

Chinese administrative prose names things as `<place or proper noun><descriptor><suffix>`
right after a verb (`加快建设梧州电子材料产业园`). The left edge of a name is found by
walking back from its suffix over name characters, stopping at punctuation, and cutting at
the last verb or function word; a name anchored at a region keeps everything from the region on.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from gxatlas.extract.facts import Evidence
from gxatlas.extract.gazetteer import Gazetteer, Place
from gxatlas.ingest.document import Document
from gxatlas.names import canonical_name

# Characters a name can be made of: CJK, Latin letters, digits, dashes, brackets, dots.
NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9—\-·()（）]")
# Verbs and function words that end the text before a name (the name starts after them).
BREAK_WORDS = (
    "加快推进", "加快建设", "积极推进", "重点建设", "规划建设", "启动建设", "抓紧实施", "大力发展",
    "建设", "打造", "加快", "支持", "推进", "推动", "依托", "实施", "提升", "培育", "形成",
    "创建", "申报", "设立", "布局", "引导", "鼓励", "完善", "加强", "构建", "建成", "筹建", "抓紧",
    "围绕", "结合", "利用", "落户", "入驻", "承接", "包括", "其中", "着力", "大力", "努力", "力争",
    "争取", "全力", "优化", "壮大", "做大", "做强", "拓展", "加大", "成为", "作为", "位于", "以及",
    "依靠", "带动", "引进", "吸引", "对接", "融入", "共建", "新建", "续建", "扩建", "落地", "已有",
    "开工", "投产", "竣工", "启动", "完成", "实现", "进一步", "全面", "深入", "加速", "助力", "聚焦",
    "建立", "具有", "制定", "开展", "统筹", "明确", "事关", "反映", "解决", "推行", "符合", "宣传",
    "推介", "助推", "束缚", "凸显", "下属", "旗下", "服务好", "区内", "经济区内", "所属", "入股", "子公司", "争创", "申建", "获评", "荣获", "授予", "命名为", "列入", "纳入",
    "瞄准", "面向", "通过", "按照", "根据", "依据", "目前", "同时", "已经", "正在", "获批", "批复",
    "批准", "成立", "入选", "认定", "获得", "谋划", "促进", "探索", "研究", "推广", "做好", "抓好",
    "还", "并", "和", "与", "及", "或", "的", "以", "在", "将", "把", "对", "由", "为", "等", "是",
    "从", "到", "于", "了", "其", "该", "这", "被", "让", "使", "给", "即", "若", "所", "又", "也",
    "而", "且", "就", "要",
)
# Words that end a preceding phrase only when no region comes before them in the window
# (`甲县特色产业示范区` keeps its 特色; `重点发展X产业园` does not).
WEAK_BREAK_WORDS = ("重点", "积极", "发展", "规划", "开放", "服务", "合作", "联合", "特色", "首批",
                    "一批", "一个", "两个", "个", "家", "各")
_BREAK_RE = re.compile("|".join(sorted(map(re.escape, set(BREAK_WORDS)), key=len, reverse=True))
                       + r"|各(?!族)|[0-9一二三四五六七八九十两几多]+[个家批项大]|之[一二三四五六七八九十]")
_WEAK_RE = re.compile("|".join(sorted(map(re.escape, set(WEAK_BREAK_WORDS)), key=len, reverse=True)))
PUNCT_STOP = re.compile(r"[\s，。、；：:;,.!?！？“”\"'《》「」『』【】\[\]〔〕]")
_PARTNER = frozenset("马新泰越印老柬缅菲文德法英日韩欧俄非")
_CN_ANCHOR = re.compile(r"中国|中[马新泰越印老柬缅菲文德法英日韩欧俄非][（(—\-一]|粤港澳|粤桂|桂台|北部湾|西江|珠江")


def evidence(doc: Document, start: int, end: int, *, alignment: str = "exact",
             reason: str | None = None) -> Evidence:
    """Evidence for ``doc.text[start:end]``, mapped back to the original text."""
    start = max(0, min(start, len(doc.text)))
    end = max(start, min(end, len(doc.text)))
    try:
        o_start, o_end = doc.to_original(start, end)
    except (ValueError, IndexError):
        o_start = o_end = None  # offsets table shorter than the text: keep the span unmapped
    return Evidence(doc=doc.name, start=start, end=end, alignment=alignment, reason=reason,
                    orig_start=o_start, orig_end=o_end, quote=doc.text[start:end][:200])


def display_name(raw: str) -> str:
    """A name as facts carry it: canonical (no spaces, `—` dashes) with Chinese brackets."""
    s = canonical_name(raw)
    s = s.replace("(", "（").replace(")", "）")
    return s.strip("—-·、 ")


def left_window(text: str, end: int, *, max_len: int = 24) -> int:
    """Start of the run of name characters that ends at ``end`` (at most ``max_len`` long)."""
    i = end
    depth = 0
    while i > 0 and end - i < max_len:
        ch = text[i - 1]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            if depth == 0:
                break
            depth -= 1
        elif ch == "\n" or not (NAME_CHAR.match(ch) or (depth and ch in "、,，")):
            break
        i -= 1
    return i if depth == 0 else end


def _last_break(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    best = start
    for m in pattern.finditer(text, start, end):
        if not _inside_brackets(text, start, m.start()):
            best = max(best, m.end())
    return best


def name_start(text: str, *, window_start: int, stem_end: int, gaz: Gazetteer) -> tuple[int, bool]:
    """Where a name ending in a suffix at ``stem_end`` starts, and whether a place anchors it.

    The name starts after the last verb or function word of the window; from there a region
    name (or `中国`, `中马（`...) anchors it. Without an anchor, weak words such as 重点 or 特色
    also end the preceding phrase.
    """
    cut = _last_break(_BREAK_RE, text, window_start, stem_end)
    a = anchor_start(text, cut, stem_end, gaz=gaz)
    if a is not None:
        if _inside_brackets(text, cut, a):
            return cut, True
        return a, True
    return _last_break(_WEAK_RE, text, cut, stem_end), False


def _inside_brackets(text: str, start: int, pos: int) -> bool:
    depth = 0
    for ch in text[start:pos]:
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
    return depth > 0


def anchor_start(text: str, start: int, end: int, *, gaz: Gazetteer) -> int | None:
    """The first region name or proper-noun anchor (`中国`, `中马（`) in ``text[start:end]``."""
    best: int | None = None
    m = _CN_ANCHOR.search(text, start, end)
    if m:
        best = m.start()
    bounds: set[int] | None = None
    for i in range(start, end):
        if best is not None and i >= best:
            break
        if gaz.match_place(text, i):
            if bounds is None:
                bounds = word_starts(text[start:end])
            if i - start not in bounds:
                continue  # `东北海岸`: a place name across two words is none
            # `中越百色产业园`, `中泰玉林产业园`: a two-country prefix before the place
            if i - 2 >= start and text[i - 2] == "中" and text[i - 1] in _PARTNER:
                i -= 2
            best = i
            break
    return best


@dataclass(frozen=True)
class CityContext:
    """Where prefecture cities are named in a document, to resolve a fact's city by context."""

    positions: tuple[int, ...]
    cities: tuple[str, ...]
    dominant: str | None
    paragraph_starts: tuple[int, ...]
    # per position: the county or county-level city named there (`横州`), else None
    counties: tuple[str | None, ...] = ()
    # the one prefecture city a document is about (nine in ten place names are in it)
    home: str | None = None
    # the prefecture city the document's profile says it is about (a text about one city or
    # county, not a province-wide one): a county-level city named in a fact is its city there
    about: str | None = None
    about_province: str | None = None

    @classmethod
    def of(cls, text: str, gaz: Gazetteer) -> CityContext:
        return cls.of_places(text, gaz.find_places(text))

    @classmethod
    def of_places(cls, text: str, places: Iterable[tuple[int, int, Place]],
                  about: str | None = None, about_province: str | None = None,
                  only_province: str | None = None) -> CityContext:
        """The context of ``text`` given the places found in it (start, end, place);
        ``about``: the prefecture city the document is about, when its profile knows one;
        ``only_province``: places of other provinces place nothing by context (a same-named
        place elsewhere: `北海` in a text about Shandong's 滨州)."""
        pos: list[int] = []
        cities: list[str] = []
        counties: list[str | None] = []
        every: list[str] = []
        for s, _, place in places:
            if place.city:
                every.append(place.city)
                if only_province and place.province not in (None, only_province):
                    continue
                pos.append(s)
                cities.append(place.city)
                counties.append(place.short_name if is_county(place) else None)
        counts = Counter(every)
        dominant = None
        if counts:
            (top, n), = counts.most_common(1)
            if n >= 3 and n >= 0.6 * sum(counts.values()):
                dominant = top
        paras = [0] + [m.end() for m in re.finditer(r"\n\s*\n", text)]
        home = dominant if dominant and counts[dominant] >= max(10, 0.9 * len(every)) else None
        return cls(positions=tuple(pos), cities=tuple(cities), dominant=dominant,
                   paragraph_starts=tuple(paras), counties=tuple(counties), home=home, about=about,
                   about_province=about_province)

    def paragraph_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.paragraph_starts, pos) - 1
        return self.paragraph_starts[max(i, 0)]

    def near(self, pos: int, *, window: int = 400) -> str | None:
        """The city named last before ``pos`` in its paragraph, else within ``window`` chars."""
        i = bisect.bisect_right(self.positions, pos) - 1
        if i >= 0:
            para = self.paragraph_start(pos)
            if self.positions[i] >= para or pos - self.positions[i] <= window:
                return self.cities[i]
        return self.dominant

    def local(self, city: str | None, pos: int, name_places: Iterable[Place] = ()) -> str | None:
        """The finer place of a fact in a document about one prefecture city: when ``city`` is
        that city, the county (县, 县级市) the name carries or that the paragraph names last before
        ``pos`` (`横州市将…推进A项目` -> 横州); otherwise ``city``."""
        if city is None or city != self.home:
            return city
        own = [p.short_name for p in name_places if is_county(p) and p.city == city]
        if own:
            return own[-1]
        para = self.paragraph_start(pos)
        i = bisect.bisect_right(self.positions, pos) - 1
        while i >= 0 and self.positions[i] >= para and self.cities[i] == city:
            if self.counties[i]:
                return self.counties[i]
            i -= 1  # the city itself named in passing (`梧州新型建材产业基地`)
        return city


def is_county(place: Place) -> bool:
    """A county or county-level city (`横州市`, `宾阳县`), not an urban district."""
    return place.level == "county" and place.name.endswith(("市", "县"))


_PROPER_FLAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nt", "eng", "x"})
_CUT_FLAGS = ("v", "p", "c", "u", "d", "r", "ad", "vd", "f", "m", "q")


@functools.lru_cache(maxsize=1)
def _pos_tokenizer() -> Any:
    import jieba.posseg

    from gxatlas.segment import tokenizer

    return jieba.posseg.POSTokenizer(tokenizer())


@functools.lru_cache(maxsize=4096)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """Words of ``text`` with their part-of-speech flags (jieba)."""
    return tuple((p.word, p.flag) for p in _pos_tokenizer().cut(text))


def proper_tail(stem: str) -> str | None:
    """The part of ``stem`` after its last verb or function word, if it starts with a proper
    noun (a place or a name jieba does not know as a common word); otherwise None."""
    words = pos_cut(stem)
    last = -1
    for i, (w, flag) in enumerate(words):
        if flag in _CUT_FLAGS or (flag.startswith("v") and flag != "vn"):
            last = i
    rest = words[last + 1:]
    if not rest:
        return None
    if rest[0][1] in _PROPER_FLAGS:
        return "".join(w for w, _ in rest)
    return None


def word_starts(text: str) -> set[int]:
    """Offsets in ``text`` where a word starts (jieba), and its end."""
    out = {0}
    pos = 0
    for w, _ in pos_cut(text):
        pos += len(w)
        out.add(pos)
    return out


@functools.lru_cache(maxsize=1)
def industry_words() -> tuple[str, ...]:
    """Names and synonyms of the bundled industry taxonomy (empty when it is not there)."""
    try:
        from gxatlas.data import load_industries
    except ImportError:  # the data loader is not there yet
        return ()
    try:
        inds = load_industries()
    except (OSError, ValueError) as err:  # a broken taxonomy file must not stop extraction
        logging.getLogger(__name__).warning("industries.yaml unreadable: %s", err)
        return ()
    words = {w for r in inds.records for w in (r.name, *r.synonyms) if len(w) >= 2}
    return tuple(sorted(words, key=len, reverse=True))


def strip_leading_function_words(text: str, start: int, end: int, *,
                                  keep: Callable[[str], bool] | None = None) -> int:
    """Start of a name in ``text[start:end]``: after the last break word, then past any
    leading verb, adverb, preposition or pronoun (jieba part of speech), unless ``keep``
    says the rest is a name as it stands (`爱X电子`: a trade name opening with a verb)."""
    pos = _last_break(_BREAK_RE, text, start, end)
    for w, flag in pos_cut(text[pos:end]):
        if keep is not None and keep(text[pos:end]):
            break
        if is_function_word(w, flag):
            pos += len(w)
        else:
            break
    return pos


def is_function_word(word: str, flag: str) -> bool:
    """A verb, adverb, preposition, pronoun... that cannot start a name. `中` tagged as a
    locative is kept: it opens many organisation names (`中冶`, `中船`, `中石油`)."""
    if flag == "f" and word == "中":
        return False
    return flag in _CUT_FLAGS or (flag.startswith("v") and flag != "vn")
