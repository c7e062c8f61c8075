"""The real set's split into a tuning part and an untouched hold-out (issue 10).

The twenty real texts of ../shared/corpus/real/ were sorted into six genres from SOURCES.md
alone (before any extraction miss or gold record was looked at); one document per genre was
drawn with ``random.Random(SEED)`` into the hold-out. Nobody developing the extractor looks
at the hold-out's misses or its gold; `bench/eval.py` scores it and never lists its misses.

    python3 bench/real_split.py     # prints the split (it is recomputed, not stored)

Untouched hold-out score, measured once when the split was made (main at f3e04a6, before
any change of issue 10), `gxatlas extract` scored by ../shared/eval/score.py on the hold-out
documents only: exact P/R/F1 0.60/0.45/0.52, detection 0.77/0.57/0.66 (115 gold records).
The tuning part scored 0.26 exact, 0.46 detection (308 gold records); all twenty 0.33 / 0.52.
"""

from __future__ import annotations

import random

SEED = 20261210
GENRES: dict[str, tuple[str, ...]] = {
    "bulletin": ("r01", "r02", "r05"),
    "work_report": ("r03", "r04", "r07"),
    "investment_news": ("r06", "r08", "r09", "r10", "r11", "r12", "r17", "r20"),
    "policy_notice": ("r14", "r15"),
    "park_plan_intro": ("r13", "r19"),
    "trade_logistics_news": ("r16", "r18"),
}


def heldout() -> tuple[str, ...]:
    """The hold-out documents (file stems), one per genre, drawn with the fixed seed."""
    rng = random.Random(SEED)
    return tuple(sorted(rng.choice(docs) for _, docs in sorted(GENRES.items())))


HELDOUT = heldout()
# recorded when the split was made; heldout() must keep giving it
assert HELDOUT == ("r05", "r07", "r11", "r15", "r16", "r19"), HELDOUT


def tuning() -> tuple[str, ...]:
    return tuple(sorted(d for docs in GENRES.values() for d in docs if d not in HELDOUT))


if __name__ == "__main__":
    print("seed", SEED)
    print("held out:", " ".join(HELDOUT))
    print("tuning:  ", " ".join(tuning()))
