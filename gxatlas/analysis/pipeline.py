"""The major-project pipeline (重大项目库: 储备一批、签约一批、开工一批、竣工一批、投产一批).

Each project's stage is settled from its dated statements by `gxatlas.kb.registers.settle`
(a later statement moves it on, an older one never moves it back, a person's setting wins at
its date). Here, as pure functions over those records:

* ``since`` is the date the project first reached its current stage; a project **has not
  moved** (停滞) when it is short of 投产 and ``since`` lies ``stale_months`` or more before
  ``as_of`` (default 24 months before today); without a date it cannot be judged (None);
* totals by stage, city, park, chain and year (the year it reached its current stage): the
  number of projects, the investment summed over those that state one (亿元) and how many
  do, so that a total is never mistaken for complete;
* the funnel: projects and investment per stage, in pipeline order.

`pipeline_from_kb` is the one service the CLI (`gxatlas projects`), the API and the report
call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from gxatlas.data.registers import Registers, load_registers
from gxatlas.kb.registers import ProjectRow, StageChange, date_key, settle

STALE_MONTHS = 24
GROUPS = ("stage", "city", "park", "chain", "year")
GROUP_NAMES = {"stage": "阶段", "city": "城市", "park": "园区", "chain": "产业链", "year": "年份"}
NONE_LABEL = {"stage": "阶段不明", "city": "未定位", "park": "不在园区", "chain": "未归链",
              "year": "年份不明"}
FINAL_STAGE = "投产"


@dataclass(frozen=True)
class PipelineProject:
    """A project as read from the KB (``row``) with what the pipeline makes of it."""

    row: ProjectRow
    chains: tuple[str, ...]
    links: tuple[str, ...]
    stage: str | None
    stage_label: str | None
    since: str | None
    source: dict[str, Any] | None  # citation of the statement that dates the current stage
    history: tuple[StageChange, ...]
    conflicts: tuple[StageChange, ...]
    stale: bool | None
    months: int | None  # months in the current stage at ``as_of``

    @property
    def year(self) -> int | None:
        return date_key(self.since)[0] or None

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {"id": r.id, "name": r.name, "city": r.city, "county": r.county, "park": r.park,
                "enterprise": r.enterprise, "investment": r.investment, "capacity": r.capacity,
                "industries": list(r.industries), "chains": list(self.chains),
                "links": list(self.links), "stage": self.stage, "stage_label": self.stage_label,
                "since": self.since, "year": self.year, "source": self.source,
                "stale": self.stale, "months": self.months,
                "history": [c.to_dict() for c in self.history],
                "conflicts": [c.to_dict() for c in self.conflicts],
                "documents": list(r.documents),
                # where the project is named (cited for a project without a stage statement)
                "named": r.sources[0] if r.sources else None}


def months_between(start: str | None, end: dt.date) -> int | None:
    """Whole months from a YYYY[-MM[-DD]] date to ``end`` (a year alone counts from its
    start; a month alone from its first day); None without a date."""
    y, m, d = date_key(start)
    if not y:
        return None
    m, d = m or 1, d or 1
    months = (end.year - y) * 12 + (end.month - m) - (1 if end.day < d else 0)
    return max(months, 0)


def build_projects(rows: Iterable[ProjectRow], *, links_of: Callable[[ProjectRow], Sequence[
        tuple[str, str]]], as_of: dt.date, stale_months: int = STALE_MONTHS,
        registers: Registers | None = None) -> list[PipelineProject]:
    """Projects with their settled stage, chains and the stale flag. ``links_of`` gives a
    project's (chain name, link label) pairs."""
    regs = registers or load_registers()
    labels = {s.name: s.label for s in regs.stages}
    out = []
    for row in rows:
        settled = settle(row.changes)
        cur = settled.current
        since = cur.date if cur else None
        months = months_between(since, as_of) if cur else None
        if cur is None or months is None:
            stale = None
        else:
            stale = cur.stage != FINAL_STAGE and months >= stale_months
        pairs = list(links_of(row))
        out.append(PipelineProject(
            row=row, chains=tuple(dict.fromkeys(c for c, _ in pairs)),
            links=tuple(dict.fromkeys(lk for _, lk in pairs)),
            stage=cur.stage if cur else None, stage_label=labels.get(cur.stage) if cur else None,
            since=since, source=cur.source if cur else None, history=settled.history,
            conflicts=settled.conflicts, stale=stale, months=months))
    return out


def _keys(p: PipelineProject, by: str) -> tuple[Any, ...]:
    if by == "chain":
        return p.chains or (None,)
    return ({"stage": p.stage, "city": p.row.city, "park": p.row.park, "year": p.year}[by],)


def totals(projects: Sequence[PipelineProject], *, by: str,
           registers: Registers | None = None) -> list[dict[str, Any]]:
    """Count and investment (亿元) per group; a project on two chains counts in both. Stages
    in pipeline order, years ascending, other groups by count; the unknown group last."""
    if by not in GROUPS:
        raise ValueError(f"unknown group {by!r}")
    regs = registers or load_registers()
    acc: dict[Any, dict[str, Any]] = {}
    for p in projects:
        for key in _keys(p, by):
            row = acc.setdefault(key, {"key": key, "count": 0, "investment": 0.0,
                                       "with_investment": 0, "stale": 0})
            row["count"] += 1
            row["stale"] += int(bool(p.stale))
            if p.row.investment is not None:
                row["investment"] += p.row.investment
                row["with_investment"] += 1
    order = {s.name: s.index for s in regs.stages}
    if by == "stage":
        keys = sorted((k for k in acc if k is not None), key=lambda k: order.get(k, 99))
    elif by == "year":
        keys = sorted(k for k in acc if k is not None)
    else:
        keys = sorted((k for k in acc if k is not None), key=lambda k: (-acc[k]["count"], k))
    if None in acc:
        keys.append(None)
    out = []
    for k in keys:
        row = dict(acc[k])
        row["investment"] = round(row["investment"], 4)
        row["label"] = NONE_LABEL[by] if k is None else (
            {s.name: s.label for s in regs.stages}.get(k, k) if by == "stage" else str(k))
        out.append(row)
    return out


def funnel(projects: Sequence[PipelineProject], *,
           registers: Registers | None = None) -> list[dict[str, Any]]:
    """Every stage in pipeline order (zeros included) with its count and investment."""
    regs = registers or load_registers()
    have = {r["key"]: r for r in totals(projects, by="stage", registers=regs)}
    return [{"stage": s.name, "label": s.label,
             "count": have.get(s.name, {}).get("count", 0),
             "investment": have.get(s.name, {}).get("investment", 0.0),
             "with_investment": have.get(s.name, {}).get("with_investment", 0)}
            for s in regs.stages]


def stale_rule(stale_months: int, as_of: dt.date) -> str:
    return (f"停滞：未到投产阶段，且到 {as_of.isoformat()} 已在当前阶段满 {stale_months} 个月；"
            f"日期不明的不作判断。阶段以最晚的表述为准，旧文件不会把项目退回早先阶段，"
            f"人工设定以其日期为准。")


def pipeline_report(projects: Sequence[PipelineProject], *, as_of: dt.date,
                    stale_months: int = STALE_MONTHS, filters: dict[str, Any] | None = None,
                    registers: Registers | None = None) -> dict[str, Any]:
    """Everything the CLI, the API, the dashboard and the report show, JSON-able."""
    regs = registers or load_registers()
    known = [p.row.investment for p in projects if p.row.investment is not None]
    return {
        "as_of": as_of.isoformat(), "stale_months": stale_months,
        "filters": {k: v for k, v in (filters or {}).items() if v is not None},
        "rule": stale_rule(stale_months, as_of),
        "summary": {"count": len(projects), "investment": round(sum(known), 4),
                    "with_investment": len(known),
                    "stale": sum(1 for p in projects if p.stale),
                    "undated": sum(1 for p in projects if p.stage and p.since is None),
                    "unstaged": sum(1 for p in projects if p.stage is None)},
        "stages": [{"stage": s.name, "label": s.label} for s in regs.stages],
        "funnel": funnel(projects, registers=regs),
        "totals": {by: totals(projects, by=by, registers=regs) for by in GROUPS},
        "projects": [p.to_dict() for p in projects],
    }


def pipeline_from_kb(session: Any, *, region: str | None = None, park: str | None = None,
                     chain: str | None = None, stage: str | None = None,
                     year: int | None = None, document: str | None = None,
                     stale_only: bool = False, stale_months: int = STALE_MONTHS,
                     as_of: dt.date | None = None, include_pending: bool = False
                     ) -> dict[str, Any]:
    """The pipeline of the KB's projects in ``region`` (with its sub-regions) or ``park``,
    named by ``document``, optionally of one chain, stage or year (see ``pipeline_report``);
    projects and statements waiting for review only with ``include_pending``."""
    from gxatlas.analysis.chains import Entity, entity_links, link_label, project_text
    from gxatlas.analysis.classify import classifier
    from gxatlas.data.chains import find_chain, load_chains
    from gxatlas.errors import GxatlasError
    from gxatlas.kb.registers import project_rows
    from gxatlas.kb.resolve import region_ids_named

    regs = load_registers()
    as_of = as_of or dt.date.today()
    if stale_months < 1:
        raise GxatlasError("--stale-months 应为正整数")
    want_stage = None
    if stage:
        try:
            want_stage = regs.stage(stage).name
        except KeyError as err:
            raise GxatlasError(err.args[0]) from err
    chains = load_chains()
    want_chain = find_chain(chain, chains=chains) if chain else None
    by_id = {c.id: c for c in chains}
    ids = region_ids_named(session, region) if region else None
    rows = project_rows(session, region_ids=ids, park=park, document=document,
                        include_pending=include_pending, registers=regs)
    clf = classifier()

    def links_of(row: ProjectRow) -> list[tuple[str, str]]:
        ent = Entity(name=row.name, type="project",
                     text=project_text(row.capacity, row.industries),
                     industries=tuple(row.industries))
        out = []
        for key in entity_links(ent, clf):
            chain_id, link_id = key.split("/", 1)
            ch = by_id.get(chain_id)
            if ch is not None:
                out.append((ch.name, link_label(ch, link_id)))
        return sorted(out)

    projects = build_projects(rows, links_of=links_of, as_of=as_of, stale_months=stale_months,
                              registers=regs)
    if want_chain is not None:
        projects = [p for p in projects if want_chain.name in p.chains]
    if want_stage is not None:
        projects = [p for p in projects if p.stage == want_stage]
    if year is not None:
        projects = [p for p in projects if p.year == year]
    if stale_only:
        projects = [p for p in projects if p.stale]
    return pipeline_report(projects, as_of=as_of, stale_months=stale_months, registers=regs,
                           filters={"region": region, "park": park, "chain": chain,
                                    "stage": want_stage, "year": year, "document": document,
                                    "stale_only": stale_only or None,
                                    "include_pending": include_pending or None})
