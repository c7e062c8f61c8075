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
    assert keys == ["targets", "parks", "projects", "pool", "chains", "partners", "audit"]
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


# --- what a reader of the three formats sees (issue 15) -----------------------------------

BEIBU_TEXT = "北部湾某市工业产值由2010年的1000亿元增加到2015年的2820亿元，增长2.8倍。"


@pytest.fixture(scope="module")
def nanning(kb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 南宁 brief in the three formats, from the sample KB plus a Beibu Gulf plan (a
    group 南宁 belongs to) whose text has one contradiction."""
    import shutil

    from gxatlas.kb.models import Document
    from gxatlas.kb.resolve import find
    from gxatlas.kb.store import open_kb

    out = tmp_path_factory.mktemp("nanning")
    path = out / "kb.sqlite"
    shutil.copyfile(kb_path, path)
    kb = open_kb(f"sqlite:///{path}")
    with kb.session() as s:
        s.add(Document(key="beibu_plan", title="北部湾示例规划 (测试用)", source="tests",
                       format="txt", kind="plan", text=BEIBU_TEXT, original=BEIBU_TEXT,
                       region_id=find(s, "region", "北部湾经济区").id))
    files = {}
    with kb.session() as s:
        for suffix in ("html", "pdf", "xlsx"):
            files[suffix] = write_report(s, region="南宁", out=out / f"南宁.{suffix}")
    kb.dispose()
    return files


def test_audit_section_shows_findings_of_plans_covering_the_city(nanning) -> None:
    text = nanning["html"].read_text(encoding="utf-8")
    audit = text[text.index('<section id="audit">'):]
    assert "MULTIPLIER_AMBIGUOUS" in audit and "北部湾示例规划 (测试用)" in audit
    assert "未发现问题" not in audit


def test_html_charts_have_their_own_clip_paths(nanning) -> None:
    import re

    text = nanning["html"].read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "duplicate ids"
    refs = re.findall(r"url\(#([^)]+)\)", text)
    assert refs and set(refs) <= set(ids)
    assert text.count("<clipPath") >= 2 and 'id="clip"' not in text


def test_html_summary_comes_first_and_sources_are_not_module_names(nanning) -> None:
    text = nanning["html"].read_text(encoding="utf-8")
    assert text.index('id="summary"') < text.index('id="targets"')
    assert "gxatlas.analysis" not in text
    assert "规划审查：审查" in text


def test_pdf_embeds_its_font_numbers_pages_and_strands_no_heading(nanning) -> None:
    import shutil
    import subprocess

    import pdfplumber

    pdf = nanning["pdf"]
    if shutil.which("pdffonts"):
        lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert lines, "no fonts listed"
        for line in lines:  # name type encoding emb sub uni ...
            assert line.split()[-5:-3] == ["yes", "yes"], line
    titles = {"规划目标与进展", "园区", "产业链与缺口", "合作伙伴", "规划审查发现", "摘要"}
    with pdfplumber.open(pdf) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
        n = len(pages)
        for i, text in enumerate(pages, start=1):
            lines = [x.strip() for x in text.splitlines() if x.strip()]
            assert lines[-1] == f"南宁市 产业简报 · 第 {i} 页 / 共 {n} 页", lines[-1]
            assert lines[-2] not in titles, f"heading stranded at the foot of page {i}"
    assert "摘要" in pages[0] and pages[0].index("摘要") < pages[0].index("规划目标与进展")
    assert "gxatlas.analysis" not in "".join(pages)


def test_pdf_partner_chart_labels_keep_the_scores_apart(nanning) -> None:
    import pdfplumber

    with pdfplumber.open(nanning["pdf"]) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    import re

    start = text.index("合作伙伴综合得分")
    chart = text[start:text.index("地区 得分", start)]  # the chart, before its table
    labels = re.findall(r"(?m)^\S+ (\d+(?:\.\d+)?)$", chart)
    assert len(labels) >= 3 and all(re.fullmatch(r"[01]\.\d\d", v) for v in labels), labels
    assert len(set(labels)) >= 3, labels


def test_pdf_renders_to_images(nanning, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(nanning["pdf"]),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    for page in pages:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 3000, f"{page.name} looks blank ({dark} dark pixels)"
    art = Path(__file__).resolve().parents[1] / "artifacts" / "reports"
    art.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pages[0], art / "nanning_pdf_page1.png")


def test_xlsx_keeps_numbers_as_numbers(nanning) -> None:
    import openpyxl

    book = openpyxl.load_workbook(nanning["xlsx"])
    parks = book["园区"]
    header = [c.value for c in parks[1]]
    col = header.index("规划产值")
    values = [row[col].value for row in parks.iter_rows(min_row=2) if row[0].value]
    assert values and all(isinstance(v, (int, float)) for v in values if v is not None)
    assert any(isinstance(v, (int, float)) for v in values)
    cover = [c.value for c in book["简报"]["A"] if c.value]
    assert "摘要" in cover
