"""Opening the knowledge base: URL resolution, checks, migrations, sessions.

SQLite by default (a file in the user data directory), PostgreSQL by a ``postgresql://`` URL.
Every write goes through ``KB.session()``: one transaction, committed on success and rolled
back whole on any error, so nothing is stored half-way.

Many writers at once (several `gxatlas ingest`, the API's jobs): SQLite runs in WAL mode (readers
never wait for a writer) with a busy timeout, and every transaction is a real one (``BEGIN``,
not the sqlite3 module's implicit transactions that start only at the first write). A write
transaction — ``KB.session()``, the default, and ``KB.write(fn)`` — takes the database's
write lock when it begins (``BEGIN IMMEDIATE``; on PostgreSQL a transaction-level advisory
lock), so writers queue instead of failing halfway (a deferred SQLite transaction that read
before another writer committed cannot write any more), and ``KB.write`` retries a
transaction that still could not get the lock. ``KB.session(write=False)`` is for reading
only: it takes no lock, never waits for a writer and sees one consistent snapshot.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TypeVar

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


T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite statement waits for a lock before "busy"
WRITE_ATTEMPTS = 5  # KB.write: tries of a transaction that could not get the write lock
PG_LOCK_TIMEOUT = "60s"  # how long a PostgreSQL write transaction waits for the write lock
_PG_WRITE_LOCK = 0x67786174  # the advisory lock key of gxatlas writers ("gxat")
_WRITE = "gxatlas_write"  # execution option marking a write transaction
POOL_SIZE = 20
POOL_TIMEOUT = 10


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 (DB-API objects)
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin, not implicitly
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; a crash loses no commit
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001 (a SQLAlchemy Connection)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE)
                         else "BEGIN")


def _pg_begin(conn) -> None:  # noqa: ANN001
    if conn.get_execution_options().get(_WRITE):
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def is_busy(err: BaseException) -> bool:
    """True for a transaction that failed only because another writer held the database:
    SQLite "database is locked/busy", PostgreSQL lock timeout, deadlock, serialization."""
    if not isinstance(err, DBAPIError):
        return False
    code = getattr(getattr(err, "orig", None), "sqlstate", None)
    if code in ("55P03", "40P01", "40001"):
        return True
    text_ = str(getattr(err, "orig", err)).lower()
    return "database is locked" in text_ or "database is busy" in text_ or \
        "database table is locked" in text_


@dataclass(frozen=True)
class KB:
    """An open knowledge base."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]
    write_factory: sessionmaker[Session] | None = None
    # threads holding a write session of this KB (a nested session there cannot take the lock)
    _writers: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    _writers_lock: threading.Lock = field(default_factory=threading.Lock, compare=False,
                                          repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self, *, write: bool = True, track: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on error.

        It takes the write lock when it begins (other writers queue; readers go on);
        ``write=False`` for a transaction that only reads (no lock, no waiting). A session
        opened in a thread that already holds a write session of this KB reads only (it could
        not get the lock its own thread holds). ``track=False``: do not mark this thread (for a
        session entered and left in different threads, as FastAPI's dependencies are)."""
        me = threading.get_ident()
        with self._writers_lock:
            locking = write and self.write_factory is not None and not self._writers.get(me)
            if locking and track:
                self._writers[me] = 1
        s = (self.write_factory if locking else self.factory)()  # type: ignore[misc]
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
            if locking and track:
                with self._writers_lock:
                    self._writers.pop(me, None)

    def write(self, work: Callable[[Session], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        """``work(session)`` in one write transaction, tried again (after a short random
        wait) when it failed only because other writers held the database too long."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session(write=True) as s:
                    return work(s)
            except DBAPIError as err:
                if not is_busy(err) or attempt == attempts:
                    if is_busy(err):
                        raise DatabaseError(f"{_display(self.url)}: 数据库忙，稍后再试 (the "
                                            f"database stayed busy with other writers; "
                                            f"try again)") from err
                    raise
                time.sleep(random.uniform(0.2, 1.0) * attempt)
        raise AssertionError("unreachable")

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
        memory = full in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in full
        # enough connections for the API's in-flight requests, its job runner and health
        # checks; a request that still finds none waits POOL_TIMEOUT s, then gets a 503
        pool = {} if memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE,
                                  "pool_timeout": POOL_TIMEOUT}
        engine = create_engine(full, future=True, **pool)
    except (ArgumentError, ImportError) as err:
        raise DatabaseError(f"{_display(full)}: 无法打开 (cannot open: {err})") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _pg_begin)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as err:
        engine.dispose()
        raise DatabaseError(f"{_display(full)}: 无法连接 (cannot connect: {db_problem(err)})") from err
    return KB(url=full, engine=engine, factory=sessionmaker(engine, expire_on_commit=False),
              write_factory=sessionmaker(engine.execution_options(**{_WRITE: True}),
                                         expire_on_commit=False))


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
        with kb.engine.execution_options(**{_WRITE: True}).connect() as conn:
            sqlite = kb.dialect == "sqlite"
            if sqlite:  # batch migrations copy and drop tables that other tables refer to
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg = _alembic_config(kb)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise DatabaseError(f"{_display(kb.url)}: 升级后外键不一致，未做改动 "
                                            f"(foreign keys broken by the migration; rolled back)")
            finally:
                if sqlite:
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
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
    else:
        _check_revision(kb)
    return kb


def head_revision() -> str:
    """The newest migration (revision ids are the file stems of one numbered line)."""
    return max(p.stem for p in (_MIGRATIONS / "versions").glob("[0-9]*.py"))


def _check_revision(kb: KB) -> None:
    """A KB written by another version of gxatlas is one clear error, not a missing table
    at the first query."""
    try:
        with kb.engine.connect() as conn:
            stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as err:
        kb.dispose()
        raise DatabaseError(f"{_display(kb.url)}: 无法读取 (cannot read: {db_problem(err)})") from err
    head = head_revision()
    if stored == head:
        return
    kb.dispose()
    if stored is None or stored < head:
        raise DatabaseError(f"{_display(kb.url)}: 知识库结构较旧，请运行 `gxatlas init` 升级 (the "
                            f"schema is at {stored or 'no revision'}, this gxatlas needs {head}; `gxatlas init` "
                            f"upgrades it and keeps the data)")
    raise DatabaseError(f"{_display(kb.url)}: 知识库由更新版本的 gxatlas 写入 (schema {stored}, "
                        f"newer than this gxatlas's {head}; upgrade gxatlas)")
