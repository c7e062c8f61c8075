"""Storing one document's facts as a batch: the rules of `gxatlas.kb.facts` unchanged, their
reads answered from memory and their rows written together.

``store_fact`` asks its backend (``facts.fact_io``) to find names, indicators and trust, and to
add facts, entities, names, evidence, focus relations and park targets. One statement at a
time (``facts.SessionFacts``) that costs ~25 SQL statements and several flushes a fact. A
``FactBatch`` installed on the session for a document answers the same calls instead:

* names: `gxatlas.kb.bulk.NameIndex` per entity type, loaded for every name the document's
  facts may look up in two queries for all types, kept current with the names the batch adds;
* indicators: those of a scope (and their names' keys) read once per scope, those of the
  document's plan and those its other source (the atlas) cites read once per document;
* trust (`gxatlas.kb.review.trust_state`): read once per entity known before the batch,
  combined with the statuses of the facts the batch stored about it;
* evidence already cited to the document, relations of an owner, targets of a park: once each;
* new rows get their ids up front (`gxatlas.kb.bulk.allocate_ids`); ``finish`` writes the new
  entities and facts (`gxatlas.kb.bulk.insert_objects`), relations and targets (one ORM
  flush) and the names and evidence (`gxatlas.kb.bulk.insert_rows`).

It lives inside the caller's transaction (one per file) and only while that document's facts
are stored: nothing else may write the tables it mirrors meanwhile. tests/test_ingest_batch.py
checks that it leaves the same rows as the statement-at-a-time path.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from gxatlas.extract.facts import Fact
from gxatlas.kb.bulk import NameIndex, allocate_ids, insert_objects, insert_rows, load_names
from gxatlas.kb.facts import BATCH, store_fact
from gxatlas.kb.models import (ENTITY_MODELS, Alias, Evidence, Indicator, ParkTarget, Relation,
                               StoredFact)
from gxatlas.kb.resolve import (IndicatorMatch, IndicatorScope, indicator_scope,
                                pick_indicator, region_names_of, same_source_pick, scope_names,
                                statement_keys)
from gxatlas.kb.review import TRUSTED, trust_state, trusted_given
from gxatlas.names import canonical_name

_TYPE_OF = {model: etype for etype, model in ENTITY_MODELS.items()}
_EVIDENCE_COLUMNS = ("entity_type", "entity_id", "field", "value", "origin", "document_id",
                     "locator", "start", "end", "orig_start", "orig_end", "alignment", "reason",
                     "quote", "fact_id")
_ID_BLOCK = 64  # ids taken from a PostgreSQL sequence at a time


def store_facts(session: Session, facts: Iterable[Fact], doc_id: int, text: str, *,
                threshold: float, held: list[Any] | None = None,
                fresh: bool = False) -> list[StoredFact]:
    """``facts.store_fact`` for each fact of a document (in order), as one batch; returns the
    stored facts, written. ``held``: given the entities the batch read or created, for the
    caller to keep them in the session (whose identity map holds them only weakly) while it
    goes on with them (the document's search entries), rather than read them again.
    ``fresh``: the document's row was inserted in this transaction (see ``FactBatch``)."""
    facts = [f for f in facts if f.evidence is not None and f.evidence.end > f.evidence.start]
    stored: list[StoredFact] = []
    with fact_batch(session, doc_id, facts, fresh=fresh) as batch:
        for fact in facts:
            hit = store_fact(session, fact, doc_id, text, threshold=threshold)
            if hit is not None:
                stored.append(hit)
        batch.finish()
    if held is not None:
        held.extend(batch.entities())
    return stored


@contextmanager
def fact_batch(session: Session, doc_id: int, facts: Sequence[Fact], *,
               fresh: bool = False) -> Iterator[FactBatch]:
    """Install a ``FactBatch`` for ``doc_id`` on ``session`` (no autoflush meanwhile)."""
    if session.info.get(BATCH) is not None:
        raise RuntimeError("a fact batch is already open on this session")
    session.flush()
    batch = FactBatch(session, doc_id, fresh=fresh)
    batch.preload(facts)
    session.info[BATCH] = batch
    try:
        with session.no_autoflush:
            yield batch
    finally:
        session.info.pop(BATCH, None)


def _names_of(facts: Sequence[Fact]) -> dict[str, set[str]]:
    """Every name, per entity type, that resolving and applying ``facts`` may look up."""
    out: dict[str, set[str]] = {t: set() for t in ("park", "enterprise", "project", "policy",
                                                   "region", "industry", "indicator")}
    for f in facts:
        v = f.values
        if f.type in ("park", "enterprise", "project"):
            out[f.type].update((f.name, *f.aliases))
        elif f.type == "policy":
            out["policy"].update(x for x in (v.get("doc_number"), v.get("title") or f.name) if x)
        elif f.type == "industry_focus":
            out["park" if v.get("park") else "region"].add(v.get("park") or v.get("region") or "")
            out["industry"].update(v.get("industries") or ())
        scope = v.get("scope") if f.type == "indicator" else None
        if f.type == "indicator":  # its names as they are, and as a subject's (full_name)
            out["indicator"].update((f.name, *f.aliases))
        if scope:
            out["region"].add(scope)
            for t in ("park", "enterprise", "project"):
                out[t].add(scope)
            subject = canonical_name(scope)
            out["region"].update(subject[:n] for n in range(len(subject) - 1, 1, -1))
            out["indicator"].update(IndicatorScope(None, subject).full_name(n)
                                    for n in (f.name, *f.aliases) if n)
        for k in ("park", "enterprise"):
            if f.type == "project" and v.get(k):
                out[k].add(v[k])
        if v.get("city"):
            out["region"].add(v["city"])
    return {t: {n for n in names if isinstance(n, str)} for t, names in out.items()}


def _among(ids: dict[str, list[int]]) -> dict[str, list[Any]]:
    """The parameters of a statement whose ``types`` and ``ids`` keep the rows whose
    ``(type, id)`` may be one of ``ids`` (entity type -> ids): the types and the ids each in a
    list, so that the statement is the same for any ``ids``; the caller keeps the pairs that
    are wanted."""
    return {"types": sorted(ids), "ids": sorted(set().union(*ids.values()))}


# The statements a batch runs for each document, built once (building one costs about as much
# as running it); lists are given as expanding parameters.
_IDS = bindparam("ids", expanding=True)


@functools.cache
def _trust_statements() -> tuple[Any, Any]:
    """Per (type, id) among ``types`` × ``ids``: whether it has facts and a trusted one; and
    whether evidence other than extraction supports it."""
    types = bindparam("types", expanding=True)
    facts = (select(StoredFact.entity_type, StoredFact.entity_id,
                    func.max(case((StoredFact.status.in_(TRUSTED), 1), else_=0)))
             .where(StoredFact.entity_type.in_(types), StoredFact.entity_id.in_(_IDS))
             .group_by(StoredFact.entity_type, StoredFact.entity_id))
    support = select(Evidence.entity_type, Evidence.entity_id).where(
        Evidence.entity_type.in_(types), Evidence.entity_id.in_(_IDS),
        Evidence.origin != "extracted").distinct()
    return facts, support


@functools.cache
def _by_ids(model: Any) -> Any:
    return select(model).where(model.id.in_(_IDS))


@functools.cache
def _indicator_keys() -> Any:
    return select(Alias.entity_id, Alias.loose).where(Alias.entity_type == "indicator",
                                                      Alias.entity_id.in_(_IDS))


@functools.cache
def _scope_statements(with_none: bool) -> tuple[Any, Any]:
    """The indicators of the scopes ``ids`` (and of no scope, ``with_none``), and the names
    of the regions ``ids``."""
    where = Indicator.scope_id.in_(_IDS)
    if with_none:
        where = or_(where, Indicator.scope_id.is_(None))
    names = select(Alias.entity_id, Alias.alias).where(
        Alias.entity_type == "region", Alias.entity_id.in_(_IDS)).order_by(Alias.id)
    return select(Indicator).where(where).order_by(Indicator.id), names


@functools.cache
def _relations_of() -> Any:
    return select(Relation.type, Relation.b_type, Relation.b_id).where(
        Relation.a_type == bindparam("a_type"), Relation.a_id == bindparam("a_id"))


@functools.cache
def _targets_of() -> Any:
    return select(ParkTarget.metric, ParkTarget.year).where(
        ParkTarget.park_id == bindparam("park_id"))


@functools.cache
def _maxima() -> tuple[list[Any], Any]:
    """The tables a batch adds to, and their largest ids in one statement."""
    tables = [StoredFact, *ENTITY_MODELS.values()]
    return tables, select(*(select(func.max(m.__table__.c.id)).scalar_subquery()
                            for m in tables))


class FactBatch:
    """The backend of ``facts.store_fact`` for one document (see module doc).

    ``fresh``: the document's row was inserted in this transaction, so no row of the KB
    refers to it yet (the foreign keys hold on SQLite and PostgreSQL alike): what cites the
    document (evidence, indicators it is the plan of) is known to be only what the batch
    adds, and is not read."""

    def __init__(self, session: Session, doc_id: int, *, fresh: bool = False) -> None:
        self.session = session
        self.doc_id = doc_id
        self.fresh = fresh
        self.names: dict[str, NameIndex] = {}
        self.new: dict[tuple[str, int], Any] = {}  # entities created by the batch
        self._ents: dict[tuple[str, int], Any] = {}  # entities read
        self.facts: list[StoredFact] = []
        self.rows: list[Any] = []  # relations and park targets to add
        self.aliases: list[dict[str, Any]] = []
        self.evidence: list[dict[str, Any]] = []
        self._cited: set[tuple[Any, ...]] | None = None
        self._trust: dict[tuple[str, int], tuple[bool, bool, bool]] = {}
        self._stated: dict[tuple[str, int], list[bool]] = {}  # [any fact, a trusted one]
        self._scopes: dict[int | None, list[Indicator]] = {}
        self._loose: dict[int, set[str]] = {}  # an indicator's names' keys
        self._plan: list[Indicator] | None = None
        self._cited_inds: list[Indicator] | None = None
        self._snames: dict[int | None, list[str]] = {}
        self._relations: dict[tuple[str, int], set[tuple[str, str, int]]] = {}
        self._targets: dict[int, set[tuple[str, int]]] = {}
        self._ids: dict[Any, list[int]] = {}  # PostgreSQL: ids taken, not yet used
        self._next: dict[Any, int] = {}  # SQLite: the next id of a table

    # --- reading ---------------------------------------------------------------------------

    def preload(self, facts: Sequence[Fact]) -> None:
        """Read the names ``facts`` may look up, the entities they name and what the KB
        says of those entities' trust: a few queries a type."""
        names = _names_of(facts)
        load_names((self._index(etype), sorted(type_names)) for etype, type_names in names.items())
        found: dict[str, set[int]] = {}
        for etype in names:
            idx = self._index(etype)
            found[etype] = set(idx.exact.values()).union(*idx.loose.values())
            self._read_entities(etype, found[etype])
        found.setdefault("indicator", set()).update(self._read_scopes(facts))
        self._read_trust(found)

    def _read_scopes(self, facts: Sequence[Fact]) -> list[int]:
        """What ``find_indicator`` reads of each scope the indicator facts name (as the scopes
        resolve before any fact is stored): its indicators, their names' keys, its names; a
        few queries for all of them rather than per scope (returns the indicators' ids, whose
        trust the caller reads). A scope that resolves otherwise later (after an entity it
        names was created) is read when it is needed."""
        ids = {self.indicator_scope(f.values.get("scope")).region_id
               for f in facts if f.type == "indicator"}
        todo = sorted(i for i in ids if i is not None and i not in self._scopes)
        listed = {i: [] for i in todo}
        if None in ids and None not in self._scopes:
            listed[None] = []
        if not listed:
            return []
        indicators, region_names = _scope_statements(None in listed)
        for ind in self.session.scalars(indicators, {"ids": todo}):
            listed[ind.scope_id].append(ind)
        known = [i for inds in listed.values() for i in inds]
        self._read_loose(known)
        for scope_id, inds in listed.items():
            self._scopes[scope_id] = inds + self._new_in(scope_id)
        names: dict[int, list[str]] = {i: [] for i in todo if i not in self._snames}
        for eid, alias in self.session.execute(region_names, {"ids": sorted(names)}):
            names[eid].append(alias)
        for rid, aliases in names.items():
            reg = self.entity("region", rid)
            self._snames[rid] = region_names_of(reg, aliases) if reg else []
        return [i.id for i in known]

    def _read_entities(self, entity_type: str, ids: Iterable[int]) -> None:
        model = ENTITY_MODELS[entity_type]
        todo = sorted(i for i in ids if (entity_type, i) not in self._ents)
        for k in range(0, len(todo), 500):
            for ent in self.session.scalars(_by_ids(model), {"ids": todo[k:k + 500]}):
                self._ents[(entity_type, ent.id)] = ent

    def _read_trust(self, ids: dict[str, Iterable[int]]) -> None:
        """``trust_state`` of many entities known before the batch, in two queries."""
        todo = {t: sorted(i for i in eids if (t, i) not in self._trust and (t, i) not in self.new)
                for t, eids in ids.items()}
        todo = {t: eids for t, eids in todo.items() if eids}
        if not todo:
            return
        state = {(t, i): [False, False, False] for t, eids in todo.items() for i in eids}
        facts, support = _trust_statements()
        among = _among(todo)
        for etype, eid, trusted in self.session.execute(facts, among):
            if (etype, eid) in state:
                state[(etype, eid)][:2] = [True, bool(trusted)]
        for etype, eid in self.session.execute(support, among):
            if (etype, eid) in state:
                state[(etype, eid)][2] = True
        for ident, (has_facts, has_trusted, supported) in state.items():
            self._trust[ident] = (has_facts, has_trusted, supported)

    def _index(self, entity_type: str) -> NameIndex:
        idx = self.names.get(entity_type)
        if idx is None:
            idx = self.names[entity_type] = NameIndex(self.session, entity_type)
        return idx

    def entities(self) -> list[Any]:
        """Every entity the batch created or read (indicators of scopes and cited ones too)."""
        return [*self.new.values(), *self._ents.values(), *(self._cited_inds or ()),
                *(i for inds in self._scopes.values() for i in inds)]

    def entity(self, entity_type: str, entity_id: int) -> Any:
        ident = (entity_type, entity_id)
        ent = self.new.get(ident) or self._ents.get(ident)
        if ent is None:  # held here: the session's identity map keeps only weak references
            ent = self._ents[ident] = self.session.get(ENTITY_MODELS[entity_type], entity_id)
        return ent

    def find(self, entity_type: str, name: str) -> Any:
        idx = self._index(entity_type)
        idx.load([name])
        eid = idx.find(name)
        return self.entity(entity_type, eid) if eid is not None else None

    def city_id(self, name: str | None) -> int | None:
        if not name:
            return None
        r = self.find("region", name)
        if r is None:
            return None
        return r.parent_id if r.level == "county" and r.parent_id else r.id

    def indicator_scope(self, scope: str | None) -> IndicatorScope:
        return indicator_scope(self.session, scope, lookup=self.find)

    def scope_names(self, region_id: int | None) -> list[str]:
        if region_id not in self._snames:
            self._snames[region_id] = scope_names(self.session, region_id)
        return self._snames[region_id]

    def _read_loose(self, inds: Sequence[Indicator]) -> None:
        """The names' keys of indicators known before the batch (once each)."""
        todo = [i.id for i in inds if i.id not in self._loose]
        for i in todo:
            self._loose[i] = set()
        for k in range(0, len(todo), 500):
            for eid, loose in self.session.execute(_indicator_keys(), {"ids": todo[k:k + 500]}):
                self._loose[eid].add(loose)

    def _scope(self, scope_id: int | None) -> list[Indicator]:
        inds = self._scopes.get(scope_id)
        if inds is None:
            stmt = select(Indicator).where(Indicator.scope_id == scope_id if scope_id is not None
                                           else Indicator.scope_id.is_(None))
            inds = list(self.session.scalars(stmt.order_by(Indicator.id)))
            self._read_loose(inds)
            self._read_trust({"indicator": [i.id for i in inds]})
            inds += self._new_in(scope_id)
            self._scopes[scope_id] = inds
        return inds

    def _new_in(self, scope_id: int | None) -> list[Indicator]:
        """The indicators of a scope the batch created (in creation order)."""
        return [e for (t, _), e in self.new.items() if t == "indicator" and e.scope_id == scope_id]

    def _own(self, inds: Sequence[Indicator]) -> dict[int, set[str]]:
        return {i.id: {i.key} | self._loose[i.id] for i in inds}

    def find_indicator(self, *, name: str, scope: IndicatorScope, values: Any,
                       aliases: Iterable[str] = (), document_id: int | None = None
                       ) -> IndicatorMatch:
        keys = statement_keys(name, aliases, scope, self.scope_names(scope.region_id),
                              values.get("unit"))
        inds = self._scope(scope.region_id)
        named = [i for i in inds if self._loose[i.id] & keys]

        def cited() -> Indicator | None:
            if document_id is None:
                return None
            if self._cited_inds is None and self.fresh and document_id == self.doc_id:
                self._cited_inds = []
            if self._cited_inds is None:
                ids = select(Evidence.entity_id).where(Evidence.entity_type == "indicator",
                                                       Evidence.document_id == document_id,
                                                       Evidence.origin != "extracted")
                self._cited_inds = list(self.session.scalars(
                    select(Indicator).where(Indicator.id.in_(ids))))
                self._read_loose(self._cited_inds)
            return same_source_pick(keys, values, self._cited_inds, self._own(self._cited_inds))
        return pick_indicator(keys, values, named=named,
                              in_scope=lambda: (inds, self._own(inds)), same_source=cited)

    def indicator_key_taken(self, key: str, plan_id: int, scope_id: int | None,
                            target_year: Any, baseline_year: Any) -> bool:
        if plan_id != self.doc_id:
            raise ValueError("a fact batch stores the facts of its own document only")
        if self._plan is None:
            self._plan = [] if self.fresh else list(self.session.scalars(
                select(Indicator).where(Indicator.plan_id == plan_id)))
            self._plan += [e for (t, _), e in self.new.items() if t == "indicator"]
        return any(i.key == key and i.scope_id == scope_id and i.target_year == target_year
                   and i.baseline_year == baseline_year for i in self._plan)

    def is_trusted(self, entity_type: str, entity_id: int) -> bool:
        ident = (entity_type, entity_id)
        if ident not in self._trust:
            self._trust[ident] = (False, False, False) if ident in self.new \
                else trust_state(self.session, entity_type, entity_id)
        has_facts, has_trusted, supported = self._trust[ident]
        stated = self._stated.get(ident, (False, False))
        return trusted_given(has_facts or stated[0], has_trusted or stated[1], supported)

    def park_target_taken(self, park_id: int, metric: str, year: int) -> bool:
        return (metric, year) in self._park_targets(park_id)

    def _park_targets(self, park_id: int) -> set[tuple[str, int]]:
        have = self._targets.get(park_id)
        if have is None:
            have = self._targets[park_id] = set() if ("park", park_id) in self.new else set(
                self.session.execute(_targets_of(), {"park_id": park_id}))
        return have

    # --- writing ---------------------------------------------------------------------------

    def _id(self, model: Any) -> int:
        """A fresh id for ``model`` (PostgreSQL: from its sequence, a block at a time;
        SQLite: the ones after the table's maximum, as SQLite itself would give them)."""
        if self.session.get_bind().dialect.name == "postgresql":
            pool = self._ids.setdefault(model, [])
            if not pool:
                pool.extend(allocate_ids(self.session, model, _ID_BLOCK))
            return pool.pop(0)
        if not self._next:  # the tables a batch adds to, read in one statement
            tables, stmt = _maxima()
            self._next = {m: (top or 0) + 1
                          for m, top in zip(tables, self.session.execute(stmt).one())}
        self._next[model] += 1
        return self._next[model] - 1

    def add_fact(self, row: StoredFact) -> None:
        row.id = self._id(StoredFact)
        self.facts.append(row)

    def drop_fact(self, row: StoredFact) -> None:
        self.facts.remove(row)
        if self._next.get(StoredFact) == row.id + 1:
            self._next[StoredFact] = row.id  # SQLite gives a deleted last row's id again

    def decided(self, row: StoredFact) -> None:
        if row.entity_id is None:
            return
        stated = self._stated.setdefault((row.entity_type, row.entity_id), [False, False])
        stated[0] = True
        stated[1] = stated[1] or row.status in TRUSTED

    def add_entity(self, ent: Any) -> None:
        etype = _TYPE_OF[type(ent)]
        ent.id = self._id(type(ent))
        self.new[(etype, ent.id)] = ent
        if etype == "indicator":
            self._loose[ent.id] = set()
            if ent.scope_id in self._scopes:
                self._scopes[ent.scope_id].append(ent)
            if self._plan is not None:
                self._plan.append(ent)

    def add_alias(self, entity_type: str, entity_id: int, name: str, *,
                  loose: str | None = None) -> bool:
        idx = self._index(entity_type)
        idx.load([name])
        key, own_loose, canonical = idx.keys(name)
        if not key or key in idx.exact:
            return False
        loose = loose or own_loose
        idx.exact[key] = entity_id
        idx.loose.setdefault(loose, set()).add(entity_id)
        if entity_type == "indicator":
            self._loose.setdefault(entity_id, set()).add(loose)
        self.aliases.append({"entity_type": entity_type, "entity_id": entity_id,
                             "alias": canonical, "key": key, "loose": loose})
        return True

    def relate(self, *, type: str, a_type: str, a_id: int, b_type: str, b_id: int,
               note: str | None = None, level: str | None = None) -> bool:
        have = self._relations.get((a_type, a_id))
        if have is None:
            have = self._relations[(a_type, a_id)] = set(self.session.execute(
                _relations_of(), {"a_type": a_type, "a_id": a_id}))
        if (type, b_type, b_id) in have:
            return False
        have.add((type, b_type, b_id))
        self.rows.append(Relation(type=type, a_type=a_type, a_id=a_id, b_type=b_type,
                                  b_id=b_id, note=note, level=level))
        return True

    def add_park_target(self, target: ParkTarget) -> None:
        self._park_targets(target.park_id).add((target.metric, target.year))
        self.rows.append(target)

    def clear_evidence(self, row: StoredFact) -> None:
        """Nothing to clear: the batch's facts are new."""

    def cite(self, *, entity_type: str, entity_id: int, field: str, value: Any, origin: str,
             document_id: int | None, locator: str | None = None, start: int | None = None,
             end: int | None = None, **span: Any) -> bool:
        if document_id != self.doc_id:
            raise ValueError("a fact batch cites its own document only")
        if self._cited is None and self.fresh:
            self._cited = set()
        if self._cited is None:
            self._cited = set(self.session.execute(select(
                Evidence.entity_type, Evidence.entity_id, Evidence.field, Evidence.origin,
                Evidence.document_id, Evidence.locator, Evidence.start).where(
                Evidence.document_id == document_id)))
        ident = (entity_type, entity_id, field, origin, document_id, locator, start)
        if ident in self._cited:
            return False
        self._cited.add(ident)
        row = dict.fromkeys(_EVIDENCE_COLUMNS)
        row.update(entity_type=entity_type, entity_id=entity_id, field=field, value=value,
                   origin=origin, document_id=document_id, locator=locator, start=start,
                   end=end, **span)
        self.evidence.append(row)
        return True

    def flush(self) -> None:
        """Nothing to flush before ``finish``."""

    def finish(self) -> None:
        """Write what the batch made: entities and facts (`gxatlas.kb.bulk.insert_objects`:
        the session then holds them as if flushed), the changes to entities read, relations
        and park targets (one ORM flush), then names and evidence."""
        session = self.session
        insert_objects(session, [*self.new.values(), *self.facts])
        session.add_all(self.rows)
        session.flush()
        insert_rows(session, Alias, self.aliases)
        insert_rows(session, Evidence, self.evidence)
