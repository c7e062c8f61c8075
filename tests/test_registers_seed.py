"""The project pipeline on the bundled atlas plus the five seeds ingested (needs ../shared).

Hand count from seed 004 (南宁, 2026-02 news; everything below is in its one paragraph on
横州, file line 13), the projects the 横州 official names and the stage each sentence gives:

    全力服务好 比亚迪碳酸锂、中科电能 等项目释放产能          -> 2 projects, 投产/达产
    推进 宸宇负极材料、安达磷酸铁锂、超高清显示轻量化精密制造 等项目建设 -> 3 projects, 开工/在建
    推进 钦实集团南宁新能源船舶产业基地、深蓝南宁智慧绿色船舶产业园 等项目 -> 2 projects, 开工/在建
                                                            (推进…项目: counted as under way,
                                                             as the bundled atlas records them)

So 7 projects in 南宁 (横州 is a county-level city of 南宁): 投产 2, 在建 5, 储备/签约/竣工 0;
the seed states no investment for any of them: 0 亿元 over 0 projects with a figure. (The
seed's 8th project, 平陆运河, is placed in no city and so is not in 南宁's list.) Every stage
is dated by the document, 2026-02, and none has stalled at 2026-12-03.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main

SEED_004 = "004_35157f1fbdb36fec"
HAND_COUNT = {"比亚迪碳酸锂项目": "投产", "中科电能项目": "投产", "宸宇负极材料项目": "在建",
              "安达磷酸铁锂项目": "在建", "超高清显示轻量化精密制造项目": "在建",
              "钦实集团南宁新能源船舶产业基地": "在建", "深蓝南宁智慧绿色船舶产业园": "在建"}


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def seeded(seeds_dir: Path, _atlas_template: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> str:
    dst = tmp_path_factory.mktemp("seeded") / "kb.sqlite"
    shutil.copy(_atlas_template, dst)
    url = f"sqlite:///{dst}"
    res = run("--db", url, "ingest", seeds_dir)
    assert res.exit_code == 0, res.output
    return url


def test_nanning_lists_the_seed_004_projects_with_stages_and_evidence(seeded: str) -> None:
    res = run("--db", seeded, "projects", "--region", "南宁", "--as-of", "2026-12-03", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    by_name = {p["name"]: p for p in report["projects"]}
    for name, stage in HAND_COUNT.items():
        p = by_name[name]
        assert p["stage"] == stage, name
        assert p["since"] == "2026-02" and p["stale"] is False, name
        assert p["city"] == "南宁市"
        assert p["source"]["document"] == SEED_004, name
        assert p["source"].get("at") or p["source"].get("span"), name
        assert SEED_004 in p["documents"]
    # a project without a stage statement is cited where it is named
    assert all(p["source"] or (p["named"] and p["named"]["document"])
               for p in report["projects"])
    table = run("--db", seeded, "projects", "--region", "南宁", "--as-of", "2026-12-03")
    assert table.exit_code == 0
    for name in HAND_COUNT:
        assert name in table.stdout
    assert "投产/达产" in table.stdout and "开工/在建" in table.stdout


def test_seed_004_totals_match_the_hand_count(seeded: str) -> None:
    res = run("--db", seeded, "projects", "--region", "南宁", "--document", SEED_004,
              "--as-of", "2026-12-03", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert sorted(p["name"] for p in report["projects"]) == sorted(HAND_COUNT)
    assert report["summary"] == {"count": 7, "investment": 0, "with_investment": 0,
                                 "stale": 0, "undated": 0, "unstaged": 0}
    assert {f["stage"]: f["count"] for f in report["funnel"]} == {
        "储备": 0, "签约": 0, "在建": 5, "竣工": 0, "投产": 2}
    assert [(r["key"], r["count"]) for r in report["totals"]["city"]] == [("南宁市", 7)]
    assert [(r["key"], r["count"]) for r in report["totals"]["year"]] == [(2026, 7)]
    chains = {r["key"]: r["count"] for r in report["totals"]["chain"]}
    # 碳酸锂, 负极材料, 磷酸铁锂 are links of the battery chain; the two shipyards of shipbuilding
    assert chains["新能源电池及储能"] == 3 and chains["船舶及海洋工程装备"] == 2


def test_a_county_lists_the_projects_its_documents_place_there(seeded: str) -> None:
    # the KB stores a project under its prefecture-level city (南宁市); the seed and the atlas
    # place these in 横州, so 横州's pipeline is exactly the hand count
    res = run("--db", seeded, "projects", "--region", "横州", "--as-of", "2026-12-03", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert {p["name"]: p["stage"] for p in report["projects"]} == HAND_COUNT
    assert {(p["city"], p["county"]) for p in report["projects"]} == {("南宁市", "横州市")}


def test_seed_004_firms_in_the_pool(seeded: str) -> None:
    res = run("--db", seeded, "enterprises", "pool", "--region", "南宁", "--json")
    pool = json.loads(res.stdout)
    firm = next(f for f in pool["firms"] if f["name"] == "广西美斯达集团有限公司")
    assert {t["tier"] for t in firm["tiers"]} >= {"little_giant", "champion_province"}
    assert all(t["source"]["document"] == SEED_004 for t in firm["tiers"]
               if t["tier"] in ("little_giant", "champion_province"))
