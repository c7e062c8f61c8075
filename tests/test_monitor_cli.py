"""`gxatlas monitor import`, `gxatlas monitor` and `gxatlas parks` on a KB with the atlas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main

FIX = Path(__file__).parent / "fixtures" / "monitor"


def _run(url: str, *args: str):
    runner = CliRunner(env={"COLUMNS": "240"})
    return runner.invoke(main, ["--db", url, *args], catch_exceptions=False)


def test_monitor_import_then_progress(atlas_url: str, tmp_path: Path) -> None:
    res = _run(atlas_url, "monitor", "import", str(FIX / "beibu_actuals.csv"), "--json")
    assert res.exit_code == 1, res.output  # rows were skipped (lines 5 and 8)
    out = json.loads(res.output)
    assert out["skipped_rows"] == 2
    # 3 output values (one in 万元), 2 energy-intensity values, 1 park output
    assert out["stored"] == 6
    problems = {p["line"]: p["problem"] for p in out["problems"]}
    assert "无法换算" in problems[5] and "未知指标" in problems[8]
    assert any(p["line"] is None and "2016、2017" in p["problem"] for p in out["problems"])

    rows = json.loads(_run(atlas_url, "monitor", "--format", "json").output)
    total = next(r for r in rows if r["indicator"] == "规模以上工业总产值"
                 and r["region"] == "北部湾经济区")
    # 9793 (2015) -> 12400 (2018): 8.19% a year; needed 9793 -> 15800 by 2020: 10.04%
    assert total["status"] == "moderate_progress"
    assert total["ratio"] == pytest.approx(0.8153, abs=1e-3)
    assert total["latest_value"] == 12400 and total["base_year"] == 2015
    assert {p["method"] for p in total["projections"]} == {"cagr", "linear"}
    rate = next(r for r in rows if r["indicator"] == "规模以上工业总产值年均增速")
    assert rate["method"] == "annual_growth" and rate["base_year"] == 2015
    energy = next(r for r in rows if r["indicator"] == "工业单位增加值能耗较2015年下降")
    # 1.0 -> 0.9 in 3 years vs -18% by 2020: ratio 0.887; binding (约束性) -> error
    assert energy["method"] == "change_from_base" and energy["severity"] == "error"
    assert energy["ratio"] == pytest.approx(0.8869, abs=1e-3)

    table = _run(atlas_url, "monitor", "--region", "北部湾经济区")
    assert table.exit_code == 0 and "中等进展" in table.output
    xlsx = tmp_path / "m.xlsx"
    assert _run(atlas_url, "monitor", "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
    assert xlsx.stat().st_size > 0


def test_monitor_errors(atlas_url: str) -> None:
    res = CliRunner().invoke(main, ["--db", atlas_url, "monitor", "--region", "火星"])
    assert res.exit_code == 1 and "未知地区" in res.output
    res = CliRunner().invoke(main, ["--db", atlas_url, "monitor", "--format", "xlsx"])
    assert res.exit_code == 1 and "--output" in res.output
    res = CliRunner().invoke(main, ["--db", atlas_url, "monitor", "import", "nope.csv"])
    assert res.exit_code == 1 and "不存在" in res.output


def test_parks_command(atlas_url: str, tmp_path: Path) -> None:
    assert _run(atlas_url, "monitor", "import", str(FIX / "beibu_actuals.csv")).exit_code == 1
    rows = json.loads(_run(atlas_url, "parks", "--format", "json").output)
    hi = next(r for r in rows if r["name"] == "南宁高新技术产业开发区")
    # 1300 亿元 in 2018 against 1500 by 2020: 87%, in progress
    assert hi["attainment"] == pytest.approx(1300 / 1500) and hi["attainment_status"] == "进行中"
    ranked = [r for r in rows if r["rank_region"] is not None]
    assert ranked and ranked[0]["rank_region"] == 1
    assert all(r["intensity_unit"] == "亿元/km²" for r in rows)
    assert all(r["rank_region"] is None for r in rows if r["target_kind"] == "贸易额")
    intensities = [r["intensity"] for r in rows if r["intensity"] is not None]
    assert intensities == sorted(intensities, reverse=True)
    by_name = _run(atlas_url, "parks", "--sort", "name", "--asc", "--region", "南宁")
    assert by_name.exit_code == 0 and "园区评价" in by_name.output
    xlsx = tmp_path / "p.xlsx"
    assert _run(atlas_url, "parks", "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
