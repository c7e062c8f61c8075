"""Audit rules on fixture plans: planted inconsistencies are found, clean plans give nothing.

Facts are built by hand here (the shape extraction gives), with evidence pointing into the
fixture's normalized text, so these tests do not depend on the extractor.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gxatlas.analysis.audit import GROWTH_TOLERANCE_PP, RULES, Finding, audit, audit_text
from gxatlas.extract.facts import Evidence, Fact
from gxatlas.ingest import read

FIX = Path(__file__).parent / "fixtures" / "audit"


def _fact(doc, name: str, anchor: str, *, nth: int = 0, **values) -> Fact:
    """An indicator fact whose evidence is the ``nth`` occurrence of ``anchor``."""
    pos = -1
    for _ in range(nth + 1):
        pos = doc.text.index(anchor, pos + 1)
    ev = Evidence(doc=doc.name, start=pos, end=pos + len(anchor), quote=anchor)
    return Fact(type="indicator", name=name, evidence=ev, values=values)


def _facts(doc, region: str) -> list[Fact]:
    """What extraction reads from the fixtures' target paragraph and table 1."""
    scope = region
    prose_total = f"规模以上工业总产值达到5000亿元"
    return [
        _fact(doc, "规模以上工业总产值", prose_total, scope=scope, unit="亿元", target_year=2025,
              target_value=5000),
        _fact(doc, "工业增加值", "工业增加值达到1500亿元" if region == "白河市" else
              "工业增加值达到1600亿元", scope=scope, unit="亿元", target_year=2025,
              target_value=1500 if region == "白河市" else 1600),
        _fact(doc, "规模以上工业总产值", "规模以上工业总产值\n\n亿元\n\n3000\n\n5000", scope=scope,
              unit="亿元", baseline_year=2020, baseline_value=3000, target_year=2025,
              target_value=5000),
        _fact(doc, "规模以上工业总产值年均增速", "规模以上工业总产值年均增速\n\n%", scope=scope,
              unit="%", target_year=2025, target_value=10.8 if region == "白河市" else 12),
        _fact(doc, "工业增加值", "工业增加值\n\n亿元\n\n900", scope=scope, unit="亿元",
              baseline_year=2020, baseline_value=900, target_year=2025, target_value=1500),
        _fact(doc, "产值超千亿元园区", "产值超千亿元园区\n\n个", scope=scope, unit="个",
              baseline_year=2020, baseline_value=1 if region == "白河市" else 2,
              target_year=2025, target_value=5),
    ]


@pytest.fixture(scope="module")
def planted():
    doc = read(FIX / "planted.txt")
    return doc, audit(doc, _facts(doc, "青江市"))


def _by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_clean_plan_gives_no_finding() -> None:
    doc = read(FIX / "clean.txt")
    assert audit(doc, _facts(doc, "白河市")) == []
    assert audit(doc, []) == []


def test_indicator_conflict(planted) -> None:
    doc, findings = planted
    [f] = _by_rule(findings, "INDICATOR_CONFLICT")
    assert f.indicator == "工业增加值" and f.values == (1600, 1500) and f.severity == "error"
    assert len(f.evidence) == 2 and "1600" in f.evidence[0].quote
    assert "2025" in f.message and "1600" in f.message and "1500" in f.message


def test_growth_inconsistent_prose_and_table(planted) -> None:
    doc, findings = planted
    found = {f.values[-1]: f for f in _by_rule(findings, "GROWTH_INCONSISTENT")}
    # 3000 -> 5000 over 2020-2025: (5000/3000)^(1/5) - 1 = e^(0.510826/5) - 1 = 10.76%
    assert set(found) == {15.0, 12.0}
    prose, table = found[15.0], found[12.0]
    assert prose.values[:4] == (3000, 5000, 5, 10.76)
    assert f"容差{GROWTH_TOLERANCE_PP}个百分点" in prose.message and "10.8%" in prose.message
    assert any("年均增长15%" in e.quote for e in prose.evidence)
    assert any("年均增速" in e.quote for e in table.evidence)


def test_share_impossible(planted) -> None:
    doc, findings = planted
    got = {f.indicator: f.values for f in _by_rule(findings, "SHARE_IMPOSSIBLE")}
    assert got["三次产业结构"] == (16, 44, 42, 102)
    assert got["工业园区工业增加值占全市工业增加值的比重"] == (108,)
    parts = next(v for k, v in got.items() if "工业企业" in k)
    assert parts == (820, 850)


def test_baseline_contradiction(planted) -> None:
    doc, findings = planted
    [f] = _by_rule(findings, "BASELINE_CONTRADICTION")
    assert sorted(f.values) == [1, 2] and "2020" in f.message
    assert any("零突破" in e.quote for e in f.evidence)


def test_multiplier_ambiguous(planted) -> None:
    doc, findings = planted
    [f] = _by_rule(findings, "MULTIPLIER_AMBIGUOUS")
    assert f.severity == "warning" and f.values == (1200, 3000, 2.5, 2.5)
    assert "增长1.5倍" in f.message


def test_count_mismatch(planted) -> None:
    doc, findings = planted
    got = sorted(f.values for f in _by_rule(findings, "COUNT_MISMATCH"))
    # 3 parks announced, 2 named; 3 hubs announced, 4 named; heading of 5 parks over 4 items
    assert got == [(3, 2), (3, 4), (5, 4)]
    heading = next(f for f in findings if f.values == (5, 4))
    assert "标题" in heading.message and "5个重点园区" in heading.indicator


def test_every_finding_is_well_formed(planted) -> None:
    other = read(FIX / "bounds_lists_planted.txt")
    rules = set()
    for doc, findings in (planted, (other, audit(other))):
        rules |= {f.rule for f in findings}
        for f in findings:
            assert f.severity == RULES[f.rule]
            assert f.message.endswith("。") and f.message.count("。") == 1
            for e in f.evidence:
                assert 0 <= e.start < e.end <= len(doc.text) and e.doc == doc.name
            json.dumps(f.to_dict(), ensure_ascii=False)
        starts = [f.evidence[0].start for f in findings]
        assert starts == sorted(starts)
    assert rules == set(RULES)


@pytest.mark.parametrize("text", [
    "产值由2015年的100亿元增加到2020年的300亿元，增长2倍。",  # 300/100 = 3 = 2 + 1: correct
    "产值由2015年的100亿元增加到2020年的280亿元，增长到2.8倍。",  # 增长到 N 倍 is a ratio
    "产值是2015年的2.8倍。",
])
def test_multiplier_silent_when_correct(text: str) -> None:
    assert audit_text(doc="x", text=text, rules=["MULTIPLIER_AMBIGUOUS"]) == []


@pytest.mark.parametrize("text", [
    "重点发展汽车、机械、电子等5个产业。",  # 等: the list is not complete
    "推进以甲园区、乙园区为重点的9个园区建设。",  # a subset of the nine
    "南宁、柳州和桂林是3个节点城市。",  # count and list are linked by 是
    "形成冶金、能源支柱产业和甲园区、乙园区、丙园区三个园区。",  # two coordinated lists
    "打造石化、造纸和木材加工三大产业。",  # 造纸和木材加工 may be one item or two
    "加快建设南宁、柳州、桂林和梧州4个物流枢纽。",
])
def test_count_silent_when_list_is_right_or_unclear(text: str) -> None:
    assert audit_text(doc="x", text=text, rules=["COUNT_MISMATCH"]) == []


@pytest.mark.parametrize("text", [
    "三次产业结构为15.4∶43.4∶41.3。",  # 100.1: within ±0.15, the rounding of three one-decimal parts
    "三次产业结构调整为11∶42∶47。",
    "工业用地产出率提高120%。",  # a change, not a share
    "企业500家，其中出口企业400家，民营企业300家。",  # overlapping breakdowns
    "企业500家，其中南宁市300家，武鸣区250家。",  # a county inside a listed city
])
def test_share_silent_when_possible(text: str) -> None:
    assert audit_text(doc="x", text=text, rules=["SHARE_IMPOSSIBLE"]) == []


def test_growth_from_multiple_and_rate() -> None:
    # ratio 1.9 (1.85..1.95) over 2010-2015 allows 13.09%..14.29% a year: 13.4% is consistent
    ok = "“十二五”末，地区生产总值7996亿元，是2010年的1.9倍，年均增长13.4%。"
    assert audit_text(doc="x", text=ok, rules=["GROWTH_INCONSISTENT"]) == []
    # 1.9 times in five years cannot be 20% a year (that is 2.49 times)
    bad = "2015年，地区生产总值7996亿元，是2010年的1.9倍，年均增长20%。"
    [f] = audit_text(doc="x", text=bad, rules=["GROWTH_INCONSISTENT"])
    assert f.values[:2] == (1.9, 5) and "13.7%" in f.message


def test_growth_within_tolerance_is_silent() -> None:
    text = "目标：产值达到5000亿元，年均增长11%。"
    doc_facts = [
        Fact(type="indicator", name="产值", evidence=Evidence("x", 3, 13, quote="产值达到5000亿元"),
             values={"unit": "亿元", "target_year": 2025, "target_value": 5000}),
        Fact(type="indicator", name="产值", evidence=Evidence("x", 0, 2, alignment="fuzzy"),
             values={"unit": "亿元", "baseline_year": 2020, "baseline_value": 3000}),
    ]
    # implied 10.76% vs 11%: 0.24 points, inside the 0.5-point tolerance
    assert audit_text(doc="x", text=text, facts=doc_facts) == []


def test_conflict_ignores_other_years_scopes_units() -> None:
    ev = lambda s: Evidence("x", s, s + 1)  # noqa: E731
    facts = [
        Fact("indicator", "产值", ev(0), {"scope": "甲市", "unit": "亿元", "target_year": 2025,
                                          "target_value": 100}),
        Fact("indicator", "产值", ev(5), {"scope": "乙市", "unit": "亿元", "target_year": 2025,
                                          "target_value": 200}),
        Fact("indicator", "产值", ev(9), {"scope": "甲市", "unit": "亿元", "target_year": 2030,
                                          "target_value": 300}),
        Fact("indicator", "产值", ev(12), {"scope": "甲市", "unit": "万元", "target_year": 2025,
                                           "target_value": 1000000}),
        Fact("indicator", "产值", ev(15), {"scope": "甲市", "unit": "亿元", "target_year": 2025,
                                           "target_value": 100.0}),
    ]
    assert audit_text(doc="x", text="x" * 20, facts=facts, rules=["INDICATOR_CONFLICT"]) == []


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="未知"):
        audit_text(doc="x", text="", rules=["NOPE"])


def test_structure_off_by_more_than_rounding() -> None:
    # one-decimal parts can be off by at most 3 x 0.05 = 0.15 in total: 100.2 is impossible
    [f] = audit_text(doc="x", text="三次产业结构为15.4∶43.4∶41.4。", rules=["SHARE_IMPOSSIBLE"])
    assert f.values[-1] == 100.2 and "0.15" in f.message


# --- TARGET_BOUND_CONFLICT and LIST_COUNT_MISMATCH (issue 15) --------------------------------

def test_bounded_prose_target_against_the_table() -> None:
    doc = read(FIX / "bounds_lists_planted.txt")
    prose = _fact(doc, "规模以上工业总产值", "规模以上工业总产值达到3200亿元以上", scope="青秀市",
                  unit="亿元", target_year=2025, target_value=3200, comparator=">=")
    table = _fact(doc, "规模以上工业总产值", "规模以上工业总产值(亿元)\t2100\t3000", scope="青秀市",
                  unit="亿元", baseline_year=2020, baseline_value=2100, target_year=2025,
                  target_value=3000)
    found = audit(doc, [prose, table], rules=["TARGET_BOUND_CONFLICT", "INDICATOR_CONFLICT"])
    assert [(f.rule, f.values) for f in found] == [("TARGET_BOUND_CONFLICT", (3200, 3000))]
    assert "不低于3200亿元" in found[0].message and found[0].severity == "error"
    assert [e.start for e in found[0].evidence] == [prose.evidence.start, table.evidence.start]
    # the table inside the bound (3200 >= 3000) is consistent; an upper bound works alike
    ok = _fact(doc, "规模以上工业总产值", "规模以上工业总产值达到3200亿元以上", scope="青秀市",
               unit="亿元", target_year=2025, target_value=3000, comparator=">=")
    assert audit(doc, [ok, table.__class__(type="indicator", name=table.name,
                                           evidence=table.evidence,
                                           values={**table.values, "target_value": 3200})],
                 rules=["TARGET_BOUND_CONFLICT", "INDICATOR_CONFLICT"]) == []
    cap = _fact(doc, "单位工业增加值能耗", "规模以上工业总产值达到3200亿元以上", scope="青秀市",
                unit="吨", target_year=2025, target_value=0.8, comparator="<=")
    over = _fact(doc, "单位工业增加值能耗", "规模以上工业总产值(亿元)", scope="青秀市", unit="吨",
                 target_year=2025, target_value=0.85)
    assert [f.values for f in audit(doc, [cap, over], rules=["TARGET_BOUND_CONFLICT"])] == \
        [(0.8, 0.85)]


def test_count_before_a_list_inline_and_numbered() -> None:
    doc = read(FIX / "bounds_lists_planted.txt")
    found = audit(doc, [], rules=["LIST_COUNT_MISMATCH"])
    assert [(f.indicator, f.values) for f in found] == [("3个自治区级开发区", (3, 2)),
                                                        ("3个特色产业园", (3, 2))]
    assert all(f.rule in RULES for f in found)


def test_plans_checked_end_to_end_with_extraction() -> None:
    """The extractor's own facts: the planted plan has both new findings, the consistent plan
    (bound met by the table, lists as long as announced) gets no finding at all."""
    bad = audit(read(FIX / "bounds_lists_planted.txt"))
    assert {(f.rule, f.values) for f in bad} >= {("TARGET_BOUND_CONFLICT", (3200, 3000)),
                                                 ("LIST_COUNT_MISMATCH", (3, 2))}
    assert audit(read(FIX / "bounds_lists_clean.txt")) == []
