"""Units of measure shared by actuals import and entity resolution: spelling, family, scale.

A unit belongs to a family (money in 元, people, counts of things, area ...) with a factor to
the family's base unit, so that 7.3 万家 and 73000 家 are the same statement and 亿元 and %
are never the same indicator. Units outside the table are a family of their own.
"""

from __future__ import annotations

import unicodedata

PERCENT, POINTS = "%", "个百分点"

# Exact conversions: unit -> (family, factor to the family's base unit).
UNIT_SCALES: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0), "千元": ("money", 1e3), "万元": ("money", 1e4),
    "百万元": ("money", 1e6), "亿元": ("money", 1e8), "万亿元": ("money", 1e12),
    "美元": ("usd", 1.0), "万美元": ("usd", 1e4), "亿美元": ("usd", 1e8),
    "人": ("people", 1.0), "万人": ("people", 1e4),
    "吨": ("tonne", 1.0), "万吨": ("tonne", 1e4), "亿吨": ("tonne", 1e8),
    "平方米": ("area", 1.0), "公顷": ("area", 1e4), "平方公里": ("area", 1e6),
    "km2": ("area", 1e6), "km²": ("area", 1e6), "亩": ("area", 1e6 / 1500),
    "个": ("count", 1.0), "家": ("count", 1.0), "项": ("count", 1.0),
}
# Counts of things (家, 项, 条 ...) and of products (台, 辆 ...), with 万 and 亿 multiples: the
# same family for resolution; `convert` keeps to UNIT_SCALES above.
_COUNT = ("个", "家", "项", "座", "条", "所", "对", "种", "批", "户", "件", "次", "处")
_PRODUCT = ("台", "台套", "套", "辆", "艘", "架")
_FAMILIES: dict[str, tuple[str, float]] = {
    **{p + u: ("count", f) for u in _COUNT for p, f in (("", 1.0), ("万", 1e4), ("亿", 1e8))},
    **{p + u: ("product", f) for u in _PRODUCT for p, f in (("", 1.0), ("万", 1e4))},
    **UNIT_SCALES,
}


def normalize_unit(unit: str | None) -> str:
    """Canonical spelling of a unit: NFKC, no spaces, ``％`` -> ``%``, ``百分点`` -> ``个百分点``."""
    u = unicodedata.normalize("NFKC", str(unit or "")).strip().replace(" ", "")
    if u in ("百分点", "pp", "个百分点"):
        return POINTS
    if u in ("%", "百分比", "percent"):
        return PERCENT
    return u


def convert(*, value: float, unit: str, to: str) -> tuple[float | None, str | None]:
    """``value`` in ``unit`` expressed in ``to``: (converted, None) or (None, problem)."""
    src, dst = normalize_unit(unit), normalize_unit(to)
    if not src or not dst or src == dst:
        return value, None
    if {src, dst} == {PERCENT, POINTS}:
        return None, (f"单位“{src}”与指标单位“{dst}”不同：百分点是变化量，百分比是水平值，不能换算")
    a, b = UNIT_SCALES.get(src), UNIT_SCALES.get(dst)
    if a and b and a[0] == b[0]:
        return value * a[1] / b[1], None
    return None, f"单位“{src}”与指标单位“{dst}”不符，无法换算"


def unit_family(unit: str | None) -> str | None:
    """The family of a unit (``money``, ``count``, ``%`` ...); None when no unit is given."""
    u = normalize_unit(unit)
    if not u:
        return None
    return _FAMILIES.get(u, (u, 1.0))[0]


def in_base(value: float, unit: str | None) -> float:
    """``value`` in the base unit of its family (万家 -> 家); unknown units unchanged."""
    return value * _FAMILIES.get(normalize_unit(unit), ("", 1.0))[1]


def same_family(a: str | None, b: str | None) -> bool:
    """Whether two units can describe one indicator (an absent unit agrees with any)."""
    fa, fb = unit_family(a), unit_family(b)
    return fa is None or fb is None or fa == fb
