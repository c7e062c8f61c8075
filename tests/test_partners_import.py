"""Validation of long region × industry tables, row by row (gxatlas partners import)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gxatlas.analysis.tables import read_table, validate_table
from gxatlas.cli import main
from gxatlas.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "complexity"


def test_bad_table_reported_row_by_row():
    got = read_table(FIXTURES / "bad.csv")
    problems = {p.line: p.problem for p in got.problems}
    assert problems[3] == "未知地区：火星市"
    assert problems[4] == "数值为负：-3"
    assert problems[7].startswith("不支持的单位：万美元")
    assert problems[8] == "数值不是数字：abc"
    assert "不是同一种量" in problems[9]
    assert problems[10] == "地区为空"
    assert problems[12].startswith("年份无效")
    assert problems[13] == "与第 2 行重复：南宁市，电子信息，2023 年"
    assert len(got.problems) == 8 and got.total_rows == 12
    rows = got.rows.set_index("line")
    assert rows.loc[2, "region"] == "南宁市" and rows.loc[2, "value"] == 20000
    assert rows.loc[5, "value"] == pytest.approx(15000)          # 1.5 亿元 → 万元
    assert rows.loc[5, "industry"] == "汽车"
    assert got.unit == "万元"
    assert got.unknown_industries == ("海洋经济新业态",)


def test_names_resolved_and_english_headers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("region,industry,value\n南宁,电子信息产业,3\n柳州市,新能源车,4\n", encoding="utf-8")
    got = read_table(path)
    assert list(got.rows["region"]) == ["南宁市", "柳州市"]
    assert list(got.rows["industry"]) == ["电子信息", "新能源汽车"]
    assert "year" not in got.rows.columns and not got.problems


def test_gb18030_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "gbk.csv"
    csv_path.write_bytes("地区,行业,产值\n钦州,石化,8\n".encode("gb18030"))
    assert read_table(csv_path).rows.loc[0, "industry"] == "石化"
    xlsx = tmp_path / "t.xlsx"
    pd.DataFrame({"地区": ["北海", "北海"], "产业": ["电子信息", "电子信息"], "数值": [1, 2],
                  "年份": [2022, 2023], "单位": ["亿元", "亿元"]}).to_excel(xlsx, index=False)
    got = read_table(xlsx)
    assert list(got.rows["year"]) == [2022, 2023] and list(got.rows["value"]) == [10000, 20000]


def test_custom_resolvers():
    frame = pd.DataFrame({"地区": ["甲", "乙"], "产业": ["x", "y"], "数值": ["1", "2"]})
    got = validate_table(frame, source="t", regions={"甲": "甲市"}.get, industries=lambda n: n.upper())
    assert list(got.rows["region"]) == ["甲市"] and list(got.rows["industry"]) == ["X"]
    assert got.problems[0].line == 3


@pytest.mark.parametrize("name, content, problem", [
    ("missing.csv", None, "文件不存在"),
    ("t.json", "{}", "不支持的文件类型"),
    ("cols.csv", "地区,产业\n南宁,石化\n", "缺少列"),
])
def test_file_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        read_table(path)


def test_cli_import_reports_and_fails_on_problems(atlas_url):
    runner = CliRunner()
    bad = runner.invoke(main, ["--db", atlas_url, "partners", "import", str(FIXTURES / "bad.csv")])
    assert bad.exit_code == 1
    assert "第 3 行：未知地区：火星市" in bad.output
    good = runner.invoke(main, ["--db", atlas_url, "partners", "import",
                                str(FIXTURES / "small.csv"), "--format", "json"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["good_rows"] == 5


def test_imported_table_is_stored_and_used_by_partners(atlas_url):
    from gxatlas.analysis.kbdata import region_industry_table
    from gxatlas.kb.store import open_kb

    runner = CliRunner()
    r = runner.invoke(main, ["--db", atlas_url, "partners", "import", str(FIXTURES / "small.csv")])
    assert r.exit_code == 0, r.output
    kb = open_kb(atlas_url)
    with kb.session() as s:
        table, origin = region_industry_table(s)
    assert len(table) == 5 and "用户导入" in origin
    # importing the same file again replaces its rows instead of adding them twice
    runner.invoke(main, ["--db", atlas_url, "partners", "import", str(FIXTURES / "small.csv")])
    with kb.session() as s:
        assert len(region_industry_table(s)[0]) == 5


def test_partners_from_kb_without_table(atlas_url):
    r = CliRunner().invoke(main, ["--db", atlas_url, "partners", "--home", "南宁", "--top", "3",
                                  "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["home"] == "南宁市" and 0 < len(report["partners"]) <= 3
    assert all(p["reason"] for p in report["partners"])
