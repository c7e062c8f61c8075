"""Extraction beyond the seeds: invented documents of other genres and layouts.

A regression floor on tests/fixtures/generalization/ (scored by ../shared/eval/score.py, as
`bench/generalization.py` does), and one unit test per general fix those documents showed.
All texts here are invented.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from gxatlas.extract import extract, extract_indicator_facts
from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import default_gazetteer
from gxatlas.extract.policies import own_title
from gxatlas.extract.projects import split_firm
from gxatlas.ingest.document import Document
from gxatlas.ingest.normalize import normalize
from gxatlas.ingest.tables import find_tables

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared")
# a little below what the extractor reaches (overall exact F1 0.90 when this floor was set)
FLOOR = 0.85
# tests/fixtures/heldout/: documents no fix was developed against (0.485 when this was set)
HELDOUT_FLOOR = 0.45
# tests/fixtures/heldout2/: written before the fixes they judge (0.330 before, 0.789 after)
HELDOUT2_FLOOR = 0.75


def make_doc(text: str, name: str = "fixture") -> Document:
    """A Document whose normalized text is ``text`` (identity offsets)."""
    return Document(name=name, path=name, sha256="", format="txt", encoding="utf-8",
                    variant="simplified", title="", original=text, text=text,
                    offsets=tuple(range(len(text) + 1)))


def of_type(facts: list[Fact], type_: str) -> dict[str, Fact]:
    return {f.name: f for f in facts if f.type == type_}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gxatlas_bench_generalization",
                                                  ROOT / "bench" / "generalization.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --- the regression floor -----------------------------------------------------------------

def test_every_fixture_has_a_gold_file() -> None:
    bench = _bench()
    docs = bench.documents()
    assert len(docs) >= 6
    for doc, gold in docs:
        recs = bench.read_gold(gold)
        assert recs and all(r["doc"] == doc.stem for r in recs), gold.name


@pytest.mark.parametrize("name,floor,min_docs", [("tuning", FLOOR, 8),
                                                  ("heldout", HELDOUT_FLOOR, 5),
                                                  ("heldout2", HELDOUT2_FLOOR, 4)])
def test_overall_exact_f1_stays_above_the_floor(name: str, floor: float, min_docs: int) -> None:
    """Regression floors on the invented documents (a little below what was measured)."""
    bench = _bench()
    scorer = bench.load_scorer(SHARED)
    if scorer is None:
        pytest.skip(f"scorer not found at {SHARED / 'eval' / 'score.py'} (../shared is absent)")
    assert len(bench.documents(bench.SETS[name])) >= min_docs
    res, _ = bench.evaluate(scorer, bench.SETS[name])
    assert res["overall"]["exact_prf"][2] >= floor, res


# --- bulletins, targets, project tables, investors (invented texts) ---------------------------

def test_a_bulletin_s_title_year_dates_its_figures() -> None:
    text = ("河池市2021年经济运行情况通报\n\n一、工业\n\n全年规模以上工业总产值880.5亿元，同比增长9.1%。"
            "年末规模以上工业企业402家。\n")
    facts = extract_indicator_facts(make_doc(text), regions={"河池市": "河池", "河池": "河池"})
    assert facts and all(f.values.get("baseline_year") == 2021 for f in facts), [f.values for f in facts]
    growth = [f for f in facts if f.values.get("unit") == "%"]
    assert growth and growth[0].name.startswith("规模以上工业总产值")


def test_growth_after_a_breakdown_is_of_the_amount_named_last() -> None:
    text = ("河池市2021年经济运行情况通报\n\n全年固定资产投资同比增长6.6%，其中工业投资88.2亿元，同比增长15.3%。\n")
    facts = extract_indicator_facts(make_doc(text), regions={"河池市": "河池", "河池": "河池"})
    named = {f.name: f.values for f in facts}
    assert any(n.startswith("工业投资") and v.get("baseline_value") == 15.3 for n, v in named.items()), named


def test_a_target_for_the_year_a_text_was_written_in_is_a_target() -> None:
    text = ("关于做好2025年稳增长工作的通知\n\n2025年全市规模以上工业增加值增长6.5%左右，工业投资增长12%以上。\n\n"
            "河池市人民政府\n2025年3月2日\n")
    facts = extract_indicator_facts(make_doc(text), regions={"河池市": "河池", "河池": "河池", "全市": "河池"})
    assert len(facts) == 2
    for f in facts:
        assert f.values.get("target_year") == 2025 and f.values.get("baseline_value") is None, f.values


def test_a_goal_clause_without_a_name_continues_the_figure_before_it() -> None:
    text = "甲乙综合保税区2022年实现进出口总额120亿元，力争到2025年突破300亿元。\n"
    facts = extract_indicator_facts(make_doc(text), regions={}, subjects=["甲乙综合保税区"])
    vals = [f.values for f in facts if f.name == "进出口总额"]
    assert vals and vals[0]["baseline_value"] == 120 and vals[0]["target_value"] == 300, [f.values for f in facts]


def test_flattened_project_table_reads_investment_and_place_columns() -> None:
    text = ("表3 重点项目\n项目名称\n建设地点\n总投资（万元）\n建设年限\n"
            "宜州区桑蚕丝绸精深加工项目\n河池市宜州区\n35000\n2024—2026\n"
            "南丹县锡锑新材料产业园项目\n南丹县\n126000\n2024—2027\n")
    table = find_tables(text)[0]
    assert len(table.header) == 4 and len(table.rows) == 2
    projects = of_type(extract(make_doc(text)), "project")
    silk = next(f for n, f in projects.items() if "桑蚕丝绸" in n)
    tin = next(f for n, f in projects.items() if "锡锑" in n)
    assert silk.values["investment"] == 3.5 and tin.values["investment"] == 12.6
    assert silk.values["city"] == "河池" and tin.values["city"] == "河池"


def test_an_out_of_province_investor_s_project_is_where_it_is_built() -> None:
    text = ("河池市招商引资动态\n\n河池市今年新签约项目持续增加。"
            "深圳赣宏新材料有限公司与都安瑶族自治县人民政府在南宁签约，将投资18亿元在都安县建设年产5万吨碳酸钙粉体项目。\n")
    projects = of_type(extract(make_doc(text)), "project")
    proj = next(f for n, f in projects.items() if "碳酸钙" in n)
    assert proj.values["city"] == "河池" and proj.values["investment"] == 18


# --- layout: normalization and tables -----------------------------------------------------

def test_space_between_chinese_punctuation_and_a_number_goes() -> None:
    text = normalize("企 业 3 家 ； 2022 年 全 市 产 值 为 468 亿 元 。\n（ 2023 — 2026 年 ）").text
    assert "家;2022年" in text
    assert "(2023—2026年)" in text
    assert normalize("items 1, 2 and 3").text == "items 1, 2 and 3"


def test_list_item_wrapped_at_the_page_width_is_joined() -> None:
    prose = "这是一段用于确定版面宽度的正文内容，每行的字数大致相同，"
    lines = [prose[:24]] * 6 + ["三、重点项目", "(一)某某新材料科技有限公司年产六十万吨的改性", "塑料项目,总投资25亿元。"]
    text = normalize("\n".join(lines)).text
    assert "改性塑料项目" in text


def test_flattened_table_with_a_unit_column_starts_rows_at_the_name() -> None:
    text = "表3\n某市主要指标\n指标\n单位\n2022年\n2025年\n整车产量\n万辆\n8.5\n30\n产业产值\n亿元\n210\n600\n"
    (table,) = find_tables(text)
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["整车产量", "万辆", "8.5", "30"], ["产业产值", "亿元", "210", "600"]]


def test_tab_table_dash_baseline_keeps_the_target_and_brackets_mark_a_total() -> None:
    text = ("表1 某市主要指标\n序号\t指标名称\t单位\t2020年\t2025年\t属性\n"
            "1\t工业投资年均增速\t%\t—\t10\t预期性\n2\t单位工业增加值能耗下降\t%\t—\t[14]\t约束性\n")
    got = {f.name: f.values for f in extract_indicator_facts(make_doc(text))}
    assert got["工业投资年均增速"]["target_year"] == 2025
    assert got["工业投资年均增速"]["target_value"] == 10
    assert "baseline_value" not in got["工业投资年均增速"]
    assert got["单位工业增加值能耗下降"]["target_value"] == 14


# --- indicators: a work report's sections --------------------------------------------------

def test_work_report_sections_date_actuals_and_targets_and_join_them() -> None:
    text = ("百色市政府工作报告\n\n一、2023年工作回顾\n\n全年地区生产总值1705亿元，增长5.6%；固定资产投资增长4.1%。\n\n"
            "二、2024年主要目标\n\n主要预期目标是：地区生产总值增长6%左右；固定资产投资增长5%。\n")
    facts = extract_indicator_facts(make_doc(text), regions={"百色市": "百色", "百色": "百色"})
    total = [f.values for f in facts if f.values.get("unit") == "亿元"]
    assert total and total[0]["baseline_year"] == 2023
    growth = [f.values for f in facts if f.values.get("unit") == "%" and f.values.get("baseline_value") == 5.6]
    assert growth and growth[0]["baseline_year"] == 2023
    assert growth[0]["target_year"] == 2024 and growth[0]["target_value"] == 6


# --- policies ------------------------------------------------------------------------------

def test_policy_rows_of_a_tab_table_carry_title_and_date() -> None:
    text = ("序号\t文件名称\t文号\t印发日期\n"
            "1\t某市招商引资优惠办法（试行）\t某政规（2023）3号\t2023年3月6日\n")
    (p,) = [f for f in extract(make_doc(text)) if f.type == "policy"]
    assert p.values["doc_number"] == "某政规〔2023〕3号"
    assert p.values["title"] == "某市招商引资优惠办法（试行）"
    assert p.values["date"] == "2023-03-06"


def test_policy_dates_stated_before_the_title_or_inside_the_number_bracket() -> None:
    text = ("市政府于2023年11月20日印发《某市促进民营经济发展若干措施》（某政发〔2023〕15号）。"
            "某县印发《某县支持工业企业稳产增产的十条措施》（象政发〔2023〕7号，2023年4月12日印发）。")
    got = {f.values["doc_number"]: f.values["date"] for f in extract(make_doc(text)) if f.type == "policy"}
    assert got == {"某政发〔2023〕15号": "2023-11-20", "象政发〔2023〕7号": "2023-04-12"}


def test_own_title_of_a_plan_with_its_period_wrapped_onto_the_next_line() -> None:
    p = own_title("某市碳酸钙产业发展行动方案\n(2023—2026年)\n\n一、总体目标\n")
    assert p is not None and p.title == "某市碳酸钙产业发展行动方案(2023—2026年)"
    p = own_title("某市工业和信息化发展“十四五”规划（节选）\n\n第二章 发展目标\n")
    assert p is not None and p.title == "某市工业和信息化发展“十四五”规划"
    assert own_title("园区概况\n\n某园区位于某县。\n") is None


def test_plan_named_with_the_full_and_short_region_name_is_one_policy() -> None:
    text = "广西工业发展“十四五”规划\n\n依据《广西壮族自治区工业发展“十四五”规划》编制。\n"
    policies = [f for f in extract(make_doc(text)) if f.type == "policy"]
    assert len(policies) == 1
    assert policies[0].name == "广西壮族自治区工业发展“十四五”规划"
    assert "广西工业发展“十四五”规划" in policies[0].aliases


# --- projects and enterprises --------------------------------------------------------------

def test_project_named_after_its_firm_s_legal_name_keeps_the_firm_as_a_value() -> None:
    assert split_firm("广西某骏汽车有限公司年产10万辆新能源乘用车项目") == (
        "年产10万辆新能源乘用车项目", "广西某骏汽车有限公司")
    assert split_firm("某某有限公司") is None
    text = "加快推进广西某骏汽车有限公司年产10万辆新能源乘用车项目，总投资52亿元。"
    projects = of_type(extract(make_doc(text)), "project")
    p = projects["年产10万辆新能源乘用车项目"]
    assert p.values["investment"] == 52 and p.values["enterprise"] == "广西某骏汽车有限公司"
    assert "广西某骏汽车有限公司年产10万辆新能源乘用车项目" in p.aliases


def test_investment_stated_before_a_capacity_named_project() -> None:
    text = "签约项目中，广西某香食品科技有限公司计划投资15亿元，建设年产10万吨荔枝深加工项目。"
    projects = of_type(extract(make_doc(text)), "project")
    assert projects["年产10万吨荔枝深加工项目"].values["investment"] == 15


def test_firm_names_lose_list_numbers_and_generic_ones_are_dropped() -> None:
    text = ("三、重点项目\n(二)贺州某岩钙业有限公司纳米碳酸钙二期项目,总投资9.6亿元。\n"
            "香港上市公司某晋控股有限公司与崇左市签署协议。\n")
    firms = of_type(extract(make_doc(text)), "enterprise")
    assert "贺州某岩钙业有限公司" in firms
    assert not any(n.startswith("(") for n in firms)
    assert "香港上市公司" not in firms


def test_trade_name_in_a_project_is_a_spelling_of_the_firm_s_legal_name() -> None:
    text = ("园区集聚了广西某宇家居有限公司等龙头企业。"
            "其中，某宇家居年产80万套定制家具智能工厂项目总投资21亿元。")
    firms = of_type(extract(make_doc(text)), "enterprise")
    assert "年产" not in firms
    assert [n for n in firms if "某宇" in n] == ["广西某宇家居有限公司"]


# --- parks ---------------------------------------------------------------------------------

def test_park_target_of_the_park_named_in_the_sentence_and_area_by_land_use() -> None:
    text = ("二、空间布局\n以贺州某丰碳酸钙产业园为核心,规划面积23.5平方公里,到2026年园区产值达到600亿元;"
            "同时建设其他项目。\n某港将在扶绥县建设「中港（扶绥）跨境冷链物流园」，规划用地约3.2平方公里。\n")
    parks = of_type(extract(make_doc(text)), "park")
    p = parks["贺州某丰碳酸钙产业园"]
    assert p.values["target_year"] == 2026 and p.values["target_value"] == 600
    assert parks["中港（扶绥）跨境冷链物流园"].values["area_km2"] == 3.2


# --- regions -------------------------------------------------------------------------------

def test_gazetteer_reads_regions_from_the_bundled_data_only() -> None:
    import gxatlas.extract.gazetteer as g

    assert not hasattr(g, "_FALLBACK_GUANGXI")
    gaz = default_gazetteer()
    assert gaz.city_of("藤县") == "梧州"
    assert gaz.city_of("凭祥市") == "崇左"


# --- rules from the second round (news, bulletins, parks named 示范园, areas in 亩) ----------

def test_project_and_firm_attributes_are_not_indicators() -> None:
    from gxatlas.extract.indicators import attribute_not_indicator

    # areas (规划面积, 占地面积) are indicators of their park or project, as the real set's gold
    # has them (../shared/eval/real_gold.jsonl)
    for name, unit in (("城区污水处理厂扩建工程总投资", "亿元"), ("拟投资", "亿元"),
                       ("距某某港", "公里"), ("广西某某冶金有限公司实施", "万吨"),
                       ("在某某产业园建设", "GW"), ("本次活动共签约项目", "个")):
        assert attribute_not_indicator(name, unit), name
    for name, unit in (("新签约项目投资额", "亿元"), ("统筹推进重大项目建设", "项"), ("工业投资", "亿元"),
                       ("规模以上工业总产值", "亿元"), ("项目总投资增速", "%")):
        assert not attribute_not_indicator(name, unit), name


def test_one_clause_about_a_zone_does_not_make_it_the_document_s_scope() -> None:
    text = ("某市政府工作报告\n\n全年某市地区生产总值1705亿元。某市固定资产投资增长4.1%。"
            "某市新山铝产业示范园新增入园企业28家。\n")
    from gxatlas.extract.indicators import document_scope, region_matcher

    m = region_matcher({"某市": "某市", "某市新山铝产业示范园": "某市新山铝产业示范园"})
    assert document_scope(text, m) == "某市"


def test_figures_of_the_park_take_the_park_named_before_them_by_its_full_name() -> None:
    text = ("以梧州某海新材料产业园为主要承载地。某海新材料产业园规划面积15.6平方公里,"
            "到2025年园区工业总产值突破500亿元。")
    facts = extract(make_doc(text))
    got = {f.name: f.values.get("scope") for f in facts if f.type == "indicator"}
    assert got.get("园区工业总产值") == "梧州某海新材料产业园", got


def test_indicator_names_lose_hedges_subjects_and_conditions() -> None:
    text = ("截至2023年底,园区累计入驻企业136家;2023年园区实现工业总产值185亿元。"
            "物流园建成后年货物吞吐能力可达300万吨,年营业收入预计约60亿元。")
    names = {f.name for f in extract(make_doc(text)) if f.type == "indicator"}
    assert "园区工业总产值" in names, names
    assert "年货物吞吐能力" in names and "年营业收入" in names, names


def test_parks_named_as_demonstration_parks_and_areas_in_mu() -> None:
    from gxatlas.extract.parks import area_km2

    assert area_km2("2400", "亩") == 1.6 and area_km2("1.5", "万亩") == 10
    text = "田东县新山铝产业示范园规划用地3600亩,新增入园企业28家。"
    parks = of_type(extract(make_doc(text)), "park")
    assert parks["田东县新山铝产业示范园"].values["area_km2"] == 2.4


def test_an_extension_works_is_a_project() -> None:
    text = "开工项目中,灵山县城区污水处理厂扩建工程总投资1.6亿元。"
    projects = of_type(extract(make_doc(text)), "project")
    assert projects["灵山县城区污水处理厂扩建工程"].values["investment"] == 1.6
    assert not [f for f in extract(make_doc(text)) if f.type == "indicator"]


def test_an_agreement_named_by_its_abbreviation_is_the_agreement() -> None:
    text = "他表示看好RCEP带来的跨境贸易机遇,RCEP生效后关税逐步降低。"
    (p,) = [f for f in extract(make_doc(text)) if f.type == "policy"]
    assert p.name == "区域全面经济伙伴关系协定" and "RCEP" in p.aliases
    text = "用好《区域全面经济伙伴关系协定》(RCEP)关税减让安排。"
    (p,) = [f for f in extract(make_doc(text)) if f.type == "policy"]
    assert p.name == "区域全面经济伙伴关系协定" and "RCEP" in p.aliases


# --- rules of the third round (figures of what was counted, news of a park) -----------------

def test_amounts_after_a_count_are_of_what_was_counted() -> None:
    text = ("某市日报讯 1至9月,全市新落地外资项目41个,投资总额88.5亿元,到位资金20.3亿元。"
            "某园储备项目12个,项目总投资96亿元。")
    got = {f.name: f.values for f in extract(make_doc(text)) if f.type == "indicator"}
    assert got["新落地外资项目投资总额"]["baseline_value"] == 88.5, sorted(got)
    assert got["新落地外资项目到位资金"]["baseline_value"] == 20.3, sorted(got)
    assert any(n.endswith("储备项目总投资") for n in got), sorted(got)


def test_a_project_named_with_a_dash_and_a_category_is_the_scope_of_its_figures() -> None:
    text = ("某报讯 昨日,园区重点项目甲乙U港-某某科创中心项目等一批项目开工。"
            "据悉,占地面积90亩的甲乙U港-某某科创中心项目计划总投资3.2亿元。项目将引进电子企业。"
            "投产后,预计年产值可达5亿元。")
    facts = extract(make_doc(text))
    projects = of_type(facts, "project")
    (name,) = projects
    assert name == "甲乙U港—某某科创中心项目" and projects[name].values["investment"] == 3.2
    got = {f.name: f.values for f in facts if f.type == "indicator"}
    assert got["占地面积"]["baseline_value"] == 90 and got["占地面积"]["scope"] == name, got
    assert got["年产值"]["scope"] == name, got
    assert not any("总投资" in n for n in got), got  # the project's investment is on the project


def test_news_figures_take_the_park_their_paragraph_is_about() -> None:
    text = ("某报讯 记者3日获悉。\n"
            "当天,钦州·甲乙科技园举行签约仪式,8家企业签约入驻。签约项目涉及电子信息等行业,"
            "计划总投资12亿元,达产后预计年工业产值不少于30亿元。\n")
    got = {f.name: f.values for f in extract(make_doc(text)) if f.type == "indicator"}
    prod = next(v for n, v in got.items() if "产值" in n)
    assert prod["scope"] == "钦州·甲乙科技园" and prod["target_value"] == 30, got


def test_a_planned_count_takes_what_is_done_and_the_share_done_is_named_after_it() -> None:
    text = ("某县日报讯 今年以来,全县年初计划竣工项目20项,现已竣工甲物流中心项目、乙医院项目等23项,"
            "超额完成年度计划的115%。全区招商引资到位资金12.5亿元,完成全年目标的96.2%。")
    got = {f.name: f.values for f in extract(make_doc(text)) if f.type == "indicator"}
    v = got["竣工项目"]
    assert (v["target_value"], v["baseline_value"]) == (20, 23), got
    assert got["竣工项目完成年度计划比例"]["baseline_value"] == 115, sorted(got)
    assert any(n.endswith("到位资金完成全年目标比例") and v["baseline_value"] == 96.2 for n, v in got.items()), got


def test_a_park_s_output_target_stated_later_in_its_paragraph_is_on_the_park_only() -> None:
    text = ("某报讯 据介绍,钦州甲乙产业园规划面积超过30平方公里,已引进一批企业。"
            "目前已形成完整产业链。产业园现有企业全部达产后,年产值将超过150亿元。\n")
    facts = extract(make_doc(text))
    park = of_type(facts, "park")["钦州甲乙产业园"]
    assert (park.values["area_km2"], park.values["target_value"]) == (30, 150)
    assert not [f for f in facts if f.type == "indicator" and f.values.get("target_value") == 150]


def test_an_amount_after_another_measures_the_same_things() -> None:
    text = "某网讯 截至2023年底,某市经甲通道累计运输货物12万标箱,货值150亿元。"
    got = {f.name: f.values for f in extract(make_doc(text)) if f.type == "indicator"}
    assert any(n.endswith("经甲通道累计运输货值") and v["baseline_value"] == 150 for n, v in got.items()), got


def test_a_park_named_by_the_end_of_its_name_takes_the_area_and_its_sentence_s_figures() -> None:
    text = ("某日报讯 近日,市政府批复同意《钦州甲乙新材料产业基地总体规划》。\n\n"
            "《规划》确定了产业基地范围包括丙农场用地约12.5平方公里、丁镇等9个行政村,"
            "规划面积60平方公里。\n")
    facts = extract(make_doc(text))
    assert of_type(facts, "park")["钦州甲乙新材料产业基地"].values["area_km2"] == 60
    got = {f.name: f.values.get("scope") for f in facts if f.type == "indicator"}
    assert got.get("丙农场用地") == "钦州甲乙新材料产业基地", got
    assert got.get("行政村") == "钦州甲乙新材料产业基地", got


def test_items_of_a_list_of_parks_ending_like_parks_are_parks() -> None:
    text = ("某市政府工作报告\n\n构建以灵山经济开发区、丙丁科技园和合浦工业园三大核心园区为主体的新格局。"
            "做大庚辛园、电子产业园、壬癸园规模。建好南湖公园、东山公园、西岭公园。\n")
    parks = of_type(extract(make_doc(text)), "park")
    for name in ("丙丁科技园", "庚辛园", "电子产业园", "壬癸园"):
        assert name in parks, sorted(parks)
    assert not any(n.endswith("公园") for n in parks), sorted(parks)


def test_plans_and_reports_named_without_title_marks() -> None:
    text = ("某市召开会议。该市政府工作报告显示,全市将大力实施新一轮产业升级三年行动,"
            "确保完成“十四五”规划目标任务。\n")
    titles = {f.values["title"] for f in extract(make_doc(text)) if f.type == "policy"}
    assert {"政府工作报告", "产业升级三年行动", "“十四五”规划"} <= titles, titles


def test_a_site_s_area_is_stated_and_a_name_starts_after_the_figure_before_it() -> None:
    text = ("某报讯 据悉,占地面积90亩的甲乙U港-钦州科创中心项目计划总投资3.2亿元,总建筑面积6万平方米。"
            "丙公司投资5亿元建设钦南光伏电站20万千瓦。该公司计划总投资20亿元。\n")
    facts = extract(make_doc(text))
    got = {f.name: f.values for f in facts if f.type == "indicator"}
    area = got["总建筑面积"]
    assert area.get("baseline_value") == 6 and area.get("target_value") is None, got
    assert area["scope"].endswith("科创中心项目"), got  # `钦州` inside the project's name is no scope
    assert not any("亿元" in n or "该公司" in n for n in got), got


def test_a_long_list_closed_as_projects_names_projects_even_when_named_like_parks() -> None:
    text = ("某市日报讯 截至10月底,甲乙创新中心、丙丁西部产业基地、戊己云计算中心、庚辛高科产业基地"
            "等一批电子信息产业项目相继落户试验区。\n")
    projects = of_type(extract(make_doc(text)), "project")
    assert "丙丁西部产业基地" in projects, sorted(projects)


def test_a_count_of_places_reached_is_named_with_what_reaches_them() -> None:
    got = {f.name for f in extract(make_doc("某报讯 甲公司产品远销世界40多个国家和地区。\n")) if f.type == "indicator"}
    assert any(n.endswith("产品远销国家和地区") for n in got), got
