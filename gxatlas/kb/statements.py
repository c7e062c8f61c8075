"""What every source says about an entity's figures, side by side (for the cross-source audit).

One entity (an indicator, a park, a project) is stated by several sources: the bundled atlas
(which read a plan's table), the documents' extracted facts (prose, a later report). Each
statement of a figure — a baseline or target of a year, a park's area or output target, a
project's investment — is a ``Statement`` with its source; `gxatlas.analysis.audit`
compares them. Rejected facts say nothing; facts waiting for review do (marked so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import (Document, Evidence, Indicator, Park, ParkTarget, Project,
                               StoredFact)
from gxatlas.kb.review import REJECTED, STATUS_ZH

_TARGET_FIELD = re.compile(r"^target:(?P<metric>[^:]+):(?P<year>\d{4})$")


@dataclass(frozen=True)
class Statement:
    """One figure of one entity as one source states it."""

    entity_type: str
    entity_id: int
    entity: str            # the entity's name
    field: str             # baseline / target / area_km2 / investment / target:工业总产值
    year: int | None
    value: float
    unit: str | None
    comparator: str | None
    document: str | None   # the document key
    origin: str            # atlas / extracted / user
    start: int | None = None
    end: int | None = None
    locator: str | None = None
    quote: str | None = None
    status: str | None = None  # the review status of an extracted fact

    @property
    def place(self) -> str:
        """Where the statement is, for people: document and span or locator, and status."""
        where = self.locator or (f"字符 {self.start}–{self.end}" if self.start is not None else "")
        label = "图谱" if self.origin == "atlas" else ""
        status = f"（{STATUS_ZH[self.status]}）" if self.status and self.status != "accepted" else ""
        return " ".join(x for x in (label, self.document or "", where) if x) + status


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _atlas_cites(session: Session, entity_type: str) -> dict[tuple[int, str], Evidence]:
    """The atlas evidence of every entity of a type, by (entity id, field)."""
    out: dict[tuple[int, str], Evidence] = {}
    for ev in session.scalars(select(Evidence).where(Evidence.entity_type == entity_type,
                                                     Evidence.origin == "atlas")):
        out.setdefault((ev.entity_id, ev.field), ev)
    return out


def _doc_keys(session: Session) -> dict[int, str]:
    return {i: k for i, k in session.execute(select(Document.id, Document.key))}


def _atlas_statements(session: Session, docs: dict[int, str]) -> Iterator[Statement]:
    cites = _atlas_cites(session, "indicator")
    for ind in session.scalars(select(Indicator).where(
            Indicator.id.in_({eid for eid, _ in cites}))):
        for fld in ("baseline", "target"):
            ev = cites.get((ind.id, fld))
            value = _num(getattr(ind, f"{fld}_value"))
            if ev is None or value is None:
                continue
            yield Statement("indicator", ind.id, ind.name, fld, getattr(ind, f"{fld}_year"),
                            value, ind.unit, ind.comparator if fld == "target" else None,
                            docs.get(ev.document_id), "atlas", locator=ev.locator)
    cites = _atlas_cites(session, "park")
    for t in session.scalars(select(ParkTarget)):
        ev = cites.get((t.park_id, f"target:{t.metric}:{t.year}"))
        if ev is not None:
            yield Statement("park", t.park_id, t.park.name, f"target:{t.metric}", t.year, t.value,
                            t.unit, t.comparator, docs.get(ev.document_id), "atlas",
                            locator=ev.locator)
    for park in session.scalars(select(Park).where(Park.area_km2.is_not(None))):
        ev = cites.get((park.id, "area_km2"))
        if ev is not None:
            yield Statement("park", park.id, park.name, "area_km2", None, park.area_km2,
                            "平方公里", None, docs.get(ev.document_id), "atlas",
                            locator=ev.locator)
    cites = _atlas_cites(session, "project")
    for proj in session.scalars(select(Project).where(Project.investment.is_not(None))):
        ev = cites.get((proj.id, "investment"))
        if ev is not None:
            yield Statement("project", proj.id, proj.name, "investment", None, proj.investment,
                            "亿元", None, docs.get(ev.document_id), "atlas", locator=ev.locator)


def _fact_figures(row: StoredFact) -> Iterator[tuple[str, int | None, float, str | None,
                                                     str | None]]:
    """(field, year, value, unit, comparator) of the figures a fact states."""
    v = row.values or {}
    if row.type == "indicator":
        for fld in ("baseline", "target"):
            value = _num(v.get(f"{fld}_value"))
            if value is not None:
                yield (fld, v.get(f"{fld}_year"), value, v.get("unit"),
                       v.get("comparator") if fld == "target" else None)
    elif row.type == "park":
        if _num(v.get("area_km2")) is not None:
            yield "area_km2", None, float(v["area_km2"]), "平方公里", None
        if v.get("target_year") and _num(v.get("target_value")) is not None:
            yield (f"target:{v.get('metric') or '工业总产值'}", int(v["target_year"]),
                   float(v["target_value"]), "亿元", v.get("comparator"))
    elif row.type == "project" and _num(v.get("investment")) is not None:
        yield "investment", None, float(v["investment"]), "亿元", None


def statements(session: Session) -> list[Statement]:
    """Every statement of a figure in the KB: the atlas's and the (not rejected) facts'."""
    from gxatlas.kb.models import ENTITY_MODELS

    docs = _doc_keys(session)
    out = list(_atlas_statements(session, docs))
    names: dict[tuple[str, int], str] = {}
    for row in session.scalars(select(StoredFact).where(
            StoredFact.status != REJECTED, StoredFact.entity_id.is_not(None),
            StoredFact.type.in_(("indicator", "park", "project")))):
        key = (row.entity_type, row.entity_id)
        if key not in names:
            ent = session.get(ENTITY_MODELS[row.entity_type], row.entity_id)
            names[key] = getattr(ent, "name", "") if ent is not None else row.name
        for fld, year, value, unit, cmp_ in _fact_figures(row):
            out.append(Statement(row.entity_type, row.entity_id, names[key], fld, year, value,
                                 unit, cmp_, docs.get(row.document_id), "extracted",
                                 start=row.start, end=row.end, quote=row.quote,
                                 status=row.status))
    return out
