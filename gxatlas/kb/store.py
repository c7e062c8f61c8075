"""Opening the knowledge base: URL resolution, checks, migrations, sessions.

SQLite by default (a file in the user data directory), PostgreSQL by a ``postgresql://`` URL.
Every write goes through ``KB.session()``: one transaction, committed on success and rolled
back whole on any error, so nothing is stored half-way.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gxatlas.errors import DatabaseError

_MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMES = ("sqlite", "postgresql")


def default_url() -> str:
    path = Path(platformdirs.user_data_dir("gxatlas")) / "gxatlas.sqlite"
    return f"sqlite:///{path}"


def resolve_url(url: str | None) -> str:
    """The SQLAlchemy URL for ``url`` (None -> GXATLAS_DB -> default; a bare path is SQLite)."""
    url = url or os.environ.get("GXATLAS_DB") or default_url()
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme = url.split("://", 1)[0]
    base = scheme.split("+", 1)[0]
    if base == "postgres":
        base, url = "postgresql", "postgresql" + url[len(scheme):]
        scheme = "postgresql"
    if base not in SCHEMES:
        raise DatabaseError(f"不支持的数据库地址 (unknown database URL scheme '{scheme}'; "
                            f"use sqlite:///PATH or postgresql://USER@HOST/DB)")
    if scheme == "postgresql":
        url = "postgresql+psycopg" + url[len("postgresql"):]
    return url


def _display(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def db_problem(err: SQLAlchemyError) -> str:
    """The driver's own one-line message, without SQL text or links."""
    orig = getattr(err, "orig", None)
    msg = str(orig) if orig is not None else str(err)
    return msg.strip().splitlines()[0] if msg.strip() else type(err).__name__


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


@dataclass(frozen=True)
class KB:
    """An open knowledge base."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on error."""
        s = self.factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _check_sqlite_file(url: str, *, create: bool) -> None:
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    p = Path(path)
    if not p.exists() and not create:
        raise DatabaseError(f"{p}: 数据库不存在 (no such database; run `gxatlas init` first)")
    if p.is_dir():
        raise DatabaseError(f"{p}: 是目录，不是数据库文件 (is a directory, not a database file)")
    if p.exists() and p.stat().st_size > 0:
        with p.open("rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            raise DatabaseError(f"{p}: 不是 SQLite 数据库，未做任何改动 (not a SQLite database; refusing to touch it)")
    else:
        p.parent.mkdir(parents=True, exist_ok=True)


def connect(url: str | None = None, *, create: bool = False) -> KB:
    """Open (without creating tables) the KB at ``url``; errors are one-line DatabaseErrors.
    A SQLite file that does not exist is created only with ``create``."""
    full = resolve_url(url)
    if full.startswith("sqlite"):
        _check_sqlite_file(full, create=create)
    try:
        engine = create_engine(full, future=True)
    except (ArgumentError, ImportError) as err:
        raise DatabaseError(f"{_display(full)}: 无法打开 (cannot open: {err})") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as err:
        engine.dispose()
        raise DatabaseError(f"{_display(full)}: 无法连接 (cannot connect: {db_problem(err)})") from err
    return KB(url=full, engine=engine, factory=sessionmaker(engine, expire_on_commit=False))


def _alembic_config(kb: KB):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", kb.url.replace("%", "%%"))
    return cfg


def schema_state(kb: KB) -> str:
    """"empty", "ours" (has alembic_version) or "foreign" (other tables, not a gxatlas KB)."""
    try:
        names = set(inspect(kb.engine).get_table_names())
    except SQLAlchemyError as err:
        raise DatabaseError(f"{_display(kb.url)}: 无法读取 (cannot read: {db_problem(err)})") from err
    if not names:
        return "empty"
    return "ours" if "alembic_version" in names else "foreign"


def upgrade(kb: KB) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    state = schema_state(kb)
    if state == "foreign":
        raise DatabaseError(f"{_display(kb.url)}: 含有其他表，不是 gxatlas 知识库 (holds tables "
                            f"that are not a gxatlas knowledge base; use another --db)")
    try:
        with kb.engine.begin() as conn:
            cfg = _alembic_config(kb)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as err:
        raise DatabaseError(f"{_display(kb.url)}: 升级数据库结构失败 (migration failed: {db_problem(err)})") from err


def open_kb(url: str | None = None, *, create: bool = False) -> KB:
    """Open the KB for use. With ``create`` the schema is created or upgraded; without it a
    KB that was never initialised is an error telling the user to run `gxatlas init`."""
    kb = connect(url, create=create)
    state = schema_state(kb)
    if create:
        upgrade(kb)
    elif state != "ours":
        kb.dispose()
        what = "尚未初始化 (is empty" if state == "empty" else \
            "不是 gxatlas 知识库 (is not a gxatlas knowledge base"
        raise DatabaseError(f"{_display(kb.url)}: {what}; run `gxatlas init` first)")
    return kb
