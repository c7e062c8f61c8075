"""Target monitoring over the KB: import actuals, rate each target, evaluate parks.

The maths lives in :mod:`gxatlas.analysis.progress`, :mod:`~gxatlas.analysis.actuals` and
:mod:`~gxatlas.analysis.parks`; this module only reads and writes the KB (indicators,
observations, parks) and turns rows into the plain records those functions take.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.analysis.actuals import ActualsImport, IndicatorSpec, read_actuals
from gxatlas.analysis.parks import OUTPUT, TRADE, ParkEvaluation, ParkRecord, evaluate_parks
from gxatlas.analysis.progress import (DEFAULT_CONFIG, ProgressConfig, ProgressResult,
                                       change_as_index, growth_as_index, measure_progress,
                                       plan_target, target_text)
from gxatlas.errors import GxatlasError
from gxatlas.kb.models import (Alias, Document, Indicator, Industry, Observation, Park,
                               ParkTarget, Region, Relation)
from gxatlas.kb.resolve import region_ids_named
from gxatlas.kb.review import untrusted_ids
from gxatlas.names import name_key
from gxatlas.units import convert

PARK_OUTPUT_SUFFIX = "工业总产值"
USER_SOURCE = "user"


@dataclass(frozen=True)
class ImportResult:
    """What `gxatlas monitor import` did: the rows read, stored (new), replaced (a value of
    the same file name, indicator, region and year), and the problems. ``status`` is
    "added", "replaced" or "unchanged" (the same data was imported before as ``document``,
    from whatever file name: nothing is stored again)."""

    imported: ActualsImport
    stored: int
    replaced: int
    status: str = "added"
    document: str | None = None
    matched: int = 0  # rows linked to a plan indicator of the KB

    @property
    def skipped_rows(self) -> int:
        """Rows not imported (problems with a line; missing years are not skipped rows)."""
        return len({p.line for p in self.imported.problems if p.line is not None})

@dataclass(frozen=True)
class MonitorRow:
    """One plan indicator with a target, and its progress."""

    indicator_id: int
    indicator: str
    region: str | None
    plan: str | None
    unit: str | None
    attribute: str | None
    progress: ProgressResult
    observations: int
    series_name: str | None = None  # what the actuals are read as (the level of a rate)
    series_unit: str | None = None

    @property
    def baseline_text(self) -> str:
        """``2015: 9793 亿元（规模以上工业总产值）`` — the base of the series measured, with its
        unit and, when it is another indicator's (a rate's level), that indicator's name."""
        p = self.progress
        if p.base_value is None:
            return "—"
        unit = _unit_suffix(self.series_unit)
        whose = (f"（{self.series_name}）" if self.series_name and self.series_name != self.indicator
                 else "")
        return f"{p.base_year}: {p.base_value:g}{unit}{whose}"

    @property
    def latest_text(self) -> str:
        p = self.progress
        if p.latest_value is None or p.latest_year == p.base_year:
            return "—"
        unit = _unit_suffix(self.series_unit)
        return f"{p.latest_year}: {p.latest_value:g}{unit}"

    @property
    def target_text(self) -> str:
        return target_text(self.progress, self.unit)

    def to_dict(self) -> dict[str, Any]:
        return {"indicator_id": self.indicator_id, "indicator": self.indicator,
                "region": self.region, "plan": self.plan, "unit": self.unit,
                "attribute": self.attribute, "observations": self.observations,
                "series_name": self.series_name, "series_unit": self.series_unit,
                "baseline_text": self.baseline_text, "latest_text": self.latest_text,
                "target_text": self.target_text,
                **{k: v for k, v in self.progress.to_dict().items()
                   if k not in ("indicator", "attribute")}}


def _unit_suffix(unit: str | None) -> str:
    return "" if not unit else unit if unit in ("%", "％") else f" {unit}"


def _region_name(session: Session, rid: int | None) -> str | None:
    r = session.get(Region, rid) if rid else None
    return r.short_name or r.name if r else None


def known_indicators(session: Session) -> list[IndicatorSpec]:
    """Every indicator name the KB knows, with its aliases and unit, and each park's output."""
    specs: dict[str, IndicatorSpec] = {}
    aliases: dict[int, list[str]] = {}
    for a in session.scalars(select(Alias).where(Alias.entity_type == "indicator")):
        aliases.setdefault(a.entity_id, []).append(a.alias)
    for ind in session.scalars(select(Indicator).order_by(Indicator.id)):
        cur = specs.get(ind.key)
        names = tuple(dict.fromkeys([*(cur.aliases if cur else ()), *aliases.get(ind.id, [])]))
        specs[ind.key] = IndicatorSpec(name=cur.name if cur else ind.name,
                                       unit=(cur.unit if cur else "") or ind.unit or "",
                                       aliases=names)
    for ind in session.scalars(select(Indicator).order_by(Indicator.id)):
        pt = plan_target(name=ind.name, unit=ind.unit, target_year=ind.target_year,
                         target_value=ind.target_value)
        if pt is not None and name_key(pt.series_name) != name_key(ind.name) and pt.series_name:
            # the level a 年均增长 / 较…下降 target is measured on can be imported too
            specs.setdefault(name_key(pt.series_name), IndicatorSpec(name=pt.series_name))
    for park in session.scalars(select(Park)):
        specs.setdefault(f"park:{park.key}", IndicatorSpec(
            name=park.name + PARK_OUTPUT_SUFFIX, unit="亿元",
            aliases=(park.name, park.name + "产值", park.name + "工业产值")))
    return list(specs.values())


def region_names(session: Session) -> dict[str, str]:
    """Every spelling of a region (name, short name) -> its short name."""
    out: dict[str, str] = {}
    for r in session.scalars(select(Region)):
        for n in (r.name, r.short_name):
            if n:
                out.setdefault(n, r.short_name or r.name)
    return out


def import_actuals(session: Session, path: str | Path, *, name: str | None = None,
                   source=None, strict: bool = False) -> ImportResult:
    """Read actuals from ``path`` and store the good rows as observations of one document,
    identified as documents are (``kb.documents.table_document``): by its data (the same
    data from another file name, encoding or layout is not stored again) and its ``source``
    (default: the file's path). A row for an (indicator, region, year) already imported
    from the same source replaces it. ``name`` is the file name to record (an upload's
    own name); ``strict`` refuses the whole file when any row has a problem (API uploads)."""
    from gxatlas.analysis.actuals import actuals_digest
    from gxatlas.errors import InputError
    from gxatlas.kb.bulk import RegionNames, insert_rows, update_rows
    from gxatlas.kb.documents import Source, table_document

    name = name or Path(path).name
    imp = read_actuals(path, indicators=known_indicators(session),
                       regions=region_names(session))
    bad = [str(p) for p in imp.problems if p.line is not None]
    if strict and bad:
        more = f" 等 {len(bad)} 处" if len(bad) > 5 else ""
        raise InputError(name, "；".join(bad[:5]) + more + "；未导入任何数据")
    if not imp.rows:
        return ImportResult(imported=imp, stored=0, replaced=0)
    status, doc = table_document(
        session, stem=f"actuals:{name}", digest=actuals_digest(imp.rows),
        source=source or Source.path(path), kind="actuals", title=f"实际值 {name}",
        fmt=Path(name).suffix.lstrip(".").lower())
    if status == "unchanged":
        return ImportResult(imported=imp, stored=0, replaced=0, status="unchanged",
                            document=doc.key)
    by_key: dict[str, list[Indicator]] = {}
    for ind in session.scalars(select(Indicator).order_by(Indicator.id)):
        by_key.setdefault(name_key(ind.name), []).append(ind)
    source = f"{USER_SOURCE}:{doc.key}"  # one per document: two files of one name never clash
    old = {(o.name, o.region_id, o.year): o.id for o in session.execute(
        select(Observation.id, Observation.name, Observation.region_id, Observation.year)
        .where(Observation.document_id == doc.id))}
    regions = RegionNames(session)
    new, changed, matched = [], [], 0
    for row in imp.rows:
        rid = regions.find(row.region)
        candidates = by_key.get(name_key(row.indicator), [])
        ind = next((i for i in candidates if i.scope_id == rid), candidates[0] if candidates
                   else None)
        matched += ind is not None
        values = {"indicator_id": ind.id if ind else None, "value": row.value,
                  "unit": row.unit, "document_id": doc.id}
        oid = old.get((row.indicator, rid, row.year))
        if oid is not None:
            changed.append({"id": oid, **values})
        else:
            new.append({"name": row.indicator, "region_id": rid, "year": row.year,
                        "source": source, **values})
    update_rows(session, Observation, changed)
    insert_rows(session, Observation, new)
    session.expire_all()
    return ImportResult(imported=imp, stored=len(new), replaced=len(changed), status=status,
                        document=doc.key, matched=matched)


class _Observed:
    """Every observation of the KB indexed by (indicator name key, region), read once."""

    def __init__(self, session: Session) -> None:
        names = {i.id: name_key(i.name) for i in session.scalars(select(Indicator))}
        self.by: dict[tuple[str, int | None], list[Observation]] = {}
        for o in session.scalars(select(Observation).order_by(Observation.id)):
            keys = {name_key(o.name), names.get(o.indicator_id, "")} - {""}
            for k in keys:
                self.by.setdefault((k, o.region_id), []).append(o)

    def series(self, *, name: str, region_id: int | None) -> list[tuple[int, float]]:
        """Observed (year, value) of an indicator name in a region; user values win over
        values read from documents."""
        rows = self.by.get((name_key(name), region_id), [])
        by_year: dict[int, float] = {}
        for o in sorted(rows, key=lambda o: (o.source.startswith(USER_SOURCE), o.id)):
            by_year[o.year] = o.value
        return sorted(by_year.items())


def monitor(session: Session, *, region: str | None = None, plan: str | None = None,
            config: ProgressConfig = DEFAULT_CONFIG,
            include_pending: bool = False) -> list[MonitorRow]:
    """Progress of every indicator with a numeric target (optionally of one region / plan);
    indicators waiting for review only with ``include_pending`` (`gxatlas.kb.review`)."""
    stmt = select(Indicator).where(
        Indicator.target_value.is_not(None), Indicator.target_year.is_not(None),
        Indicator.id.not_in(untrusted_ids("indicator", include_pending=include_pending)),
    ).order_by(Indicator.id)
    if region:
        stmt = stmt.where(Indicator.scope_id.in_(region_ids_named(session, region)))
    if plan:
        doc = session.scalars(select(Document).where(Document.key == plan)).first()
        if doc is None and plan.isdigit():
            doc = session.get(Document, int(plan))
        if doc is None:
            raise GxatlasError(f"未知规划文件“{plan}”")
        stmt = stmt.where(Indicator.plan_id == doc.id)
    out = []
    observed = _Observed(session)
    for ind in session.scalars(stmt):
        pt = plan_target(name=ind.name, unit=ind.unit, target_year=ind.target_year,
                         target_value=ind.target_value, baseline_year=ind.baseline_year,
                         baseline_value=ind.baseline_value,
                         lower_is_better=ind.lower_is_better or None,
                         comparator=ind.comparator)
        if pt is None:
            continue
        measured = _measured_series(session, observed, ind, pt)
        result = measure_progress(indicator=ind.name, series=measured.series,
                                  target=pt.target, base_year=measured.base_year,
                                  direction=pt.direction, attribute=ind.attribute,
                                  base_value=measured.base_value, config=config)
        doc = session.get(Document, ind.plan_id) if ind.plan_id else None
        out.append(MonitorRow(indicator_id=ind.id, indicator=ind.name,
                              region=_region_name(session, ind.scope_id),
                              plan=doc.key if doc else None, unit=ind.unit,
                              attribute=ind.attribute, progress=result,
                              observations=measured.count, series_name=measured.name,
                              series_unit=measured.unit))
    return out


@dataclass(frozen=True)
class _Measured:
    """The series a target is measured on, and where it came from."""

    series: list[tuple[int, float]]
    base_year: int | None
    base_value: float | None
    name: str
    unit: str | None
    count: int  # actual observations behind it


def _measured_series(session: Session, observed: _Observed, ind: Indicator, pt: Any
                     ) -> _Measured:
    """What a target is measured on. A level target: its own actuals. A rate (年均增长) or a
    change (较2015年下降) target: the actuals of the level it qualifies, from the level
    indicator's baseline; or, when the actuals were imported under the rate or change
    indicator's own name, those values chained into an index of the level (base = 100)."""
    own = observed.series(name=ind.name, region_id=ind.scope_id)
    if pt.series_name == ind.name:
        return _Measured(own, pt.base_year, pt.base_value, ind.name, ind.unit, len(own))
    kind = pt.target.kind
    if own and kind in ("change", "annual_growth") and (pt.base_year or ind.baseline_year):
        base_year = pt.base_year or ind.baseline_year
        if kind == "change":
            index = change_as_index(own, base_year=base_year, down=pt.target.value < 0)
        else:
            index = growth_as_index(own, base_year=base_year)
        return _Measured(index, base_year, 100.0, f"{pt.series_name}指数（{base_year}年=100）",
                         None, len(own))
    series = observed.series(name=pt.series_name, region_id=ind.scope_id)
    base_year, base_value, unit = pt.base_year, None, None
    level = _level_indicator(session, ind, pt.series_name)
    if level is not None:
        unit = level.unit
        if level.baseline_year is not None:
            base_year = base_year or level.baseline_year
            if base_year == level.baseline_year:
                base_value = level.baseline_value
    return _Measured(series, base_year, base_value, pt.series_name, unit, len(series))


def _level_indicator(session: Session, ind: Indicator, name: str) -> Indicator | None:
    """The indicator of the same plan and scope that ``ind`` (a rate or a change) is about."""
    key = name_key(name)
    rows = session.scalars(select(Indicator).where(Indicator.scope_id == ind.scope_id,
                                                   Indicator.plan_id == ind.plan_id))
    return next((r for r in rows if name_key(r.name) == key), None)


def park_records(session: Session, *, region: str | None = None,
                 include_pending: bool = False) -> list[ParkRecord]:
    """Every park of the KB (optionally of one city) as a plain record with its latest
    output (or trade) target, focus industries and latest imported actual output; parks
    waiting for review only with ``include_pending``."""
    stmt = select(Park).where(Park.id.not_in(untrusted_ids(
        "park", include_pending=include_pending))).order_by(Park.id)
    if region:
        stmt = stmt.where(Park.region_id.in_(region_ids_named(session, region)))
    out = []
    observed = _Observed(session)
    for park in session.scalars(stmt):
        targets = sorted(park.targets, key=lambda t: (t.year, t.metric))
        target = _main_target(targets)
        industries = sorted({session.get(Industry, i).name for i in session.scalars(
            select(Relation.b_id).where(Relation.a_type == "park", Relation.a_id == park.id,
                                        Relation.b_type == "industry"))})
        actual = observed.series(name=park.name + PARK_OUTPUT_SUFFIX, region_id=None) or \
            observed.series(name=park.name + PARK_OUTPUT_SUFFIX, region_id=park.region_id)
        out.append(ParkRecord(
            name=park.name, city=_region_name(session, park.region_id), area_km2=park.area_km2,
            target_value=_yi(target) if target else None,
            target_year=target.year if target else None,
            target_kind=TRADE if target is not None and TRADE in target.metric else OUTPUT,
            level=park.level, tier=park.klass, industries=tuple(industries),
            actual_value=actual[-1][1] if actual else None,
            actual_year=actual[-1][0] if actual else None))
    return out


def park_evaluations(session: Session, *, region: str | None = None,
                     include_pending: bool = False) -> list[ParkEvaluation]:
    """The evaluation of the parks of ``region`` (all parks without one). Ranks and outliers
    are always computed over every park of the KB, so 全区排名 is the rank in the whole
    region whatever city is shown; parks waiting for review only with ``include_pending``."""
    evals = evaluate_parks(park_records(session, include_pending=include_pending))
    if not region:
        return evals
    wanted = set(session.scalars(select(Park.name).where(
        Park.region_id.in_(region_ids_named(session, region)))))
    return [e for e in evals if e.park.name in wanted]


def _main_target(targets: list[ParkTarget]) -> ParkTarget | None:
    """The latest output target; a trade target when the same figure is also recorded as
    output for that year (one statement of a bonded zone read twice)."""
    trade = {(t.year, t.value) for t in targets if TRADE in t.metric}
    output = [t for t in targets if TRADE not in t.metric and (t.year, t.value) not in trade]
    return (output or targets or [None])[-1]


def _yi(t: ParkTarget) -> float | None:
    """A park target in 亿元, whatever money unit it was stored in."""
    value, _ = convert(value=t.value, unit=t.unit or "亿元", to="亿元")
    return value
