"""a job queue that survives a restart: the upload, its owner, attempts and the worker

Revision ID: 0007_job_queue
Revises: 0006_registers
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_job_queue"
down_revision = "0006_registers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs: no table is copied (SQLite batch mode would recreate "jobs")
    op.add_column("jobs", sa.Column("owner_id", sa.Integer(), nullable=True))
    op.add_column("jobs", sa.Column("slot", sa.String(length=200), nullable=True))
    op.add_column("jobs", sa.Column("attempts", sa.Integer(), server_default="0",
                                    nullable=False))
    op.add_column("jobs", sa.Column("started_at", sa.DateTime(), nullable=True))
    op.add_column("jobs", sa.Column("worker", sa.String(length=100), nullable=True))
    op.add_column("jobs", sa.Column("payload", sa.LargeBinary(), nullable=True))
    op.add_column("jobs", sa.Column("params", sa.JSON(), nullable=True))
    op.create_index("ix_jobs_owner_id", "jobs", ["owner_id"], unique=False)
    # jobs left queued or running by earlier versions cannot be run again (their upload was
    # never kept): they are failed with the reason
    op.execute(sa.text("UPDATE jobs SET status = 'failed', message = :msg "
                       "WHERE status IN ('queued', 'running')")
               .bindparams(msg="服务重启，任务未完成，请重新上传 (interrupted by a restart "
                               "before this version kept uploads; upload again)"))


def downgrade() -> None:
    op.drop_index("ix_jobs_owner_id", table_name="jobs")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for column in ("params", "payload", "worker", "started_at", "attempts", "slot",
                       "owner_id"):
            batch_op.drop_column(column)
