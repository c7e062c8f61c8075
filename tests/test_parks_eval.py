"""Park evaluation on hand-made parks (fictional names and figures)."""

from __future__ import annotations

import pytest

from gxatlas.analysis.parks import (OUTLIER_RULE, ParkRecord, evaluate_parks, planned_intensity,
                                    robust_deviations, sort_evaluations)

PARKS = [
    ParkRecord("甲高新区", city="甲市", area_km2=10, target_value=500, target_year=2025,
               level="国家级", tier="五百亿级", actual_value=520, actual_year=2024),
    ParkRecord("甲工业园", city="甲市", area_km2=20, target_value=500, target_year=2025,
               actual_value=300, actual_year=2025),
    ParkRecord("乙园区", city="乙市", area_km2=5, target_value=200, target_year=2025,
               actual_value=100, actual_year=2023),
    ParkRecord("乙大园区", city="乙市", area_km2=100, target_value=300),
    ParkRecord("丙园区", city="丙市", area_km2=8, target_value=400),
    ParkRecord("丙小园区", city="丙市", area_km2=1, target_value=900),
    ParkRecord("丙保税区", city="丙市", area_km2=10, target_value=1000, target_kind="贸易额"),
    ParkRecord("丁园区", city="丁市", target_value=100),
]


@pytest.fixture(scope="module")
def evals():
    return {e.name: e for e in evaluate_parks(PARKS)}


def test_intensity(evals) -> None:
    assert evals["甲高新区"].intensity == 50  # 500 亿元 / 10 km²
    assert evals["丙小园区"].intensity == 900
    assert evals["丁园区"].intensity is None and "无规划面积" in evals["丁园区"].notes
    assert planned_intensity(ParkRecord("x", area_km2=3))[1] == "无规划目标值"


def test_ranks_in_region_and_city(evals) -> None:
    # output intensities: 900, 50, 50, 40, 25, 3 (trade zone and the park without area left out)
    assert [evals[n].rank_region for n in ("丙小园区", "甲高新区", "丙园区", "乙园区", "甲工业园",
                                           "乙大园区")] == [1, 2, 2, 4, 5, 6]
    assert evals["甲高新区"].n_region == 6
    assert (evals["甲高新区"].rank_city, evals["甲工业园"].rank_city) == (1, 2)
    assert (evals["丙小园区"].rank_city, evals["丙园区"].rank_city, evals["丙园区"].n_city) == (1, 2, 2)
    trade = evals["丙保税区"]
    assert trade.intensity == 100 and trade.rank_region is None
    assert any("贸易额" in n for n in trade.notes)


def test_outliers_by_log_mad(evals) -> None:
    # ln intensities: 1.099 3.219 3.689 3.912 3.912 6.802; median 3.8005
    # |deviations|: 2.7017 0.5816 0.1116 0.1116 0.1116 3.0017 -> MAD = (0.1116 + 0.5816)/2 = 0.3466
    # scaled: 1.4826 * 0.3466 = 0.5139; 900: +3.0017/0.5139 = 5.84; 3: -2.7017/0.5139 = -5.26
    assert evals["丙小园区"].log_deviation == pytest.approx(5.84, abs=0.01)
    assert evals["乙大园区"].log_deviation == pytest.approx(-5.26, abs=0.01)
    assert evals["甲工业园"].log_deviation == pytest.approx(-1.13, abs=0.01)
    assert {n for n, e in evals.items() if e.outlier} == {"丙小园区", "乙大园区"}
    assert "MAD" in OUTLIER_RULE


def test_no_outliers_with_few_parks_or_zero_mad() -> None:
    devs, why = robust_deviations([1.0, 2.0, 3.0])
    assert devs is None and "少于" in why
    devs, why = robust_deviations([5.0] * 6)
    assert devs is None and "为0" in why
    few = evaluate_parks(PARKS[:3])
    assert not any(e.outlier for e in few) and all(e.log_deviation is None for e in few)
    assert any("少于" in n for n in few[0].notes)


def test_attainment(evals) -> None:
    assert evals["甲高新区"].attainment == pytest.approx(1.04)
    assert evals["甲高新区"].attainment_status == "已达标"
    assert evals["甲工业园"].attainment_status == "未达标"  # target year reached at 60%
    assert evals["乙园区"].attainment == 0.5 and evals["乙园区"].attainment_status == "进行中"
    assert evals["丙园区"].attainment is None


def test_sorting() -> None:
    ev = evaluate_parks(PARKS)
    by_int = sort_evaluations(ev)
    assert by_int[0].name == "丙小园区" and by_int[-1].intensity is None
    by_rank = sort_evaluations(ev, key="rank")
    assert [e.rank_region for e in by_rank][:3] == [1, 2, 2]
    assert sort_evaluations(ev, key="name", descending=False)[0].name == min(p.name for p in PARKS)
    with pytest.raises(ValueError, match="排序字段"):
        sort_evaluations(ev, key="nope")
    d = ev[0].to_dict()
    assert d["intensity_unit"] == "亿元/km²" and d["outlier_rule"] == OUTLIER_RULE
