"""Storing an ingested document and its extracted facts, one transaction per file.

A document is identified by its content and its source, never by its file name alone:

- the same content (sha256 of the bytes), wherever it comes from, is stored once: storing it
  again is a no-op ("unchanged");
- a *source* is where the user says versions of one document come from: a file path (the
  CLI's default) or a named upload slot (`Source.slot`). New content from the source of a
  stored document replaces that document ("replaced"): its facts, evidence and the entities
  only it supported are removed and the new ones stored under the same key, and the earlier
  version stays listed in ``document_versions``;
- anything else is a new document ("added"), whatever its name: when its file stem is the key
  of another document, it gets ``<stem>-<first 8 hex digits of its sha256>``.

Every fact is resolved to the entity already known (the bundled atlas included) or creates
it (`gxatlas.kb.facts`), with a review status (`gxatlas.kb.review`); a fact without evidence is
never stored. When a document is replaced, the corrections people made to its earlier version
are applied to the new one (`gxatlas.kb.corrections.reapply`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from gxatlas.extract.facts import Fact
from gxatlas.extract.profile import Profile, document_profile
from gxatlas.ingest.document import Document as Doc
from gxatlas.kb.factbatch import store_facts
from gxatlas.kb.load import region_id
from gxatlas.kb.models import (ENTITY_MODELS, Alias, Document, DocumentVersion, Evidence,
                               Indicator, Observation, Relation, StoredFact)
from gxatlas.kb.registers import sync_registers
from gxatlas.kb.review import PENDING, review_threshold
from gxatlas.kb.search import index_entities, index_entity


_KEY_STEM = 150  # characters of a file stem kept in a document key (keys are String(200))


@dataclass(frozen=True)
class Source:
    """Where versions of one document come from, as the user says.

    ``kind`` is "path" (a file: the absolute path), "slot" (an upload slot the user names) or
    "content" (no lasting source: an upload without a slot, identified by content only).
    """

    kind: str
    value: str

    @classmethod
    def path(cls, path: str | Path) -> Source:
        return cls("path", str(Path(path).expanduser().resolve()))

    @classmethod
    def slot(cls, name: str) -> Source:
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise ValueError("an upload slot is a name of 1 to 200 characters")
        return cls("slot", name)

    @classmethod
    def content(cls, label: str) -> Source:
        """No lasting source (``label`` is only shown, e.g. "上传: 规划.pdf")."""
        return cls("content", label)

    @property
    def key(self) -> str | None:
        """The stored identity (``Document.source_key``), None for content-only sources."""
        if self.kind == "content":
            return None
        return hashlib.sha256(f"{self.kind}:{self.value}".encode()).hexdigest()

    def describe(self) -> str:
        return {"path": "文件 ", "slot": "上传位置 "}.get(self.kind, "") + self.value


@dataclass(frozen=True)
class StoreResult:
    document: str  # the document's key
    status: str  # "unchanged", "added", "replaced"
    facts: int
    entities: int
    version: int = 1  # the document's version after this store
    same_as: str | None = None  # "unchanged": the content was already stored as this key
    note: str = ""  # one line saying what happened, for people (Chinese, English in brackets)
    pending: int = 0  # facts waiting for review (gxatlas.kb.review)
    merged: int = 0  # facts resolved to an entity the KB already knew


def _clear_facts(session: Session, doc: Document) -> set[int]:
    """Delete a document's evidence and observations, and the entities left without any.
    Returns the ids of the projects it touched (their stage must be settled again)."""
    touched = set(session.execute(select(Evidence.entity_type, Evidence.entity_id).where(
        Evidence.document_id == doc.id)))
    touched |= set(session.execute(select(StoredFact.entity_type, StoredFact.entity_id).where(
        StoredFact.document_id == doc.id, StoredFact.entity_id.is_not(None))))
    session.execute(delete(Evidence).where(Evidence.document_id == doc.id))
    session.execute(delete(StoredFact).where(StoredFact.document_id == doc.id))
    session.execute(delete(Observation).where(Observation.document_id == doc.id))
    for ind in session.scalars(select(Indicator).where(Indicator.plan_id == doc.id)):
        touched.add(("indicator", ind.id))
    session.flush()
    for etype, eid in touched:
        if etype in ("region", "industry"):
            continue
        still = session.scalar(select(exists().where(Evidence.entity_type == etype,
                                                     Evidence.entity_id == eid)))
        if not still:
            ent = session.get(ENTITY_MODELS[etype], eid)
            if ent is not None:
                session.execute(delete(Alias).where(Alias.entity_type == etype,
                                                    Alias.entity_id == eid))
                session.execute(delete(Relation).where(Relation.a_type == etype,
                                                       Relation.a_id == eid))
                session.execute(delete(Relation).where(Relation.b_type == etype,
                                                       Relation.b_id == eid))
                session.delete(ent)
                session.flush()
                index_entity(session, etype, eid)
    session.flush()
    return {eid for etype, eid in touched if etype == "project"}



def _free_key(session: Session, stem: str, sha256: str) -> str:
    """A document key for a new document: its file stem, or the stem and a hash prefix when
    another document has that key."""
    stem = stem[:_KEY_STEM] or "document"
    candidates = [stem, f"{stem}-{sha256[:8]}", f"{stem}-{sha256[:16]}"]
    for key in candidates:
        if session.scalars(select(Document.id).where(Document.key == key)).first() is None:
            return key
    n = 2
    while True:  # only reached when someone named files after other files' hashes
        key = f"{stem}-{sha256[:16]}-{n}"
        if session.scalars(select(Document.id).where(Document.key == key)).first() is None:
            return key
        n += 1


def table_document(session: Session, *, stem: str, digest: str, source: Source, kind: str,
                   title: str, fmt: str | None) -> tuple[str, Document]:
    """The document row of an imported table (an enterprise registry, actual values), with
    the identity rules of documents: the same content (``digest``, computed from the data,
    not the bytes) is "unchanged" whatever the file's name; a table from the same source
    (path or upload slot) with other content is "replaced" (the caller replaces the rows it
    stored for it); anything else is "added" under a free key (``stem``, else ``stem`` and a
    hash prefix). Returns (status, row); the row's sha256 and source are set."""
    same = session.scalars(select(Document).where(Document.sha256 == digest)).first()
    if same is not None:
        return "unchanged", same
    row = None
    if source.key is not None:
        row = session.scalars(select(Document).where(Document.source_key == source.key)).first()
    status = "replaced" if row is not None else "added"
    if row is None:
        row = Document(key=_free_key(session, stem, digest), title=title, kind=kind,
                       format=fmt, source_key=source.key)
        session.add(row)
    else:
        row.version = (row.version or 1) + 1
    row.sha256, row.source = digest, source.value
    session.flush()
    return status, row


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _identify(session: Session, doc: Doc, source: Source) -> tuple[str, Document | None, str]:
    """How ``doc`` relates to what is stored: (status, row, note).

    "unchanged" with the row holding the same content; "replaced" with the row of the same
    source; "fill" with an atlas citation stub named like the file; "added" with None.
    The candidates of all four are read in one query.
    """
    stem = doc.name[:_KEY_STEM]
    legacy = source.key is not None and source.kind == "path"
    wanted = [Document.sha256 == doc.sha256,
              and_(Document.key == stem, Document.text.is_(None), Document.source_key.is_(None))]
    if source.key is not None:
        wanted.append(Document.source_key == source.key)
    if legacy:  # ingested before sources were recorded (migration 0004) from a relative path
        wanted.append(and_(Document.source_key.is_(None), Document.text.is_not(None),
                           Document.source.in_([doc.path, source.value])))
    rows = list(session.scalars(select(Document).where(or_(*wanted)).order_by(Document.id)))
    same = next((r for r in rows if r.sha256 == doc.sha256), None)
    if same is not None:
        if source.key is not None and same.source_key is None and \
                not any(r.source_key == source.key for r in rows):
            same.source_key = source.key  # later versions from this source replace it
        if source.key is not None and same.source_key == source.key:
            return "unchanged", same, "未变 (unchanged: this content is already stored)"
        return "unchanged", same, (f"未变，内容与已存文档 {same.key} 相同 (unchanged: the same "
                                   f"content is already stored as {same.key})")
    if source.key is not None:
        old = next((r for r in rows if r.source_key == source.key), None)
        if old is None and legacy:
            old = next((r for r in rows if r.source_key is None and r.text is not None
                        and r.source in (doc.path, source.value)
                        and Source.path(r.source).value == source.value), None)
        if old is not None:
            return "replaced", old, (f"已替换为第 {old.version + 1} 版 (replaced: new version "
                                     f"{old.version + 1} of {source.describe()}; the facts of "
                                     f"version {old.version} were removed, its record kept)")
    stub = next((r for r in rows if r.key == stem and r.text is None and r.source_key is None),
                None)
    if stub is not None:  # the bundled atlas cites this document by its file stem
        return "fill", stub, "新增 (added: the document the bundled atlas cites)"
    return "added", None, "新增 (added)"


def store_document(session: Session, doc: Doc, facts: Iterable[Fact], *,
                   source: Source | None = None, threshold: float | None = None,
                   profile: Profile | None = None) -> StoreResult:
    """Store ``doc`` and its facts (call inside one ``KB.session()`` transaction).

    ``source`` says where versions of the document come from (default: its file path); see
    the module's docstring for what is unchanged, replaced or added. Facts below
    ``threshold`` (default: `gxatlas.kb.review.review_threshold`) or about entities nothing
    trusted supports wait for review. ``profile``: the document's profile as its extraction
    made it (`gxatlas.extract.extract_with_profile`; computed here when not given).
    """
    from gxatlas.kb.corrections import reapply

    threshold = review_threshold(threshold)
    if source is None:
        source = Source.path(doc.path)
    status, row, note = _identify(session, doc, source)
    if status == "unchanged":
        assert row is not None
        own = source.key is not None and row.source_key == source.key
        return StoreResult(document=row.key, status="unchanged", facts=0, entities=0,
                           version=row.version, same_as=None if own else row.key, note=note)
    # what the document is and what it is about, from its profile (genre, main region, date);
    # the region read before the row is added, so that the row is written once
    profile = profile or document_profile(doc)
    place = region_id(session, profile.region)
    cleared: set[int] = set()
    fresh = status == "added"  # a row inserted below (a citation stub's is "fill")
    if status == "replaced":
        assert row is not None
        cleared = _clear_facts(session, row)
        session.execute(update(DocumentVersion).where(
            DocumentVersion.document_id == row.id, DocumentVersion.replaced_at.is_(None))
            .values(replaced_at=_now()))
        row.version += 1
        row.title = doc.title
        row.ingested_at = _now()
    elif status == "fill":
        assert row is not None
        row.title = row.title or doc.title
        status = "added"
    else:
        key = _free_key(session, doc.name, doc.sha256)
        if key != doc.name:
            note = (f"新增，存为 {key}：名称 {doc.name} 已被另一文档使用 (added as {key}: "
                    f"another document is named {doc.name})")
        row = Document(key=key, title=doc.title, version=1)
        session.add(row)
    row.source_key = source.key
    row.source = source.value[:1000]
    row.sha256, row.format = doc.sha256, doc.format
    row.encoding, row.variant, row.text, row.original = doc.encoding, doc.variant, doc.text, \
        doc.original
    row.kind = profile.genre.value
    row.region_id = place
    row.date = row.date or profile.written
    session.flush()
    held: list[Any] = []  # the entities the facts touched, kept for indexing them below
    stored = store_facts(session, facts, row.id, doc.text, threshold=threshold, held=held,
                         fresh=fresh)
    reapply(session, row, stored)
    touched = {(f.entity_type, f.entity_id) for f in stored if f.entity_id is not None}
    sync_registers(session, projects=cleared | {eid for etype, eid in touched
                                                if etype == "project"}, document_id=row.id)
    n_facts = len(stored)
    index_entities(session, [("document", row.id), *touched])
    session.add(DocumentVersion(document_id=row.id, version=row.version, sha256=doc.sha256,
                                source=row.source, title=row.title, format=doc.format,
                                facts=n_facts))
    session.flush()
    return StoreResult(document=row.key, status=status, facts=n_facts, entities=len(touched),
                       version=row.version, note=note,
                       pending=sum(f.status == PENDING for f in stored),
                       merged=sum(f.match not in (None, "new") for f in stored))


def document_versions(session: Session, document_id: int) -> list[dict[str, Any]]:
    """The stored versions of a document, newest first."""
    rows = session.scalars(select(DocumentVersion).where(
        DocumentVersion.document_id == document_id).order_by(DocumentVersion.version.desc()))
    return [{"version": v.version, "sha256": v.sha256, "source": v.source, "title": v.title,
             "format": v.format, "facts": v.facts,
             "ingested_at": v.ingested_at.isoformat() if v.ingested_at else None,
             "replaced_at": v.replaced_at.isoformat() if v.replaced_at else None}
            for v in rows]


def render_document(session: Session, key: str, console: Any) -> None:
    """Print a document's normalized text with its extracted facts marked, then the facts."""
    from rich.table import Table
    from rich.text import Text

    from gxatlas.kb.query import get_entity

    doc = get_entity(session, "document", key)
    evs = list(session.scalars(select(Evidence).where(
        Evidence.document_id == doc.id, Evidence.start.is_not(None)).order_by(Evidence.start)))
    console.print(f"[bold]{doc.title}[/bold]  ({doc.key}, {doc.format}, {doc.variant}, "
                  f"sha256 {str(doc.sha256)[:12]}…)")
    if doc.source:
        console.print(f"来源 source: {doc.source}")
    for v in document_versions(session, doc.id):
        until = f"，{v['replaced_at']} 被替换 (replaced)" if v["replaced_at"] else "（当前 current）"
        console.print(f"  第 {v['version']} 版 version {v['version']}: sha256 {v['sha256'][:12]}…, "
                      f"{v['facts']} facts, {v['ingested_at']}{until}")
    if not doc.text:
        console.print("(no stored text: this document is only cited by the bundled atlas)")
    else:
        text = Text(doc.text)
        styles = {"park": "bold green", "enterprise": "bold cyan", "project": "bold magenta",
                  "policy": "bold yellow", "indicator": "bold red", "region": "underline"}
        for ev in evs:
            if ev.field in ("name", "title", "doc_number", "focus"):
                text.stylize(styles.get(ev.entity_type, "bold"), ev.start, ev.end)
        console.print(text)
    t = Table(title="抽取的事实 extracted facts")
    for col in ("span", "type", "field", "value", "alignment"):
        t.add_column(col)
    for ev in evs:
        t.add_row(f"{ev.start}-{ev.end}", ev.entity_type, ev.field, str(ev.value),
                  ev.alignment or "")
    console.print(t)
