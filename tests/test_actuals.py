"""Import of actuals: a hand-made workbook with wrong units, unknown names and missing years."""

from __future__ import annotations

from pathlib import Path

import pytest

from gxatlas.analysis.actuals import IndicatorSpec, read_actuals
from gxatlas.errors import InputError
from gxatlas.units import convert

FIX = Path(__file__).parent / "fixtures" / "monitor"
SPECS = [
    IndicatorSpec("规模以上工业总产值", "亿元", aliases=("规上工业总产值",)),
    IndicatorSpec("工业增加值", "亿元"),
    IndicatorSpec("战略性新兴产业产值占比", "%"),
    IndicatorSpec("单位工业增加值能耗", "吨标准煤/万元"),
    IndicatorSpec("工业固体废物综合利用率", "%"),
]


def test_long_workbook_keeps_good_rows_and_reports_each_problem() -> None:
    imp = read_actuals(FIX / "actuals_long.xlsx", indicators=SPECS)
    assert imp.layout == "long"
    got = {(r.indicator, r.region, r.year): r.value for r in imp.rows}
    assert got == {
        ("规模以上工业总产值", "南宁", 2016): 4000,
        ("规模以上工业总产值", "南宁", 2017): pytest.approx(4300),  # 43000000 万元
        ("规模以上工业总产值", "南宁", 2019): 4800,
        ("规模以上工业总产值", "柳州", 2016): 3000,  # through the alias 规上工业总产值
        ("规模以上工业总产值", "柳州", 2017): 3100,  # year written 2017年
        ("战略性新兴产业产值占比", "南宁", 2016): 20,
        ("战略性新兴产业产值占比", "南宁", 2018): 23,  # "23%" without a unit
        ("工业增加值", "南宁", 2019): 1500,  # after an empty row
    }
    alias_row = next(r for r in imp.rows if r.region == "柳州" and r.year == 2016)
    assert alias_row.original_name == "规上工业总产值" and alias_row.source == "actuals_long.xlsx:5"
    by_line = {p.line: p.problem for p in imp.problems if p.line is not None}
    assert "“吨”" in by_line[7] and "无法换算" in by_line[7]
    assert "个百分点" in by_line[9] and "不能换算" in by_line[9]
    assert "未知指标“数字经济核心产业规模”" in by_line[11]
    assert "是否为“规模以上工业总产值”" in by_line[12]
    assert "年份" in by_line[13]
    assert "不是数字" in by_line[14]
    assert "重复" in by_line[15] and "第2行" in by_line[15]
    series = [p.problem for p in imp.problems if p.line is None]
    assert any("规模以上工业总产值" in s and "南宁" in s and "2018" in s for s in series)
    assert any("战略性新兴产业产值占比" in s and "2017" in s for s in series)
    assert str(imp.problems[0]).startswith("第")


def test_wide_csv_with_english_headers() -> None:
    imp = read_actuals(FIX / "actuals_wide.csv", indicators=SPECS)
    assert imp.layout == "wide"
    got = {(r.indicator, r.year): r.value for r in imp.rows}
    assert got[("规模以上工业总产值", 2016)] == 4000  # "4,000"
    assert ("规模以上工业总产值", 2018) not in got
    assert got[("单位工业增加值能耗", 2019)] == 0.85
    assert len(imp.rows) == 11
    assert [p.problem for p in imp.problems] == ["指标“规模以上工业总产值”（南宁）缺少年份：2018"]


def test_without_known_indicators_everything_is_taken_as_written() -> None:
    imp = read_actuals(FIX / "actuals_wide.csv")
    assert {r.indicator for r in imp.rows} == {"规模以上工业总产值", "单位工业增加值能耗",
                                               "工业固体废物综合利用率"}


def test_regions_checked_when_given() -> None:
    imp = read_actuals(FIX / "actuals_wide.csv", indicators=SPECS,
                       regions={"南宁": "南宁市", "南宁市": "南宁市"})
    assert {r.region for r in imp.rows} == {"南宁市"}
    assert any("未知地区“北海”" in p.problem for p in imp.problems)


def test_unit_conversion() -> None:
    assert convert(value=12345, unit="万元", to="亿元") == (pytest.approx(1.2345), None)
    assert convert(value=2, unit="亿元", to="万元") == (pytest.approx(20000), None)
    assert convert(value=5, unit="％", to="%") == (5, None)
    value, why = convert(value=2, unit="百分点", to="%")
    assert value is None and "百分点" in why


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="指标"):
        read_actuals(FIX / "no_indicator_column.csv")
    with pytest.raises(InputError, match="不存在"):
        read_actuals(tmp_path / "nope.csv")
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="Excel"):
        read_actuals(bad)
    ods = tmp_path / "x.ods"
    ods.write_bytes(b"x")
    with pytest.raises(InputError, match="不支持"):
        read_actuals(ods)
