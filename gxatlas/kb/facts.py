"""Stored facts: how one extracted fact enters the KB, and how it can be taken back.

``store_fact`` records the fact (``StoredFact``: values, evidence span, confidence, reasons),
resolves it to the entity it is about (``resolve_fact``), decides its review status
(`gxatlas.kb.review`) and, when it is accepted or names a new entity, applies it
(``apply_fact``): the entity is created, or given the values it lacks, its names, park target
and focus relations. What applying changed is kept on the fact (``StoredFact.applied``) so
that ``unapply`` can take exactly that back when a person rejects, edits or merges the fact.
A fact's evidence rows (one per stated field) are a function of the fact (``cite_fact``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gxatlas.extract.facts import Fact
from gxatlas.kb.load import city_id
from gxatlas.kb.models import (ENTITY_MODELS, Alias, Evidence, Indicator, ParkTarget, Policy,
                               Relation, StoredFact)
from gxatlas.kb.provenance import cite, relate
from gxatlas.kb.resolve import (IndicatorMatch, IndicatorScope, add_alias, find, find_indicator,
                                indicator_key, indicator_scope, scope_names)
from gxatlas.kb.review import ACCEPTED, PENDING, initial_status, is_trusted
from gxatlas.names import canonical_name, name_key

PARK_METRIC = "工业总产值"


@dataclass(frozen=True)
class Target:
    """What a stored fact is about: an entity type and the entity (None: not known yet)."""

    entity_type: str
    entity: Any
    match: str | None  # how it resolved: name / value / owner (None: unknown)
    scope: IndicatorScope | None = None
    candidates: tuple[int, ...] = ()  # close known entities (indicators), for a reviewer


def signature(fact_type: str, name: str, quote: str) -> str:
    """A fact's identity within its document: ``NAMEHASH:QUOTEHASH``. The first half (type and
    name) finds it again when the words around it change, the whole when they do not."""
    head = hashlib.sha1(f"{fact_type}|{name_key(name)}".encode("utf-8")).hexdigest()[:24]
    tail = hashlib.sha1(quote.encode("utf-8")).hexdigest()[:24]
    return f"{head}:{tail}"


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# --- where the rules read and write ------------------------------------------------------

#: ``session.info`` key of the batch a document's facts are stored in (`gxatlas.kb.factbatch`)
BATCH = "fact_batch"


class SessionFacts:
    """What the rules below read and write, one statement at a time in ``session``: review
    actions on one fact use it. A document's facts are stored through a
    `gxatlas.kb.factbatch.FactBatch` instead, which answers the same calls from what it read
    for the whole document and writes its rows together (tests/test_ingest_batch.py checks
    that both leave the same rows)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, entity_type: str, name: str) -> Any:
        return find(self.session, entity_type, name)

    def city_id(self, name: str | None) -> int | None:
        return city_id(self.session, name)

    def indicator_scope(self, scope: str | None) -> IndicatorScope:
        return indicator_scope(self.session, scope)

    def find_indicator(self, **kw: Any) -> IndicatorMatch:
        return find_indicator(self.session, **kw)

    def scope_names(self, region_id: int | None) -> list[str]:
        return scope_names(self.session, region_id)

    def is_trusted(self, entity_type: str, entity_id: int) -> bool:
        return is_trusted(self.session, entity_type, entity_id)

    def add_fact(self, row: StoredFact) -> None:
        self.session.add(row)
        self.session.flush()

    def drop_fact(self, row: StoredFact) -> None:
        self.session.delete(row)
        self.session.flush()

    def decided(self, row: StoredFact) -> None:
        """A fact's entity and status are settled (nothing to note: the session has it)."""

    def add_entity(self, ent: Any) -> None:
        self.session.add(ent)
        self.session.flush()

    def add_alias(self, entity_type: str, entity_id: int, name: str, *,
                  loose: str | None = None) -> bool:
        return add_alias(self.session, entity_type, entity_id, name, loose=loose)

    def indicator_key_taken(self, key: str, plan_id: int, scope_id: int | None,
                            target_year: Any, baseline_year: Any) -> bool:
        clash = select(Indicator.id).where(
            Indicator.key == key, Indicator.plan_id == plan_id,
            Indicator.scope_id == scope_id if scope_id is not None
            else Indicator.scope_id.is_(None),
            Indicator.target_year == target_year if target_year is not None
            else Indicator.target_year.is_(None),
            Indicator.baseline_year == baseline_year
            if baseline_year is not None else Indicator.baseline_year.is_(None))
        return self.session.scalars(clash).first() is not None

    def relate(self, **kw: Any) -> bool:
        return relate(self.session, **kw)

    def park_target_taken(self, park_id: int, metric: str, year: int) -> bool:
        return self.session.scalars(select(ParkTarget).where(
            ParkTarget.park_id == park_id, ParkTarget.metric == metric,
            ParkTarget.year == year)).first() is not None

    def add_park_target(self, target: ParkTarget) -> None:
        self.session.add(target)

    def clear_evidence(self, row: StoredFact) -> None:
        self.session.execute(delete(Evidence).where(Evidence.fact_id == row.id))

    def cite(self, **kw: Any) -> bool:
        return cite(self.session, **kw)

    def flush(self) -> None:
        self.session.flush()


def fact_io(session: Session) -> Any:
    """The batch a document's facts are being stored in, else ``SessionFacts``."""
    return session.info.get(BATCH) or SessionFacts(session)


# --- recording and resolving -------------------------------------------------------------

def record_fact(session: Session, fact: Fact, doc_id: int, text: str) -> StoredFact:
    """The stored form of an extracted fact (status decided by ``store_fact``), recorded."""
    row = fact_row(fact, doc_id, text)
    fact_io(session).add_fact(row)
    return row


def fact_row(fact: Fact, doc_id: int, text: str) -> StoredFact:
    """The stored form of an extracted fact, not yet recorded."""
    ev = fact.evidence
    quote = text[ev.start:ev.end] if text else (ev.quote or "")
    values = {k: (list(x) if isinstance(x, tuple) else x) for k, x in fact.values.items()}
    shown = (ev.quote or quote or "")[:500] or None
    row = StoredFact(document_id=doc_id, type=fact.type, name=fact.name, values=values,
                     aliases=list(fact.aliases), signature=signature(fact.type, fact.name, quote),
                     start=ev.start, end=ev.end, orig_start=ev.orig_start, orig_end=ev.orig_end,
                     alignment=ev.alignment, reason=ev.reason, quote=shown,
                     confidence=float(fact.confidence), reasons=list(fact.reasons),
                     status=PENDING, applied={}, version=1)
    return row


def resolve_fact(session: Session, row: StoredFact) -> Target | None:
    """The entity a stored fact is about (None for a focus statement whose owner is unknown)."""
    io = fact_io(session)
    v, name = row.values, row.name
    if row.type in ("park", "enterprise", "project"):
        for n in (name, *row.aliases):
            ent = io.find(row.type, n)
            if ent is not None:
                return Target(row.type, ent, "name")
        return Target(row.type, None, None)
    if row.type == "policy":
        number, title = v.get("doc_number"), v.get("title") or name
        ent = (io.find("policy", number) if number else None) or (
            io.find("policy", title) if title else None)
        return Target("policy", ent, "name" if ent is not None else None)
    if row.type == "indicator":
        scope = io.indicator_scope(v.get("scope"))
        m = io.find_indicator(name=name, scope=scope, values=v, aliases=row.aliases,
                              document_id=row.document_id)
        return Target("indicator", m.indicator, m.how, scope, m.candidates)
    if row.type == "industry_focus":
        owner_type = "park" if v.get("park") else "region"
        owner = io.find(owner_type, v.get("park") or v.get("region") or "")
        return Target(owner_type, owner, "owner") if owner is not None else None
    raise ValueError(f"unknown fact type {row.type!r}")


def target_of(session: Session, row: StoredFact) -> Target:
    """The entity a stored fact points at now, as a Target."""
    model = ENTITY_MODELS[row.entity_type]
    scope = indicator_scope(session, row.values.get("scope")) if row.type == "indicator" else None
    return Target(row.entity_type, session.get(model, row.entity_id), row.match, scope)


# --- applying ------------------------------------------------------------------------------

def entity_values(session: Session, row: StoredFact) -> dict[str, Any]:
    """The entity columns a fact states (those that exist for its type)."""
    io = fact_io(session)
    v = row.values
    if row.type == "park":
        return dict(region_id=io.city_id(v.get("city")), area_km2=_num(v.get("area_km2")),
                    level=v.get("level"))
    if row.type == "enterprise":
        return dict(region_id=io.city_id(v.get("city")))
    if row.type == "project":
        park = io.find("park", v["park"]) if v.get("park") else None
        firm = io.find("enterprise", v["enterprise"]) if v.get("enterprise") else None
        return dict(region_id=io.city_id(v.get("city")), park_id=park.id if park else None,
                    enterprise_id=firm.id if firm else None,
                    investment=_num(v.get("investment")), capacity=v.get("capacity"),
                    status=v.get("status"), year=v.get("year"))
    if row.type == "policy":
        return dict(doc_number=v.get("doc_number"), title=v.get("title") or row.name,
                    issuer=v.get("issuer"), date=v.get("date"))
    if row.type == "indicator":
        out: dict[str, Any] = dict(unit=v.get("unit"), category=v.get("category"),
                                   attribute=v.get("attribute"), comparator=v.get("comparator"),
                                   kind=v.get("kind"))
        for fld in ("baseline", "target"):
            val = v.get(f"{fld}_value")
            out[f"{fld}_year"] = v.get(f"{fld}_year")
            out[f"{fld}_value"] = _num(val)
            out[f"{fld}_text"] = val if isinstance(val, str) else None
        return out
    return {}


def _fill(ent: Any, values: dict[str, Any], applied: dict[str, Any]) -> None:
    """Give an existing entity the values it lacks (a source never silently overwrites
    another: disagreeing statements stay side by side as evidence), noting what was set."""
    cols = applied.setdefault("columns", {})
    for k, val in values.items():
        if val is not None and getattr(ent, k, None) in (None, [], ""):
            setattr(ent, k, val)
            cols[k] = val


def _fill_indicator(ind: Indicator, values: dict[str, Any], applied: dict[str, Any]) -> None:
    """As ``_fill``; a baseline or target is taken only whole (year with value) and only
    when the indicator has none for another year; a comparator belongs to one statement's
    target and is never lent to another source's (`以上` in prose is no bound on a table)."""
    _fill(ind, {k: values[k] for k in ("unit", "category", "attribute", "kind")}, applied)
    cols = applied["columns"]
    for fld in ("baseline", "target"):
        year, val, txt = (values[f"{fld}_year"], values[f"{fld}_value"], values[f"{fld}_text"])
        if (val is None and txt is None) or getattr(ind, f"{fld}_value") is not None \
                or getattr(ind, f"{fld}_text") is not None \
                or getattr(ind, f"{fld}_year") not in (None, year):
            continue
        for k, x in ((f"{fld}_year", year), (f"{fld}_value", val), (f"{fld}_text", txt)):
            if x is not None and getattr(ind, k) != x:
                setattr(ind, k, x)
                cols[k] = x


def _names(session: Session, row: StoredFact, target: Target, ent: Any,
           applied: dict[str, Any]) -> None:
    io = fact_io(session)
    added = applied.setdefault("aliases", [])
    if row.type == "indicator":
        scope = target.scope or IndicatorScope(ent.scope_id)
        snames = io.scope_names(ent.scope_id)
        for n in (row.name, *row.aliases):
            full = scope.full_name(n)
            if io.add_alias("indicator", ent.id, full,
                            loose=indicator_key(full, scope_names=snames, unit=ent.unit)):
                added.append(full)
        return
    names = (row.values.get("doc_number"), row.values.get("title") or row.name) \
        if row.type == "policy" else (row.name, *row.aliases)
    for n in names:
        if n and io.add_alias(row.type, ent.id, n):
            added.append(n)


def _create(session: Session, row: StoredFact, target: Target) -> Any:
    """A new entity for a fact that resolved to none (its first name recorded, not noted as
    applied: it goes with the entity)."""
    io = fact_io(session)
    vals = entity_values(session, row)
    if row.type in ("park", "enterprise", "project"):  # as `resolve.get_or_create`
        ent = io.find(row.type, row.name)
        if ent is None:
            ent = ENTITY_MODELS[row.type](name=canonical_name(row.name),
                                          key=name_key(row.name), **vals)
            io.add_entity(ent)
        else:
            for k, val in vals.items():
                if val is not None and getattr(ent, k, None) in (None, [], ""):
                    setattr(ent, k, val)
        io.add_alias(row.type, ent.id, row.name)
        return ent
    if row.type == "policy":
        ent = Policy(key=name_key(vals["doc_number"] or vals["title"]), **vals)
    else:
        scope = target.scope or io.indicator_scope(row.values.get("scope"))
        name = scope.full_name(row.name)
        ent = Indicator(name=name, key=_indicator_key(session, row, scope, name),
                        scope_id=scope.region_id, plan_id=row.document_id, **vals)
    io.add_entity(ent)
    return ent


def _indicator_key(session: Session, row: StoredFact, scope: IndicatorScope, name: str) -> str:
    """The ``key`` of a new indicator: its name key, told apart from another indicator of the
    same name, scope, plan and years in another unit (the table's unique constraint)."""
    key, v = name_key(name), row.values
    if fact_io(session).indicator_key_taken(key, row.document_id, scope.region_id,
                                            v.get("target_year"), v.get("baseline_year")):
        key = f"{key}（{v.get('unit') or row.id}）"
    return key


def apply_fact(session: Session, row: StoredFact, target: Target) -> Any:
    """Make the KB say what the fact says (see module doc); returns the entity."""
    io = fact_io(session)
    applied: dict[str, Any] = {}
    ent = target.entity
    if row.type == "industry_focus":
        rels = applied.setdefault("relations", [])
        for ind_name in row.values.get("industries") or ():
            ind = io.find("industry", ind_name)
            if ind is not None and io.relate(type="focus", a_type=target.entity_type,
                                             a_id=ent.id, b_type="industry", b_id=ind.id):
                rels.append(ind.id)
    else:
        if ent is None:
            ent = _create(session, row, target)
            applied["created"] = True
        elif row.type == "indicator":
            _fill_indicator(ent, entity_values(session, row), applied)
        else:
            _fill(ent, entity_values(session, row), applied)
        _names(session, row, target, ent, applied)
        if row.type == "park":
            _park_target(session, row, ent, applied)
    row.applied = applied
    cite_fact(session, row, target.entity_type, ent.id)
    return ent


def _park_target(session: Session, row: StoredFact, park: Any, applied: dict[str, Any]) -> None:
    v = row.values
    value = _num(v.get("target_value"))
    if not v.get("target_year") or value is None:
        return
    metric = v.get("metric") or PARK_METRIC
    io = fact_io(session)
    if not io.park_target_taken(park.id, metric, int(v["target_year"])):
        io.add_park_target(ParkTarget(park_id=park.id, metric=metric,
                                      year=int(v["target_year"]), value=value, unit="亿元",
                                      comparator=v.get("comparator")))
        applied["target"] = [metric, int(v["target_year"]), value]


def unapply(session: Session, row: StoredFact) -> None:
    """Take back what applying the fact changed, where nothing else changed it since (an
    entity the fact created stays: with no trusted fact left, analyses leave it out)."""
    applied = row.applied or {}
    if not applied or row.entity_id is None:
        row.applied = {}
        return
    ent = session.get(ENTITY_MODELS[row.entity_type], row.entity_id)
    if ent is not None:
        for col, val in (applied.get("columns") or {}).items():
            if getattr(ent, col, None) == val:
                setattr(ent, col, None)
        if not applied.get("created"):
            for n in applied.get("aliases") or ():
                session.execute(delete(Alias).where(
                    Alias.entity_type == row.entity_type, Alias.entity_id == row.entity_id,
                    Alias.key == name_key(n)))
    if applied.get("target"):
        metric, year, value = applied["target"]
        session.execute(delete(ParkTarget).where(
            ParkTarget.park_id == row.entity_id, ParkTarget.metric == metric,
            ParkTarget.year == year, ParkTarget.value == value))
    for ind_id in applied.get("relations") or ():
        session.execute(delete(Relation).where(
            Relation.type == "focus", Relation.a_type == row.entity_type,
            Relation.a_id == row.entity_id, Relation.b_type == "industry",
            Relation.b_id == ind_id))
    row.applied = {}
    session.flush()


# --- evidence ------------------------------------------------------------------------------

def fact_fields(row: StoredFact) -> dict[str, Any]:
    """What a fact states, field by field, as its evidence rows record it."""
    v, name = row.values, row.name
    if row.type == "park":
        metric = v.get("metric") or PARK_METRIC
        return {"name": name, "city": v.get("city"), "area_km2": v.get("area_km2"),
                f"target:{metric}:{v.get('target_year')}":
                    v.get("target_value") if v.get("target_year") else None}
    if row.type == "enterprise":
        return {"name": name, "city": v.get("city"), "tags": v.get("tags")}
    if row.type == "project":
        return {"name": name, "city": v.get("city"), "investment": v.get("investment"),
                "capacity": v.get("capacity"), "status": v.get("status"),
                "status_date": v.get("status_date")}
    if row.type == "policy":
        return {"doc_number": v.get("doc_number"), "title": v.get("title") or name,
                "date": v.get("date")}
    if row.type == "indicator":
        return {"name": name, "scope": v.get("scope"), "unit": v.get("unit"),
                "baseline": f"{v.get('baseline_year')}: {v.get('baseline_value')}"
                if v.get("baseline_value") is not None else None,
                "target": f"{v.get('target_year')}: {v.get('target_value')}"
                if v.get("target_value") is not None else None}
    return {"focus": list(v.get("industries") or ())}


def cite_fact(session: Session, row: StoredFact, entity_type: str, entity_id: int) -> None:
    """Point the fact at its entity and (re)write its evidence rows, one per stated field."""
    io = fact_io(session)
    io.clear_evidence(row)
    row.entity_type, row.entity_id = entity_type, entity_id
    io.flush()
    for fld, val in fact_fields(row).items():
        if val in (None, (), [], ""):
            continue
        io.cite(entity_type=entity_type, entity_id=entity_id, field=fld,
             value=list(val) if isinstance(val, tuple) else val, origin="extracted",
             document_id=row.document_id, start=row.start, end=row.end,
             orig_start=row.orig_start, orig_end=row.orig_end, alignment=row.alignment,
             reason=row.reason, quote=row.quote, fact_id=row.id)
    io.flush()


# --- storing -------------------------------------------------------------------------------

def store_fact(session: Session, fact: Fact, doc_id: int, text: str, *,
               threshold: float) -> StoredFact | None:
    """Store one fact: resolve it, decide its status, and apply it when it is accepted or
    names a new entity (which then waits for review with it). A pending statement about a
    known entity is evidence only until a person accepts it."""
    io = fact_io(session)
    row = record_fact(session, fact, doc_id, text)
    target = resolve_fact(session, row)
    if target is None:
        io.drop_fact(row)
        return None
    known = target.entity is not None
    trusted = known and io.is_trusted(target.entity_type, target.entity.id)
    row.status, row.status_reason = initial_status(
        confidence=row.confidence, threshold=threshold, new=not known, trusted=trusted)
    row.match = target.match if known else "new"
    if row.status == ACCEPTED or not known:
        apply_fact(session, row, target)
    else:
        cite_fact(session, row, target.entity_type, target.entity.id)
    io.decided(row)
    return row
