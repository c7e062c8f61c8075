"""Issue 14, row 3: a number of 400 digits is not a quantity; it breaks neither the file nor
the batch (it was an OverflowError traceback that skipped every later file)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gxatlas.cli import main
from gxatlas.extract.numbers import find_quantities, parse_number

GOOD = "甲市工业发展规划\n到2025年，甲市高新技术产业开发区工业总产值达到800亿元。\n"


def test_long_numbers_are_not_quantities() -> None:
    assert parse_number("9" * 400) is None
    assert parse_number("一" * 5000) is None
    text = f"工业总产值达到{'9' * 400}亿元，园区面积{'8' * 30}平方公里，企业120家。"
    values = [q.value for q in find_quantities(text)]
    assert values == [120]


def test_a_400_digit_number_leaves_the_batch_going(atlas_url: str, tmp_path: Path) -> None:
    long = tmp_path / "a_long.txt"
    long.write_text(GOOD.replace("800", "9" * 400), encoding="utf-8")
    good = tmp_path / "b_good.txt"
    good.write_text(GOOD, encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", atlas_url, "ingest", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    results = json.loads(r.stdout)
    assert [x["status"] for x in results] == ["added", "added"]
    assert results[1]["facts"] > 0
    r = CliRunner().invoke(main, ["extract", str(long)])
    assert r.exit_code == 0 and "Traceback" not in r.output
    for line in r.stdout.splitlines():
        json.loads(line)  # valid JSON: no Infinity
