"""Progress toward a target: Open SDG's progress measure, extended for Chinese plans.

Open SDG (sdg-build, ``sdg/ProgressMeasure.py``) rates an indicator from its series:

* the base year is the configured base year, or the first year with data after it; the
  latest year is the last year with data; no measure when base and latest coincide;
* **without a numeric target** (methodology 1) the observed compound annual growth rate
  ``cagr_o = (latest / base) ** (1 / (t - t0)) - 1`` (sign flipped for lower-is-better
  indicators) is compared with fixed thresholds x=1%, y=0.5%, z=0:
  ``cagr_o > x`` substantial progress, ``y < cagr_o <= x`` moderate, ``z <= cagr_o <= y``
  negligible, ``cagr_o < z`` deterioration;
* **with a numeric target** (methodology 2) the target is achieved when the latest value is
  at or beyond it (``>=`` for higher-is-better, ``<=`` for lower-is-better); otherwise the
  required rate ``cagr_r = (target / base) ** (1 / (T - t0)) - 1`` is computed and the ratio
  ``cagr_o / cagr_r`` is compared with x=0.95, y=0.5, z=0: ``ratio >= x`` substantial,
  ``y <= ratio < x`` moderate, ``z <= ratio < y`` negligible, ``ratio < z`` deterioration.

Where sdg-build only logs a warning (zero or negative base, a sign change, no data in the
window) we return the status ``no_measure`` with the reason. Beyond Open SDG, for Chinese
plans (each extension names its rule in ``ProgressResult.rule``):

* ``约束性`` (binding) indicators off track get severity ``error``; ``预期性`` ones ``warning``;
* targets stated as average annual growth (``年均增长 N%``): the observed CAGR is compared
  with N (ratio ``cagr_o / N``, same thresholds; achieved when the period has ended at N or
  better);
* targets stated as a change from the baseline (``下降18%``): target level = base × (1 − 0.18);
* shares with a target in percentage points (``提高3个百分点``): target level = base + 3, and
  the pace is compared linearly (observed points per year over required points per year);
* cumulative targets (``累计``, ``五年累计``): the sum of annual values over the period; the
  pace is the observed annual mean over the annual mean the target needs;
* lower-is-better indicators (energy intensity, emissions): ``direction="negative"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from gxatlas.analysis import growth

STATUSES = ("target_achieved", "substantial_progress", "moderate_progress",
            "negligible_progress", "deterioration", "no_measure")

STATUS_ZH = {
    "target_achieved": "已实现目标",
    "substantial_progress": "显著进展",
    "moderate_progress": "中等进展",
    "negligible_progress": "进展甚微",
    "deterioration": "倒退",
    "no_measure": "无法测算",
}

TARGET_KINDS = ("none", "level", "annual_growth", "change", "points", "cumulative")
BINDING = "约束性"
EXPECTED = "预期性"


@dataclass(frozen=True)
class Thresholds:
    """Open SDG's x, y, z thresholds: substantial / moderate / negligible boundaries."""

    x: float
    y: float
    z: float


#: Methodology 1 (no numeric target): thresholds on the observed CAGR.
NO_TARGET_THRESHOLDS = Thresholds(x=0.01, y=0.005, z=0.0)
#: Methodology 2 (numeric target): thresholds on observed / required.
TARGET_THRESHOLDS = Thresholds(x=0.95, y=0.5, z=0.0)


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
    reason: str | None = None  # why no measure is possible
    base_year: int | None = None
    base_value: float | None = None
    latest_year: int | None = None
    latest_value: float | None = None
    target_kind: str = "none"
    target_year: int | None = None
    target: float | None = None  # as stated (level, rate, change, points or sum)
    target_level: float | None = None  # the level the target means, where one exists
    observed_cagr: float | None = None
    required_cagr: float | None = None  # from the base to the target (Open SDG's cagr_r)
    still_required_cagr: float | None = None  # from the latest value to the target
    observed_pace: float | None = None  # linear / cumulative methods: per-year pace
    required_pace: float | None = None
    ratio: float | None = None
    thresholds: Thresholds | None = None
    projections: tuple[growth.Projection, ...] = field(default=())

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    def to_dict(self) -> dict[str, object]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["status_zh"] = self.status_zh
        d["thresholds"] = None if self.thresholds is None else {
            "x": self.thresholds.x, "y": self.thresholds.y, "z": self.thresholds.z}
        d["projections"] = [
            {"method": p.method, "year": p.year, "value": p.value, "rule": p.rule,
             "reason": p.reason} for p in self.projections]
        return d


def classify_cagr(value: float, *, thresholds: Thresholds = NO_TARGET_THRESHOLDS) -> str:
    """Open SDG methodology 1: status of an observed CAGR (already sign-adjusted)."""
    t = thresholds
    if value > t.x:
        return "substantial_progress"
    if t.y < value <= t.x:
        return "moderate_progress"
    if t.z <= value <= t.y:
        return "negligible_progress"
    return "deterioration"


def classify_ratio(value: float, *, thresholds: Thresholds = TARGET_THRESHOLDS) -> str:
    """Open SDG methodology 2: status of observed / required."""
    t = thresholds
    if value >= t.x:
        return "substantial_progress"
    if t.y <= value < t.x:
        return "moderate_progress"
    if t.z <= value < t.y:
        return "negligible_progress"
    return "deterioration"


def _rule_cagr(t: Thresholds, direction: str) -> str:
    sign = "（越低越好，增长率取反）" if direction == "negative" else ""
    return (f"无数值目标（Open SDG 方法一）：观察期复合年均增长率{sign} >{t.x:.1%} 为显著进展，"
            f"{t.y:.1%}～{t.x:.1%} 为中等进展，{t.z:.1%}～{t.y:.1%} 为进展甚微，<{t.z:.1%} 为倒退")


def _rule_ratio(t: Thresholds, what: str) -> str:
    return (f"{what}：目标已达到为已实现目标；否则 观察值/所需值 ≥{t.x:g} 为显著进展，"
            f"{t.y:g}～{t.x:g} 为中等进展，{t.z:g}～{t.y:g} 为进展甚微，<{t.z:g} 为倒退")


def _severity(status: str, attribute: str | None) -> str | None:
    if status in ("target_achieved", "substantial_progress"):
        return None
    if status == "no_measure":
        return "warning" if attribute == BINDING else None
    if attribute == BINDING:
        return "error"
    if status in ("negligible_progress", "deterioration"):
        return "warning"
    return None


def _window(series: Sequence[tuple[int, float]], base_year: int | None
            ) -> tuple[list[tuple[int, float]], str | None]:
    """Open SDG's choice of years: base = configured year or the first year after it."""
    pts = sorted((int(y), float(v)) for y, v in series if v is not None)
    if not pts:
        return [], "观察期内没有数据"
    if base_year is not None:
        years = [y for y, _ in pts]
        if base_year not in years:
            later = [y for y in years if y > base_year]
            if not later:
                return [], f"基期 {base_year} 年之后没有数据"
            base_year = later[0]
        pts = [(y, v) for y, v in pts if y >= base_year]
    if len(pts) < 2:
        return pts, "只有一个年份的数据，无法计算增长"
    return pts, None


def measure_progress(*, indicator: str, series: Sequence[tuple[int, float]],
                     target: Target | None = None, base_year: int | None = None,
                     direction: str = "positive", attribute: str | None = None,
                     base_value: float | None = None) -> ProgressResult:
    """Rate the progress of one indicator's series (``(year, value)`` pairs) toward ``target``.

    ``base_year`` is the plan's baseline year (the first year of the series if omitted);
    ``base_value`` is the plan's stated baseline, taken as the base-year observation when the
    series has no value for that year.
    """
    if direction not in ("positive", "negative"):
        raise ValueError(f"direction 须为 positive 或 negative，而不是 {direction!r}")
    target = target or Target(kind="none", year=0)
    common = dict(indicator=indicator, direction=direction, attribute=attribute,
                  target_kind=target.kind, target_year=target.year or None, target=target.value)
    if target.kind == "cumulative":
        return _cumulative(series=series, target=target, common=common)
    series = list(series)
    if base_value is not None and base_year is not None and base_year not in {
            int(y) for y, _ in series}:
        series.append((base_year, base_value))
    pts, why = _window(series, base_year)
    if why:
        return _no_measure(common, why, pts)
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    comps = dict(base_year=y0, base_value=v0, latest_year=y1, latest_value=v1)
    years_to_target = (target.year - y1) if target.kind != "none" else 0
    projections = growth.project(points=pts, year=target.year) if target.kind != "none" else ()
    why = growth.growth_rate_ok(start=v0, end=v1)
    if why and target.kind != "points":
        return _no_measure(common, why, pts, projections=projections)
    if target.kind == "none":
        obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
        assert obs is not None
        signed = -obs if direction == "negative" else obs
        status = classify_cagr(signed)
        rule = _rule_cagr(NO_TARGET_THRESHOLDS, direction)
        return ProgressResult(method="open_sdg_cagr", status=status,
                              rule=f"{rule}；本例 {growth.percent(signed, digits=2)}",
                              severity=_severity(status, attribute), observed_cagr=obs,
                              thresholds=NO_TARGET_THRESHOLDS, **comps, **common)
    assert target.value is not None
    if target.kind == "annual_growth":
        return _annual_growth(pts=pts, target=target, comps=comps, common=common,
                              attribute=attribute, direction=direction, projections=projections)
    if target.kind == "points":
        return _points(pts=pts, target=target, comps=comps, common=common, attribute=attribute,
                       direction=direction, projections=projections)
    level = target.value if target.kind == "level" else growth.target_from_change(
        base=v0, change=target.value)
    what = "数值目标（Open SDG 方法二）" if target.kind == "level" else (
        f"相对基期变化目标（目标值=基期值×(1{target.value:+.1%})，再按 Open SDG 方法二）")
    rule = _rule_ratio(TARGET_THRESHOLDS, what)
    achieved = v1 >= level if direction == "positive" else v1 <= level
    obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
    req = growth.required_cagr(current=v0, target=level, years=target.year - y0)
    still = growth.required_cagr(current=v1, target=level, years=years_to_target)
    base = dict(target_level=level, observed_cagr=obs, required_cagr=req,
                still_required_cagr=None if achieved else still,
                thresholds=TARGET_THRESHOLDS, projections=projections, **comps, **common)
    method = "open_sdg_ratio" if target.kind == "level" else "change_from_base"
    if achieved:
        return ProgressResult(method=method, status="target_achieved",
                              rule=f"{rule}；最新值已达到目标 {level:g}", **base)
    if req is None or req == 0 or obs is None:
        return ProgressResult(method=method, status="no_measure", rule=rule,
                              reason="所需增长率为0或无法计算（目标等于基期值或目标年份不晚于基期）",
                              severity=_severity("no_measure", attribute), **base)
    ratio = obs / req
    status = classify_ratio(ratio)
    return ProgressResult(method=method, status=status, ratio=ratio,
                          rule=f"{rule}；本例 {growth.percent(obs, digits=2)}/"
                               f"{growth.percent(req, digits=2)}={ratio:.2f}",
                          severity=_severity(status, attribute), **base)


def _no_measure(common: dict, why: str, pts: Sequence[tuple[int, float]],
                projections: tuple[growth.Projection, ...] = ()) -> ProgressResult:
    comps: dict[str, object] = {}
    if pts:
        comps = dict(base_year=pts[0][0], base_value=pts[0][1],
                     latest_year=pts[-1][0], latest_value=pts[-1][1])
    return ProgressResult(method="none", status="no_measure", rule=f"无法测算：{why}",
                          reason=why, severity=_severity("no_measure", common["attribute"]),
                          projections=projections, **comps, **common)


def _annual_growth(*, pts, target: Target, comps, common, attribute, direction,
                   projections) -> ProgressResult:
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    rate = float(target.value)  # type: ignore[arg-type]
    obs = growth.cagr(start=v0, end=v1, years=y1 - y0)
    assert obs is not None
    level = growth.target_from_annual_growth(base=v0, rate=rate, years=target.year - y0)
    still = growth.required_cagr(current=v1, target=level, years=target.year - y1)
    what = f"年均增长目标：观察期复合年均增长率与目标增长率 {growth.percent(rate)} 相比"
    rule = _rule_ratio(TARGET_THRESHOLDS, what)
    base = dict(target_level=level, observed_cagr=obs, required_cagr=rate,
                still_required_cagr=still, thresholds=TARGET_THRESHOLDS,
                projections=projections, **comps, **common)
    meets = obs >= rate if direction == "positive" else obs <= rate
    if meets and y1 >= target.year:
        return ProgressResult(method="annual_growth", status="target_achieved",
                              rule=f"{rule}；规划期已结束且年均增长 {growth.percent(obs)} 达到目标",
                              **{**base, "still_required_cagr": None})
    if rate == 0:
        return ProgressResult(method="annual_growth", status="no_measure", rule=rule,
                              reason="目标增长率为0，比值无意义",
                              severity=_severity("no_measure", attribute), **base)
    ratio = obs / rate
    status = classify_ratio(ratio)
    return ProgressResult(method="annual_growth", status=status, ratio=ratio,
                          rule=f"{rule}；本例 {growth.percent(obs, digits=2)}/"
                               f"{growth.percent(rate, digits=2)}={ratio:.2f}",
                          severity=_severity(status, attribute), **base)


def _points(*, pts, target: Target, comps, common, attribute, direction,
            projections) -> ProgressResult:
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    pp = float(target.value)  # type: ignore[arg-type]
    level = growth.target_from_points(base=v0, points=pp)
    what = (f"百分点目标（目标值=基期值{pp:+g}个百分点）：按年均变化的百分点"
            "（线性）比较观察速度与所需速度")
    rule = _rule_ratio(TARGET_THRESHOLDS, what)
    obs_pace = (v1 - v0) / (y1 - y0)
    req_pace = pp / (target.year - y0) if target.year > y0 else None
    achieved = v1 >= level if direction == "positive" else v1 <= level
    base = dict(target_level=level, observed_pace=obs_pace, required_pace=req_pace,
                thresholds=TARGET_THRESHOLDS, projections=projections, **comps, **common)
    if achieved:
        return ProgressResult(method="points_linear", status="target_achieved",
                              rule=f"{rule}；最新值已达到目标 {level:g}", **base)
    if not req_pace:
        return ProgressResult(method="points_linear", status="no_measure", rule=rule,
                              reason="所需变化为0或目标年份不晚于基期",
                              severity=_severity("no_measure", attribute), **base)
    ratio = obs_pace / req_pace
    status = classify_ratio(ratio)
    return ProgressResult(method="points_linear", status=status, ratio=ratio,
                          rule=f"{rule}；本例 {obs_pace:+.2f}/{req_pace:+.2f} 个百分点每年"
                               f"={ratio:.2f}",
                          severity=_severity(status, attribute), **base)


def _cumulative(*, series, target: Target, common) -> ProgressResult:
    start, end = int(target.start_year), int(target.year)  # type: ignore[arg-type]
    total = float(target.value)  # type: ignore[arg-type]
    attribute = common["attribute"]
    what = (f"累计目标（{start}—{end}年各年数值之和）：按已过年份的年均值与目标所需年均值比较")
    rule = _rule_ratio(TARGET_THRESHOLDS, what)
    pts = sorted((int(y), float(v)) for y, v in series if start <= int(y) <= end)
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
                 required_pace=req_pace, thresholds=TARGET_THRESHOLDS)
    if done >= total:
        return ProgressResult(method="cumulative", status="target_achieved",
                              rule=f"{rule}；累计 {done:g} 已达到 {total:g}", **comps, **common)
    if req_pace <= 0:
        return ProgressResult(method="cumulative", status="no_measure", rule=rule,
                              reason="累计目标不为正", severity=_severity("no_measure", attribute),
                              **comps, **common)
    ratio = obs_pace / req_pace
    status = classify_ratio(ratio)
    return ProgressResult(method="cumulative", status=status, ratio=ratio,
                          rule=f"{rule}；本例累计 {done:g}，年均 {obs_pace:g}/{req_pace:g}={ratio:.2f}",
                          severity=_severity(status, attribute), **comps, **common)


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
