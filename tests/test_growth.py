"""Growth maths on hand-computed examples."""

from __future__ import annotations

import pytest

from gxatlas.analysis import growth


def test_cagr_worked_example() -> None:
    # 9793 -> 15800 over 5 years: (15800/9793)^(1/5) = 1.6134^0.2 = e^(0.47833/5) = 1.10040
    assert growth.cagr(start=9793, end=15800, years=5) == pytest.approx(0.1004, abs=1e-4)
    # 100 -> 121 over 2 years is exactly 10%
    assert growth.cagr(start=100, end=121, years=2) == pytest.approx(0.10)


@pytest.mark.parametrize("start,end,years", [(0, 5, 3), (-1, 5, 3), (5, -1, 3), (1, 2, 0)])
def test_cagr_undefined(start: float, end: float, years: float) -> None:
    assert growth.cagr(start=start, end=end, years=years) is None


def test_growth_rate_reasons() -> None:
    assert "为0" in growth.growth_rate_ok(start=0, end=1)
    assert "为负" in growth.growth_rate_ok(start=-2, end=1)
    assert "符号" in growth.growth_rate_ok(start=2, end=-1)
    assert growth.growth_rate_ok(start=2, end=1) is None


def test_required_and_targets() -> None:
    # from 110 in 2018 to 150 in 2020: (150/110)^(1/2) - 1 = 1.16775 - 1
    assert growth.required_cagr(current=110, target=150, years=2) == pytest.approx(0.16775,
                                                                                abs=1e-5)
    assert growth.target_from_change(base=1.0, change=-0.18) == pytest.approx(0.82)
    assert growth.target_from_points(base=40, points=5) == 45
    # 100 growing 10% a year for 3 years: 133.1
    assert growth.target_from_annual_growth(base=100, rate=0.1, years=3) == pytest.approx(133.1)


def test_rounding_interval_and_cagr_interval() -> None:
    lo, hi = growth.rounding_interval(1.9, decimals=1)
    assert (lo, hi) == pytest.approx((1.85, 1.95))
    # a ratio of 1.85..1.95 over 5 years: 1.85^0.2 = e^(0.61519/5) = 1.13093, 1.95^0.2 = 1.14290
    clo, chi = growth.cagr_interval(ratio_low=lo, ratio_high=hi, years=5)
    assert clo == pytest.approx(0.1309, abs=1e-4)
    assert chi == pytest.approx(0.1429, abs=1e-4)
    assert growth.decimals_of("13.4") == 1 and growth.decimals_of("27") == 0


def test_projections() -> None:
    # 100 -> 161.051 is 10% a year over 5 years; five more years: 161.051 * 1.61051 = 259.37
    p = growth.project_cagr(points=[(2015, 100), (2020, 161.051)], year=2025)
    assert p.value == pytest.approx(259.374, abs=1e-3) and p.method == "cagr"
    # a straight line +10 a year: 2020 -> 150
    q = growth.project_linear(points=[(2015, 100), (2016, 110), (2017, 120)], year=2020)
    assert q.value == pytest.approx(150) and "线性" in q.rule
    bad = growth.project_cagr(points=[(2015, 0), (2016, 3)], year=2020)
    assert bad.value is None and bad.reason
    one = growth.project_linear(points=[(2015, 3)], year=2020)
    assert one.value is None


def test_percent() -> None:
    assert growth.percent(0.1234) == "12.3%"
    assert growth.percent(None) == "—"
