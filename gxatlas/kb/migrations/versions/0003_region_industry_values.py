"""region industry values (user tables for the partner analysis)

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_industry_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("industry_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["industry_id"], ["industries.id"]),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "industry", "year", "source",
                            name="uq_region_industry_value"),
    )
    with op.batch_alter_table("region_industry_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_industry_values_region_id"), ["region_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("region_industry_values")
