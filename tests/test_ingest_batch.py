"""A document's facts stored as one batch (`gxatlas.kb.factbatch`) leave the same KB as the
statement-at-a-time path (``facts.SessionFacts``, kept for review actions and as this test's
reference), on SQLite and PostgreSQL (issue 16).

The same documents are ingested twice, into two KBs holding the bundled atlas: once as
`gxatlas ingest` stores them, once with each fact stored on its own and each entity indexed on
its own. Every table is then dumped with its surrogate ids left out: a row's id becomes its
rank in its table, and a reference (an entity, fact, document or evidence id) the rank of the
row it points at; rows are compared as sorted lists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from gxatlas.kb import documents
from gxatlas.kb.facts import store_fact
from gxatlas.kb.load import load_all
from gxatlas.kb.models import ENTITY_MODELS, Base
from gxatlas.kb.search import index_entity
from gxatlas.kb.store import open_kb, resolve_url

FIXTURES = Path(__file__).parent / "fixtures"
#: invented documents that exercise resolution: a plan and its restatements, parks, firms,
#: projects, policies, focus statements, tables
INVENTED = ["kb/plan_a.txt", "extract/prose.txt", "extract/park_table.txt",
            "extract/firms_projects.txt", "extract/column_table.txt", "extract/lists.txt",
            "tables/plan_table_rows.txt", "tables/parks_rows.txt", "tables/policies_columns.txt",
            "audit/planted.txt", "heldout2/project_table.txt", "heldout2/invest_news.txt",
            "generalization/city_plan_tab.txt", "generalization/park_intro.txt"]
_SKIP = {"ingested_at", "replaced_at", "reviewed_at", "at", "created_at"}  # clock times


def _seed_files() -> list[Path]:
    shared = Path(os.environ.get("GXATLAS_SHARED", Path(__file__).resolve().parents[2] /
                                 "shared"))
    out = []
    for sub in ("corpus/seeds", "corpus/real"):
        d = shared / sub
        if d.is_dir():
            out += sorted(p for p in d.iterdir() if p.suffix in (".txt", ".html", ".md"))
    return out


def _per_fact(session, facts, doc_id, text, *, threshold, held=None, fresh=False):
    """The reference: each fact stored on its own (``SessionFacts``); it holds no entities
    (``held`` stays empty), so indexing reads them again."""
    out = []
    for fact in facts:
        if fact.evidence is None or fact.evidence.end <= fact.evidence.start:
            continue
        hit = store_fact(session, fact, doc_id, text, threshold=threshold)
        if hit is not None:
            out.append(hit)
    session.flush()
    return out


def _index_each(session, entities) -> None:
    for etype, eid in entities:
        index_entity(session, etype, eid)


def _ingest(url: str, read: list[tuple[Any, Any]], *, reference: bool,
            monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        if reference:
            m.setattr(documents, "store_facts", _per_fact)
            m.setattr(documents, "index_entities", _index_each)
        kb = open_kb(url, create=True)
        if url.startswith("postgresql"):
            with kb.session() as s:
                load_all(s)
        for doc, facts in read + read[:2]:  # the first two again: unchanged, a no-op
            kb.write(lambda s: documents.store_document(s, doc, facts))
        kb.dispose()


_READ: dict[tuple[Path, ...], list[tuple[Any, Any]]] = {}


def _atlas_copy(template: Path, path: Path) -> str:
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def _read(files: list[Path], atlas: str) -> list[tuple[Any, Any]]:
    """Each file's document and facts, read as `gxatlas ingest` reads them (the gazetteer
    from a KB holding the atlas), once per test session."""
    from gxatlas.extract import extract
    from gxatlas.ingest import read
    from gxatlas.kb.names import known_names

    key = tuple(files)
    if key not in _READ:
        kb = open_kb(atlas)
        with kb.session(write=False) as s:
            gazetteer = known_names(s)
        kb.dispose()
        docs = [read(p) for p in files]
        _READ[key] = [(d, extract(d, gazetteer=gazetteer)) for d in docs]
    return _READ[key]


def _plain(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return None
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.dumps(json.loads(v), sort_keys=True, ensure_ascii=False)
        except ValueError:
            return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return v


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows without surrogate ids (see module doc)."""
    engine = create_engine(resolve_url(url))
    tables = [t for t in Base.metadata.sorted_tables if "id" in t.c]
    by_name = {t.name: t for t in tables}
    type_table = {etype: model.__table__.name for etype, model in ENTITY_MODELS.items()}
    with engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
                for t in tables}
    engine.dispose()
    rank = {name: {r["id"]: n for n, r in enumerate(rs)} for name, rs in rows.items()}
    out: dict[str, list[tuple]] = {}
    for name, rs in rows.items():
        table = by_name[name]
        refs = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
        typed = [(c[:-3] + "_type" if c != "entity_id" else "entity_type", c)
                 for c in ("entity_id", "a_id", "b_id") if c in table.c]
        norm = []
        for r in rs:
            row = {}
            for col, v in r.items():
                if col == "id" or col in _SKIP:
                    continue
                if col in refs and v is not None:
                    v = ("ref", rank[refs[col]].get(v, f"missing {v}"))
                row[col] = _plain(v)
            for tcol, icol in typed:
                if r.get(icol) is not None and r.get(tcol) in type_table:
                    row[icol] = ("ref", rank[type_table[r[tcol]]].get(r[icol], "missing"))
            norm.append(tuple(sorted((k, repr(v)) for k, v in row.items())))
        out[name] = sorted(norm)
    return out


def _compare(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        extra, missing = set(b[name]) - set(a[name]), set(a[name]) - set(b[name])
        assert a[name] == b[name], (name, sorted(missing)[:3], sorted(extra)[:3])


def _files(seeds: bool) -> list[Path]:
    if not seeds:
        return [FIXTURES / f for f in INVENTED]
    files = _seed_files()
    if not files:
        pytest.skip("../shared/corpus is not beside the repo (set GXATLAS_SHARED): the seeds' "
                    "comparison needs the real documents")
    return files


@pytest.mark.parametrize("seeds", [False, True], ids=["invented", "seeds"])
def test_batch_equals_per_fact_sqlite(_atlas_template: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, seeds: bool) -> None:
    read = _read(_files(seeds), _atlas_copy(_atlas_template, tmp_path / "gazetteer.sqlite"))
    ref = _atlas_copy(_atlas_template, tmp_path / "ref.sqlite")
    new = _atlas_copy(_atlas_template, tmp_path / "new.sqlite")
    _ingest(ref, read, reference=True, monkeypatch=monkeypatch)
    _ingest(new, read, reference=False, monkeypatch=monkeypatch)
    a, b = dump(ref), dump(new)
    assert len(a["facts"]) > 50 and len(a["evidence"]) > len(a["facts"])
    _compare(a, b)


@pytest.mark.postgres
@pytest.mark.parametrize("seeds", [False, True], ids=["invented", "seeds"])
def test_batch_equals_per_fact_postgres(_atlas_template: Path, fresh_pg, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, seeds: bool) -> None:
    read = _read(_files(seeds), _atlas_copy(_atlas_template, tmp_path / "gazetteer.sqlite"))
    url = fresh_pg()
    _ingest(url, read, reference=True, monkeypatch=monkeypatch)
    a = dump(url)
    url = fresh_pg()
    _ingest(url, read, reference=False, monkeypatch=monkeypatch)
    _compare(a, dump(url))
