"""The two registers in the KB: project stages (项目库) and enterprise tiers (企业培育库).

Project stages
    Every ``status`` statement about a project (a document's fact or the bundled atlas) is one
    dated ``ProjectStage`` row linked to its Evidence; a person may add one by hand
    (`set_stage`, recorded with who and when). ``settle`` decides the current stage:
    statements are read in date order; a later statement moves a project on, never back
    (a later document naming an earlier stage is kept as a conflict to look at); a person's
    setting is authoritative at its date (it may move a project back); statements without a
    date come first, so any dated one can move the project on. ``Project.status`` holds the
    settled stage.

Enterprise tiers
    Every tier word in an enterprise's ``tags`` (documents, atlas) is one ``EnterpriseTier``
    row; imported tier lists (`store_tier_list`) add rows with the list's level, year and line.

`sync_registers` keeps both in step with the evidence; it runs after the atlas is loaded (for
every project), after every ingested document and after every review action (for the projects
they touched; a replaced version's rows go by cascade and its projects are settled again).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from gxatlas.data.registers import Registers, load_registers
from gxatlas.errors import GxatlasError
from gxatlas.kb.models import (Document, Enterprise, EnterpriseTier, Evidence, Project,
                               ProjectStage, Region, StoredFact)
from gxatlas.kb.provenance import cite
from gxatlas.kb.query import citation, industry_names
from gxatlas.kb.review import PENDING, TRUSTED, untrusted_ids

_DATE = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2}))?(?:\s*[-/.月]\s*(\d{1,2}))?")


# --- dates ------------------------------------------------------------------------------------

def normalize_date(text: Any) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` from a date as written (2026年2月, 2026-02-08);
    None when there is none."""
    if text is None:
        return None
    if isinstance(text, (dt.date, dt.datetime)):
        return text.strftime("%Y-%m-%d")
    m = _DATE.match(str(text))
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
        return None
    return year + (f"-{int(month):02d}" if month else "") + (
        f"-{int(day):02d}" if month and day else "")


def date_key(date: str | None) -> tuple[int, int, int]:
    """A sortable key: (year, month, day), unknown parts 0; no date sorts first."""
    if not date:
        return (0, 0, 0)
    parts = [int(p) for p in date.split("-")] + [0, 0]
    return (parts[0], parts[1], parts[2])


# --- settling a project's stage ---------------------------------------------------------------

@dataclass(frozen=True)
class StageChange:
    """One statement of a project's stage, as read for the register."""

    stage: str
    index: int
    date: str | None
    origin: str
    word: str | None = None
    source: dict[str, Any] | None = None  # `gxatlas.kb.query.citation`
    set_by: str | None = None
    set_at: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "date": self.date, "origin": self.origin, "word": self.word,
                "source": self.source, "set_by": self.set_by, "set_at": self.set_at,
                "note": self.note}


@dataclass(frozen=True)
class Settled:
    current: StageChange | None
    history: tuple[StageChange, ...]   # every statement in the order read
    conflicts: tuple[StageChange, ...]  # later statements of an earlier stage (not applied)


def _read_order(c: StageChange) -> tuple[Any, ...]:
    # date first; on one date documents before people, earlier stages first
    return (date_key(c.date), c.origin == "user", c.set_at or "", c.index)


def settle(changes: Iterable[StageChange]) -> Settled:
    """The current stage of one project from its statements (see the module doc)."""
    ordered = tuple(sorted(changes, key=_read_order))
    current: StageChange | None = None
    conflicts = []
    for c in ordered:
        if current is None or (c.index != current.index and c.origin == "user") \
                or c.index > current.index:
            current = c  # the first statement of a stage dates it: repeating it is no move
        elif c.index < current.index and date_key(c.date) > date_key(current.date):
            conflicts.append(c)
    return Settled(current=current, history=ordered, conflicts=tuple(conflicts))


# --- keeping the registers in step with the evidence --------------------------------------------

@dataclass(frozen=True)
class SyncReport:
    stages: int = 0
    tiers: int = 0
    unknown_words: tuple[str, ...] = ()


def _source_date(ev: Evidence | None) -> str | None:
    """The date of the document a statement was read in (None for a person's statement)."""
    return normalize_date(ev.document.date) if ev is not None and ev.document else None


def _stated_dates(session: Session, evidence: Sequence[Evidence]) -> dict[int, str | None]:
    """The date each statement gives its stage (a fact's ``status_date``: 2023年建成投产), by
    evidence id: the ``status_date`` cited from the same place (project, document, start),
    the first cited when there are several; read for all of them in one query."""
    spans = {(ev.entity_id, ev.document_id, ev.start) for ev in evidence if ev.start is not None}
    found: dict[tuple[Any, ...], Any] = {}
    if spans:
        for eid, doc_id, start, value in session.execute(
                select(Evidence.entity_id, Evidence.document_id, Evidence.start, Evidence.value)
                .where(Evidence.entity_type == "project", Evidence.field == "status_date",
                       Evidence.entity_id.in_(sorted({s[0] for s in spans})))
                .order_by(Evidence.id)):
            found.setdefault((eid, doc_id, start), value)
    return {ev.id: normalize_date(found.get((ev.entity_id, ev.document_id, ev.start)))
            if ev.start is not None else None for ev in evidence}


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in re.split("[;；,，、|/]+", value) if t.strip()]
    if isinstance(value, (list, tuple)):
        return [str(t) for t in value if str(t).strip()]
    return []


@functools.cache
def _unregistered(by_document: bool) -> tuple[Any, Any]:
    """The evidence of stages and of tiers that the registers lack (cited to the document
    ``document_id`` only, ``by_document``); built once, run for every document stored."""
    cited = [Evidence.document_id == bindparam("document_id")] if by_document else []
    stages = (select(Evidence).outerjoin(ProjectStage, ProjectStage.evidence_id == Evidence.id)
              .where(Evidence.entity_type == "project", Evidence.field == "status",
                     ProjectStage.id.is_(None), *cited))
    tiers = (select(Evidence).outerjoin(EnterpriseTier, EnterpriseTier.evidence_id == Evidence.id)
             .where(Evidence.entity_type == "enterprise", Evidence.field == "tags",
                    EnterpriseTier.id.is_(None), *cited))
    return stages, tiers


def sync_registers(session: Session, *, projects: Iterable[int] | None = None,
                   registers: Registers | None = None,
                   document_id: int | None = None) -> SyncReport:
    """Add the stage and tier rows that evidence states and the registers lack, then settle
    the stage of the projects that gained a row and of ``projects`` (the projects whose
    evidence or facts the caller changed; every project when None). Idempotent; call inside
    the transaction that changed evidence. Every change of a project's statements settles it
    in its own transaction, so settling only those keeps every ``Project.status`` settled
    while the cost follows the change, not the size of the KB. ``document_id``: look only at
    the statements cited to that document (the one stored in this transaction: every
    statement before it is in the registers already), not at every statement of the KB
    (with a registry of a million firms, scanning their evidence cost more than storing
    the document)."""
    regs = registers or load_registers()
    unknown: set[str] = set()
    moved: set[int] = set()
    stages, tiers = _unregistered(document_id is not None)
    cited = {} if document_id is None else {"document_id": document_id}
    new_stages = list(session.scalars(stages, cited))
    dates = _stated_dates(session, new_stages)
    rows: list[dict[str, Any]] = []  # written together (one executemany), in this order
    for ev in new_stages:
        stage = regs.stage_of(str(ev.value)) if ev.value not in (None, "") else None
        if stage is None:
            if ev.value not in (None, ""):
                unknown.add(str(ev.value))
            continue
        rows.append(dict(project_id=ev.entity_id, stage=stage.name, word=str(ev.value)[:60],
                         date=dates[ev.id], origin=ev.origin, evidence_id=ev.id))
        moved.add(ev.entity_id)
    if rows:
        session.execute(insert(ProjectStage), rows)
    n_stages = len(rows)
    rows = []
    for ev in session.scalars(tiers, cited):
        seen: set[str] = set()
        for tag in _tags(ev.value):
            tier = regs.tier_of(tag)
            if tier is None or tier.id in seen:
                continue
            seen.add(tier.id)
            rows.append(dict(enterprise_id=ev.entity_id, tier=tier.id,
                             level=tier.level_given(regs.level_of(tag)), word=tag[:100],
                             origin=ev.origin, evidence_id=ev.id))
    if rows:
        session.execute(insert(EnterpriseTier), rows)
    n_tiers = len(rows)
    session.flush()
    if projects is None:
        settle_projects(session, registers=regs)
    elif ids := moved.union(projects):
        settle_projects(session, sorted(ids), registers=regs)
    return SyncReport(stages=n_stages, tiers=n_tiers, unknown_words=tuple(sorted(unknown)))


def _reviewed(stmt: Any, evidence_id: Any, *, include_pending: bool) -> Any:
    """Keep rows whose evidence states no extracted fact, or a fact analyses may use (trusted;
    pending too with ``include_pending``; never rejected: `gxatlas.kb.review`)."""
    allowed = TRUSTED + ((PENDING,) if include_pending else ())
    return stmt.join(Evidence, Evidence.id == evidence_id).outerjoin(
        StoredFact, StoredFact.id == Evidence.fact_id).where(
        or_(StoredFact.id.is_(None), StoredFact.status.in_(allowed)))


def stage_changes(session: Session, project_ids: Sequence[int] | None = None,
                  *, include_pending: bool = False, registers: Registers | None = None
                  ) -> dict[int, list[StageChange]]:
    """Every project's stage statements with their citations (all projects, or these)."""
    regs = registers or load_registers()
    index = {s.name: s.index for s in regs.stages}
    stmt = _reviewed(select(ProjectStage), ProjectStage.evidence_id,
                     include_pending=include_pending).order_by(ProjectStage.id).options(
        selectinload(ProjectStage.evidence).selectinload(Evidence.document))
    if project_ids is not None:
        stmt = stmt.where(ProjectStage.project_id.in_(list(project_ids)))
    out: dict[int, list[StageChange]] = {}
    for row in session.scalars(stmt):
        out.setdefault(row.project_id, []).append(StageChange(
            stage=row.stage, index=index.get(row.stage, -1),
            date=row.date or _source_date(row.evidence), origin=row.origin,
            word=row.word, source=citation(row.evidence) if row.evidence else None,
            set_by=row.set_by,
            # when a person set it (a document's statement is dated by its document)
            set_at=(row.set_at.isoformat(timespec="seconds")
                    if row.set_at and row.origin == "user" else None),
            note=row.note))
    return out


def settle_projects(session: Session, project_ids: Sequence[int] | None = None, *,
                    registers: Registers | None = None) -> None:
    """Write each project's settled stage to ``Project.status`` (None without a statement
    of a known stage)."""
    settled = {pid: settle(changes).current for pid, changes in
               stage_changes(session, project_ids, registers=registers).items()}
    stmt = select(Project)
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(list(project_ids)))
    for proj in session.scalars(stmt):
        current = settled.get(proj.id)
        stage = current.stage if current is not None else None
        if proj.status != stage:
            proj.status = stage
    session.flush()


def set_stage(session: Session, project: Project, stage: str, *, by: str,
              date: str | None = None, note: str | None = None,
              registers: Registers | None = None) -> StageChange:
    """Record by hand that ``project`` reached ``stage`` on ``date`` (default today), by
    ``by``; cited as a person's statement. Returns the project's settled stage."""
    regs = registers or load_registers()
    try:
        st = regs.stage(stage)
    except KeyError as err:
        raise GxatlasError(err.args[0]) from err
    if not by.strip():
        raise GxatlasError("请说明由谁设定（--by）")
    when = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    day = normalize_date(date) if date else when.date().isoformat()
    if date and day is None:
        raise GxatlasError(f"日期 {date!r} 无法识别（用 YYYY、YYYY-MM 或 YYYY-MM-DD）")
    locator = f"人工设定 {by} {when.isoformat(sep=' ')}"
    cite(session, entity_type="project", entity_id=project.id, field="status", value=st.name,
         origin="user", document_id=None, locator=locator[:200],
         quote=(note or None) and note[:500])
    session.flush()
    ev = session.scalars(select(Evidence).where(
        Evidence.entity_type == "project", Evidence.entity_id == project.id,
        Evidence.origin == "user", Evidence.locator == locator[:200])).one()
    session.add(ProjectStage(project_id=project.id, stage=st.name, word=st.name, date=day,
                             origin="user", evidence_id=ev.id, set_by=by, set_at=when,
                             note=note))
    session.flush()
    settle_projects(session, [project.id], registers=regs)
    return settle(stage_changes(session, [project.id], registers=regs)[project.id]).current


# --- reading the registers --------------------------------------------------------------------

def _regions(session: Session) -> dict[int, Region]:
    return {r.id: r for r in session.scalars(select(Region))}


def _city(regions: dict[int, Region], rid: int | None) -> tuple[str | None, str | None]:
    """(prefecture-level city, county) of a region id."""
    r = regions.get(rid) if rid else None
    if r is None:
        return None, None
    if r.level == "county" and r.parent_id in regions:
        return regions[r.parent_id].name, r.name
    return r.name, None


def _with_parents(regions: dict[int, Region], ids: set[int]) -> set[int]:
    """``ids`` and the cities above its counties: entities are stored under their
    prefecture-level city (`gxatlas.kb.load.city_id`), the county only in what they state."""
    return ids | {regions[i].parent_id for i in ids if i in regions
                  and regions[i].level == "county" and regions[i].parent_id}


def _stated_counties(session: Session, regions: dict[int, Region], entity_type: str,
                     stored: dict[int, int | None]) -> dict[int, int]:
    """Entity id → the county its own statements place it in (a ``city``/``county`` statement
    naming a county of the city it is stored under: 横州 for a project of 南宁市)."""
    from gxatlas.kb.resolve import find

    out: dict[int, int] = {}
    ids = [i for i, rid in stored.items() if rid is not None]
    names: dict[str, Region | None] = {}
    for lo in range(0, len(ids), 500):
        for eid, value in session.execute(select(Evidence.entity_id, Evidence.value).where(
                Evidence.entity_type == entity_type, Evidence.entity_id.in_(ids[lo:lo + 500]),
                Evidence.field.in_(("city", "county"))).order_by(Evidence.id)):
            if eid in out or not isinstance(value, str) or not value.strip():
                continue
            if value not in names:
                names[value] = find(session, "region", value)
            r = names[value]
            if r is not None and r.level == "county" and r.parent_id == stored[eid]:
                out[eid] = r.id
    return out


def _in_region(rid: int | None, county: int | None, region_ids: set[int] | None) -> bool:
    return region_ids is None or rid in region_ids or county in region_ids


@dataclass(frozen=True)
class ProjectRow:
    """A project as the pipeline reads it: its values, its stage statements and sources."""

    id: int
    name: str
    city: str | None
    county: str | None
    park: str | None
    enterprise: str | None
    investment: float | None  # 亿元
    capacity: str | None
    year: int | None
    industries: tuple[str, ...]
    changes: tuple[StageChange, ...]
    documents: tuple[str, ...]  # keys of the documents that state anything about it
    sources: tuple[dict[str, Any], ...] = field(default=())  # citations of its name


def project_rows(session: Session, *, region_ids: set[int] | None = None,
                 park: str | None = None, document: str | None = None,
                 include_pending: bool = False,
                 registers: Registers | None = None) -> list[ProjectRow]:
    """The projects (of a region and its sub-regions: a county's are those whose statements
    place them there; of a park, or named by a document) that analyses use (`gxatlas.kb.review`; ``include_pending`` adds those waiting)."""
    from gxatlas.kb.resolve import find

    stmt = select(Project).order_by(Project.id).where(
        Project.id.not_in(untrusted_ids("project", include_pending=include_pending)))
    regions = _regions(session)
    if region_ids is not None:
        stmt = stmt.where(Project.region_id.in_(_with_parents(regions, region_ids)))
    if park:
        p = find(session, "park", park)
        if p is None:
            raise GxatlasError(f"知识库中没有园区“{park}”")
        stmt = stmt.where(Project.park_id == p.id)
    if document:
        doc = session.scalars(select(Document).where(Document.key == document)).first()
        if doc is None:
            raise GxatlasError(f"知识库中没有文件“{document}”")
        ids = select(Evidence.entity_id).where(Evidence.entity_type == "project",
                                               Evidence.document_id == doc.id)
        stmt = stmt.where(Project.id.in_(ids))
    projects = list(session.scalars(stmt))
    counties = _stated_counties(session, regions, "project",
                                {p.id: p.region_id for p in projects})
    projects = [p for p in projects if _in_region(p.region_id, counties.get(p.id), region_ids)]
    ids = [p.id for p in projects]
    inds = industry_names(session, "project")
    changes = stage_changes(session, ids, include_pending=include_pending, registers=registers)
    docs: dict[int, set[str]] = {}
    names: dict[int, list[dict[str, Any]]] = {}
    for ev in session.scalars(select(Evidence).where(Evidence.entity_type == "project",
                                                     Evidence.entity_id.in_(ids))):
        if ev.document is not None:
            docs.setdefault(ev.entity_id, set()).add(ev.document.key)
        if ev.field == "name":
            names.setdefault(ev.entity_id, []).append(citation(ev))
    out = []
    for p in projects:
        city, county = _city(regions, counties.get(p.id, p.region_id))
        out.append(ProjectRow(
            id=p.id, name=p.name, city=city, county=county,
            park=p.park.name if p.park else None,
            enterprise=p.enterprise.name if p.enterprise else None,
            investment=p.investment, capacity=p.capacity, year=p.year,
            industries=tuple(sorted(inds.get(p.id, ()))), changes=tuple(changes.get(p.id, ())),
            documents=tuple(sorted(docs.get(p.id, ()))), sources=tuple(names.get(p.id, ()))))
    return out


@dataclass(frozen=True)
class TierHolding:
    tier: str
    level: str | None
    year: int | None
    as_of: str | None
    origin: str
    word: str | None
    source: dict[str, Any] | None

    @property
    def when(self) -> int | None:
        """The year the firm is known to hold the tier: the stated year, else the source's."""
        if self.year:
            return self.year
        return date_key(self.as_of)[0] or None

    def to_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "level": self.level, "year": self.year, "as_of": self.as_of,
                "origin": self.origin, "word": self.word, "source": self.source}


@dataclass(frozen=True)
class FirmRow:
    """An enterprise as the cultivation pool reads it."""

    id: int
    name: str
    city: str | None
    county: str | None
    credit_code: str | None
    founded: str | None
    revenue: float | None  # 万元
    tags: tuple[str, ...]
    holdings: tuple[TierHolding, ...]
    path: tuple[str, ...] = ()  # the regions it lies in, deepest first (横州市, 南宁市, 广西…)


def firm_rows(session: Session, *, region_ids: set[int] | None = None,
              include_pending: bool = False) -> list[FirmRow]:
    """Every enterprise of the region (all when None; a county's are those whose statements
    place them there) that holds a tier and that analyses use, with its tier statements
    (`gxatlas.kb.review`; ``include_pending`` adds those waiting)."""
    stmt = select(Enterprise).order_by(Enterprise.id).where(
        Enterprise.id.not_in(untrusted_ids("enterprise", include_pending=include_pending)),
        Enterprise.id.in_(select(EnterpriseTier.enterprise_id)))
    regions = _regions(session)
    if region_ids is not None:
        stmt = stmt.where(Enterprise.region_id.in_(_with_parents(regions, region_ids)))
    holdings: dict[int, list[TierHolding]] = {}
    tiers = _reviewed(select(EnterpriseTier), EnterpriseTier.evidence_id,
                      include_pending=include_pending)
    for row in session.scalars(tiers.order_by(EnterpriseTier.id).options(
            selectinload(EnterpriseTier.evidence).selectinload(Evidence.document))):
        holdings.setdefault(row.enterprise_id, []).append(TierHolding(
            tier=row.tier, level=row.level, year=row.year,
            as_of=row.as_of or _source_date(row.evidence), origin=row.origin,
            word=row.word, source=citation(row.evidence) if row.evidence else None))
    firms = list(session.scalars(stmt))
    counties = _stated_counties(session, regions, "enterprise",
                                {e.id: e.region_id for e in firms})
    out = []
    for e in firms:
        rid = counties.get(e.id, e.region_id)
        if not _in_region(e.region_id, counties.get(e.id), region_ids):
            continue
        city, county = _city(regions, rid)
        out.append(FirmRow(id=e.id, name=e.name, city=city, county=county,
                           credit_code=e.credit_code, founded=e.founded, revenue=e.revenue,
                           tags=tuple(e.tags or ()), holdings=tuple(holdings.get(e.id, ())),
                           path=_path(regions, rid)))
    return out


def _path(regions: dict[int, Region], rid: int | None) -> tuple[str, ...]:
    out = []
    r = regions.get(rid) if rid else None
    while r is not None and len(out) < 8:
        out.append(r.name)
        r = regions.get(r.parent_id) if r.parent_id else None
    return tuple(out)


# --- storing an imported tier list --------------------------------------------------------------

@dataclass(frozen=True)
class TierListResult:
    document: str
    status: str  # "added", "replaced", "unchanged"
    rows: int
    enterprises_added: int


def store_tier_list(session: Session, tier_list: Any, *, source: Any = None,
                    name: str | None = None, registers: Registers | None = None
                    ) -> TierListResult:
    """Store a checked tier list (`gxatlas.analysis.tierlists.TierList`): one Evidence and one
    ``EnterpriseTier`` row per firm, cited to the file and line; firms are matched by credit
    code, then by name, else added. The list is a document identified as documents are
    (`gxatlas.kb.documents.table_document`): by its data (``tier_list.digest``: the same list
    under another name, encoding or format is "unchanged", a no-op) and its ``source``
    (default the file's path: a changed file at the same path replaces its own rows).
    ``name`` is the file name to show (an upload's own name). A list with problems is
    refused whole."""
    from pathlib import Path

    from gxatlas.kb.documents import Source, table_document
    from gxatlas.kb.load import city_id
    from gxatlas.kb.resolve import get_or_create
    from gxatlas.kb.search import index_entity

    if tier_list.problems:
        raise GxatlasError(f"{tier_list.path}: 名单有 {len(tier_list.problems)} 处问题，未存入任何内容")
    regs = registers or load_registers()
    p = Path(tier_list.path)
    status, doc = table_document(
        session, stem=f"tierlist:{name or p.name}", digest=tier_list.digest,
        source=source or Source.path(p), kind="tierlist", title=tier_list.title[:500],
        fmt=p.suffix.lstrip(".").lower())
    if status == "unchanged":
        return TierListResult(document=doc.key, status="unchanged", rows=0, enterprises_added=0)
    if status == "replaced":
        doc.title = tier_list.title[:500]
        session.execute(delete(Evidence).where(Evidence.document_id == doc.id))
        session.flush()
    added = 0
    for row in tier_list.rows:
        ent = None
        if row.credit_code:
            ent = session.scalars(select(Enterprise).where(
                Enterprise.credit_code == row.credit_code)).first()
        if ent is None:
            ent, created = get_or_create(session, "enterprise", row.name,
                                         credit_code=row.credit_code,
                                         region_id=city_id(session, row.county or row.city))
            added += int(created)
        tier = regs.tier(row.tier)
        locator = f"第 {row.line} 行"
        cite(session, entity_type="enterprise", entity_id=ent.id, field="name", value=row.name,
             origin="user", document_id=doc.id, locator=locator)
        for fld, place in (("city", row.city), ("county", row.county)):
            if place:
                cite(session, entity_type="enterprise", entity_id=ent.id, field=fld,
                     value=place, origin="user", document_id=doc.id, locator=locator)
        cite(session, entity_type="enterprise", entity_id=ent.id, field=f"tier:{tier.id}",
             value={"tier": tier.name, "level": row.level, "year": row.year},
             origin="user", document_id=doc.id, locator=locator)
        session.flush()
        ev = session.scalars(select(Evidence).where(
            Evidence.entity_type == "enterprise", Evidence.entity_id == ent.id,
            Evidence.field == f"tier:{tier.id}", Evidence.document_id == doc.id,
            Evidence.locator == locator)).one()
        session.add(EnterpriseTier(enterprise_id=ent.id, tier=tier.id, level=row.level,
                                   year=row.year, as_of=str(row.year), word=row.word,
                                   origin="list", evidence_id=ev.id))
        index_entity(session, "enterprise", ent.id)
    session.flush()
    return TierListResult(document=doc.key, status=status, rows=len(tier_list.rows),
                          enterprises_added=added)
