"""A KB whose schema stops at an older migration, for tests of upgrades and old KBs."""

from __future__ import annotations

from gxatlas.kb.store import KB, _alembic_config, connect


def kb_at_revision(url: str, revision: str) -> KB:
    """Create the KB at ``url`` with the migrations up to ``revision`` only."""
    from alembic import command

    kb = connect(url, create=True)
    with kb.engine.begin() as conn:
        cfg = _alembic_config(kb)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return kb
