"""Bulk writing: many rows per statement, ids allocated up front, names resolved in memory.

The per-row path (``resolve.get_or_create``, ``provenance.cite``, ``search.index_entity``)
costs several queries a row; registries, tables and the facts of many documents are written
here instead, a batch at a time, with the same results:

* ``allocate_ids(session, table, n)``: ``n`` primary keys for rows inserted with explicit ids
  (PostgreSQL: ``nextval`` of the table's sequence; SQLite: after the current maximum, inside
  the writing transaction), so that aliases, evidence and search entries of new entities are
  written in the same batch without a ``RETURNING`` round trip per row;
* ``insert_rows(session, table, rows)``: SQLAlchemy Core ``insert`` with many rows
  (``executemany``) on SQLite, ``COPY … FROM STDIN`` on PostgreSQL;
* ``NameIndex``: ``resolve.find``'s rules (exact key, else a loose key naming exactly one
  entity) over the aliases of one entity type, read for a whole batch of names in two
  queries and kept up to date with the entities the batch creates;
* ``RegionNames``: every region spelling in memory (a few thousand), for ``city_id``.

All of it runs inside the caller's ``KB.session()`` transaction: one transaction per file.
"""

from __future__ import annotations

import functools
import io
import json
import operator
from dataclasses import dataclass
from typing import Any, Callable, Container, Iterable, Mapping, Sequence

from sqlalchemy import (ARRAY, Row, Table, TypeDecorator, any_, bindparam, func, inspect,
                        literal_column, select, text, update)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from gxatlas.kb.models import Alias, Base, Region, SearchEntry
from gxatlas.kb.resolve import loose_key
from gxatlas.names import canonical_name, key_of_canonical

BATCH = 5000  # rows a statement; large enough to amortize, small enough for bounded memory
_CHUNK = 500  # names per IN (...) list
_SQLITE = sqlite.dialect()


def _table(model_or_table: Any) -> Table:
    return getattr(model_or_table, "__table__", model_or_table)


def allocate_ids(session: Session, model: Any, n: int, *, after: int = 0) -> list[int]:
    """``n`` fresh primary keys for ``model``'s table (see module doc). ``after``: the last
    id this transaction took before and has not inserted yet (SQLite counts from the larger
    of it and the table's maximum; PostgreSQL's sequence knows)."""
    if n <= 0:
        return []
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        seq = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                             {"t": table.name})
        return session.execute(text("SELECT nextval(CAST(:s AS regclass)) "
                                    "FROM generate_series(1, :n)"),
                               {"s": seq, "n": n}).scalars().all()  # fetched at once
    # inside the writing transaction no other writer can insert: the ids after the maximum
    # are free until this transaction inserts (call just before inserting)
    start = max(session.scalar(select(func.max(table.c.id))) or 0, after) + 1
    return list(range(start, start + n))


def _is_json(column: Any) -> bool:
    return column.type.__class__.__name__ == "JSON"


def _tuples(rows: Sequence[Mapping[str, Any]], cols: Sequence[str], json_cols: set[str],
            dumps: Callable[[Any], str]) -> list[Any]:
    """The values of ``cols`` of each row (a tuple, or a list when a JSON column is
    serialized by ``dumps``; None stays None)."""
    get = operator.itemgetter(*cols)
    if len(cols) == 1:
        return [(get(row),) for row in rows] if not json_cols else [
            [None if (v := get(row)) is None else dumps(v)] for row in rows]
    if not json_cols:
        return list(map(get, rows))
    at = [i for i, c in enumerate(cols) if c in json_cols]
    out = []
    for row in rows:
        values = list(get(row))
        for i in at:
            if values[i] is not None:
                values[i] = dumps(values[i])
        out.append(values)
    return out


def _default(column: Any) -> Any:
    """The Python-side default of a column left out of a row (the Core insert adds it)."""
    d = column.default
    if d is None:
        return None
    if d.is_scalar:
        return d.arg
    return d.arg(None)  # SQLAlchemy wraps a callable default to take the execution context


def insert_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) in one statement batch; returns the count."""
    return write_encoded(session, RowEncoder(session).encode(model, rows))


@dataclass(frozen=True)
class Encoded:
    """Rows of one table made ready to insert (``RowEncoder.encode``): ``statement`` with
    ``data``, the rows as COPY text on PostgreSQL (``COPY … FROM STDIN``), the parameters
    of the compiled INSERT on SQLite (``executemany``)."""

    statement: str
    data: bytes | list[Any]
    count: int


class RowEncoder:
    """Encodes rows for ``write_encoded`` without using the session afterwards, so that one
    thread can encode a batch while another writes the one before on the same connection.
    PostgreSQL: psycopg's own COPY formatting into memory (``copy.FileWriter``), which reads
    only the connection's adapters and its client encoding (a parameter the server reports
    when it changes; nothing changes it during a write) and sends nothing."""

    def __init__(self, session: Session) -> None:
        self.postgres = session.get_bind().dialect.name == "postgresql"
        raw = session.connection().connection.driver_connection
        self._cursor = raw.cursor() if self.postgres else None

    def encode(self, model: Any, rows: Sequence[Mapping[str, Any]]) -> Encoded | None:
        """``rows`` (dicts with the same keys) of ``model``'s table; None when there are none."""
        if not rows:
            return None
        table = _table(model)
        cols = tuple(rows[0])
        if self.postgres:
            from psycopg.copy import Copy, FileWriter  # PostgreSQL's driver: imported when used

            json_cols = {c for c in cols if _is_json(table.c[c])}
            names = ", ".join(f'"{c}"' for c in cols)  # column names from our own schema
            out = io.BytesIO()
            with Copy(self._cursor, binary=False, writer=FileWriter(out)) as copy:
                for values in _tuples(rows, cols, json_cols, _pg_json):
                    copy.write_row(values)
            return Encoded(f'COPY "{table.name}" ({names}) FROM STDIN', out.getvalue(),
                           len(rows))
        # SQLite: the Core insert compiled once, run by the driver's executemany (no per-row
        # Python processing of bind parameters beyond JSON columns); the columns left out
        # that have a Python-side default get it, as the Core insert gives it
        sql, order = _sqlite_insert(table, cols)
        defaults = {c: _default(table.c[c]) for c in order if c not in rows[0]}
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        return Encoded(sql, _tuples(rows, order, {c for c in order if _is_json(table.c[c])},
                                    json.dumps), len(rows))


def write_encoded(session: Session, encoded: Encoded | None) -> int:
    """Insert rows encoded by ``RowEncoder.encode``; returns the count."""
    if encoded is None:
        return 0
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(encoded.statement) as copy:
                copy.write(encoded.data)
    else:
        raw.executemany(encoded.statement, encoded.data)
    return encoded.count


@functools.lru_cache(maxsize=256)
def _sqlite_insert(table: Table, cols: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The SQLite INSERT of ``cols`` of ``table`` (with the columns that have a Python-side
    default) and its parameters' order, compiled once per process."""
    stmt = table.insert().compile(dialect=_SQLITE, column_keys=list(cols))
    return str(stmt), tuple(stmt.positiontup or cols)


def insert_objects(session: Session, objects: Iterable[Any]) -> None:
    """Insert new ORM objects that have their ids (``allocate_ids``) with ``insert_rows``,
    table by table in the schema's dependency order, and put them in ``session`` as stored
    objects: what a flush of them does (a column left unset gets its Python-side default,
    on the object too), without the unit of work's cost per object. Only for tables whose
    defaults are all Python-side."""
    by_table: dict[Table, list[Any]] = {}
    for obj in objects:
        by_table.setdefault(_table(type(obj)), []).append(obj)
    for table in Base.metadata.sorted_tables:
        objs = by_table.pop(table, None)
        if not objs:
            continue
        attrs = [(attr.key, attr.columns[0]) for attr in inspect(type(objs[0])).column_attrs]
        rows = []
        for obj in objs:
            state = obj.__dict__
            row = {}
            for key, column in attrs:
                if key not in state:
                    setattr(obj, key, _default(column))
                row[column.key] = state[key]
            rows.append(row)
        insert_rows(session, table, rows)
        for obj in objs:
            make_transient_to_detached(obj)
        session.add_all(objs)
    if by_table:
        raise ValueError(f"not tables of the KB: {sorted(t.name for t in by_table)}")


#: ``json.dumps(value, ensure_ascii=False)`` with one encoder (``dumps`` with arguments makes a
#: new encoder each call)
_pg_json: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False).encode


def update_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> int:
    """``UPDATE … WHERE id = :id`` for each row (dicts with ``id`` and the same other keys),
    as one executemany."""
    if not rows:
        return 0
    table = _table(model)
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        keys = tuple(sorted(k for k in row if k != "id"))
        by_keys.setdefault(keys, []).append({"_id": row["id"], **{f"_{k}": row[k] for k in keys}})
    for keys, params in by_keys.items():
        if not keys:
            continue
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({k: bindparam(f"_{k}") for k in keys}))
        session.connection().execute(stmt, params)
    return len(rows)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def rows_where_in(session: Session, columns: Sequence[Any], column: Any,
                  values: Sequence[Any], *where: Any, order_by: Any = None) -> Iterable[Row]:
    """The ``columns`` of the rows whose ``column`` is one of ``values`` (and that meet the
    ``where`` conditions), ``BATCH`` values a statement (each statement's rows ordered by
    ``order_by``). The values are one parameter (a JSON array read by ``json_each`` on
    SQLite, an array on PostgreSQL), not an IN list of bound values that SQLAlchemy would
    build and render value by value."""
    if not values:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        listed = column.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam("values"))))
        encode: Callable[[Sequence[Any]], str] = functools.partial(json.dumps,
                                                                   ensure_ascii=False)
    else:
        listed = column == any_(bindparam("values", type_=_ArrayLiteral(column.type)))
        encode = _pg_array
    stmt = select(*columns).where(*where, listed)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    conn = session.connection()  # Core rows: no ORM result processing
    for chunk in _chunks(values, BATCH):
        yield from conn.execute(stmt, {"values": encode(chunk)}).fetchall()  # not row by row


class _ArrayLiteral(TypeDecorator):
    """An array parameter given as its literal (``_pg_array``): sent as text of unknown
    type, which the server reads as the bind cast's array type (``$1::VARCHAR(300)[]``), so
    that the planner sees an array parameter, as it does for a list."""

    impl = ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:
        return None  # the literal is passed as it is


def _pg_array(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of ``values`` (str or int, none of them None), each element
    quoted; psycopg's own list dumper looks at every element with regular expressions."""
    types = set(map(type, values))
    if not values or types == {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if types == {str}:
        joined = "\x1f".join(values)  # escaped at once when no value needs it (most lists)
        if ('"' not in joined and "\\" not in joined
                and joined.count("\x1f") == len(values) - 1):
            return '{"' + joined.replace("\x1f", '","') + '"}'
    return '{"' + '","'.join(str(v).replace("\\", "\\\\").replace('"', '\\"')
                             for v in values) + '"}'


def name_keys(entity_type: str, name: str) -> tuple[str, str, str]:
    """(name_key, loose_key, canonical_name) of a name of ``entity_type``: what ``NameIndex``
    matches it by."""
    canonical = canonical_name(name)
    key = key_of_canonical(canonical)
    return key, loose_key(entity_type, name, key=key), canonical


class NameIndex:
    """``resolve.find`` for one entity type over a batch of names (see module doc).

    ``load(names)`` reads the aliases those names could match; ``find(name)`` then answers
    without a query, and ``add(entity_id, name)`` records an alias written by the batch (it
    returns the Alias row to insert, or None when the key is already taken, as
    ``resolve.add_alias`` does).
    """

    def __init__(self, session: Session, entity_type: str) -> None:
        self.session = session
        self.type = entity_type
        self.exact: dict[str, int] = {}
        self.loose: dict[str, set[int]] = {}
        self._loaded_keys: set[str] = set()
        self._loaded_loose: set[str] = set()
        self._memo: dict[str, tuple[str, str, str]] = {}

    def keys(self, name: str) -> tuple[str, str, str]:
        """``name_keys`` of ``name``, computed once per batch."""
        hit = self._memo.get(name)
        if hit is None:
            hit = self._memo[name] = name_keys(self.type, name)
        return hit

    def know(self, name: str, keys: tuple[str, str, str]) -> None:
        """Take ``name_keys(type, name)`` computed elsewhere (a registry's checking process)."""
        self._memo[name] = keys

    def load(self, names: Iterable[str]) -> None:
        """Read the aliases ``names`` could match (those not read before)."""
        load_names([(self, names)])

    def _unread(self, names: Iterable[str]) -> tuple[set[str], set[str]]:
        """The keys and loose keys of ``names`` not read before (marked read now)."""
        keys, looses = set(), set()
        for n in names:
            k, lk, _ = self.keys(n)
            if k and k not in self._loaded_keys:
                keys.add(k)
            if k and lk not in self._loaded_loose:
                looses.add(lk)
        self._loaded_keys |= keys
        self._loaded_loose |= looses
        return keys, looses

    def find(self, name: str) -> int | None:
        key, loose, _ = self.keys(name)
        if not key:
            return None
        hit = self.exact.get(key)
        if hit is None:
            ids = self.loose.get(loose, set())
            hit = next(iter(ids)) if len(ids) == 1 else None
        return hit

    def add(self, entity_id: int, name: str) -> dict[str, Any] | None:
        key, loose, canonical = self.keys(name)
        if not key or key in self.exact:
            return None
        self.exact[key] = entity_id
        self.loose.setdefault(loose, set()).add(entity_id)
        return {"entity_type": self.type, "entity_id": entity_id,
                "alias": canonical, "key": key, "loose": loose}

    def take(self, aliases: Iterable[Mapping[str, Any]]) -> None:
        """Count aliases this transaction decided and has not written yet (rows as ``add``
        returns them) as stored."""
        for a in aliases:
            self.exact.setdefault(a["key"], a["entity_id"])
            self.loose.setdefault(a["loose"], set()).add(a["entity_id"])

    def forget(self) -> None:
        """Drop what was read (call between batches to bound memory)."""
        self.exact.clear()
        self.loose.clear()
        self._loaded_keys.clear()
        self._loaded_loose.clear()
        self._memo.clear()


def load_names(loads: Iterable[tuple[NameIndex, Iterable[str]]]) -> None:
    """``NameIndex.load`` of several indexes (one entity type each, one session) in two
    queries for all of them: the aliases with one of the names' keys, and those with one
    of their loose keys."""
    todo: dict[str, tuple[NameIndex, set[str], set[str]]] = {}
    for idx, names in loads:
        keys, looses = idx._unread(names)
        if keys or looses:
            todo[idx.type] = (idx, keys, looses)
    if not todo:  # all read before (most calls within a batch)
        return
    session = next(iter(todo.values()))[0].session
    all_keys = sorted(set().union(*(keys for _, keys, _ in todo.values())))
    for etype, eid, key in rows_where_in(session, (Alias.entity_type, Alias.entity_id, Alias.key),
                                         Alias.key, all_keys, Alias.entity_type.in_(sorted(todo))):
        idx, keys, _ = todo[etype]
        if key in keys:
            idx.exact.setdefault(key, eid)
    # by ``loose`` alone, the type checked here: with the type in the query SQLite scans the
    # (entity_type, key) index instead of the loose one (at 100k firms this query was a
    # quarter of an import)
    all_looses = sorted(set().union(*(looses for _, _, looses in todo.values())))
    for etype, eid, loose in rows_where_in(session, (Alias.entity_type, Alias.entity_id,
                                                     Alias.loose), Alias.loose, all_looses):
        hit = todo.get(etype)
        if hit is not None and loose in hit[2]:
            hit[0].loose.setdefault(loose, set()).add(eid)


class RegionNames:
    """Every region spelling in memory: ``find`` and ``city_id`` as in ``kb.load`` and
    ``kb.resolve``, without a query per row."""

    def __init__(self, session: Session) -> None:
        index = NameIndex(session, "region")
        for eid, key, loose in session.execute(select(Alias.entity_id, Alias.key, Alias.loose)
                                               .where(Alias.entity_type == "region")
                                               .order_by(Alias.id)):
            index.exact.setdefault(key, eid)
            index.loose.setdefault(loose, set()).add(eid)
        self._index = index
        self.rows = {r.id: (r.name, r.level, r.parent_id)
                     for r in session.execute(select(Region.id, Region.name, Region.level,
                                                     Region.parent_id))}
        self._city: dict[str, int | None] = {}

    def find(self, name: str | None) -> int | None:
        return self._index.find(name) if name else None

    def name(self, region_id: int | None) -> str:
        row = self.rows.get(region_id) if region_id is not None else None
        return row[0] if row else ""

    def city_id(self, name: str | None) -> int | None:
        """The prefecture-level city of a place name (a county resolves to its city)."""
        if not name:
            return None
        if name not in self._city:
            rid = self.find(name)
            row = self.rows.get(rid) if rid is not None else None
            if row is not None and row[1] == "county" and row[2]:
                rid = row[2]
            self._city[name] = rid
        return self._city[name]


def search_entry_writes(session: Session, entries: Sequence[Mapping[str, Any]]
                        ) -> Callable[[], None]:
    """Create or refresh search entries (dicts: entity_type, entity_id, title, body, tokens),
    as ``search.index_entity`` does one at a time: the stored entries are read and the new
    ids allocated now; the returned function writes (new rows, changed rows)."""
    stored = StoredEntries(session, [(e["entity_type"], e["entity_id"]) for e in entries])
    new, changed = stored.rows(entries)
    return lambda: write_search_entries(session, new, changed)


class StoredEntries:
    """The search entries stored for some entities (type, id), read now with ids allocated
    for those that have none; ``rows(entries)`` later (no query) splits the entries to
    write into new rows and changed rows (``write_search_entries``). ``absent``: keys known
    to have no entry (entities not written yet): not looked up."""

    def __init__(self, session: Session, keys: Sequence[tuple[str, int]], *,
                 absent: Container[tuple[str, int]] = ()) -> None:
        wanted = {k for k in keys if k not in absent}
        self.have: dict[tuple[str, int], tuple[int, str, str, str]] = {}
        for sid, etype, eid, title, body, tokens in rows_where_in(
                session, (SearchEntry.id, SearchEntry.entity_type, SearchEntry.entity_id,
                          SearchEntry.title, SearchEntry.body, SearchEntry.tokens),
                SearchEntry.entity_id, sorted({eid for _, eid in wanted}),
                SearchEntry.entity_type.in_(sorted({etype for etype, _ in wanted}))):
            if (etype, eid) in wanted:
                self.have[(etype, eid)] = (sid, title, body, tokens)
        fresh = [k for k in dict.fromkeys(keys) if k not in self.have]
        self.ids = dict(zip(fresh, allocate_ids(session, SearchEntry, len(fresh))))

    def rows(self, entries: Sequence[Mapping[str, Any]]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        new, changed = [], []
        for e in entries:
            key = (e["entity_type"], e["entity_id"])
            old = self.have.get(key)
            if old is None:
                new.append({**e, "id": self.ids[key]})
            elif old[1:] != (e["title"], e["body"], e["tokens"]):
                changed.append({"id": old[0], "title": e["title"], "body": e["body"],
                                "tokens": e["tokens"]})
        return new, changed


def write_search_entries(session: Session, new: Sequence[Mapping[str, Any]],
                         changed: Sequence[Mapping[str, Any]], *,
                         encoded: Encoded | None = None) -> None:
    """Write ``StoredEntries.rows``: the new entries (``encoded``: as ``RowEncoder`` encoded
    them), then the changed ones."""
    insert_search_entries(session, new, encoded=encoded)
    update_rows(session, SearchEntry, changed)


# SQLite: the trigger of migration 0002 that copies each new entry's words into the FTS5
# table (``search_fts``), one row at a time
_FTS_INSERT_TRIGGER = "search_ai"


def insert_search_entries(session: Session, rows: Sequence[Mapping[str, Any]], *,
                          encoded: Encoded | None = None) -> int:
    """Insert new search entries (dicts with ``id``; ``encoded``: those rows as
    ``RowEncoder`` encoded them). On SQLite their words go into the FTS5 index in one
    statement after the rows, the per-row trigger set aside meanwhile (dropped and created
    again inside the caller's transaction: a failure rolls both back): the same index at a
    third of the cost. PostgreSQL's GIN index follows the rows by itself."""
    if encoded is None:
        encoded = RowEncoder(session).encode(SearchEntry, rows)
    if not rows or session.get_bind().dialect.name != "sqlite":
        return write_encoded(session, encoded)
    raw = session.connection().connection.driver_connection
    found = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                        (_FTS_INSERT_TRIGGER,)).fetchone()
    if found is None:
        raise RuntimeError(f"the KB has no {_FTS_INSERT_TRIGGER} trigger (migration 0002)")
    raw.execute(f"DROP TRIGGER {_FTS_INSERT_TRIGGER}")
    write_encoded(session, encoded)
    raw.executemany("INSERT INTO search_fts(rowid, tokens) VALUES (?, ?)",
                    [(r["id"], r["tokens"]) for r in rows])
    raw.execute(found[0])
    return len(rows)
