"""Entity extraction, round 3: firms by the shape of their names, firms as subjects, project
spellings merged, places of facts in a one-city document (tests/fixtures/extract)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gxatlas.extract.enterprises import firm_shape, investor_of
from gxatlas.extract import extract
from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import default_gazetteer
from gxatlas.extract.mentions import CityContext, industry_words
from gxatlas.extract.parks import park_city
from gxatlas.ingest.document import Document


def extract_entities(doc, *, gazetteer=None):
    """The entity facts (parks, enterprises, projects, policies, focus) of ``doc``."""
    return [f for f in extract(doc, gazetteer=gazetteer) if f.type != "indicator"]

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def make_doc(text: str, name: str = "fixture") -> Document:
    return Document(name=name, path=name, sha256="", format="txt", encoding="utf-8",
                    variant="simplified", title="", original=text, text=text,
                    offsets=tuple(range(len(text) + 1)))


@pytest.fixture(scope="module")
def facts() -> list[Fact]:
    text = (FIXTURES / "firms_projects.txt").read_text(encoding="utf-8")
    return extract_entities(make_doc(text, "firms_projects"))


def names(facts: list[Fact], type_: str) -> dict[str, Fact]:
    return {f.name: f for f in facts if f.type == type_}


def test_firm_shape_is_a_trade_name_and_what_the_firm_does() -> None:
    inds = set(industry_words())
    assert firm_shape("清源新材料锂电池隔膜项目", inds) == "清源新材料"
    assert firm_shape("东岳智能科技", inds) == "东岳智能科技"
    assert firm_shape("精细化工基地", inds) is None  # an industry, no trade name
    assert firm_shape("环保型新材料", inds) is None  # a descriptor, no trade name
    assert firm_shape("高新区机械制造产业项目", inds) is None  # a zone, no trade name


def test_investor_is_read_after_the_places_a_project_opens_with() -> None:
    gaz = default_gazetteer()
    assert investor_of("河池鑫源粮油项目", gaz) == "鑫源粮油"
    assert investor_of("天峨桂鑫铝业", gaz) == "桂鑫铝业"


def test_firms_listed_after_a_dash_or_before_a_stock_code(facts: list[Fact]) -> None:
    firms = names(facts, "enterprise")
    assert {"宏达锡业", "嘉瑞化工", "瑞博科技"} <= set(firms)


def test_firms_named_in_project_lists_are_firms_and_projects(facts: list[Fact]) -> None:
    firms, projects = names(facts, "enterprise"), names(facts, "project")
    for n in ("星辉电能", "爱琴海电子", "东岳智能科技"):
        assert n in firms and n in projects
    assert "清源新材料" in firms and "鑫源粮油" in firms


def test_list_item_opening_with_a_verb_like_character_keeps_it(facts: list[Fact]) -> None:
    assert "爱琴海电子" in names(facts, "project")
    assert "琴海电子" not in names(facts, "project")


def test_county_city_of_facts_in_a_one_city_document(facts: list[Fact]) -> None:
    projects = names(facts, "project")
    assert projects["星辉电能"].get("city") == "天峨"
    assert projects["南丹有色金属循环产业园"].get("city") == "南丹"
    # a district is no county: the prefecture city stays
    assert names(facts, "enterprise")["宏达锡业"].get("city") == "河池"


def test_county_stays_in_its_prefecture_in_a_regional_document() -> None:
    gaz = default_gazetteer()
    text = "南宁、柳州、桂林、梧州各有园区。藤县工业集中区扩区。"
    ctx = CityContext.of(text, gaz)
    assert ctx.home is None
    assert park_city("藤县工业集中区", text.index("藤县"), gaz=gaz, ctx=ctx) == "梧州"


def test_spellings_of_one_project_are_merged_not_phases(facts: list[Fact]) -> None:
    projects = names(facts, "project")
    merged = [p for p in projects.values() if "锡冶炼二期" in p.name or
              any("锡冶炼二期" in a for a in p.aliases)]
    assert len(merged) == 1
    assert "河池远航精锡二期" in projects and "河池远航锌冶炼二期" in projects


def test_coordinated_firm_project_before_a_named_one(facts: list[Fact]) -> None:
    projects = names(facts, "project")
    assert "天峨桂鑫铝业" in projects and "中能河池热电项目" in projects
    assert "清源新材料锂电池隔膜项目" in projects and "鑫源粮油项目" in projects


def test_marked_project_names(facts: list[Fact]) -> None:
    projects = names(facts, "project")
    assert "城乡融合项目" in projects  # in quotes
    assert "云梯湾项目" in projects  # in brackets after what it stands for
    assert "中国—东盟物流信息港工程" in projects  # `…工程建设`
    assert not any("双百双新" in n for n in projects)  # a slogan
    assert not any(n.endswith("项目库") or n == "项目" for n in projects)


def test_tiered_park_in_a_project_list_is_a_park(facts: list[Fact]) -> None:
    assert "河池环江锂电千亿产业园" in names(facts, "park")
    assert "河池环江锂电千亿产业园" not in names(facts, "project")
    assert "南丹有色金属循环产业园" in names(facts, "project")


def test_institutions_in_project_lists_need_a_place(facts: list[Fact]) -> None:
    projects = names(facts, "project")
    assert "河池数据应用中心" in projects
    assert "国际海事仲裁机构" not in projects


def test_place_and_industry_is_no_firm() -> None:
    text = "以河池锡业和宏达锡业为龙头，发展有色金属产业。"
    firms = names(extract_entities(make_doc(text)), "enterprise")
    assert "河池锡业" not in firms
    assert "宏达锡业" in firms


def test_place_name_across_two_words_is_no_place() -> None:
    gaz = default_gazetteer()
    # `丹桂|林场`, `长北|海岸线`: 桂林 and 北海 read across two words are no places
    assert park_city("丹桂林场改造", 0, gaz=gaz, ctx=None) is None
    assert park_city("长北海岸线项目", 0, gaz=gaz, ctx=None) is None
    assert park_city("桂林丹桂林场改造", 0, gaz=gaz, ctx=None) == "桂林"


def test_bases_named_after_a_place_are_parks() -> None:
    text = "推动河池锡材料基地、南丹东盟电子商务基地建设，发展新材料基地。"
    parks = names(extract_entities(make_doc(text)), "park")
    assert {"河池锡材料基地", "南丹东盟电子商务基地"} <= set(parks)
    assert "新材料基地" not in parks and "发展新材料基地" not in parks


def test_two_firms_side_by_side_before_a_company_word() -> None:
    text = "推进鑫源粮油嘉华集团粮油加工项目。"
    firms = names(extract_entities(make_doc(text)), "enterprise")
    assert "鑫源粮油" in firms and "嘉华集团" in firms
    assert "鑫源粮油嘉华集团" not in firms
