"""The one place that settles conflicts between fact types (park vs project vs enterprise).

Components find parks, enterprises and projects each on their own; a name can be claimed by
more than one. The rules, in order:

1. A park-like name the document only ever states as (part of) a project (`A产业园项目`,
   `A、B等项目`) is that project, not a park (SCHEMA.md: a thing framed as a 项目 is a project
   only) — unless it is a place's park named with its output tier (`A千亿产业园`).
2. A project whose name is a park's name or alias is the park.
3. An enterprise whose name is a park's name or alias is the park.
4. Names the caller knows (``known_mentions``) that no component found become facts of their
   kind, placed by their context.

A firm and the project named after it (`伟立纺织` the firm and its project) are both kept.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from gxatlas.extract.annotate import AnnotatedDoc
from gxatlas.extract.evidence import evidence
from gxatlas.extract.facts import Fact
from gxatlas.extract.known import KnownMention
from gxatlas.extract.pipeline import component
from gxatlas.extract.values import as_values

__all__ = ["settle_entities"]

ENTITY_TYPES = ("park", "enterprise", "project")


def _named_as_project(text: str, park: Fact, spans: Sequence[tuple[int, int, str]]) -> bool:
    """Every occurrence of the park's name lies inside a project mention."""
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


def _known_facts(ad: AnnotatedDoc, known: Iterable[KnownMention], have: Mapping[str, set[str]]
                 ) -> dict[str, list[Fact]]:
    from gxatlas.extract.parks import park_city

    out: dict[str, list[Fact]] = {t: [] for t in ENTITY_TYPES}
    seen: set[tuple[str, str]] = set()
    for m in known:
        if m.name in have[m.kind] or (m.kind, m.name) in seen:
            continue
        seen.add((m.kind, m.name))
        city = park_city(m.name, m.start, gaz=ad.gazetteer, ctx=ad.city_context,
                         province_means_unknown=m.kind == "enterprise")
        out[m.kind].append(Fact(type=m.kind, name=m.name, evidence=evidence(ad.doc, m.start, m.end),
                                values=as_values(m.kind, {"city": city}), reasons=("已知名称",)))
    return out


def settle_entities(ad: AnnotatedDoc, parks: list[Fact], firms: list[Fact], projects: list[Fact],
                    project_spans: Sequence[tuple[int, int, str]] = (),
                    known: Iterable[KnownMention] = ()) -> dict[str, list[Fact]]:
    """Parks, enterprises and projects with each name claimed by one type (rules above)."""
    from gxatlas.extract.parks import tiered_park

    parks = [p for p in parks if tiered_park(p.name, ad.gazetteer)
             or not _named_as_project(ad.text, p, project_spans)]
    taken = {n for p in parks for n in (p.name, *p.aliases)}
    projects = [f for f in projects if f.name not in taken]
    firms = [f for f in firms if f.name not in taken]
    have = {"park": taken, "enterprise": {n for f in firms for n in (f.name, *f.aliases)},
            "project": {n for f in projects for n in (f.name, *f.aliases)}}
    extra = _known_facts(ad, known, have)
    return {"park": parks + extra["park"], "enterprise": firms + extra["enterprise"],
            "project": projects + extra["project"]}


@component("settled", needs=("park", "enterprise", "project", "project_mentions", "known_mentions"),
           provides=("settled",))
def settled(ad: AnnotatedDoc, inputs: Mapping[str, Any]) -> dict[str, list[Fact]]:
    """Parks, enterprises and projects after the conflicts between them are settled."""
    return settle_entities(ad, inputs["park"], inputs["enterprise"], inputs["project"],
                           project_spans=inputs["project_mentions"].explicit,
                           known=inputs["known_mentions"])
