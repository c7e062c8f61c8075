"""Chain coverage, gaps and candidates on a fixture chain with known answers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.analysis.chains import (Entity, analyse, chain_coverage, chain_graph, graph_view,
                                     in_region, region_key)
from gxatlas.analysis.classify import Classifier
from gxatlas.cli import main
from gxatlas.data.chains import parse_chains

FIXTURES = Path(__file__).parent / "fixtures" / "chains"
(DEMO,) = parse_chains(FIXTURES / "templates", check_industries=False)
CLF = Classifier([DEMO])


def ent(name: str, region: str, *, links: tuple[str, ...] = (), text: str = "",
        type: str = "enterprise", tags: tuple[str, ...] = (), park: str | None = None
        ) -> Entity:
    return Entity(name=name, type=type, region=region, park=park, text=text,
                  links=links, tags=tags)


ENTITIES = [
    # 南宁: material strong (3 firms), cell present (1), salt only a project, plans name pack
    ent("南宁一材料公司", "南宁市", links=("demo/material",)),
    ent("南宁二材料公司", "南宁市", links=("demo/material",), park="甲园区"),
    ent("南宁三公司", "南宁市", text="甲材料生产"),  # classified from its text
    ent("南宁电芯公司", "南宁市", links=("demo/cell",), tags=("链主",)),
    ent("南宁盐项目", "南宁市", type="project", text="年产十万吨甲盐项目"),
    ent("南宁规划", "南宁市", type="focus", text="推动示例链延链，引进甲电池包企业"),
    ent("南宁餐厅", "南宁市", text="餐饮服务"),
    # elsewhere: salt in 柳州 (2) and 钦州 (1), pack in 柳州
    ent("柳州盐一厂", "柳州市", links=("demo/salt",), tags=("龙头企业",)),
    ent("柳州盐二厂", "柳州市", text="甲盐加工"),
    ent("钦州盐厂", "钦州市", links=("demo/salt",)),
    ent("柳州电池包厂", "柳州市", links=("demo/pack",)),
    ent("柳州规划", "柳州市", type="focus", text="甲回收"),
]


def cov(**kw) -> dict:
    return chain_coverage(DEMO, entities=ENTITIES, clf=CLF, **kw)


def test_link_status_and_members() -> None:
    c = cov(region="南宁")
    by = {lk["id"]: lk for lk in c["links"]}
    assert {k: v["status"] for k, v in by.items()} == {
        "ore": "missing", "salt": "weak", "material": "strong", "cell": "present",
        "pack": "missing", "recycle": "missing"}
    assert by["material"]["enterprises"] == ["南宁一材料公司", "南宁三公司", "南宁二材料公司"]
    assert by["salt"]["projects"] == ["南宁盐项目"] and by["salt"]["enterprises"] == []
    assert set(by["ore"]) == {"id", "name", "position", "status", "enterprises", "projects",
                              "project_stages"}


def test_gaps_ranked_by_importance() -> None:
    gaps = cov(region="南宁市")["gaps"]
    order = [(g["link"], g["status"], g["importance"]) for g in gaps]
    # pack: named in plans 2.0 + chain named 0.5 + fed by cell (present) 0.5
    # salt: supplies material (strong) 1.0 + cell via material 0.5 + chain named 0.5 + project 0.5
    # ore, recycle: material and cell further down 0.5 + 0.5, chain named 0.5 (template order)
    assert order == [("pack", "missing", 3.0), ("salt", "weak", 2.5),
                     ("ore", "missing", 1.5), ("recycle", "missing", 1.5)]


def test_candidates_are_other_regions_and_enterprises_with_reasons() -> None:
    gaps = {g["link"]: g for g in cov(region="南宁")["gaps"]}
    cands = gaps["salt"]["candidates"]
    regions = [c["name"] for c in cands if c["type"] == "region"]
    firms = [c["name"] for c in cands if c["type"] == "enterprise"]
    assert regions == ["柳州市", "钦州市"]
    assert firms[0] == "柳州盐一厂" and set(firms) == {"柳州盐一厂", "柳州盐二厂", "钦州盐厂"}
    for c in cands:
        assert set(c) == {"type", "name", "reason"}
        assert c["reason"].endswith("。") and c["reason"].count("。") == 1
    assert "材料" in next(c["reason"] for c in cands if c["name"] == "柳州盐二厂")
    assert gaps["ore"]["candidates"] == []


def test_park_scope_and_region_matching() -> None:
    c = cov(park="甲园区")
    assert {lk["id"]: lk["status"] for lk in c["links"]}["material"] == "present"
    assert region_key("南宁市") == region_key("南宁") == "南宁"
    assert region_key("广西壮族自治区") == "广西"
    e = Entity(name="x", type="enterprise", region="南宁市", region_path=("南宁市", "横州市"))
    assert in_region(e, region="横州") and in_region(e, region="南宁")
    assert not in_region(e, region="柳州")


def test_analyse_shape_and_graph() -> None:
    res = analyse([DEMO], entities=ENTITIES, region="南宁", clf=CLF)
    assert res["region"] == "南宁" and [c["id"] for c in res["chains"]] == ["demo"]
    entry = res["chains"][0]
    assert set(entry) == {"id", "name", "links", "gaps"}
    for g in entry["gaps"]:
        assert set(g) == {"link", "status", "importance", "candidates"}
    series = chain_graph(entry, chain=DEMO)
    assert series["type"] == "graph" and len(series["data"]) == 6
    assert {(e["source"], e["target"]) for e in series["links"]} == {
        ("ore", "salt"), ("salt", "material"), ("material", "cell"), ("cell", "pack"),
        ("recycle", "salt")}
    node = {n["id"]: n for n in series["data"]}
    assert node["material"]["itemStyle"]["color"] != node["pack"]["itemStyle"]["color"]
    assert node["ore"]["x"] < node["material"]["x"] < node["pack"]["x"]
    view = graph_view(res, chains=[DEMO])
    assert view["chains"][0]["series"]["name"] == "示例电池链"
    json.dumps(view, ensure_ascii=False)


def test_cli_chains_from_registry_json_and_graph() -> None:
    reg = str(FIXTURES / "registry_small.csv")
    res = CliRunner().invoke(main, ["chains", "--chain", "new_energy_battery", "--region", "南宁",
                                    "--registry", reg, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    (chain,) = data["chains"]
    status = {lk["id"]: lk["status"] for lk in chain["links"]}
    assert status["lithium_salt"] == "present"
    # the registry's only anode maker (line 4) has a bad credit code: its row is refused
    assert status["cathode"] == "missing" and status["anode"] == "missing"
    cell_gap = next(g for g in chain["gaps"] if g["link"] == "cell")
    assert cell_gap["candidates"][0] == {
        "type": "region", "name": "湖南省",
        "reason": cell_gap["candidates"][0]["reason"]}
    res = CliRunner().invoke(main, ["chains", "--chain", "new_energy_battery", "--region", "南宁",
                                    "--registry", reg, "--format", "graph"])
    assert json.loads(res.stdout)["chains"][0]["series"]["type"] == "graph"
    res = CliRunner().invoke(main, ["chains", "--chain", "new_energy_battery", "--region", "南宁",
                                    "--registry", reg])
    assert res.exit_code == 0 and "负极材料" in res.stdout
    res = CliRunner().invoke(main, ["chains", "--region", "南宁", "--park", "x"])
    assert res.exit_code == 1 and "只能给一个" in res.stderr


def test_recorded_industry_places_what_its_words_do_not() -> None:
    """A firm or project recorded only as 钢铁 (柳钢, 防城港钢铁基地) is a steel works: the
    template's link ``industries`` place it on 炼铁/炼钢/轧钢; its own words win when they
    place it in the chain, and plan statements are not placed by industry."""
    from gxatlas.analysis.chains import entity_links
    from gxatlas.analysis.classify import classifier
    from gxatlas.data.chains import find_chain

    steel = find_chain("steel")
    clf = classifier()
    works = {"steel/ironmaking", "steel/steelmaking", "steel/steel_rolling"}
    firm = Entity(name="柳钢", type="enterprise", region="柳州市",
                  text="广西柳州钢铁集团有限公司 钢铁", industries=("钢铁",))
    assert set(entity_links(firm, clf)) == works
    assert entity_links(Entity(name="某基地", type="project", industries=("钢铁工业",)), clf
                        ).keys() == works  # a synonym as the KB may record it
    roller = Entity(name="某轧钢厂", type="enterprise", text="冷轧薄板生产", industries=("钢铁",))
    assert set(entity_links(roller, clf)) == {"steel/steel_rolling"}
    assert entity_links(Entity(name="规划", type="focus", text="钢铁", industries=("钢铁",)),
                        clf) == {}
    assert entity_links(Entity(name="柳钢", type="enterprise", text="钢铁"), clf) == {}
    cov = chain_coverage(steel, entities=[firm], region="柳州", clf=clf)
    status = {lk["id"]: lk["status"] for lk in cov["links"]}
    assert {k.split("/")[1] for k in works} == {k for k, v in status.items() if v == "present"}


def test_classified_reads_links_once() -> None:
    from gxatlas.analysis.chains import classified

    known = classified(ENTITIES, CLF)
    assert [e.name for e in known] == [e.name for e in ENTITIES]
    assert all(e.links for e in known)
    assert dict(known[2].links and {k: 1 for k in known[2].links}) == {"demo/material": 1}
    assert known[6].links == ("-/-",)  # 南宁餐厅: on no link
    for region in ("南宁市", "柳州市"):  # the same statuses and gaps (scores become 1.0)
        a, b = (chain_coverage(DEMO, entities=es, region=region, clf=CLF)
                for es in (known, ENTITIES))
        assert a["links"] == b["links"]
        assert [(g["link"], g["importance"]) for g in a["gaps"]] == \
            [(g["link"], g["importance"]) for g in b["gaps"]]
