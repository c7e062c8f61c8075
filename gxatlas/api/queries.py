"""Read-side queries behind the API, the dashboard and the reports.

Every function takes an open SQLAlchemy ``Session`` and returns plain JSON-able dicts. Region
filters take a name, short name, alias or code and include the region's descendants
(``南宁`` covers the parks of its counties too).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import ColumnElement, Select, func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from gxatlas.kb import query as kb_query
from gxatlas.kb import search as kb_search
from gxatlas.kb.models import (Base, Document, Enterprise, Evidence, Indicator, Industry,
                               Observation, Park, Policy, Project, Region, Relation)
from gxatlas.kb.resolve import region_ids as kb_region_ids
from gxatlas.kb.resolve import find
from gxatlas.kb.review import untrusted_ids, waiting
from gxatlas.names import canonical_name

MAX_LIMIT = 200
OUTPUT_METRICS = ("工业总产值", "营业收入", "贸易额", "产值")
_LONG_TEXT = {"text", "original", "scope", "source_key"}


class NotFound(LookupError):
    """An entity or region named in a request does not exist."""


@dataclass(frozen=True)
class Kind:
    """One entity type as the API lists it."""

    type: str        # Evidence.entity_type / Relation.a_type value
    path: str        # URL segment (plural)
    model: type[Base]
    label: str       # attribute holding the display name
    region_attr: str | None  # column filtered by ?region=
    search_attrs: tuple[str, ...]


KINDS: tuple[Kind, ...] = (
    Kind("region", "regions", Region, "name", "id", ("name", "short_name", "code")),
    Kind("park", "parks", Park, "name", "region_id", ("name", "key")),
    Kind("enterprise", "enterprises", Enterprise, "name", "region_id",
         ("name", "full_name", "credit_code")),
    Kind("project", "projects", Project, "name", "region_id", ("name",)),
    Kind("policy", "policies", Policy, "key", None, ("key", "title", "doc_number")),
    Kind("indicator", "indicators", Indicator, "name", "scope_id", ("name", "key")),
    Kind("industry", "industries", Industry, "name", None, ("name", "slug")),
    Kind("document", "documents", Document, "title", "region_id", ("title", "key")),
)
KIND_BY_TYPE = {k.type: k for k in KINDS}
KIND_BY_PATH = {k.path: k for k in KINDS}


# --- serialisation ------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@functools.cache
def _column_keys(model: type[Base]) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


def row_dict(obj: Base, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The mapped columns of ``obj`` as a dict (attribute names, JSON-able values)."""
    skipped = set(skip)
    return {key: _jsonable(getattr(obj, key))
            for key in _column_keys(type(obj)) if key not in skipped}


def label_of(kind: Kind, obj: Base) -> str:
    value = getattr(obj, kind.label, None)
    if not value and isinstance(obj, Policy):
        value = obj.title or obj.doc_number
    if not value and isinstance(obj, Document):
        value = obj.key
    return str(value or "")


def summary(kind: Kind, obj: Base) -> dict[str, Any]:
    data = row_dict(obj, skip=_LONG_TEXT)
    data["type"] = kind.type
    data["label"] = label_of(kind, obj)
    return data


# --- regions ------------------------------------------------------------------------------

def find_region(session: Session, text: str) -> Region:
    """The region named ``text`` (name, short name, alias or code); raises NotFound."""
    wanted = text.strip()
    region = find(session, "region", wanted) if wanted else None
    if region is None and wanted:
        region = session.scalars(select(Region).where(Region.code == wanted)).first()
    if not isinstance(region, Region):
        raise NotFound(f"未知地区: {text}")
    return region


def region_ids(session: Session, region: Region) -> set[int]:
    """``region`` and all its descendants."""
    return kb_region_ids(session, region.id)


def region_scope(session: Session, text: str | None) -> set[int] | None:
    """Region ids covered by a ``?region=`` filter (None when there is no filter)."""
    if not text:
        return None
    return region_ids(session, find_region(session, text))


# --- lists and details --------------------------------------------------------------------

def _region_filter(kind: Kind, ids: set[int]) -> ColumnElement[bool]:
    if kind.model is Park:
        return or_(Park.region_id.in_(ids), Park.county_id.in_(ids))
    if kind.model is Industry:
        focused = select(Relation.b_id).where(Relation.type == "focus",
                                              Relation.b_type == "industry",
                                              Relation.a_type == "region",
                                              Relation.a_id.in_(ids))
        return Industry.id.in_(focused)
    if kind.model is Policy:
        cited = (select(Evidence.entity_id).join(Document, Evidence.document_id == Document.id)
                 .where(Evidence.entity_type == "policy", Document.region_id.in_(ids)))
        return Policy.id.in_(cited)
    assert kind.region_attr is not None
    return getattr(kind.model, kind.region_attr).in_(ids)


def _text_filter(kind: Kind, q: str) -> ColumnElement[bool]:
    return or_(*(getattr(kind.model, a).contains(q, autoescape=True) for a in kind.search_attrs))


def list_entities(session: Session, kind: Kind, *, region: set[int] | None = None,
                  q: str | None = None, limit: int = 50, offset: int = 0,
                  trusted_only: bool = False) -> dict[str, Any]:
    """One page of ``kind``: ``{"total", "limit", "offset", "items"}``; with ``trusted_only``
    without the entities waiting for review (`gxatlas.kb.review`)."""
    stmt: Select[Any] = select(kind.model)
    if trusted_only:
        stmt = stmt.where(kind.model.id.not_in(untrusted_ids(kind.type)))
    if region is not None:
        stmt = stmt.where(_region_filter(kind, region))
    if q:
        stmt = stmt.where(_text_filter(kind, canonical_name(q)))
    rows = list(session.scalars(stmt.order_by(kind.model.id).limit(limit).offset(offset)))
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = [summary(kind, obj) for obj in rows]
    _add_region_names(session, items)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _region_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(wanted))).all())


def _add_region_names(session: Session, items: list[dict[str, Any]]) -> None:
    keys = ("region_id", "county_id", "scope_id", "parent_id")
    ids = [item.get(k) for item in items for k in keys if item.get("type") != "industry"]
    names = _region_names(session, ids)
    for item in items:
        for key in keys:
            rid = item.get(key)
            if rid in names and item.get("type") != "industry":
                item[key.replace("_id", "_name")] = names[rid]


def _labels(session: Session, refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    by_type: dict[str, set[int]] = {}
    for etype, eid in refs:
        by_type.setdefault(etype, set()).add(eid)
    out: dict[tuple[str, int], str] = {}
    for etype, ids in by_type.items():
        kind = KIND_BY_TYPE.get(etype)
        if kind is None:
            continue
        for obj in session.scalars(select(kind.model).where(kind.model.id.in_(ids))):
            out[(etype, obj.id)] = label_of(kind, obj)
    return out


def _related_rows(session: Session, kind: Kind, column: Any, value: int,
                  limit: int = MAX_LIMIT) -> list[dict[str, Any]]:
    rows = session.scalars(select(kind.model).where(column == value)
                           .order_by(kind.model.id).limit(limit))
    return [summary(kind, obj) for obj in rows]


def _park_extra(session: Session, park: Park) -> dict[str, Any]:
    return {
        "targets": [row_dict(t, skip=("park_id",)) for t in park.targets],
        "planned_output": planned_output(park),
        "enterprises": _related_rows(session, KIND_BY_TYPE["enterprise"], Enterprise.park_id,
                                     park.id),
        "projects": _related_rows(session, KIND_BY_TYPE["project"], Project.park_id, park.id),
    }


def _region_extra(session: Session, region: Region) -> dict[str, Any]:
    ids = region_ids(session, region)
    counts = {k.path: session.scalar(select(func.count()).select_from(k.model)
                                     .where(_region_filter(k, ids))) or 0
              for k in KINDS if k.type not in ("region",)}
    return {"parent": summary(KIND_BY_TYPE["region"], region.parent) if region.parent else None,
            "children": _related_rows(session, KIND_BY_TYPE["region"], Region.parent_id,
                                      region.id),
            "counts": counts}


def observations(session: Session, indicator_ids: Sequence[int]) -> dict[int, list[dict]]:
    """Actuals per indicator id, oldest first."""
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in indicator_ids}
    if not indicator_ids:
        return out
    stmt = (select(Observation).where(Observation.indicator_id.in_(indicator_ids))
            .order_by(Observation.year, Observation.id))
    for obs in session.scalars(stmt):
        out[obs.indicator_id].append(row_dict(obs, skip=("indicator_id",)))
    return out


def _document_extra(session: Session, doc: Document) -> dict[str, Any]:
    stmt = (select(Evidence).where(Evidence.document_id == doc.id)
            .order_by(Evidence.start, Evidence.id))
    evidence = list(session.scalars(stmt))
    names = _labels(session, [(e.entity_type, e.entity_id) for e in evidence])
    facts = [dict(row_dict(e, skip=("document_id",)),
                  entity_name=names.get((e.entity_type, e.entity_id), ""))
             for e in evidence]
    from gxatlas.kb.documents import document_versions

    return {"text": doc.text, "document_facts": facts,
            "versions": document_versions(session, doc.id)}


def entity_detail(session: Session, kind: Kind, entity_id: int) -> dict[str, Any]:
    """One entity with its facts and citations (`gxatlas.kb.query.entity_detail`), its row and
    the related rows the dashboard shows (a park's targets, enterprises and projects, ...)."""
    obj = session.get(kind.model, entity_id)
    if obj is None:
        raise NotFound(f"{kind.type} {entity_id} 不存在")
    data = kb_query.entity_detail(session, kind.type, str(entity_id))
    data["row"] = row_dict(obj, skip=_LONG_TEXT)
    data["label"] = label_of(kind, obj)
    if isinstance(obj, Park):
        data.update(_park_extra(session, obj))
    elif isinstance(obj, Region):
        data.update(_region_extra(session, obj))
    elif isinstance(obj, Document):
        data.update(_document_extra(session, obj))
    elif isinstance(obj, Enterprise):
        data["projects"] = _related_rows(session, KIND_BY_TYPE["project"],
                                         Project.enterprise_id, obj.id)
    return data


# --- parks on the map ---------------------------------------------------------------------

def planned_output(park: Park) -> dict[str, Any] | None:
    """The park's latest planned output target (亿元), or None."""
    targets = [t for t in park.targets if t.metric in OUTPUT_METRICS] or list(park.targets)
    if not targets:
        return None
    best = max(targets, key=lambda t: (t.year, t.value))
    return {"metric": best.metric, "year": best.year, "value": best.value, "unit": best.unit}


def _spread(lon: float, lat: float, index: int) -> tuple[float, float]:
    """Place the ``index``-th park of a place on a small golden-angle spiral around it."""
    if index == 0:
        return lon, lat
    radius = 0.1 * math.sqrt(index)
    angle = index * 2.399963
    return round(lon + radius * math.cos(angle), 4), round(lat + radius * math.sin(angle), 4)


def map_parks(session: Session, *, region: set[int] | None = None,
              include_pending: bool = False) -> dict[str, Any]:
    """Parks placed where they are: at their county (stored, or named in the park's name:
    南宁江南工业园区 -> 江南区), else at their city's centre, spread on a small spiral so that
    parks of one place do not hide each other; ``placed`` says which. With the cities'
    centres and park counts; parks waiting for review only with ``include_pending``."""
    stmt = select(Park).options(selectinload(Park.targets)).where(Park.id.not_in(
        untrusted_ids("park", include_pending=include_pending))).order_by(Park.id)
    if region is not None:
        stmt = stmt.where(_region_filter(KIND_BY_TYPE["park"], region))
    parks = list(session.scalars(stmt))
    places = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(
        {p.county_id for p in parks if p.county_id} | {p.region_id for p in parks if p.region_id})))}
    counties = _counties_by_city(session, {p.region_id for p in parks if p.region_id})
    seen: dict[tuple[float, float], int] = {}
    items, per_city = [], {}
    for park in parks:
        county = places.get(park.county_id) if park.county_id else None
        placed = "county" if county is not None and county.longitude is not None else None
        if placed is None:
            city_names = [n for n in (places[park.region_id].name, places[park.region_id].short_name)
                          if n] if park.region_id in places else []
            county = _county_named(park.name, counties.get(park.region_id, []),
                                   city_names=city_names)
            placed = "county_in_name" if county is not None else None
        place = county if placed else _place(places, park)
        placed = placed or ("city" if place is not None else None)
        city = places.get(park.region_id) if park.region_id else None
        city_name = city.name if city else None
        per_city[city_name] = per_city.get(city_name, 0) + 1
        lon = lat = None
        if place is not None:
            key = (place.longitude, place.latitude)
            # parks at a city centre start one step out, so the city's label stays readable
            start = 1 if placed == "city" else 0
            lon, lat = _spread(place.longitude, place.latitude, seen.get(key, 0) + start)
            seen[key] = seen.get(key, 0) + 1
        items.append({"id": park.id, "name": park.name, "city": city_name,
                      "county": county.name if county is not None and placed != "city" else None,
                      "placed": placed,
                      "level": park.level, "class": park.klass, "kind": park.kind,
                      "area_km2": park.area_km2, "lon": lon, "lat": lat,
                      "planned_output": planned_output(park)})
    cities = [{"name": name, "parks": n} for name, n in per_city.items() if name]
    return {"parks": items, "cities": cities, "waiting": waiting(session, "park").to_dict()}


def _counties_by_city(session: Session, city_ids: set[int | None]) -> dict[int, list[Region]]:
    out: dict[int, list[Region]] = {}
    wanted = {c for c in city_ids if c}
    if not wanted:
        return out
    for r in session.scalars(select(Region).where(Region.parent_id.in_(wanted),
                                                  Region.level == "county")):
        if r.longitude is not None and r.latitude is not None and r.parent_id is not None:
            out.setdefault(r.parent_id, []).append(r)
    return out


def _county_named(park_name: str, counties: list[Region], *,
                  city_names: list[str] = ()) -> Region | None:  # type: ignore[assignment]
    """The county of the park's city that the park's name names (the longest match; a bare
    two-character stem such as 江南 of 江南区 counts, a single character does not). The
    city's own name is taken out first (防城港… does not name 防城区)."""
    for city in sorted(city_names, key=len, reverse=True):
        park_name = park_name.replace(city, "·")
    best: tuple[int, Region] | None = None
    for county in counties:
        names = {county.name, county.short_name or ""}
        stem = re.sub(r"(?:区|县|市|自治县)$", "", county.name)
        if len(stem) >= 2:
            names.add(stem)
        for n in names:
            if n and len(n) >= 2 and n in park_name and (best is None or len(n) > best[0]):
                best = (len(n), county)
    return best[1] if best else None


def _place(places: dict[int, Region], park: Park) -> Region | None:
    for rid in (park.county_id, park.region_id):
        place = places.get(rid) if rid else None
        if place is not None and place.longitude is not None and place.latitude is not None:
            return place
    return None


def locate_partners(session: Session, partners: list[dict[str, Any]]) -> None:
    """Add ``longitude``/``latitude`` to partner rows from their region (for the map)."""
    for partner in partners:
        try:
            region = find_region(session, str(partner.get("region", "")))
        except NotFound:
            continue
        partner["longitude"], partner["latitude"] = region.longitude, region.latitude


# --- indicators with actuals --------------------------------------------------------------

def indicator_series(session: Session, *, region: set[int] | None = None, limit: int = 50,
                     offset: int = 0, include_pending: bool = False) -> dict[str, Any]:
    """Indicators (baseline, target) with their actuals over time; those waiting for review
    only with ``include_pending`` (their number is ``waiting``)."""
    page = list_entities(session, KIND_BY_TYPE["indicator"], region=region, limit=limit,
                         offset=offset, trusted_only=not include_pending)
    page["waiting"] = waiting(session, "indicator").to_dict()
    obs = observations(session, [item["id"] for item in page["items"]])
    for item in page["items"]:
        item["observations"] = obs[item["id"]]
    return page


# --- search -------------------------------------------------------------------------------

def search(session: Session, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Entities matching ``q`` (`gxatlas.kb.search.search`), best first."""
    return [{"type": h.entity_type, "type_label": h.type_label, "id": h.entity_id,
             "label": h.title, "snippet": h.snippet, "score": h.score}
            for h in kb_search.search(session, q, limit=limit)]
