"""The knowledge-base schema (SQLAlchemy 2, typed declarative models).

Entities (regions, parks, enterprises, ...) hold their current values in columns; every
statement about an entity, with the document and character span or locator it came from, is a
row of ``Evidence``: that is the provenance (`gxatlas show` prints it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ENTITY_TYPES = ("region", "park", "enterprise", "project", "policy", "indicator", "industry",
                "document")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # file stem or atlas id
    title: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(1000), default="")  # path or citation
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    format: Mapped[str | None] = mapped_column(String(20))
    encoding: Mapped[str | None] = mapped_column(String(40))
    variant: Mapped[str | None] = mapped_column(String(20))  # simplified / traditional
    kind: Mapped[str | None] = mapped_column(String(40))  # plan, article, news, report
    issuer: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[str | None] = mapped_column(String(10))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    text: Mapped[str | None] = mapped_column(Text)  # normalized text (None for atlas citations)
    original: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # identity of the source (see kb/documents.py): sha256 of "path:<absolute path>" or
    # "slot:<name>"; None for atlas citations and uploads without a slot (content identity)
    source_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class DocumentVersion(Base):
    """One stored version of a document: a changed file at the same source replaces the
    document's facts and adds a version; the earlier versions stay listed here."""

    __tablename__ = "document_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str | None] = mapped_column(String(20))
    facts: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # GB/T 2260 adcode, CC-XXX, G-XXX
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    parent: Mapped[Region | None] = relationship(remote_side=[id])


class Industry(Base):
    __tablename__ = "industries"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    gbt4754: Mapped[list[Any]] = mapped_column(default=list)


class Park(Base):
    __tablename__ = "parks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    kind: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(20))  # 国家级 / 自治区级
    klass: Mapped[str | None] = mapped_column("class", String(20))  # 千亿级 ...
    area_km2: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    region: Mapped[Region | None] = relationship(foreign_keys=[region_id])
    targets: Mapped[list[ParkTarget]] = relationship(back_populates="park",
                                                     cascade="all, delete-orphan",
                                                     order_by="ParkTarget.year")


class ParkTarget(Base):
    __tablename__ = "park_targets"
    __table_args__ = (UniqueConstraint("park_id", "metric", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(40))  # 工业总产值 / 贸易额 / 营业收入
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="亿元")
    comparator: Mapped[str | None] = mapped_column(String(2))
    park: Mapped[Park] = relationship(back_populates="targets")


class Enterprise(Base):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(300))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    registered_capital: Mapped[float | None] = mapped_column(Float)  # 万元
    founded: Mapped[str | None] = mapped_column(String(10))
    scope: Mapped[str | None] = mapped_column(Text)  # 经营范围
    revenue: Mapped[float | None] = mapped_column(Float)  # 万元
    region: Mapped[Region | None] = relationship()
    park: Mapped[Park | None] = relationship()


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    investment: Mapped[float | None] = mapped_column(Float)  # 亿元
    capacity: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(20))  # 储备 / 开工 / 投产 ...
    year: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[Region | None] = relationship()
    park: Mapped[Park | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()


class Policy(Base):
    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # doc number, else title
    doc_number: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[str | None] = mapped_column(String(10))


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("key", "scope_id", "plan_id", "target_year",
                                       "baseline_year", name="uq_indicator"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), index=True)
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    attribute: Mapped[str | None] = mapped_column(String(10))  # 预期性 / 约束性
    comparator: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str | None] = mapped_column(String(30))  # level, growth_rate, share, ...
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_text: Mapped[str | None] = mapped_column(String(60))  # e.g. 15:43:42
    target_year: Mapped[int | None] = mapped_column(Integer)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_text: Mapped[str | None] = mapped_column(String(60))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    scope: Mapped[Region | None] = relationship()
    plan: Mapped[Document | None] = relationship()


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("indicator_id", "region_id", "year", "source",
                                       name="uq_observation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id",
                                                                ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the indicator name as the source wrote it
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(500), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id",
                                                               ondelete="CASCADE"))


class Relation(Base):
    """A typed edge: sister_city, twin_parks, corridor_node, partner, member_of, located_in,
    focus (region/park -> industry), cooperation."""

    __tablename__ = "relations"
    __table_args__ = (UniqueConstraint("type", "a_type", "a_id", "b_type", "b_id",
                                       name="uq_relation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(30), index=True)
    a_type: Mapped[str] = mapped_column(String(20))
    a_id: Mapped[int] = mapped_column(Integer)
    b_type: Mapped[str] = mapped_column(String(20))
    b_id: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(300))
    level: Mapped[str | None] = mapped_column(String(20))  # e.g. 千亿级 for focus edges


class Alias(Base):
    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("entity_type", "key", name="uq_alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    loose: Mapped[str] = mapped_column(String(300), index=True)  # see kb/resolve.py loose_key


class Evidence(Base):
    """One statement about an entity and where it was read.

    ``field`` names what is stated (``name``, ``area_km2``, ``target:工业总产值:2020``, ...),
    ``value`` the value as stated. Either a character span into ``documents.text`` (extracted
    facts) or a ``locator`` into the cited document (bundled atlas facts).
    """

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_entity", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60), default="")
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id",
                                                               ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # atlas / extracted / user
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    orig_start: Mapped[int | None] = mapped_column(Integer)
    orig_end: Mapped[int | None] = mapped_column(Integer)
    alignment: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    locator: Mapped[str | None] = mapped_column(String(200))
    quote: Mapped[str | None] = mapped_column(String(500))
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"),
                                                index=True)  # the extracted fact it states
    document: Mapped[Document | None] = relationship()


# Review status of a stored fact (gxatlas.kb.review): 待审核 / 自动接受 / 人工确认 / 已驳回.
FACT_STATUSES = ("pending", "accepted", "confirmed", "rejected")


class StoredFact(Base):
    """One extracted fact as stored: the unit a reviewer accepts, edits, merges or rejects.

    ``values`` and ``name`` are as extracted until a person corrects them; ``entity_*`` is what
    the fact resolved to (None once rejected facts leave their entity); ``match`` says how it
    resolved (``new`` when it created its entity). ``signature`` identifies the fact within its
    document across re-ingests, so that a person's correction is applied again. ``version`` is
    raised by every review action: an action names the version it saw (optimistic locking).
    """

    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_entity", "entity_type", "entity_id"),
                      Index("ix_facts_status", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    signature: Mapped[str] = mapped_column(String(64), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    orig_start: Mapped[int | None] = mapped_column(Integer)
    orig_end: Mapped[int | None] = mapped_column(Integer)
    alignment: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))  # why the alignment is fuzzy
    quote: Mapped[str | None] = mapped_column(String(500))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    match: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    status_reason: Mapped[str | None] = mapped_column(String(200))
    # what applying the fact changed, to be taken back when it is rejected (see corrections)
    applied: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    document: Mapped[Document] = relationship()


class Correction(Base):
    """One review action, kept for the record and for undo: who, when, what before and after.

    ``document_key`` and ``signature`` find the fact again after its document is re-ingested
    (``fact_id`` is then cleared), so the correction is applied to the new reading too.
    """

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id", ondelete="SET NULL"),
                                                index=True)
    document_key: Mapped[str] = mapped_column(String(200), index=True)
    signature: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))  # accept / edit / merge / reject / undo
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    undoes: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"))
    undone_by: Mapped[int | None] = mapped_column(Integer)


class SearchEntry(Base):
    """One searchable entity: the text kept as written beside its segmented form."""

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", name="uq_search_entity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    tokens: Mapped[str] = mapped_column(Text, default="")  # jieba words, space-separated


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # read / write / admin
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued/running/done/failed
    filename: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the job queue survives a restart (gxatlas/api/jobs.py): the upload is kept until done
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)  # ApiToken.id
    slot: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(100))  # host:pid running it
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    params: Mapped[Any] = mapped_column(JSON, nullable=True)  # what the upload said besides




class RegionIndustryValue(Base):
    """A value of an industry in a region from a user table (output, employment, export)."""

    __tablename__ = "region_industry_values"
    __table_args__ = (UniqueConstraint("region_id", "industry", "year", "source",
                                       name="uq_region_industry_value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    industry: Mapped[str] = mapped_column(String(100))  # canonical name when known
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    year: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(500))

class ProjectStage(Base):
    """One dated statement of a project's stage (储备/签约/在建/竣工/投产), with its evidence.

    Rows come from the ``status`` statements of documents and the bundled atlas (one per
    Evidence row, kept in step by `gxatlas.kb.registers.sync_registers`) or are set by a person
    (``origin`` "user", ``set_by``, ``set_at``). ``Project.status`` holds the stage the rows
    settle on (`gxatlas.kb.registers.settle`)."""

    __tablename__ = "project_stages"
    __table_args__ = (UniqueConstraint("project_id", "evidence_id", name="uq_project_stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    stage: Mapped[str] = mapped_column(String(10))
    word: Mapped[str | None] = mapped_column(String(60))  # as the source wrote it
    # YYYY[-MM[-DD]] the statement itself gives (2023年建成投产; a person's setting); else the
    # date of the evidence's document is used when read
    date: Mapped[str | None] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(20))  # atlas / extracted / user
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"),
                                                    index=True)
    set_by: Mapped[str | None] = mapped_column(String(100))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    note: Mapped[str | None] = mapped_column(String(300))
    evidence: Mapped[Evidence | None] = relationship()


class EnterpriseTier(Base):
    """One statement that an enterprise holds a cultivation tier (专精特新, 单项冠军, 规上 …):
    from an imported tier list (``origin`` "list", with the list's year and line), from the
    ``tags`` of documents and the bundled atlas, each with its evidence."""

    __tablename__ = "enterprise_tiers"
    __table_args__ = (UniqueConstraint("enterprise_id", "tier", "evidence_id",
                                       name="uq_enterprise_tier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"),
                                               index=True)
    tier: Mapped[str] = mapped_column(String(30))  # id in gxatlas/data/registers.yaml
    level: Mapped[str | None] = mapped_column(String(10))  # 国家级 / 省级 / 市级
    year: Mapped[int | None] = mapped_column(Integer)  # year of recognition, when stated
    as_of: Mapped[str | None] = mapped_column(String(10))  # date of a list; else the document's
    word: Mapped[str | None] = mapped_column(String(100))  # as the source wrote it
    origin: Mapped[str] = mapped_column(String(20))  # list / atlas / extracted
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"),
                                                    index=True)
    evidence: Mapped[Evidence | None] = relationship()


ENTITY_MODELS: dict[str, type[Base]] = {
    "region": Region, "park": Park, "enterprise": Enterprise, "project": Project,
    "policy": Policy, "indicator": Indicator, "industry": Industry, "document": Document,
}
