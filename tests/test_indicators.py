"""Indicators from tables and prose, and the extract() entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gxatlas.extract import dedupe, extract, extract_indicator_facts
from gxatlas.extract.indicators import document_scope, extract_indicators, region_matcher
from gxatlas.ingest.document import Document
from gxatlas.ingest.normalize import normalize

FIX = Path(__file__).parent / "fixtures" / "tables"
REGIONS = {"示范市": "示范", "示范": "示范", "东城": "东城", "西岭": "西岭", "广西": "广西"}


def _doc(text: str, name: str = "t") -> Document:
    n = normalize(text)
    return Document(name=name, path=name, sha256="", format="txt", encoding="utf-8",
                    variant="simplified", title="", original=text, text=n.text, offsets=n.offsets)


def _by_name(hits):
    return {h.name: dict(h.values) for h in hits}


def test_table_rows_become_indicators() -> None:
    text = normalize((FIX / "plan_table_rows.txt").read_text(encoding="utf-8")).text
    got = _by_name(extract_indicators(text, regions=REGIONS))
    assert got["工业总产值"] | {} == got["工业总产值"]
    v = got["工业总产值"]
    assert (v["scope"], v["unit"], v["baseline_year"], v["baseline_value"], v["target_year"],
            v["target_value"], v["attribute"]) == ("示范", "亿元", 2020, 1200, 2025, 2000, "预期性")
    v = got["工业增加值年均增速"]
    assert v["baseline_value"] is None and v["target_value"] == 8
    v = got["高技术制造业增加值占规模以上工业增加值比重"]
    assert (v["baseline_value"], v["target_value"], v["comparator"]) == (12.5, 20, ">=")
    assert got["单位工业增加值能耗较2020年下降"]["attribute"] == "约束性"


def test_tab_table_rows_become_indicators() -> None:
    text = normalize((FIX / "tab_rows.txt").read_text(encoding="utf-8")).text
    got = _by_name(extract_indicators(text, regions=REGIONS))
    v = got["规模以上工业总产值"]
    assert (v["scope"], v["unit"], v["baseline_year"], v["baseline_value"], v["target_year"],
            v["target_value"], v["attribute"], v["category"]) == ("示范", "亿元", 2020, 1520, 2025, 2600,
                                                                  "预期性", "规模效益")
    v = got["工业增加值年均增长率"]  # the unit in brackets after the name
    assert (v["unit"], v.get("baseline_value"), v["target_value"], v["comparator"]) == ("%", None, 7, ">=")
    v = got["高技术制造业增加值占比"]
    assert (v["unit"], v["baseline_value"], v["target_value"]) == ("%", 12.5, 18)
    v = got["单位工业增加值能耗下降"]  # no baseline cell: the only value is the target
    assert (v["unit"], v.get("baseline_value"), v["target_year"], v["target_value"], v["attribute"]) == (
        "%", None, 2025, 14, "约束性")


def test_prose_targets_and_baselines() -> None:
    text = normalize((FIX / "plan_prose.txt").read_text(encoding="utf-8")).text
    got = _by_name(extract_indicators(text, regions=REGIONS))
    v = got["地区生产总值"]
    assert (v["scope"], v["unit"], v["baseline_year"], v["baseline_value"]) == ("示范", "亿元", 2020, 2856.4)
    assert got["地区生产总值年均增长"]["baseline_value"] == 9.8
    assert got["财政收入"]["baseline_value"] == 210.5
    v = got["工业总产值"]
    assert (v["target_year"], v["target_value"], v["comparator"]) == (2025, 5000, ">=")
    v = got["万元生产总值能耗"]
    assert (v["unit"], v["target_value"], v["comparator"]) == ("吨标准煤", 0.6, "<=")
    assert got["工业单位增加值用水量较2020年下降"]["target_value"] == 12
    assert "千亿元产业集群" in got and got["千亿元产业集群"]["target_value"] == 3


def test_respective_values() -> None:
    text = "2020年,示范市地区生产总值、财政收入占全省的比重分别为12.5%、9.1%。"
    got = _by_name(extract_indicators(text, regions=REGIONS))
    assert got["地区生产总值占全省的比重"]["baseline_value"] == 12.5
    assert got["财政收入占全省的比重"]["baseline_value"] == 9.1


def test_document_scope_is_the_usual_subject() -> None:
    text = "示范市工业增长较快。东城、西岭、示范市各有园区。示范市财政收入增加。"
    assert document_scope(text, region_matcher(REGIONS)) == "示范"


def test_extract_gives_evidence_into_the_text() -> None:
    doc = _doc((FIX / "plan_prose.txt").read_text(encoding="utf-8"))
    facts = extract_indicator_facts(doc, regions=REGIONS)
    assert facts
    for f in facts:
        ev = f.evidence
        assert 0 <= ev.start < ev.end <= len(doc.text)
        assert ev.orig_start is not None and ev.orig_end is not None
        rec = f.to_record()
        assert rec["type"] == "indicator" and rec["evidence"]["start"] == ev.start
    assert len(dedupe(facts + facts)) == len(facts)


def test_table_facts_are_fuzzy() -> None:
    doc = _doc((FIX / "plan_table_rows.txt").read_text(encoding="utf-8"))
    facts = [f for f in extract_indicator_facts(doc, regions=REGIONS) if f.name == "工业总产值"]
    assert facts and facts[0].evidence.alignment == "fuzzy"
    assert facts[0].evidence.reason == "assembled from table cells"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
       | st.text(alphabet="表1专栏序号指标单位亿元%—2015年20到十三五期末达超过以上降至下降,。、\n 分别为个家示范市", max_size=300))
def test_extract_never_raises(raw: str) -> None:
    doc = _doc(raw)
    for f in extract_indicator_facts(doc, regions=REGIONS):
        assert 0 <= f.evidence.start < f.evidence.end <= len(doc.text)


def test_extract_runs_with_entities() -> None:
    doc = _doc((FIX / "plan_prose.txt").read_text(encoding="utf-8"))
    assert all(f.evidence.end > f.evidence.start for f in extract(doc))


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


@pytest.mark.seeds
def test_seeds_extract_without_error() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seeds not found at {SEEDS}")
    from gxatlas.ingest import read

    for path in sorted(SEEDS.glob("*.txt")):
        doc = read(path)
        facts = extract(doc)
        assert any(f.type == "indicator" for f in facts), path.name
