"""Storing a checked enterprise registry in the KB, a batch of rows at a time (issue 16).

What one row needs that the KB does not decide — its name keys, the record its evidence row
states, the words of its search text — is ``store_row(row)``: `gxatlas enterprises import`
computes it in the process that reads and checks the file
(``analysis.registry.iter_registry_in_child``), on the other core. The rest is decided here
per batch of ``kb.bulk.BATCH`` rows against the KB: which firm each row is (credit code, then
name as ``kb.resolve.find`` matches), new ids, the search entries; one writer thread writes a
batch while the next is resolved. One transaction per file (the caller's session).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gxatlas.analysis.registry import RegistryRow
from gxatlas.kb.models import Enterprise
from gxatlas.kb.resolve import distinct_key


@dataclass(frozen=True)
class RegistryStored:
    """What storing a registry did: ``status`` is "added", "replaced" (the same file name
    with other content: its citations are replaced) or "unchanged" (the same content was
    imported before, under ``document``'s name; nothing written)."""

    added: int
    updated: int
    status: str
    document: str


class StoreRow(NamedTuple):
    """A checked registry row with what storing it needs that the KB does not decide
    (``store_row``); a tuple, cheap to pass between processes."""

    line: int
    name: str  # as checked (``RegistryRow.name``)
    keys: tuple[str, str, str]  # (name_key, loose_key, canonical_name) of ``name``
    place: str | None  # where its city is looked up: the county, else the region
    region: str | None  # ``RegistryRow.region`` (counted per region by the import)
    values: dict[str, Any]  # the enterprise columns it states (``region_id`` added per batch)
    record: dict[str, Any]  # the value of its evidence row (``registry_record``)
    words: dict[str, str]  # ``search.part_words`` of each part of its names, tags and scope


_CITED_FIELDS = ("name", "credit_code", "address", "scope", "registered_capital", "founded")


def registry_record(name: str, values: dict[str, object]) -> dict[str, object]:
    """What one registry line states, as its one evidence row records it (field
    ``kb.provenance.RECORD``; `gxatlas show` lists each field cited to the file and line)."""
    out: dict[str, object] = {"name": name}
    for fld in _CITED_FIELDS[1:]:
        val = values.get(fld)
        if val not in (None, ""):
            out[fld] = val
    return out


def store_row(row: RegistryRow) -> StoreRow:
    """What storing ``row`` needs that the KB does not decide (see module doc)."""
    from gxatlas.kb.bulk import name_keys
    from gxatlas.kb.search import part_words

    values = dict(full_name=row.name, credit_code=row.credit_code, address=row.address,
                  registered_capital=row.registered_capital,
                  founded=row.founded.isoformat() if row.founded else None,
                  scope=row.scope or None, revenue=row.revenue, tags=list(row.tags))
    keys = name_keys("enterprise", row.name)
    # the parts of the text ``search.enterprise_body`` indexes for a firm the row creates
    parts = {keys[2], *row.name.split(), *row.tags, *row.scope[:500].split()}
    return StoreRow(row.line, row.name, keys, row.county or row.region, row.region, values,
                    registry_record(row.name, values), {p: part_words(p) for p in parts})


def store_registry(session: Session, rows: Iterable[RegistryRow | StoreRow], *, path: str,
                   digest: str | None = None, source=None, name: str | None = None,
                   on_batch=None) -> RegistryStored:
    """Store validated registry rows (or their ``store_row``) as enterprises (matched by
    credit code, then by name as ``kb.resolve.find`` matches), each line cited to the file
    and line, in batches of ``kb.bulk.BATCH`` rows (see ``gxatlas.kb.bulk``). A registry is a
    document identified as documents are (``kb.documents.table_document``): by its content
    (``registry_digest``: the same content under another file name or encoding is not stored
    twice) and its ``source`` (default: the file's path; a changed file at the same path
    replaces its citations). ``name`` is the file name to show (an upload's own name).
    ``on_batch(n)`` is called after each batch of ``n`` rows (progress)."""
    from pathlib import Path

    from gxatlas.analysis.registry import registry_digest
    from gxatlas.gcpause import fewer_collections
    from gxatlas.kb.bulk import BATCH, NameIndex, RegionNames
    from gxatlas.kb.documents import Source, table_document
    from gxatlas.kb.models import Evidence

    p = Path(path)
    name = name or p.name
    status, doc = table_document(
        session, stem=f"registry:{name}", digest=digest or registry_digest(p),
        source=source or Source.path(p), kind="registry", title=f"企业名录 {name}",
        fmt=p.suffix.lstrip(".").lower())
    if status == "unchanged":
        return RegistryStored(added=0, updated=0, status="unchanged", document=doc.key)
    if status == "replaced":
        session.execute(delete(Evidence).where(Evidence.document_id == doc.id))
    regions = RegionNames(session)
    names = NameIndex(session, "enterprise")
    added = updated = 0
    # A batch's rows are written by one writer thread while this thread resolves the next
    # batch: SQLite (sqlite3 releases the GIL inside a statement, where the inserts and the
    # FTS5 index spend their time) and PostgreSQL work beside the Python.
    # Only one thread uses the connection at a time: a batch is resolved against the KB
    # after the previous batch's writes are done.
    restore = _bulk_cache(session)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-writer")
    pending: list[Future] = []

    def store(batch: list[StoreRow]) -> None:
        nonlocal added, updated
        if pending:
            pending.pop().result()
        a, u, write = _registry_batch(session, batch, doc_id=doc.id, regions=regions,
                                      names=names)
        pending.append(writer.submit(write))
        added, updated = added + a, updated + u
        if on_batch is not None:
            on_batch(len(batch))

    batch: list[StoreRow] = []
    try:
        with fewer_collections():
            for row in rows:
                batch.append(row if isinstance(row, StoreRow) else store_row(row))
                if len(batch) >= BATCH:
                    store(batch)
                    batch = []
            if batch:
                store(batch)
            if pending:
                pending.pop().result()
    finally:
        wait(pending)  # after an error: the writes end before the transaction rolls back
        writer.shutdown()
        restore()
    return RegistryStored(added=added, updated=updated, status=status, document=doc.key)


#: SQLite page cache while a registry is written (KiB; the default 2 MiB makes a large
#: import re-read and spill index pages: most of its time went to system calls)
_BULK_CACHE_KIB = 256 * 1024


def _bulk_cache(session: Session) -> Callable[[], None]:
    """Give SQLite a larger page cache for a bulk write; returns what restores it."""
    if session.get_bind().dialect.name != "sqlite":
        return lambda: None
    raw = session.connection().connection.driver_connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    return lambda: raw.execute(f"PRAGMA cache_size={int(before)}")


_ENTERPRISE_FIELDS = ("full_name", "credit_code", "region_id", "address", "registered_capital",
                      "founded", "scope", "revenue", "tags")


def _registry_batch(session: Session, batch: list[StoreRow], *, doc_id: int,
                    regions, names) -> tuple[int, int, Callable[[], None]]:
    """One batch of ``store_registry``: resolution in memory and the rows to write. Returns
    (added, updated, the function that writes them: one multi-row statement per table)."""
    from gxatlas.kb.bulk import (allocate_ids, insert_rows, rows_where_in, search_entry_writes,
                                 update_rows)
    from gxatlas.kb.models import Alias, Evidence
    from gxatlas.kb.provenance import RECORD
    from gxatlas.kb.search import enterprise_body, search_tokens

    names.forget()
    words: dict[str, str] = {}
    for r in batch:
        names.know(r.name, r.keys)
        words.update(r.words)
    names.load(r.name for r in batch)
    codes = sorted({r.values["credit_code"] for r in batch if r.values["credit_code"]})
    by_code: dict[str, int] = {c: eid for eid, c in rows_where_in(
        session, (Enterprise.id, Enterprise.credit_code), Enterprise.credit_code, codes)}
    candidates = set(by_code.values()) | {e for e in map(names.find, (r.name for r in batch))
                                          if e is not None}
    state: dict[int, dict[str, object]] = {}
    for ent in rows_where_in(session, (Enterprise.id, Enterprise.name,
                                       *(getattr(Enterprise, f) for f in _ENTERPRISE_FIELDS)),
                             Enterprise.id, sorted(candidates)):
        state[ent[0]] = dict(zip(("name", *_ENTERPRISE_FIELDS), ent[1:]))
    fresh = iter(allocate_ids(session, Enterprise, len(batch)))
    new: dict[int, dict[str, object]] = {}
    dirty: dict[int, dict[str, object]] = {}
    aliases: list[dict[str, object]] = []
    evidence: list[dict[str, object]] = []
    touched: dict[int, None] = {}
    added = updated = 0
    for row in batch:
        values = row.values
        values["region_id"] = regions.city_id(row.place)
        code = values["credit_code"]
        eid = by_code.get(code) if code else None
        via_code = eid is not None
        if eid is None:
            eid = names.find(row.name)
            if eid is not None and code and state[eid].get("credit_code") not in (None, "", code):
                eid = None  # a credit code names one firm: the same name with another is another
        if eid is None:
            eid = next(fresh)
            key, _, canonical = row.keys
            key = distinct_key(key, code, taken=key in names.exact)
            new[eid] = state[eid] = {"id": eid, "name": canonical, "key": key, "park_id": None,
                                     **values}
            added += 1
        else:
            cur = state[eid]
            for k, v in values.items():
                # a value fills a field that has none (setting an empty field to the same
                # empty value, as the per-row path did, changes nothing: not written)
                if v is not None and (was := cur.get(k)) in (None, [], "") and v != was:
                    cur[k] = v
                    if eid not in new:
                        dirty.setdefault(eid, {})[k] = v
            updated += 1
        code = state[eid].get("credit_code")
        if code:
            by_code.setdefault(str(code), eid)
        if not via_code:
            alias = names.add(eid, row.name)
            if alias is not None:
                aliases.append(alias)
        evidence.append({"entity_type": "enterprise", "entity_id": eid, "field": RECORD,
                         "value": row.record, "origin": "user", "document_id": doc_id,
                         "locator": f"line {row.line}"})
        touched[eid] = None
    # the aliases of the touched firms in id order: those stored, then this batch's
    known: dict[int, list[str]] = {}
    ids = list(touched)
    # by entity_id alone (its index), the type checked here: see NameIndex.load
    for etype, eid, alias in rows_where_in(
            session, (Alias.entity_type, Alias.entity_id, Alias.alias), Alias.entity_id, ids,
            order_by=Alias.id):
        if etype == "enterprise":
            known.setdefault(eid, []).append(alias)
    for alias in aliases:
        known.setdefault(alias["entity_id"], []).append(alias["alias"])
    entries = []
    for eid in ids:
        ent = state[eid]
        name = ent["name"]
        body = enterprise_body(name=str(name), full_name=ent.get("full_name"),
                               aliases=" ".join(known.get(eid, ())),
                               region=regions.name(ent.get("region_id")),
                               tags=ent.get("tags"), scope=ent.get("scope"))
        entries.append({"entity_type": "enterprise", "entity_id": eid, "title": str(name),
                        "body": body, "tokens": search_tokens(body, words)})
    write_entries = search_entry_writes(session, entries)
    session.expire_all()

    def write() -> None:
        insert_rows(session, Enterprise, list(new.values()))
        update_rows(session, Enterprise, [{"id": eid, **vals} for eid, vals in dirty.items()])
        insert_rows(session, Alias, aliases)
        insert_rows(session, Evidence, evidence)
        write_entries()
    return added, updated, write
