"""Park evaluation: planned output intensity, ranks, outliers and target attainment.

Pure functions over plain :class:`ParkRecord` values (the CLI fills them from the KB).

* **Planned output intensity** = target output (亿元) / planned area (km²), in 亿元/km².
  Targets of trade (``贸易额``, bonded zones) are not output: their intensity is shown but
  they are left out of the ranks and of the outlier statistics.
* **Ranks** by intensity, highest first, within the park's city and across the region
  (ties share the better rank).
* **Outliers** by a robust rule on the log of the intensity: with ``m`` the median and
  ``MAD`` the median absolute deviation of ``ln(intensity)`` over the ranked parks, a park is
  an outlier when ``|ln(intensity) − m| > 3 × 1.4826 × MAD`` (1.4826 makes the MAD estimate
  a standard deviation for normal data). No park is flagged when fewer than
  :data:`MIN_PARKS_FOR_OUTLIERS` parks have an intensity or when MAD is 0.
* **Attainment** = actual / target where an actual value exists (status 已达标 when the
  actual reaches the target, 未达标 when the target year has passed without it, 进行中
  otherwise).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

OUTLIER_K = 3.0
MAD_SCALE = 1.4826
MIN_PARKS_FOR_OUTLIERS = 5
OUTLIER_RULE = (f"|ln(强度) − 中位数| > {OUTLIER_K:g} × {MAD_SCALE} × MAD（对数强度的中位数绝对偏差）"
                "记为异常；贸易额目标不参与")
TRADE = "贸易额"
OUTPUT = "产值"
SORT_KEYS = ("intensity", "rank", "name", "city", "target", "area", "attainment", "level")


@dataclass(frozen=True)
class ParkRecord:
    """A park as the KB knows it (plain values; targets in 亿元, areas in km²)."""

    name: str
    city: str | None = None
    area_km2: float | None = None
    target_value: float | None = None
    target_year: int | None = None
    target_kind: str = OUTPUT  # 产值 or 贸易额
    level: str | None = None  # 国家级 / 自治区级 ...
    tier: str | None = None  # 千亿级 / 五百亿级 / 特色园区 ...
    industries: tuple[str, ...] = ()
    actual_value: float | None = None
    actual_year: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class ParkEvaluation:
    """The evaluation of one park; ``None`` fields say why in ``notes``."""

    park: ParkRecord
    intensity: float | None  # 亿元/km²
    rank_city: int | None = None
    n_city: int = 0
    rank_region: int | None = None
    n_region: int = 0
    log_deviation: float | None = None  # (ln intensity − median) / (1.4826 MAD)
    outlier: bool = False
    attainment: float | None = None  # actual / target
    attainment_status: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.park.name

    def to_dict(self) -> dict[str, object]:
        p = self.park
        return {
            "name": p.name, "city": p.city, "level": p.level, "tier": p.tier,
            "area_km2": p.area_km2, "target_value": p.target_value, "target_year": p.target_year,
            "target_kind": p.target_kind, "intensity": self.intensity,
            "intensity_unit": "亿元/km²", "rank_city": self.rank_city, "n_city": self.n_city,
            "rank_region": self.rank_region, "n_region": self.n_region,
            "log_deviation": self.log_deviation, "outlier": self.outlier,
            "outlier_rule": OUTLIER_RULE, "actual_value": p.actual_value,
            "actual_year": p.actual_year, "attainment": self.attainment,
            "attainment_status": self.attainment_status, "industries": list(p.industries),
            "notes": list(self.notes), "source": p.source,
        }


def planned_intensity(park: ParkRecord) -> tuple[float | None, str | None]:
    """(亿元/km², None) or (None, the reason there is none)."""
    if park.target_value is None:
        return None, "无规划目标值"
    if not park.area_km2 or park.area_km2 <= 0:
        return None, "无规划面积"
    return park.target_value / park.area_km2, None


def attainment(park: ParkRecord) -> tuple[float | None, str | None]:
    """(actual / target, status) where an actual value exists; (None, None) otherwise."""
    if park.actual_value is None or not park.target_value:
        return None, None
    ratio = park.actual_value / park.target_value
    if ratio >= 1:
        return ratio, "已达标"
    if park.target_year is not None and park.actual_year is not None and \
            park.actual_year >= park.target_year:
        return ratio, "未达标"
    return ratio, "进行中"


def _ranks(values: Sequence[tuple[int, float]]) -> dict[int, int]:
    """Competition ranks, highest value first: index -> rank."""
    ordered = sorted(values, key=lambda x: -x[1])
    out: dict[int, int] = {}
    for pos, (i, v) in enumerate(ordered):
        out[i] = pos + 1 if pos == 0 or v != ordered[pos - 1][1] else out[ordered[pos - 1][0]]
    return out


def robust_deviations(values: Sequence[float]) -> tuple[list[float] | None, str | None]:
    """(ln(v) − median) / (1.4826 MAD) per value, or (None, why not)."""
    if len(values) < MIN_PARKS_FOR_OUTLIERS:
        return None, f"有强度的园区少于{MIN_PARKS_FOR_OUTLIERS}个，不判断异常值"
    logs = [math.log(v) for v in values]
    med = statistics.median(logs)
    mad = statistics.median(abs(x - med) for x in logs)
    if mad == 0:
        return None, "对数强度的中位数绝对偏差为0，不判断异常值"
    return [(x - med) / (MAD_SCALE * mad) for x in logs], None


def evaluate_parks(parks: Iterable[ParkRecord]) -> list[ParkEvaluation]:
    """Evaluate every park: intensity, ranks in city and region, outlier flag, attainment."""
    items = list(parks)
    evals: list[ParkEvaluation] = []
    for p in items:
        value, why = planned_intensity(p)
        notes = [why] if why else []
        if value is not None and p.target_kind == TRADE:
            notes.append("目标为贸易额，不参与产值强度排名")
        att, status = attainment(p)
        evals.append(ParkEvaluation(park=p, intensity=value, attainment=att,
                                    attainment_status=status, notes=tuple(notes)))
    ranked = [(i, e.intensity) for i, e in enumerate(evals)
              if e.intensity is not None and e.intensity > 0 and e.park.target_kind != TRADE]
    region_rank = _ranks(ranked)
    by_city: dict[str, list[tuple[int, float]]] = {}
    for i, v in ranked:
        by_city.setdefault(evals[i].park.city or "", []).append((i, v))
    city_rank: dict[int, tuple[int, int]] = {}
    for members in by_city.values():
        for i, r in _ranks(members).items():
            city_rank[i] = (r, len(members))
    devs, why_not = robust_deviations([v for _, v in ranked])
    dev_of = {i: d for (i, _), d in zip(ranked, devs)} if devs else {}
    out = []
    for i, e in enumerate(evals):
        if i not in region_rank:
            out.append(e)
            continue
        d = dev_of.get(i)
        notes = e.notes + ((why_not,) if why_not else ())
        out.append(replace(e, rank_region=region_rank[i], n_region=len(ranked),
                           rank_city=city_rank[i][0], n_city=city_rank[i][1],
                           log_deviation=d, outlier=d is not None and abs(d) > OUTLIER_K,
                           notes=notes))
    return out


def sort_evaluations(evals: Iterable[ParkEvaluation], *, key: str = "intensity",
                     descending: bool | None = None) -> list[ParkEvaluation]:
    """Sort by ``key`` (one of :data:`SORT_KEYS`); missing values always last."""
    if key not in SORT_KEYS:
        raise ValueError(f"排序字段须为 {', '.join(SORT_KEYS)} 之一，而不是 {key!r}")
    get = {
        "intensity": lambda e: e.intensity,
        "rank": lambda e: e.rank_region,
        "name": lambda e: e.name,
        "city": lambda e: (e.park.city or "", e.rank_city or 10**9),
        "target": lambda e: e.park.target_value,
        "area": lambda e: e.park.area_km2,
        "attainment": lambda e: e.attainment,
        "level": lambda e: (e.park.level or "", e.park.tier or ""),
    }[key]
    if descending is None:
        descending = key in ("intensity", "target", "area", "attainment")
    present = [e for e in evals if get(e) is not None]
    missing = [e for e in evals if get(e) is None]
    return sorted(present, key=get, reverse=descending) + missing
