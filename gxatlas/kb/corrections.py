"""Review actions on stored facts — accept, edit, merge, reject — each recorded and undoable.

Every action is one row of the corrections log (``Correction``): who, when, the fact's state
before and after, and the evidence (document, span, quote) the person looked at. An action
names the fact's version it saw; when another reviewer acted on the fact in between, the
action fails with ``ReviewConflict`` (HTTP 409) and changes nothing (optimistic locking: the
version is raised by an UPDATE that matches the expected version only). ``undo`` restores the
state before a correction when it is still the fact's latest. When a document is read again,
``reapply`` performs the people's latest corrections on the new reading, matched by the
fact's signature, so that re-ingesting never overwrites what a person decided.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb.facts import Target, apply_fact, cite_fact, entity_values, target_of, unapply
from gxatlas.kb.models import (ENTITY_MODELS, Alias, Correction, Document, Evidence, ParkTarget,
                               Relation, StoredFact)
from gxatlas.kb.resolve import add_alias, add_indicator_alias, aliases_of, find
from gxatlas.kb.review import CONFIRMED, REJECTED, STATUS_ZH, TRUSTED
from gxatlas.kb.registers import sync_registers
from gxatlas.kb.search import index_entity
from gxatlas.names import canonical_name, name_key

ACTIONS = ("accept", "edit", "merge", "reject")
ACTION_ZH = {"accept": "确认", "edit": "修改", "merge": "合并", "reject": "驳回", "undo": "撤销"}
#: Value fields a reviewer may edit, per fact type (names are edited with ``name``).
EDITABLE: dict[str, tuple[str, ...]] = {
    "indicator": ("scope", "unit", "baseline_year", "baseline_value", "target_year",
                  "target_value", "comparator", "attribute"),
    "park": ("city", "area_km2", "target_year", "target_value", "level"),
    "enterprise": ("city",),
    "project": ("city", "investment", "capacity", "status", "year"),
    "policy": ("doc_number", "title", "issuer", "date"),
    "industry_focus": ("industries",),
}
_NUMERIC = {"baseline_year", "target_year", "year", "baseline_value", "target_value",
            "area_km2", "investment"}


class ReviewConflict(GxatlasError):
    """Another reviewer acted on the fact since this one saw it; nothing was changed."""

    def __init__(self, message: str, *, fact: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.fact = fact


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def get_fact(session: Session, fact_id: int) -> StoredFact:
    row = session.get(StoredFact, fact_id)
    if row is None:
        raise GxatlasError(f"没有编号为 {fact_id} 的事实 (no stored fact {fact_id})")
    return row


def state(row: StoredFact) -> dict[str, Any]:
    """The reviewable state of a fact (what a correction records before and after)."""
    return {"status": row.status, "status_reason": row.status_reason, "name": row.name,
            "values": dict(row.values or {}), "aliases": list(row.aliases or []),
            "entity_type": row.entity_type, "entity_id": row.entity_id, "match": row.match,
            "version": row.version, "reviewed_by": row.reviewed_by,
            "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None}


def _evidence(session: Session, row: StoredFact) -> dict[str, Any]:
    doc = session.get(Document, row.document_id)
    return {"document": doc.key if doc else None, "title": doc.title if doc else None,
            "span": [row.start, row.end], "quote": row.quote, "confidence": row.confidence,
            "reasons": list(row.reasons or [])}


def _claim(session: Session, row: StoredFact, version: int | None) -> None:
    """Raise the fact's version from the one the reviewer saw; a conflict when it moved."""
    seen = row.version if version is None else int(version)
    done = session.execute(update(StoredFact).where(
        StoredFact.id == row.id, StoredFact.version == seen).values(version=seen + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        session.refresh(row)
        last = session.scalars(select(Correction).where(Correction.fact_id == row.id)
                               .order_by(Correction.id.desc())).first()
        who = (f"{last.reviewer} 于 {last.at:%Y-%m-%d %H:%M:%S} {ACTION_ZH.get(last.action)}"
               if last else "他人")
        raise ReviewConflict(
            f"事实 {row.id} 已被{who}（当前版本 {row.version}，你看到的是版本 {seen}；"
            f"状态：{STATUS_ZH.get(row.status, row.status)}），未作任何改动，请刷新后重试 "
            f"(conflict: fact {row.id} changed since version {seen})", fact=state(row))
    session.refresh(row)


def _log(session: Session, row: StoredFact, *, action: str, reviewer: str,
         before: dict[str, Any], note: str | None, extra: Mapping[str, Any] = (),
         undoes: int | None = None) -> Correction:
    row.reviewed_by, row.reviewed_at = reviewer, _now()
    session.flush()
    doc = session.get(Document, row.document_id)
    corr = Correction(fact_id=row.id, document_key=doc.key, signature=row.signature,
                      action=action, reviewer=reviewer, at=row.reviewed_at, before=before,
                      after={**state(row), **dict(extra)}, evidence=_evidence(session, row),
                      note=note, undoes=undoes)
    session.add(corr)
    session.flush()
    return corr


def _reviewer(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise GxatlasError("审核需要审核人姓名 (a reviewer name is required)")
    return name[:100]


def _refresh(session: Session, *pairs: tuple[str | None, int | None]) -> None:
    """Bring what is derived from the touched entities' evidence up to date: their search
    entries, and the project register (stage rows of new statements, the settled stage)."""
    for etype, eid in pairs:
        if etype and eid is not None and etype not in ("region", "industry"):
            index_entity(session, etype, eid)
    sync_registers(session, projects={eid for etype, eid in pairs
                                      if etype == "project" and eid is not None})


# --- the actions on one fact (shared by the reviewer's action and by reapply) ---------------

def _do_accept(session: Session, row: StoredFact) -> None:
    if row.status not in TRUSTED and not row.applied and row.entity_id is not None:
        apply_fact(session, row, target_of(session, row))
    row.status, row.status_reason = CONFIRMED, None


def _do_reject(session: Session, row: StoredFact) -> None:
    if row.applied.get("created"):
        row.applied = {"created": True}
    else:
        unapply(session, row)
    row.status, row.status_reason = REJECTED, None


def _clean_values(row: StoredFact, values: Mapping[str, Any]) -> dict[str, Any]:
    allowed = EDITABLE.get(row.type, ())
    out = dict(row.values or {})
    for k, v in values.items():
        if k not in allowed:
            raise GxatlasError(f"字段“{k}”不可修改（{row.type} 可改：{'、'.join(allowed)}）")
        if isinstance(v, str):
            v = v.strip()
        if v in ("", None):
            out[k] = None
            continue
        if k in _NUMERIC:
            try:
                num = float(v)
            except (TypeError, ValueError) as err:
                raise GxatlasError(f"字段“{k}”的值“{v}”不是数字") from err
            v = int(num) if k.endswith("year") or k == "year" else num
        out[k] = v
    return out


def _do_edit(session: Session, row: StoredFact, *, values: Mapping[str, Any],
             name: str | None) -> None:
    new_values, new_name = _clean_values(row, values), canonical_name(name or row.name)
    created = bool(row.applied.get("created"))
    if not created:
        unapply(session, row)
    row.name, row.values = new_name, new_values
    ent = session.get(ENTITY_MODELS[row.entity_type], row.entity_id) \
        if row.entity_id is not None else None
    if created and ent is not None:  # the fact's own entity: it says what the fact says
        for k, v in entity_values(session, row).items():
            setattr(ent, k, v)
        if row.type in ("park", "enterprise", "project", "indicator"):
            _rename(session, row, ent, new_name)
        cite_fact(session, row, row.entity_type, ent.id)
    elif ent is not None:
        apply_fact(session, row, target_of(session, row))
    row.status, row.status_reason = CONFIRMED, None


def _rename(session: Session, row: StoredFact, ent: Any, name: str) -> None:
    full = name
    if row.type == "indicator":
        full = target_of(session, row).scope.full_name(name)  # type: ignore[union-attr]
    other = session.scalars(select(Alias.entity_id).where(
        Alias.entity_type == row.entity_type, Alias.key == name_key(full),
        Alias.entity_id != ent.id)).first()
    if other is not None:
        raise GxatlasError(f"名称“{full}”已属于另一{row.entity_type}（编号 {other}），请用合并 "
                           f"(the name belongs to entity {other}: merge instead)")
    ent.name = full
    if row.type != "indicator":
        ent.key = name_key(full)
    if row.type == "indicator":
        add_indicator_alias(session, ent, full)
    else:
        add_alias(session, row.type, ent.id, full)


def _snapshot(session: Session, entity_type: str, ent: Any) -> dict[str, Any]:
    """An entity as rows (to recreate it on undo): columns, names, relations, park targets."""
    cols = {c.key: getattr(ent, c.key) for c in ent.__mapper__.column_attrs}
    cols = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in cols.items()}
    rels = [{c: getattr(r, c) for c in ("type", "a_type", "a_id", "b_type", "b_id", "note",
                                        "level")}
            for r in session.scalars(select(Relation).where(
                ((Relation.a_type == entity_type) & (Relation.a_id == ent.id))
                | ((Relation.b_type == entity_type) & (Relation.b_id == ent.id))))]
    targets = [{c: getattr(t, c) for c in ("metric", "year", "value", "unit", "comparator")}
               for t in session.scalars(select(ParkTarget).where(ParkTarget.park_id == ent.id))] \
        if entity_type == "park" else []
    return {"type": entity_type, "columns": cols,
            "aliases": aliases_of(session, entity_type, ent.id), "relations": rels,
            "targets": targets}


def _delete_if_orphan(session: Session, entity_type: str, entity_id: int) -> dict[str, Any] | None:
    """Delete an entity nothing supports any more (no fact, no evidence); its snapshot."""
    if session.scalar(select(exists().where(StoredFact.entity_type == entity_type,
                                            StoredFact.entity_id == entity_id))) or \
            session.scalar(select(exists().where(Evidence.entity_type == entity_type,
                                                 Evidence.entity_id == entity_id))):
        return None
    ent = session.get(ENTITY_MODELS[entity_type], entity_id)
    if ent is None:
        return None
    snap = _snapshot(session, entity_type, ent)
    for a in session.scalars(select(Alias).where(Alias.entity_type == entity_type,
                                                 Alias.entity_id == entity_id)):
        session.delete(a)
    for r in session.scalars(select(Relation).where(
            ((Relation.a_type == entity_type) & (Relation.a_id == entity_id))
            | ((Relation.b_type == entity_type) & (Relation.b_id == entity_id)))):
        session.delete(r)
    session.delete(ent)
    session.flush()
    index_entity(session, entity_type, entity_id)
    return snap


def _restore(session: Session, snap: Mapping[str, Any]) -> Any:
    """Recreate an entity deleted by a merge, with its id, names, relations and targets."""
    etype = snap["type"]
    model = ENTITY_MODELS[etype]
    cols = dict(snap["columns"])
    ent = session.get(model, cols["id"])
    if ent is None:
        ent = model(**cols)
        session.add(ent)
        session.flush()
    for n in snap.get("aliases") or ():
        session.execute(Alias.__table__.delete().where(Alias.entity_type == etype,
                                                       Alias.key == name_key(n)))
        if etype == "indicator":
            add_indicator_alias(session, ent, n)
        else:
            add_alias(session, etype, ent.id, n)
    for r in snap.get("relations") or ():
        if session.scalars(select(Relation.id).filter_by(**{k: r[k] for k in (
                "type", "a_type", "a_id", "b_type", "b_id")})).first() is None:
            session.add(Relation(**r))
    for t in snap.get("targets") or ():
        session.add(ParkTarget(park_id=ent.id, **t))
    session.flush()
    return ent


def _do_merge(session: Session, row: StoredFact, into: Any) -> dict[str, Any] | None:
    """Point the fact at ``into``: its names become names of ``into`` (so later readings
    resolve there), what it states fills what ``into`` lacks. The entity it leaves is deleted
    when nothing else supports it (its snapshot is returned for undo)."""
    if row.type == "industry_focus":
        raise GxatlasError("产业方向事实不能合并 (focus statements cannot be merged)")
    old_type, old_id = row.entity_type, row.entity_id
    if old_type == row.entity_type and old_id == into.id:
        raise GxatlasError(f"事实 {row.id} 已属于该实体 (already about that entity)")
    unapply(session, row)
    session.execute(Evidence.__table__.delete().where(Evidence.fact_id == row.id))
    row.entity_id = None
    session.flush()
    snap = None
    if old_id is not None:
        # names the old entity had only because of this fact move with it
        snap = _delete_if_orphan(session, old_type, old_id)
    row.match = "merge"
    apply_fact(session, row, Target(row.entity_type, into, "merge"))
    row.status, row.status_reason = CONFIRMED, None
    return snap


def _resolve_into(session: Session, row: StoredFact, into: int | str) -> Any:
    model = ENTITY_MODELS[row.entity_type or row.type]
    ent = None
    if isinstance(into, int) or str(into).isdigit():
        ent = session.get(model, int(into))
    if ent is None and isinstance(into, str):
        ent = find(session, row.entity_type or row.type, into)
    if ent is None:
        raise GxatlasError(f"没有可合并的{row.entity_type}“{into}” (no such entity to merge into)")
    return ent


# --- the reviewer's actions ------------------------------------------------------------------

def accept(session: Session, fact_id: int, *, reviewer: str, version: int | None = None,
           note: str | None = None) -> Correction:
    """Confirm a fact as stored (its name becomes one the reader knows)."""
    reviewer = _reviewer(reviewer)
    row = get_fact(session, fact_id)
    before = state(row)
    _claim(session, row, version)
    _do_accept(session, row)
    _refresh(session, (row.entity_type, row.entity_id))
    return _log(session, row, action="accept", reviewer=reviewer, before=before, note=note)


def edit(session: Session, fact_id: int, *, reviewer: str, values: Mapping[str, Any] = {},
         name: str | None = None, version: int | None = None,
         note: str | None = None) -> Correction:
    """Correct a fact's name or values (and confirm it)."""
    reviewer = _reviewer(reviewer)
    row = get_fact(session, fact_id)
    if not values and not (name or "").strip():
        raise GxatlasError("没有要修改的内容 (nothing to change: give values or a name)")
    _clean_values(row, values)  # a bad field or value fails before anything is claimed
    before = state(row)
    before["entity"] = _entity_columns(session, row)
    _claim(session, row, version)
    _do_edit(session, row, values=values, name=name)
    _refresh(session, (row.entity_type, row.entity_id))
    return _log(session, row, action="edit", reviewer=reviewer, before=before, note=note)


def merge(session: Session, fact_id: int, *, reviewer: str, into: int | str,
          version: int | None = None, note: str | None = None) -> Correction:
    """Say that a fact is about an existing entity (by id or name) and confirm it."""
    reviewer = _reviewer(reviewer)
    row = get_fact(session, fact_id)
    target = _resolve_into(session, row, into)
    before = state(row)
    _claim(session, row, version)
    old = (row.entity_type, row.entity_id)
    snap = _do_merge(session, row, target)
    _refresh(session, old, (row.entity_type, row.entity_id))
    return _log(session, row, action="merge", reviewer=reviewer, before=before, note=note,
                extra={"deleted": snap, "into": target.id,
                       "into_name": getattr(target, "name", None) or getattr(target, "key", None)})


def reject(session: Session, fact_id: int, *, reviewer: str, version: int | None = None,
           note: str | None = None) -> Correction:
    """Say that a fact is wrong: what it added is taken back; analyses no longer use it."""
    reviewer = _reviewer(reviewer)
    row = get_fact(session, fact_id)
    before = state(row)
    _claim(session, row, version)
    _do_reject(session, row)
    _refresh(session, (row.entity_type, row.entity_id))
    return _log(session, row, action="reject", reviewer=reviewer, before=before, note=note)


def _entity_columns(session: Session, row: StoredFact) -> dict[str, Any] | None:
    """The columns of the entity a fact created (an edit overwrites them; undo restores)."""
    if not row.applied.get("created") or row.entity_id is None:
        return None
    ent = session.get(ENTITY_MODELS[row.entity_type], row.entity_id)
    return None if ent is None else _snapshot(session, row.entity_type, ent)


def undo(session: Session, correction_id: int, *, reviewer: str,
         note: str | None = None) -> Correction:
    """Restore the state before a correction (it must be the fact's latest); logged too."""
    reviewer = _reviewer(reviewer)
    corr = session.get(Correction, correction_id)
    if corr is None:
        raise GxatlasError(f"没有编号为 {correction_id} 的更正记录 (no correction {correction_id})")
    if corr.action == "undo":
        raise GxatlasError("撤销记录本身不能撤销；请对原事实重新操作 (an undo cannot be undone)")
    if corr.undone_by is not None:
        raise GxatlasError(f"更正 {corr.id} 已于更正 {corr.undone_by} 撤销 (already undone)")
    if corr.fact_id is None:
        raise GxatlasError(f"更正 {corr.id} 所针对的事实已不存在 (its fact is gone)")
    row = get_fact(session, corr.fact_id)
    if row.version != corr.after.get("version"):
        raise ReviewConflict(f"事实 {row.id} 在更正 {corr.id} 之后又有改动，请先撤销最近的更正 "
                             f"(a later correction exists)", fact=state(row))
    before = state(row)
    _claim(session, row, row.version)
    b = corr.before
    touched: list[tuple[str | None, int | None]] = [(row.entity_type, row.entity_id)]
    if corr.action == "accept":
        if b["status"] not in TRUSTED and not (row.applied or {}).get("created"):
            unapply(session, row)
    elif corr.action == "reject":
        if b["status"] in TRUSTED and not (row.applied or {}).get("created"):
            apply_fact(session, row, target_of(session, row))
    elif corr.action == "edit":
        created = bool(row.applied.get("created"))
        if not created:
            unapply(session, row)
        row.name, row.values = b["name"], b["values"]
        snap = b.get("entity")
        if created and snap:
            ent = session.get(ENTITY_MODELS[row.entity_type], row.entity_id)
            for k, v in snap["columns"].items():
                if k != "id":
                    setattr(ent, k, v)
            session.execute(Alias.__table__.delete().where(
                Alias.entity_type == row.entity_type, Alias.entity_id == row.entity_id,
                Alias.key.not_in([name_key(n) for n in snap["aliases"]])))
            cite_fact(session, row, row.entity_type, row.entity_id)
        elif b["status"] in TRUSTED:
            apply_fact(session, row, target_of(session, row))
        else:
            cite_fact(session, row, row.entity_type, row.entity_id)
    elif corr.action == "merge":
        unapply(session, row)
        session.execute(Evidence.__table__.delete().where(Evidence.fact_id == row.id))
        snap = corr.after.get("deleted")
        old = _restore(session, snap) if snap else session.get(
            ENTITY_MODELS[b["entity_type"]], b["entity_id"])
        if old is None:
            raise GxatlasError(f"合并前的实体 {b['entity_id']} 已不存在，无法撤销")
        row.match = b["match"]
        if snap or b["status"] in TRUSTED:
            tgt = Target(b["entity_type"], old, b["match"])
            apply_fact(session, row, tgt)
            if snap:
                row.applied = {"created": True}
        else:
            cite_fact(session, row, b["entity_type"], old.id)
        touched.append((b["entity_type"], b["entity_id"]))
    row.status, row.status_reason = b["status"], b["status_reason"]
    row.reviewed_by, row.reviewed_at = b["reviewed_by"], (
        dt.datetime.fromisoformat(b["reviewed_at"]) if b["reviewed_at"] else None)
    session.flush()
    _refresh(session, *touched)
    out = Correction(fact_id=row.id, document_key=corr.document_key, signature=row.signature,
                     action="undo", reviewer=reviewer, at=_now(), before=before,
                     after=state(row), evidence=_evidence(session, row), note=note,
                     undoes=corr.id)
    session.add(out)
    session.flush()
    corr.undone_by = out.id
    session.flush()
    return out


# --- re-ingest -------------------------------------------------------------------------------

@functools.cache
def _standing() -> Any:
    """The standing corrections of the document ``key``, oldest first (built once: run for
    every document stored)."""
    return select(Correction).where(
        Correction.document_key == bindparam("key"), Correction.action != "undo",
        Correction.undone_by.is_(None)).order_by(Correction.id)


def reapply(session: Session, doc: Document, rows: list[StoredFact]) -> int:
    """Perform the latest standing correction of each fact of an earlier reading of ``doc``
    on the matching fact of this reading (same signature; else same type and name when that
    is unique). Returns how many were applied."""
    corrections = list(session.scalars(_standing(), {"key": doc.key}))
    if not corrections:
        return 0
    latest: dict[str, Correction] = {}
    for c in corrections:
        latest[c.signature] = c
    by_sig = {r.signature: r for r in rows}
    by_head: dict[str, list[StoredFact]] = {}
    for r in rows:
        by_head.setdefault(r.signature.split(":")[0], []).append(r)
    done = 0
    for sig, corr in latest.items():
        row = by_sig.get(sig)
        if row is None:
            same = by_head.get(sig.split(":")[0], [])
            row = same[0] if len(same) == 1 else None
        if row is None or row.id == corr.fact_id:
            continue
        a = corr.after
        if corr.action == "reject":
            _do_reject(session, row)
        elif corr.action == "accept":
            _do_accept(session, row)
        elif corr.action == "edit":
            _do_edit(session, row, values={k: v for k, v in (a.get("values") or {}).items()
                                           if k in EDITABLE.get(row.type, ())},
                     name=a.get("name"))
        elif corr.action == "merge":
            into = session.get(ENTITY_MODELS[a["entity_type"]], a["entity_id"])
            if into is None:
                continue
            if row.entity_id != into.id:
                _do_merge(session, row, into)
            row.status, row.status_reason = CONFIRMED, None
        row.reviewed_by, row.reviewed_at = corr.reviewer, corr.at
        corr.fact_id = row.id
        done += 1
    session.flush()
    return done


# --- reading the log -------------------------------------------------------------------------

def correction_dict(c: Correction) -> dict[str, Any]:
    return {"id": c.id, "fact": c.fact_id, "document": c.document_key, "action": c.action,
            "action_zh": ACTION_ZH.get(c.action, c.action), "reviewer": c.reviewer,
            "at": c.at.isoformat() if c.at else None, "before": c.before, "after": c.after,
            "evidence": c.evidence, "note": c.note, "undoes": c.undoes,
            "undone_by": c.undone_by}


def history(session: Session, *, fact_id: int | None = None, document: str | None = None,
            limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The corrections log, newest first (optionally of one fact or one document)."""
    stmt = select(Correction).order_by(Correction.id.desc())
    if fact_id is not None:
        stmt = stmt.where(Correction.fact_id == fact_id)
    if document:
        stmt = stmt.where(Correction.document_key == document)
    return [correction_dict(c) for c in session.scalars(stmt.limit(limit).offset(offset))]


