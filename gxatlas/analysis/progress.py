"""Progress toward a target: Open SDG's progress measure, exactly, extended for Chinese plans.

The method is Open SDG's automated progress measure, as sdg-build implements it
(``sdg/ProgressMeasure.py``, function ``measure_indicator_progress``): Statistics Canada's
method, published as Open SDG's progress-status methodology (Open SDG documentation,
"Progress status" / indicator configuration ``auto_progress_calculation`` and
``progress_calculation_options``; Statistics Canada, Sustainable Development Goals Data Hub,
"Methodology for measuring progress"). sdg-build itself is not on PyPI and could not be
fetched here; this module follows the published method and its defaults:

1. **Data.** Rows without a value are dropped; fewer than two years: ``not_available``.
   Duplicate years: equal values count once; a year with different values is
   ``not_available`` with the year and values named (sdg-build takes whichever row comes
   first in its file; we refuse to guess).
2. **Years.** The current year is the latest year with data. The base year is the configured
   one (Open SDG's default is 2015; here the plan's baseline year, else the first year of the
   series); when it has no data, the first later year with data is the base; a base year after
   the current year, or a current year not after the base, is ``not_available``.
3. **Sign.** A series whose values are all negative is measured on its absolute values with
   the direction flipped (a rise from -10 to -5 toward zero is progress for a
   higher-is-better indicator). A zero base value, and a zero target, are replaced by 0.001.
4. **Without a numeric target** (methodology 1): the observed compound annual growth rate
   ``cagr_o = (current / base) ** (1 / (t - t0)) - 1``, sign flipped for a lower-is-better
   (``negative``) indicator, against the cutoffs high 1.5%, med 0.5%, low 0:
   ``cagr_o > high`` substantial progress, ``med < cagr_o <= high`` moderate progress,
   ``low <= cagr_o <= med`` limited progress, ``cagr_o < low`` deterioration.
5. **With a numeric target** (methodology 2): target achieved when the current value is at or
   beyond the target (``>=`` for positive, ``<=`` for negative); otherwise the required rate
   ``cagr_r = (target / base) ** (1 / (T - t0)) - 1`` and the ratio ``cagr_o / cagr_r`` against
   the cutoffs high 0.95, med 0.6, low 0: ``ratio >= high`` substantial, ``med <= ratio < high``
   moderate, ``low <= ratio < med`` limited, ``ratio < low`` deterioration.
6. **Limit** (``limit``, a natural ceiling for a positive indicator such as 100%, or a floor for
   a negative one such as 0): a current value at or beyond the limit is target achieved; without
   a target, when the growth that would bring the base to the limit by the target year
   (``cagr_l``) is below the high cutoff, the cutoffs shrink by ``cagr_l / high`` (reaching the
   limit at that pace is substantial progress, 1.5% a year being impossible); with a target, a
   target beyond the limit is the limit. (Our reading of the published option; the
   arithmetic is shown in every result.)
7. **Cutoffs are configurable** (:class:`Cutoffs`, :class:`ProgressConfig`; the CLI's
   ``--cutoffs``), as Open SDG's ``progress_thresholds`` {high, med, low} are.

Statuses carry Open SDG 2.4's names (``target_achieved``, ``substantial_progress``,
``moderate_progress``, ``limited_progress``, ``deterioration``, ``not_available``), so an Open
SDG site can read them (:func:`open_sdg_record`); every ``not_available`` has its reason.

On top of the method, for Chinese plans (each extension names its rule in
``ProgressResult.rule``; the method names one of ``open_sdg_cagr``, ``open_sdg_ratio`` or an
extension):

* ``约束性`` (binding) indicators off track get severity ``error``; ``预期性`` ones ``warning``;
* targets stated as average annual growth (``年均增长 N%``): the observed CAGR over N, with the
  target cutoffs; achieved when the period has ended at N or better;
* targets stated as a change from the baseline (``较2015年下降18%``): target level =
  base × (1 − 0.18), then methodology 2 on the level;
* shares with a target in percentage points (``提高3个百分点``): target level = base + 3; the
  pace is compared linearly (observed points a year over required points a year);
* cumulative targets (``累计``, ``五年累计``): the sum of annual values over the period; the
  observed annual mean over the annual mean the target needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from gxatlas.analysis import growth

#: Open SDG 2.4's progress statuses, best first.
STATUSES = ("target_achieved", "substantial_progress", "moderate_progress",
            "limited_progress", "deterioration", "not_available")

STATUS_ZH = {
    "target_achieved": "已实现目标",
    "substantial_progress": "显著进展",
    "moderate_progress": "中等进展",
    "limited_progress": "进展有限",
    "deterioration": "倒退",
    "not_available": "无法测算",
}

TARGET_KINDS = ("none", "level", "annual_growth", "change", "points", "cumulative")
BINDING = "约束性"
EXPECTED = "预期性"
ZERO_REPLACEMENT = 0.001  # Open SDG: a zero base value or target is replaced by 0.001


@dataclass(frozen=True)
class Cutoffs:
    """Open SDG's ``progress_thresholds``: the high / med / low cutoffs."""

    high: float
    med: float
    low: float

    def __post_init__(self) -> None:
        if not self.high >= self.med >= self.low:
            raise ValueError(f"分界值须满足 high ≥ med ≥ low：{self.high}, {self.med}, {self.low}")

    def scaled(self, factor: float) -> Cutoffs:
        return Cutoffs(self.high * factor, self.med * factor, self.low * factor)

    def to_dict(self) -> dict[str, float]:
        return {"high": self.high, "med": self.med, "low": self.low}

    @classmethod
    def parse(cls, text: str) -> Cutoffs:
        """``0.015,0.005,0`` (high, med, low)."""
        parts = [p.strip() for p in text.replace("，", ",").split(",")]
        try:
            high, med, low = (float(p) for p in parts)
        except ValueError as err:
            raise ValueError(f"分界值须为三个数 high,med,low：{text!r}") from err
        return cls(high, med, low)


#: Methodology 1 (no numeric target): cutoffs on the observed CAGR.
NO_TARGET_CUTOFFS = Cutoffs(high=0.015, med=0.005, low=0.0)
#: Methodology 2 (numeric target): cutoffs on observed / required.
TARGET_CUTOFFS = Cutoffs(high=0.95, med=0.6, low=0.0)


@dataclass(frozen=True)
class ProgressConfig:
    """The configurable part of the measure (Open SDG's ``progress_thresholds`` per method)."""

    no_target: Cutoffs = NO_TARGET_CUTOFFS
    target: Cutoffs = TARGET_CUTOFFS


DEFAULT_CONFIG = ProgressConfig()


@dataclass(frozen=True)
class Target:
    """A plan target.

    ``kind``: ``level`` (value is the target level), ``annual_growth`` (value is the rate,
    0.08 for 8%), ``change`` (value is the relative change from the base, -0.18 for
    ``下降18%``), ``points`` (value is the change in percentage points), ``cumulative``
    (value is the sum over ``start_year``..``year``), or ``none``.
    """

    kind: str
    year: int
    value: float | None = None
    start_year: int | None = None  # first year counted by a cumulative target
    comparator: str = ">="

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"未知的目标类型 {self.kind!r}")
        if self.kind != "none" and self.value is None:
            raise ValueError(f"{self.kind} 目标缺少数值")
        if self.kind == "cumulative" and self.start_year is None:
            raise ValueError("累计目标需要起始年份")


@dataclass(frozen=True)
class ProgressResult:
    """Every component of a progress measure, for audit."""

    indicator: str
    method: str
    status: str
    rule: str
    direction: str = "positive"
    attribute: str | None = None
    severity: str | None = None  # "error" / "warning" when off track, None otherwise
    reason: str | None = None  # why the measure is not available
    base_year: int | None = None
    base_value: float | None = None
    latest_year: int | None = None
    latest_value: float | None = None
    target_kind: str = "none"
    target_year: int | None = None
    target: float | None = None  # as stated (level, rate, change, points or sum)
    target_level: float | None = None  # the level the target means, where one exists
    limit: float | None = None
    observed_cagr: float | None = None
    required_cagr: float | None = None  # from the base to the target (Open SDG's cagr_r)
    still_required_cagr: float | None = None  # from the latest value to the target
    observed_pace: float | None = None  # linear / cumulative methods: per-year pace
    required_pace: float | None = None
    ratio: float | None = None
    thresholds: Cutoffs | None = None  # the cutoffs applied (after any limit shrinking)
    adjustments: tuple[str, ...] = ()  # zero replaced, sign flipped, cutoffs shrunk ...
    projections: tuple[growth.Projection, ...] = field(default=())

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    def to_dict(self) -> dict[str, object]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["status_zh"] = self.status_zh
        d["open_sdg_status"] = self.status
        d["thresholds"] = None if self.thresholds is None else self.thresholds.to_dict()
        d["adjustments"] = list(self.adjustments)
        d["projections"] = [
            {"method": p.method, "year": p.year, "value": p.value, "rule": p.rule,
             "reason": p.reason} for p in self.projections]
        return d


def classify_cagr(value: float, *, cutoffs: Cutoffs = NO_TARGET_CUTOFFS) -> str:
    """Open SDG methodology 1: status of an observed CAGR (already sign-adjusted)."""
    c = cutoffs
    if value > c.high:
        return "substantial_progress"
    if c.med < value <= c.high:
        return "moderate_progress"
    if c.low <= value <= c.med:
        return "limited_progress"
    return "deterioration"


def classify_ratio(value: float, *, cutoffs: Cutoffs = TARGET_CUTOFFS) -> str:
    """Open SDG methodology 2: status of observed / required."""
    c = cutoffs
    if value >= c.high:
        return "substantial_progress"
    if c.med <= value < c.high:
        return "moderate_progress"
    if c.low <= value < c.med:
        return "limited_progress"
    return "deterioration"


def _rule_cagr(c: Cutoffs, direction: str) -> str:
    sign = "（越低越好，增长率取反）" if direction == "negative" else ""
    return (f"无数值目标（Open SDG 方法一）：观察期复合年均增长率{sign} >{c.high:.2%} 为显著进展，"
            f"{c.med:.2%}～{c.high:.2%} 为中等进展，{c.low:.2%}～{c.med:.2%} 为进展有限，"
            f"<{c.low:.2%} 为倒退")


def _rule_ratio(c: Cutoffs, what: str) -> str:
    return (f"{what}：目标已达到为已实现目标；否则 观察值/所需值 ≥{c.high:g} 为显著进展，"
            f"{c.med:g}～{c.high:g} 为中等进展，{c.low:g}～{c.med:g} 为进展有限，<{c.low:g} 为倒退")


def _severity(status: str, attribute: str | None) -> str | None:
    if status in ("target_achieved", "substantial_progress"):
        return None
    if status == "not_available":
        return "warning" if attribute == BINDING else None
    if attribute == BINDING:
        return "error"
    if status in ("limited_progress", "deterioration"):
        return "warning"
    return None


def _flip(direction: str) -> str:
    return "negative" if direction == "positive" else "positive"


def clean_series(series: Sequence[tuple[int, float | None]]
                 ) -> tuple[list[tuple[int, float]], str | None]:
    """The series sorted by year with missing values dropped; equal duplicates count once,
    a year with different values is the reason no measure is possible."""
    by_year: dict[int, set[float]] = {}
    for year, value in series:
        if value is None:
            continue
        by_year.setdefault(int(year), set()).add(float(value))
    clash = {y: sorted(v) for y, v in by_year.items() if len(v) > 1}
    pts = sorted((y, next(iter(v))) for y, v in by_year.items() if len(v) == 1)
    if clash:
        year = min(clash)
        shown = "、".join(f"{v:g}" for v in clash[year])
        return pts, f"{year}年有多个不同的数值（{shown}），请先确定采用哪一个"
    return pts, None


def _window(series: Sequence[tuple[int, float | None]], base_year: int | None
            ) -> tuple[list[tuple[int, float]], str | None]:
    """Open SDG's choice of years: base = configured year or the first year after it."""
    pts, why = clean_series(series)
    if why:
        return pts, why
    if not pts:
        return [], "观察期内没有数据"
    if len(pts) < 2:
        return pts, "只有一个年份的数据，无法计算增长"
    current = pts[-1][0]
    if base_year is not None:
        years = [y for y, _ in pts]
        if base_year > current:
            return pts, f"基期 {base_year} 年晚于最新数据年份 {current} 年"
        if base_year not in years:
            later = [y for y in years if y > base_year]
            base_year = later[0]
        pts = [(y, v) for y, v in pts if y >= base_year]
    if pts[-1][0] - pts[0][0] < 1:
        return pts, f"基期 {pts[0][0]} 年之后没有数据，无法计算增长"
    return pts, None


def measure_progress(*, indicator: str, series: Sequence[tuple[int, float | None]],
                     target: Target | None = None, base_year: int | None = None,
                     direction: str = "positive", attribute: str | None = None,
                     base_value: float | None = None, limit: float | None = None,
                     config: ProgressConfig = DEFAULT_CONFIG) -> ProgressResult:
    """Rate the progress of one indicator's series (``(year, value)`` pairs) toward ``target``.

    ``base_year`` is the plan's baseline year (the first year of the series if omitted);
    ``base_value`` is the plan's stated baseline, taken as the base-year observation when the
    series has no value for that year; ``limit`` is a natural ceiling (positive direction) or
    floor (negative direction); ``config`` holds the cutoffs.
    """
    if direction not in ("positive", "negative"):
        raise ValueError(f"direction 须为 positive 或 negative，而不是 {direction!r}")
    target = target or Target(kind="none", year=0)
    common = dict(indicator=indicator, direction=direction, attribute=attribute,
                  target_kind=target.kind, target_year=target.year or None, target=target.value,
                  limit=limit)
    if target.kind == "cumulative":
        return _cumulative(series=series, target=target, common=common, cutoffs=config.target)
    series = list(series)
    if base_value is not None and base_year is not None and base_year not in {
            int(y) for y, v in series if v is not None}:
        series.append((base_year, base_value))
    pts, why = _window(series, base_year)
    if why:
        return _no_measure(common, why, pts)
    projections = growth.project(points=pts, year=target.year) if target.kind != "none" else ()
    if target.kind == "annual_growth":
        return _annual_growth(pts=pts, target=target, common=common, cutoffs=config.target,
                              projections=projections)
    if target.kind == "points":
        return _points(pts=pts, target=target, common=common, cutoffs=config.target,
                       projections=projections)
    if target.kind == "none":
        return _methodology_1(pts=pts, common=common, cutoffs=config.no_target, limit=limit)
    return _methodology_2(pts=pts, target=target, common=common, cutoffs=config.target,
                          limit=limit, projections=projections)


def _signs(pts: list[tuple[int, float]], direction: str, extra: Sequence[float] = ()
           ) -> tuple[list[tuple[int, float]], str, list[str], str | None]:
    """Open SDG's sign handling: all-negative series measured on absolute values with the
    direction flipped; a sign change has no growth rate."""
    values = [v for _, v in pts]
    adjustments: list[str] = []
    if all(v <= 0 for v in values) and any(v < 0 for v in values) and all(e <= 0 for e in extra):
        adjustments.append("数值均为负：取绝对值并反转方向")
        return [(y, -v) for y, v in pts], _flip(direction), adjustments, None
    (_, v0), (_, v1) = pts[0], pts[-1]
    if v0 < 0 or v1 < 0:
        return pts, direction, adjustments, "数值由正转负或由负转正（符号变化），无法计算复合增长率"
    return pts, direction, adjustments, None


def _methodology_1(*, pts, common, cutoffs: Cutoffs, limit: float | None) -> ProgressResult:
    direction = common["direction"]
    (y0, raw0), (y1, raw1) = pts[0], pts[-1]
    comps = dict(base_year=y0, base_value=raw0, latest_year=y1, latest_value=raw1)
    pts, direction, adjustments, why = _signs(pts, direction)
    if why:
        return _no_measure(common, why, pts, comps=comps)
    if limit is not None and (raw1 >= limit if common["direction"] == "positive"
                              else raw1 <= limit):
        return ProgressResult(method="open_sdg_cagr", status="target_achieved",
                              rule=f"最新值 {raw1:g} 已达到自然极限 {limit:g}", **comps, **common)
    (_, v0), (_, v1) = pts[0], pts[-1]
    if v0 == 0:
        v0 = ZERO_REPLACEMENT
        adjustments.append("基期值为0，按 Open SDG 以0.001代替")
    obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
    assert obs is not None
    signed = -obs if direction == "negative" else obs
    applied = cutoffs
    if limit is not None:
        applied, note = _limit_cutoffs(cutoffs, base=raw0, limit=limit,
                                       years=(common["target_year"] or y1) - y0,
                                       direction=common["direction"])
        if note:
            adjustments.append(note)
    status = classify_cagr(signed, cutoffs=applied)
    rule = _rule_cagr(applied, direction)
    return ProgressResult(method="open_sdg_cagr", status=status,
                          rule=f"{rule}；本例 {growth.percent(signed, digits=2)}",
                          severity=_severity(status, common["attribute"]), observed_cagr=obs,
                          thresholds=applied, adjustments=tuple(adjustments), **comps, **common)


def _limit_cutoffs(cutoffs: Cutoffs, *, base: float, limit: float, years: int,
                   direction: str) -> tuple[Cutoffs, str | None]:
    """Cutoffs shrunk so that reaching the natural limit by the target year is substantial."""
    if years <= 0 or base <= 0 or limit < 0:
        return cutoffs, None
    to_limit = growth.cagr(start=base, end=max(limit, ZERO_REPLACEMENT), years=years)
    if to_limit is None:
        return cutoffs, None
    room = -to_limit if direction == "negative" else to_limit
    if room <= 0 or room >= cutoffs.high or cutoffs.high <= 0:
        return cutoffs, None
    factor = room / cutoffs.high
    return cutoffs.scaled(factor), (f"距自然极限 {limit:g} 只需年均 {growth.percent(room, digits=2)}，"
                                    f"分界值按 {factor:.3f} 缩小")


def _methodology_2(*, pts, target: Target, common, cutoffs: Cutoffs, limit: float | None,
                   projections) -> ProgressResult:
    direction = common["direction"]
    (y0, raw0), (y1, raw1) = pts[0], pts[-1]
    comps = dict(base_year=y0, base_value=raw0, latest_year=y1, latest_value=raw1)
    assert target.value is not None
    adjustments: list[str] = []
    if target.kind == "level":
        level = float(target.value)
        what = "数值目标（Open SDG 方法二）"
        method = "open_sdg_ratio"
    else:
        level = growth.target_from_change(base=raw0, change=float(target.value))
        what = (f"相对基期变化目标（目标值=基期值×(1{target.value:+.1%})，再按 Open SDG 方法二）")
        method = "change_from_base"
    if limit is not None and (level > limit if direction == "positive" else level < limit):
        adjustments.append(f"目标 {level:g} 超出自然极限，按极限 {limit:g} 计")
        level = limit
    rule = _rule_ratio(cutoffs, what)
    base = dict(target_level=level, thresholds=cutoffs, projections=projections, **comps,
                **common)
    achieved = raw1 >= level if direction == "positive" else raw1 <= level
    if achieved:
        return ProgressResult(method=method, status="target_achieved",
                              rule=f"{rule}；最新值已达到目标 {level:g}",
                              adjustments=tuple(adjustments), **base)
    if target.year <= y0:
        return ProgressResult(method=method, status="not_available", rule=rule,
                              reason=f"目标年份 {target.year} 不晚于基期 {y0}",
                              severity=_severity("not_available", common["attribute"]),
                              **base)
    pts2, flipped, sign_notes, why = _signs(pts, direction, extra=(level,))
    adjustments += sign_notes
    if why:
        return ProgressResult(method=method, status="not_available", rule=rule, reason=why,
                              severity=_severity("not_available", common["attribute"]),
                              adjustments=tuple(adjustments), **base)
    sign = -1.0 if flipped != direction else 1.0
    v0, v1, tv = pts2[0][1], pts2[-1][1], sign * level
    if v0 == 0:
        v0 = ZERO_REPLACEMENT
        adjustments.append("基期值为0，按 Open SDG 以0.001代替")
    if tv == 0:
        tv = ZERO_REPLACEMENT
        adjustments.append("目标值为0，按 Open SDG 以0.001代替")
    obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
    req = growth.cagr(start=v0, end=tv, years=target.year - y0)
    if obs is None or req is None or req == 0:
        return ProgressResult(method=method, status="not_available", rule=rule,
                              reason="所需增长率为0或无法计算（目标等于基期值）",
                              severity=_severity("not_available", common["attribute"]),
                              observed_cagr=obs, required_cagr=req,
                              adjustments=tuple(adjustments), **base)
    still = growth.required_cagr(current=v1, target=tv, years=target.year - y1)
    ratio = obs / req
    status = classify_ratio(ratio, cutoffs=cutoffs)
    return ProgressResult(method=method, status=status, ratio=ratio,
                          rule=f"{rule}；本例 {growth.percent(obs, digits=2)}/"
                               f"{growth.percent(req, digits=2)}={ratio:.2f}",
                          severity=_severity(status, common["attribute"]),
                          observed_cagr=obs, required_cagr=req, still_required_cagr=still,
                          adjustments=tuple(adjustments), **base)


def _no_measure(common: dict, why: str, pts: Sequence[tuple[int, float]],
                projections: tuple[growth.Projection, ...] = (),
                comps: dict | None = None) -> ProgressResult:
    if comps is None:
        comps = {}
        if pts:
            comps = dict(base_year=pts[0][0], base_value=pts[0][1],
                         latest_year=pts[-1][0], latest_value=pts[-1][1])
    return ProgressResult(method="none", status="not_available", rule=f"无法测算：{why}",
                          reason=why, severity=_severity("not_available", common["attribute"]),
                          projections=projections, **comps, **common)


def _annual_growth(*, pts, target: Target, common, cutoffs: Cutoffs,
                   projections) -> ProgressResult:
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    comps = dict(base_year=y0, base_value=v0, latest_year=y1, latest_value=v1)
    direction, attribute = common["direction"], common["attribute"]
    why = growth.growth_rate_ok(start=v0, end=v1)
    if why:
        return _no_measure(common, why, pts, projections=projections)
    rate = float(target.value)  # type: ignore[arg-type]
    obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
    assert obs is not None
    level = growth.target_from_annual_growth(base=v0, rate=rate, years=target.year - y0)
    still = growth.required_cagr(current=v1, target=level, years=target.year - y1)
    what = f"年均增长目标：观察期复合年均增长率与目标增长率 {growth.percent(rate)} 相比"
    rule = _rule_ratio(cutoffs, what)
    base = dict(target_level=level, observed_cagr=obs, required_cagr=rate,
                still_required_cagr=still, thresholds=cutoffs,
                projections=projections, **comps, **common)
    meets = obs >= rate if direction == "positive" else obs <= rate
    if meets and y1 >= target.year:
        return ProgressResult(method="annual_growth", status="target_achieved",
                              rule=f"{rule}；规划期已结束且年均增长 {growth.percent(obs)} 达到目标",
                              **{**base, "still_required_cagr": None})
    if rate == 0:
        return ProgressResult(method="annual_growth", status="not_available", rule=rule,
                              reason="目标增长率为0，比值无意义",
                              severity=_severity("not_available", attribute), **base)
    ratio = obs / rate
    status = classify_ratio(ratio, cutoffs=cutoffs)
    return ProgressResult(method="annual_growth", status=status, ratio=ratio,
                          rule=f"{rule}；本例 {growth.percent(obs, digits=2)}/"
                               f"{growth.percent(rate, digits=2)}={ratio:.2f}",
                          severity=_severity(status, attribute), **base)


def _points(*, pts, target: Target, common, cutoffs: Cutoffs, projections) -> ProgressResult:
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    comps = dict(base_year=y0, base_value=v0, latest_year=y1, latest_value=v1)
    direction, attribute = common["direction"], common["attribute"]
    pp = float(target.value)  # type: ignore[arg-type]
    level = growth.target_from_points(base=v0, points=pp)
    what = (f"百分点目标（目标值=基期值{pp:+g}个百分点）：按年均变化的百分点"
            "（线性）比较观察速度与所需速度")
    rule = _rule_ratio(cutoffs, what)
    obs_pace = (v1 - v0) / (y1 - y0)
    req_pace = pp / (target.year - y0) if target.year > y0 else None
    achieved = v1 >= level if direction == "positive" else v1 <= level
    base = dict(target_level=level, observed_pace=obs_pace, required_pace=req_pace,
                thresholds=cutoffs, projections=projections, **comps, **common)
    if achieved:
        return ProgressResult(method="points_linear", status="target_achieved",
                              rule=f"{rule}；最新值已达到目标 {level:g}", **base)
    if not req_pace:
        return ProgressResult(method="points_linear", status="not_available", rule=rule,
                              reason="所需变化为0或目标年份不晚于基期",
                              severity=_severity("not_available", attribute), **base)
    ratio = obs_pace / req_pace
    status = classify_ratio(ratio, cutoffs=cutoffs)
    return ProgressResult(method="points_linear", status=status, ratio=ratio,
                          rule=f"{rule}；本例 {obs_pace:+.2f}/{req_pace:+.2f} 个百分点每年"
                               f"={ratio:.2f}",
                          severity=_severity(status, attribute), **base)


def _cumulative(*, series, target: Target, common, cutoffs: Cutoffs) -> ProgressResult:
    start, end = int(target.start_year), int(target.year)  # type: ignore[arg-type]
    total = float(target.value)  # type: ignore[arg-type]
    attribute = common["attribute"]
    what = (f"累计目标（{start}—{end}年各年数值之和）：按已过年份的年均值与目标所需年均值比较")
    rule = _rule_ratio(cutoffs, what)
    pts, why = clean_series([(y, v) for y, v in series if start <= int(y) <= end])
    if why:
        return _no_measure(common, why, pts)
    if not pts:
        return _no_measure(common, f"{start}—{end}年没有数据", pts)
    latest = pts[-1][0]
    missing = sorted(set(range(start, latest + 1)) - {y for y, _ in pts})
    if missing:
        return _no_measure(common, "累计目标缺少年份：" + "、".join(map(str, missing)), pts)
    done = sum(v for _, v in pts)
    elapsed, span = latest - start + 1, end - start + 1
    obs_pace, req_pace = done / elapsed, total / span
    comps = dict(base_year=start, base_value=pts[0][1], latest_year=latest,
                 latest_value=pts[-1][1], target_level=total, observed_pace=obs_pace,
                 required_pace=req_pace, thresholds=cutoffs)
    if done >= total:
        return ProgressResult(method="cumulative", status="target_achieved",
                              rule=f"{rule}；累计 {done:g} 已达到 {total:g}", **comps, **common)
    if req_pace <= 0:
        return ProgressResult(method="cumulative", status="not_available", rule=rule,
                              reason="累计目标不为正",
                              severity=_severity("not_available", attribute), **comps, **common)
    ratio = obs_pace / req_pace
    status = classify_ratio(ratio, cutoffs=cutoffs)
    return ProgressResult(method="cumulative", status=status, ratio=ratio,
                          rule=f"{rule}；本例累计 {done:g}，年均 {obs_pace:g}/{req_pace:g}={ratio:.2f}",
                          severity=_severity(status, attribute), **comps, **common)


# --- Open SDG export ------------------------------------------------------------------------

def open_sdg_record(result: ProgressResult, *, config: ProgressConfig = DEFAULT_CONFIG
                    ) -> dict[str, object]:
    """The result as Open SDG indicator metadata: ``progress_status`` (Open SDG's status
    names) and ``progress_calculation_options`` (what an Open SDG site needs to recompute
    it), plus the components for audit under ``gxatlas``."""
    cutoffs = config.no_target if result.target_kind == "none" else config.target
    options: dict[str, object] = {
        "direction": result.direction,
        "base_year": result.base_year,
        "target_year": result.target_year,
        "target": (None if result.target_kind == "none" else result.target_level
                   if result.target_level is not None
                   else result.target if result.target_kind == "level" else None),
        "progress_thresholds": cutoffs.to_dict(),
    }
    if result.limit is not None:
        options["limit"] = result.limit
    return {"indicator": result.indicator, "progress_status": result.status,
            # Open SDG can recompute what its own method covers; the extensions it cannot
            "auto_progress_calculation": result.target_kind in ("none", "level", "change"),
            "progress_calculation_options": [options],
            "gxatlas": {"method": result.method, "rule": result.rule, "reason": result.reason,
                        "status_zh": result.status_zh}}


# --- reading a plan indicator as a target ---------------------------------------------------

_GROWTH_NAME = re.compile(r"(?:的)?(?:年均增速|年均增长率?|年平均增长率?|年均增幅|年均递增)$")
_CHANGE_NAME = re.compile(r"(?:较|比)(?:((?:19|20)\d\d)年|基期)?(下降|降低|减少|提高|增长|增加)")
_CUMULATIVE_NAME = re.compile(r"累计")
_LOWER_IS_BETTER = re.compile(r"能耗|排放|用水量|耗水|污染|PM2\.?5|事故|失业")


@dataclass(frozen=True)
class PlanTarget:
    """How a plan indicator is measured: its target, direction and the series it reads."""

    target: Target
    direction: str
    series_name: str  # the indicator whose actual values are compared (the level for 年均增长)
    base_year: int | None
    base_value: float | None


def plan_target(*, name: str, unit: str | None, target_year: int | None,
                target_value: float | None, baseline_year: int | None = None,
                baseline_value: float | None = None, lower_is_better: bool | None = None,
                comparator: str | None = None) -> PlanTarget | None:
    """Read a plan indicator (as extraction and the KB hold it) as a measurable target.

    ``年均增速/年均增长`` names are annual-growth targets on the level indicator they qualify;
    ``较2015年下降`` names are changes from the baseline (lower is better); ``累计`` names are
    cumulative over the years after the baseline; a unit of ``个百分点`` is a change in points;
    anything else is a level. ``None`` when there is no numeric target.
    """
    if target_year is None or target_value is None:
        return None
    u = (unit or "").strip()
    lower = bool(lower_is_better) if lower_is_better is not None else bool(
        _LOWER_IS_BETTER.search(name)) or comparator == "<="
    direction = "negative" if lower else "positive"
    common = dict(base_year=baseline_year, base_value=baseline_value)
    if _GROWTH_NAME.search(name) and u in ("%", "％"):
        level = _GROWTH_NAME.sub("", name)
        return PlanTarget(Target(kind="annual_growth", year=target_year,
                                 value=target_value / 100.0), direction, level, **common)
    change = _CHANGE_NAME.search(name)
    if change and u in ("%", "％"):
        down = change.group(2) in ("下降", "降低", "减少")
        base_name = name[:change.start()]
        value = -target_value / 100.0 if down else target_value / 100.0
        year = int(change.group(1)) if change.group(1) else baseline_year
        return PlanTarget(Target(kind="change", year=target_year, value=value),
                          "negative" if down else direction, base_name, base_year=year,
                          base_value=None)
    if u == "个百分点":
        return PlanTarget(Target(kind="points", year=target_year, value=target_value),
                          direction, name, **common)
    if _CUMULATIVE_NAME.search(name):
        start = (baseline_year + 1) if baseline_year else target_year - 4
        return PlanTarget(Target(kind="cumulative", year=target_year, value=target_value,
                                 start_year=start), direction, name, base_year=None,
                          base_value=None)
    return PlanTarget(Target(kind="level", year=target_year, value=target_value,
                             comparator=comparator or ">="), direction, name, **common)


def change_as_index(series: Sequence[tuple[int, float]], *, base_year: int, down: bool
                    ) -> list[tuple[int, float]]:
    """Actuals of a change indicator itself (``较2015年下降`` 12% by 2018) as an index of the
    level (base year = 100; 2018 = 88), so that the change target is measured on the level."""
    sign = -1.0 if down else 1.0
    out = [(base_year, 100.0)]
    out += [(int(y), 100.0 * (1.0 + sign * float(v) / 100.0)) for y, v in series
            if int(y) > base_year]
    return out


def growth_as_index(series: Sequence[tuple[int, float]], *, base_year: int
                    ) -> list[tuple[int, float]]:
    """Yearly growth rates in % (the actuals of a ``年均增速`` indicator itself) chained into an
    index of the level (base year = 100), for as long as the years follow one another."""
    out = [(base_year, 100.0)]
    for year, rate in sorted((int(y), float(v)) for y, v in series if int(y) > base_year):
        if year != out[-1][0] + 1:
            break
        out.append((year, out[-1][1] * (1.0 + rate / 100.0)))
    return out


def target_text(result: ProgressResult, unit: str | None) -> str:
    """The target as a reader writes it: ``2020: ≥15800 亿元``, ``2020: 年均增长 9%``,
    ``2020: 较2015年下降 18%``, ``2025: +3 个百分点``, ``2025: 累计 5000 亿元``."""
    if result.target is None:
        return "—"
    u = f" {unit}" if unit and unit not in ("%", "％") else (unit or "")
    year = f"{result.target_year}: " if result.target_year else ""
    if result.target_kind == "annual_growth":
        return f"{year}年均增长 {result.target * 100:g}%"
    if result.target_kind == "change":
        word = "下降" if result.target < 0 else "增长"
        since = f"较{result.base_year}年" if result.base_year else "较基期"
        return f"{year}{since}{word} {abs(result.target) * 100:g}%"
    if result.target_kind == "points":
        return f"{year}{result.target:+g} 个百分点"
    if result.target_kind == "cumulative":
        return f"{year}累计 {result.target:g}{u}"
    op = "≤" if result.direction == "negative" else "≥"
    return f"{year}{op}{result.target:g}{u}"


__all__ = ["STATUSES", "STATUS_ZH", "Cutoffs", "ProgressConfig", "DEFAULT_CONFIG",
           "NO_TARGET_CUTOFFS", "TARGET_CUTOFFS", "Target", "ProgressResult", "PlanTarget",
           "classify_cagr", "classify_ratio", "measure_progress", "plan_target",
           "open_sdg_record", "change_as_index", "growth_as_index", "target_text", "clean_series"]
