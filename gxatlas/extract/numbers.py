"""Numbers as Chinese planning documents write them.

Arabic and Chinese numerals (:func:`cn_number`, on isolated number spans only), 万/亿 scales, fractions
(`六分之一`), percentages, ranges (`1—2家`), ratios (`15:43:42`), periods (`2022年1-6月`),
plan periods (`“十三五”期末`) and the comparator implied by the wording around a number
(`超过`, `以上`, `不低于` → `>=`; `降至`, `控制在…以内`, `以下`, `近` → `<=`; `约` → `=`), and
changes (`下降18%`).
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

__all__ = [
    "Quantity",
    "Period",
    "parse_number",
    "cn_number",
    "find_quantities",
    "find_periods",
    "find_years",
    "plan_period_years",
    "comparator_of",
    "UNITS",
]

# Units an indicator is stated in, longest first when compiled. Scales (万/亿/千亿…) are read
# separately and kept in the unit as the document writes it (`亿元`, `万吨`).
_BASE_UNITS = (
    "吨标准煤", "吨标煤", "吨二氧化碳", "立方米", "平方公里", "平方千米", "平方米", "千瓦时", "千瓦",
    "兆瓦", "吉瓦", "标准箱", "标箱", "TEU", "km2", "km²", "公顷", "公里", "千米", "美元", "港元", "欧元",
    "元", "台套", "吨", "亩", "台", "辆", "户", "人次", "人", "家", "个", "项", "条", "对", "座", "所",
    "艘", "架", "套", "件", "种", "批", "次", "列", "班", "倍", "m2", "GW", "MW", "kW", "万",
)
_SCALES = ("万亿", "千亿", "百亿", "十亿", "千万", "百万", "十万", "亿", "万")
UNITS: tuple[str, ...] = tuple(sorted({s + u for s in ("",) + _SCALES for u in _BASE_UNITS
                                       if not (s and u == "万")}, key=len, reverse=True))
_SCALE_FACTOR = {"万亿": ("万亿", 1), "千亿": ("亿", 1000), "百亿": ("亿", 100), "十亿": ("亿", 10),
                 "千万": ("万", 1000), "百万": ("万", 100), "十万": ("万", 10), "亿": ("亿", 1),
                 "万": ("万", 1)}

_CN_MEASURES = frozenset("个家项条对座所批大种台辆艘架户") | {"万家", "万户", "万人", "人"}
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# digit runs are matched possessively (no backtracking into a run): linear on any input
_ARABIC = r"\d++(?:,\d{3})*+(?:\.\d++)?"
_CN = f"[{_CN_DIGITS}]++(?:点[{_CN_DIGITS}]++)?"
# the longest number read as a quantity: a longer digit run (an id, a hash, garbage) is none,
# and never overflows a float
MAX_DIGITS = 18


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000}


def _cn_integer(s: str) -> int | None:
    """A Chinese integer numeral (`一千二百`, `十三`, `三万五千`, `二〇二〇`), or None."""
    if not s:
        return None
    if len(s) > 1 and all(ch in _CN_DIGIT for ch in s):
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))  # digit by digit: 二〇二〇
    total = section = 0
    digit: int | None = None
    last_small = 10_000
    largest = 0
    for ch in s:
        if ch in _CN_DIGIT:
            if digit is not None and _CN_DIGIT[ch] != 0:
                return None  # two digits in a row (`三四`)
            digit = _CN_DIGIT[ch] or None
            if _CN_DIGIT[ch] == 0:
                last_small = 10_000  # 一千零五: after a zero any smaller unit may follow
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            if unit >= last_small or (digit is None and (unit != 10 or section)):
                return None  # `百十`, `十十`: only a leading 十 stands without a digit
            section += (1 if digit is None else digit) * unit
            digit, last_small = None, unit
        elif ch in _CN_LARGE:
            unit = _CN_LARGE[ch]
            if unit == largest or (section == 0 and digit is None and not (total and unit > largest)):
                return None
            if unit > largest:  # `一万亿`: a larger unit scales everything before it
                total, largest = (total + section + (digit or 0)) * unit, unit
            else:
                total += (section + (digit or 0)) * unit
            section, digit, last_small = 0, None, 10_000
        else:
            return None
    return total + section + (digit or 0)


@functools.lru_cache(maxsize=4096)
def cn_number(s: str) -> float | None:
    """A Chinese numeral (`一千二百`, `十三`, `三点五`, `二〇二〇`) as a number, or None."""
    if not s or s.count("点") > 1:
        return None
    whole, _, frac = s.partition("点")
    v = _cn_integer(whole)
    if v is None:
        return None
    if "点" in s:
        if not frac or any(ch not in _CN_DIGIT for ch in frac):
            return None
        return float(f"{v}." + "".join(str(_CN_DIGIT[ch]) for ch in frac))
    return float(v)


def parse_number(s: str) -> float | None:
    """An Arabic (`1,234.5`), Chinese (`一千二百`) or mixed (`8千`, `3.5万`) number, or None
    (None too for a run of more than ``MAX_DIGITS`` digits: no quantity is that long)."""
    s = s.strip().replace(",", "").replace("，", "")
    if not s or len(s) > 3 * MAX_DIGITS or sum(ch.isdigit() for ch in s) > MAX_DIGITS:
        return None
    m = _SCALED.fullmatch(s)
    if m:
        v = float(m.group(1))
        for ch in m.group(2):
            v *= {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}[ch]
        return v
    frac = _FRACTION_WORDS.fullmatch(s)
    if frac:
        den, num = parse_number(frac.group(1)), parse_number(frac.group(2))
        if den and num is not None:
            return num / den
        return None
    return cn_number(s)


def _plain(v: float) -> float | int:
    """``9793.0`` → ``9793``; other floats rounded to 6 places (JSON-friendly)."""
    r = round(v, 6)
    if abs(r) < 1e15 and r == int(r):
        return int(r)
    return r


@dataclass(frozen=True)
class Quantity:
    """A number read from text, with its unit and wording, at ``[start, end)`` of the text."""

    value: float | int | str  # a number, or a ratio such as "15:43:42"
    unit: str | None
    start: int
    end: int
    comparator: str | None = None  # ">=", "<=", "="
    low: float | int | None = None  # for ranges `1—2家`
    change: str | None = None  # "down" / "up" for `下降18%`, `增长10%`
    approx: bool = False
    text: str = ""


@dataclass(frozen=True)
class Period:
    """A time reference: a year, a year span (`2022年1-6月`), or a plan's end year."""

    year: int
    start: int
    end: int
    month_from: int | None = None
    month_to: int | None = None
    target: bool = False  # `到2020年`, `2025年前`: a target date
    reference: bool = False  # `比2010年`, `较2015年`, `是2010年的`: a year compared with

    def label(self) -> str:
        if self.month_from and self.month_to and self.month_to != self.month_from:
            return f"{self.year}-{self.month_from:02d}..{self.year}-{self.month_to:02d}"
        if self.month_from:
            return f"{self.year}-{self.month_from:02d}"
        return str(self.year)


_RATIO = re.compile(r"(?<![\d.])\d++(?:\.\d++)?(?:\s*+[:∶︰]\s*+\d++(?:\.\d++)?){1,3}+(?![\d.:])")
_FRACTION = re.compile(f"(?<![\\d.,{_CN_DIGITS}])({_CN}|{_ARABIC})分之({_CN}|{_ARABIC})")
_PCT_RANGE = re.compile(r"(?<![\d.])(\d++(?:\.\d++)?)%\s*+[-—~～至到]\s*+(\d++(?:\.\d++)?)%")
_NUM = re.compile(
    rf"(?P<num>{_ARABIC}|[两三四五六七八九十][{_CN_DIGITS}]*|一[{_CN_DIGITS}]+)"
    rf"(?:\s*(?P<dash>[-—~～至到])\s*(?P<num2>{_ARABIC}))?"
    r"(?P<more>多|余)?"
)
_UNIT_WORDS = frozenset(("%", "‰", "个百分点") + UNITS + ("大",))
_UNIT_LONGEST = max(map(len, _UNIT_WORDS))


def _unit_at(text: str, pos: int) -> str | None:
    """The longest unit starting at ``pos`` (a dictionary lookup per length, not a regex
    alternation of every unit)."""
    for k in range(min(_UNIT_LONGEST, len(text) - pos), 0, -1):
        if text[pos:pos + k] in _UNIT_WORDS:
            return text[pos:pos + k]
    return None
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?:\s*(\d{1,2})\s*(?:[-—~至到]\s*(\d{1,2}))?\s*月)?")
_TARGET_BEFORE_YEAR = re.compile(r"(?:到|至|截至|截止|力争|预计|计划|争取|目标)\s*$")
_TARGET_AFTER_YEAR = re.compile(r"^(?:前|末|底|期末|年底前|[,，]?(?:力争|争取|预计|计划|要|将))")
_PLAN = re.compile(r"[“\"]?([一二三四五六七八九十]{2,3})五[”\"]?(?:时期|期间)?(末|期末|初|以来|期间|时期)?")

_SCALED = re.compile(r"(\d++(?:\.\d++)?)([十百千万亿]*+)")
_FRACTION_WORDS = re.compile(r"(.+)分之(.+)")
_DOWN = re.compile(r"(?:下降|降低|减少|缩减|回落)了?$")
_UP = re.compile(r"(?:增长|增加|提高|提升|上升|增速为?|增幅为?)了?$")
_DATE_OR_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}月\d{1,2}日|(?<![\d:.])\d{1,2}:\d{2}(?![:\d.])")
_COLON = re.compile(r"\s*[:∶︰]\s*")
_REFERENCE_BEFORE = re.compile(r"(?:表|图|专栏|附件|附表|第|号|No\.?)\s*$")
_BARE_SCALE = re.compile(r"(?<![\d十百千万亿两三四五六七八九一])(万|千|百)(家|个|项|户|人)(?=以上|多|余)")
_AS_OF = re.compile(r"(?:截至|截止|截止到|截至到|增加到|提高到|上升到|增长到|下降到|降低到|减少到|扩大到)\s*$")
_REFERENCE_YEAR = re.compile(r"(?:比|较|同比|相比|与|是|为)$")
# a cheap test that a text may hold a quantity at all (most sentences hold none)
_MAY_HOLD_NUMBER = re.compile(r"[\d两三四五六七八九十]|[万千百][家个项户人]")

_GE_BEFORE = ("超过", "超", "突破", "逾", "不低于", "不少于", "至少", "高于", "多于", "大于")
_GE_AFTER = ("以上", "多", "余", "左右以上")
_LE_BEFORE = ("降至", "降低到", "下降到", "控制在", "不超过", "不高于", "低于", "少于", "近", "接近", "小于")
_LE_AFTER = ("以内", "以下")


def comparator_of(before: str, after: str) -> str | None:
    """The comparator the words just before and after a number give it, if any."""
    b, a = before[-6:], after[:4]
    if a.startswith(_GE_AFTER) or b.endswith(_GE_BEFORE):
        return ">="
    if a.startswith(_LE_AFTER) or b.endswith(_LE_BEFORE):
        return "<="
    if b.endswith(("约", "大约", "约为", "约占")):
        return "="
    return None


def _change_of(before: str) -> str | None:
    b = before[-4:]
    if _DOWN.search(b):
        return "down"
    if _UP.search(b):
        return "up"
    return None


class _Taken:
    """Non-overlapping spans taken so far, with overlap tests in O(log n): finding quantities
    stays n·log n in the text however many numbers it holds. Spans come in passes (years,
    dates, ratios, numbers…), each in increasing order; a pass's spans are merged in when the
    next pass starts."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []
        self._new: list[tuple[int, int]] = []

    def append(self, span: tuple[int, int]) -> None:
        if self._new and span[0] < self._new[-1][0]:
            self._spans = sorted(self._spans + self._new)
            self._new = []
        self._new.append(span)

    @staticmethod
    def _free_in(spans: list[tuple[int, int]], s: int, e: int) -> bool:
        i = bisect.bisect_left(spans, (e,)) - 1
        return i < 0 or spans[i][1] <= s

    def free(self, s: int, e: int) -> bool:
        return self._free_in(self._spans, s, e) and self._free_in(self._new, s, e)


def find_quantities(text: str) -> list[Quantity]:
    """Every number with a unit (or a ratio) in ``text``, in order, not overlapping.

    Years (`2020年`) and months/days of dates are not quantities; see :func:`find_periods`.
    """
    if not _MAY_HOLD_NUMBER.search(text):
        return []
    out: list[Quantity] = []
    taken = _Taken()
    free = taken.free

    for m in _YEAR.finditer(text):
        taken.append(m.span())
    for m in _DATE_OR_TIME.finditer(text):
        taken.append(m.span())
    for m in _RATIO.finditer(text):
        if not free(*m.span()):
            continue
        val = _COLON.sub(":", m.group())
        parts = [float(p) for p in val.split(":")]
        if len(parts) == 2 and all(p < 25 for p in parts) and text[m.end():m.end() + 1] != "%":
            continue  # a clock time such as 14:40, not a ratio
        out.append(Quantity(value=val, unit=None, start=m.start(), end=m.end(), text=m.group()))
        taken.append(m.span())
    for m in _PCT_RANGE.finditer(text):  # `8%-8.5%`: a range of rates, its upper bound the value
        if not free(*m.span()):
            continue
        lo, hi = parse_number(m.group(1)), parse_number(m.group(2))
        if lo is None or hi is None:
            continue
        before = text[max(0, m.start() - 8):m.start()]
        out.append(Quantity(value=_plain(hi), unit="%", start=m.start(), end=m.end(),
                            comparator=comparator_of(before, text[m.end():m.end() + 6]),
                            low=_plain(lo), change=_change_of(before), text=m.group()))
        taken.append(m.span())
    for m in _FRACTION.finditer(text):
        if not free(*m.span()):
            continue
        den, num = parse_number(m.group(1)), parse_number(m.group(2))
        if not den or num is None:
            continue
        before = text[max(0, m.start() - 6):m.start()]
        out.append(Quantity(value=_plain(100 * num / den), unit="%", start=m.start(), end=m.end(),
                            comparator=comparator_of(before, text[m.end():m.end() + 4]) or "=",
                            approx=True, text=m.group()))
        taken.append(m.span())
    for m in _NUM.finditer(text):
        s, e = m.span()
        if not free(s, e):
            continue
        num = m.group("num")
        if num[0].isdigit() and s > 0 and (text[s - 1].isdigit() or text[s - 1] == "."):
            continue
        if _REFERENCE_BEFORE.search(text, max(0, s - 3), s):
            continue  # `表1所示`, `第3条`: references, not quantities
        unit = _unit_at(text, e)
        if num[0] not in "0123456789" and (unit is None or unit not in _CN_MEASURES):
            continue  # Chinese numerals count only before a measure word
        if unit is None:
            continue
        end = e + len(unit)
        v = parse_number(num)
        if v is None:
            continue
        low = None
        if m.group("num2"):
            v2 = parse_number(m.group("num2"))
            if v2 is None:
                continue
            low, v = _plain(v), v2
        if unit == "大":
            unit = "个"
        # a trailing scale word belongs to the value when the unit is bare (`8千亿元`)
        for sc, (keep, factor) in _SCALE_FACTOR.items():
            if unit.startswith(sc) and factor != 1 and len(unit) > len(sc):
                unit, v = keep + unit[len(sc):], v * factor
                break
        before = text[max(0, s - 8):s]
        after = text[end:end + 6]
        cmp_ = comparator_of(before, after)
        if m.group("more"):
            cmp_ = ">="
        out.append(Quantity(value=_plain(v), unit=unit, start=s, end=end, comparator=cmp_,
                            low=low, change=_change_of(before),
                            approx=bool(m.group("more")) or before.endswith(("约", "近", "接近")),
                            text=text[s:end]))
        taken.append((s, end))
    # `万家以上`: a scale with no digits before a counted unit
    for m in _BARE_SCALE.finditer(text):
        if free(*m.span()):
            v = {"万": 10_000, "千": 1000, "百": 100}[m.group(1)]
            out.append(Quantity(value=v, unit=m.group(2), start=m.start(), end=m.end(),
                                comparator=">=", text=m.group()))
    out.sort(key=lambda q: q.start)
    return out


def find_years(text: str) -> list[Period]:
    """The years of ``text`` (with months where given), each marked target or not."""
    out: list[Period] = []
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        mf = int(m.group(2)) if m.group(2) else None
        mt = int(m.group(3)) if m.group(3) else mf
        if mf is not None and not 1 <= mf <= 12 or mt is not None and not 1 <= mt <= 12:
            mf = mt = None
        before = text[max(0, m.start() - 4):m.start()]
        after = text[m.end():m.end() + 4]
        before = text[max(0, m.start() - 6):m.start()]
        as_of = bool(_AS_OF.search(before))
        target = not as_of and bool(_TARGET_BEFORE_YEAR.search(before)) or (
            bool(_TARGET_AFTER_YEAR.match(after)) and not before.endswith(("截至", "截止")))
        reference = bool(_REFERENCE_YEAR.search(before)) or after.startswith("的")
        out.append(Period(year=year, start=m.start(), end=m.end(), month_from=mf, month_to=mt,
                          target=target, reference=reference))
    for first, last, s, e in plan_period_years(text):
        tail = text[s:e]
        if not tail.endswith("末"):
            continue
        before = text[max(0, s - 4):s]
        out.append(Period(year=last, start=s, end=e,
                          target=bool(_TARGET_BEFORE_YEAR.search(before))))
    out.sort(key=lambda p: p.start)
    return out


find_periods = find_years


def plan_period_years(text: str) -> list[tuple[int, int, int, int]]:
    """Five-year plans named in ``text`` (`“十三五”`): (first_year, last_year, start, end)."""
    out = []
    for m in _PLAN.finditer(text):
        n = cn_number(m.group(1))
        if n is None or not 6 <= n <= 20:
            continue
        first = 1981 + 5 * (int(n) - 6)  # 六五 = 1981-1985 … 十三五 = 2016-2020
        out.append((first, first + 4, m.start(), m.end()))
    return out
