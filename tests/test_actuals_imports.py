"""Issue 15 (imports): `gxatlas monitor import` and the API's actuals uploads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gxatlas.analysis.actuals import read_actuals
from gxatlas.api.app import create_app
from gxatlas.cli import main
from gxatlas.kb.models import Observation
from gxatlas.kb.store import open_kb

GOOD = ("指标,地区,年份,数值,单位\n"
        "规模以上工业总产值,北部湾经济区,2017,11500,亿元\n"
        "规模以上工业总产值,北部湾经济区,2018,12400,亿元\n")


def run(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, *args])


def observations(url: str) -> int:
    kb = open_kb(url)
    with kb.session() as s:
        n = s.scalar(select(func.count()).select_from(Observation)) or 0
    kb.dispose()
    return n


def test_exit_status_says_whether_rows_were_skipped(atlas_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert run(atlas_url, "monitor", "import", str(good)).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "不存在的指标,南宁,2018,1,亿元\n", encoding="utf-8")
    res = run(atlas_url, "monitor", "import", str(bad))
    assert res.exit_code == 1 and "bad.csv:4" in res.stderr and "跳过 1 行" in res.stdout


def test_wide_layout_reports_a_bad_row_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("指标,地区,单位,2016,2017,2018,2019\n"
                    "没有这个指标,南宁,亿元,1,2,3,4\n"
                    "规模以上工业总产值,火星,亿元,1,2,3,4\n", encoding="utf-8")
    from gxatlas.analysis.actuals import IndicatorSpec

    imp = read_actuals(path, indicators=[IndicatorSpec("规模以上工业总产值", "亿元")],
                       regions={"南宁": "南宁"})
    assert [p.line for p in imp.problems] == [2, 3]


def test_chinese_numerals_are_values(tmp_path: Path) -> None:
    path = tmp_path / "cn.csv"
    path.write_text("指标,地区,年份,数值,单位\n规模以上工业总产值,南宁,2018,三千五百,亿元\n"
                    "规模以上工业总产值,南宁,2019,3.8千,亿元\n", encoding="utf-8")
    imp = read_actuals(path)
    assert [r.value for r in imp.rows] == [3500, 3800] and not imp.problems


def test_same_data_from_another_file_is_not_stored_again(atlas_url: str,
                                                         tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text(GOOD, encoding="utf-8")
    out = json.loads(run(atlas_url, "monitor", "import", str(first), "--json").stdout)
    assert (out["status"], out["stored"]) == ("added", 2)
    n = observations(atlas_url)
    # the same data: another name, the wide layout, GB18030
    other = tmp_path / "另一个名字.csv"
    other.write_bytes("指标,地区,单位,2017,2018\n规模以上工业总产值,北部湾经济区,亿元,11500,12400\n"
                      .encode("gb18030"))
    res = run(atlas_url, "monitor", "import", str(other), "--json")
    out = json.loads(res.stdout)
    assert res.exit_code == 0 and (out["status"], out["stored"]) == ("unchanged", 0)
    assert out["document"] == "actuals:a.csv" and observations(atlas_url) == n
    # a changed file under the first name replaces its own values
    first.write_text(GOOD.replace("12400", "12500"), encoding="utf-8")
    out = json.loads(run(atlas_url, "monitor", "import", str(first), "--json").stdout)
    assert (out["status"], out["stored"], out["replaced"]) == ("replaced", 0, 2)
    assert observations(atlas_url) == n


def _wide_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["指标", "地区", "单位", 2016, 2017, 2018])
    ws.append(["规模以上工业总产值", "北部湾经济区", "亿元", 10500, 11500, 12400])
    ws.append(["南宁高新技术产业开发区", "南宁", "亿元", 1100, 1200, 1300])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_api_reuploads_behave_as_the_cli(atlas_url: str, tmp_path: Path) -> None:
    from gxatlas.api.auth import add_user

    kb = open_kb(atlas_url)
    with kb.session() as s:
        _, token = add_user(s, name="w", role="write")
    client = TestClient(create_app(kb=kb))
    headers = {"Authorization": f"Bearer {token}"}

    def upload(name: str, data: bytes) -> dict:
        res = client.post("/api/observations", files={"file": (name, io.BytesIO(data))},
                          headers=headers)
        assert res.status_code == 202, res.text
        return client.get(res.json()["url"], headers=headers).json()  # jobs: owner only

    csv = GOOD.encode("utf-8")
    first, again = upload("a.csv", csv), upload("a.csv", csv)
    assert first["status"] == again["status"] == "done", (first, again)
    assert again["result"]["status"] == "unchanged" and "IntegrityError" not in str(again)
    xlsx = _wide_xlsx()
    job = upload("wide.xlsx", xlsx)
    assert job["status"] == "done", job
    assert job["result"]["observations"] == 6 and job["result"]["matched_indicators"] >= 3
    again = upload("wide.xlsx", xlsx)
    assert again["status"] == "done" and again["result"]["status"] == "unchanged"
    # the CLI, given the same workbook, agrees
    path = tmp_path / "wide.xlsx"
    path.write_bytes(xlsx)
    out = json.loads(run(atlas_url, "monitor", "import", str(path), "--json").stdout)
    assert out["status"] == "unchanged" and out["rows"] == 6
    kb.dispose()


def test_two_files_of_one_name_are_two_sources(atlas_url: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "实际值.csv").write_text(GOOD, encoding="utf-8")
    (b / "实际值.csv").write_text(GOOD.replace("12400", "12600"), encoding="utf-8")
    first = json.loads(run(atlas_url, "monitor", "import", str(a / "实际值.csv"), "--json").stdout)
    second = json.loads(run(atlas_url, "monitor", "import", str(b / "实际值.csv"),
                            "--json").stdout)
    assert (first["status"], second["status"]) == ("added", "added")
    assert first["document"] != second["document"] and second["stored"] == 2
