"""Focus industries stated for each city and park (`industry_focus` facts).

A park's focus is read from its own paragraph (`重点发展A、B、C等产业`); a city's from
sentences that name the city and a focus verb. Industries are the canonical names of the
bundled taxonomy (``gxatlas/data/industries.yaml``), found by name or synonym.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping, Sequence

from gxatlas.extract.facts import Fact
from gxatlas.extract.mentions import CityContext, evidence, industry_words
from gxatlas.extract.pipeline import component
from gxatlas.ingest.document import Document

_FOCUS = re.compile(r"(?:重点发展|主导产业|优先发展|重点打造|大力发展|着力发展|重点培育|产业发展重点|重点建设)[为是:：]?"
                    r"([^。；;\n]{2,120})")


@functools.lru_cache(maxsize=1)
def _industry_re() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    try:
        from gxatlas.data import load_industries
    except ImportError:  # the data loader is not there yet
        return None, {}
    canon: dict[str, str] = {}
    for r in load_industries().records:
        for w in (r.name, *r.synonyms):
            if len(w) >= 2:
                canon.setdefault(w, r.name)
    words = industry_words()
    if not words:
        return None, canon
    return re.compile("|".join(map(re.escape, words))), canon


def industries_in(text: str) -> tuple[str, ...]:
    """Canonical industries named in ``text``, in order of first mention."""
    pattern, canon = _industry_re()
    if pattern is None:
        return ()
    out: list[str] = []
    for m in pattern.finditer(text):
        name = canon.get(m.group(), m.group())
        if name not in out:
            out.append(name)
    return tuple(out)


def extract_focus(doc: Document, *, parks: Sequence[Fact], ctx: CityContext) -> list[Fact]:
    """industry_focus facts: one per park and per city whose focus industries are stated."""
    text = doc.text
    facts: list[Fact] = []
    done: set[tuple[str, str]] = set()
    for park in parks:
        end = park.evidence.end
        para_end = text.find("\n", end)
        para = text[end:len(text) if para_end < 0 else para_end]
        m = _FOCUS.search(para)
        if not m:
            continue
        inds = industries_in(m.group(1))
        if inds and ("park", park.name) not in done:
            done.add(("park", park.name))
            s = end + m.start()
            facts.append(Fact(type="industry_focus", name=park.name,
                              evidence=evidence(doc, s, end + m.end()),
                              values={"region": park.get("city"), "park": park.name, "industries": inds}))
    for m in _FOCUS.finditer(text):
        city = ctx.near(m.start(), window=60)
        if not city or ("city", city) in done:
            continue
        inds = industries_in(m.group(1))
        if inds:
            done.add(("city", city))
            facts.append(Fact(type="industry_focus", name=city, evidence=evidence(doc, m.start(), m.end()),
                              values={"region": city, "park": None, "industries": inds}))
    return facts


@component("industry_focus", needs=("settled", "city_context"), provides=("industry_focus",))
def focus_facts(ad: Any, inputs: Mapping[str, Any]) -> list[Fact]:
    """The focus industries stated for each park and city."""
    return extract_focus(ad.doc, parks=inputs["settled"]["park"], ctx=ad.city_context)
