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

import itertools
import sys
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from sqlalchemy import delete, text
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
    from gxatlas.kb.bulk import BATCH, NameIndex, RegionNames, RowEncoder, write_search_entries
    from gxatlas.kb.documents import Source, table_document
    from gxatlas.kb.models import Evidence, SearchEntry

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
    # Batch k's writes go to one writer thread while this thread receives batch k+2 and, on
    # PostgreSQL, resolves batch k+1 and makes batch k's search entries, so that the server
    # works beside the Python. Only one thread uses the connection at a time: batch k+1's
    # reads are made before batch k's writes start, and see batch k through ``_Batch`` (what
    # it resolved and has not written yet); the next reads wait for the writes to end.
    # SQLite's writes run in this process and need the GIL between rows: beside Python work
    # they stall (measured slower), so there batch k's entries are made before its writes
    # and batch k+1 is resolved after them.
    beside = session.get_bind().dialect.name != "sqlite"
    restore = _bulk_settings(session)
    encoder = RowEncoder(session)  # used by this thread only: rows encoded beside the writes
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-writer")
    pending: list[Future] = []
    ahead: _Batch | None = None  # resolved and its search entries read; not written yet
    last_new = 0  # the largest firm id a batch took (SQLite allocates after it)
    region_words: dict[str, str] = {}

    def start_writes(done: _Batch) -> None:
        if beside:
            pending.append(writer.submit(done.write_firms, session))
        new, changed = done.search_entries(regions, region_words)
        if not beside:
            done.encode(encoder)
            pending.append(writer.submit(done.write_firms, session))
        pending.append(writer.submit(write_search_entries, session, new, changed,
                                     encoded=encoder.encode(SearchEntry, new)))

    def settle() -> None:
        while pending:
            pending.pop(0).result()

    def take(items: Iterator[RegistryRow | StoreRow]) -> list[StoreRow]:
        return [r if isinstance(r, StoreRow) else store_row(r)
                for r in itertools.islice(items, BATCH)]

    items = iter(rows)
    try:
        with fewer_collections():
            batch = take(items)
            found = _Found(batch, names=names, overlay=None)
            while batch:
                found.read(session, after=last_new)
                if ahead is not None:
                    start_writes(ahead)
                resolved = found.resolve(doc_id=doc.id, regions=regions) if beside else None
                n, batch = len(batch), take(items)  # beside the writes
                if resolved is not None:  # its rows encoded, the next batch's query-free work
                    resolved.encode(encoder)
                    found = _Found(batch, names=names, overlay=resolved)
                settle()
                if resolved is None:
                    resolved = found.resolve(doc_id=doc.id, regions=regions)
                    found = _Found(batch, names=names, overlay=resolved)
                resolved.read_stored(session)
                ahead, last_new = resolved, max(resolved.new, default=last_new)
                added, updated = added + ahead.added, updated + ahead.updated
                if on_batch is not None:
                    on_batch(n)
            if ahead is not None:
                start_writes(ahead)
                settle()
    finally:
        wait(pending)  # after an error: the writes end before the transaction rolls back
        writer.shutdown()
        restore()
    return RegistryStored(added=added, updated=updated, status=status, document=doc.key)


#: SQLite page cache while a registry is written (KiB; the default 2 MiB makes a large
#: import re-read and spill index pages: most of its time went to system calls)
_BULK_CACHE_KIB = 256 * 1024


#: Python's thread switch interval while a registry is written to PostgreSQL (s; default
#: 0.005): the writer thread, woken when the server has taken a COPY, gets the interpreter
#: back from the main thread sooner, so the server waits less for the next one
_BULK_SWITCH_S = 0.0005


def _bulk_settings(session: Session) -> Callable[[], None]:
    """Settings for a bulk write; returns what restores them. SQLite: a larger page cache.
    PostgreSQL: a shorter thread switch interval (``_BULK_SWITCH_S``), and no parallel
    workers for this transaction's queries (``SET LOCAL``, ended with the transaction): a
    batch's lookups of 5,000 names among a million aliases could be planned as a parallel
    scan of the table (~4× slower than the index) whose workers take the cores from the
    import and the server's writes."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        before = sys.getswitchinterval()
        sys.setswitchinterval(_BULK_SWITCH_S)
        return lambda: sys.setswitchinterval(before)
    raw = session.connection().connection.driver_connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    return lambda: raw.execute(f"PRAGMA cache_size={int(before)}")


_ENTERPRISE_FIELDS = ("full_name", "credit_code", "region_id", "address", "registered_capital",
                      "founded", "scope", "revenue", "tags")


class _Found:
    """What the KB says about one batch of rows (firms by credit code and by name, their
    stored state, fresh ids), read in a few queries; ``overlay``: the previous batch when
    it is resolved but not written yet (its firms, codes and aliases count as stored)."""

    def __init__(self, rows: list[StoreRow], *, names, overlay: _Batch | None) -> None:
        """What needs no query (made while the previous batch is written): ``read`` then
        reads the rest."""
        self.rows, self.names, self.overlay = rows, names, overlay
        names.forget()
        self.words: dict[str, str] = {}
        for r in rows:
            names.know(r.name, r.keys)
            self.words.update(r.words)
        self.codes = {r.values["credit_code"] for r in rows if r.values["credit_code"]}

    def read(self, session: Session, *, after: int) -> _Found:
        from gxatlas.kb.bulk import allocate_ids, rows_where_in

        rows, names, overlay, codes = self.rows, self.names, self.overlay, self.codes
        names.load(r.name for r in rows)
        written = overlay.state if overlay is not None else {}
        if overlay is not None:
            names.take(overlay.aliases)
        self.by_code: dict[str, int] = {c: eid for eid, c in rows_where_in(
            session, (Enterprise.id, Enterprise.credit_code), Enterprise.credit_code,
            sorted(codes))}
        for eid, ent in written.items():
            if ent.get("credit_code") in codes:
                self.by_code[str(ent["credit_code"])] = eid
        candidates = set(self.by_code.values()) | {
            e for e in map(names.find, (r.name for r in rows)) if e is not None}
        self.state: dict[int, dict[str, object]] = {
            eid: dict(written[eid]) for eid in candidates & written.keys()}
        for ent in rows_where_in(session, (Enterprise.id, Enterprise.name,
                                           *(getattr(Enterprise, f) for f in _ENTERPRISE_FIELDS)),
                                 Enterprise.id, sorted(candidates - written.keys())):
            self.state[ent[0]] = dict(zip(("name", *_ENTERPRISE_FIELDS), ent[1:]))
        self.fresh = allocate_ids(session, Enterprise, len(rows), after=after)
        return self

    def resolve(self, *, doc_id: int, regions) -> _Batch:
        """Which firm each row is, and the rows to write (no query)."""
        from gxatlas.kb.provenance import RECORD

        names, state, by_code = self.names, self.state, self.by_code
        fresh = iter(self.fresh)
        out = _Batch(words=self.words)
        new, dirty, touched = out.new, out.dirty, out.state
        for row in self.rows:
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
                new[eid] = state[eid] = {"id": eid, "name": canonical, "key": key,
                                         "park_id": None, **values}
                out.added += 1
            else:
                cur = state[eid]
                for k, v in values.items():
                    # a value fills a field that has none (setting an empty field to the same
                    # empty value, as the per-row path did, changes nothing: not written)
                    if v is not None and (was := cur.get(k)) in (None, [], "") and v != was:
                        cur[k] = v
                        if eid not in new:
                            dirty.setdefault(eid, {})[k] = v
                out.updated += 1
            code = state[eid].get("credit_code")
            if code:
                by_code.setdefault(str(code), eid)
            if not via_code:
                alias = names.add(eid, row.name)
                if alias is not None:
                    out.aliases.append(alias)
            out.evidence.append({"entity_type": "enterprise", "entity_id": eid, "field": RECORD,
                                 "value": row.record, "origin": "user", "document_id": doc_id,
                                 "locator": f"line {row.line}"})
            touched[eid] = state[eid]
        return out


@dataclass
class _Batch:
    """One batch resolved: the rows to write, and the state of the firms it touched (in
    the order first touched) as it leaves them."""

    words: dict[str, str]
    new: dict[int, dict[str, object]] = field(default_factory=dict)
    dirty: dict[int, dict[str, object]] = field(default_factory=dict)
    state: dict[int, dict[str, object]] = field(default_factory=dict)
    aliases: list[dict[str, object]] = field(default_factory=list)
    evidence: list[dict[str, object]] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    known: dict[int, list[str]] = field(default_factory=dict)
    stored: Any = None
    encoded: tuple[Any, ...] = ()  # the new firms, their aliases and evidence (``encode``)

    def read_stored(self, session: Session) -> None:
        """Read what the search entries of the touched firms need (their aliases in id
        order: those stored, then this batch's; their stored entries): after the previous
        batches are written, before this one is."""
        from gxatlas.kb.bulk import StoredEntries, rows_where_in
        from gxatlas.kb.models import Alias

        stored = [eid for eid in self.state if eid not in self.new]  # new firms have none
        # by entity_id alone (its index), the type checked here: see NameIndex.load
        for etype, eid, alias in rows_where_in(
                session, (Alias.entity_type, Alias.entity_id, Alias.alias), Alias.entity_id,
                stored, order_by=Alias.id):
            if etype == "enterprise":
                self.known.setdefault(eid, []).append(alias)
        for alias in self.aliases:
            self.known.setdefault(alias["entity_id"], []).append(alias["alias"])
        self.stored = StoredEntries(session, [("enterprise", eid) for eid in self.state],
                                    absent={("enterprise", eid) for eid in self.new})
        session.expire_all()

    def encode(self, encoder) -> None:
        """Encode the rows to insert (``kb.bulk.RowEncoder``), before ``write_firms``."""
        from gxatlas.kb.models import Alias, Evidence

        self.encoded = (encoder.encode(Enterprise, list(self.new.values())),
                        encoder.encode(Alias, self.aliases), encoder.encode(Evidence, self.evidence))

    def write_firms(self, session: Session) -> None:
        from gxatlas.kb.bulk import update_rows, write_encoded

        firms, aliases, evidence = self.encoded
        write_encoded(session, firms)
        update_rows(session, Enterprise, [{"id": eid, **vals} for eid, vals in self.dirty.items()])
        write_encoded(session, aliases)
        write_encoded(session, evidence)

    def search_entries(self, regions, region_words: dict[str, str]
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The touched firms' search entries: (new rows, changed rows) (no query).
        ``region_words``: the ``search.part_words`` of region names, kept across batches."""
        from gxatlas.kb.search import enterprise_body, part_words, search_tokens

        entries = []
        words = self.words
        for eid, ent in self.state.items():
            name = ent["name"]
            region = regions.name(ent.get("region_id"))
            if region not in words:
                if region not in region_words:
                    region_words[region] = part_words(region)
                words[region] = region_words[region]
            body = enterprise_body(name=str(name), full_name=ent.get("full_name"),
                                   aliases=" ".join(self.known.get(eid, ())), region=region,
                                   tags=ent.get("tags"), scope=ent.get("scope"))
            entries.append({"entity_type": "enterprise", "entity_id": eid, "title": str(name),
                            "body": body, "tokens": search_tokens(body, words)})
        return self.stored.rows(entries)
