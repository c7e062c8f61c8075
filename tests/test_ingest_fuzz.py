"""Fuzzing: whatever the bytes and the extension, read() returns a Document or raises InputError."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gxatlas.errors import InputError
from gxatlas.ingest import SUPPORTED, Document, read
from gxatlas.ingest.decode import decode

_spec = importlib.util.spec_from_file_location(
    "ingest_fixtures", Path(__file__).parent / "fixtures" / "ingest" / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_VALID = {".pdf": fx.pdf(), ".docx": fx.docx(), ".xlsx": fx.xlsx(), ".html": fx.html(), ".csv": fx.csv_text(),
          ".txt": fx.txt_gbk()}


def _read_or_input_error(path: Path) -> None:
    try:
        doc = read(path)
    except InputError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(doc, Document)
    assert len(doc.offsets) == len(doc.text) + 1


@_SETTINGS
@given(data=st.binary(max_size=2048))
def test_decode_random_bytes(data: bytes) -> None:
    try:
        decoded = decode(data, source="fuzz")
    except InputError:
        return
    assert isinstance(decoded.text, str)


@_SETTINGS
@given(text=st.text(max_size=300), codec=st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"]))
def test_decode_encoded_text(text: str, codec: str) -> None:
    data = text.encode(codec, errors="replace")
    try:
        decode(data, source="fuzz")
    except InputError:
        return


@pytest.mark.parametrize("ext", SUPPORTED)
def test_read_random_bytes(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"fuzz{ext}"

    @_SETTINGS
    @given(data=st.binary(max_size=4096))
    def run(data: bytes) -> None:
        path.write_bytes(data)
        _read_or_input_error(path)

    run()


@pytest.mark.parametrize("ext", sorted(_VALID))
def test_read_mutated_valid_files(tmp_path: Path, ext: str) -> None:
    """Valid files with bytes overwritten, cut or inserted: the parsers see damaged structure."""
    path = tmp_path / f"mutant{ext}"
    valid = _VALID[ext]

    @_SETTINGS
    @given(edits=st.lists(st.tuples(st.integers(0, len(valid)), st.binary(min_size=0, max_size=8),
                                    st.integers(0, 8)), min_size=1, max_size=4),
           cut=st.integers(1, len(valid)))
    def run(edits: list[tuple[int, bytes, int]], cut: int) -> None:
        data = bytearray(valid)
        for pos, new, drop in edits:
            data[pos:pos + drop] = new
        path.write_bytes(bytes(data[: max(cut, len(data) // 2)]))
        _read_or_input_error(path)

    run()
