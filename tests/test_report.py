"""Region briefs (HTML/XLSX/PDF) and the `gxatlas report` / `gxatlas users` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from api_sample_kb import build_sample_kb
from gxatlas.cli import main
from gxatlas.errors import GxatlasError
from gxatlas.kb.store import KB
from gxatlas.report import build_brief, write_report


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("report") / "kb.sqlite"
    kb, _tokens = build_sample_kb(path)
    kb.dispose()
    yield path


@pytest.fixture()
def kb(kb_path: Path) -> Iterator[KB]:
    from gxatlas.kb.store import open_kb

    opened = open_kb(f"sqlite:///{kb_path}")
    yield opened
    opened.dispose()


def test_brief_has_every_section_and_cites_its_rows(kb: KB) -> None:
    with kb.session() as s:
        brief = build_brief(s, region="南宁")
    assert brief.region == "南宁市"
    keys = [sec.key for sec in brief.sections]
    assert keys == ["targets", "parks", "chains", "partners", "audit"]
    parks = brief.sections[1]
    assert any(row[0] == "南宁高新技术产业开发区" for row in parks.rows)
    assert len(parks.sources) == len(parks.rows) and all(parks.sources)
    assert parks.chart and parks.chart["labels"]
    for sec in brief.sections:
        assert sec.rows or sec.note, sec.key  # empty sections say why


def test_unknown_region_and_format_are_one_line_errors(kb: KB, tmp_path: Path) -> None:
    with kb.session() as s:
        with pytest.raises(GxatlasError, match="未知地区"):
            build_brief(s, region="火星")
        with pytest.raises(GxatlasError, match="不支持的报告格式"):
            write_report(s, region="南宁", out=tmp_path / "brief.docx")


def test_html_report_is_self_contained_with_chart_and_citations(kb: KB, tmp_path: Path) -> None:
    out = tmp_path / "nanning.html"
    with kb.session() as s:
        write_report(s, region="南宁", out=out)
    text = out.read_text(encoding="utf-8")
    assert "南宁市 产业简报" in text and "<svg" in text and "示例规划 (测试用)" in text
    assert "http://" not in text.replace("http://www.w3.org", "")
    assert "<script" not in text


def test_xlsx_report_has_sheets_citations_and_native_chart(kb: KB, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "nanning.xlsx"
    with kb.session() as s:
        write_report(s, region="南宁", out=out)
    book = openpyxl.load_workbook(out)
    assert {"简报", "园区", "规划目标与进展"} <= set(book.sheetnames)
    sheet = book["园区"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "园区" and "出处" in header
    assert sheet._charts, "native bar chart"


def test_pdf_report_renders_chinese(kb: KB, tmp_path: Path) -> None:
    import pdfplumber

    out = tmp_path / "nanning.pdf"
    with kb.session() as s:
        write_report(s, region="南宁", out=out)
    with pdfplumber.open(out) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "南宁市 产业简报" in text and "南宁高新技术产业开发区" in text


def test_cli_users_lifecycle_and_report(kb_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", f"sqlite:///{kb_path}"]
    added = runner.invoke(main, [*db, "users", "add", "analyst", "--role", "write"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().split(": ", 1)[1]
    assert token.startswith("gxa_")
    listed = runner.invoke(main, [*db, "users", "list", "--json"])
    assert '"analyst"' in listed.stdout and token not in listed.stdout
    dup = runner.invoke(main, [*db, "users", "add", "analyst"])
    assert dup.exit_code == 1 and "exists" in dup.stderr
    bad_role = runner.invoke(main, [*db, "users", "add", "x", "--role", "root"])
    assert bad_role.exit_code != 0
    revoked = runner.invoke(main, [*db, "users", "revoke", "analyst"])
    assert revoked.exit_code == 0
    out = tmp_path / "brief.html"
    rep = runner.invoke(main, [*db, "report", "--region", "南宁", "--out", str(out)])
    assert rep.exit_code == 0 and out.exists()
    bad = runner.invoke(main, [*db, "report", "--region", "火星", "--out", str(out)])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1
