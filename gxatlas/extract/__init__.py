"""Extraction: Document -> list[Fact], each fact with evidence into ``Document.text``.

    >>> from gxatlas.ingest import read
    >>> from gxatlas.extract import extract
    >>> facts = extract(read("plan.pdf"))

``extract`` = indicators (``gxatlas.extract.indicators``) + entities (parks, enterprises,
projects, policies, focus industries: ``gxatlas.extract.entities``). A fact without evidence
is dropped; identical facts are kept once.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any, Iterable, Mapping

from gxatlas.extract.facts import Evidence, Fact
from gxatlas.ingest.document import Document

__all__ = ["extract", "extract_indicator_facts", "region_names", "Fact", "Evidence"]

_FULL_NAME_ONLY = frozenset({"county", "city"})


@functools.lru_cache(maxsize=1)
def region_names() -> Mapping[str, str]:
    """Region spellings -> the short name a fact's scope uses (from ``gxatlas.data``).

    Provinces, prefectures, countries and groups are found by any of their names; counties
    and foreign cities only by their full name (short ones are often ordinary words). A
    broken regions table raises (``InputError`` naming the file and line): extraction without
    regions would silently drop every scope.
    """
    from gxatlas.data import load_regions

    regions = load_regions()
    out: dict[str, str] = {}
    for r in regions.records:
        display = r.short_name or r.name
        spellings = {r.name} if r.level in _FULL_NAME_ONLY else {r.name, r.short_name, *r.aliases}
        for s in spellings:
            if s and len(s) >= 2:
                out.setdefault(s, display)
    return out


def _evidence(doc: Document, start: int, end: int, *, alignment: str, reason: str | None) -> Evidence | None:
    start = max(0, min(start, len(doc.text)))
    end = max(start, min(end, len(doc.text)))
    if end <= start:
        return None
    orig_start, orig_end = doc.to_original(start, end)
    return Evidence(doc=doc.name, start=start, end=end, alignment=alignment, reason=reason,
                    orig_start=orig_start, orig_end=orig_end, quote=doc.text[start:end][:120])


def extract_indicator_facts(doc: Document, *, regions: Mapping[str, str] | None = None,
                            subjects: Iterable[str] = ()) -> list[Fact]:
    """The indicator facts of ``doc`` (tables and prose); ``subjects`` are entity names that
    may be an indicator's scope (see ``extract_indicators``)."""
    from gxatlas.extract.indicators import extract_indicators

    hits = extract_indicators(doc.text, regions=region_names() if regions is None else regions,
                              subjects=subjects)
    facts: list[Fact] = []
    for h in hits:
        ev = _evidence(doc, h.start, h.end, alignment=h.alignment, reason=h.reason)
        if ev is None:
            continue
        values = {k: v for k, v in h.values.items() if v is not None}
        values.setdefault("scope", None)
        facts.append(Fact(type="indicator", name=h.name, evidence=ev, values=values))
    return facts


def _entity_facts(doc: Document, *, gazetteer: Any) -> list[Fact]:
    try:
        from gxatlas.extract.entities import extract_entities
    except ImportError as err:  # the entity extractors are optional until they land
        if err.name and err.name.startswith("gxatlas.extract"):
            return []
        raise
    return list(extract_entities(doc, gazetteer=gazetteer))


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


def extract(doc: Document, *, gazetteer: Any = None) -> list[Fact]:
    """Every fact of ``doc``: indicators, then parks, enterprises, projects, policies."""
    entities = _entity_facts(doc, gazetteer=gazetteer)
    subjects = {n for f in entities if f.type in ("park", "enterprise", "project")
                for n in (f.name, *f.aliases) if n and n in doc.text and "、" not in n}
    parks = [f for f in entities if f.type == "park"]
    indicators = park_scopes(doc.text, extract_indicator_facts(doc, subjects=sorted(subjects)), parks)
    return dedupe(indicators + entities)


# `园区工业总产值`, `入园企业`: a figure of "the park", which the writing leaves unnamed
_OF_THE_PARK = re.compile(r"^(?:园区|入园|新增入园|全园)")


def park_scopes(text: str, indicators: list[Fact], parks: list[Fact]) -> list[Fact]:
    """Indicator scopes that name a park, given as the park's fact name: a short form
    (`苍海产业园` for `梧州苍海产业园`) is resolved, and a figure named after "the park"
    (`园区产值`) is scoped to the last park named before it in the same paragraph."""
    if not parks:
        return indicators
    canon = {n: p.name for p in parks for n in (p.name, *p.aliases) if n}
    spellings = sorted(canon, key=len, reverse=True)
    out = []
    for f in indicators:
        scope = f.values.get("scope")
        new = canon.get(scope) if isinstance(scope, str) else None
        if _OF_THE_PARK.match(f.name) and new is None:
            new = _park_before(text, f.evidence.start, spellings, canon) or new
        if new is not None and new != scope:
            f = dataclasses.replace(f, values={**f.values, "scope": new})
        out.append(f)
    return out


def _park_before(text: str, pos: int, spellings: list[str], canon: Mapping[str, str]) -> str | None:
    para = text.rfind("\n\n", 0, pos)
    window = text[para + 1 if para >= 0 else 0:pos]
    best: tuple[int, str] | None = None
    for n in spellings:
        i = window.rfind(n)
        if i >= 0 and (best is None or i > best[0]):
            best = (i, canon[n])
    return best[1] if best else None
