"""Growth maths: the one place for CAGR, required growth and projections.

Every other module (monitoring, audit, parks, reports) imports these functions rather than
writing ``(b / a) ** (1 / n) - 1`` again. Rates are fractions (0.1 means 10%); years are
calendar years. Functions return ``None`` where the maths has no answer (zero or negative
base, a sign change, fewer than two years) instead of raising, so callers can say why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

PROJECTION_METHODS = ("cagr", "linear")


def cagr(*, start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate from ``start`` to ``end`` over ``years`` years.

    ``None`` when it is undefined: ``years`` <= 0, ``start`` <= 0, or ``end`` < 0 (a sign
    change). ``end == 0`` gives -1 (a fall to nothing).
    """
    if years <= 0 or start <= 0 or end < 0:
        return None
    return (end / start) ** (1.0 / years) - 1.0


def growth_rate_ok(*, start: float, end: float) -> str | None:
    """The reason no compound growth rate exists between two values, or ``None`` if one does."""
    if start == 0:
        return "基期值为0，无法计算复合增长率"
    if start < 0:
        return "基期值为负，无法计算复合增长率"
    if end < 0:
        return "数值由正转负（符号变化），无法计算复合增长率"
    return None


def required_cagr(*, current: float, target: float, years: float) -> float | None:
    """The compound annual growth still needed to go from ``current`` to ``target``."""
    return cagr(start=current, end=target, years=years)


def compound(*, value: float, rate: float, years: float) -> float:
    """``value`` grown at ``rate`` a year for ``years`` years."""
    return value * (1.0 + rate) ** years


def ratio_from_cagr(*, rate: float, years: float) -> float:
    """The end/start ratio that a compound ``rate`` gives over ``years`` years."""
    return (1.0 + rate) ** years


def cagr_interval(*, ratio_low: float, ratio_high: float,
                  years: float) -> tuple[float, float] | None:
    """CAGRs consistent with a ratio known only to within [ratio_low, ratio_high] (rounding)."""
    lo = cagr(start=1.0, end=ratio_low, years=years)
    hi = cagr(start=1.0, end=ratio_high, years=years)
    if lo is None or hi is None:
        return None
    return lo, hi


def rounding_interval(value: float, *, decimals: int) -> tuple[float, float]:
    """The interval of true values that round to ``value`` at ``decimals`` decimal places."""
    half = 0.5 * 10.0 ** (-decimals)
    return value - half, value + half


def decimals_of(text: str) -> int:
    """Number of decimal places written in a number as text (``"13.4"`` -> 1)."""
    t = text.strip()
    return len(t.split(".", 1)[1]) if "." in t else 0


def target_from_change(*, base: float, change: float) -> float:
    """Target level of a target stated as a relative change from the base (``下降18%`` is
    ``change=-0.18``; ``增长20%`` is ``change=0.2``)."""
    return base * (1.0 + change)


def target_from_points(*, base: float, points: float) -> float:
    """Target level of a share stated as a change in percentage points (``提高3个百分点``)."""
    return base + points


def target_from_annual_growth(*, base: float, rate: float, years: float) -> float:
    """Target level implied by a target stated as average annual growth (``年均增长8%``)."""
    return compound(value=base, rate=rate, years=years)


@dataclass(frozen=True)
class Projection:
    """A projected value for ``year`` by ``method`` (``cagr`` or ``linear``), with the rule."""

    method: str
    year: int
    value: float | None
    rule: str
    reason: str | None = None


def project_cagr(*, points: Sequence[tuple[int, float]], year: int) -> Projection:
    """Project to ``year`` continuing the compound growth from the first to the last point."""
    pts = sorted(points)
    rule = "按首末两年的复合年均增长率外推"
    if len(pts) < 2 or pts[-1][0] == pts[0][0]:
        return Projection("cagr", year, None, rule, "少于两个年份，无法外推")
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    why = growth_rate_ok(start=v0, end=v1)
    if why:
        return Projection("cagr", year, None, rule, why)
    rate = cagr(start=v0, end=v1, years=y1 - y0)
    assert rate is not None
    return Projection("cagr", year, compound(value=v1, rate=rate, years=year - y1), rule)


def project_linear(*, points: Sequence[tuple[int, float]], year: int) -> Projection:
    """Project to ``year`` by the least-squares straight line through all points."""
    pts = sorted(points)
    rule = "按全部年份的最小二乘线性趋势外推"
    if len({y for y, _ in pts}) < 2:
        return Projection("linear", year, None, rule, "少于两个年份，无法外推")
    xs = np.array([y for y, _ in pts], dtype=float)
    ys = np.array([v for _, v in pts], dtype=float)
    slope, intercept = np.polyfit(xs, ys, 1)
    return Projection("linear", year, float(slope * year + intercept), rule)


def project(*, points: Sequence[tuple[int, float]], year: int) -> tuple[Projection, ...]:
    """Both projections (CAGR, linear) of a series to ``year``."""
    return project_cagr(points=points, year=year), project_linear(points=points, year=year)


def percent(rate: float | None, *, digits: int = 1) -> str:
    """A rate as Chinese-style percent text (``0.1234`` -> ``12.3%``); ``—`` for ``None``."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.{digits}f}%"
