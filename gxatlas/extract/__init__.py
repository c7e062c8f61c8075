"""Extraction: Document -> list[Fact], each fact with evidence into ``Document.text``.

    >>> from gxatlas.ingest import read
    >>> from gxatlas.extract import extract
    >>> facts = extract(read("plan.pdf"))

``extract`` annotates the document once (:mod:`gxatlas.extract.annotate`: lines, sentences,
tables, places, times, quantities, the document profile), runs the registered components over
it (:mod:`gxatlas.extract.pipeline`: one per fact type), settles conflicts between types
(:mod:`gxatlas.extract.settle`) and gives every fact a confidence with its reasons
(:mod:`gxatlas.extract.confidence`). A fact without evidence is dropped; identical facts are
kept once.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from gxatlas.extract.annotate import AnnotatedDoc
from gxatlas.extract.facts import Evidence, Fact
from gxatlas.extract.gazetteer import Gazetteer, region_names
from gxatlas.extract.profile import Profile
from gxatlas.ingest.document import Document

__all__ = ["extract", "extract_with_profile", "extract_indicator_facts", "region_names", "dedupe", "Fact", "Evidence"]


def extract_indicator_facts(doc: Document, *, regions: Mapping[str, str] | None = None,
                            subjects: Iterable[str] = ()) -> list[Fact]:
    """The indicator facts of ``doc`` alone (no entities as scopes but ``subjects``)."""
    from gxatlas.extract.indicators import indicator_facts

    return indicator_facts(doc, regions=regions, subjects=subjects)


def _key(f: Fact) -> tuple[str, str, str]:
    return f.type, f.name, json.dumps(dict(f.values), ensure_ascii=False, sort_keys=True, default=str)


def dedupe(facts: Iterable[Fact]) -> list[Fact]:
    """Facts without evidence dropped; of identical facts (type, name, values) the first kept."""
    seen: set[tuple[str, str, str]] = set()
    out: list[Fact] = []
    for f in facts:
        ev = f.evidence
        if ev is None or ev.end <= ev.start:
            continue
        k = _key(f)
        if k in seen:
            continue
        seen.add(k)
        out.append(f)
    return out


def facts_of(products: Mapping[str, Any]) -> list[Fact]:
    """The facts among a pipeline run's products: settled entities, then the other types."""
    from gxatlas.extract.facts import FACT_TYPES

    settled = products.get("settled", {})
    out: list[Fact] = []
    for t in ("indicator", *[t for t in FACT_TYPES if t != "indicator"]):
        out.extend(settled[t] if t in settled else products.get(t, []))
    return out


def extract(doc: Document, *, gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Every fact of ``doc``: indicators, parks, enterprises, projects, policies, focus
    industries; ``gazetteer`` adds the names the caller knows (KB parks, firms, projects)."""
    return extract_with_profile(doc, gazetteer=gazetteer)[0]


def extract_with_profile(doc: Document, *, gazetteer: Gazetteer | None = None
                         ) -> tuple[list[Fact], Profile]:
    """``extract(doc)`` and the document's profile (genre, date, main region: what storing
    records of the document), both from one annotation of it."""
    from gxatlas.extract.confidence import score_facts
    from gxatlas.extract.pipeline import run

    ad = AnnotatedDoc(doc, gazetteer=gazetteer)
    return dedupe(score_facts(ad, facts_of(run(ad)))), ad.profile
