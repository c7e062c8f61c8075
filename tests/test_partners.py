"""Partner ranking on a synthetic world where the right partner is known by construction."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gxatlas.analysis.complexity import measures
from gxatlas.analysis.partners import (Partner, PartnerWeights, Place, Relation,
                                       great_circle_km, partners_report, rank_partners)
from gxatlas.errors import GxatlasError

CLUSTER_1 = ["装备", "汽车", "电池", "电机"]      # related to each other
CLUSTER_2 = ["旅游", "茶叶", "蔗糖", "林木"]      # unrelated to cluster 1

# Background regions make cluster 1 and cluster 2 each co-occur (the product space).
PROFILES: dict[str, dict[str, float]] = {
    **{f"甲{i}": {k: 10 for k in CLUSTER_1} for i in range(6)},
    **{f"乙{i}": {k: 10 for k in CLUSTER_2} for i in range(6)},
    "本地": {"装备": 30, "汽车": 30, "旅游": 1},            # strong in 装备/汽车, lacks 电池/电机
    "伙伴": {"电池": 30, "电机": 30, "装备": 2},            # strong exactly where home is weak-related
    "同质": {"装备": 30, "汽车": 30},                      # a copy of home: nothing to add
    "远方": {"旅游": 30, "茶叶": 30},                      # strong in unrelated industries
}


def world_table() -> pd.DataFrame:
    industries = CLUSTER_1 + CLUSTER_2
    return pd.DataFrame([(r, k, prof.get(k, 0.0)) for r, prof in PROFILES.items() for k in industries],
                        columns=["region", "industry", "value"])


@pytest.fixture(scope="module")
def world():
    return measures(world_table())


def names(partners: list[Partner]) -> list[str]:
    return [p.region for p in partners]


def test_complementary_partner_ranks_first(world):
    ranked = rank_partners(home="本地", measures=world, top=30)
    assert names(ranked)[0] == "伙伴"
    best = ranked[0]
    assert set(best.industries) == {"电池", "电机"}
    assert best.components["complementarity"] == pytest.approx(1.0)
    by = {p.region: p for p in ranked}
    assert by["同质"].raw["complementarity"] < by["伙伴"].raw["complementarity"]
    assert by["远方"].raw["relatedness"] < by["伙伴"].raw["relatedness"]
    assert "本地" not in by


def test_each_candidate_explained_in_one_chinese_sentence(world):
    best = rank_partners(home="本地", measures=world, top=1)[0]
    assert best.reason.endswith("。") and best.reason.count("。") == 1
    assert "伙伴" in best.reason and "电池" in best.reason and "本地" in best.reason
    assert set(best.components) == {"complementarity", "relatedness", "chain_fit", "connection"}
    json.dumps(best.to_dict(), ensure_ascii=False)


def test_chain_fit_counts_missing_links(world):
    ranked = rank_partners(home="本地", measures=world, home_missing_links={"电芯", "电控"},
                           region_links={"远方": {"电芯", "电控", "整车"}, "伙伴": {"电芯"}},
                           weights=PartnerWeights(complementarity=0, relatedness=0, chain_fit=1,
                                                  connection=0))
    assert names(ranked)[:2] == ["远方", "伙伴"]
    assert ranked[0].links == ("电控", "电芯") and ranked[0].raw["chain_fit"] == 1.0
    assert ranked[1].raw["chain_fit"] == 0.5
    assert "电芯" in ranked[0].reason


def test_connection_distance_groups_relations(world):
    places = {"本地": Place("本地", 108.37, 22.82, frozenset({"北部湾"})),
              "同质": Place("同质", 108.65, 21.98, frozenset({"北部湾"})),   # ~100 km, same group
              "远方": Place("远方", 116.40, 39.90)}                           # ~2,000 km
    rels = [Relation("sister_city", "远方", "本地"), Relation("member_of", "伙伴", "北部湾")]
    only = PartnerWeights(complementarity=0, relatedness=0, chain_fit=0, connection=1)
    ranked = rank_partners(home="本地", measures=world, regions=places, relations=rels,
                           weights=only, top=30)
    by = {p.region: p for p in ranked}
    assert names(ranked)[0] == "同质"
    assert by["同质"].shared_groups == ("北部湾",)
    assert by["伙伴"].shared_groups == ("北部湾",)   # groups also come from member_of relations
    assert by["远方"].relations == ("友好城市",)
    assert by["远方"].distance_km == pytest.approx(2000, rel=0.1)
    assert by["甲0"].components["connection"] == 0


def test_weights_change_the_order_and_are_validated(world):
    default = rank_partners(home="本地", measures=world, top=30)
    assert names(default)[0] == "伙伴"
    related_only = rank_partners(home="本地", measures=world, top=30,
                                 weights=PartnerWeights(complementarity=0, relatedness=1,
                                                        chain_fit=0, connection=0))
    assert names(related_only)[0] != "远方"
    assert PartnerWeights().normalized() == pytest.approx(
        {"complementarity": 0.35, "relatedness": 0.25, "chain_fit": 0.2, "connection": 0.2})
    assert PartnerWeights.parse("互补性=1, connection=3").normalized()["connection"] == pytest.approx(
        3 / (1 + 0.25 + 0.2 + 3))
    with pytest.raises(GxatlasError):
        PartnerWeights(complementarity=-1)
    with pytest.raises(GxatlasError):
        PartnerWeights.parse("速度=1")


def test_top_and_candidates_and_unknown_home(world):
    assert len(rank_partners(home="本地", measures=world, top=3)) == 3
    assert names(rank_partners(home="本地", measures=world, candidates={"远方", "同质"})) \
        in (["同质", "远方"], ["远方", "同质"])
    with pytest.raises(GxatlasError, match="火星"):
        rank_partners(home="火星", measures=world)


def test_great_circle():
    assert great_circle_km(lon1=0, lat1=0, lon2=0, lat2=1) == pytest.approx(111.2, abs=0.1)


def test_partners_report_resolves_bundled_names():
    table = world_table().replace({"region": {"本地": "南宁市", "伙伴": "柳州市", "远方": "深圳市"}})
    report = partners_report(home="南宁", table=table, relations=[Relation("sister_city", "深圳", "南宁")])
    assert report["home"] == "南宁市"
    assert report["partners"][0]["region"] == "柳州市"
    by = {p["region"]: p for p in report["partners"]}
    assert by["柳州市"]["distance_km"] == pytest.approx(200, rel=0.3)
    assert by["深圳市"]["relations"] == ["友好城市"]
    assert set(report["weights"]) == {"complementarity", "relatedness", "chain_fit", "connection"}
    json.dumps(report, ensure_ascii=False)
