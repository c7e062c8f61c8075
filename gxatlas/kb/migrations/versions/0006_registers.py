"""registers: dated project stages and enterprise cultivation tiers, each with its evidence

Revision ID: 0006_registers
Revises: 0005_review
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_registers"
down_revision = "0005_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("word", sa.String(length=60), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=True),
        sa.Column("set_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "evidence_id", name="uq_project_stage"),
    )
    op.create_index("ix_project_stages_project_id", "project_stages", ["project_id"])
    op.create_index("ix_project_stages_evidence_id", "project_stages", ["evidence_id"])
    op.create_table(
        "enterprise_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.String(length=10), nullable=True),
        sa.Column("word", sa.String(length=100), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "tier", "evidence_id", name="uq_enterprise_tier"),
    )
    op.create_index("ix_enterprise_tiers_enterprise_id", "enterprise_tiers", ["enterprise_id"])
    op.create_index("ix_enterprise_tiers_evidence_id", "enterprise_tiers", ["evidence_id"])


def downgrade() -> None:
    op.drop_table("enterprise_tiers")
    op.drop_table("project_stages")
