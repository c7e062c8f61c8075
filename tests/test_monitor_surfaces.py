"""What a user reads from `gxatlas monitor` and `gxatlas parks` (issue 15): change targets
measured on imported actuals, rate targets shown as rates, reasons for 无法测算, the
region-wide park rank, Open SDG export and XLSX with Chinese headers and numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main


def _run(url: str, *args: str):
    runner = CliRunner(env={"COLUMNS": "250"})
    res = runner.invoke(main, ["--db", url, *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def _import(url: str, tmp_path: Path, text: str) -> None:
    path = tmp_path / "actuals.csv"
    path.write_text(text, encoding="utf-8")
    _run(url, "monitor", "import", str(path))


def _row(url: str, name: str) -> dict:
    rows = json.loads(_run(url, "monitor", "--region", "北部湾经济区", "--json").stdout)
    return next(r for r in rows if r["indicator"] == name)


def test_change_target_is_measured_on_the_actual_imported_under_its_name(atlas_url: str,
                                                                       tmp_path: Path) -> None:
    name = "工业单位增加值能耗较2015年下降"
    assert _row(atlas_url, name)["reason"] == "观察期内没有数据"
    # the bureau reports the reduction achieved so far: 12% by 2018 (18% wanted by 2020)
    _import(atlas_url, tmp_path, f"指标,地区,年份,数值,单位\n{name},北部湾经济区,2018,12,%\n")
    row = _row(atlas_url, name)
    assert row["status"] != "not_available", row["reason"]
    # index 100 -> 88 in 3 years (-4.17%/yr) against 100 -> 82 in 5 (-3.89%/yr): ratio 1.07
    assert row["ratio"] == pytest.approx(1.0717, abs=1e-3)
    assert row["status"] == "substantial_progress" and row["target_level"] == pytest.approx(82)
    assert row["target_text"] == "2020: 较2015年下降 18%"


def test_growth_rate_targets_read_as_rates_beside_their_levels(atlas_url: str) -> None:
    row = _row(atlas_url, "规模以上工业总产值年均增速")
    assert row["target_text"] == "2020: 年均增长 9%"
    assert row["baseline_text"] == "2015: 9793 亿元（规模以上工业总产值）"
    table = _run(atlas_url, "monitor", "--region", "北部湾经济区").stdout
    line = next(x for x in table.splitlines() if "规模以上工业总产值年均增速" in x)
    assert "年均增长 9%" in line and "0.09" not in line


def test_not_available_says_why(atlas_url: str) -> None:
    table = _run(atlas_url, "monitor", "--region", "北部湾经济区").stdout
    assert "无法测算" in table
    blocks = table.split("无法测算")[1:]
    assert all("原因：" in b.split("│")[0] + b.split("\n", 2)[1] for b in blocks), table[:2000]


def test_open_sdg_export_uses_open_sdg_names(atlas_url: str, tmp_path: Path) -> None:
    _import(atlas_url, tmp_path, "指标,地区,年份,数值,单位\n"
            "规模以上工业总产值,北部湾经济区,2018,12400,亿元\n")
    records = json.loads(_run(atlas_url, "monitor", "--format", "opensdg").stdout)
    statuses = {r["progress_status"] for r in records}
    assert statuses <= {"target_achieved", "substantial_progress", "moderate_progress",
                        "limited_progress", "deterioration", "not_available"}
    total = next(r for r in records if r["indicator"] == "规模以上工业总产值"
                 and r["region"] == "北部湾经济区")
    # 9793 -> 12400 in 3 years: 8.19%/yr over 10.04%: 0.815, moderate
    assert total["progress_status"] == "moderate_progress"
    assert total["progress_calculation_options"][0]["target"] == 15800
    strict = json.loads(_run(atlas_url, "monitor", "--format", "opensdg",
                             "--target-cutoffs", "0.8,0.6,0").stdout)
    assert next(r for r in strict if r["indicator"] == "规模以上工业总产值" and
                r["region"] == "北部湾经济区")["progress_status"] == "substantial_progress"
    bad = CliRunner().invoke(main, ["--db", atlas_url, "monitor", "--cutoffs", "1,2"])
    assert bad.exit_code == 1 and "分界值" in bad.stderr


def test_parks_rank_in_the_region_is_region_wide(atlas_url: str) -> None:
    every = {e["name"]: e for e in json.loads(_run(atlas_url, "parks", "--json").stdout)}
    city = json.loads(_run(atlas_url, "parks", "--region", "南宁", "--json").stdout)
    ranked = [e for e in city if e["rank_region"]]
    assert ranked
    for e in ranked:
        assert (e["rank_region"], e["n_region"]) == (every[e["name"]]["rank_region"],
                                                   every[e["name"]]["n_region"])
        assert e["n_region"] > e["n_city"]
    table = _run(atlas_url, "parks", "--region", "南宁").stdout
    first = ranked[0]
    assert f"{first['rank_region']}/{first['n_region']}" in table


def test_xlsx_exports_have_chinese_headers_and_numbers(atlas_url: str, tmp_path: Path) -> None:
    import openpyxl

    _import(atlas_url, tmp_path, "指标,地区,年份,数值,单位\n"
            "规模以上工业总产值,北部湾经济区,2018,12400,亿元\n")
    monitor, parks = tmp_path / "m.xlsx", tmp_path / "p.xlsx"
    _run(atlas_url, "monitor", "--format", "xlsx", "--output", str(monitor))
    _run(atlas_url, "parks", "--format", "xlsx", "--output", str(parks))
    for path, numeric in ((monitor, ("基期值", "目标值", "比值", "观察年均增速")),
                          (parks, ("面积 (平方公里)", "目标 (亿元)", "全区排名"))):
        sheet = openpyxl.load_workbook(path).active
        header = [c.value for c in sheet[1]]
        assert all(h and not h.isascii() for h in header), header
        for name in numeric:
            col = header.index(name)
            values = [r[col].value for r in sheet.iter_rows(min_row=2)]
            assert any(isinstance(v, (int, float)) for v in values), name
            assert all(v is None or isinstance(v, (int, float)) for v in values), name
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith(("{", "["))), \
                    cell.value


def test_partners_without_a_table_name_asean_partners_and_show_their_data(atlas_url: str
                                                                          ) -> None:
    report = json.loads(_run(atlas_url, "partners", "--home", "南宁", "--top", "10",
                             "--json").stdout)
    assert "数据稀薄" in report["matrix_note"] and "partners import" in report["matrix_note"]
    partners = report["partners"]
    asean = {"河内", "曼谷", "吉隆坡", "新加坡", "胡志明市", "雅加达", "泗水"}
    named = [p for p in report["named_partners"] if p["region"] in asean]
    assert named, [p["region"] for p in report["named_partners"]]
    hanoi = named[0]
    assert hanoi["data_gap"] and hanoi["components"]["complementarity"] is None
    assert "没有" in hanoi["reason"] and "联系" in hanoi["basis_text"]
    ranked = [p for p in partners if not p["data_gap"]]
    assert ranked and all(p["components"]["complementarity"] is not None for p in ranked)
    # the data behind an oddity of the thin matrix is shown: which statements make the cell
    liuzhou = next(p for p in ranked if p["region"] == "柳州市")
    assert "柳州市·" in liuzhou["basis"]["互补性与关联性"]
    assert "（" in liuzhou["basis"]["互补性与关联性"]  # the statements counted, named
    table = _run(atlas_url, "partners", "--home", "南宁", "--top", "10").stdout
    assert "文件点名的合作对象" in table and "数据依据" in table and "无数据" in table
