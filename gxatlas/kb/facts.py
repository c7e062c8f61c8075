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
from gxatlas.kb.resolve import (IndicatorScope, add_alias, add_indicator_alias, find,
                                find_indicator, get_or_create, indicator_scope)
from gxatlas.kb.review import ACCEPTED, PENDING, initial_status, is_trusted
from gxatlas.names import name_key

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


# --- recording and resolving -------------------------------------------------------------

def record_fact(session: Session, fact: Fact, doc_id: int, text: str) -> StoredFact:
    """The stored form of an extracted fact (status decided by ``store_fact``)."""
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
    session.add(row)
    session.flush()
    return row


def resolve_fact(session: Session, row: StoredFact) -> Target | None:
    """The entity a stored fact is about (None for a focus statement whose owner is unknown)."""
    v, name = row.values, row.name
    if row.type in ("park", "enterprise", "project"):
        for n in (name, *row.aliases):
            ent = find(session, row.type, n)
            if ent is not None:
                return Target(row.type, ent, "name")
        return Target(row.type, None, None)
    if row.type == "policy":
        number, title = v.get("doc_number"), v.get("title") or name
        ent = (find(session, "policy", number) if number else None) or (
            find(session, "policy", title) if title else None)
        return Target("policy", ent, "name" if ent is not None else None)
    if row.type == "indicator":
        scope = indicator_scope(session, v.get("scope"))
        m = find_indicator(session, name=name, scope=scope, values=v, aliases=row.aliases,
                           document_id=row.document_id)
        return Target("indicator", m.indicator, m.how, scope, m.candidates)
    if row.type == "industry_focus":
        owner_type = "park" if v.get("park") else "region"
        owner = find(session, owner_type, v.get("park") or v.get("region") or "")
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
    v = row.values
    if row.type == "park":
        return dict(region_id=city_id(session, v.get("city")), area_km2=_num(v.get("area_km2")),
                    level=v.get("level"))
    if row.type == "enterprise":
        return dict(region_id=city_id(session, v.get("city")))
    if row.type == "project":
        park = find(session, "park", v["park"]) if v.get("park") else None
        firm = find(session, "enterprise", v["enterprise"]) if v.get("enterprise") else None
        return dict(region_id=city_id(session, v.get("city")), park_id=park.id if park else None,
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
    added = applied.setdefault("aliases", [])
    if row.type == "indicator":
        scope = target.scope or IndicatorScope(ent.scope_id)
        for n in (row.name, *row.aliases):
            if add_indicator_alias(session, ent, scope.full_name(n)):
                added.append(scope.full_name(n))
        return
    names = (row.values.get("doc_number"), row.values.get("title") or row.name) \
        if row.type == "policy" else (row.name, *row.aliases)
    for n in names:
        if n and add_alias(session, row.type, ent.id, n):
            added.append(n)


def _create(session: Session, row: StoredFact, target: Target) -> Any:
    vals = entity_values(session, row)
    if row.type in ("park", "enterprise", "project"):
        ent, _ = get_or_create(session, row.type, row.name, **vals)
        return ent
    if row.type == "policy":
        ent = Policy(key=name_key(vals["doc_number"] or vals["title"]), **vals)
    else:
        scope = target.scope or indicator_scope(session, row.values.get("scope"))
        name = scope.full_name(row.name)
        ent = Indicator(name=name, key=_indicator_key(session, row, scope, name),
                        scope_id=scope.region_id, plan_id=row.document_id, **vals)
    session.add(ent)
    session.flush()
    return ent


def _indicator_key(session: Session, row: StoredFact, scope: IndicatorScope, name: str) -> str:
    """The ``key`` of a new indicator: its name key, told apart from another indicator of the
    same name, scope, plan and years in another unit (the table's unique constraint)."""
    key, v = name_key(name), row.values
    clash = select(Indicator.id).where(
        Indicator.key == key, Indicator.plan_id == row.document_id,
        Indicator.scope_id == scope.region_id if scope.region_id is not None
        else Indicator.scope_id.is_(None),
        Indicator.target_year == v.get("target_year") if v.get("target_year") is not None
        else Indicator.target_year.is_(None),
        Indicator.baseline_year == v.get("baseline_year")
        if v.get("baseline_year") is not None else Indicator.baseline_year.is_(None))
    if session.scalars(clash).first() is not None:
        key = f"{key}（{v.get('unit') or row.id}）"
    return key


def apply_fact(session: Session, row: StoredFact, target: Target) -> Any:
    """Make the KB say what the fact says (see module doc); returns the entity."""
    applied: dict[str, Any] = {}
    ent = target.entity
    if row.type == "industry_focus":
        rels = applied.setdefault("relations", [])
        for ind_name in row.values.get("industries") or ():
            ind = find(session, "industry", ind_name)
            if ind is not None and relate(session, type="focus", a_type=target.entity_type,
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
    have = session.scalars(select(ParkTarget).where(
        ParkTarget.park_id == park.id, ParkTarget.metric == metric,
        ParkTarget.year == int(v["target_year"]))).first()
    if have is None:
        session.add(ParkTarget(park_id=park.id, metric=metric, year=int(v["target_year"]),
                               value=value, unit="亿元", comparator=v.get("comparator")))
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
    session.execute(delete(Evidence).where(Evidence.fact_id == row.id))
    row.entity_type, row.entity_id = entity_type, entity_id
    session.flush()
    for fld, val in fact_fields(row).items():
        if val in (None, (), [], ""):
            continue
        cite(session, entity_type=entity_type, entity_id=entity_id, field=fld,
             value=list(val) if isinstance(val, tuple) else val, origin="extracted",
             document_id=row.document_id, start=row.start, end=row.end,
             orig_start=row.orig_start, orig_end=row.orig_end, alignment=row.alignment,
             reason=row.reason, quote=row.quote, fact_id=row.id)
    session.flush()


# --- storing -------------------------------------------------------------------------------

def store_fact(session: Session, fact: Fact, doc_id: int, text: str, *,
               threshold: float) -> StoredFact | None:
    """Store one fact: resolve it, decide its status, and apply it when it is accepted or
    names a new entity (which then waits for review with it). A pending statement about a
    known entity is evidence only until a person accepts it."""
    row = record_fact(session, fact, doc_id, text)
    target = resolve_fact(session, row)
    if target is None:
        session.delete(row)
        session.flush()
        return None
    known = target.entity is not None
    trusted = known and is_trusted(session, target.entity_type, target.entity.id)
    row.status, row.status_reason = initial_status(
        confidence=row.confidence, threshold=threshold, new=not known, trusted=trusted)
    row.match = target.match if known else "new"
    if row.status == ACCEPTED or not known:
        apply_fact(session, row, target)
    else:
        cite_fact(session, row, target.entity_type, target.entity.id)
    return row
