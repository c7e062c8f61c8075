"""gxatlas.ingest.read: each format and encoding to a Document; iter_files; the real seeds."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from gxatlas.ingest import SUPPORTED, Document, detect_variant, iter_files, read
from gxatlas.ingest.decode import decode
from gxatlas.ingest.read import pick_title

_spec = importlib.util.spec_from_file_location(
    "ingest_fixtures", Path(__file__).parent / "fixtures" / "ingest" / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "seeds"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return fx.build(tmp_path_factory.mktemp("ingest"))


def _check_offsets(doc: Document) -> None:
    assert len(doc.offsets) == len(doc.text) + 1
    assert doc.offsets[-1] == len(doc.original)
    assert all(a <= b for a, b in zip(doc.offsets, doc.offsets[1:]))


# --- text encodings --------------------------------------------------------------------------

@pytest.mark.parametrize("name, encoding", [
    ("utf8.txt", "utf-8"), ("bom.txt", "utf-8-sig"), ("gbk.txt", "gb18030"), ("plan.md", "utf-8"),
])
def test_simplified_text_encodings(files: dict[str, Path], name: str, encoding: str) -> None:
    doc = read(files[name])
    assert doc.encoding == encoding
    assert doc.format == "txt"
    assert doc.variant == "simplified"
    assert doc.title == fx.TITLE
    assert fx.PARA_2 in doc.original
    assert not doc.original.startswith("\ufeff")
    assert doc.name == Path(name).stem
    assert doc.sha256 == hashlib.sha256(files[name].read_bytes()).hexdigest()
    _check_offsets(doc)


def test_big5_is_detected_and_traditional(files: dict[str, Path]) -> None:
    doc = read(files["big5.txt"])
    assert doc.encoding == "big5"
    assert doc.variant == "traditional"
    assert fx.TRADITIONAL in doc.original
    assert doc.title == "示例市产业报告"  # titles are simplified


@pytest.mark.parametrize("text", [
    "广西", "产业园区", "中国—东盟", "2020年GDP", "北部湾经济区", fx.PARA_1, fx.TITLE + "\n" + fx.PARA_2,
])
def test_gbk_and_big5_short_texts(text: str) -> None:
    assert decode(text.encode("gbk"), source="t").text == text
    assert decode(text.encode("gb18030"), source="t").text == text


@pytest.mark.parametrize("text", ["廣西", "產業園區", "電子資訊", fx.TRADITIONAL, "「示例」與合作"])
def test_big5_short_texts(text: str) -> None:
    decoded = decode(text.encode("big5"), source="t")
    assert decoded.text == text
    assert decoded.encoding == "big5"


def test_utf16_with_bom() -> None:
    data = "\ufeff示例文本".encode("utf-16-le")
    assert decode(data, source="t").text == "示例文本"


def test_declared_charset_is_used_when_it_decodes() -> None:
    data = "示例".encode("gbk")
    assert decode(data, source="t", declared="GB2312").encoding == "gb18030"
    # valid UTF-8 wins over a wrong declaration
    assert decode("示例".encode("utf-8"), source="t", declared="iso-8859-1").text == "示例"


def test_detect_variant() -> None:
    assert detect_variant(fx.TRADITIONAL) == "traditional"
    assert detect_variant(fx.PARA_1) == "simplified"
    assert detect_variant("ABC 123") == "simplified"


# --- other formats -----------------------------------------------------------------------------

def test_docx_paragraphs_and_tables_in_body_order(files: dict[str, Path]) -> None:
    doc = read(files["table.docx"])
    assert doc.format == "docx" and doc.encoding == "binary"
    lines = doc.original.splitlines()
    assert lines[0] == fx.TITLE
    rows = ["\t".join(r) for r in fx.TABLE]
    assert lines == [fx.TITLE, fx.PARA_1, *rows, fx.PARA_2]
    assert doc.title == fx.TITLE
    _check_offsets(doc)


def test_html_main_text_without_navigation(files: dict[str, Path]) -> None:
    doc = read(files["page.html"])
    assert doc.format == "html"
    assert doc.encoding == "gb18030"  # declared gbk, read as its superset
    assert doc.title == fx.TITLE
    assert fx.PARA_1 in doc.original and fx.PARA_2 in doc.original
    assert "\t".join(fx.TABLE[1]) in doc.original
    for chrome in ("网站首页", "导航菜单", "版权所有"):
        assert chrome not in doc.original


def test_xlsx_rows_as_tab_separated_lines(files: dict[str, Path]) -> None:
    doc = read(files["sheet.xlsx"])
    assert doc.format == "xlsx"
    lines = doc.original.splitlines()
    assert lines[:3] == ["\t".join(r) for r in fx.TABLE]
    assert lines[3] == "增速\t0.125"
    assert lines[4] == ""  # the empty row separating two blocks
    assert lines[5] == "更新日期\t2024-05-01"
    assert doc.title == "sheet"  # no metadata title, no title line in a table: the file name


def test_csv_rows_as_tab_separated_lines(files: dict[str, Path]) -> None:
    doc = read(files["table.csv"])
    assert doc.format == "csv" and doc.encoding == "utf-8"
    lines = doc.original.splitlines()
    assert lines[:3] == ["\t".join(r) for r in fx.TABLE]
    assert lines[3] == "备注\t含,逗号的单元格"


def test_pdf_text_layer(files: dict[str, Path]) -> None:
    doc = read(files["plan.pdf"])
    assert doc.format == "pdf" and doc.encoding == "binary"
    assert doc.title == fx.TITLE
    assert fx.PARA_1 in doc.original and fx.PARA_2 in doc.original
    assert "\n\n第二页" in doc.original  # pages separated by a blank line
    _check_offsets(doc)


def test_pdf_encrypted_without_user_password_is_read(files: dict[str, Path]) -> None:
    assert fx.PARA_1 in read(files["owner_only.pdf"]).original


def test_content_wins_over_extension(files: dict[str, Path]) -> None:
    doc = read(files["pdf_named.txt"])
    assert doc.format == "pdf"
    assert fx.PARA_1 in doc.original


def test_normalized_text_maps_back(files: dict[str, Path]) -> None:
    doc = read(files["big5.txt"])
    start = doc.text.index("示例市")
    o_start, o_end = doc.to_original(start, start + 3)
    assert doc.original[o_start:o_end] == "示例市"


def test_pick_title() -> None:
    assert pick_title("\n  12 \n——\n北 部 湾 规划\n正文") == "北部湾规划"
    assert pick_title("a\tb\tc\n", metadata="Microsoft Word - 文档1.docx") == ""
    assert pick_title("正文第一行", metadata="  元数据 标题 ") == "元数据标题"
    assert len(pick_title("长" * 500)) <= 80


# --- iter_files ----------------------------------------------------------------------------------

def test_iter_files_walks_sorted_and_skips(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.pdf", "sub/c.docx", "sub/d.exe", ".hidden.txt", ".git/e.txt", "~$lock.docx",
                "Upper.HTML"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert found == ["Upper.HTML", "a.pdf", "b.txt", "sub/c.docx"]
    named = tmp_path / "sub" / "d.exe"
    assert list(iter_files([named, tmp_path / "missing.txt"])) == [named, tmp_path / "missing.txt"]


def test_supported_extensions() -> None:
    assert set(SUPPORTED) == {".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".xlsx", ".csv"}


# --- the real seeds ------------------------------------------------------------------------------

def _seeds() -> list[Path]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS.resolve()} (needs ../shared next to the repo)")
    found = sorted(SEEDS.glob("*.txt"))
    if not found:
        pytest.skip(f"no .txt seeds in {SEEDS.resolve()}")
    return found


@pytest.mark.seeds
def test_seeds_read() -> None:
    variants = set()
    for path in _seeds():
        doc = read(path)
        raw = path.read_bytes()
        assert doc.format == "txt"
        assert doc.encoding == "utf-8"
        assert doc.sha256 == hashlib.sha256(raw).hexdigest()
        assert doc.original == raw.decode("utf-8")
        assert doc.title and doc.text
        _check_offsets(doc)
        variants.add(doc.variant)
    assert variants == {"simplified", "traditional"}


@pytest.mark.seeds
def test_seeds_reencoded_are_detected(tmp_path: Path) -> None:
    for path in _seeds():
        doc = read(path)
        codec = "big5" if doc.variant == "traditional" else "gb18030"
        data = doc.original.encode(codec, errors="replace")
        target = tmp_path / path.name
        target.write_bytes(data)
        again = read(target)
        assert again.original == data.decode(codec)
        assert again.variant == doc.variant
