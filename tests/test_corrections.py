"""Review actions and the corrections log, on SQLite and PostgreSQL: accept, edit, merge,
reject, undo; re-ingest after a correction; two reviewers acting on one fact at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gxatlas.analysis.monitor import monitor, park_records
from gxatlas.errors import GxatlasError
from gxatlas.kb import corrections as cx
from gxatlas.kb.documents import store_document
from gxatlas.kb.load import load_all
from gxatlas.kb.models import Alias, Correction, Enterprise, Indicator, Park, StoredFact
from gxatlas.kb.names import known_names
from gxatlas.kb.review import untrusted_ids
from gxatlas.kb.store import KB, open_kb
from review_kit import TEXT, plan_facts, read_doc, write_doc


@pytest.fixture()
def kb(any_kb_url: str, atlas_url: str) -> KB:
    """A KB with the atlas loaded, on SQLite (a copy of the template) or PostgreSQL."""
    url = atlas_url if any_kb_url.startswith("sqlite") else any_kb_url
    kb = open_kb(url, create=True)
    if not url.startswith("sqlite"):
        with kb.session() as s:
            load_all(s)
    yield kb
    kb.dispose()


def ingest(kb: KB, tmp_path: Path, text: str = TEXT) -> None:
    doc = read_doc(write_doc(tmp_path, text=text))
    with kb.session() as s:
        store_document(s, doc, plan_facts(doc))


def fact_id(kb: KB, name: str) -> int:
    with kb.session() as s:
        return s.scalars(select(StoredFact.id).where(StoredFact.name == name)).one()


def test_accept_reject_undo_and_the_log(kb: KB, tmp_path: Path) -> None:
    ingest(kb, tmp_path)
    park_fact = fact_id(kb, "示例县新兴材料产业园")
    with kb.session() as s:
        assert "示例县新兴材料产业园" not in {p.name for p in park_records(s)}
        corr = cx.accept(s, park_fact, reviewer="张三", note="核对原文")
        assert corr.action == "accept" and corr.before["status"] == "pending"
        assert corr.after["status"] == "confirmed" and corr.evidence["quote"]
    with kb.session() as s:
        assert "示例县新兴材料产业园" in {p.name for p in park_records(s)}
        # the confirmed name is known to the next extraction
        assert "示例县新兴材料产业园" in known_names(s).known_parks
        cx.undo(s, corr.id, reviewer="李四")
    with kb.session() as s:
        row = s.get(StoredFact, park_fact)
        assert row.status == "pending" and row.reviewed_by is None
        assert "示例县新兴材料产业园" not in {p.name for p in park_records(s)}
        assert "示例县新兴材料产业园" not in known_names(s).known_parks
        log = cx.history(s, fact_id=park_fact)
        assert [c["action"] for c in log] == ["undo", "accept"]
        assert log[1]["undone_by"] == log[0]["id"] and log[0]["reviewer"] == "李四"
        with pytest.raises(GxatlasError, match="已于更正"):
            cx.undo(s, corr.id, reviewer="李四")


def test_reject_takes_back_what_the_fact_added(kb: KB, tmp_path: Path) -> None:
    ingest(kb, tmp_path)
    fid = fact_id(kb, "新锐科技有限公司")
    with kb.session() as s:
        cx.accept(s, fid, reviewer="张三")
    with kb.session() as s:
        firm = s.get(Enterprise, s.get(StoredFact, fid).entity_id)
        assert firm.name == "新锐科技有限公司" and firm.id not in set(
            s.scalars(untrusted_ids("enterprise")))
        version = s.get(StoredFact, fid).version
        reject = cx.reject(s, fid, reviewer="张三", version=version)
    with kb.session() as s:
        assert s.get(StoredFact, fid).status == "rejected"
        assert firm.id in set(s.scalars(untrusted_ids("enterprise", include_pending=True)))
        cx.undo(s, reject.id, reviewer="张三")
    with kb.session() as s:
        assert s.get(StoredFact, fid).status == "confirmed"
        assert firm.id not in set(s.scalars(untrusted_ids("enterprise")))


def test_edit_values_and_undo(kb: KB, tmp_path: Path) -> None:
    ingest(kb, tmp_path)
    fid = fact_id(kb, "主导产业")
    with kb.session() as s:
        corr = cx.edit(s, fid, reviewer="王五", name="主导产业数量",
                       values={"target_value": "6", "target_year": 2026})
        ind = s.get(Indicator, s.get(StoredFact, fid).entity_id)
        assert (ind.name, ind.target_value, ind.target_year) == ("主导产业数量", 6.0, 2026)
        assert corr.before["values"]["target_value"] == 5
    with kb.session() as s:
        assert "主导产业数量" in {r.indicator for r in monitor(s)}  # confirmed: monitored
        with pytest.raises(GxatlasError, match="不可修改"):
            cx.edit(s, fid, reviewer="王五", values={"colour": "red"})
    with kb.session() as s:
        cx.undo(s, corr.id, reviewer="王五")
    with kb.session() as s:
        row = s.get(StoredFact, fid)
        ind = s.get(Indicator, row.entity_id)
        assert row.status == "pending" and row.values["target_value"] == 5
        assert (ind.name, ind.target_value, ind.target_year) == ("主导产业", 5.0, 2025)
        assert "主导产业" not in {r.indicator for r in monitor(s)}


def test_merge_into_existing_and_undo(kb: KB, tmp_path: Path) -> None:
    ingest(kb, tmp_path)
    fid = fact_id(kb, "主导产业")
    with kb.session() as s:
        new_id = s.get(StoredFact, fid).entity_id
        target = s.scalars(select(Indicator).where(Indicator.name == "南宁重大项目数")).one()
        n = s.scalar(select(func.count()).select_from(Indicator))
        corr = cx.merge(s, fid, reviewer="张三", into=target.id)
        assert corr.after["entity_id"] == target.id and corr.after["deleted"]
    with kb.session() as s:
        assert s.get(Indicator, new_id) is None  # nothing else supported it
        assert s.scalar(select(func.count()).select_from(Indicator)) == n - 1
        # the merged name now resolves to the target
        assert s.scalars(select(Alias.entity_id).where(
            Alias.entity_type == "indicator", Alias.alias == "主导产业")).one() == target.id
        cx.undo(s, corr.id, reviewer="张三")
    with kb.session() as s:
        back = s.get(Indicator, new_id)
        assert back is not None and back.name == "主导产业"
        assert s.get(StoredFact, fid).entity_id == new_id
        assert s.scalars(select(Alias.entity_id).where(
            Alias.entity_type == "indicator", Alias.alias == "主导产业")).one() == new_id


def test_reingest_keeps_corrections(kb: KB, tmp_path: Path) -> None:
    ingest(kb, tmp_path)
    with kb.session() as s:
        cx.reject(s, fact_id(kb, "主导产业"), reviewer="张三")
        cx.edit(s, fact_id(kb, "示例县新兴材料产业园"), reviewer="张三", values={"area_km2": 15})
        cx.merge(s, fact_id(kb, "新锐科技有限公司"), reviewer="张三", into="柳工")
    changed = TEXT.replace("示例规划（测试用）", "示例规划（测试用，修订版）")
    ingest(kb, tmp_path, text=changed)  # same file name, new content: replaced
    with kb.session() as s:
        rows = {f.name: f for f in s.scalars(select(StoredFact))}
        assert rows["主导产业"].status == "rejected" and rows["主导产业"].reviewed_by == "张三"
        park = rows["示例县新兴材料产业园"]
        assert park.status == "confirmed" and park.values["area_km2"] == 15
        assert s.get(Park, park.entity_id).area_km2 == 15
        firm = rows["新锐科技有限公司"]
        assert firm.status == "confirmed" and s.get(Enterprise, firm.entity_id).name == "柳工"
        # the log points at the new reading
        assert {c.fact_id for c in s.scalars(select(Correction))} <= set(
            s.scalars(select(StoredFact.id)))


def test_two_reviewers_at_once(kb: KB, tmp_path: Path) -> None:
    """Both saw version 1; the second to act gets a conflict naming the first; nothing lost."""
    ingest(kb, tmp_path)
    fid = fact_id(kb, "主导产业")
    with kb.session() as s:
        seen = s.get(StoredFact, fid).version
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def act(name: str, action) -> None:
        barrier.wait()
        try:
            with kb.session() as s:
                results[name] = action(s, fid, reviewer=name, version=seen)
        except cx.ReviewConflict as err:
            results[name] = err

    threads = [threading.Thread(target=act, args=("甲", cx.accept)),
               threading.Thread(target=act, args=("乙", cx.reject))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    conflicts = [v for v in results.values() if isinstance(v, cx.ReviewConflict)]
    done = [k for k, v in results.items() if not isinstance(v, Exception)]
    assert len(conflicts) == 1 and len(done) == 1, results
    assert "请刷新后重试" in str(conflicts[0]) and conflicts[0].fact["version"] == seen + 1
    with kb.session() as s:
        row = s.get(StoredFact, fid)
        assert row.version == seen + 1 and row.reviewed_by == done[0]
        assert row.status == ("confirmed" if done[0] == "甲" else "rejected")
        assert [c.reviewer for c in s.scalars(select(Correction))] == done
    # acting again on the stale version is a conflict too
    with kb.session() as s, pytest.raises(cx.ReviewConflict, match=done[0]):
        cx.accept(s, fid, reviewer="丙", version=seen)
