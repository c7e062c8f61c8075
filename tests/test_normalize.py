"""Normalization steps, each on its own, and the offset map they keep."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gxatlas.ingest.normalize import (
    Normalized,
    collapse_blank_lines,
    fix_spaces,
    identity,
    join_wrapped_lines,
    nfkc,
    normalize,
    simplify,
)


def _check(n: Normalized, original: str) -> None:
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(original)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:]))
    assert all(0 <= o <= len(original) for o in n.offsets)


def test_nfkc_fullwidth_and_expansion_keep_offsets() -> None:
    original = "产值１２３亿元，面积５㎡"
    n = nfkc(identity(original))
    assert n.text == "产值123亿元,面积5m2"
    _check(n, original)
    i = n.text.index("m2")
    assert original[n.offsets[i]] == "㎡" and original[n.offsets[i + 1]] == "㎡"
    assert n.to_original(2, 5) == (2, 5)


def test_nfkc_combining_cluster() -> None:
    original = "Cafe\u0301 园区"
    n = nfkc(identity(original))
    assert n.text == "Café 园区"
    _check(n, original)


def test_simplify_maps_one_to_one() -> None:
    original = "廣西柳州與香港淵源深厚\n產業園區"
    n = simplify(identity(original))
    assert n.text == "广西柳州与香港渊源深厚\n产业园区"
    assert n.offsets == tuple(range(len(original) + 1))


def test_simplify_leaves_simplified_text_alone() -> None:
    original = "南宁市工业总产值增长"
    n = simplify(identity(original))
    assert n.text == original


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020 年", "2020年"),
        ("北 部湾经济区", "北部湾经济区"),
        ("1000 万吨", "1000万吨"),
        ("印刷用 PS 板", "印刷用 PS 板"),
        ("Intel Core 处理器", "Intel Core 处理器"),
        ("2017-06-14 14:40", "2017-06-14 14:40"),
        ("增长 13.4% 。 财政", "增长13.4%。财政"),
        ("近  8 千亿元", "近8千亿元"),
        ("  行首与行尾  \n下一行", "行首与行尾\n下一行"),
        ("a\r\nb", "a\nb"),
    ],
)
def test_fix_spaces(raw: str, expected: str) -> None:
    n = fix_spaces(identity(raw))
    assert n.text == expected
    _check(n, raw)


def test_fix_spaces_offsets_point_at_the_source() -> None:
    raw = "北 部湾"
    n = fix_spaces(identity(raw))
    assert [raw[o] for o in n.offsets[:-1]] == list("北部湾")
    assert n.to_original(0, 3) == (0, 4)


WRAPPED = (
    "(一)区位优势明显\n\n"
    "本市面向东南亚、背靠大西南、东邻粤港澳、\n\n"
    "南临北部湾,是海上丝绸之路和丝绸之路经济带的重\n\n"
    "要节点城市,在融入对外开放建设中地位重要、优势\n\n"
    "明显。随着南向通道的建设,有助于本市加强与内陆\n\n"
    "工业重镇的合作,区位空间合作优势进一步彰显,参\n\n"
    "与城市工业合作的基础更加雄厚。\n\n"
    "(二)基础设施逐渐完善\n\n"
    "随着地铁1号、2号线的开通,本市全面进入地铁时\n\n"
    "代。高铁经济圈的建设,国际国内航线的不断开通,\n\n"
    "1.交通枢纽作用增强。本市正在成为连接各地区的\n"
)


def test_join_wrapped_lines() -> None:
    n = join_wrapped_lines(identity(WRAPPED))
    _check(n, WRAPPED)
    assert "经济带的重要节点城市" in n.text
    assert "加强与内陆工业重镇" in n.text
    assert "(一)区位优势明显\n\n本市" in n.text  # a heading is not joined
    assert "雄厚。\n\n(二)" in n.text  # a sentence end is not joined
    assert "开通,\n\n1.交通" in n.text  # a list item is not joined


def test_join_measures_digits_and_latin_as_half_width() -> None:
    # every line is 20 Chinese characters wide; digits and Latin letters take half a character
    raw = ("本市坚持开放合作,推动园区提质增效,加快构建\n\n"
           "现代产业体系。2022年1-6月,全市与RCEP国家\n\n"
           "的贸易额达到123.4亿元,同比增长较快,显示出良\n\n"
           "好的发展势头,产业合作空间进一步拓展,成效明\n\n"
           "显。\n")
    n = join_wrapped_lines(identity(raw))
    _check(n, raw)
    assert "RCEP国家的贸易额" in n.text
    assert "显示出良好的" in n.text


def test_join_keeps_table_cells_and_paragraph_lines() -> None:
    cells = "指标\n\n单位\n\n2015年\n\n2020年\n\n工业增加值\n\n亿元\n\n2853\n\n4600\n"
    assert join_wrapped_lines(identity(cells)).text == cells
    prose = "第一段很长的一行" * 20 + "\n" + "第二段" * 30 + "\n"
    assert join_wrapped_lines(identity(prose)).text == prose


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("指标\t2020年\t2025年", "指标\t2020年\t2025年"),
        ("工业总产值 \t 亿元\t\t 1200 ", "工业总产值\t亿元\t\t1200"),  # an empty cell stays
        ("\t2020年\t2025年", "\t2020年\t2025年"),  # an empty first cell of a row
        ("\t缩进的一段正文", "缩进的一段正文"),  # indentation, not a cell
        ("行尾的制表符\t\n下一行", "行尾的制表符\n下一行"),
    ],
)
def test_fix_spaces_keeps_tab_cell_separators(raw: str, expected: str) -> None:
    n = fix_spaces(identity(raw))
    assert n.text == expected
    _check(n, raw)


def test_normalize_keeps_table_rows_apart() -> None:
    row = "规模以上工业增加值年均增长率\t%\t8.5\t7.5\t预期性"
    raw = "\n".join([row] * 6) + "\n"
    n = normalize(raw)
    assert n.text == raw.rstrip("\n")


def test_collapse_blank_lines() -> None:
    raw = "\n\n甲\n\n\n\n乙\n\n\n"
    n = collapse_blank_lines(identity(raw))
    assert n.text == "甲\n\n乙"
    _check(n, raw)


def test_normalize_composes_steps() -> None:
    raw = "廣西 北 部灣 2020 年工業總產值達到 16000 億元以上，\n\n\n\n印刷用 PS 板"
    n = normalize(raw)
    assert n.text == "广西北部湾2020年工业总产值达到16000亿元以上,\n\n印刷用 PS 板"
    _check(n, raw)
    i = n.text.index("北部湾")
    s, e = n.to_original(i, i + 3)
    assert raw[s:e] == "北 部灣"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.text(alphabet="北部湾 廣西園區 2020年 \n\t\r。,PS板①Ａ㎡é\u0301", max_size=300))
def test_normalize_never_raises_and_offsets_stay_monotone(raw: str) -> None:
    n = normalize(raw)
    _check(n, raw)
    for i in range(0, len(n.text), 7):
        s, e = n.to_original(i, min(len(n.text), i + 3))
        assert 0 <= s <= e <= len(raw)
