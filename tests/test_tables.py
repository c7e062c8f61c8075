"""Flattened tables rebuilt into rows (row-wise, with and without 序号; column-wise)."""

from __future__ import annotations

from pathlib import Path

from gxatlas.ingest.normalize import normalize
from gxatlas.ingest.tables import find_tables, is_numeric_cell

FIX = Path(__file__).parent / "fixtures" / "tables"


def _tables(name: str):
    text = normalize((FIX / name).read_text(encoding="utf-8")).text
    return text, find_tables(text)


def test_rows_with_sequence_numbers_and_group_labels() -> None:
    text, tables = _tables("plan_table_rows.txt")
    assert len(tables) == 1
    t = tables[0]
    assert t.orientation == "rows"
    assert [h.text for h in t.header][-3:] == ["2020年", "2025年", "指标属性"]
    rows = [r.texts for r in t.rows]
    assert rows[0] == ["1", "工业总产值", "亿元", "1200", "2000", "预期性指标"]
    assert rows[1][1] == "工业增加值年均增速"
    assert rows[2][4] == ">20"
    assert rows[3][1] == "单位工业增加值能耗较2020年下降"  # a cell wrapped over two lines
    assert [r.group.text if r.group else None for r in t.rows] == ["规模指标", "规模指标", "结构指标", "结构指标"]
    for r in t.rows:  # every cell's span is its text in the normalized document
        for c in r.cells:
            assert text[c.start:c.end].replace("\n", "") == c.text
        assert r.start < r.end


def test_rows_around_a_key_column() -> None:
    _, tables = _tables("parks_rows.txt")
    assert len(tables) == 1
    rows = tables[0].rows
    assert [r.texts[:2] for r in rows] == [["东城高新技术产业开发区", "25"], ["东城经济技术开发区", "12.5"],
                                          ["西岭临港工业园", "40"]]
    assert rows[1].texts[2:4] == ["装备制造", "300"]
    assert [r.group.text if r.group else None for r in rows] == ["东城", "东城", "西岭"]


def test_columns_flattened_one_after_the_other() -> None:
    _, tables = _tables("policies_columns.txt")
    assert len(tables) == 1
    t = tables[0]
    assert t.orientation == "columns"
    assert [h.text for h in t.header] == ["日期", "文号", "政策名称"]
    assert t.rows[1].texts == ["2021-07-15", "示政办发[2021]18号", "示范市园区提质增效三年行动方案"]


def test_prose_is_not_a_table() -> None:
    text = normalize((FIX / "plan_prose.txt").read_text(encoding="utf-8")).text
    assert find_tables(text) == []


def test_numeric_cells() -> None:
    assert all(is_numeric_cell(x) for x in ["15800", "43.6", "—", ">35", "15:43:42", "8%"])
    assert not any(is_numeric_cell(x) for x in ["亿元", "预期性指标", "2015年"])


def test_tab_separated_rows_are_a_table() -> None:
    text, tables = _tables("tab_rows.txt")
    assert len(tables) == 1
    t = tables[0]
    assert t.orientation == "tabs"
    assert t.title == "示范市“十四五”工业发展主要指标"
    assert [h.text for h in t.header][:3] == ["指标类别", "指标名称", "单位"]
    assert t.rows[0].texts == ["规模效益", "规模以上工业总产值", "亿元", "1520", "2600", "预期性"]
    assert t.rows[1].texts[2] == ""  # an empty cell keeps its column
    for r in t.rows:
        for c in r.cells:
            assert text[c.start:c.end] == c.text


def test_tab_rows_with_a_merged_group_row() -> None:
    text = "指标\t2020年\t2025年\n经济规模\t\t\n地区生产总值\t100\t150\n"
    (t,) = find_tables(text)
    assert [r.texts for r in t.rows] == [["地区生产总值", "100", "150"]]
    assert t.rows[0].group is not None and t.rows[0].group.text == "经济规模"
    assert t.caption is None


def test_single_tab_line_is_not_a_table() -> None:
    assert find_tables("甲\t乙\n一段正文。\n") == []
