"""full-text search over the segmented column of search_entries

SQLite: an FTS5 table with search_entries as its external content, kept in step by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', tokens).

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_entries', "
    "content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER search_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
_SQLITE_DOWN = ["DROP TRIGGER search_au", "DROP TRIGGER search_ad", "DROP TRIGGER search_ai",
                "DROP TABLE search_fts"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in _SQLITE_UP:
            op.execute(stmt)
    else:
        op.execute("CREATE INDEX ix_search_tokens ON search_entries "
                   "USING GIN (to_tsvector('simple', tokens))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in _SQLITE_DOWN:
            op.execute(stmt)
    else:
        op.execute("DROP INDEX ix_search_tokens")
