"""Full-text search across entities, Chinese first.

Each entity has one ``SearchEntry``: its title and descriptive text as written, and the same
text segmented by ``segment.cut`` (rjieba) into space-separated words (``tokens``). SQLite
searches ``tokens`` with FTS5 (bm25 ranking); PostgreSQL with ``to_tsvector('simple',
tokens)`` and ``ts_rank``.
Queries are normalized like documents (NFKC, traditional -> simplified, stray spaces removed)
and segmented the same way, so `柳 州` and `廣西` find what `柳州` and `广西` find.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sqlalchemy import bindparam, delete, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from gxatlas.kb.models import (ENTITY_MODELS, Alias, Document, Enterprise, Indicator, Industry,
                               Park, Policy, Project, Region, SearchEntry)
from gxatlas.names import canonical_name
from gxatlas.segment import cut

TYPE_LABELS = {"region": "地区", "park": "园区", "enterprise": "企业", "project": "项目",
               "policy": "政策", "indicator": "指标", "industry": "产业", "document": "文档"}


@dataclass(frozen=True)
class Hit:
    entity_type: str
    entity_id: int
    title: str
    snippet: str
    score: float

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.entity_type, self.entity_type)


def _region_name(session: Session, rid: int | None, places: dict[int, str] | None) -> str:
    if rid is None:
        return ""
    if places is not None and rid in places:
        return places[rid]
    r = session.get(Region, rid)
    return r.name if r else ""


def enterprise_body(*, name: str, full_name: str | None, aliases: str, region: str,
                    tags: list[str] | None, scope: str | None) -> str:
    """The indexed text of an enterprise (also written for registries by
    ``analysis.registry_store.store_registry``); a name repeated as full name or alias is given once."""
    names = list(dict.fromkeys(x for x in (name, full_name or "", *aliases.split()) if x))
    return " ".join(x for x in (*names, region, " ".join(tags or []), (scope or "")[:500]) if x)


def search_tokens(body: str, known: Mapping[str, str] | None = None) -> str:
    """The segmented form of an indexed text: each blank-separated part (a name, a region,
    a scope) on its own, so that the words of one part never run into the next.

    The words are ``cut(canonical_name(part))`` of each part; a part is taken clause by
    clause (cut at the punctuation below, which neither normalization nor segmentation joins
    to its neighbours), each clause's words memoized: registry scopes repeat the same items
    across a million firms. tests/test_speedups.py checks the result is the same.
    ``known``: ``part_words`` of parts computed before (a registry's rows are segmented by
    the process that checks them)."""
    if not known:
        return " ".join(words for part in body.split() if (words := part_words(part)))
    return " ".join(words for part in body.split()
                    if (words := known[part] if part in known else part_words(part)))


def part_words(part: str) -> str:
    """The words of one blank-free part of an indexed text (see ``search_tokens``)."""
    return " ".join(words for clause in _CLAUSE.split(part)
                    if clause and (words := _clause_words(clause)))


# punctuation that ends a segmentation block before and after ``canonical_name`` (kept as
# a clause of its own by the capturing group, so no character is lost)
_CLAUSE = re.compile("([；;、，,。：:（）()])")


@functools.lru_cache(maxsize=100_000)
def _clause_words(clause: str) -> str:
    return " ".join(cut(canonical_name(clause)))


def describe(session: Session, entity_type: str, ent: object, *,
             aliases: str | None = None, places: dict[int, str] | None = None
             ) -> tuple[str, str]:
    """(title, body) of an entity for the index (``places``: region names by id, when the
    caller read them)."""
    if aliases is None:
        aliases = " ".join(session.scalars(select(Alias.alias).where(
            Alias.entity_type == entity_type, Alias.entity_id == ent.id).order_by(Alias.id)))  # type: ignore[attr-defined]
    if isinstance(ent, Region):
        return ent.name, f"{ent.name} {ent.short_name} {aliases}"
    if isinstance(ent, Park):
        return ent.name, " ".join(x for x in (ent.name, aliases, _region_name(session, ent.region_id, places),
                                              ent.kind or "", ent.level or "", ent.klass or "") if x)
    if isinstance(ent, Enterprise):
        return ent.name, enterprise_body(name=ent.name, full_name=ent.full_name, aliases=aliases,
                                         region=_region_name(session, ent.region_id, places),
                                         tags=ent.tags, scope=ent.scope)
    if isinstance(ent, Project):
        return ent.name, " ".join(x for x in (ent.name, aliases, _region_name(session, ent.region_id, places),
                                              ent.status or "", ent.capacity or "") if x)
    if isinstance(ent, Policy):
        title = ent.title or ent.doc_number or ent.key
        return title, " ".join(x for x in (ent.title or "", ent.doc_number or "", ent.issuer or "")
                               if x)
    if isinstance(ent, Indicator):
        return ent.name, " ".join(x for x in (ent.name, aliases, _region_name(session, ent.scope_id, places),
                                              ent.category or "", ent.unit or "") if x)
    if isinstance(ent, Industry):
        return ent.name, f"{ent.name} {aliases}"
    if isinstance(ent, Document):
        return ent.title or ent.key, " ".join(x for x in (ent.title, ent.issuer or "",
                                                          (ent.text or "")[:2000]) if x)
    raise TypeError(f"not an indexed entity: {ent!r}")


def index_entity(session: Session, entity_type: str, entity_id: int) -> None:
    """Create or refresh the search entry of one entity."""
    ent = session.get(ENTITY_MODELS[entity_type], entity_id)
    old = session.scalars(select(SearchEntry).where(SearchEntry.entity_type == entity_type,
                                                    SearchEntry.entity_id == entity_id)).first()
    if ent is None:
        if old is not None:
            session.delete(old)
        return
    title, body = describe(session, entity_type, ent)
    tokens = search_tokens(body)
    if old is None:
        session.add(SearchEntry(entity_type=entity_type, entity_id=entity_id, title=title,
                                body=body, tokens=tokens))
    elif (old.title, old.body, old.tokens) != (title, body, tokens):
        old.title, old.body, old.tokens = title, body, tokens


@functools.cache
def _names_by_id() -> Any:
    """The names of the entities ``ids`` of any type (built once: run for every document)."""
    return select(Alias.entity_type, Alias.entity_id, Alias.alias).where(
        Alias.entity_id.in_(bindparam("ids", expanding=True))).order_by(Alias.id)


def index_entities(session: Session, entities: Iterable[tuple[str, int]]) -> None:
    """``index_entity`` for many entities: their names read in one query a type, their
    entries written together (`gxatlas.kb.bulk.search_entry_writes`)."""
    from gxatlas.kb.bulk import search_entry_writes

    pairs = list(dict.fromkeys(entities))
    by_type: dict[str, list[int]] = {}
    for etype, eid in pairs:
        by_type.setdefault(etype, []).append(eid)
    names: dict[tuple[str, int], list[str]] = {}
    ents: dict[tuple[str, int], object] = {}  # held: the identity map's references are weak
    wanted = set(pairs)
    # by id alone, the type checked here: with the types in the query SQLite reads every
    # alias of those types (the (entity_type, key) index) instead of the ids' (a registry's
    # million firms' names, for each document)
    for etype, eid, alias in session.execute(_names_by_id(),
                                             {"ids": sorted({eid for _, eid in pairs})}):
        if (etype, eid) in wanted:
            names.setdefault((etype, eid), []).append(alias)
    session.flush()  # an entity deleted in this transaction leaves the identity map
    for etype, ids in by_type.items():
        model = ENTITY_MODELS[etype]
        unread = []
        for eid in ids:  # those the session holds (the document just stored) are not read again
            held = session.identity_map.get(identity_key(model, eid))
            if held is not None:
                ents[(etype, eid)] = held
            else:
                unread.append(eid)
        if unread:
            for ent in session.scalars(select(model).where(model.id.in_(unread))):
                ents[(etype, ent.id)] = ent
    places: dict[int, str] = {}
    unplaced = []
    for rid in {getattr(e, "region_id", None) or getattr(e, "scope_id", None)
                for e in ents.values()} - {None}:
        held = session.identity_map.get(identity_key(Region, rid))
        if held is not None:
            places[rid] = held.name
        else:
            unplaced.append(rid)
    if unplaced:
        places.update(session.execute(select(Region.id, Region.name).where(
            Region.id.in_(unplaced))).all())
    entries = []
    for etype, eid in pairs:
        ent = ents.get((etype, eid))
        if ent is None:
            index_entity(session, etype, eid)  # its entry goes
            continue
        title, body = describe(session, etype, ent, places=places,
                               aliases=" ".join(names.get((etype, eid), ())))
        entries.append({"entity_type": etype, "entity_id": eid, "title": title, "body": body,
                        "tokens": search_tokens(body)})
    session.flush()
    search_entry_writes(session, entries)()


def rebuild_index(session: Session) -> int:
    """Re-index every entity; returns the number of entries."""
    session.flush()
    session.execute(delete(SearchEntry))
    aliases: dict[tuple[str, int], list[str]] = {}
    for etype, eid, alias in session.execute(select(Alias.entity_type, Alias.entity_id,
                                                    Alias.alias).order_by(Alias.id)):
        aliases.setdefault((etype, eid), []).append(alias)
    rows = []
    for etype, model in ENTITY_MODELS.items():
        for ent in session.scalars(select(model)):
            title, body = describe(session, etype, ent,
                                   aliases=" ".join(aliases.get((etype, ent.id), ())))
            rows.append(SearchEntry(entity_type=etype, entity_id=ent.id, title=title, body=body,
                                    tokens=search_tokens(body)))
    session.add_all(rows)
    session.flush()
    return len(rows)


def query_tokens(query: str) -> list[str]:
    """The words a query is searched by (normalized and segmented like the index)."""
    q = canonical_name(query)
    return list(dict.fromkeys(w for w in cut(q) if w.strip() and not _is_punct(w)))


def _is_punct(w: str) -> bool:
    return all(not ch.isalnum() for ch in w)


def search(session: Session, query: str, *, types: tuple[str, ...] = (), limit: int = 20,
           offset: int = 0) -> list[Hit]:
    """Entities matching ``query``, best first. All words must match; if none does, any word."""
    words = query_tokens(query)
    if not words:
        return []
    hits = _fts(session, words, "AND", types, limit, offset)
    if not hits and len(words) > 1:
        hits = _fts(session, words, "OR", types, limit, offset)
    if not hits:
        hits = _like(session, canonical_name(query), types, limit, offset)
    return hits


def _fts(session: Session, words: list[str], op: str, types: tuple[str, ...], limit: int,
         offset: int) -> list[Hit]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = f" {op} ".join('"' + w.replace('"', '""') + '"' for w in words)
        sql = ("SELECT e.entity_type, e.entity_id, e.title, e.body, bm25(search_fts) AS score "
               "FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid "
               "WHERE search_fts MATCH :match ORDER BY score, length(e.title) LIMIT :lim OFFSET :off")
        params = {"match": match, "lim": limit * 5 + offset, "off": 0}
        rows = session.execute(text(sql), params).all()
        scored = [(r[0], r[1], r[2], r[3], -float(r[4])) for r in rows]
    else:
        joiner = " & " if op == "AND" else " | "
        sql = ("SELECT entity_type, entity_id, title, body, "
               "ts_rank(to_tsvector('simple', tokens), to_tsquery('simple', :q)) AS score "
               "FROM search_entries WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', :q) "
               "ORDER BY score DESC, length(title) LIMIT :lim")
        q = joiner.join("'" + w.replace("'", "''").replace("\\", "") + "'" for w in words)
        rows = session.execute(text(sql), {"q": q, "lim": limit * 5 + offset}).all()
        scored = [(r[0], r[1], r[2], r[3], float(r[4])) for r in rows]
    if types:
        scored = [s for s in scored if s[0] in types]
    # exact title matches first, then the engine's score
    joined = "".join(words)
    scored.sort(key=lambda s: (s[2] != joined, joined not in s[2], -s[4], len(s[2])))
    return [Hit(t, i, title, _snippet(body, words), score)
            for t, i, title, body, score in scored[offset:offset + limit]]


def _like(session: Session, q: str, types: tuple[str, ...], limit: int,
          offset: int) -> list[Hit]:
    stmt = select(SearchEntry).where(or_(SearchEntry.title.contains(q, autoescape=True),
                                         SearchEntry.body.contains(q, autoescape=True)))
    if types:
        stmt = stmt.where(SearchEntry.entity_type.in_(types))
    stmt = stmt.order_by(func.length(SearchEntry.title)).limit(limit).offset(offset)
    return [Hit(e.entity_type, e.entity_id, e.title, _snippet(e.body, [q]), 0.0)
            for e in session.scalars(stmt)]


def _snippet(body: str, words: list[str], width: int = 60) -> str:
    pos = min((body.find(w) for w in words if w in body), default=0)
    start = max(0, pos - width // 3)
    s = body[start:start + width]
    return ("…" if start else "") + s + ("…" if start + width < len(body) else "")
