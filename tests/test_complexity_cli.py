"""`gxatlas complexity FILE` and `gxatlas partners --home`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.cli import main

SMALL = str(Path(__file__).parent / "fixtures" / "complexity" / "small.csv")


def test_complexity_json_fields():
    out = CliRunner().invoke(main, ["complexity", SMALL, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"regions", "industries", "pairs"}
    assert set(data["regions"][0]) == {"region", "diversity", "eci", "coi"}
    assert set(data["industries"][0]) == {"industry", "ubiquity", "pci"}
    assert set(data["pairs"][0]) == {"region", "industry", "rca", "presence", "density", "cog"}
    assert len(data["pairs"]) == 9
    eci = {r["region"]: r["eci"] for r in data["regions"]}
    assert eci["南宁市"] > eci["钦州市"]


def test_complexity_csv_and_table():
    csv = CliRunner().invoke(main, ["complexity", SMALL, "--format", "csv", "--part", "pairs"])
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0] == "region,industry,rca,presence,density,cog"
    table = CliRunner().invoke(main, ["complexity", SMALL])
    assert table.exit_code == 0 and "南宁市" in table.stdout


def test_complexity_bad_file_is_one_line_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("地区,产业,数值\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["complexity", str(path)])
    assert out.exit_code == 1
    assert out.stderr.strip().count("\n") == 0 and "为空" in out.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_partners_from_table(fmt, tmp_path):
    out = CliRunner().invoke(main, ["partners", "--home", "南宁", "--table", SMALL, "--format", fmt,
                                    "--weights", "互补性=1,联系=1"])
    assert out.exit_code == 0, out.output
    if fmt == "json":
        data = json.loads(out.stdout)
        assert data["home"] == "南宁市" and data["partners"]
        assert data["weights"]["complementarity"] == pytest.approx(1 / 2.45)
    else:
        assert "柳州市" in out.stdout
    xlsx = tmp_path / "p.xlsx"
    assert CliRunner().invoke(main, ["partners", "--home", "南宁", "--table", SMALL, "--format", "xlsx",
                                     "--output", str(xlsx)]).exit_code == 0
    assert xlsx.stat().st_size > 0
