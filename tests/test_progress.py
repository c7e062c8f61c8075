"""Open SDG's progress measure on worked examples, and the Chinese-plan extensions.

Every expected number is computed by hand in the comment next to it.
"""

from __future__ import annotations

import pytest

from gxatlas.analysis.progress import (NO_TARGET_CUTOFFS, TARGET_CUTOFFS, Target,
                                       classify_cagr, classify_ratio, measure_progress)


@pytest.mark.parametrize("latest,status", [
    (110, "substantial_progress"),  # 1.10^(1/5) - 1 = 1.92% > 1.5%
    (107, "moderate_progress"),     # 1.07^(1/5) - 1 = 1.36%: 0.5% < x <= 1.5%
    (103, "moderate_progress"),     # 1.03^(1/5) - 1 = 0.593%: 0.5% < x <= 1.5%
    (101, "limited_progress"),      # 1.01^(1/5) - 1 = 0.199%: 0 <= x <= 0.5%
    (95, "deterioration"),          # 0.95^(1/5) - 1 = -1.02% < 0
])
def test_methodology_1_without_target(latest: float, status: str) -> None:
    r = measure_progress(indicator="x", series=[(2015, 100), (2017, 100.5), (2020, latest)])
    assert r.status == status
    assert r.method == "open_sdg_cagr" and r.thresholds == NO_TARGET_CUTOFFS
    assert (r.base_year, r.base_value, r.latest_year, r.latest_value) == (2015, 100, 2020, latest)
    assert r.observed_cagr == pytest.approx((latest / 100) ** 0.2 - 1)
    assert r.ratio is None and r.required_cagr is None and "方法一" in r.rule


def test_methodology_1_lower_is_better() -> None:
    # 100 -> 90: CAGR -2.09%, sign flipped for a lower-is-better indicator: +2.09% > 1.5%
    r = measure_progress(indicator="能耗", series=[(2015, 100), (2020, 90)], direction="negative")
    assert r.status == "substantial_progress"
    assert r.observed_cagr == pytest.approx(-0.02085, abs=1e-5)
    # 100 -> 95: +1.02% is moderate (0.5%..1.5%)
    assert measure_progress(indicator="能耗", series=[(2015, 100), (2020, 95)],
                            direction="negative").status == "moderate_progress"


def test_cutoffs_boundaries() -> None:
    # Open SDG's cutoffs without a target: high 1.5%, med 0.5%, low 0;
    # > high substantial, (med, high] moderate, [low, med] limited
    assert NO_TARGET_CUTOFFS.to_dict() == {"high": 0.015, "med": 0.005, "low": 0.0}
    assert classify_cagr(0.0151) == "substantial_progress"
    assert classify_cagr(0.015) == "moderate_progress"
    assert classify_cagr(0.012) == "moderate_progress"
    assert classify_cagr(0.005) == "limited_progress"
    assert classify_cagr(0.0) == "limited_progress"
    assert classify_cagr(-0.0001) == "deterioration"
    # with a target: high 0.95, med 0.6, low 0; >= high substantial, [med, high) moderate,
    # [low, med) limited, < low deterioration
    assert TARGET_CUTOFFS.to_dict() == {"high": 0.95, "med": 0.6, "low": 0.0}
    assert classify_ratio(0.95) == "substantial_progress"
    assert classify_ratio(0.6) == "moderate_progress"
    assert classify_ratio(0.55) == "limited_progress"
    assert classify_ratio(0.0) == "limited_progress"
    assert classify_ratio(-0.01) == "deterioration"


def test_methodology_2_with_target() -> None:
    # base 2015 = 100, latest 2018 = 115, target 150 in 2020
    # cagr_o = 1.15^(1/3) - 1 = e^(0.139762/3) - 1 = 4.769%
    # cagr_r = 1.5^(1/5) - 1 = e^(0.405465/5) - 1 = 8.447%
    # ratio = 0.5646: limited (0 <= ratio < 0.6)
    r = measure_progress(indicator="产值", series=[(2015, 100), (2016, 104), (2018, 115)],
                         target=Target(kind="level", value=150, year=2020))
    assert r.status == "limited_progress" and r.method == "open_sdg_ratio"
    assert r.observed_cagr == pytest.approx(0.04769, abs=1e-5)
    assert r.required_cagr == pytest.approx(0.08447, abs=1e-5)
    assert r.ratio == pytest.approx(0.5646, abs=1e-4)
    assert r.thresholds == TARGET_CUTOFFS and r.target_level == 150
    # still required from 115 (2018) to 150 (2020): (150/115)^(1/2) - 1 = 14.21%
    assert r.still_required_cagr == pytest.approx(0.1421, abs=1e-4)
    assert {p.method for p in r.projections} == {"cagr", "linear"}
    # CAGR projection: 115 * 1.04769^2 = 126.2
    cagr_p = next(p for p in r.projections if p.method == "cagr")
    assert cagr_p.value == pytest.approx(126.23, abs=0.01) and cagr_p.year == 2020


def test_methodology_2_substantial_and_achieved() -> None:
    # 1.28^(1/3) - 1 = 8.577%; / 8.447% = 1.015 >= 0.95
    r = measure_progress(indicator="产值", series=[(2015, 100), (2018, 128)],
                         target=Target(kind="level", value=150, year=2020))
    assert r.status == "substantial_progress" and r.ratio == pytest.approx(1.015, abs=1e-3)
    done = measure_progress(indicator="产值", series=[(2015, 100), (2019, 152)],
                            target=Target(kind="level", value=150, year=2020))
    assert done.status == "target_achieved" and done.still_required_cagr is None


def test_change_target_lower_is_better_binding() -> None:
    # 下降18% from 1.0 (2015): target level 0.82 by 2020; 2018 value 0.90
    # cagr_o = 0.9^(1/3) - 1 = -3.451%; cagr_r = 0.82^(1/5) - 1 = -3.891%; ratio 0.8869
    r = measure_progress(indicator="单位工业增加值能耗", series=[(2015, 1.0), (2018, 0.90)],
                         target=Target(kind="change", value=-0.18, year=2020),
                         direction="negative", attribute="约束性")
    assert r.target_level == pytest.approx(0.82)
    assert r.observed_cagr == pytest.approx(-0.03451, abs=1e-5)
    assert r.required_cagr == pytest.approx(-0.03891, abs=1e-5)
    assert r.ratio == pytest.approx(0.8869, abs=1e-4)
    assert r.status == "moderate_progress" and r.severity == "error"
    # the same indicator as 预期性 is only a note, not an error
    soft = measure_progress(indicator="单位工业增加值能耗", series=[(2015, 1.0), (2018, 0.90)],
                            target=Target(kind="change", value=-0.18, year=2020),
                            direction="negative", attribute="预期性")
    assert soft.severity is None
    # 0.81 <= 0.82: achieved
    ok = measure_progress(indicator="能耗", series=[(2015, 1.0), (2019, 0.81)],
                          target=Target(kind="change", value=-0.18, year=2020),
                          direction="negative", attribute="约束性")
    assert ok.status == "target_achieved" and ok.severity is None


def test_change_target_uses_stated_baseline() -> None:
    # the plan states 2015 = 1.0; actuals only from 2016
    r = measure_progress(indicator="能耗", series=[(2016, 0.97), (2018, 0.90)],
                         target=Target(kind="change", value=-0.18, year=2020),
                         direction="negative", base_year=2015, base_value=1.0)
    # 0.9^(1/3) - 1 = -3.451% over -3.891%: 0.887, moderate
    assert r.base_year == 2015 and r.base_value == 1.0 and r.status == "moderate_progress"


def test_annual_growth_target() -> None:
    # 年均增长10%: 100 (2015) -> 130 (2018): 1.3^(1/3) - 1 = 9.139%; ratio 0.914: moderate
    r = measure_progress(indicator="工业增加值", series=[(2015, 100), (2018, 130)],
                         target=Target(kind="annual_growth", value=0.10, year=2020))
    assert r.method == "annual_growth" and r.status == "moderate_progress"
    assert r.observed_cagr == pytest.approx(0.09139, abs=1e-5)
    assert r.ratio == pytest.approx(0.9139, abs=1e-4)
    assert r.required_cagr == 0.10
    # the level the target implies: 100 * 1.1^5 = 161.051
    assert r.target_level == pytest.approx(161.051)
    # period over with 1.7^(1/5) - 1 = 11.2% >= 10%: achieved
    end = measure_progress(indicator="工业增加值", series=[(2015, 100), (2020, 170)],
                           target=Target(kind="annual_growth", value=0.10, year=2020))
    assert end.status == "target_achieved"


def test_points_target() -> None:
    # share 40% (2015), +5 个百分点 by 2020 -> 45%; 42% in 2018:
    # observed 2/3 = 0.667 points a year; required 5/5 = 1; ratio 0.667: moderate
    r = measure_progress(indicator="战略性新兴产业占比", series=[(2015, 40), (2018, 42)],
                         target=Target(kind="points", value=5, year=2020))
    assert r.method == "points_linear" and r.target_level == 45
    assert r.observed_pace == pytest.approx(2 / 3) and r.required_pace == pytest.approx(1)
    assert r.ratio == pytest.approx(0.6667, abs=1e-4) and r.status == "moderate_progress"


def test_cumulative_target() -> None:
    # 五年累计 500 over 2016-2020; 90 + 95 + 100 = 285 in 3 years: mean 95 vs needed 100 -> 0.95
    r = measure_progress(indicator="累计投资", series=[(2016, 90), (2017, 95), (2018, 100)],
                         target=Target(kind="cumulative", value=500, year=2020, start_year=2016))
    assert r.method == "cumulative" and r.status == "substantial_progress"
    assert r.ratio == pytest.approx(0.95)
    gap = measure_progress(indicator="累计投资", series=[(2016, 90), (2018, 100)],
                           target=Target(kind="cumulative", value=500, year=2020, start_year=2016))
    assert gap.status == "not_available" and "2017" in gap.reason


@pytest.mark.parametrize("series,why", [
    ([(2015, -3), (2018, 5)], "符号"),
    ([(2015, 3), (2018, -5)], "符号"),
    ([(2018, 5)], "一个年份"),
    ([(2018, 5), (2018, 5)], "一个年份"),
    ([], "没有数据"),
    ([(2015, 3), (2018, 5), (2018, 6)], "2018年有多个不同的数值"),
])
def test_not_available_reasons(series, why: str) -> None:
    r = measure_progress(indicator="x", series=series,
                         target=Target(kind="level", value=10, year=2020))
    assert r.status == "not_available" and why in r.reason and r.status_zh == "无法测算"


def test_base_year_moves_to_first_year_with_data() -> None:
    # Open SDG: base year 2015 missing -> the first later year (2016) is the base
    r = measure_progress(indicator="x", series=[(2016, 100), (2020, 110)], base_year=2015)
    assert r.base_year == 2016
    none = measure_progress(indicator="x", series=[(2012, 100), (2014, 110)], base_year=2015)
    assert none.status == "not_available" and "晚于最新数据年份" in none.reason


def test_to_dict_has_every_component() -> None:
    r = measure_progress(indicator="产值", series=[(2015, 100), (2018, 115)],
                         target=Target(kind="level", value=150, year=2020))
    d = r.to_dict()
    for key in ("method", "base_year", "base_value", "latest_year", "latest_value", "target",
                "observed_cagr", "required_cagr", "ratio", "thresholds", "status", "rule"):
        assert key in d
    assert d["status_zh"] == "进展有限" and d["thresholds"]["high"] == 0.95
    assert d["open_sdg_status"] == "limited_progress"


def test_plan_target_reads_chinese_indicators() -> None:
    from gxatlas.analysis.progress import plan_target

    g = plan_target(name="工业增加值年均增速", unit="%", target_year=2020, target_value=10)
    assert g.target.kind == "annual_growth" and g.target.value == 0.10
    assert g.series_name == "工业增加值" and g.direction == "positive"
    c = plan_target(name="工业单位增加值能耗较2015年下降", unit="%", target_year=2020,
                    target_value=18)
    assert c.target.kind == "change" and c.target.value == -0.18 and c.direction == "negative"
    assert c.series_name == "工业单位增加值能耗"
    p = plan_target(name="服务业增加值占比", unit="个百分点", target_year=2025, target_value=3)
    assert p.target.kind == "points"
    k = plan_target(name="五年累计完成工业投资", unit="亿元", target_year=2025, target_value=5000,
                    baseline_year=2020)
    assert k.target.kind == "cumulative" and k.target.start_year == 2021
    lv = plan_target(name="单位工业增加值用水量", unit="立方米", target_year=2025, target_value=30)
    assert lv.target.kind == "level" and lv.direction == "negative"
    assert plan_target(name="x", unit="%", target_year=None, target_value=1) is None


# --- Open SDG's method in full (issue 15) ---------------------------------------------------

def test_issue_probes_growth_between_1_and_1_5_percent_is_moderate() -> None:
    # 100 -> 106.5 over 5 years: 1.27%/yr; Open SDG: moderate (sdg-build's high cutoff 1.5%)
    r = measure_progress(indicator="x", series=[(2015, 100), (2020, 106.5)])
    assert r.observed_cagr == pytest.approx(0.0127, abs=1e-4)
    assert r.status == "moderate_progress"


def test_issue_probes_ratio_between_0_5_and_0_6_is_limited() -> None:
    # 100 -> 104 over 2 years (1.98%/yr) toward 120 in 2020 (3.71%/yr): ratio 0.534
    r = measure_progress(indicator="x", series=[(2015, 100), (2017, 104)],
                         target=Target(kind="level", value=120, year=2020))
    assert r.ratio == pytest.approx(0.534, abs=1e-3)
    assert r.status == "limited_progress" and r.status_zh == "进展有限"


def test_all_negative_series_is_measured_with_direction_flipped() -> None:
    # -10 -> -5: the values rise toward zero, progress for a higher-is-better indicator.
    # abs 10 -> 5 is -12.94%/yr; flipped to negative direction: +12.94% > 1.5%
    r = measure_progress(indicator="净流出", series=[(2015, -10), (2020, -5)])
    assert r.status == "substantial_progress"
    assert r.observed_cagr == pytest.approx(0.5 ** 0.2 - 1)
    assert any("绝对值" in a for a in r.adjustments)
    # -5 -> -10 is deterioration
    worse = measure_progress(indicator="净流出", series=[(2015, -5), (2020, -10)])
    assert worse.status == "deterioration"
    # with a target of -2 by 2025: required abs 10 -> 2 over 10 years, -14.87%/yr;
    # observed -12.94%/yr: ratio 0.870, moderate
    t = measure_progress(indicator="净流出", series=[(2015, -10), (2020, -5)],
                         target=Target(kind="level", value=-2, year=2025))
    assert t.ratio == pytest.approx((0.5 ** 0.2 - 1) / (0.2 ** 0.1 - 1))
    assert t.status == "moderate_progress"


def test_zero_base_and_zero_target_are_replaced_by_0_001() -> None:
    # base 0 -> 0.001: 0.001 -> 5 over 3 years is a huge growth: substantial
    r = measure_progress(indicator="x", series=[(2015, 0), (2018, 5)])
    assert r.status == "substantial_progress"
    assert r.observed_cagr == pytest.approx((5 / 0.001) ** (1 / 3) - 1)
    assert any("0.001" in a for a in r.adjustments)
    # target 0 (eliminate) for a lower-is-better indicator: 0.001 replaces it
    # 100 -> 50 over 5 years: -12.94%/yr; required 100 -> 0.001 over 15 years: -53.58%/yr
    z = measure_progress(indicator="事故", series=[(2015, 100), (2020, 50)],
                         target=Target(kind="level", value=0, year=2030), direction="negative")
    assert z.required_cagr == pytest.approx((0.001 / 100) ** (1 / 15) - 1)
    assert z.ratio == pytest.approx((0.5 ** 0.2 - 1) / ((0.001 / 100) ** (1 / 15) - 1))
    assert z.status == "limited_progress"


def test_limit_shrinks_the_cutoffs_and_counts_as_achieved() -> None:
    # a share at 97% in 2015 can rise at most to 100% by 2020: 0.61%/yr; 97 -> 98.5 is 0.31%/yr.
    # Without the limit: limited (0.31% <= 0.5%). With limit 100 the cutoffs shrink by
    # 0.0061/0.015 = 0.406: high 0.61%, med 0.20%: 0.31% is moderate.
    series = [(2015, 97.0), (2020, 98.5)]
    plain = measure_progress(indicator="覆盖率", series=series)
    assert plain.status == "limited_progress"
    r = measure_progress(indicator="覆盖率", series=series, limit=100,
                         target=Target(kind="none", year=2020))
    room = (100 / 97) ** 0.2 - 1
    assert r.thresholds.high == pytest.approx(room)
    assert r.thresholds.med == pytest.approx(0.005 * room / 0.015)
    assert r.status == "moderate_progress" and r.limit == 100
    done = measure_progress(indicator="覆盖率", series=[(2015, 97.0), (2020, 100.0)], limit=100)
    assert done.status == "target_achieved"
    # a target beyond the limit is the limit
    capped = measure_progress(indicator="覆盖率", series=series, limit=100,
                              target=Target(kind="level", value=105, year=2025))
    assert capped.target_level == 100


def test_cutoffs_are_configurable() -> None:
    from gxatlas.analysis.progress import Cutoffs, ProgressConfig

    series = [(2015, 100), (2020, 106.5)]  # 1.27%/yr
    strict = ProgressConfig(no_target=Cutoffs.parse("0.01,0.005,0"))
    assert measure_progress(indicator="x", series=series, config=strict).status \
        == "substantial_progress"
    with pytest.raises(ValueError):
        Cutoffs.parse("0.01,0.02,0")
    with pytest.raises(ValueError):
        Cutoffs.parse("a,b")


def test_duplicate_years_with_equal_values_count_once() -> None:
    r = measure_progress(indicator="x", series=[(2015, 100), (2015, 100), (2020, 110)])
    assert r.status == "substantial_progress" and r.base_value == 100


def test_statuses_use_open_sdg_2_4_names_and_export() -> None:
    from gxatlas.analysis.progress import STATUSES, open_sdg_record

    assert STATUSES == ("target_achieved", "substantial_progress", "moderate_progress",
                        "limited_progress", "deterioration", "not_available")
    r = measure_progress(indicator="产值", series=[(2015, 100), (2018, 128)],
                         target=Target(kind="level", value=150, year=2020))
    rec = open_sdg_record(r)
    assert rec["progress_status"] == "substantial_progress"
    opts = rec["progress_calculation_options"][0]
    assert opts == {"direction": "positive", "base_year": 2015, "target_year": 2020,
                    "target": 150, "progress_thresholds": {"high": 0.95, "med": 0.6, "low": 0.0}}


def test_change_actuals_as_an_index_and_target_text() -> None:
    from gxatlas.analysis.progress import change_as_index, target_text

    # 较2015年下降 12% by 2018, 18% wanted by 2020: index 100 -> 88, target 82;
    # 0.88^(1/3) - 1 = -4.17% over 0.82^(1/5) - 1 = -3.89%: ratio 1.07, substantial
    idx = change_as_index([(2018, 12.0)], base_year=2015, down=True)
    assert idx == [(2015, 100.0), (2018, 88.0)]
    r = measure_progress(indicator="能耗较2015年下降", series=idx, base_year=2015,
                         target=Target(kind="change", value=-0.18, year=2020),
                         direction="negative")
    assert r.target_level == pytest.approx(82) and r.status == "substantial_progress"
    assert target_text(r, "%") == "2020: 较2015年下降 18%"
    g = measure_progress(indicator="产值", series=[(2015, 100), (2018, 130)],
                         target=Target(kind="annual_growth", value=0.09, year=2020))
    assert target_text(g, "%") == "2020: 年均增长 9%"
