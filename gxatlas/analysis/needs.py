"""The reverse of candidates: for one firm, which chains and cities need what it makes.

The brief an investment officer takes to a meeting: the chain links the firm can supply (from
its 申万 industry, listed main products or business scope, as the candidate ranking reads
them), and for each link the cities where it is a gap (weak or missing), most important first
(the chain analysis' importance: the links it would supply locally, plans that name it,
projects under way). Pure: the entities, chains and cities come from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from gxatlas.analysis.candidates import ORIGIN_NAMES, Prospect, fit_value
from gxatlas.analysis.chains import STATUS_NAMES, Entity, chain_coverage, classified
from gxatlas.analysis.classify import Classifier
from gxatlas.data.chains import Chain


@dataclass(frozen=True)
class FirmLink:
    """A link the firm can supply, with how surely (fit as in candidates) and why."""

    chain: str
    link: str
    fit: float
    words: tuple[str, ...] = ()
    word_source: str = ""


def firm_links_of(prospects: Iterable[tuple[tuple[str, str], Prospect]]) -> list[FirmLink]:
    """``FirmLink`` records from (link, prospect) pairs, best fit first, one per link."""
    best: dict[tuple[str, str], FirmLink] = {}
    for (chain, link), p in prospects:
        fl = FirmLink(chain=chain, link=link, fit=round(fit_value(p), 3), words=p.words,
                      word_source=p.word_source)
        if (chain, link) not in best or fl.fit > best[(chain, link)].fit:
            best[(chain, link)] = fl
    return sorted(best.values(), key=lambda fl: (-fl.fit, fl.chain, fl.link))


def firm_needs(firm: Prospect, links: Sequence[FirmLink], *, chains: Sequence[Chain],
               entities: Iterable[Entity], cities: Sequence[str], clf: Classifier
               ) -> dict[str, Any]:
    """Where the firm's links are gaps: ``{"firm", "needs", "cities"}``. ``needs`` has one
    entry per link with the cities where it is a gap of some importance (``cities``) and
    those where it is missing but nothing there would use it yet (``other_cities``);
    ``cities`` ranks the cities by the summed importance × fit of the firm's links."""
    by_id = {c.id: c for c in chains}
    links = [fl for fl in links if fl.chain in by_id]
    known = classified(entities, clf)  # once; each coverage below reads the known links
    gaps: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for chain_id in dict.fromkeys(fl.chain for fl in links):
        chain = by_id[chain_id]
        wanted = {fl.link for fl in links if fl.chain == chain_id}
        for city in cities:
            cov = chain_coverage(chain, entities=known, region=city, clf=clf)
            for gap in cov["gaps"]:
                if gap["link"] in wanted:
                    gaps.setdefault((chain_id, gap["link"]), []).append(
                        {"city": city, "status": gap["status"],
                         "status_name": STATUS_NAMES[gap["status"]],
                         "importance": gap["importance"]})
    needs = []
    per_city: dict[str, dict[str, Any]] = {}
    for fl in links:
        chain = by_id[fl.chain]
        name = chain.link(fl.link).name
        found = gaps.get((fl.chain, fl.link), [])
        where = sorted((g for g in found if g["importance"] > 0),
                       key=lambda g: (-g["importance"], g["city"]))
        needs.append({"chain": fl.chain, "chain_name": chain.name, "link": fl.link,
                      "link_name": name, "fit": fl.fit, "words": list(fl.words),
                      "word_source": fl.word_source, "cities": where,
                      "other_cities": sorted(g["city"] for g in found if g["importance"] <= 0)})
        for g in where:
            c = per_city.setdefault(g["city"], {"city": g["city"], "importance": 0.0,
                                                "links": []})
            c["importance"] = round(c["importance"] + g["importance"] * fl.fit, 2)
            c["links"].append(f"{chain.name}·{name}（{g['status_name']}）")
    ranked_cities = sorted(per_city.values(), key=lambda c: (-c["importance"], c["city"]))
    return {"firm": _firm_dict(firm), "needs": needs, "cities": ranked_cities}


def _firm_dict(p: Prospect) -> dict[str, Any]:
    return {"name": p.name, "full_name": p.full_name or None, "code": p.code,
            "exchange": p.exchange, "industry": "/".join(p.industry) or None,
            "province": p.province, "city": p.city, "origin": p.origin,
            "source": ORIGIN_NAMES[p.origin], "as_of": p.as_of,
            "registered_capital": p.registered_capital, "tags": list(p.tags),
            "products": list(p.products),
            "ties": list(p.ties)}
