"""document identity by content and source; document version history

Documents get ``source_key`` (sha256 of "path:<absolute path>" or "slot:<name>", unique) and
``version``; ``document_versions`` lists every version stored. Existing ingested documents
whose source is an absolute path get that path as their source; each gets version 1.

Revision ID: 0004_document_identity
Revises: 0003
"""
from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa
from alembic import op

revision = "0004_document_identity"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.create_unique_constraint("uq_documents_source_key", ["source_key"])
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_versions_document_id"), ["document_id"],
                              unique=False)
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    docs = sa.table("documents", sa.column("id", sa.Integer), sa.column("source", sa.String),
                    sa.column("sha256", sa.String), sa.column("title", sa.String),
                    sa.column("format", sa.String), sa.column("text", sa.Text),
                    sa.column("source_key", sa.String), sa.column("ingested_at", sa.DateTime))
    versions = sa.table("document_versions", sa.column("document_id", sa.Integer),
                        sa.column("version", sa.Integer), sa.column("sha256", sa.String),
                        sa.column("source", sa.String), sa.column("title", sa.String),
                        sa.column("format", sa.String), sa.column("facts", sa.Integer),
                        sa.column("ingested_at", sa.DateTime))
    evidence = sa.table("evidence", sa.column("document_id", sa.Integer))
    rows = bind.execute(sa.select(docs.c.id, docs.c.source, docs.c.sha256, docs.c.title,
                                  docs.c.format, docs.c.ingested_at)
                        .where(docs.c.text.is_not(None), docs.c.sha256.is_not(None))).all()
    seen: set[str] = set()
    for row in rows:
        source = row.source or ""
        # uploads were read from a temporary folder: they have no lasting source
        if os.path.isabs(source) and "gxatlas-upload-" not in source:
            key = hashlib.sha256(f"path:{os.path.normpath(source)}".encode()).hexdigest()
            if key not in seen:
                seen.add(key)
                bind.execute(sa.update(docs).where(docs.c.id == row.id)
                             .values(source_key=key))
        facts = bind.execute(sa.select(sa.func.count()).select_from(evidence)
                             .where(evidence.c.document_id == row.id)).scalar() or 0
        bind.execute(sa.insert(versions).values(
            document_id=row.id, version=1, sha256=row.sha256, source=source,
            title=row.title or "", format=row.format, facts=facts,
            ingested_at=row.ingested_at))


def downgrade() -> None:
    op.drop_table("document_versions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_source_key", type_="unique")
        batch_op.drop_column("version")
        batch_op.drop_column("source_key")
