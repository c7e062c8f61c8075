"""Loading the bundled reference data and the Guangxi atlas into the KB (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.data import (Atlas, Industries, Regions, Source, load_atlas, load_industries,
                          load_regions)
from gxatlas.kb.models import (Document, Indicator, Industry, Observation, ParkTarget, Policy,
                               Region)
from gxatlas.kb.provenance import cite, document_id, relate
from gxatlas.kb.resolve import (add_alias, add_indicator_alias, find, get_or_create,
                                refresh_indicator_keys)
from gxatlas.kb.search import index_entity
from gxatlas.names import name_key


@dataclass
class LoadReport:
    """How many rows each step added (all zero when the atlas was loaded already)."""

    added: dict[str, int] = field(default_factory=dict)

    def bump(self, kind: str, n: int = 1) -> None:
        if n:
            self.added[kind] = self.added.get(kind, 0) + n

    @property
    def total(self) -> int:
        return sum(self.added.values())


def load_regions_into(session: Session, regions: Regions, report: LoadReport) -> None:
    by_code = {r.code: r for r in session.scalars(select(Region))}
    ranked = sorted(regions.records, key=lambda r: (not r.code.startswith("45"),
                                                    ("province", "prefecture", "county", "group",
                                                     "country", "city").index(r.level)))
    for rec in ranked:
        row = by_code.get(rec.code)
        vals = dict(name=rec.name, short_name=rec.short_name, level=rec.level,
                    country=rec.country, longitude=rec.longitude, latitude=rec.latitude)
        if row is None:
            row = Region(code=rec.code, **vals)
            session.add(row)
            by_code[rec.code] = row
            report.bump("region")
        else:
            for k, v in vals.items():
                if getattr(row, k) != v:
                    setattr(row, k, v)
    session.flush()
    for rec in ranked:
        row = by_code[rec.code]
        parent_id = by_code[rec.parent].id if rec.parent else None
        if row.parent_id != parent_id:
            row.parent_id = parent_id
        for n in (rec.name, rec.short_name, *rec.aliases):
            add_alias(session, "region", row.id, n)


def load_industries_into(session: Session, industries: Industries, report: LoadReport) -> None:
    by_slug = {i.slug: i for i in session.scalars(select(Industry))}
    for rec in industries.records:
        row = by_slug.get(rec.id)
        if row is None:
            row = Industry(slug=rec.id, name=rec.name, gbt4754=list(rec.gbt4754))
            session.add(row)
            by_slug[rec.id] = row
            report.bump("industry")
        elif row.gbt4754 != list(rec.gbt4754) or row.name != rec.name:
            row.name, row.gbt4754 = rec.name, list(rec.gbt4754)
    session.flush()
    for rec in industries.records:
        row = by_slug[rec.id]
        row.parent_id = by_slug[rec.parent].id if rec.parent else None
        for n in (rec.name, *rec.synonyms):
            add_alias(session, "industry", row.id, n)


def region_id(session: Session, name: str | None) -> int | None:
    """The KB id of a city/region name (a county resolves to itself; see city_id)."""
    if not name:
        return None
    r = find(session, "region", name)
    return r.id if r is not None else None


def city_id(session: Session, name: str | None) -> int | None:
    """The prefecture-level city for a place name (counties resolve to their city)."""
    if not name:
        return None
    r = find(session, "region", name)
    if r is None:
        return None
    if r.level == "county" and r.parent_id:
        return r.parent_id
    return r.id


def _cite_all(session: Session, entity_type: str, entity_id: int, values: dict[str, Any],
              source: Source, report: LoadReport) -> None:
    doc = document_id(session, source.doc)
    for fld, val in values.items():
        if val in (None, (), [], ""):
            continue
        if cite(session, entity_type=entity_type, entity_id=entity_id, field=fld,
                value=list(val) if isinstance(val, tuple) else val, origin="atlas",
                document_id=doc, locator=source.at):
            report.bump("evidence")


def _relate(session: Session, type_: str, a_type: str, a_id: int, b_type: str, b_id: int,
            report: LoadReport, *, note: str | None = None, level: str | None = None) -> None:
    if relate(session, type=type_, a_type=a_type, a_id=a_id, b_type=b_type, b_id=b_id,
              note=note, level=level):
        report.bump("relation")


def _industry_ids(session: Session, names: tuple[str, ...]) -> list[int]:
    out = []
    for n in names:
        ind = find(session, "industry", n)
        if ind is not None:
            out.append(ind.id)
    return out


def load_atlas_into(session: Session, atlas: Atlas, report: LoadReport) -> None:
    for d in atlas.documents:
        row = session.scalars(select(Document).where(Document.key == d.id)).first()
        if row is None:
            session.add(Document(key=d.id, title=d.title, kind=d.kind, issuer=d.issuer,
                                 date=d.date, source=f"seed document {d.id}",
                                 region_id=region_id(session, d.region)))
            report.bump("document")
    session.flush()

    for p in atlas.parks:
        park, created = get_or_create(
            session, "park", p.name, aliases=p.aliases, region_id=city_id(session, p.city),
            county_id=region_id(session, p.county), kind=p.kind, level=p.level, klass=p.klass,
            area_km2=p.area_km2, tags=list(p.tags))
        report.bump("park", int(created))
        for t in p.targets:
            have = session.scalars(select(ParkTarget).where(
                ParkTarget.park_id == park.id, ParkTarget.metric == t.metric,
                ParkTarget.year == t.year)).first()
            if have is None:
                session.add(ParkTarget(park_id=park.id, metric=t.metric, year=t.year,
                                       value=t.value, unit=t.unit, comparator=t.comparator))
                report.bump("park_target")
        _cite_all(session, "park", park.id, {
            "name": p.name, "city": p.city, "area_km2": p.area_km2, "level": p.level,
            "class": p.klass, "kind": p.kind, "industries": p.industries, "tags": p.tags,
            **{f"target:{t.metric}:{t.year}": t.value for t in p.targets}}, p.source, report)
        for iid in _industry_ids(session, p.industries):
            _relate(session, "focus", "park", park.id, "industry", iid, report)

    for e in atlas.enterprises:
        park = find(session, "park", e.park) if e.park else None
        ent, created = get_or_create(
            session, "enterprise", e.name,
            aliases=tuple(a for a in (e.full_name, *e.aliases) if a),
            full_name=e.full_name, credit_code=e.credit_code, region_id=city_id(session, e.city),
            park_id=park.id if park else None, tags=list(e.tags))
        report.bump("enterprise", int(created))
        _cite_all(session, "enterprise", ent.id, {
            "name": e.name, "full_name": e.full_name, "city": e.city, "park": e.park,
            "tags": e.tags, "industries": e.industries}, e.source, report)
        for iid in _industry_ids(session, e.industries):
            _relate(session, "in_industry", "enterprise", ent.id, "industry", iid, report)

    for pr in atlas.projects:
        park = find(session, "park", pr.park) if pr.park else None
        ent = find(session, "enterprise", pr.enterprise) if pr.enterprise else None
        proj, created = get_or_create(
            session, "project", pr.name, region_id=city_id(session, pr.city),
            park_id=park.id if park else None, enterprise_id=ent.id if ent else None,
            investment=pr.investment, capacity=pr.capacity, status=pr.status, year=pr.year)
        report.bump("project", int(created))
        _cite_all(session, "project", proj.id, {
            "name": pr.name, "city": pr.city, "park": pr.park, "enterprise": pr.enterprise,
            "investment": pr.investment, "capacity": pr.capacity, "status": pr.status,
            "year": pr.year, "industries": pr.industries}, pr.source, report)
        for iid in _industry_ids(session, pr.industries):
            _relate(session, "in_industry", "project", proj.id, "industry", iid, report)

    for po in atlas.policies:
        pol = find(session, "policy", po.doc_number or "") or find(session, "policy",
                                                                   po.title or "")
        if pol is None:
            pol = Policy(key=po.key, doc_number=po.doc_number, title=po.title, issuer=po.issuer,
                         date=po.date)
            session.add(pol)
            session.flush()
            report.bump("policy")
        for n in (po.doc_number, po.title):
            if n:
                add_alias(session, "policy", pol.id, n)
        _cite_all(session, "policy", pol.id, {"doc_number": po.doc_number, "title": po.title,
                                              "issuer": po.issuer, "date": po.date},
                  po.source, report)

    for ind in atlas.indicators:
        scope_id = region_id(session, ind.scope)
        plan_id = document_id(session, ind.plan) if ind.plan else None
        key = name_key(ind.name)
        row = session.scalars(select(Indicator).where(
            Indicator.key == key, Indicator.scope_id.is_(scope_id) if scope_id is None
            else Indicator.scope_id == scope_id,
            Indicator.plan_id.is_(None) if plan_id is None else Indicator.plan_id == plan_id,
            Indicator.target_year.is_(None) if ind.target_year is None
            else Indicator.target_year == ind.target_year,
            Indicator.baseline_year.is_(None) if ind.baseline_year is None
            else Indicator.baseline_year == ind.baseline_year)).first()
        num = lambda v: v if isinstance(v, float) else None  # noqa: E731
        txt = lambda v: v if isinstance(v, str) else None  # noqa: E731
        if row is None:
            row = Indicator(
                name=ind.name, key=key, scope_id=scope_id, unit=ind.unit, category=ind.category,
                attribute=ind.attribute, comparator=ind.comparator, kind=ind.kind,
                lower_is_better=ind.lower_is_better, baseline_year=ind.baseline_year,
                baseline_value=num(ind.baseline_value), baseline_text=txt(ind.baseline_value),
                target_year=ind.target_year, target_value=num(ind.target_value),
                target_text=txt(ind.target_value), plan_id=plan_id)
            session.add(row)
            session.flush()
            report.bump("indicator")
        for a in (ind.name, *ind.aliases):
            add_indicator_alias(session, row, a)
        _cite_all(session, "indicator", row.id, {
            "name": ind.name, "scope": ind.scope, "unit": ind.unit,
            "baseline": f"{ind.baseline_year}: {ind.baseline_value}"
            if ind.baseline_year or ind.baseline_value is not None else None,
            "target": f"{ind.target_year}: {ind.target_value}"
            if ind.target_year or ind.target_value is not None else None,
            "attribute": ind.attribute}, ind.source, report)
        for year, value in ind.history:
            if not isinstance(value, float):
                continue
            src = str(ind.source)
            have = session.scalars(select(Observation.id).where(
                Observation.indicator_id == row.id, Observation.year == year,
                Observation.source == src)).first()
            if have is None:
                session.add(Observation(indicator_id=row.id, name=ind.name, region_id=scope_id,
                                        year=year, value=value, unit=ind.unit, source=src,
                                        document_id=document_id(session, ind.source.doc)))
                report.bump("observation")

    for rel in atlas.relations:
        a = find(session, rel.a_type, rel.a)
        b = find(session, rel.b_type, rel.b)
        if a is None or b is None:  # validated on load; defensive for custom atlases
            continue
        _relate(session, rel.type, rel.a_type, a.id, rel.b_type, b.id, report, note=rel.note)

    for f in atlas.focus:
        if f.park:
            owner_type, owner = "park", find(session, "park", f.park)
        else:
            owner_type, owner = "region", find(session, "region", f.region or "")
        if owner is None:
            continue
        for iid in _industry_ids(session, f.industries):
            _relate(session, "focus", owner_type, owner.id, "industry", iid, report,
                    level=f.level)
            _cite_all(session, owner_type, owner.id, {f"focus:{iid}": list(f.industries)},
                      f.source, report)


def load_all(session: Session) -> LoadReport:
    """Load regions, industries and the atlas; then refresh the search index."""
    from gxatlas.kb.provenance import cache_evidence
    from gxatlas.kb.registers import sync_registers
    from gxatlas.kb.resolve import cache_aliases, drop_alias_cache
    from gxatlas.kb.search import rebuild_index

    atlas, regions, industries = load_atlas(), load_regions(), load_industries()  # validate first
    report = LoadReport()
    cache_aliases(session)
    cache_evidence(session)
    try:
        load_regions_into(session, regions, report)
        load_industries_into(session, industries, report)
        load_atlas_into(session, atlas, report)
        session.flush()
        refresh_indicator_keys(session)  # KBs made before the scope-aware keys
        synced = sync_registers(session)
        report.bump("project_stage", synced.stages)
        report.bump("enterprise_tier", synced.tiers)
        if report.total:
            rebuild_index(session)
    finally:
        drop_alias_cache(session)
        session.info.pop("evidence", None)
    return report


__all__ = ["LoadReport", "load_all", "city_id", "region_id", "index_entity"]
