"""Issue 15 (imports): complexity on any region × industry table, ISO codes and Chinese
country names resolved when a table is linked to the KB, many unknown rows in one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.cli import main
from gxatlas.kb.models import Region, RegionIndustryValue
from gxatlas.kb.store import open_kb

COUNTRIES = ["CHN", "VNM", "THA", "USA", "DEU", "X01", "X02"]
PRODUCTS = ["0101", "0201", "8703", "8507", "2701"]


def _table(path: Path, regions: list[str]) -> Path:
    lines = ["region,industry,value,year"]
    for i, r in enumerate(regions):
        for j, p in enumerate(PRODUCTS):
            lines.append(f"{r},{p},{(i + 1) * (j + 2) % 7 + 1},2022")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_complexity_on_iso_codes_and_any_codes(tmp_path: Path) -> None:
    path = _table(tmp_path / "trade.csv", COUNTRIES)
    res = CliRunner().invoke(main, ["complexity", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert "未知地区" not in res.stderr and "为空" not in res.stderr
    regions = {r["region"] for r in json.loads(res.stdout)["regions"]}
    assert len(regions) == len(COUNTRIES) and {"X01", "X02"} <= regions


def test_partners_import_links_iso_codes_and_chinese_country_names(tmp_path: Path,
                                                                    atlas_url: str) -> None:
    path = _table(tmp_path / "t.csv", ["VNM", "泰国", "USA", "Chile", "ZZZ"])
    res = CliRunner().invoke(main, ["--db", atlas_url, "partners", "import", str(path)])
    assert res.exit_code == 1  # ZZZ's rows were skipped
    assert "未知地区" in res.stdout and "Traceback" not in res.output
    kb = open_kb(atlas_url)
    with kb.session() as s:
        stored = {s.get(Region, v.region_id).name for v in s.query(RegionIndustryValue)}
        usa = s.query(Region).filter(Region.code == "US").one()
    kb.dispose()
    assert stored == {"越南", "泰国", "美国", "智利"}
    assert usa.level == "country"


def test_many_unknown_rows_are_one_line(tmp_path: Path, atlas_url: str) -> None:
    path = _table(tmp_path / "t.csv", [f"未知地{i}" for i in range(40)] + ["南宁"])
    res = CliRunner().invoke(main, ["--db", atlas_url, "partners", "import", str(path)])
    lines = [x for x in res.stdout.splitlines() if "未知地区" in x]
    assert len(lines) == 1 and "200 行未知地区" in lines[0]
    res = CliRunner().invoke(main, ["partners", "--home", "南宁", "--table", str(path)])
    assert len([x for x in res.stderr.splitlines() if "未知地区" in x]) == 1
