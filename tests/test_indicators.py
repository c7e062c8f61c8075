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


def _one(text: str, name: str, **kw):
    got = _by_name(extract_indicators(text, regions=REGIONS, **kw))
    assert name in got, sorted(got)
    return got[name]


PLAN = "示范市工业发展“十四五”规划\n\n"


def test_a_field_ranked_in_is_not_a_figure() -> None:
    got = extract_indicators("示范市技术合同成交额在12个副省级城市中位居第三。", regions=REGIONS)
    assert all(h.values.get("baseline_value") != 12 for h in got)


def test_a_list_names_what_a_count_counts() -> None:
    text = PLAN + "——西岭市。着力打造冶金、化工、造纸三大千亿元产业和甲园区、乙园区2个千亿元园区。"
    v = _one(text, "千亿元产业")  # a count in Chinese numerals before a size class
    assert (v["scope"], v["unit"], v["target_value"]) == ("西岭", "个", 3)
    assert _one(text, "千亿元园区")["target_value"] == 2
    assert not extract_indicators("专栏2 五大千亿元产业布局\n", regions=REGIONS)  # a caption


def test_a_count_before_de_counts_the_noun_before_it() -> None:
    v = _one("示范市可借助已缔结的15对友好城市的经验。", "友好城市")
    assert (v["scope"], v["unit"], v["baseline_value"]) == ("示范", "对", 15)
    v = _one("到2025年,示范市力争培育2家具有较强国际竞争力的大型企业集团。", "大型企业集团")
    assert (v["target_year"], v["target_value"]) == (2025, 2)


def test_share_names() -> None:
    text = "2022年,东城片区实现全区28.5%的实际利用外资和31.2%的进出口额。"
    got = _by_name(extract_indicators(text, regions=REGIONS))
    assert got["实际利用外资占全区比重"]["baseline_value"] == 28.5
    v = got["进出口额占全区比重"]
    assert (v["scope"], v["unit"], v["baseline_year"], v["baseline_value"]) == ("东城片区", "%", 2022, 31.2)
    assert _one("示范市对外合同占企业业务总量的45%以上。", "对外合同占企业业务总量比重")["comparator"] == ">="


def test_partner_phrase_stays_in_the_name() -> None:
    v = _one("2022年,广西与东盟国家的进出口额达200亿元。", "与东盟国家进出口额")
    assert (v["scope"], v["baseline_year"], v["baseline_value"]) == ("广西", 2022, 200)


def test_the_subject_of_a_sentence_is_the_scope() -> None:
    text = "甲乙机器人基地项目已于去年投产,当年产值达3.5亿元。"
    assert _one(text, "产值", subjects=["甲乙机器人基地项目"])["scope"] == "甲乙机器人基地项目"
    text = "目前,甲乙机械在海外拥有近25家分支机构,为120多个国家和地区提供服务。"
    got = _by_name(extract_indicators(text, regions=REGIONS, subjects=["甲乙机械"]))
    assert (got["分支机构"]["scope"], got["分支机构"]["baseline_value"]) == ("甲乙机械", 25)
    assert (got["国家和地区"]["scope"], got["国家和地区"]["baseline_value"]) == ("甲乙机械", 120)
    text = "丙丁集团下属戊己公司产品出口额占企业营收的35%。"
    v = _one(text, "产品出口额占企业营收比重", subjects=["丙丁集团", "戊己公司"])
    assert v["scope"] == "戊己公司"  # the subsidiary, not the group


def test_list_items_and_bare_zone_words_are_not_subjects() -> None:
    got = extract_indicators("示范市开放合作加快。东城、西岭等5个城市设立联动发展区。", regions=REGIONS)
    assert all(h.values.get("scope") != "东城" for h in got)
    text = "示范市经济平稳。\n\n工业园区工业增加值占比达到80%。"
    assert _one(text, "工业园区工业增加值占比")["scope"] == "示范"


def test_heading_paragraph_takes_the_place_it_names_twice() -> None:
    text = (PLAN + "第四章 空间布局\n\n东城、西岭协同发展,示范市统筹推进。\n\n"
            "一、主中心:以西岭市为核心,发挥西岭市辐射带动作用。“十四五”时期推进重点工业项目120项,"
            "工业投资850亿元。")
    v = _one(text, "工业投资")
    assert (v["scope"], v["target_year"], v["target_value"]) == ("西岭", 2025, 850)


def test_an_action_verb_makes_a_plan_target() -> None:
    text = PLAN + "第三章 重点产业\n\n(一)冶金\n\n推进钢铁基地建设,实现年产钢、铁各500万吨。"
    got = _by_name(extract_indicators(text, regions=REGIONS))
    for name in ("年产钢", "年产铁"):
        assert (got[name]["target_year"], got[name]["target_value"]) == (2025, 500)
        assert got[name].get("baseline_value") is None


def test_prose_restating_a_table_row_is_dropped() -> None:
    text = ("示范市主要指标\n指标\t单位\t2020年\t2025年\n产值超百亿元园区\t个\t20\t30\n"
            "工业总产值\t亿元\t1500\t2600\n\n到2025年,示范市形成30个超百亿元的产业园区。")
    names = [h.name for h in extract_indicators(text, regions=REGIONS)]
    assert names == ["产值超百亿元园区", "工业总产值"]


def test_a_park_target_joins_its_baseline_and_a_region_keeps_its_own() -> None:
    text = ("示范市北部经济区工业发展规划“十四五”\n\n(一)发展基础\n\n"
            "东城高新区2020年工业总产值达1200.5亿元。\n\n"
            "1.东城高新区建设成为电子信息产业基地。2025年力争实现工业产值超过1500亿元。\n\n"
            "到2025年,示范北部经济区工业总产值达到9000亿元以上。")
    got = extract_indicators(text, regions={**REGIONS, "示范北部经济区": "示范北部经济区"})
    park = [h for h in got if h.values.get("scope") == "东城高新区"]
    assert len(park) == 1 and park[0].name == "工业总产值"
    assert (park[0].values["baseline_value"], park[0].values["target_value"]) == (1200.5, 1500)
    region = [h for h in got if h.values.get("scope") == "示范北部经济区"]
    assert region and region[0].values["target_value"] == 9000


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


def test_a_table_of_labelled_rows_and_measure_columns() -> None:
    """A bulletin's table: regions in rows, the period's value, its change and growth in
    columns, the measure named by the caption (invented figures)."""
    from gxatlas.extract.indicators import extract_indicators

    text = ("某省新增企业情况\n\n表1 2022年1-6月新增企业情况\n地区\n1-6月\n上年同期\n增减(家)\n增长(%)\n"
            "全省\n120\n100\n20\n20.0\n南宁市\n30\n20\n10\n50.0\n\n以上数据为初步统计。\n")
    regions = {**REGIONS, "南宁市": "南宁", "南宁": "南宁"}
    hits = {(h.name, h.values["scope"]): h.values for h in extract_indicators(text, regions=regions, scope="某省")}
    assert hits[("新增企业", "南宁")]["baseline_value"] == 30
    assert hits[("新增企业", "南宁")]["baseline_year"] == 2022
    assert hits[("新增企业增减", "南宁")]["unit"] == "家"
    assert hits[("新增企业增长", "某省")]["baseline_value"] == 20.0
    assert hits[("新增企业", "某省")]["period"] == "2022-01..2022-06"
