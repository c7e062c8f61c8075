"""Issue 14, row 1: a document is known by its content and its source, never by its name.

Two different files with the same name stem (in two folders, or `x.docx` beside `x.pdf`, or
two API uploads) are two documents and nothing of the first is lost; a changed file at the
same path (or the same --slot / upload slot) replaces its predecessor and the history stays.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gxatlas.cli import main
from gxatlas.kb.models import Document, DocumentVersion, Evidence
from gxatlas.kb.store import open_kb

_spec = importlib.util.spec_from_file_location(
    "ingest_fixtures", Path(__file__).parent / "fixtures" / "ingest" / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

PLAN_A = "甲市工业发展规划\n到2025年，甲市高新技术产业开发区工业总产值达到800亿元。\n"
PLAN_B = "乙市工业发展规划\n到2025年，乙市经济技术开发区工业总产值达到600亿元。\n"


def ingest(url: str, *args: str) -> list[dict[str, Any]]:
    r = CliRunner().invoke(main, ["--db", url, "ingest", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def evidence_of(url: str, key: str) -> int:
    kb = open_kb(url)
    try:
        with kb.session() as s:
            return s.scalar(select(func.count()).select_from(Evidence).join(Document)
                            .where(Document.key == key)) or 0
    finally:
        kb.dispose()


def documents(url: str) -> dict[str, str]:
    kb = open_kb(url)
    try:
        with kb.session() as s:
            return {d.key: d.title for d in s.scalars(select(Document).where(
                Document.text.is_not(None)))}
    finally:
        kb.dispose()


@pytest.fixture()
def kb(any_kb_url: str) -> str:
    """An empty KB (schema only: the bundled atlas is not needed here)."""
    open_kb(any_kb_url, create=True).dispose()
    return any_kb_url


def test_same_stem_in_two_folders_makes_two_documents(kb: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "规划.txt", tmp_path / "b" / "规划.txt"
    for path, text in ((a, PLAN_A), (b, PLAN_B)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    first = ingest(kb, str(a))[0]
    kept = evidence_of(kb, first["document"])
    assert first["status"] == "added" and kept > 0
    second = ingest(kb, str(b))[0]
    assert second["status"] == "added" and second["document"] != first["document"]
    assert second["document"].startswith("规划-") and "another document is named" in second["note"]
    assert evidence_of(kb, first["document"]) == kept  # nothing of the first is lost
    assert evidence_of(kb, second["document"]) > 0
    assert set(documents(kb)) == {first["document"], second["document"]}


def test_docx_and_pdf_of_one_name_in_one_batch(kb: str, tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(fx.docx())
    (tmp_path / "x.pdf").write_bytes(fx.pdf())
    results = ingest(kb, str(tmp_path))
    assert [r["status"] for r in results] == ["added", "added"]
    assert len({r["document"] for r in results}) == 2
    assert all(evidence_of(kb, r["document"]) > 0 for r in results)


def test_changed_file_at_same_path_replaces_and_keeps_history(kb: str, tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text(PLAN_A, encoding="utf-8")
    first = ingest(kb, str(f))[0]
    f.write_text(PLAN_A.replace("800", "900"), encoding="utf-8")
    second = ingest(kb, str(f))[0]
    assert second["status"] == "replaced" and second["document"] == first["document"]
    assert second["version"] == 2 and "replaced" in second["note"]
    kb_ = open_kb(kb)
    with kb_.session() as s:
        doc = s.scalars(select(Document).where(Document.key == first["document"])).one()
        versions = list(s.scalars(select(DocumentVersion).where(
            DocumentVersion.document_id == doc.id).order_by(DocumentVersion.version)))
        values = json.dumps(list(s.scalars(select(Evidence.value).where(
            Evidence.document_id == doc.id))), ensure_ascii=False)
    kb_.dispose()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].replaced_at is not None and versions[1].replaced_at is None
    assert versions[0].sha256 != versions[1].sha256
    assert "900" in values and "800" not in values
    shown = CliRunner().invoke(main, ["--db", kb, "show", "document", first["document"]])
    assert "version 1" in shown.output and "replaced" in shown.output


def test_same_content_elsewhere_is_unchanged(kb: str, tmp_path: Path) -> None:
    a, b = tmp_path / "one.txt", tmp_path / "copy of one.txt"
    a.write_text(PLAN_A, encoding="utf-8")
    b.write_text(PLAN_A, encoding="utf-8")
    first = ingest(kb, str(a))[0]
    again = ingest(kb, str(b))[0]
    assert again["status"] == "unchanged" and again["same_as"] == first["document"]
    own = ingest(kb, str(a))[0]
    assert own["status"] == "unchanged" and own["same_as"] is None
    assert own["document"] == first["document"]
    assert len(documents(kb)) == 1


def test_slot_says_two_paths_are_one_source(kb: str, tmp_path: Path) -> None:
    v1, v2 = tmp_path / "plan-v1.txt", tmp_path / "plan-v2.txt"
    v1.write_text(PLAN_A, encoding="utf-8")
    v2.write_text(PLAN_A.replace("800", "850"), encoding="utf-8")
    first = ingest(kb, str(v1), "--slot", "甲市规划")[0]
    second = ingest(kb, str(v2), "--slot", "甲市规划")[0]
    assert second["status"] == "replaced" and second["document"] == first["document"]
    assert list(documents(kb)) == [first["document"]]
    r = CliRunner().invoke(main, ["--db", kb, "ingest", str(v1), str(v2), "--slot", "x"])
    assert r.exit_code == 2 and "exactly one file" in r.output


def test_api_uploads_are_documents_by_content_and_slot(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from gxatlas.api.app import create_app
    from gxatlas.api.auth import add_user

    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    kb = open_kb(url, create=True)
    with kb.session() as s:
        _user, token = add_user(s, name="w", role="write")
    client = TestClient(create_app(kb=kb))
    headers = {"Authorization": f"Bearer {token}"}

    def upload(text: str, **data: str) -> dict[str, Any]:
        files = {"file": ("规划.txt", io.BytesIO(text.encode("utf-8")), "text/plain")}
        res = client.post("/api/documents", files=files, data=data, headers=headers)
        assert res.status_code == 202, res.text
        job = client.get(res.json()["url"], headers=headers).json()
        assert job["status"] == "done", job
        return job["result"]

    a = upload(PLAN_A)
    b = upload(PLAN_B)  # same file name, other content: a second document
    assert a["status"] == b["status"] == "added" and a["document"] != b["document"]
    assert upload(PLAN_B)["status"] == "unchanged"
    s1 = upload(PLAN_A.replace("800", "810"), slot="甲市")
    s2 = upload(PLAN_A.replace("800", "820"), slot="甲市")
    assert s1["status"] == "added" and s2["status"] == "replaced"
    assert s2["document"] == s1["document"] and s2["version"] == 2
    assert evidence_of(url, a["document"]) > 0 and evidence_of(url, b["document"]) > 0
    detail = client.get(f"/api/documents/{_doc_id(url, s2['document'])}").json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    kb.dispose()


def _doc_id(url: str, key: str) -> int:
    kb = open_kb(url)
    with kb.session() as s:
        doc_id = s.scalars(select(Document.id).where(Document.key == key)).one()
    kb.dispose()
    return doc_id


def test_migration_gives_old_documents_their_path_and_a_version(tmp_path: Path) -> None:
    from old_kb import kb_at_revision

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    kb = kb_at_revision(url, "0003")
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN_A, encoding="utf-8")
    with kb.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO documents (key, title, source, sha256, text, original) "
            "VALUES ('plan', 't', ?, 'abc', 'x', 'x')", (str(plan),))
        # a row that refers to the document: SQLite's batch migrations copy and drop the
        # documents table, which failed with "FOREIGN KEY constraint failed" on a used KB
        conn.exec_driver_sql(
            "INSERT INTO evidence (entity_type, entity_id, field, document_id, origin) "
            "VALUES ('park', 1, 'name', 1, 'extracted')")
    kb.dispose()
    kb = open_kb(url, create=True)
    with kb.session() as s:
        doc = s.scalars(select(Document)).one()
        assert doc.source_key is not None and doc.version == 1
        assert s.scalar(select(func.count()).select_from(DocumentVersion)) == 1
        assert s.scalar(select(func.count()).select_from(Evidence)) == 1  # kept
    kb.dispose()
    assert ingest(url, str(plan))[0]["status"] == "replaced"  # same path: a new version
