"""review: stored facts with confidence, reasons and review status; the corrections log

Every extracted fact becomes a row of ``facts`` (its evidence rows point at it through
``evidence.fact_id``); every review action is a row of ``corrections``. Existing evidence is
left as it is (no fact row: it stays trusted as before).

Revision ID: 0005_review
Revises: 0004_document_identity
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_review"
down_revision = "0004_document_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("orig_start", sa.Integer(), nullable=True),
        sa.Column("orig_end", sa.Integer(), nullable=True),
        sa.Column("alignment", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("quote", sa.String(length=500), nullable=True),
        sa.Column("entity_type", sa.String(length=20), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("match", sa.String(length=40), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("applied", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_facts_document_id", "facts", ["document_id"])
    op.create_index("ix_facts_entity", "facts", ["entity_type", "entity_id"])
    op.create_index("ix_facts_signature", "facts", ["signature"])
    op.create_index("ix_facts_status", "facts", ["status"])

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=True),
        sa.Column("document_key", sa.String(length=200), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["fact_id"], ["facts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["undoes"], ["corrections.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrections_document_key", "corrections", ["document_key"])
    op.create_index("ix_corrections_fact_id", "corrections", ["fact_id"])

    # a plain ADD COLUMN with its reference on both backends (no table rebuild on SQLite,
    # whose ALTER TABLE takes the reference inline only)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE evidence ADD COLUMN fact_id INTEGER "
                   "REFERENCES facts (id) ON DELETE CASCADE")
    else:
        op.add_column("evidence", sa.Column(
            "fact_id", sa.Integer(),
            sa.ForeignKey("facts.id", name="fk_evidence_fact_id", ondelete="CASCADE"),
            nullable=True))
    op.create_index("ix_evidence_fact_id", "evidence", ["fact_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_fact_id", table_name="evidence")
    with op.batch_alter_table("evidence") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_evidence_fact_id", type_="foreignkey")
        batch_op.drop_column("fact_id")
    op.drop_table("corrections")
    op.drop_table("facts")
