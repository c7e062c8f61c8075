"""Chain templates: the bundled ones load and cover the chains the seeds name; errors name
file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gxatlas.data.chains import POSITIONS, find_chain, load_chains, parse_chain, parse_chains
from gxatlas.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "chains"
REQUIRED = ("new_energy_battery", "automotive", "aluminium", "steel", "petrochemical",
            "electronics", "machinery", "sugar_food", "forestry_paper", "medicine",
            "shipbuilding", "nonferrous", "calcium_carbonate")


def test_bundled_templates_cover_the_required_chains() -> None:
    chains = {c.id: c for c in load_chains()}
    assert set(REQUIRED) <= set(chains)
    for c in chains.values():
        assert c.source and c.name and c.links
        assert {lk.position for lk in c.links} <= set(POSITIONS)
        ids = {lk.id for lk in c.links}
        for lk in c.links:
            assert lk.keywords, lk.id
            assert set(lk.supplies) <= ids
            assert all(code[0].isalpha() and len(code) == 5 for code in lk.gbt4754)


def test_battery_chain_has_the_links_the_issue_lists() -> None:
    battery = find_chain("new_energy_battery")
    ids = {lk.id for lk in battery.links}
    assert {"lithium_salt", "cathode", "anode", "electrolyte", "separator", "cell", "pack",
            "recycling"} <= ids
    assert "cathode" in battery.link("lithium_salt").supplies
    assert {lk.id for lk in battery.suppliers_of("cell")} >= {"cathode", "anode", "separator"}
    assert "碳酸锂" in battery.link("lithium_salt").keywords
    assert "种子 004" in battery.source


def test_find_chain_by_alias_and_unknown() -> None:
    assert find_chain("钙基材料").id == "calcium_carbonate"
    with pytest.raises(InputError, match="未知产业链"):
        find_chain("不存在的链")


def test_fixture_template_loads() -> None:
    (demo,) = parse_chains(FIXTURES / "templates", check_industries=False)
    assert demo.id == "demo" and [lk.id for lk in demo.links][:2] == ["ore", "salt"]


GOOD_LINK = """  - id: a
    name: 甲
    position: upstream
    supplies: []
    gbt4754: [C3841]
    keywords: [甲]
"""


@pytest.mark.parametrize("body, problem, line", [
    (GOOD_LINK.replace("upstream", "sideways"), "position", 5),
    (GOOD_LINK.replace("supplies: []", "supplies: [zz]"), "zz", 5),
    (GOOD_LINK.replace("[C3841]", "[C0133]"), "C0133", 5),
    (GOOD_LINK.replace("keywords: [甲]", "keywords: [甲]\n    negative_keywords: [乙丙]"),
     "不起作用", 5),
    (GOOD_LINK.replace("keywords: [甲]", "keywords: [甲, 甲]"), "重复", 5),
    (GOOD_LINK + GOOD_LINK, "重复", 11),
    (GOOD_LINK.replace("    name: 甲\n", "    name: 甲\n    colour: red\n"), "colour", 5),
])
def test_template_errors_name_file_and_line(tmp_path: Path, body: str, problem: str,
                                            line: int) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(f"id: x\nname: 测试\nsource: 自拟\nlinks:\n{body}", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_chain(path)
    assert problem in str(err.value)
    assert err.value.line == line and err.value.source == str(path)


def test_link_industries_must_be_known(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(f"id: x\nname: 测试\nsource: 自拟\nlinks:\n{GOOD_LINK}"
                    "    industries: [no_such_industry]\n", encoding="utf-8")
    with pytest.raises(InputError, match="no_such_industry") as err:
        parse_chain(path, industry_ids=frozenset({"steel"}))
    assert err.value.line == 5


def test_template_id_must_match_file_and_yaml_errors_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "y.yaml"
    path.write_text(f"id: x\nname: 测试\nsource: 自拟\nlinks:\n{GOOD_LINK}", encoding="utf-8")
    with pytest.raises(InputError, match="文件名"):
        parse_chain(path)
    path.write_text("id: y\nname: [未闭合\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML") as err:
        parse_chain(path)
    assert err.value.line is not None


@pytest.mark.seeds
def test_seed_004_names_battery_links_the_template_knows(seeds_dir: Path) -> None:
    from gxatlas.analysis.classify import classifier

    (path,) = seeds_dir.glob("004_*.txt")
    found = classifier().mentions(path.read_text(encoding="utf-8"))
    assert {"new_energy_battery/lithium_salt", "new_energy_battery/anode",
            "new_energy_battery/cathode"} <= set(found)
    assert "calcium_carbonate/ground_calcium" in found  # 碳酸钙 resources
