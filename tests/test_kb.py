"""The knowledge base: opening, migrations, idempotent init, resolution, search, bad --db."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gxatlas.cli import main
from gxatlas.errors import DatabaseError
from gxatlas.kb.models import Alias, Evidence, Park
from gxatlas.kb.resolve import find, get_or_create, loose_key
from gxatlas.kb.search import search
from gxatlas.kb.store import open_kb, resolve_url


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


# --- URLs and bad databases ---------------------------------------------------------------

def test_resolve_url_forms(tmp_path: Path) -> None:
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert resolve_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(DatabaseError, match="unknown database URL scheme 'mysql'"):
        resolve_url("mysql://u@h/db")


def test_cli_unknown_scheme_is_one_line_error() -> None:
    code, out, err = run("--db", "mysql://x/y", "stats")
    assert code == 1
    assert err.strip().count("\n") == 0 and "unknown database URL scheme" in err


def test_cli_non_database_file_is_refused_and_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not a database\n" * 10)
    before = bad.read_bytes()
    code, _, err = run("--db", str(bad), "init")
    assert code == 1 and "not a SQLite database" in err and err.count("\n") == 1
    assert bad.read_bytes() == before


def test_cli_corrupt_sqlite_header(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    code, _, err = run("--db", str(bad), "init")
    assert code == 1 and err.count("\n") == 1 and "corrupt.sqlite" in err


def test_cli_missing_database_says_run_init(tmp_path: Path) -> None:
    code, _, err = run("--db", str(tmp_path / "none.sqlite"), "stats")
    assert code == 1 and "gxatlas init" in err
    assert not (tmp_path / "none.sqlite").exists()


def test_foreign_sqlite_database_refused(tmp_path: Path) -> None:
    import sqlite3

    p = tmp_path / "other.sqlite"
    con = sqlite3.connect(p)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    code, _, err = run("--db", str(p), "init")
    assert code == 1 and "not a gxatlas knowledge base" in err


def test_older_or_newer_schema_is_one_line_error(tmp_path: Path) -> None:
    import sqlite3

    from old_kb import kb_at_revision

    from gxatlas.kb.store import head_revision

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    kb_at_revision(url, "0003").dispose()
    code, _, err = run("--db", url, "monitor")
    assert code == 1 and "gxatlas init" in err and "0003" in err and head_revision() in err
    assert "Traceback" not in err and "no such table" not in err
    assert run("--db", url, "init")[0] == 0  # init upgrades it, then it opens
    assert run("--db", url, "stats")[0] == 0
    con = sqlite3.connect(tmp_path / "old.sqlite")
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    code, _, err = run("--db", url, "stats")
    assert code == 1 and "newer" in err and "9999_future" in err


# --- init ---------------------------------------------------------------------------------

def test_init_twice_changes_nothing(any_kb_url: str) -> None:
    code, out, _ = run("--db", any_kb_url, "init", "--json")
    assert code == 0, out
    first = json.loads(out)
    assert first["added"]["region"] > 100
    code, out, _ = run("--db", any_kb_url, "init", "--json")
    second = json.loads(out)
    assert second["added"] == {}
    assert second["counts"] == first["counts"]


def test_stats_json_shape(atlas_url: str) -> None:
    code, out, _ = run("--db", atlas_url, "stats", "--json")
    assert code == 0
    st = json.loads(out)
    assert set(st) == {"counts", "by_city"}
    for k in ("park", "enterprise", "project", "indicator", "policy", "region"):
        assert isinstance(st["counts"][k], int)
    assert st["counts"]["region"] >= 14 + 1


def test_default_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("GXATLAS_DB", url)
    code, _, _ = run("init")
    assert code == 0 and (tmp_path / "env.sqlite").exists()


# --- entity resolution ------------------------------------------------------------------------

def test_resolution_unifies_spellings(any_kb_url: str) -> None:
    kb = open_kb(any_kb_url, create=True)
    with kb.session() as s:
        a, created = get_or_create(s, "park", "广西—东盟经济技术开发区")
        assert created
        b, created = get_or_create(s, "park", "广西一东盟经济开发区")  # PDF 一, 技术 dropped
        assert not created and b.id == a.id
        c, created = get_or_create(s, "park", "廣西—東盟經濟技術開發區")  # traditional
        assert not created and c.id == a.id
        aliases = {x.alias for x in s.scalars(select(Alias).where(Alias.entity_id == a.id,
                                                                 Alias.entity_type == "park"))}
        assert "广西—东盟经济开发区" in aliases
        assert find(s, "park", "广西 — 东盟经济技术开发区").id == a.id


def test_loose_key_is_ambiguity_safe(any_kb_url: str) -> None:
    kb = open_kb(any_kb_url, create=True)
    with kb.session() as s:
        get_or_create(s, "park", "南宁经济技术开发区")
        get_or_create(s, "park", "南宁经济开发区北区")
        assert find(s, "park", "南宁经济开发区") is not None
    assert loose_key("enterprise", "广西柳工集团有限公司") == loose_key("enterprise", "柳工")


def test_failed_transaction_leaves_nothing(any_kb_url: str) -> None:
    kb = open_kb(any_kb_url, create=True)
    with pytest.raises(RuntimeError):
        with kb.session() as s:
            get_or_create(s, "park", "某某工业园区")
            raise RuntimeError("boom")
    with kb.session() as s:
        assert s.scalar(select(func.count()).select_from(Park)) == 0


# --- search --------------------------------------------------------------------------------

@pytest.mark.parametrize("query,expect", [("柳州", "柳州市"), ("柳 州", "柳州市"),
                                          ("廣西", "广西壮族自治区"), ("南宁", "南宁市")])
def test_search_chinese_traditional_spaced(atlas_url: str, query: str, expect: str) -> None:
    kb = open_kb(atlas_url)
    with kb.session() as s:
        titles = [h.title for h in search(s, query, limit=5)]
    assert expect in titles, titles


def test_search_cli_shows_type(atlas_url: str) -> None:
    code, out, _ = run("--db", atlas_url, "search", "柳 州", "--json")
    hits = json.loads(out)
    assert code == 0 and hits and {"type", "title"} <= set(hits[0])


def test_search_two_character_word(atlas_url: str) -> None:
    """Two-character words are where trigram indexes fail; segmentation must find them."""
    kb = open_kb(atlas_url)
    with kb.session() as s:
        assert search(s, "钦州", limit=5)


# --- show ---------------------------------------------------------------------------------

def test_show_region_json(atlas_url: str) -> None:
    code, out, _ = run("--db", atlas_url, "show", "region", "南宁", "--json")
    d = json.loads(out)
    assert code == 0 and d["code"] == "450100" and d["level"] == "prefecture"


def test_show_unknown_entity_one_line(atlas_url: str) -> None:
    code, _, err = run("--db", atlas_url, "show", "park", "不存在的园区")
    assert code == 1 and "no park called" in err


def test_show_park_with_citations(atlas_url: str) -> None:
    kb = open_kb(atlas_url)
    with kb.session() as s:
        park = s.scalars(select(Park).join(Evidence, Evidence.entity_id == Park.id)
                         .where(Evidence.entity_type == "park")).first()
        if park is None:
            pytest.skip("the bundled atlas has no parks yet")
        name = park.name
    code, out, _ = run("--db", atlas_url, "show", "park", name, "--json")
    d = json.loads(out)
    assert code == 0 and d["facts"]
    assert all(f["source"]["document"] and f["source"].get("at") for f in d["facts"])


# --- PostgreSQL -------------------------------------------------------------------------------

@pytest.mark.postgres
def test_postgres_init_search_show(pg_url: str) -> None:
    code, out, err = run("--db", pg_url, "init", "--json")
    assert code == 0, err
    assert json.loads(out)["added"]["region"] > 100
    code, out, _ = run("--db", pg_url, "init", "--json")
    assert json.loads(out)["added"] == {}
    kb = open_kb(pg_url)
    with kb.session() as s:
        for q, expect in (("柳 州", "柳州市"), ("廣西", "广西壮族自治区"), ("南宁", "南宁市"),
                          ("钦州", "钦州市")):
            assert expect in [h.title for h in search(s, q, limit=5)]
        # show a park with its citations, as on SQLite
        park = s.scalars(select(Park)).first()
        name = park.name if park is not None else None
    if name:
        code, out, _ = run("--db", pg_url, "show", "park", name, "--json")
        assert code == 0 and json.loads(out)["facts"]
    code, out, _ = run("--db", pg_url, "show", "region", "南宁", "--json")
    assert code == 0 and json.loads(out)["code"] == "450100"
    kb.dispose()
