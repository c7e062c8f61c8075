"""Analysis capabilities (monitor, audit, parks, chains, partners) behind one interface.

Every capability's module is part of gxatlas and is imported like any other: a module that
fails to import is a bug and fails loudly (the API answers 500, the tests go red), never an
empty state. ``{"available": false, "reason": ...}`` is kept for what the analysis itself
says it cannot answer (a ``GxatlasError``: no data for the region, an unknown chain, ...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError



@dataclass(frozen=True)
class Capability:
    """An analysis entry point over the KB: ``adapter(session, **params)``.

    ``module`` names where the analysis lives; the adapter, defined below, turns the module's
    pure functions into one call over the open session.
    """

    name: str
    module: str
    title: str


CAPABILITIES: dict[str, Capability] = {c.name: c for c in (
    Capability("monitor", "gxatlas.analysis.monitor", "规划目标监测"),
    Capability("audit", "gxatlas.analysis.audit", "规划一致性审查"),
    Capability("parks", "gxatlas.analysis.parks", "园区评价"),
    Capability("chains", "gxatlas.analysis.chains", "产业链分析"),
    Capability("partners", "gxatlas.analysis.partners", "合作伙伴推荐"),
    Capability("enterprise", "gxatlas.analysis.candidates", "企业招商简报"),
    Capability("projects", "gxatlas.analysis.pipeline", "重大项目库"),
    Capability("pool", "gxatlas.analysis.pool", "企业培育库"),
)}
MAX_AUDITED_DOCUMENTS = 10


def _monitor(session: Session, *, region: str | None = None, include_pending: bool = False,
             **_: Any) -> Any:
    from gxatlas.analysis.monitor import monitor

    return monitor(session, region=region, include_pending=include_pending)


def _parks(session: Session, *, region: str | None = None, include_pending: bool = False,
           **_: Any) -> Any:
    from gxatlas.analysis.monitor import park_evaluations

    return park_evaluations(session, region=region, include_pending=include_pending)


def _audit(session: Session, *, region: str | None = None, document: str | None = None,
           covering: bool = False, **_: Any) -> Any:
    """Findings of one stored document, or of the region's documents that keep their text
    (``covering``: also the plans of the regions and groups that contain the region, e.g. the
    Beibu Gulf plan for 南宁), plans first."""
    from sqlalchemy import case, select

    from gxatlas.analysis.audit import audit, kb_cross_source, stored_document
    from gxatlas.kb.models import Document

    if document:
        keys = [document]
    else:
        stmt = (select(Document.key).where(Document.original.is_not(None))
                .order_by(case((Document.kind == "plan", 0), else_=1), Document.id))
        if region:
            from gxatlas.api.queries import find_region, region_ids
            from gxatlas.kb.resolve import covering_region_ids

            reg = find_region(session, region)
            ids = covering_region_ids(session, reg.id) if covering else region_ids(session, reg)
            stmt = stmt.where(Document.region_id.in_(ids))
        keys = list(session.scalars(stmt.limit(MAX_AUDITED_DOCUMENTS)))
    findings, titles = [], {}
    for key in keys:
        doc = stored_document(session, key)
        titles[doc.name] = doc.title or doc.name
        findings.extend(audit(doc))
        # what other sources state differently about this document's figures
        findings.extend(kb_cross_source(session, document=doc.name))
    return {"documents": keys, "titles": titles, "findings": findings}


def _chains(session: Session, *, chain: str, region: str | None = None, candidates: int = 5,
            include_pending: bool = False, **_: Any) -> Any:
    from gxatlas.analysis.chains import analyse
    from gxatlas.analysis.kbdata import chain_entities, court_from_kb
    from gxatlas.data.chains import find_chain

    template = find_chain(chain)
    court = court_from_kb(session, region=region, top=candidates) if candidates else None
    return analyse([template], entities=chain_entities(session, include_pending=include_pending),
                   region=region, court=court)["chains"][0]


def _enterprise(session: Session, *, firm: str, **_: Any) -> Any:
    from gxatlas.analysis.kbdata import firm_needs_from_kb

    return firm_needs_from_kb(session, name=firm)


def _partners(session: Session, *, home: str, limit: int = 20, chain: str | None = None,
              **_: Any) -> Any:
    from gxatlas.analysis.kbdata import partners_from_kb

    return partners_from_kb(session, home=home, chain_ids=(chain,) if chain else (), top=limit)


def _projects(session: Session, **params: Any) -> Any:
    from gxatlas.analysis.pipeline import pipeline_from_kb

    return pipeline_from_kb(session, **params)


def _pool(session: Session, **params: Any) -> Any:
    from gxatlas.analysis.pool import pool_from_kb

    return pool_from_kb(session, **params)


ADAPTERS: dict[str, Callable[..., Any]] = {
    "monitor": _monitor, "audit": _audit, "parks": _parks, "chains": _chains,
    "partners": _partners, "enterprise": _enterprise, "projects": _projects, "pool": _pool,
}


def chain_templates() -> list[dict[str, Any]]:
    """The bundled chain templates (id, name, links) for the chain picker."""
    from gxatlas.data.chains import load_chains

    return [{"id": c.id, "name": c.name, "industry": c.industry, "source": c.source,
             "links": [{"id": link.id, "name": link.name, "position": link.position,
                        "supplies": list(link.supplies)} for link in c.links]}
            for c in load_chains()]


def to_jsonable(value: Any) -> Any:
    """Values with ``to_dict``, dataclasses, enums, mappings, sequences and dates as plain
    JSON values (``to_dict`` first: it is the analysis modules' own exchange form)."""
    if hasattr(value, "to_dict") and callable(value.to_dict) and not isinstance(value, type):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def run(name: str, session: Session, **params: Any) -> dict[str, Any]:
    """Run capability ``name``: ``{"available": true, "result": ...}``, or an empty state
    with the reason when the analysis says it cannot answer (GxatlasError). Any other error,
    an import error included, propagates."""
    fn = ADAPTERS[name]
    try:
        result = fn(session, **{k: v for k, v in params.items() if v is not None})
    except GxatlasError as err:
        return unavailable(f"{CAPABILITIES[name].title}: {err}")
    return {"available": True, "result": to_jsonable(result)}
