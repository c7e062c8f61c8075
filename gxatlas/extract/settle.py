"""The one place that settles conflicts between fact types (park vs project vs enterprise).

Components find parks, enterprises and projects each on their own; a name can be claimed by
more than one. The rules, in order:

1. A park-like name the document only ever states as (part of) a project (`A产业园项目`,
   `A、B等项目`) is that project, not a park (SCHEMA.md: a thing framed as a 项目 is a project
   only) — unless it is a place's park named with its output tier (`A千亿产业园`).
2. A project whose name is a park's name or alias is the park.
3. An enterprise whose name is a park's name or alias is the park.
4. A park the text also frames as a project is both: `A产业园是B的一个项目`, `A产业园…,估算总投资25
   亿元` (its own sentence, or the next one about "the park"); its phases (`A产业园…,一期工程…总投资
   4.98亿元;二期工程…`) are projects named `A产业园一期工程`.
5. Names the caller knows (``known_mentions``) that no component found become facts of their
   kind, placed by their context.

A firm and the project named after it (`鸿澄纺织` the firm and its project) are both kept.
"""

from __future__ import annotations

import re
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


_AS_PROJECT = re.compile(r"[^。；;，,]{0,24}?是[^。；;，,]{0,24}?(?:的)?(?:一个|一批|重点|重大)?项目")
_PHASE = re.compile(r"(?<=[,，;；:：。])\s*([一二三四五六七八九十]期(?:工程|项目))")
_PARK_REF = re.compile(r"(?:该|本)?(?:产业园|园区|开发区|试验区|基地|片区)")
_SENT_END = re.compile(r"[。；;!?！？\n]")


def _sentence_end(text: str, pos: int) -> int:
    m = _SENT_END.search(text, pos)
    return m.start() if m else len(text)


def _investment(text: str, start: int, end: int) -> float | None:
    from gxatlas.extract.projects import investment_in

    found = investment_in(text, start, end)
    return found[0] if found else None


_NOT_THE_PARK = re.compile(r"[^。；;，,、]{0,12}?(?:有限公司|公司|集团|管委会|管理委员会|管理局)")
_LEAD = re.compile(r"(?:其中|同时|此外|另外|目前|中方园区|外方园区|该|据悉|据了解)?[,，]?")


def _subject_park(text: str, s0: int, s1: int, spellings: Sequence[tuple[str, Fact]]) -> tuple[int, int, Fact] | None:
    """The park a sentence opens with (after a few lead words), not a firm named after it."""
    lead = _LEAD.match(text, s0)
    head = lead.end() if lead else s0
    best: tuple[int, int, Fact] | None = None
    for n, park in spellings:
        i = text.find(n, s0, min(s1, head + 12 + len(n)))
        if i >= 0 and (best is None or i < best[0] or (i == best[0] and i + len(n) > best[1])):
            if not _NOT_THE_PARK.match(text, i + len(n)):
                best = (i, i + len(n), park)
    return best


def _parks_as_projects(ad: AnnotatedDoc, parks: Sequence[Fact]) -> list[Fact]:
    """Projects the text makes of parks (rule 4): the park itself, or its phases, when the
    park opens the sentence that says so."""
    text = ad.text
    spellings = sorted(((n, p) for p in parks for n in (p.name, *p.aliases) if len(n) >= 4),
                       key=lambda x: -len(x[0]))
    out: list[Fact] = []
    done: set[str] = set()
    for sent in ad.sentences:
        hit = _subject_park(text, sent.start, sent.end, spellings)
        if hit is None or hit[2].name in done:
            continue
        i, end, park = hit
        sent_end = _sentence_end(text, end)
        invest = _investment(text, end, sent_end)
        nxt = sent_end + 1
        if invest is None and _PARK_REF.match(text, nxt):
            invest = _investment(text, nxt, _sentence_end(text, nxt))
        framed = _AS_PROJECT.match(text, end) is not None
        full_stop = text.find("。", end)
        full_stop = len(text) if full_stop < 0 else full_stop
        phases = list(_PHASE.finditer(text, end, min(full_stop, text.find("\n", end) % (len(text) + 1))))
        for k, ph in enumerate(phases):
            stop = phases[k + 1].start() if k + 1 < len(phases) else _sentence_end(text, ph.end())
            out.append(Fact(type="project", name=park.name + ph.group(1),
                            evidence=evidence(ad.doc, ph.start(1), ph.end(1)),
                            values=as_values("project", {"city": park.values.get("city"),
                                                         "investment": _investment(text, ph.end(), stop)}),
                            reasons=("园区的分期工程",)))
        if (framed or invest is not None) and not phases:
            out.append(Fact(type="project", name=park.name, evidence=evidence(ad.doc, i, end),
                            values=as_values("project", {"city": park.values.get("city"),
                                                         "investment": invest}),
                            aliases=park.aliases, reasons=("园区即项目",)))
        if phases or framed or invest is not None:
            done.add(park.name)
    return out


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
    # `A科技园项目` where A科技园 is a park: the park (the text calls its ground a project)
    projects = [f for f in projects if f.name not in taken and not (
        f.name.endswith("项目") and f.name[:-2] in taken)]
    have_projects = {n for f in projects for n in (f.name, *f.aliases)}
    projects += [f for f in _parks_as_projects(ad, parks) if f.name not in have_projects]
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
