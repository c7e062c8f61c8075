"""Names the caller knows (reviewed parks, firms and projects from the KB), found in the text.

The caller passes them in the gazetteer (``build_gazetteer(known_parks=…,
known_enterprises=…, known_projects=…)``); extraction never reads the KB itself. Every
occurrence is found with one Aho-Corasick pass (leftmost-longest); a two-character name counts
only where the segmenter keeps it whole (`中澄` in `中澄集团`, not in `集中澄清`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from gxatlas.extract.annotate import AnnotatedDoc
from gxatlas.extract.mentions import word_starts
from gxatlas.extract.pipeline import component

KINDS = ("park", "enterprise", "project")


@dataclass(frozen=True)
class KnownMention:
    start: int
    end: int
    name: str
    kind: str  # park, enterprise, project


def find_known(ad: AnnotatedDoc) -> list[KnownMention]:
    automaton = ad.gazetteer.known_matcher
    if automaton is None or not ad.text:
        return []
    out: list[KnownMention] = []
    for end, (name, kind) in automaton.iter_long(ad.text):
        start = end + 1 - len(name)
        if len(name) == 2:
            lo = max(0, start - 6)
            window = ad.text[lo:end + 7]
            starts = word_starts(window)
            if start - lo not in starts or end + 1 - lo not in starts:
                continue
        out.append(KnownMention(start, end + 1, name, kind))
    return out


@component("known_mentions", needs=(), provides=("known_mentions",))
def known_mentions(ad: AnnotatedDoc, inputs: Mapping[str, Any]) -> list[KnownMention]:
    """Occurrences of the names the caller passed in the gazetteer."""
    return find_known(ad)
