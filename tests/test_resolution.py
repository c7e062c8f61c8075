"""Cross-document resolution: one indicator per scope, normalised name and unit family; stored
facts keep confidence, reasons and a review status; analyses leave out what waits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gxatlas.analysis.monitor import monitor, park_records
from gxatlas.kb.documents import store_document
from gxatlas.kb.models import Evidence, Indicator, Park, StoredFact
from gxatlas.kb.resolve import indicator_key, names_close
from gxatlas.kb.review import untrusted_ids, waiting
from gxatlas.kb.store import open_kb
from review_kit import plan_facts, read_doc, write_doc


def test_indicator_key_unifies_statistical_spellings() -> None:
    assert indicator_key("规上工业总产值") == indicator_key("规模以上工业总产值")
    assert indicator_key("工业增加值年均增长") == indicator_key("工业增加值年均增速") \
        == indicator_key("工业增加值年均增长率")
    assert indicator_key("规模以上工业总产值占全区的比重") == indicator_key("规模以上工业总产值占全区比重")
    assert indicator_key("南宁市重大项目数", scope_names=["南宁市", "南宁"], unit="项") \
        == indicator_key("重大项目", unit="项")
    # a trailing 数 is a count's word only for counts
    assert indicator_key("价格指数", unit="%") == "价格指数"
    assert indicator_key("地区生产总值（GDP）") == indicator_key("地区生产总值")


def test_names_close() -> None:
    assert names_close("重大项目", "重大项目建设") == pytest.approx(4 / 6)
    assert names_close("国家重点实验室", "国家重点实验室") == 1.0
    assert names_close("出口", "财政收入") == 0.0


def _store(url: str, tmp_path: Path):
    doc = read_doc(write_doc(tmp_path))
    kb = open_kb(url)
    with kb.session() as s:
        res = store_document(s, doc, plan_facts(doc))
    return kb, res


def test_statements_merge_into_the_atlas_and_new_ones_wait(atlas_url: str, tmp_path: Path) -> None:
    kb = open_kb(atlas_url)
    with kb.session() as s:
        before = s.scalar(select(func.count()).select_from(Indicator))
        monitored = {r.indicator for r in monitor(s)}
    kb, res = _store(atlas_url, tmp_path)
    assert res.facts == 7 and res.merged == 4 and res.pending == 3
    with kb.session() as s:
        facts = {f.name: f for f in s.scalars(select(StoredFact))}
        # 规上 = 规模以上, same scope and unit family: one indicator, both statements on it
        big = s.get(Indicator, facts["规上工业总产值"].entity_id)
        assert big.name == "规模以上工业总产值" and facts["规上工业总产值"].status == "accepted"
        assert facts["规模以上工业总产值"].entity_id == big.id  # disagreeing value, same thing
        stated = {e.value for e in s.scalars(select(Evidence).where(
            Evidence.entity_type == "indicator", Evidence.entity_id == big.id,
            Evidence.field == "target"))}
        assert {"2020: 15800", "2020: 15000"} <= {str(v).replace(".0", "") for v in stated}
        assert big.target_value == 15800  # the atlas's own value is not overwritten
        # a different name stating the same value in the same scope: 南宁重大项目数
        assert s.get(Indicator, facts["重大项目建设"].entity_id).name == "南宁重大项目数"
        assert facts["重大项目建设"].match == "value"
        # a firm as scope: the indicator of its city named with the firm
        assert s.get(Indicator, facts["海外收入占比"].entity_id).name == "柳工海外收入占比"
        # a new indicator waits for review, and so does a park below the threshold
        junk = facts["主导产业"]
        assert junk.status == "pending" and junk.match == "new"
        assert "新实体" in junk.status_reason
        park = facts["示例县新兴材料产业园"]
        assert park.status == "pending" and park.confidence == 0.5
        assert park.reasons == ["后缀匹配"] and "置信度" in park.status_reason
        assert s.scalar(select(func.count()).select_from(Indicator)) == before + 1
        # analyses: the monitor leaves the junk out unless asked, and says it waits
        assert {r.indicator for r in monitor(s)} == monitored
        assert "主导产业" in {r.indicator for r in monitor(s, include_pending=True)}
        assert waiting(s, "indicator").entities == 1
        parks = {p.name for p in park_records(s)}
        assert "示例县新兴材料产业园" not in parks
        assert "示例县新兴材料产业园" in {p.name for p in park_records(s, include_pending=True)}
        assert set(s.scalars(untrusted_ids("park"))) == {park.entity_id}


def test_pending_statement_on_known_entity_changes_nothing(atlas_url: str, tmp_path: Path) -> None:
    """A low-confidence fact about a trusted entity is evidence only: no value, no name."""
    from review_kit import fact

    doc = read_doc(write_doc(tmp_path))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        park = s.scalars(select(Park).where(Park.area_km2.is_(None))).first()
        name = park.name
        text_fact = fact(doc, "park", name, "示例县新兴材料产业园规划面积12平方公里", area_km2=12,
                         confidence=0.3)
        store_document(s, doc, [text_fact])
    with kb.session() as s:
        park = s.scalars(select(Park).where(Park.name == name)).one()
        row = s.scalars(select(StoredFact)).one()
        assert row.status == "pending" and row.entity_id == park.id
        assert park.area_km2 is None and row.applied == {}
        assert s.scalars(select(Evidence).where(Evidence.fact_id == row.id)).first() is not None


def test_unit_family_keeps_indicators_apart(atlas_url: str, tmp_path: Path) -> None:
    from review_kit import fact

    doc = read_doc(write_doc(tmp_path))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        f = fact(doc, "indicator", "规上工业总产值", "规上工业总产值达到15800亿元",
                 scope="北部湾经济区", unit="%", target_year=2020, target_value=15800)
        res = store_document(s, doc, [f])
        assert res.merged == 0 and res.pending == 1


def test_resolution_on_postgres(pg_url: str, tmp_path: Path) -> None:
    from gxatlas.kb.load import load_all

    kb = open_kb(pg_url, create=True)
    with kb.session() as s:
        load_all(s)
    kb, res = _store(pg_url, tmp_path)
    assert res.merged == 4 and res.pending == 3
    with kb.session() as s:
        assert waiting(s, "indicator").entities == 1
        assert len(monitor(s, include_pending=True)) == len(monitor(s)) + 1
    kb.dispose()


def test_disagreeing_sources_are_an_audit_finding(atlas_url: str, tmp_path: Path) -> None:
    """The atlas's table says 15800, the document's prose 15000: one cross-source finding,
    citing both; the agreeing statement (规上 15800) is no finding."""
    from click.testing import CliRunner

    from gxatlas.analysis.audit import kb_cross_source
    from gxatlas.cli import main

    kb, _ = _store(atlas_url, tmp_path)
    with kb.session() as s:
        findings = kb_cross_source(s)
        assert [f.rule for f in findings] == ["CROSS_SOURCE_CONFLICT"]
        f = findings[0]
        assert f.indicator == "规模以上工业总产值" and set(f.values) == {15800, 15000}
        assert "图谱" in f.message and "review_plan" in f.message
        assert {e.doc for e in f.evidence} == {"001_8dcbe683c3f5e1c3", "review_plan"}
        assert kb_cross_source(s, document="004_35157f1fbdb36fec") == []
    res = CliRunner().invoke(main, ["--db", atlas_url, "audit", "--json"])
    assert res.exit_code == 0, res.output
    assert "CROSS_SOURCE_CONFLICT" in res.stdout
    res = CliRunner().invoke(main, ["--db", atlas_url, "audit", "review_plan"])
    assert res.exit_code == 0 and "不同来源" in res.stdout
