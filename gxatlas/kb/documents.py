"""Storing an ingested document and its extracted facts, one transaction per file.

Re-ingesting an unchanged file (same sha256) is a no-op; a changed file (same name, new
content) replaces its own document, evidence and the entities only it supported, and nothing
else. Every fact is resolved to the entity already known (the bundled atlas included) or
creates it; a fact without evidence is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from gxatlas.extract.facts import Fact
from gxatlas.extract.profile import document_profile
from gxatlas.ingest.document import Document as Doc
from gxatlas.kb.load import city_id, region_id
from gxatlas.kb.models import (ENTITY_MODELS, Alias, Document, Evidence, Indicator, Observation,
                               ParkTarget, Policy, Relation)
from gxatlas.kb.provenance import cite, relate
from gxatlas.kb.resolve import add_alias, find, get_or_create
from gxatlas.kb.search import index_entity
from gxatlas.names import name_key


@dataclass(frozen=True)
class StoreResult:
    document: str
    status: str  # "unchanged", "added", "replaced"
    facts: int
    entities: int


def _cite_fact(session: Session, entity_type: str, entity_id: int, fact: Fact,
               doc_id: int, fields: dict[str, Any]) -> None:
    ev = fact.evidence
    for fld, val in fields.items():
        if val in (None, (), [], ""):
            continue
        cite(session, entity_type=entity_type, entity_id=entity_id, field=fld,
             value=list(val) if isinstance(val, tuple) else val, origin="extracted",
             document_id=doc_id, start=ev.start, end=ev.end, orig_start=ev.orig_start,
             orig_end=ev.orig_end, alignment=ev.alignment, reason=ev.reason,
             quote=(ev.quote or None) and ev.quote[:500])


def _store_fact(session: Session, fact: Fact, doc_id: int) -> tuple[str, int] | None:
    v = fact.values
    if fact.type == "park":
        ent, _ = get_or_create(session, "park", fact.name, aliases=fact.aliases,
                               region_id=city_id(session, v.get("city")),
                               area_km2=v.get("area_km2"), level=v.get("level"))
        if v.get("target_year") and v.get("target_value") is not None:
            metric = v.get("metric") or "工业总产值"
            have = session.scalars(select(ParkTarget).where(
                ParkTarget.park_id == ent.id, ParkTarget.metric == metric,
                ParkTarget.year == v["target_year"])).first()
            if have is None:
                session.add(ParkTarget(park_id=ent.id, metric=metric, year=int(v["target_year"]),
                                       value=float(v["target_value"]), unit="亿元",
                                       comparator=v.get("comparator")))
        fields = {"name": fact.name, "city": v.get("city"), "area_km2": v.get("area_km2"),
                  f"target:{v.get('metric') or '工业总产值'}:{v.get('target_year')}":
                      v.get("target_value") if v.get("target_year") else None}
    elif fact.type == "enterprise":
        ent, _ = get_or_create(session, "enterprise", fact.name, aliases=fact.aliases,
                               region_id=city_id(session, v.get("city")))
        fields = {"name": fact.name, "city": v.get("city")}
    elif fact.type == "project":
        park = find(session, "park", v["park"]) if v.get("park") else None
        firm = find(session, "enterprise", v["enterprise"]) if v.get("enterprise") else None
        ent, _ = get_or_create(session, "project", fact.name, aliases=fact.aliases,
                               region_id=city_id(session, v.get("city")),
                               park_id=park.id if park else None,
                               enterprise_id=firm.id if firm else None,
                               investment=v.get("investment"), capacity=v.get("capacity"),
                               status=v.get("status"), year=v.get("year"))
        fields = {"name": fact.name, "city": v.get("city"), "investment": v.get("investment"),
                  "capacity": v.get("capacity"), "status": v.get("status")}
    elif fact.type == "policy":
        number, title = v.get("doc_number"), v.get("title") or fact.name
        ent = (find(session, "policy", number) if number else None) or (
            find(session, "policy", title) if title else None)
        if ent is None:
            ent = Policy(key=name_key(number or title), doc_number=number, title=title,
                         issuer=v.get("issuer"), date=v.get("date"))
            session.add(ent)
            session.flush()
        for n in (number, title):
            if n:
                add_alias(session, "policy", ent.id, n)
        fields = {"doc_number": number, "title": title, "date": v.get("date")}
    elif fact.type == "indicator":
        scope_id = region_id(session, v.get("scope"))
        key = name_key(fact.name)
        ent = session.scalars(select(Indicator).where(
            Indicator.key == key, Indicator.plan_id == doc_id,
            Indicator.scope_id == scope_id if scope_id is not None
            else Indicator.scope_id.is_(None),
            Indicator.target_year == v.get("target_year") if v.get("target_year") is not None
            else Indicator.target_year.is_(None),
            Indicator.baseline_year == v.get("baseline_year")
            if v.get("baseline_year") is not None else Indicator.baseline_year.is_(None))).first()
        if ent is None:
            bv, tv = v.get("baseline_value"), v.get("target_value")
            ent = Indicator(
                name=fact.name, key=key, scope_id=scope_id, unit=v.get("unit"),
                category=v.get("category"), attribute=v.get("attribute"),
                comparator=v.get("comparator"), kind=v.get("kind"),
                baseline_year=v.get("baseline_year"),
                baseline_value=bv if isinstance(bv, (int, float)) else None,
                baseline_text=bv if isinstance(bv, str) else None,
                target_year=v.get("target_year"),
                target_value=tv if isinstance(tv, (int, float)) else None,
                target_text=tv if isinstance(tv, str) else None, plan_id=doc_id)
            session.add(ent)
            session.flush()
        for a in (fact.name, *fact.aliases):
            add_alias(session, "indicator", ent.id, a)
        fields = {"name": fact.name, "scope": v.get("scope"), "unit": v.get("unit"),
                  "baseline": f"{v.get('baseline_year')}: {v.get('baseline_value')}"
                  if v.get("baseline_value") is not None else None,
                  "target": f"{v.get('target_year')}: {v.get('target_value')}"
                  if v.get("target_value") is not None else None}
    elif fact.type == "industry_focus":
        owner_type = "park" if v.get("park") else "region"
        owner = find(session, owner_type, v.get("park") or v.get("region") or "")
        if owner is None:
            return None
        for name in v.get("industries") or ():
            ind = find(session, "industry", name)
            if ind is None:
                continue
            relate(session, type="focus", a_type=owner_type, a_id=owner.id, b_type="industry",
                   b_id=ind.id)
        _cite_fact(session, owner_type, owner.id, fact, doc_id,
                   {"focus": list(v.get("industries") or ())})
        return owner_type, owner.id
    else:
        return None
    _cite_fact(session, fact.type, ent.id, fact, doc_id, fields)
    return fact.type, ent.id


def _remove_document(session: Session, doc: Document) -> None:
    """Delete a document, its evidence and observations, and entities left without any."""
    touched = set(session.execute(select(Evidence.entity_type, Evidence.entity_id).where(
        Evidence.document_id == doc.id)))
    session.execute(delete(Evidence).where(Evidence.document_id == doc.id))
    session.execute(delete(Observation).where(Observation.document_id == doc.id))
    for ind in session.scalars(select(Indicator).where(Indicator.plan_id == doc.id)):
        touched.add(("indicator", ind.id))
    session.flush()
    for etype, eid in touched:
        if etype in ("region", "industry"):
            continue
        still = session.scalar(select(exists().where(Evidence.entity_type == etype,
                                                     Evidence.entity_id == eid)))
        if not still:
            ent = session.get(ENTITY_MODELS[etype], eid)
            if ent is not None:
                session.execute(delete(Alias).where(Alias.entity_type == etype,
                                                    Alias.entity_id == eid))
                session.execute(delete(Relation).where(Relation.a_type == etype,
                                                       Relation.a_id == eid))
                session.execute(delete(Relation).where(Relation.b_type == etype,
                                                       Relation.b_id == eid))
                session.delete(ent)
                session.flush()
                index_entity(session, etype, eid)
    session.delete(doc)
    session.flush()


def store_document(session: Session, doc: Doc, facts: Iterable[Fact]) -> StoreResult:
    """Store ``doc`` and its facts (call inside one ``KB.session()`` transaction)."""
    same = session.scalars(select(Document).where(Document.sha256 == doc.sha256)).first()
    if same is not None:
        return StoreResult(document=same.key, status="unchanged", facts=0, entities=0)
    status = "added"
    old = session.scalars(select(Document).where(Document.key == doc.name)).first()
    if old is not None:
        if old.text is None:  # an atlas citation stub for this document: fill it in
            row = old
        else:
            _remove_document(session, old)
            status, row = "replaced", None
    else:
        row = None
    if row is None:
        row = Document(key=doc.name)
        session.add(row)
    row.title = row.title or doc.title
    row.source, row.sha256, row.format = doc.path, doc.sha256, doc.format
    row.encoding, row.variant, row.text, row.original = doc.encoding, doc.variant, doc.text, \
        doc.original
    # what the document is and what it is about, from its profile (genre, main region, date)
    profile = document_profile(doc)
    row.kind = profile.genre.value
    row.region_id = region_id(session, profile.region)
    row.date = row.date or profile.written
    session.flush()
    n_facts, touched = 0, set()
    for fact in facts:
        if fact.evidence is None or fact.evidence.end <= fact.evidence.start:
            continue
        hit = _store_fact(session, fact, row.id)
        if hit is not None:
            n_facts += 1
            touched.add(hit)
    session.flush()
    index_entity(session, "document", row.id)
    for etype, eid in touched:
        index_entity(session, etype, eid)
    return StoreResult(document=row.key, status=status, facts=n_facts, entities=len(touched))


def render_document(session: Session, key: str, console: Any) -> None:
    """Print a document's normalized text with its extracted facts marked, then the facts."""
    from rich.table import Table
    from rich.text import Text

    from gxatlas.kb.query import get_entity

    doc = get_entity(session, "document", key)
    evs = list(session.scalars(select(Evidence).where(
        Evidence.document_id == doc.id, Evidence.start.is_not(None)).order_by(Evidence.start)))
    console.print(f"[bold]{doc.title}[/bold]  ({doc.key}, {doc.format}, {doc.variant}, "
                  f"sha256 {str(doc.sha256)[:12]}…)")
    if not doc.text:
        console.print("(no stored text: this document is only cited by the bundled atlas)")
    else:
        text = Text(doc.text)
        styles = {"park": "bold green", "enterprise": "bold cyan", "project": "bold magenta",
                  "policy": "bold yellow", "indicator": "bold red", "region": "underline"}
        for ev in evs:
            if ev.field in ("name", "title", "doc_number", "focus"):
                text.stylize(styles.get(ev.entity_type, "bold"), ev.start, ev.end)
        console.print(text)
    t = Table(title="抽取的事实 extracted facts")
    for col in ("span", "type", "field", "value", "alignment"):
        t.add_column(col)
    for ev in evs:
        t.add_row(f"{ev.start}-{ev.end}", ev.entity_type, ev.field, str(ev.value),
                  ev.alignment or "")
    console.print(t)
