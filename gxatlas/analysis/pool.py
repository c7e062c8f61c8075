"""The enterprise cultivation pool (企业动态培育库: 规上 → 高新技术企业 → 专精特新 → “小巨人” →
单项冠军), as pure functions over the KB's tier records (`gxatlas.kb.registers.firm_rows`).

* **Members** are the firms holding at least one tier (from imported tier lists, documents'
  tags and the bundled atlas, each holding with its source). Counts by tier (and issuing
  level), by city and by chain link.
* **Moved up**: a firm whose highest tier on the ladder (``rank`` in
  gxatlas/data/registers.yaml) was reached in a later year than a lower tier it held before.
  A holding's year is the year of recognition when the list states it, else the date of the
  source that mentions it (a document saying a firm *is* a 小巨人 in 2026 only shows it was one
  by then).
* **Candidates for the next tier**, each with the rule that made it one (``RULES``):
  ``next_tier`` — the firm holds a tier whose ``next`` tiers it has not reached (nor anything
  higher on the ladder): the next step of the ladder; ``key_link`` — a 规上 firm with no other
  tier whose business lies on a link of a chain its city's (or the province's) plans name as
  a focus: a candidate for 高新技术企业 / 创新型中小企业.

`pool_from_kb` is the one service the CLI (`gxatlas enterprises pool`), the API and the report
call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from gxatlas.data.registers import Registers, Tier, load_registers
from gxatlas.kb.registers import FirmRow, TierHolding

RULES: dict[str, str] = {
    "next_tier": "梯度晋级：已是{basis}，尚未获得{target}（也没有更高的称号），按培育梯度可冲刺{target}。",
    "key_link": "重点链规上：规上企业，处于本地规划重点产业链的环节（{links}），尚无其他培育称号，"
                "可培育为{target}。",
}


@dataclass(frozen=True)
class PoolFirm:
    id: int
    name: str
    city: str | None
    county: str | None
    holdings: tuple[TierHolding, ...]
    links: tuple[str, ...]      # 产业链·环节 labels
    key_links: tuple[str, ...]  # those on chains the plans of its place name

    def tiers(self) -> set[str]:
        return {h.tier for h in self.holdings}

    def to_dict(self, regs: Registers) -> dict[str, Any]:
        """The firm with one entry per tier, level and year it holds: statements that say the
        same (a document naming a firm's tier twice, the atlas and the document it cites)
        are one entry with all their ``sources`` (``source`` is the first)."""
        names = {t.id: t.name for t in regs.tiers}
        tiers: dict[tuple[Any, ...], dict[str, Any]] = {}
        for h in self.holdings:
            entry = tiers.setdefault((h.tier, h.level, h.when), {
                **h.to_dict(), "name": names.get(h.tier, h.tier), "when": h.when, "sources": []})
            if h.source is not None and h.source not in entry["sources"]:
                entry["sources"].append(h.source)
        return {"id": self.id, "name": self.name, "city": self.city, "county": self.county,
                "tiers": list(tiers.values()),
                "links": list(self.links), "key_links": list(self.key_links)}


def _best(holdings: Iterable[TierHolding], tiers: dict[str, Tier], tier_id: str
          ) -> TierHolding | None:
    """The earliest known holding of one tier (the year the firm reached it)."""
    hits = [h for h in holdings if h.tier == tier_id]
    dated = [h for h in hits if h.when]
    return min(dated, key=lambda h: h.when) if dated else (hits[0] if hits else None)


def _label(h: TierHolding, tiers: dict[str, Tier]) -> str:
    t = tiers[h.tier]
    level = h.level if h.level and h.level not in t.name else ""
    return f"{level}{t.name}" + (f"（{h.when}）" if h.when else "")


def moved_up(firm: PoolFirm, tiers: dict[str, Tier]) -> dict[str, Any] | None:
    """The firm's rise: its highest tier and the highest lower tier it held in an earlier
    year; None when it did not move up (or the years do not tell)."""
    ladder = [h for h in firm.holdings if tiers.get(h.tier) and tiers[h.tier].rank and h.when]
    if not ladder:
        return None
    top_rank = max(tiers[h.tier].rank for h in ladder)
    top = min((h for h in ladder if tiers[h.tier].rank == top_rank), key=lambda h: h.when)
    before = [h for h in ladder if tiers[h.tier].rank < top_rank and h.when < top.when]
    if not before:
        return None
    frm = max(before, key=lambda h: (tiers[h.tier].rank, h.when))
    return {"id": firm.id, "name": firm.name, "city": firm.city,
            "from": {"tier": frm.tier, "name": tiers[frm.tier].name, "level": frm.level,
                     "year": frm.when, "source": frm.source},
            "to": {"tier": top.tier, "name": tiers[top.tier].name, "level": top.level,
                   "year": top.when, "source": top.source},
            "text": f"{_label(frm, tiers)} → {_label(top, tiers)}"}


def candidates(firm: PoolFirm, regs: Registers) -> list[dict[str, Any]]:
    """The next tiers the firm is a candidate for, each with its rule (see ``RULES``)."""
    tiers = {t.id: t for t in regs.tiers}
    held = firm.tiers()
    ranked = [tiers[t] for t in held if t in tiers and tiers[t].rank]
    best = max((t.rank for t in ranked), default=0)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(target: Tier, rule: str, basis: Tier, **fill: str) -> None:
        if target.id in seen:
            return
        seen.add(target.id)
        reason = RULES[rule].format(basis=basis.name, target=target.name, **fill)
        out.append({"id": firm.id, "name": firm.name, "city": firm.city,
                    "now": [tiers[t].name for t in sorted(held, key=lambda x: tiers[x].rank or 0)
                            if t in tiers],
                    "target": target.id, "target_name": target.name, "basis": basis.id,
                    "rule": rule, "reason": reason})

    only_base = {t.id for t in ranked} == {"above_scale"}
    for t in sorted(ranked, key=lambda t: -t.rank):
        for nxt_id in t.next:
            nxt = tiers[nxt_id]
            if nxt.id in held or (nxt.rank or 0) <= best:
                continue
            if t.id == "above_scale":
                if only_base and firm.key_links:
                    add(nxt, "key_link", t, links="、".join(firm.key_links[:3]))
            else:
                add(nxt, "next_tier", t)
    return out


def _count_rows(groups: dict[str, dict[str, set[int]]], order: Sequence[str]
                ) -> list[dict[str, Any]]:
    rows = []
    for key, by_tier in groups.items():
        firms = set().union(*by_tier.values()) if by_tier else set()
        rows.append({"key": key, "total": len(firms),
                     "tiers": {t: len(by_tier[t]) for t in order if t in by_tier}})
    rows.sort(key=lambda r: (-r["total"], r["key"]))
    return rows


def pool_report(firms: Sequence[FirmRow], *, links_of: Callable[[FirmRow], Sequence[str]],
                key_links_of: Callable[[FirmRow, Sequence[str]], Sequence[str]],
                since: int | None = None, registers: Registers | None = None
                ) -> dict[str, Any]:
    """Counts, movers and candidates of the pool (JSON-able; see the module doc).
    ``links_of`` gives a firm's 产业链·环节 labels, ``key_links_of`` those of them on chains
    its place's plans name."""
    regs = registers or load_registers()
    tiers = {t.id: t for t in regs.tiers}
    order = [t.id for t in regs.tiers]
    members: list[PoolFirm] = []
    for f in firms:
        holdings = tuple(h for h in f.holdings if h.tier in tiers)
        if not holdings:  # neither a member nor, by any rule, a candidate
            continue
        links = tuple(links_of(f))
        members.append(PoolFirm(id=f.id, name=f.name, city=f.city, county=f.county,
                                holdings=holdings, links=links,
                                key_links=tuple(key_links_of(f, links))))
    pool = [m for m in members if m.holdings]
    by_tier = []
    for t in regs.tiers:
        holders = [m for m in pool if t.id in m.tiers()]
        levels: dict[str, int] = {}
        for m in holders:
            h = _best(m.holdings, tiers, t.id)
            key = (h.level if h else None) or "未注明"
            levels[key] = levels.get(key, 0) + 1
        by_tier.append({"tier": t.id, "name": t.name, "rank": t.rank, "count": len(holders),
                        "levels": levels})
    by_city: dict[str, dict[str, set[int]]] = {}
    by_link: dict[str, dict[str, set[int]]] = {}
    for m in pool:
        for tid in m.tiers():
            by_city.setdefault(m.city or "未定位", {}).setdefault(tid, set()).add(m.id)
            for link in m.links:
                by_link.setdefault(link, {}).setdefault(tid, set()).add(m.id)
    movers = [mv for m in pool if (mv := moved_up(m, tiers)) is not None
              and (since is None or mv["to"]["year"] >= since)]
    movers.sort(key=lambda mv: (-mv["to"]["year"], mv["name"]))
    cands = [c for m in members for c in candidates(m, regs)]
    rank = {t.id: t.rank or 0 for t in regs.tiers}
    cands.sort(key=lambda c: (-rank[c["target"]], c["rule"], c["name"]))
    return {
        "since": since,
        "tiers": [{"id": t.id, "name": t.name, "level": t.level, "rank": t.rank,
                   "next": list(t.next)} for t in regs.tiers],
        "rules": RULES,
        "summary": {"firms": len(pool), "moved_up": len(movers), "candidates": len(cands)},
        "by_tier": by_tier,
        "by_city": _count_rows(by_city, order),
        "by_link": _count_rows(by_link, order),
        "moved_up": movers,
        "candidates": cands,
        "firms": [m.to_dict(regs) for m in sorted(
            pool, key=lambda m: (-max((rank[h.tier] for h in m.holdings), default=0), m.name))],
    }


def pool_from_kb(session: Any, *, region: str | None = None, chain: str | None = None,
                 since: int | None = None, include_pending: bool = False) -> dict[str, Any]:
    """The pool of the KB's enterprises in ``region`` (with its sub-regions; all when None),
    optionally only firms on one chain's links; firms and statements waiting for review only
    with ``include_pending``."""
    from gxatlas.analysis.chains import entity_links, link_label
    from gxatlas.analysis.classify import classifier
    from gxatlas.analysis.kbdata import chain_entities
    from gxatlas.data.chains import find_chain, load_chains
    from gxatlas.kb.registers import firm_rows
    from gxatlas.kb.resolve import region_ids_named

    regs = load_registers()
    chains = load_chains()
    by_id = {c.id: c for c in chains}
    want = find_chain(chain, chains=chains) if chain else None
    ids = region_ids_named(session, region) if region else None
    firms = firm_rows(session, region_ids=ids, include_pending=include_pending)
    clf = classifier()
    entities = chain_entities(session, include_pending=include_pending)
    firm_entity = {e.id: e for e in entities if e.type == "enterprise"}
    key_chains: dict[str, set[str]] = {}  # region name -> chain ids its plans name
    for e in entities:
        if e.type != "focus":
            continue
        named = {k.split("/", 1)[0] for k in entity_links(e, clf)}
        for ch in chains:
            if any(n and n in f"{e.name} {e.text}" for n in (ch.name, *ch.aliases)):
                named.add(ch.id)
        for place in (e.region, *e.region_path):
            if place:
                key_chains.setdefault(place, set()).update(named)
    labels: dict[int, list[tuple[str, str]]] = {}

    def pairs(f: FirmRow) -> list[tuple[str, str]]:
        if f.id not in labels:
            ent = firm_entity.get(f.id)
            out = []
            for key in (entity_links(ent, clf) if ent is not None else {}):
                chain_id, link_id = key.split("/", 1)
                if chain_id in by_id and (want is None or chain_id == want.id):
                    out.append((chain_id, link_label(by_id[chain_id], link_id)))
            labels[f.id] = sorted(out)
        return labels[f.id]

    def key_links_of(f: FirmRow, _links: Sequence[str]) -> list[str]:
        named = set().union(*(key_chains.get(p, set()) for p in f.path)) if f.path else set()
        return [label for chain_id, label in pairs(f) if chain_id in named]

    if want is not None:
        firms = [f for f in firms if pairs(f)]
    report = pool_report(firms, links_of=lambda f: [label for _, label in pairs(f)],
                         key_links_of=key_links_of, since=since, registers=regs)
    report["filters"] = {k: v for k, v in {"region": region, "chain": chain, "since": since,
                                           "include_pending": include_pending or None
                                           }.items() if v is not None}
    return report
