"""Candidates to court for chain gaps: the pure ranking, the bundled pool, the KB's part."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.analysis.candidates import (Court, Home, KBFirm, Prospect, firm_key,
                                         pool_prospects, rank_candidates, score_prospect)
from gxatlas.analysis.chains import Entity
from gxatlas.analysis.classify import classifier
from gxatlas.cli import main
from gxatlas.data.chains import find_chain
from gxatlas.data.listed import POOL_DIR, RegionGroup, load_pool, parse_pool
from gxatlas.errors import InputError

NANNING = Home(name="南宁市", province="广西壮族自治区", longitude=108.32, latitude=22.82)
GROUPS = (RegionGroup("粤港澳大湾区", 0.9, ("深圳市", "广州市")),
          RegionGroup("周边省份", 0.8, ("广东省", "云南省")),
          RegionGroup("长三角", 0.7, ("上海市", "江苏省")))


def firm(name: str, **kw) -> Prospect:
    base = dict(origin="pool", industry_fit=0.5, word_fit=1.0, words=("锂电池隔膜",),
                word_source="主营产品", industry=("电力设备", "电池", "电池化学品"), listed=True,
                code=None, exchange="SZ")
    base.update(kw)
    return Prospect(name=name, **base)


# --- the pure ranking --------------------------------------------------------------------------

def test_firm_key_tells_the_same_firm() -> None:
    assert firm_key("柳钢股份") == firm_key("柳钢") == "柳钢"
    assert firm_key("*ST中孚") == "中孚"
    assert firm_key("云南恩捷新材料股份有限公司") == "云南恩捷新材料"
    assert firm_key("比亚迪股份有限公司") == firm_key("比亚迪")


def test_each_part_of_the_score_and_its_reason() -> None:
    r = score_prospect(firm("甲", code="000001", province="广东省", city="深圳市",
                            longitude=114.06, latitude=22.54, tags=("龙头",)),
                       home=NANNING, groups=GROUPS)
    assert r.fit == pytest.approx(0.7 * 1.0 + 0.3 * 0.5)
    assert r.weight == pytest.approx(0.7)  # listed 0.5 + anchor 0.2
    assert r.group == "粤港澳大湾区" and r.where == pytest.approx(0.9)
    assert 500 < r.distance_km < 650
    assert r.ties == 0
    assert r.score == pytest.approx(0.45 * r.fit + 0.2 * r.weight + 0.2 * r.where, abs=1e-3)
    text = "；".join(r.reasons)
    for part in ("申万行业“电池化学品”", "主营产品含“锂电池隔膜”", "A股上市公司（000001.SZ）",
                 "龙头企业", "位于广东省深圳市（粤港澳大湾区，距南宁市约"):
        assert part in text, text


def test_where_home_province_groups_distance_and_unknown() -> None:
    def where(**kw) -> tuple[float, str | None]:
        r = score_prospect(firm("x", **kw), home=NANNING, groups=GROUPS)
        return r.where, r.group
    assert where(province="广西壮族自治区", city="柳州市") == (1.0, "区内")
    assert where(province="广东省", city="汕头市") == (0.8, "周边省份")  # not in the GBA list
    assert where(province="江苏省") == (0.7, "长三角")
    # no group: by distance; Beijing is far, Fujian nearer
    far, _ = where(province="北京市", city="北京市", longitude=116.4, latitude=39.9)
    near, _ = where(province="福建省", city="厦门市", longitude=118.1, latitude=24.5)
    assert 0.2 <= far < near < 0.8
    r = score_prospect(firm("x"), home=NANNING, groups=GROUPS)
    assert r.where == 0.3 and any("所在地不详" in x for x in r.reasons)


def test_weight_capital_and_risk_warning() -> None:
    big = score_prospect(firm("大", listed=False, registered_capital=1_000_000), home=NANNING)
    small = score_prospect(firm("小", listed=False, registered_capital=100), home=NANNING)
    assert big.weight > small.weight > 0
    assert any("注册资本100.0亿元" in x for x in big.reasons)
    st = score_prospect(firm("*ST乙"), home=NANNING)
    assert st.weight == pytest.approx(0.25) and any("ST" in x for x in st.reasons)


def test_ranking_order_ties_dedup_and_top() -> None:
    a = firm("甲", code="1", industry_fit=0.5, province="江苏省")
    b = firm("乙", code="2", industry_fit=1.0, province="江苏省")
    c = firm("丙", code="3", industry_fit=0.5, province="江苏省",
             ties=("签约项目：丙隔膜项目（南宁市）",))
    dup = firm("甲", code="1", industry_fit=0.0, province="江苏省")
    ranked = rank_candidates([a, b, c, dup], home=NANNING, groups=GROUPS, top=5)
    assert [r.prospect.name for r in ranked] == ["丙", "乙", "甲"]
    assert ranked[-1].fit == pytest.approx(0.85)  # the better record of 甲 was kept
    assert "签约项目：丙隔膜项目（南宁市）" in ranked[0].reasons
    assert len(rank_candidates([a, b, c], home=NANNING, top=2)) == 2
    d = ranked[0].to_dict()
    assert d["reason"].startswith("丙：") and d["components"]["ties"] == 0.6
    json.dumps(d, ensure_ascii=False)


def test_ranking_is_pure() -> None:
    ps = [firm(n, code=n, province=p) for n, p in (("a", "江苏省"), ("b", "云南省"))]
    one = [r.to_dict() for r in rank_candidates(ps, home=NANNING, groups=GROUPS)]
    two = [r.to_dict() for r in rank_candidates(list(reversed(ps)), home=NANNING, groups=GROUPS)]
    assert one == two and ps[0].ties == ()


# --- the bundled pool -----------------------------------------------------------------------

def test_bundled_pool_loads_once_with_its_age() -> None:
    pool = load_pool()
    assert load_pool() is pool  # once per process
    assert pool.as_of == "2021-10" and len(pool.firms) > 4000
    assert "申万" in pool.source
    enjie = pool.by_code["002812"]
    assert enjie.name == "恩捷股份" and enjie.city == "玉溪市" and enjie.place_from == "补注"
    assert pool.industry_path(enjie.sw) == ("电力设备", "电池", "电池化学品")
    catl = pool.by_code["300750"]
    assert catl.province == "福建省" and catl.city == "宁德市" and catl.place_from == "全称"


@pytest.mark.parametrize("file,old,new,problem", [
    ("products.yaml", "name: 恩捷股份", "name: 恩捷", "简称应为 恩捷股份"),
    ("products.yaml", 'code: "002812"', 'code: "999999"', "999999"),
    ("chain_industries.yaml", "separator:", "separatorx:", "separatorx"),
    ("chain_industries.yaml", "[630702, 220505", "[999999, 220505", "999999"),
])
def test_bad_pool_files_name_file_and_problem(tmp_path: Path, file: str, old: str, new: str,
                                              problem: str) -> None:
    d = tmp_path / "pool"
    shutil.copytree(POOL_DIR, d)
    text = (d / file).read_text(encoding="utf-8")
    assert old in text
    (d / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_pool(d)
    assert file in str(err.value) and problem in str(err.value)


def _on(link: str) -> dict[str, Prospect]:
    return {p.name: p for p in pool_prospects(load_pool(), classifier())[
        ("new_energy_battery", link)]}


def test_pool_places_firms_by_products_not_by_coarse_industry() -> None:
    sep, ely, cat = _on("separator"), _on("electrolyte"), _on("cathode")
    assert {"恩捷股份", "星源材质"} <= set(sep) and "天赐材料" not in sep
    assert {"天赐材料", "新宙邦"} <= set(ely) and "恩捷股份" not in ely
    assert {"容百科技", "当升科技", "德方纳米"} <= set(cat) and "星源材质" not in cat
    # every firm there shows a word of the link
    link = find_chain("new_energy_battery").link("separator")
    assert all(any(k in w for w in p.words for k in link.keywords) for p in sep.values())
    # 科达利 is in 申万 锂电池, but its products (结构件) place it on the collector link
    assert "科达利" not in _on("cell") and "科达利" in _on("current_collector")
    assert "宁德时代" in _on("cell") and _on("cell")["宁德时代"].industry_fit == 1.0


# --- the KB's part: registry precedence, ties ----------------------------------------------

def test_registry_record_replaces_the_pool_record_of_the_same_firm() -> None:
    pool = load_pool()
    chain = find_chain("new_energy_battery")
    reg = Entity(name="云南恩捷新材料股份有限公司", type="enterprise", region="玉溪市",
                 text="锂电池隔膜生产")
    court = Court(home=NANNING, pool=pool, top=50, kb_firms={
        "云南恩捷新材料股份有限公司": KBFirm(name="云南恩捷新材料股份有限公司", origin="registry",
                                   province="云南省", city="玉溪市", registered_capital=89000,
                                   pool_code="002812")})
    ranked = court.rank(chain, "separator", clf=classifier(), others=[(reg, 0.6)])
    enjie = [r for r in ranked if r.prospect.code == "002812"]
    assert len(enjie) == 1 and enjie[0].prospect.origin == "registry"
    assert any("注册资本8.9亿元" in x for x in enjie[0].reasons)
    assert enjie[0].to_dict()["source"] == "用户导入名录"


def test_atlas_record_of_a_listed_firm_leaves_the_pool_record_with_its_tie() -> None:
    pool = load_pool()
    chain = find_chain("new_energy_battery")
    atlas = Entity(name="宁德时代", type="enterprise", region="柳州市", text="动力电池")
    court = Court(home=NANNING, pool=pool, top=50,
                  kb_firms={"宁德时代": KBFirm(name="宁德时代", origin="kb", province="广西壮族自治区",
                                           city="柳州市", pool_code="300750")},
                  ties={"300750": ("已在广西投资：宁德时代（柳州市）",)})
    ranked = court.rank(chain, "cell", clf=classifier(), others=[(atlas, 0.7)])
    catl = [r for r in ranked if r.prospect.name == "宁德时代"]
    assert len(catl) == 1 and catl[0].prospect.origin == "pool"
    assert catl[0].prospect.city == "宁德市" and catl[0].ties > 0
    assert "已在广西投资：宁德时代（柳州市）" in catl[0].reasons


# --- done when: the bundled data, end to end ------------------------------------------------

def _gaps(atlas_url: str, region: str, chain: str, n: int = 5) -> list[dict]:
    res = CliRunner().invoke(main, ["--db", atlas_url, "chains", "--region", region, "--chain",
                                    chain, "--candidates", str(n), "--json"])
    assert res.exit_code == 0, res.output
    (entry,) = json.loads(res.stdout)["chains"]
    assert entry["candidate_pool"]["as_of"] == "2021-10"
    return entry["gaps"]


@pytest.mark.parametrize("region,chain", [("南宁", "new_energy_battery"), ("南宁", "automotive"),
                                          ("柳州", "automotive"), ("百色", "aluminium"),
                                          ("南宁", "electronics")])
def test_every_gap_has_three_candidates_with_reasons(atlas_url: str, region: str,
                                                      chain: str) -> None:
    gaps = _gaps(atlas_url, region, chain)
    assert gaps
    for gap in gaps:
        firms = [c for c in gap["candidates"] if c["type"] == "enterprise"]
        assert len(firms) >= 3, (gap["link"], firms)
        for c in firms:
            assert c["reason"].startswith(c["name"]) and c["reasons"], c
            assert c["words"] or c["components"]["fit"] >= 0.7, c  # a word, or its own industry


def test_nanning_battery_candidates_make_what_the_link_needs(atlas_url: str) -> None:
    gaps = {g["link"]: g for g in _gaps(atlas_url, "南宁", "new_energy_battery", n=10)}
    chain = find_chain("new_energy_battery")
    for link in ("separator", "electrolyte", "cathode"):
        keywords = chain.link(link).keywords
        firms = [c for c in gaps[link]["candidates"] if c["type"] == "enterprise"]
        for c in firms:
            assert c["code"], c  # a listed firm (industry where the reference gives one)
            assert any(k in w for w in c["words"] for k in keywords), (link, c)
    names = {link: {c["name"] for c in gaps[link]["candidates"]} for link in gaps}
    assert {"恩捷股份", "星源材质"} <= names["separator"]
    assert {"天赐材料", "新宙邦"} <= names["electrolyte"]


def test_cli_table_shows_candidates_and_data_age(atlas_url: str) -> None:
    res = CliRunner().invoke(main, ["--db", atlas_url, "chains", "--region", "南宁", "--chain",
                                    "new_energy_battery", "--candidates", "3"])
    assert res.exit_code == 0, res.output
    assert "恩捷股份：" in res.stdout and "数据截至 2021-10" in res.stdout
    res = CliRunner().invoke(main, ["--db", atlas_url, "chains", "--region", "南宁", "--chain",
                                    "new_energy_battery", "--candidates", "0", "--json"])
    (entry,) = json.loads(res.stdout)["chains"]
    assert "candidate_pool" not in entry


def test_enterprises_show_reverse_view(atlas_url: str) -> None:
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "show", "002812", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["firm"]["name"] == "恩捷股份" and data["candidate_pool"]["as_of"] == "2021-10"
    (need,) = [n for n in data["needs"] if n["link"] == "separator"]
    assert need["cities"][0]["city"] == "南宁市" and need["cities"][0]["status"] == "missing"
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "show", "比亚迪"])
    assert res.exit_code == 0 and "已有联系：" in res.stdout and "比亚迪碳酸锂项目" in res.stdout


def test_steel_works_recorded_as_steel_are_no_gap(atlas_url: str) -> None:
    """柳钢 (柳州) and the 防城港 steel base are recorded under the industry 钢铁: their cities
    have 炼铁/炼钢/轧钢, are not offered as places lacking them, and 柳钢股份 is not a
    candidate for its own city."""
    works = {"ironmaking", "steelmaking", "steel_rolling"}
    for city in ("柳州", "防城港"):
        gaps = {g["link"] for g in _gaps(atlas_url, city, "steel", n=3)}
        assert gaps and not gaps & works, (city, gaps)
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "show", "宝钢股份",
                                    "--json"])
    assert res.exit_code == 0, res.output
    needs = {n["link"]: n for n in json.loads(res.stdout)["needs"] if n["chain"] == "steel"}
    assert works <= set(needs)
    for link in works:
        lacking = {g["city"] for g in needs[link]["cities"]} | set(needs[link]["other_cities"])
        assert not lacking & {"柳州市", "防城港市"}, (link, lacking)
    # the KB's own steel works, recorded as 钢铁 only: the brief places it as the analysis does
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "show", "广西钢铁集团有限公司",
                                    "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["firm"]["industry"] == "钢铁"
    placed = {n["link"]: n for n in data["needs"] if n["chain"] == "steel"}
    assert set(placed) == works
    assert all(n["words"] == ["钢铁"] and n["word_source"] == "知识库所记产业"
               for n in placed.values())


def test_calcium_carbonate_gaps_name_real_makers_or_say_there_are_none(atlas_url: str) -> None:
    gaps = {g["link"]: g for g in _gaps(atlas_url, "南宁", "calcium_carbonate")}
    names = {k: {c["name"] for c in g["candidates"] if c["type"] == "enterprise"}
             for k, g in gaps.items()}
    assert "四川金顶" in names["limestone_mining"] and "四川金顶" in names["lime"]
    assert {"爱丽家居", "海象新材"} <= names["calcium_applications"]
    for link in ("ground_calcium", "precipitated_calcium", "modified_calcium"):
        assert not names[link]
        why = gaps[link]["no_candidates"]
        assert "数据截至 2021-10" in why and "enterprises import" in why, why
    assert all("no_candidates" not in g for k, g in gaps.items() if names[k])
    res = CliRunner().invoke(main, ["--db", atlas_url, "chains", "--region", "南宁", "--chain",
                                    "calcium_carbonate", "--candidates", "5"])
    assert "没有可列的招商候选企业" in res.stdout and "暂无候选来源" not in res.stdout


def test_every_gap_of_every_chain_has_firms_with_reasons_or_says_why(atlas_url: str) -> None:
    res = CliRunner().invoke(main, ["--db", atlas_url, "chains", "--region", "钦州",
                                    "--candidates", "5", "--json"])
    assert res.exit_code == 0, res.output
    chains = json.loads(res.stdout)["chains"]
    assert len(chains) == 13
    for entry in chains:
        for gap in entry["gaps"]:
            firms = [c for c in gap["candidates"] if c["type"] == "enterprise"]
            assert firms or gap["no_candidates"], (entry["id"], gap)
            assert all(c["reason"] and c["reasons"] for c in firms), (entry["id"], gap)


def test_no_candidates_reason_without_a_pool() -> None:
    why = Court(home=NANNING).no_candidates("隔膜")
    assert "知识库中其他地区也没有" in why and "数据截至" not in why


# --- the API ------------------------------------------------------------------------------

def test_api_chains_and_enterprise_brief_read_the_pool_once(atlas_url: str,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from fastapi.testclient import TestClient

    import gxatlas.data.listed as listed
    from gxatlas.api.app import create_app

    load_pool()  # the process's one load
    client = TestClient(create_app(atlas_url, cache_seconds=0))

    def reread(*_a, **_k):
        raise AssertionError("the pool was read again")
    monkeypatch.setattr(listed, "parse_pool", reread)
    for _ in range(2):
        body = client.get("/api/analysis/chains", params={
            "chain": "new_energy_battery", "region": "南宁", "candidates": 3}).json()
        assert body["available"], body
        result = body["result"]
        assert result["candidate_pool"]["as_of"] == "2021-10"
        sep = next(g for g in result["gaps"] if g["link"] == "separator")
        firms = [c for c in sep["candidates"] if c["type"] == "enterprise"]
        assert len(firms) == 3 and firms[0]["reasons"]
    brief = client.get("/api/analysis/enterprise", params={"name": "恩捷股份"}).json()
    assert brief["available"] and brief["result"]["firm"]["code"] == "002812"
    missing = client.get("/api/analysis/enterprise", params={"name": "不存在的公司"}).json()
    assert missing["available"] is False and "不存在的公司" in missing["reason"]


def test_imported_registry_takes_precedence_end_to_end(atlas_url: str, tmp_path: Path) -> None:
    reg = tmp_path / "名录.csv"
    reg.write_text("企业名称,住所,注册资本,经营范围\n"
                   "云南恩捷新材料股份有限公司,云南省玉溪市高新区抚仙路125号,89000万元,"
                   "锂电池隔膜生产；包装膜制造\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "import", str(reg)])
    assert res.exit_code == 0, res.output
    gaps = {g["link"]: g for g in _gaps(atlas_url, "南宁", "new_energy_battery", n=10)}
    enjie = [c for c in gaps["separator"]["candidates"] if c.get("code") == "002812"]
    assert len(enjie) == 1, gaps["separator"]["candidates"]
    assert enjie[0]["origin"] == "registry" and enjie[0]["source"] == "用户导入名录"
    assert any("注册资本8.9亿元" in r for r in enjie[0]["reasons"])
    res = CliRunner().invoke(main, ["--db", atlas_url, "enterprises", "show", "恩捷股份",
                                    "--json"])
    firm = json.loads(res.stdout)["firm"]
    assert firm["origin"] == "registry" and firm["registered_capital"] == 89000
