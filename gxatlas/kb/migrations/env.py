"""Alembic environment: runs on the connection that gxatlas.kb.store.upgrade passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from gxatlas.kb.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """Autogenerate ignores the FTS5 shadow tables that migration 0002 makes by hand."""
    return not (type_ == "table" and name.startswith("search_fts"))


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:  # command-line use: `alembic -c ...` for making new revisions
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata,
                              render_as_batch=True, include_object=include_object)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


run()
