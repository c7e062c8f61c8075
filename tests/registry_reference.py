"""The per-row registry store that ``registry_store.store_registry``'s bulk path replaced, kept as the
reference its results are compared with (tests/test_registry_bulk.py): one query or more per
row through ``resolve.get_or_create``, ``provenance.cite`` and ``search.index_entity``.

Changed since (issue 16b), in both paths: a registry line is one evidence row (field
"record", its stated fields as the value) instead of one row per field; `gxatlas show`
still lists every field cited to the file and line (tests/test_registry_bulk.py checks it)."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.analysis.registry import RegistryRow
from gxatlas.kb.load import city_id
from gxatlas.kb.models import Enterprise
from gxatlas.kb.provenance import cite
from gxatlas.kb.models import Alias
from gxatlas.kb.resolve import add_alias, distinct_key, find, get_or_create
from gxatlas.names import canonical_name, name_key
from gxatlas.kb.search import index_entity


def find_exact(session: Session, key: str) -> bool:
    return session.scalars(select(Alias.id).where(Alias.entity_type == "enterprise",
                                                  Alias.key == key)).first() is not None


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
        other = find(session, "enterprise", row.name) if ent is None else None
        if other is not None and row.credit_code and other.credit_code not in (
                None, "", row.credit_code):  # a credit code names one firm
            key = name_key(row.name)
            ent = Enterprise(name=canonical_name(row.name), key=distinct_key(
                key, row.credit_code, taken=find_exact(session, key)), **values)
            session.add(ent)
            session.flush()
            add_alias(session, "enterprise", ent.id, row.name)
            created = True
        elif ent is None:
            ent, created = get_or_create(session, "enterprise", row.name, **values)
        else:
            created = False
            for k, v in values.items():
                if v is not None and getattr(ent, k) in (None, [], ""):
                    setattr(ent, k, v)
        added += int(created)
        updated += int(not created)
        # issue 16: one evidence row per registry line, its fields as the value (the
        # per-row path wrote one row per field: name, code, address, scope, capital, founded)
        stated = {"name": row.name}
        for fld in ("credit_code", "address", "scope", "registered_capital", "founded"):
            val = values.get(fld)
            if val not in (None, ""):
                stated[fld] = val
        cite(session, entity_type="enterprise", entity_id=ent.id, field="record",
             value=stated, origin="user", document_id=doc_id, locator=f"line {row.line}")
        session.flush()
        index_entity(session, "enterprise", ent.id)
    return added, updated
