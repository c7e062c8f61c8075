"""End-to-end audit of seed 001 (the Beibu Gulf industry plan), checked against a reading.

Verified by reading the document:
* the review section says 规模以上工业总产值 rose from 3466.6 to 9793 亿元 and calls it
  ``增长2.8倍``: the ratio is 2.82, so the growth is 1.8 times (MULTIPLIER_AMBIGUOUS);
* 1508 enterprises with revenue over 1 亿元 are broken down by the six cities, whose counts
  add up to 1516 (SHARE_IMPOSSIBLE, parts over the total);
* no other list, structure or share in the text is wrong: the six cities, the seven
  thousand-billion industries, the four parks over 500 亿元, the 7 and 13 numbered parks, the
  three-sector structures (18.7:40.2:41.1, 15:43:42, 11:42:47) all hold, and ``是2010年的
  1.9倍，年均增长13.4%`` holds within rounding (1.85..1.95 times over five years is
  13.1%..14.3% a year);
* with the indicators extracted: table 1 and the target paragraph disagree (工业增加值 4600 in
  the table while the prose says 5000 亿元以上: TARGET_BOUND_CONFLICT; 规模以上工业总产值
  15800 in the table meets the prose's 15000 亿元以上, so it is consistent; ...); the table's 9% growth does not fit 9793 ->
  15800 (10.0%), nor the prose's rates their levels (10.5% for 2853 -> 5000 is 11.9%); the table
  counts 2 parks over 1000 亿元 in 2015 while the review says the first one crossed it that
  year.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gxatlas.analysis.audit import audit
from gxatlas.ingest import read

SEED = "001_8dcbe683c3f5e1c3.txt"


@pytest.fixture(scope="module")
def seed001(seeds_dir: Path):
    path = seeds_dir / SEED
    if not path.exists():
        pytest.skip(f"{path} not found")
    return read(path)


def test_text_rules_on_seed001(seed001) -> None:
    findings = audit(seed001, [])
    got = sorted((f.rule, f.values) for f in findings)
    assert got == [
        ("MULTIPLIER_AMBIGUOUS", (3466.6, 9793, 2.8, 2.825)),
        ("SHARE_IMPOSSIBLE", (1508, 1516)),
    ]
    mult = next(f for f in findings if f.rule == "MULTIPLIER_AMBIGUOUS")
    assert "规模以上工业总产值" in mult.indicator and mult.severity == "warning"


# Findings a reader can verify in seed 001, as (rule, values that must all appear).
VERIFIED = [
    ("INDICATOR_CONFLICT", {15000, 15800}),
    ("INDICATOR_CONFLICT", {5000, 4600}),
    ("TARGET_BOUND_CONFLICT", {5000, 4600}),
    ("INDICATOR_CONFLICT", {44, 48}),
    ("INDICATOR_CONFLICT", {85, 89}),
    ("INDICATOR_CONFLICT", {7, 8}),
    ("INDICATOR_CONFLICT", {9, 10}),
    ("INDICATOR_CONFLICT", {10, 10.5}),
    ("INDICATOR_CONFLICT", {2, 5}),
    ("GROWTH_INCONSISTENT", {9793, 15800, 9}),
    ("GROWTH_INCONSISTENT", {9793, 15000, 10}),
    ("GROWTH_INCONSISTENT", {2853, 5000, 10.5}),
    ("BASELINE_CONTRADICTION", {1, 2}),
    ("MULTIPLIER_AMBIGUOUS", {3466.6, 9793, 2.8}),
    ("SHARE_IMPOSSIBLE", {1508, 1516}),
]


def test_all_rules_on_seed001_with_extraction(seed001) -> None:
    from gxatlas.extract import extract

    facts = extract(seed001)
    assert sum(f.type == "indicator" for f in facts) >= 50  # table 1 and the stated targets
    findings = audit(seed001, facts)
    for f in findings:  # every finding is one a reader verified: no false alarm
        assert any(rule == f.rule and need <= set(f.values) for rule, need in VERIFIED), f
    rules = {f.rule for f in findings}
    # the prose's 工业增加值 5000 亿元以上 against table 1's 4600
    assert any(f.rule == "TARGET_BOUND_CONFLICT" and f.values == (5000, 4600) for f in findings)
    # table 1's 15800 meets the prose's 规模以上工业总产值 15000 亿元以上: no finding
    assert not any({15000, 15800} <= set(f.values) for f in findings)
    assert {"MULTIPLIER_AMBIGUOUS", "SHARE_IMPOSSIBLE"} <= rules
    assert any(f.rule == "GROWTH_INCONSISTENT" and {9793, 15800} <= set(f.values)
               for f in findings)
    assert any(f.rule == "BASELINE_CONTRADICTION" for f in findings)
    assert any(f.rule == "INDICATOR_CONFLICT" for f in findings)
