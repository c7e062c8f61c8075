"""The per-row registry store that ``kbdata.store_registry``'s bulk path replaced, kept as the
reference its results are compared with (tests/test_registry_bulk.py): one query or more per
row through ``resolve.get_or_create``, ``provenance.cite`` and ``search.index_entity``."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.analysis.registry import RegistryRow
from gxatlas.kb.load import city_id
from gxatlas.kb.models import Enterprise
from gxatlas.kb.provenance import cite
from gxatlas.kb.resolve import get_or_create
from gxatlas.kb.search import index_entity


def store_registry_per_row(session: Session, rows: Iterable[RegistryRow], *,
                           doc_id: int) -> tuple[int, int]:
    added = updated = 0
    for row in rows:
        ent = None
        if row.credit_code:
            ent = session.scalars(select(Enterprise).where(
                Enterprise.credit_code == row.credit_code)).first()
        values = dict(full_name=row.name, credit_code=row.credit_code,
                      region_id=city_id(session, row.county or row.region),
                      address=row.address, registered_capital=row.registered_capital,
                      founded=row.founded.isoformat() if row.founded else None,
                      scope=row.scope or None, revenue=row.revenue, tags=list(row.tags))
        if ent is None:
            ent, created = get_or_create(session, "enterprise", row.name, **values)
        else:
            created = False
            for k, v in values.items():
                if v is not None and getattr(ent, k) in (None, [], ""):
                    setattr(ent, k, v)
        added += int(created)
        updated += int(not created)
        for fld in ("credit_code", "address", "scope", "registered_capital", "founded"):
            val = values.get(fld)
            if val not in (None, ""):
                cite(session, entity_type="enterprise", entity_id=ent.id, field=fld,
                     value=val, origin="user", document_id=doc_id, locator=f"line {row.line}")
        cite(session, entity_type="enterprise", entity_id=ent.id, field="name", value=row.name,
             origin="user", document_id=doc_id, locator=f"line {row.line}")
        session.flush()
        index_entity(session, "enterprise", ent.id)
    return added, updated
