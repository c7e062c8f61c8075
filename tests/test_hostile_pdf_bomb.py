"""Issue 14, row 5: a PDF of about 1 MB whose content stream inflates to 1 GB stops at the
stream limit (pdfminer's inflation is bounded), with one line naming the file and the limit;
and the page count is checked before any page is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main
from gxatlas.errors import InputError
from gxatlas.ingest import read
from gxatlas.ingest.limits import Limits
from hostile_inputs import flate_bomb, pdf_bomb, pdf_with_stream

TEXT = b"BT /F1 12 Tf 72 700 Td (Plan 2025: output 500) Tj ET"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdfbomb") / "bomb.pdf"
    path.write_bytes(pdf_bomb(1 << 30))
    assert path.stat().st_size < 2 << 20
    return path


def test_stream_bomb_stops_at_the_limit(bomb: Path) -> None:
    with pytest.raises(InputError) as info:
        read(bomb)
    message = str(info.value)
    assert message.startswith(f"{bomb}: ") and "\n" not in message
    assert "a stream inflates to more than 64 MB" in message and "max_pdf_stream_mb" in message


def test_all_streams_together_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    path.write_bytes(pdf_with_stream(flate_bomb(8 << 20), pages=1))
    with pytest.raises(InputError, match="max_pdf_stream_mb"):
        read(path, limits=Limits(max_pdf_stream_mb=4))
    with pytest.raises(InputError, match="max_pdf_streams_mb"):
        read(path, limits=Limits(max_pdf_streams_mb=4))


def test_page_count_is_checked_first(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf_with_stream(TEXT, flate=False, pages=30))
    with pytest.raises(InputError, match="the PDF has 30 pages; max_pages = 20"):
        read(path, limits=Limits(max_pages=20))


def test_cli_reports_one_line_in_bounded_memory(bomb: Path) -> None:
    # the reader runs with at most 400 MB more address space than it starts with: a bomb
    # inflated whole would fail with a memory error instead of the stream limit
    r = CliRunner().invoke(main, ["extract", str(bomb), "--limit", "max_memory_mb=400"])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "max_pdf_stream_mb" in r.stderr
