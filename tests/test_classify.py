"""Enterprise classification onto chain links (fixtures written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.analysis.classify import Classified, classify, classify_rows
from gxatlas.cli import main
from gxatlas.data.chains import parse_chains

FIXTURES = Path(__file__).parent / "fixtures" / "chains"


def links(name: str, scope: str) -> set[str]:
    return {f"{h.chain}/{h.link}" for h in classify(name, scope)}


@pytest.mark.parametrize("name, scope, expected", [
    ("广西某锂业有限公司", "一般项目：电池级碳酸锂生产；氢氧化锂加工；货物进出口",
     {"new_energy_battery/lithium_salt"}),
    ("某某新能源材料有限公司", "锂离子电池负极材料的研发、生产；人造石墨生产",
     {"new_energy_battery/anode"}),
    ("某某科技有限公司", "锂电池隔膜生产、销售", {"new_energy_battery/separator"}),
    ("某某糖业有限公司", "白砂糖生产；甘蔗种植", {"sugar_food/sugar_refining", "sugar_food/sugarcane"}),
    ("某某造船有限公司", "钢质船舶制造；船舶修理", {"shipbuilding/shipbuilding",
                                                  "shipbuilding/ship_repair"}),
])
def test_known_enterprises(name: str, scope: str, expected: set[str]) -> None:
    assert links(name, scope) == expected


@pytest.mark.parametrize("name, scope", [
    ("南宁市某某餐饮管理有限公司", "餐饮服务；食品销售；餐饮管理"),
    ("某某电池贸易有限公司", "电池销售；锂电池销售；五金产品零售"),
    ("某某物业服务有限公司", "物业管理；停车场服务；保洁服务"),
    ("某某泵业有限公司", "气动隔膜泵、隔膜阀生产"),
    ("", ""),
])
def test_hard_negatives_get_no_link(name: str, scope: str) -> None:
    assert classify(name, scope) == []


def test_hit_carries_names_score_and_evidence() -> None:
    (hit,) = classify("某某负极材料有限公司", "负极材料生产")
    assert hit.chain == "new_energy_battery" and hit.chain_name == "新能源电池及储能"
    assert hit.link == "anode" and hit.link_name == "负极材料"
    assert 0.5 <= hit.score < 1 and hit.evidence == ("负极材料",)
    assert hit.to_dict()["evidence"] == ["负极材料"]


def test_negative_keyword_covers_only_its_own_words() -> None:
    # 隔膜泵 cancels 隔膜 but a separate separator item still counts
    assert links("某某公司", "隔膜泵生产；锂电池隔膜生产") == {"new_energy_battery/separator"}


def test_making_outweighs_selling() -> None:
    made = classify("某某公司", "锂离子电池制造")
    sold = classify("某某公司", "锂离子电池销售")
    assert made and not sold


def test_custom_chains_and_full_width_text() -> None:
    demo = parse_chains(FIXTURES / "templates", check_industries=False)
    assert {h.link for h in classify("甲材料厂", "甲材料生产；甲盐加工", chains=demo)} == {
        "material", "salt"}
    assert classify("某公司", "甲材料销售", chains=demo) == []
    # NFKC: full-width letters are matched as ASCII keywords
    assert "new_energy_battery/pack" in links("某公司", "动力电池ＰＡＣＫ组装生产")


def test_classify_rows_streams_each_kind_of_row() -> None:
    rows = iter([("某某糖厂", "白砂糖生产"), {"name": "某某餐厅", "scope": "餐饮服务"}])
    out = classify_rows(rows)
    first = next(out)
    assert isinstance(first, Classified) and first.links[0].link == "sugar_refining"
    second = next(out)
    assert second.to_dict() == {"name": "某某餐厅", "links": []}


def test_cli_classify_json_one_object_per_enterprise() -> None:
    res = CliRunner().invoke(main, ["enterprises", "classify",
                                    str(FIXTURES / "registry_small.csv"), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [d["name"] for d in data] == [
        "广西甲锂能新材料有限公司", "广西乙负极材料有限公司", "柳州丁汽车零部件有限公司",
        "南宁戊餐饮管理有限公司", "湖南己锂电池有限公司", "南宁庚电池销售有限公司"]
    by = {d["name"]: d["links"] for d in data}
    assert by["南宁戊餐饮管理有限公司"] == [] and by["南宁庚电池销售有限公司"] == []
    (salt,) = by["广西甲锂能新材料有限公司"]
    assert set(salt) == {"chain", "chain_name", "link", "link_name", "score", "evidence"}
    assert salt["link"] == "lithium_salt" and "氢氧化锂" in salt["evidence"]
    assert "跳过" in res.stderr and ":3:" in res.stderr


def test_cli_classify_without_file_needs_a_kb(tmp_path) -> None:
    """Without FILE the KB is classified; with no KB that is a one-line error, no output."""
    res = CliRunner().invoke(main, ["--db", str(tmp_path / "none.sqlite"), "enterprises",
                                    "classify"])
    assert res.exit_code == 1 and "gxatlas init" in res.stderr and res.stdout == ""
