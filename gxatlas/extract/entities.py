"""Entity extraction: parks, enterprises, projects, policies and focus industries.

``extract_entities(doc)`` reads ``doc.text`` (normalized) and returns facts whose evidence
points into it. Detection comes from patterns of Chinese administrative writing and the
regional gazetteer; names the caller knows (``gazetteer.known_parks``...) only help.
"""

from __future__ import annotations

from gxatlas.extract.facts import Fact
from gxatlas.extract.gazetteer import Gazetteer, default_gazetteer
from gxatlas.extract.mentions import CityContext
from gxatlas.extract.parks import extract_parks
from gxatlas.extract.policies import extract_policies
from gxatlas.ingest.document import Document


def extract_entities(doc: Document, *, gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Park, enterprise, project, policy and industry-focus facts of ``doc``."""
    gaz = gazetteer or default_gazetteer()
    ctx = CityContext.of(doc.text, gaz)
    facts: list[Fact] = []
    facts += extract_parks(doc, gaz=gaz, ctx=ctx)
    facts += extract_policies(doc)
    return facts
