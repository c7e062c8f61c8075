"""`gxatlas ingest`: one transaction per file, idempotent, replaces only its own facts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from gxatlas.cli import main
from gxatlas.kb.models import Document, Evidence, Park
from gxatlas.kb.store import open_kb

FIX = Path(__file__).parent / "fixtures" / "kb"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def counts(url: str) -> tuple[int, int, int]:
    kb = open_kb(url)
    with kb.session() as s:
        return (s.scalar(select(func.count()).select_from(Document)),
                s.scalar(select(func.count()).select_from(Evidence)),
                s.scalar(select(func.count()).select_from(Park)))


def test_ingest_and_replace_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """The ingest transaction, no-op and replacement behave the same on PostgreSQL."""
    assert run("--db", pg_url, "init").exit_code == 0
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    r = run("--db", pg_url, "ingest", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["status"] == "added"
    assert json.loads(run("--db", pg_url, "ingest", str(f), "--json").stdout)[0]["status"] \
        == "unchanged"
    f.write_text(f.read_text(encoding="utf-8").replace("3000", "3500"), encoding="utf-8")
    assert json.loads(run("--db", pg_url, "ingest", str(f), "--json").stdout)[0]["status"] \
        == "replaced"


def test_ingest_then_reingest_is_noop(atlas_url: str, tmp_path: Path) -> None:
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    r = run("--db", atlas_url, "ingest", str(f), "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)[0]
    assert first["status"] == "added" and first["facts"] > 0
    before = counts(atlas_url)
    r = run("--db", atlas_url, "ingest", str(f), "--json")
    assert json.loads(r.stdout)[0]["status"] == "unchanged"
    assert counts(atlas_url) == before


def test_every_stored_fact_has_a_span(atlas_url: str, tmp_path: Path) -> None:
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    assert run("--db", atlas_url, "ingest", str(f)).exit_code == 0
    kb = open_kb(atlas_url)
    with kb.session() as s:
        doc = s.scalars(select(Document).where(Document.key == "plan_a")).one()
        evs = list(s.scalars(select(Evidence).where(Evidence.document_id == doc.id)))
        assert evs
        for ev in evs:
            assert 0 <= ev.start < ev.end <= len(doc.text)
            assert ev.alignment in ("exact", "fuzzy")


def test_ingest_resolves_to_atlas_or_creates_once(atlas_url: str, tmp_path: Path) -> None:
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    run("--db", atlas_url, "ingest", str(f))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        from gxatlas.kb.resolve import find

        a = find(s, "park", "广西—东盟经济技术开发区")
        b = find(s, "park", "广西一东盟经济开发区")
        assert a is not None and b is not None and a.id == b.id


def test_changed_file_replaces_only_its_facts(atlas_url: str, tmp_path: Path) -> None:
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    run("--db", atlas_url, "ingest", str(f))
    atlas_evidence = _atlas_evidence(atlas_url)
    f.write_text(f.read_text(encoding="utf-8").replace("3000", "3500"), encoding="utf-8")
    r = run("--db", atlas_url, "ingest", str(f), "--json")
    assert json.loads(r.stdout)[0]["status"] == "replaced"
    assert _atlas_evidence(atlas_url) == atlas_evidence
    kb = open_kb(atlas_url)
    with kb.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)
                        .where(Document.key == "plan_a")) == 1
        vals = [json.dumps(v, ensure_ascii=False) for v in s.scalars(
            select(Evidence.value).join(Document).where(Document.key == "plan_a"))]
        assert not any("3000" in v for v in vals)


def _atlas_evidence(url: str) -> int:
    kb = open_kb(url)
    with kb.session() as s:
        return s.scalar(select(func.count()).select_from(Evidence)
                        .where(Evidence.origin == "atlas"))


def test_bad_file_reported_batch_goes_on(atlas_url: str, tmp_path: Path) -> None:
    good = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", good)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    before = counts(atlas_url)
    r = run("--db", atlas_url, "ingest", str(empty), str(binary), str(good), "--json")
    assert r.exit_code == 1
    assert "empty.txt" in r.stderr and "bin.txt" in r.stderr
    assert [x["document"] for x in json.loads(r.stdout)] == ["plan_a"]
    docs_after = counts(atlas_url)[0]
    assert docs_after == before[0] + 1


def test_show_document_marks_facts(atlas_url: str, tmp_path: Path) -> None:
    f = tmp_path / "plan_a.txt"
    shutil.copy(FIX / "plan_a.txt", f)
    run("--db", atlas_url, "ingest", str(f))
    r = run("--db", atlas_url, "show", "document", "plan_a")
    assert r.exit_code == 0 and "extracted facts" in r.stdout
