"""Shared test fixtures: the seed documents, throwaway knowledge bases, PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the clone (as CI has it); GXATLAS_SHARED points elsewhere (a worktree)
SHARED = Path(os.environ.get("GXATLAS_SHARED") or REPO.parent / "shared")
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """../shared/corpus/seeds, or skip the test with a clear message."""
    d = SHARED / "corpus" / "seeds"
    if not d.is_dir():
        pytest.skip(f"seed documents not found at {d} (../shared is absent)")
    return d


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    d = SHARED / "eval"
    if not d.is_dir():
        pytest.skip(f"eval data not found at {d} (../shared is absent)")
    return d


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the user's data and cache dirs out of tests (jieba cache included)."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ.setdefault("GXATLAS_CACHE", str(cache))
    os.environ.pop("GXATLAS_DB", None)
    # Starlette's TestClient sends `Host: testserver`; the API allows only listed host names
    # (tests/test_api_hardening.py checks the refusal with a name that is not listed)
    os.environ["GXATLAS_ALLOWED_HOSTS"] = "testserver"


@pytest.fixture()
def kb_url(tmp_path: Path) -> str:
    """A fresh, empty SQLite KB location."""
    return f"sqlite:///{tmp_path / 'kb.sqlite'}"


@pytest.fixture(scope="session")
def _atlas_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gxatlas.kb.load import load_all
    from gxatlas.kb.store import open_kb

    path = tmp_path_factory.mktemp("atlas") / "atlas.sqlite"
    kb = open_kb(f"sqlite:///{path}", create=True)
    with kb.session() as s:
        load_all(s)
    kb.dispose()
    return path


@pytest.fixture()
def atlas_url(_atlas_template: Path, tmp_path: Path) -> str:
    """A SQLite KB with the bundled atlas loaded (a private copy per test)."""
    dst = tmp_path / "atlas.sqlite"
    shutil.copy(_atlas_template, dst)
    return f"sqlite:///{dst}"


@pytest.fixture()
def pg_url() -> str:
    """An empty PostgreSQL database (GXATLAS_TEST_PG_URL), or skip."""
    return _empty_pg()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_kb_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty KB location on each backend: SQLite, and PostgreSQL when it is available."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.sqlite'}"
    return _empty_pg()


@pytest.fixture()
def fresh_pg():
    """A function that empties the PostgreSQL test database (again) and returns its URL."""
    _empty_pg()
    return _empty_pg


def _empty_pg() -> str:
    url = os.environ.get("GXATLAS_TEST_PG_URL")
    if not url:
        pytest.skip("GXATLAS_TEST_PG_URL is not set (CI starts PostgreSQL; see .ci/run)")
    from sqlalchemy import create_engine, text

    from gxatlas.kb.store import resolve_url

    eng = create_engine(resolve_url(url))
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    return url
