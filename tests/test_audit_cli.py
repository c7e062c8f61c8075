"""`gxatlas audit FILE|DOCUMENT_ID`: a readable table, or one JSON finding per line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.cli import main

FIX = Path(__file__).parent / "fixtures" / "audit"
FIELDS = {"rule", "severity", "indicator", "values", "message", "evidence"}


def _run(*args: str):
    return CliRunner(env={"COLUMNS": "240"}).invoke(main, list(args))


def test_audit_file_jsonl() -> None:
    res = _run("audit", str(FIX / "planted.txt"), "--format", "jsonl")
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert lines and all(set(x) == FIELDS for x in lines)
    assert {x["rule"] for x in lines} >= {"MULTIPLIER_AMBIGUOUS", "SHARE_IMPOSSIBLE",
                                          "COUNT_MISMATCH"}
    assert all(x["severity"] in ("error", "warning") for x in lines)
    assert all(e["quote"] and e["end"] > e["start"] for x in lines for e in x["evidence"])


def test_audit_clean_file_table() -> None:
    res = _run("audit", str(FIX / "clean.txt"))
    assert res.exit_code == 0 and "0 条问题" in res.output


def test_audit_table_is_readable() -> None:
    res = _run("audit", str(FIX / "planted.txt"))
    assert res.exit_code == 0 and "MULTIPLIER_AMBIGUOUS" in res.output and "第" in res.output


def test_audit_document_id_from_kb(atlas_url: str) -> None:
    assert _run("--db", atlas_url, "ingest", str(FIX / "planted.txt")).exit_code == 0
    from_kb = _run("--db", atlas_url, "audit", "planted", "--format", "jsonl")
    from_file = _run("audit", str(FIX / "planted.txt"), "--format", "jsonl")
    assert from_kb.exit_code == 0, from_kb.output
    assert from_kb.output == from_file.output


def test_audit_unknown_target(atlas_url: str) -> None:
    res = _run("--db", atlas_url, "audit", "no-such-document")
    assert res.exit_code == 1 and "no-such-document" in res.output
