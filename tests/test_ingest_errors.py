"""gxatlas.ingest.read on bad input: one clear InputError per problem, naming the file."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from gxatlas.errors import InputError
from gxatlas.ingest import MAX_BYTES, read

_spec = importlib.util.spec_from_file_location(
    "ingest_fixtures", Path(__file__).parent / "fixtures" / "ingest" / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return fx.build(tmp_path_factory.mktemp("ingest-bad"))


def _error(path: Path, **kwargs: int) -> str:
    with pytest.raises(InputError) as info:
        read(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")  # names the file
    assert "\n" not in message  # one line
    assert info.value.source == str(path)
    return message


@pytest.mark.parametrize("name, expected", [
    ("empty.txt", "empty file"),
    ("blank.txt", "no text"),
    ("binary.txt", "binary content"),
    ("png.txt", "binary content: PNG image"),
    ("broken_utf8.txt", "invalid UTF-8 at byte"),
    ("undecodable.txt", "tried UTF-8, GB18030/GBK, Big5"),
    ("scan.pdf", "no text layer; OCR is not done"),
    ("locked.pdf", "encrypted PDF"),
    ("truncated.pdf", "truncated PDF"),
    ("notzip.docx", "not a valid .docx: not a ZIP archive"),
    ("notzip.xlsx", "not a valid .xlsx: not a ZIP archive"),
    ("zip.docx", "not a valid .docx"),
    ("ole.docx", "password-protected Office file"),
    ("page.pdf", "not a PDF: no %PDF- header; the content is an HTML page"),
    ("notes.rtf", "unsupported extension .rtf"),
])
def test_bad_input_message(files: dict[str, Path], name: str, expected: str) -> None:
    assert expected in _error(files[name])


def test_undecodable_names_the_byte_offset(files: dict[str, Path]) -> None:
    message = _error(files["broken_utf8.txt"])
    offset = int(message.rsplit("at byte ", 1)[1].rstrip(")"))
    assert files["broken_utf8.txt"].read_bytes()[offset] == 0xFF


def test_pdf_truncated_anywhere_is_refused(tmp_path: Path) -> None:
    data = fx.pdf()
    for cut in (10, len(data) // 4, len(data) - 40):
        path = tmp_path / f"cut{cut}.pdf"
        path.write_bytes(data[:cut])
        assert "PDF" in _error(path)


def test_corrupt_pdf_body(tmp_path: Path) -> None:
    data = fx.pdf()
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(data[:20] + b"\x00garbage\x00" * 50 + data[-30:])
    assert "corrupt PDF" in _error(path) or "no text layer" in _error(path)


def test_huge_file_is_refused_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: takes no disk space
    assert MAX_BYTES == 100 * 1024 * 1024

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_open)
    assert "file too large: 200.0 MB, the limit is 100.0 MB" in _error(path)


def test_max_bytes_is_a_parameter(files: dict[str, Path]) -> None:
    assert "file too large" in _error(files["utf8.txt"], max_bytes=10)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "missing.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "is a directory" in _error(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_not_a_regular_file(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    assert "not a regular file" in _error(pipe)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("示例", encoding="utf-8")
    path.chmod(0)
    assert "permission denied" in _error(path)


def test_csv_with_binary_content(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n\x00\x01\x02,3\n")
    assert "binary content" in _error(path)


def test_html_with_no_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_bytes(b"<html><head><title></title></head><body><div></div></body></html>")
    assert "no text" in _error(path)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_file_larger_than_stat_says_is_read_whole(tmp_path: Path) -> None:
    link = tmp_path / "status.txt"
    link.symlink_to("/proc/self/status")  # a regular file whose stat size is 0
    assert link.stat().st_size == 0
    assert "Name:" in read(link).original
    with pytest.raises(InputError, match="file too large"):
        read(link, max_bytes=20)


def test_zip_bomb_docx_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gxatlas.ingest.limits import Limits

    path = tmp_path / "bomb.docx"
    path.write_bytes(fx.docx())
    message = _error(path, limits=Limits(max_unzipped_mb=0.001))
    assert "expand to" in message and "max_unzipped_mb" in message
