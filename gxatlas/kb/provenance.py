"""Recording where each statement comes from (Evidence rows), without duplicates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import Document, Evidence, Relation


#: The field of an evidence row that stands for several fields of one table row (a registry
#: line): its value is ``{field: value}``, every field cited to the same file and line.
RECORD = "record"


def stated_fields(field: str, value: Any) -> list[tuple[str, Any]]:
    """(field, value) of each statement an evidence row records: one, or each field of a
    ``RECORD`` row."""
    if field == RECORD and isinstance(value, dict):
        return list(value.items())
    return [(field, value)]


def document_id(session: Session, key: str) -> int | None:
    return session.scalars(select(Document.id).where(Document.key == key)).first()


def cache_evidence(session: Session) -> None:
    """Keep the identities of stored evidence in memory from now on (for bulk loads)."""
    session.info["evidence"] = set(session.execute(select(
        Evidence.entity_type, Evidence.entity_id, Evidence.field, Evidence.origin,
        Evidence.document_id, Evidence.locator, Evidence.start)))


def cite(session: Session, *, entity_type: str, entity_id: int, field: str, value: Any,
         origin: str, document_id: int | None, locator: str | None = None,
         start: int | None = None, end: int | None = None, **span: Any) -> bool:
    """Add one Evidence row unless the same statement from the same place is there already.
    Returns True when a row was added."""
    cache = session.info.get("evidence")
    if cache is not None:
        ident = (entity_type, entity_id, field, origin, document_id, locator, start)
        if ident in cache:
            return False
        cache.add(ident)
        session.add(Evidence(entity_type=entity_type, entity_id=entity_id, field=field,
                             value=value, origin=origin, document_id=document_id,
                             locator=locator, start=start, end=end, **span))
        return True
    same = select(Evidence.id).where(
        Evidence.entity_type == entity_type, Evidence.entity_id == entity_id,
        Evidence.field == field, Evidence.origin == origin)
    same = same.where(Evidence.document_id == document_id if document_id is not None
                      else Evidence.document_id.is_(None))
    same = same.where(Evidence.locator == locator if locator is not None
                      else Evidence.locator.is_(None))
    same = same.where(Evidence.start == start if start is not None else Evidence.start.is_(None))
    if session.scalars(same).first() is not None:
        return False
    session.add(Evidence(entity_type=entity_type, entity_id=entity_id, field=field, value=value,
                         origin=origin, document_id=document_id, locator=locator, start=start,
                         end=end, **span))
    return True


def relate(session: Session, *, type: str, a_type: str, a_id: int, b_type: str, b_id: int,
           note: str | None = None, level: str | None = None) -> bool:
    """Add a typed edge unless it is there already. Returns True when one was added."""
    exists = session.scalars(select(Relation.id).where(
        Relation.type == type, Relation.a_type == a_type, Relation.a_id == a_id,
        Relation.b_type == b_type, Relation.b_id == b_id)).first()
    if exists is not None:
        return False
    session.add(Relation(type=type, a_type=a_type, a_id=a_id, b_type=b_type, b_id=b_id,
                         note=note, level=level))
    return True
