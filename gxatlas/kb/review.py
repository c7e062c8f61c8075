"""What the KB trusts: the review status of stored facts, and the entities analyses leave out.

Every extracted fact is stored with the extractor's confidence and reasons and a status:

* ``accepted`` (自动接受): confident (at or above the threshold) and about an entity the KB
  already trusts;
* ``pending`` (待审核): below the threshold, or about an entity nothing trusted supports yet
  (a new name, or one that only other pending facts mention);
* ``confirmed`` (已确认) / ``rejected`` (已驳回): a person decided (`gxatlas.kb.corrections`).

An entity is *trusted* when the bundled atlas, an imported table or a person supports it, or
when at least one accepted or confirmed fact does. Analyses leave out the rest by default
(``untrusted_ids``) and say how many wait (``waiting``); with ``include_pending`` they take
pending ones too, never rejected ones. Entities without any stored fact (atlas, registry,
documents ingested before review existed) are trusted as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb.models import ENTITY_MODELS, FACT_STATUSES, Document, Evidence, StoredFact

PENDING, ACCEPTED, CONFIRMED, REJECTED = FACT_STATUSES
TRUSTED = (ACCEPTED, CONFIRMED)
STATUS_ZH = {PENDING: "待审核", ACCEPTED: "自动接受", CONFIRMED: "已确认", REJECTED: "已驳回"}
#: Facts the extractor is less sure of than this wait for review (GXATLAS_REVIEW_THRESHOLD).
DEFAULT_THRESHOLD = 0.8


def review_threshold(value: float | None = None) -> float:
    """The confidence below which a fact waits for review: ``value``, else the environment
    variable GXATLAS_REVIEW_THRESHOLD, else ``DEFAULT_THRESHOLD``."""
    if value is None:
        raw = os.environ.get("GXATLAS_REVIEW_THRESHOLD")
        if not raw:
            return DEFAULT_THRESHOLD
        try:
            value = float(raw)
        except ValueError as err:
            raise GxatlasError(f"GXATLAS_REVIEW_THRESHOLD={raw!r} 不是数字 (not a number)") from err
    if not 0.0 <= value <= 1.0:
        raise GxatlasError(f"审核阈值 {value} 不在 0 到 1 之间 (review threshold outside 0-1)")
    return value


def initial_status(*, confidence: float, threshold: float, new: bool,
                   trusted: bool) -> tuple[str, str | None]:
    """The status of a fact as it is stored, and why it waits (None when accepted)."""
    if confidence < threshold:
        return PENDING, f"置信度 {confidence:.2f} 低于阈值 {threshold:.2f}"
    if new:
        return PENDING, "新实体：知识库中没有对应的已知实体"
    if not trusted:
        return PENDING, "所指实体尚待审核"
    return ACCEPTED, None


def _supported(entity_type: str) -> Select:
    """Ids of entities of a type that something other than extraction supports."""
    return select(Evidence.entity_id).where(Evidence.entity_type == entity_type,
                                            Evidence.origin != "extracted")


def untrusted_ids(entity_type: str, *, include_pending: bool = False) -> Select:
    """A SELECT of the ids of ``entity_type`` entities analyses leave out: no trusted fact and
    no other support; with ``include_pending`` only those whose every fact was rejected."""
    trusted = func.sum(case((StoredFact.status.in_(TRUSTED), 1), else_=0))
    stmt = (select(StoredFact.entity_id)
            .where(StoredFact.entity_type == entity_type, StoredFact.entity_id.is_not(None),
                   StoredFact.entity_id.not_in(_supported(entity_type)))
            .group_by(StoredFact.entity_id).having(trusted == 0))
    if include_pending:
        stmt = stmt.having(func.sum(case((StoredFact.status == PENDING, 1), else_=0)) == 0)
    return stmt


def is_trusted(session: Session, entity_type: str, entity_id: int) -> bool:
    """Whether analyses use this entity by default (``untrusted_ids`` for one entity, in three
    indexed look-ups)."""
    return trusted_given(*trust_state(session, entity_type, entity_id))


def trust_state(session: Session, entity_type: str, entity_id: int) -> tuple[bool, bool, bool]:
    """(has stored facts, has a trusted one, has support other than extraction); the last
    is left False when a trusted fact decides it."""
    facts = select(StoredFact.id).where(StoredFact.entity_type == entity_type,
                                        StoredFact.entity_id == entity_id)
    has_facts = session.scalars(facts.limit(1)).first() is not None
    if has_facts and session.scalars(
            facts.where(StoredFact.status.in_(TRUSTED)).limit(1)).first() is not None:
        return True, True, False
    return has_facts, False, session.scalars(select(Evidence.id).where(
        Evidence.entity_type == entity_type, Evidence.entity_id == entity_id,
        Evidence.origin != "extracted").limit(1)).first() is not None


def trusted_given(has_facts: bool, has_trusted: bool, supported: bool) -> bool:
    """``is_trusted`` from ``trust_state``'s three answers."""
    return not has_facts or has_trusted or supported


@dataclass(frozen=True)
class Waiting:
    """How many entities of a type analyses leave out because they wait for review, and how
    many facts of that type wait in all (some about trusted entities)."""

    entity_type: str
    entities: int
    facts: int

    def note(self, label: str) -> str | None:
        """A line for people (None when nothing waits)."""
        if not self.entities and not self.facts:
            return None
        return (f"另有 {self.entities} 个{label}待审核未计入（共 {self.facts} 条待审核事实；"
                f"`gxatlas review` 审核，--include-pending 一并显示）")

    def to_dict(self) -> dict[str, int | str]:
        return {"type": self.entity_type, "entities": self.entities, "facts": self.facts}


def waiting(session: Session, entity_type: str) -> Waiting:
    """``Waiting`` for one entity type."""
    pending_only = untrusted_ids(entity_type).having(
        func.sum(case((StoredFact.status == PENDING, 1), else_=0)) > 0)
    entities = session.scalar(select(func.count()).select_from(pending_only.subquery())) or 0
    facts = session.scalar(select(func.count()).select_from(StoredFact).where(
        StoredFact.entity_type == entity_type, StoredFact.status == PENDING)) or 0
    return Waiting(entity_type, int(entities), int(facts))


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    """Stored facts per type and status."""
    out: dict[str, dict[str, int]] = {}
    for ftype, status, n in session.execute(select(StoredFact.type, StoredFact.status,
                                                   func.count()).group_by(StoredFact.type,
                                                                          StoredFact.status)):
        out.setdefault(ftype, {})[status] = n
    return out


# --- the review queue ------------------------------------------------------------------------

def _entity_name(session: Session, entity_type: str | None, entity_id: int | None) -> str | None:
    if not entity_type or entity_id is None:
        return None
    ent = session.get(ENTITY_MODELS[entity_type], entity_id)
    if ent is None:
        return None
    return getattr(ent, "name", None) or getattr(ent, "title", None) or getattr(ent, "key", None)


def fact_summary(session: Session, row: StoredFact) -> dict[str, Any]:
    """A stored fact as the review queue shows it (JSON-able)."""
    doc = row.document
    return {"id": row.id, "type": row.type, "name": row.name, "values": dict(row.values or {}),
            "aliases": list(row.aliases or []), "status": row.status,
            "status_zh": STATUS_ZH.get(row.status, row.status), "why": row.status_reason,
            "confidence": row.confidence, "reasons": list(row.reasons or []),
            "match": row.match, "version": row.version,
            "entity": {"type": row.entity_type, "id": row.entity_id,
                       "name": _entity_name(session, row.entity_type, row.entity_id)},
            "document": {"id": doc.id, "key": doc.key, "title": doc.title} if doc else None,
            "span": [row.start, row.end], "alignment": row.alignment, "quote": row.quote,
            "reviewed_by": row.reviewed_by,
            "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None}


def queue(session: Session, *, status: str | None = PENDING, fact_type: str | None = None,
          document: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Stored facts of a status (default: waiting for review; None: all), optionally of one
    type or document, in document order: ``{"total", "counts", "items"}``."""
    if status is not None and status not in FACT_STATUSES:
        raise GxatlasError(f"未知状态“{status}”（{'、'.join(FACT_STATUSES)}）")
    stmt = select(StoredFact)
    if status is not None:
        stmt = stmt.where(StoredFact.status == status)
    if fact_type:
        stmt = stmt.where(StoredFact.type == fact_type)
    if document:
        doc_id = session.scalars(select(Document.id).where(Document.key == document)).first()
        if doc_id is None:
            raise GxatlasError(f"知识库中没有文档“{document}” (no such document)")
        stmt = stmt.where(StoredFact.document_id == doc_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(StoredFact.document_id, StoredFact.start,
                                         StoredFact.id).limit(limit).offset(offset))
    counts = {s: n for s, n in session.execute(select(StoredFact.status, func.count())
                                               .group_by(StoredFact.status))}
    return {"total": int(total), "counts": {s: int(counts.get(s, 0)) for s in FACT_STATUSES},
            "items": [fact_summary(session, r) for r in rows]}


def _candidates(session: Session, row: StoredFact) -> list[dict[str, Any]]:
    """Known entities a reviewer may merge the fact into: the resolver's close indicators,
    else what a search for its name finds (trusted first), never its own entity."""
    from gxatlas.kb.facts import resolve_fact
    from gxatlas.kb.search import search

    etype = row.entity_type or row.type
    if etype not in ENTITY_MODELS or row.type == "industry_focus":
        return []
    ids: list[int] = []
    if row.type == "indicator":
        target = resolve_fact(session, row)
        if target is not None:
            ids.extend(c for c in target.candidates)
            if target.entity is not None:
                ids.append(target.entity.id)
    for hit in search(session, row.name, types=(etype,), limit=8):
        ids.append(hit.entity_id)
    hidden = set(session.scalars(untrusted_ids(etype)))
    seen, out = set(), []
    for eid in ids:
        if eid in seen or eid == row.entity_id:
            continue
        seen.add(eid)
        name = _entity_name(session, etype, eid)
        if name:
            out.append({"type": etype, "id": eid, "name": name, "trusted": eid not in hidden})
    out.sort(key=lambda c: not c["trusted"])
    return out[:8]


def review_item(session: Session, fact_id: int, *, context: int = 600) -> dict[str, Any]:
    """One fact for review: its summary, the document text around the evidence (with the
    span's offsets into that excerpt), the candidates to merge into, and its corrections."""
    from gxatlas.kb.corrections import get_fact, history

    row = get_fact(session, fact_id)
    out = fact_summary(session, row)
    text = row.document.text or ""
    lo, hi = max(0, row.start - context), min(len(text), row.end + context)
    out["excerpt"] = {"text": text[lo:hi], "offset": lo, "start": row.start - lo,
                      "end": row.end - lo, "length": len(text)}
    out["candidates"] = _candidates(session, row)
    out["corrections"] = history(session, fact_id=row.id, limit=20)
    return out
