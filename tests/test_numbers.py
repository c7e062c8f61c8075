"""Numbers as planning documents write them."""

from __future__ import annotations

import pytest

from gxatlas.extract.numbers import (
    cn_number,
    comparator_of,
    find_quantities,
    find_years,
    parse_number,
    plan_period_years,
)


@pytest.mark.parametrize(("raw", "value"), [
    ("1,234.5", 1234.5), ("15800", 15800), ("一千二百", 1200), ("十三", 13), ("两", 2),
    ("8千", 8000), ("3.5万", 35000), ("六分之一", 1 / 6), ("", None), ("abc", None),
])
def test_parse_number(raw: str, value: float | None) -> None:
    got = parse_number(raw)
    assert got == pytest.approx(value) if value is not None else got is None


@pytest.mark.parametrize(("raw", "value"), [
    ("十", 10), ("十三", 13), ("一百一十", 110), ("一千零五", 1005), ("两千", 2000), ("三万五千", 35000),
    ("一亿二千万", 120_000_000), ("一万亿", 10**12), ("二〇二〇", 2020), ("三点五", 3.5), ("零", 0),
    ("百十", None), ("十十", None), ("万", None), ("一万万", None), ("三点", None), ("一点二点三", None),
])
def test_cn_number(raw: str, value: float | None) -> None:
    assert cn_number(raw) == value


def test_cn_number_rejects_other_text() -> None:
    assert cn_number("一带") is None
    assert cn_number("三百") == 300


def _q(text: str) -> list[tuple]:
    return [(q.value, q.unit, q.comparator, q.low, q.change) for q in find_quantities(text)]


def test_units_and_scales_kept_as_written() -> None:
    assert _q("产值达到16000亿元以上") == [(16000, "亿元", ">=", None, None)]
    assert _q("产量1000万吨") == [(1000, "万吨", None, None, None)]
    assert _q("近8千亿元") == [(8000, "亿元", "<=", None, None)]
    assert _q("能耗降至0.8吨标准煤") == [(0.8, "吨标准煤", "<=", None, None)]


def test_percentages_changes_and_comparators() -> None:
    assert _q("年均增速超过10%") == [(10, "%", ">=", None, None)]
    assert _q("能耗较2020年下降18%") == [(18, "%", None, None, "down")]
    assert _q("年均增长13.4%") == [(13.4, "%", None, None, "up")]
    assert _q("比重控制在30%以内") == [(30, "%", "<=", None, None)]
    assert _q("约占六分之一")[0][1:3] == ("%", "=")


def test_ranges_counts_and_ratios() -> None:
    assert _q("打造1—2家企业集团") == [(2, "家", None, 1, None)]
    assert _q("三大千亿元产业") == [(3, "个", None, None, None)]
    assert _q("20多个制造基地") == [(20, "个", ">=", None, None)]
    assert _q("建设万家以上中小企业网站") == [(10000, "家", ">=", None, None)]
    assert _q("三次产业结构调整为11:42:47") == [("11:42:47", None, None, None, None)]


def test_dates_and_clock_times_are_not_quantities() -> None:
    assert _q("2017-06-14 14:40发布,2019年8月批复") == []
    assert _q("一带一路") == []


def test_years_periods_and_plans() -> None:
    ys = find_years("2022年1-6月,进出口额增长;到2025年,产值翻番;比2010年增加")
    assert [(y.year, y.label(), y.target, y.reference) for y in ys] == [
        (2022, "2022-01..2022-06", False, False), (2025, "2025", True, False),
        (2010, "2010", False, True)]
    assert [y.year for y in find_years("“十三五”末,全市")] == [2020]
    assert plan_period_years("“十四五”时期")[0][:2] == (2021, 2025)


def test_comparator_of() -> None:
    assert comparator_of("不低于", "") == ">="
    assert comparator_of("", "以下") == "<="
    assert comparator_of("达到", "") is None


def test_digit_runs_beyond_any_quantity_are_none_and_never_overflow() -> None:
    """A run of hundreds of digits (an id, garbage) is no quantity: no OverflowError."""
    assert parse_number("9" * 400) is None
    assert find_quantities("产值" + "9" * 400 + "亿元") == []
    assert find_quantities("1" * 5000) == []
    assert find_quantities("产值123456789012亿元")[0].value == 123456789012


def test_rate_ranges_keep_their_upper_bound() -> None:
    q = find_quantities("地区生产总值增长8%-8.5%")[0]
    assert (q.value, q.low, q.unit) == (8.5, 8, "%")
