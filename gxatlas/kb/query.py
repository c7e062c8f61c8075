"""Reading the KB: one entity with its facts and citations, counts, lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb.models import (ENTITY_MODELS, Document, Enterprise, Evidence, Indicator,
                               Industry, Observation, Park, Policy, Project, Region, Relation)
from gxatlas.kb.provenance import stated_fields
from gxatlas.kb.resolve import aliases_of, find, region_ids_named

COUNTED = ("region", "park", "enterprise", "project", "policy", "indicator", "industry",
           "document")


def citation(ev: Evidence) -> dict[str, Any]:
    """A citation a person can follow: the document and the locator or character span."""
    doc = ev.document
    out: dict[str, Any] = {"origin": ev.origin, "document": doc.key if doc else None,
                           "title": doc.title if doc else None}
    if ev.locator:
        out["at"] = ev.locator
    if ev.start is not None:
        out["span"] = [ev.start, ev.end]
        out["alignment"] = ev.alignment
        if ev.reason:
            out["reason"] = ev.reason
    if ev.quote:
        out["quote"] = ev.quote
    return out


def facts_of(session: Session, entity_type: str, entity_id: int) -> list[dict[str, Any]]:
    """Every statement about an entity with its citation, by field; an extracted statement
    also with its fact's id, review status and confidence (`gxatlas review show ID`). A
    registry line's one ``RECORD`` row gives one statement per field, each cited to the file
    and line."""
    from gxatlas.kb.models import StoredFact
    from gxatlas.kb.review import STATUS_ZH

    rows = session.execute(select(Evidence, StoredFact).outerjoin(
        StoredFact, StoredFact.id == Evidence.fact_id).where(
        Evidence.entity_type == entity_type, Evidence.entity_id == entity_id))
    out = []
    for ev, fact in rows:
        source = citation(ev)
        review = None if fact is None else {
            "fact": fact.id, "status": fact.status,
            "status_zh": STATUS_ZH.get(fact.status, fact.status), "confidence": fact.confidence}
        for fld, val in stated_fields(ev.field, ev.value):
            item = {"field": fld, "value": val, "source": source}
            if review is not None:
                item["review"] = review
            out.append((fld, ev.id, item))
    out.sort(key=lambda x: (x[0], x[1]))
    return [x[2] for x in out]


def _region(session: Session, rid: int | None) -> str | None:
    r = session.get(Region, rid) if rid else None
    return r.name if r else None


def industry_names(session: Session, owner_type: str) -> dict[int, list[str]]:
    """Owner id -> names of the industries its ``in_industry``/``focus`` edges point to, for
    every owner of a type (one query)."""
    out: dict[int, list[str]] = {}
    for a_id, name in session.execute(
            select(Relation.a_id, Industry.name).join(Industry, Industry.id == Relation.b_id)
            .where(Relation.a_type == owner_type, Relation.b_type == "industry")):
        out.setdefault(a_id, []).append(name)
    return out


def _industries(session: Session, owner_type: str, owner_id: int) -> list[str]:
    ids = session.scalars(select(Relation.b_id).where(
        Relation.a_type == owner_type, Relation.a_id == owner_id, Relation.b_type == "industry"))
    return sorted({session.get(Industry, i).name for i in ids})


def summary(session: Session, entity_type: str, ent: Any) -> dict[str, Any]:
    """The entity's own values (no provenance): what lists and tables show."""
    if isinstance(ent, Region):
        parent = session.get(Region, ent.parent_id) if ent.parent_id else None
        return {"name": ent.name, "short_name": ent.short_name, "code": ent.code,
                "level": ent.level, "parent": parent.name if parent else None,
                "country": ent.country, "longitude": ent.longitude, "latitude": ent.latitude,
                "industries": _industries(session, "region", ent.id)}
    if isinstance(ent, Park):
        return {"name": ent.name, "city": _region(session, ent.region_id),
                "county": _region(session, ent.county_id), "kind": ent.kind, "level": ent.level,
                "class": ent.klass, "area_km2": ent.area_km2, "tags": ent.tags,
                "targets": [{"metric": t.metric, "year": t.year, "value": t.value,
                             "unit": t.unit, "comparator": t.comparator} for t in ent.targets],
                "industries": _industries(session, "park", ent.id)}
    if isinstance(ent, Enterprise):
        return {"name": ent.name, "full_name": ent.full_name, "credit_code": ent.credit_code,
                "city": _region(session, ent.region_id),
                "park": ent.park.name if ent.park else None, "tags": ent.tags,
                "industries": _industries(session, "enterprise", ent.id)}
    if isinstance(ent, Project):
        return {"name": ent.name, "city": _region(session, ent.region_id),
                "park": ent.park.name if ent.park else None,
                "enterprise": ent.enterprise.name if ent.enterprise else None,
                "investment": ent.investment, "capacity": ent.capacity, "status": ent.status,
                "year": ent.year, "industries": _industries(session, "project", ent.id)}
    if isinstance(ent, Policy):
        return {"doc_number": ent.doc_number, "title": ent.title, "issuer": ent.issuer,
                "date": ent.date}
    if isinstance(ent, Indicator):
        obs = session.scalars(select(Observation).where(Observation.indicator_id == ent.id)
                              .order_by(Observation.year))
        return {"name": ent.name, "scope": _region(session, ent.scope_id), "unit": ent.unit,
                "category": ent.category, "attribute": ent.attribute, "kind": ent.kind,
                "comparator": ent.comparator, "lower_is_better": ent.lower_is_better,
                "baseline_year": ent.baseline_year,
                "baseline_value": ent.baseline_value if ent.baseline_text is None
                else ent.baseline_text,
                "target_year": ent.target_year,
                "target_value": ent.target_value if ent.target_text is None else ent.target_text,
                "plan": ent.plan.key if ent.plan else None,
                "observations": [{"year": o.year, "value": o.value, "unit": o.unit,
                                  "source": o.source} for o in obs]}
    if isinstance(ent, Industry):
        return {"name": ent.name, "slug": ent.slug, "gbt4754": ent.gbt4754}
    if isinstance(ent, Document):
        return {"key": ent.key, "title": ent.title, "source": ent.source, "kind": ent.kind,
                "issuer": ent.issuer, "date": ent.date, "format": ent.format,
                "variant": ent.variant, "sha256": ent.sha256,
                "length": len(ent.text) if ent.text else None}
    raise GxatlasError(f"unknown entity type {entity_type!r}")


def _relations(session: Session, entity_type: str, entity_id: int) -> list[dict[str, Any]]:
    out = []
    for rel in session.scalars(select(Relation).where(
            Relation.a_type == entity_type, Relation.a_id == entity_id,
            Relation.b_type != "industry")):
        other = session.get(ENTITY_MODELS[rel.b_type], rel.b_id)
        out.append({"type": rel.type, "with": getattr(other, "name", None), "with_type": rel.b_type,
                    "note": rel.note})
    for rel in session.scalars(select(Relation).where(
            Relation.b_type == entity_type, Relation.b_id == entity_id,
            Relation.a_type != "industry")):
        other = session.get(ENTITY_MODELS[rel.a_type], rel.a_id)
        out.append({"type": rel.type, "with": getattr(other, "name", None), "with_type": rel.a_type,
                    "note": rel.note})
    return out


def get_entity(session: Session, entity_type: str, name_or_id: str) -> Any:
    """The entity of a type by id (digits, or a document key) or by any of its names."""
    if entity_type not in ENTITY_MODELS:
        raise GxatlasError(f"unknown entity type {entity_type!r} "
                           f"(one of {', '.join(ENTITY_MODELS)})")
    model = ENTITY_MODELS[entity_type]
    ent = None
    if entity_type == "document":
        ent = session.scalars(select(Document).where(Document.key == name_or_id)).first()
    if ent is None and name_or_id.isdigit():
        ent = session.get(model, int(name_or_id))
    if ent is None:
        ent = find(session, entity_type, name_or_id)
    if ent is None and entity_type == "region":
        ent = session.scalars(select(Region).where(Region.code == name_or_id)).first()
    if ent is None:
        raise GxatlasError(f"知识库中没有 {name_or_id!r} (no {entity_type} called {name_or_id!r} "
                           f"in the knowledge base; try `gxatlas search {name_or_id}`)")
    return ent


def entity_detail(session: Session, entity_type: str, name_or_id: str) -> dict[str, Any]:
    """One entity with every fact about it and the citation of each."""
    ent = get_entity(session, entity_type, name_or_id)
    return {"type": entity_type, "id": ent.id, **summary(session, entity_type, ent),
            "aliases": aliases_of(session, entity_type, ent.id),
            "relations": _relations(session, entity_type, ent.id),
            "facts": facts_of(session, entity_type, ent.id)}


def stats(session: Session) -> dict[str, Any]:
    """Counts per entity type and, per Guangxi city, of parks, enterprises and projects."""
    counts = {t: session.scalar(select(func.count()).select_from(ENTITY_MODELS[t])) or 0
              for t in COUNTED}
    counts["evidence"] = session.scalar(select(func.count()).select_from(Evidence)) or 0
    counts["observation"] = session.scalar(select(func.count()).select_from(Observation)) or 0
    by_city: dict[str, dict[str, int]] = {}
    for t, model in (("park", Park), ("enterprise", Enterprise), ("project", Project),
                     ("indicator", Indicator)):
        col = model.scope_id if model is Indicator else model.region_id
        for name, n in session.execute(select(Region.name, func.count()).join(
                model, col == Region.id).group_by(Region.name)):
            by_city.setdefault(name, {})[t] = n
    return {"counts": counts, "by_city": dict(sorted(by_city.items()))}


def list_entities(session: Session, entity_type: str, *, region: str | None = None,
                  limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """A page of entities of one type, optionally within a region (city or county)."""
    model = ENTITY_MODELS.get(entity_type)
    if model is None:
        raise GxatlasError(f"unknown entity type {entity_type!r}")
    stmt = select(model).order_by(model.id)
    if region:
        ids = region_ids_named(session, region)
        col = {"park": Park.region_id, "enterprise": Enterprise.region_id,
               "project": Project.region_id, "indicator": Indicator.scope_id,
               "region": Region.parent_id, "document": Document.region_id}.get(entity_type)
        if col is not None:
            stmt = stmt.where(col.in_(ids))
    rows = session.scalars(stmt.limit(limit).offset(offset))
    return [{"type": entity_type, "id": e.id, **summary(session, entity_type, e)} for e in rows]


def overview(session: Session) -> dict[str, Any]:
    """What `make demo` shows before the dashboard: counts, parks by city, planning targets
    (trusted ones; ``waiting`` says how many wait for review, see `gxatlas.kb.review`)."""
    from gxatlas.kb.review import status_counts, untrusted_ids, waiting

    parks_by_city: dict[str, list[dict[str, Any]]] = {}
    for park in session.scalars(select(Park).where(Park.id.not_in(untrusted_ids("park")))
                                .order_by(Park.region_id, Park.name)):
        city = _region(session, park.region_id) or "（未定位）"
        tgt = next((t for t in park.targets), None)
        parks_by_city.setdefault(city, []).append({
            "name": park.name, "area_km2": park.area_km2, "level": park.level,
            "class": park.klass,
            "target": None if tgt is None else {"metric": tgt.metric, "year": tgt.year,
                                                "value": tgt.value, "unit": tgt.unit,
                                                "comparator": tgt.comparator}})
    targets = []
    for ind in session.scalars(select(Indicator).where(
            Indicator.target_year.is_not(None), Indicator.id.not_in(untrusted_ids("indicator")))
            .order_by(Indicator.scope_id, Indicator.id)):
        s = summary(session, "indicator", ind)
        targets.append({k: s[k] for k in ("name", "scope", "unit", "attribute", "baseline_year",
                                          "baseline_value", "target_year", "target_value",
                                          "comparator")})
    return {"counts": stats(session)["counts"], "parks_by_city": parks_by_city,
            "targets": targets,
            "waiting": {t: waiting(session, t).to_dict()
                        for t in ("indicator", "park", "enterprise", "project", "policy")},
            "facts": status_counts(session)}
