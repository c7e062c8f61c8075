"""Entity extraction: parks, enterprises, projects, policies and focus industries.

``extract_entities(doc)`` reads ``doc.text`` (normalized) and returns facts whose evidence
points into it. Detection comes from patterns of Chinese administrative writing and the
regional gazetteer; names the caller knows (``gazetteer.known_parks``...) only help.
"""

from __future__ import annotations

import re

from gxatlas.extract.enterprises import extract_enterprises
from gxatlas.extract.facts import Fact
from gxatlas.extract.focus import extract_focus
from gxatlas.extract.gazetteer import Gazetteer, default_gazetteer
from gxatlas.extract.mentions import CityContext
from gxatlas.extract.parks import extract_parks
from gxatlas.extract.parks import ends_with_park_suffix as _park_like
from gxatlas.extract.policies import extract_policies
from gxatlas.extract.projects import extract_projects, find_projects
from gxatlas.ingest.document import Document


def extract_entities(doc: Document, *, gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Park, enterprise, project, policy and industry-focus facts of ``doc``."""
    gaz = gazetteer or default_gazetteer()
    ctx = CityContext.of(doc.text, gaz)
    explicit, spans = find_projects(doc.text, gaz)
    # a list item inferred to be a project that is named like a park stays a park, and so
    # does a park named with its output tier (`A千亿产业园`) in a list of projects
    explicit = [sp for sp in explicit if not _tiered_park(sp[2], gaz)]
    spans = [sp for sp in spans if sp in explicit or not _park_like(sp[2])]
    parks = [p for p in extract_parks(doc, gaz=gaz, ctx=ctx) if not _named_as_project(doc.text, p, explicit)]
    firms = extract_enterprises(doc, gaz=gaz, ctx=ctx, projects=spans)
    taken = frozenset(f.name for f in parks) | frozenset(a for f in parks for a in f.aliases)
    projects = extract_projects(doc, gaz=gaz, ctx=ctx, exclude=taken, spans=spans)
    firms = [f for f in firms if f.name not in taken]
    return [*parks, *firms, *projects, *extract_policies(doc), *extract_focus(doc, parks=parks, ctx=ctx)]


def _named_as_project(text: str, park: Fact, spans: list[tuple[int, int, str]]) -> bool:
    """A park-like name the document only ever states as (part of) a project
    (`A产业园等项目`, `B产业基地项目`) is that project, not a park."""
    found = False
    i = text.find(park.name)
    while i >= 0:
        if not any(s <= i and i + len(park.name) <= e for s, e, _ in spans):
            return False
        found = True
        i = text.find(park.name, i + 1)
    if not found:  # the text spells it otherwise (`中国-东盟` for `中国—东盟`): its evidence
        ev = park.evidence
        return any(s <= ev.start and ev.end <= e for s, e, _ in spans)
    return found


_TIER = re.compile(r"(千亿|百亿|五百亿|万亿)元?级?(产业园区?|工业园区?|园区|产业基地)$")


def _tiered_park(name: str, gaz: Gazetteer) -> bool:
    """`南宁A千亿产业园`: a place's park named with its output tier is a park even where a
    list of projects names it."""
    return bool(_TIER.search(name)) and gaz.match_place(name, 0) is not None
