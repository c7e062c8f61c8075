"""What a batch reader hands storing: the document's profile as its extraction made it (with
the KB's names), which storing records instead of annotating the document again — the same
kind, main region and date as the profile of the document alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gxatlas.extract import extract, extract_with_profile
from gxatlas.extract.gazetteer import build_gazetteer
from gxatlas.extract.profile import document_profile
from gxatlas.ingest import isolate, read
from gxatlas.ingest.limits import Limits
from gxatlas.pipeline import batch_reader

FIXTURES = Path(__file__).parent / "fixtures"
# names a KB may know, among them ones that contain a place name (a park named after its city)
KNOWN = build_gazetteer(known_parks=["南宁经济技术开发区", "示例高新技术产业开发区"],
                        known_enterprises=["柳州示例汽车有限公司", "广西示例科技有限公司"],
                        known_projects=["示例港区码头工程"])


def _documents() -> list[Path]:
    shared = Path(os.environ.get("GXATLAS_SHARED", Path(__file__).resolve().parents[2] /
                                 "shared"))
    files = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".txt", ".md"))
    for sub in ("corpus/seeds", "corpus/real"):
        if (shared / sub).is_dir():
            files += sorted(p for p in (shared / sub).iterdir() if p.suffix in (".txt", ".html"))
    return files


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_the_profile_storing_records_is_the_documents_own(path: Path) -> None:
    doc = read(path)
    facts, profile = extract_with_profile(doc, gazetteer=KNOWN)
    alone = document_profile(doc)
    assert (profile.genre, profile.region, profile.written) == \
        (alone.genre, alone.region, alone.written)
    assert facts == extract(doc, gazetteer=KNOWN)


@pytest.mark.parametrize("forking", [True, False], ids=["forker", "fork-per-file"])
def test_a_batch_reader_reads_as_extract_does(forking: bool,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolate, "FORKER", forking and isolate.FORKER)  # as without pidfds
    files = [p for p in _documents() if p.parent == FIXTURES or FIXTURES in p.parents][:4]
    assert files, "no fixture documents"
    for limits in (Limits(), Limits(timeout_s=0, max_memory_mb=0)):  # children; in process
        with batch_reader(limits=limits) as reader:
            first = reader.read(files[0])
            reader.know(KNOWN)
            rest = [reader.read(p) for p in files[1:]]
        assert first.facts == extract(read(files[0]))
        for p, got in zip(files[1:], rest):
            assert got.doc == read(p) and got.facts == extract(read(p), gazetteer=KNOWN)
