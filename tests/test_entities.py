"""Entity extraction on synthetic documents written in the seeds' style (tests/fixtures/extract)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gxatlas.extract import extract
from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import build_gazetteer, default_gazetteer
from gxatlas.extract.policies import extract_policies
from gxatlas.ingest.document import Document


def extract_entities(doc, *, gazetteer=None):
    """The entity facts (parks, enterprises, projects, policies, focus) of ``doc``."""
    return [f for f in extract(doc, gazetteer=gazetteer) if f.type != "indicator"]

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


def make_doc(text: str, name: str = "fixture") -> Document:
    """A Document whose normalized text is ``text`` (identity offsets)."""
    return Document(name=name, path=name, sha256="", format="txt", encoding="utf-8",
                    variant="simplified", title="", original=text, text=text,
                    offsets=tuple(range(len(text) + 1)))


def fixture_doc(name: str) -> Document:
    return make_doc((FIXTURES / name).read_text(encoding="utf-8"), name=Path(name).stem)


def by_type(facts: list[Fact], type_: str) -> dict[str, Fact]:
    return {f.name: f for f in facts if f.type == type_}


@pytest.fixture(scope="module")
def prose() -> list[Fact]:
    return extract_entities(fixture_doc("prose.txt"))


def test_every_fact_points_at_its_text(prose: list[Fact]) -> None:
    doc = fixture_doc("prose.txt")
    assert prose
    for f in prose:
        ev = f.evidence
        assert ev.doc == "prose"
        assert 0 <= ev.start < ev.end <= len(doc.text)
        assert ev.quote == doc.text[ev.start:ev.end][:200]
        assert (ev.orig_start, ev.orig_end) == doc.to_original(ev.start, ev.end)


def test_parks_start_at_the_place_not_at_the_verb(prose: list[Fact]) -> None:
    parks = by_type(prose, "park")
    assert "梧州临港产业园" in parks
    assert parks["梧州临港产业园"].get("city") == "梧州"
    assert not any(n.startswith(("加快", "建设", "推进", "支持")) for n in parks)


def test_generic_phrases_are_not_parks(prose: list[Fact]) -> None:
    parks = by_type(prose, "park")
    assert not {"重点园区", "特色工业园区", "工业园区"} & set(parks)


def test_county_park_resolves_to_its_prefecture(prose: list[Fact]) -> None:
    parks = by_type(prose, "park")
    assert parks["藤县工业集中区"].get("city") == "梧州"


def test_park_target_from_its_own_paragraph(prose: list[Fact]) -> None:
    park = by_type(prose, "park")["贺州高新技术产业开发区"]
    assert park.get("city") == "贺州"
    assert (park.get("target_year"), park.get("target_value"), park.get("comparator")) == (2025, 800, ">=")
    assert "贺州高新区" in park.aliases


def test_park_table_flattened_one_cell_per_line() -> None:
    parks = by_type(extract_entities(fixture_doc("park_table.txt")), "park")
    p = parks["梧州临港产业园"]
    assert (p.get("city"), p.get("area_km2"), p.get("target_year"), p.get("target_value")) == ("梧州", 12.5, 2025, 600)
    q = parks["贺州高新技术产业开发区"]
    assert (q.get("area_km2"), q.get("target_value")) == (30, 800)


def test_enterprises_from_lists_and_company_forms(prose: list[Fact]) -> None:
    firms = by_type(prose, "enterprise")
    assert {"华星电子", "金泰重工", "广西桂东机械有限公司"} <= set(firms)
    assert firms["广西桂东机械有限公司"].get("city") == "梧州"
    assert "配套企业" not in firms


def test_projects_with_investment_capacity_and_status(prose: list[Fact]) -> None:
    projects = by_type(prose, "project")
    p = projects["岑溪年产50万吨不锈钢项目"]
    # SCHEMA.md: a county-level city where named (the text is about 梧州, of which 岑溪 is one)
    assert p.get("city") == "岑溪"
    assert p.get("investment") == 35
    assert p.get("capacity") == "50万吨"
    assert p.get("status") == "开工"  # the stage (issue 13): 储备 前期 签约 开工 在建 竣工 投产 达产
    q = projects["贺州碳酸钙精深加工项目"]
    assert q.get("investment") == pytest.approx(0.8)


def test_policy_title_with_its_number_and_no_newspaper(prose: list[Fact]) -> None:
    policies = [f for f in prose if f.type == "policy"]
    assert [f.get("doc_number") for f in policies] == ["梧政发〔2021〕12号"]
    assert policies[0].get("title") == "梧州市工业发展“十四五”规划"
    assert policies[0].to_record()["doc_number"] == "梧政发〔2021〕12号"


@pytest.mark.parametrize("raw, number", [
    ("按照桂政发〔2019〕53号文件执行。", "桂政发〔2019〕53号"),
    ("按照桂政发[2019]53号文件执行。", "桂政发〔2019〕53号"),
    ("印发国发(2019)16号。", "国发〔2019〕16号"),
])
def test_document_number_bracket_variants(raw: str, number: str) -> None:
    facts = extract_policies(make_doc(raw))
    assert [f.get("doc_number") for f in facts] == [number]


def test_policy_table_flattened_column_by_column() -> None:
    facts = extract_policies(fixture_doc("column_table.txt"))
    got = {f.get("doc_number"): (f.get("title"), f.get("date")) for f in facts}
    assert got == {
        "梧政发〔2021〕8号": ("梧州市促进制造业高质量发展若干措施", "2021-03-05"),
        "梧政办发〔2021〕30号": ("梧州市数字经济发展三年行动计划", "2021-06-18"),
        "梧政发〔2022〕2号": ("梧州市产业园区管理办法", "2022-01-20"),
    }
    assert all(f.evidence.alignment == "fuzzy" and f.evidence.reason for f in facts)


def test_focus_industries_of_a_park(prose: list[Fact]) -> None:
    focus = [f for f in prose if f.type == "industry_focus" and f.get("park") == "贺州高新技术产业开发区"]
    assert focus
    assert {"电子信息", "生物医药"} <= set(focus[0].get("industries"))


def test_known_names_from_the_caller_are_found() -> None:
    gaz = build_gazetteer(known_enterprises=["青山控股"])
    facts = extract_entities(make_doc("梧州市引进青山控股投资建设新材料基地。"), gazetteer=gaz)
    assert "青山控股" in by_type(facts, "enterprise")


def test_gazetteer_resolves_counties_and_short_names() -> None:
    gaz = default_gazetteer()
    assert gaz.city_of("宾阳县") == "南宁"
    assert gaz.city_of("凭祥") == "崇左"
    assert gaz.city_of("柳州市") == "柳州"


_ALPHABET = st.sampled_from(list("广西南宁北海钦州工业园区开发区产业园项目集团有限公司以等龙头企业、，。《》〔〕[]()（）"
                                 "桂政发号年月日亿元万吨12345678900.\n —-一期二期重点建设加快推进"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_ALPHABET, max_size=300) | st.text(max_size=200))
def test_extract_entities_never_raises(text: str) -> None:
    doc = make_doc(text)
    for f in extract_entities(doc):
        assert 0 <= f.evidence.start <= f.evidence.end <= len(text)
        f.to_record()


@pytest.mark.seeds
def test_seeds_extract_with_exact_evidence() -> None:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip(f"seed corpus not found at {SEEDS}")
    try:
        from gxatlas.ingest import read
    except ImportError:
        pytest.skip("gxatlas.ingest.read is not available yet")
    for path in files:
        doc = read(path)
        facts = extract_entities(doc)
        for f in facts:
            assert doc.text[f.evidence.start:f.evidence.end][:200] == f.evidence.quote


# --- lists, nested names and spellings (tests/fixtures/extract/lists.txt) -------------------


@pytest.fixture(scope="module")
def lists() -> list[Fact]:
    return extract_entities(fixture_doc("lists.txt"))


def test_project_list_items_split_at_commas_and_before_proper_names(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert {"梧州临港物流枢纽二期", "贺州华瑞新材料碳酸钙项目", "岑溪金源陶瓷"} <= set(projects)
    assert not any(n.startswith(("加快", "推进")) for n in projects)


def test_bare_places_counted_by_the_next_item_are_one_project(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert "苍梧、藤县、蒙山三县燃气电站" in projects
    assert not any(n.startswith(("藤县三县", "蒙山三县")) for n in projects)


def test_list_head_noun_is_handed_to_every_item(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert {"昭平黄姚风电场", "钟山清塘风电场"} <= set(projects)
    assert {"梧州港重点码头项目", "贺州港重点码头项目"} <= set(projects)


def test_conjunction_before_common_words_stays_inside_the_name(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert "梧州华瑞不锈钢冷轧及不锈钢制品深加工基地项目" in projects
    assert "不锈钢制品深加工基地项目" not in projects


def test_items_of_a_mostly_project_list_are_projects(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert {"梧州至贺州城际铁路", "玉林至岑溪铁路", "贺州八步物流中心", "梧州至柳州客专"} <= set(projects)


def test_metro_lines_one_project_each(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert {"梧州市地铁1号线", "梧州市地铁2号线"} <= set(projects)


def test_spellings_of_one_project_are_merged(lists: list[Fact]) -> None:
    projects = by_type(lists, "project")
    assert "梧州—贺州城际铁路" in projects["梧州至贺州城际铁路"].aliases
    assert "金源陶瓷项目" not in projects or "岑溪金源陶瓷" not in projects


def test_park_named_only_as_a_project_is_a_project(lists: list[Fact]) -> None:
    assert "梧州智能家居产业园项目" in by_type(lists, "project")
    assert "梧州智能家居产业园" not in by_type(lists, "park")


def test_part_of_a_zone_is_its_own_park_and_the_zone_keeps_its_area(lists: list[Fact]) -> None:
    parks = by_type(lists, "park")
    zone = parks["中国（梧州）自由贸易试验区"]
    assert zone.get("area_km2") == 30.5
    assert "中国（梧州）自由贸易试验区万秀片区" in parks["万秀片区"].aliases


def test_nested_park_rule(lists: list[Fact]) -> None:
    """A county cluster names its sub-zone with it (one park, outer name as alias); a park
    inside a development zone is a park of its own (the long form as alias)."""
    parks = by_type(lists, "park")
    assert "苍梧县工业集中区" in parks["苍梧县工业集中区旺甫工业区"].aliases
    assert "苍梧县工业集中区" not in parks
    assert "梧州经济技术开发区" in parks
    assert "梧州经济技术开发区粤桂合作产业园" in parks["粤桂合作产业园"].aliases


def test_spellings_of_one_park_are_merged(lists: list[Fact]) -> None:
    parks = by_type(lists, "park")
    twin = [p for p in parks.values() if "梧州中泰产业园" in (p.name, *p.aliases)]
    assert len(twin) == 1
    assert {"中泰（梧州）产业园", "中国—泰国梧州产业园区"} <= {twin[0].name, *twin[0].aliases}
    assert "龙圩临港产业园" in parks["梧州龙圩临港产业园"].aliases


def test_firm_a_project_is_named_after_is_an_enterprise(lists: list[Fact]) -> None:
    firms = by_type(lists, "enterprise")
    assert firms["华瑞新材料"].get("city") == "贺州"
    assert "智能家居" not in firms
    assert "华星集团" in firms and "华星" not in firms
