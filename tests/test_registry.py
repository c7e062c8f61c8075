"""Registry import: streaming validation with line numbers (fixtures written for these tests)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from gxatlas.analysis.registry import (RegistryProblem, RegistryRow, check_credit_code,
                                       iter_registry, parse_amount, parse_capital, parse_date,
                                       region_resolver, summarize)
from gxatlas.cli import main
from gxatlas.errors import InputError

SMALL = Path(__file__).parent / "fixtures" / "chains" / "registry_small.csv"


def split(path: Path) -> tuple[list[RegistryRow], list[RegistryProblem]]:
    items = list(iter_registry(path))
    return ([i for i in items if isinstance(i, RegistryRow)],
            [i for i in items if isinstance(i, RegistryProblem)])


def test_small_registry_rows_and_problems_with_lines() -> None:
    rows, problems = split(SMALL)
    assert [r.line for r in rows] == [2, 6, 7, 9, 10]
    errors = {p.line: p.problem for p in problems if p.severity == "error"}
    assert errors[3] == "缺少企业名称" and errors[5] == "引号不配对（该行字段未闭合）"
    # a credit code that fails its check digit refuses the row (it used to be a warning)
    assert "校验位错误" in errors[4] and "应为 W" in errors[4] and len(errors) == 3


def test_small_registry_fields_are_parsed() -> None:
    rows = {r.name: r for r in split(SMALL)[0]}
    jia = rows["广西甲锂能新材料有限公司"]
    assert jia.credit_code == "91450100MA5L0AB1CT"
    assert (jia.region, jia.county) == ("南宁市", "横州市")
    assert jia.registered_capital == 5000 and jia.currency == "人民币"
    assert jia.founded == dt.date(2019, 3, 1) and jia.revenue == 12000
    assert jia.tags == ("链主", "专精特新")
    assert "广西乙负极材料有限公司" not in rows  # refused for its bad check digit
    ding = rows["柳州丁汽车零部件有限公司"]
    assert ding.region == "柳州市" and ding.currency == "美元" and ding.registered_capital == 300
    assert rows["南宁戊餐饮管理有限公司"].scope == "餐饮服务；\n食品销售"  # quoted newline
    # no address: the region comes from the division digits of the credit code
    assert rows["湖南己锂电池有限公司"].region == "湖南省"
    assert rows["南宁庚电池销售有限公司"].region == "南宁市"  # region column


def test_bad_encoding_is_reported_and_the_rest_imports(tmp_path: Path) -> None:
    data = SMALL.read_bytes().splitlines(keepends=True)
    data[5] = data[5].replace("柳州丁".encode(), b"\xff\xfe\xfd")  # line 6
    path = tmp_path / "bad.csv"
    path.write_bytes(b"".join(data))
    rows, problems = split(path)
    assert 6 not in [r.line for r in rows] and [r.line for r in rows] == [2, 7, 9, 10]
    assert any(p.line == 6 and "编码" in p.problem for p in problems)


def test_gbk_file_reads_like_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(SMALL.read_text(encoding="utf-8").encode("gb18030"))
    rows, _ = split(path)
    assert [r.name for r in rows] == [r.name for r in split(SMALL)[0]]


def test_unquoted_comma_and_missing_name_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("名称,经营范围\n甲公司,乙,丙\n丁公司,戊\n", encoding="utf-8")
    rows, problems = split(path)
    assert [r.name for r in rows] == ["丁公司"] and problems[0].line == 2
    path.write_text("地址,经营范围\n南宁,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="企业名称") as err:
        list(iter_registry(path))
    assert err.value.line == 1
    with pytest.raises(InputError, match="不存在"):
        list(iter_registry(tmp_path / "nope.csv"))


def test_xlsx_registry(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "住所", "注册资本", "成立日期", "经营范围"])
    ws.append(["广西甲公司", "91450200MA5K9XY2DC", "柳州市鱼峰区", 200, dt.datetime(2020, 1, 2),
               "汽车零部件制造"])
    ws.append([None, None, "南宁市", None, None, "x"])
    ws.append(["广西乙公司", "91450500MA5K9XY2DU", "北海市银海区", "1亿元", "2021-06-30", "游艇制造"])
    ws.append(["广西丙公司", "91450200MA5K9XY2DD", "北海市银海区", "1亿元", "2021-06-30", "游艇制造"])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    rows, problems = split(path)
    assert [(r.line, r.name, r.region) for r in rows] == [(2, "广西甲公司", "柳州市"),
                                                         (4, "广西乙公司", "北海市")]
    assert rows[0].founded == dt.date(2020, 1, 2) and rows[1].registered_capital == 10000
    # line 4: 1亿元 is read; line 5: a bad check digit refuses the row
    assert [(p.line, p.severity) for p in problems] == [(3, "error"), (5, "error")]


@pytest.mark.parametrize("code, problem", [
    ("91450100MA5L0AB1CT", None),
    ("91450100ma5l0ab1ct", None),
    ("91450100MA5L0AB1CU", "校验位错误"),
    ("91450100MA5L0AB1C", "18 位"),
    ("91450100MA5L0AB1IT", "字符"),
])
def test_credit_code_check(code: str, problem: str | None) -> None:
    got = check_credit_code(code)
    assert (got is None) if problem is None else (problem in got)


def test_value_parsers() -> None:
    assert parse_capital("5000万元人民币") == (5000, "人民币")
    assert parse_capital("1.5亿元") == (15000, "人民币")
    assert parse_capital("300万美元") == (300, "美元")
    assert parse_capital("5,000,000元") == (500, "人民币")
    assert parse_capital(80) == (80, "人民币") and parse_capital("未知") is None
    assert parse_date("2019/3/1") == dt.date(2019, 3, 1)
    assert parse_date("2019年03月01日") == dt.date(2019, 3, 1)
    assert parse_date("2019") == dt.date(2019, 1, 1) and parse_date("2019-02-30") is None
    assert parse_amount("1.2亿") == 12000 and parse_amount("x") is None


def test_region_resolver_prefers_consistent_deepest_place() -> None:
    r = region_resolver()
    assert r.find("广西壮族自治区南宁市青秀区民族大道").name == "青秀区"
    assert r.find("南宁高新区科园大道").name == "南宁市"
    assert r.find("横县六景镇").name == "横州市"  # alias
    assert r.find("火星基地") is None
    assert r.from_code("91450100MA5L0AB1CT").name == "南宁市"


def test_summarize_counts_without_keeping_rows() -> None:
    seen: list[int] = []
    s = summarize(iter_registry(SMALL), on_problem=lambda p: seen.append(p.line))
    assert (s.rows, s.errors) == (5, 3) and s.warnings == len(seen) - 3
    assert s.regions["南宁市"] == 3


def test_cli_import_reports_lines() -> None:
    # --check validates without a KB; skipped rows make the exit status 1
    res = CliRunner().invoke(main, ["enterprises", "import", str(SMALL), "--check", "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["rows"] == 5 and data["errors"] == 3
    assert {p["line"] for p in data["problems"] if p["severity"] == "error"} == {3, 4, 5}
    res = CliRunner().invoke(main, ["enterprises", "import", str(SMALL), "--check"])
    assert "可导入 5 家企业" in res.stdout and f"{SMALL}:5: 跳过" in res.stderr
