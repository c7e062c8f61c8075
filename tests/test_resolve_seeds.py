"""The issue's measure on the five seeds (bench/resolve_seeds.py): after `init` and ingesting
them, every statement of an indicator the atlas holds is merged into it, and nothing that is
not an indicator reaches the monitor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_seed_indicators_merge_and_no_junk_reaches_the_monitor(seeds_dir: Path, eval_dir: Path,
                                                                capsys: pytest.CaptureFixture
                                                                ) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from resolve_seeds import main
    finally:
        sys.path.remove(str(BENCH))
    assert main(["--shared", str(seeds_dir.parents[1]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["indicators_before"] == out["indicators_trusted_after"]  # nothing new trusted
    assert out["non_gold_in_monitor"] == []
    assert out["monitor_after"] == out["monitor_before"]
    assert out["gold_facts"] >= 100 and out["not_merged"] == [], out["not_merged"]
