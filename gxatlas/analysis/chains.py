"""Chain coverage, gaps and whom to court (补链强链延链, 产业链招商) — pure functions.

Inputs are plain ``Entity`` records (enterprises, projects and plan statements, each with a
region, an optional park, a text and optionally its chain links already known); nothing here
reads the KB (``entities_from_kb`` is the hook the KB adapter fills).

Per link of a chain, in the selected region (or park):

* **strong**  — at least ``STRONG_MIN`` (3) enterprises, or at least 2 of which one is an
  anchor firm (tag 链主/龙头/领军/上市/百强/单项冠军);
* **present** — 1 or 2 enterprises;
* **weak**    — no enterprise, but at least one project (planned or under construction);
* **missing** — neither.

A project that has reached a producing stage (``PRODUCING_STAGES``: 竣工, 投产) counts as an
enterprise on its link unless its own enterprise is counted there already; one still in
储备, 签约 or 在建 (or of unknown stage) only makes a link weak, so a link with only 储备 projects
is never 具备.

Gaps are the weak and missing links, ranked by ``importance`` =
1.0 × (present or strong links it supplies directly, 补链) + 0.5 × (those it supplies further
down the chain) + 0.5 × (present or strong links that supply it, whose output would find a
local buyer, 延链) + 2.0 if the region's plans name the link + 0.5 if they name the chain +
0.5 if a project is under way in it. Candidates for each gap are the other regions with
enterprises on that link (most first) and those enterprises (anchors and high-scoring ones
first), each with a one-sentence reason in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from gxatlas.analysis.classify import Classifier, classifier
from gxatlas.data.chains import POSITION_NAMES, POSITIONS, Chain, Link
from gxatlas.errors import GxatlasError
from gxatlas.names import name_key

if TYPE_CHECKING:
    from gxatlas.analysis.candidates import Court

STRONG_MIN = 3
ANCHOR_TAGS = ("链主", "龙头", "领军", "上市", "百强", "单项冠军", "小巨人")
DIRECT_WEIGHT = 1.0
INDIRECT_WEIGHT = 0.5
UPSTREAM_WEIGHT = 0.5
PLAN_LINK_BONUS = 2.0
PLAN_CHAIN_BONUS = 0.5
PROJECT_BONUS = 0.5
MAX_REGION_CANDIDATES = 3
MAX_ENTERPRISE_CANDIDATES = 5
PRODUCING_STAGES = ("竣工", "投产")  # stages of gxatlas/data/registers.yaml that produce
STATUSES = ("strong", "present", "weak", "missing")
STATUS_NAMES = {"strong": "强", "present": "具备", "weak": "薄弱", "missing": "缺失"}
STATUS_COLORS = {"strong": "#1a9850", "present": "#91cf60", "weak": "#fdae61",
                 "missing": "#d73027"}
ENTITY_TYPES = ("enterprise", "project", "focus")
_REGION_SUFFIX = re.compile("(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市|地区|自治州|"
                            "自治县|区|县|盟|旗)$")


@dataclass(frozen=True)
class Entity:
    """An enterprise, a project or a plan statement (``type`` "focus") placed in a region.

    ``links`` are ``"chain/link"`` ids when already known (e.g. from the registry classifier);
    when empty, ``name`` and ``text`` are classified, and the ``industries`` the KB records
    place the entity on the links they stand for in chains its words place it on no link of
    (the templates' link ``industries``: 柳钢, recorded as 钢铁, smelts and rolls steel). ``region_path`` may list every level the
    entity lies in (广西壮族自治区, 南宁市, 横州市) so that a query matches at any level.
    """

    name: str
    type: str
    region: str | None = None
    park: str | None = None
    text: str = ""
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    region_path: tuple[str, ...] = ()
    id: int | None = None  # the KB id, when read from the KB
    stage: str | None = None  # a project's stage (储备 … 投产), as the registers settle it
    enterprise: str | None = None  # a project's enterprise
    industries: tuple[str, ...] = ()  # the industry names the KB records for it


def region_key(name: str | None) -> str:
    """南宁市 / 南宁 → 南宁; 广西壮族自治区 / 广西 → 广西 (for comparing region names)."""
    k = name_key(name or "")
    short = _REGION_SUFFIX.sub("", k)
    return short if len(short) >= 2 else k


def in_region(entity: Entity, *, region: str | None = None, park: str | None = None) -> bool:
    """Whether the entity lies in ``park`` (by name) or else in ``region`` (at any level)."""
    if park:
        return bool(entity.park) and name_key(entity.park) == name_key(park)
    if region:
        want = region_key(region)
        return any(region_key(r) == want for r in (entity.region, *entity.region_path) if r)
    return True


def _is_anchor(e: Entity) -> bool:
    return any(t in tag for tag in e.tags for t in ANCHOR_TAGS)


def _entity_links(e: Entity, clf: Classifier) -> dict[str, float]:
    """``chain/link`` → score for one entity: its known links, else an enterprise is
    classified from name and scope, and a project or plan statement counts every link its
    text mentions (such texts are short and say what they are about)."""
    if e.links:
        return {lk: 1.0 for lk in e.links}
    if e.type == "enterprise":
        hits = {f"{h.chain}/{h.link}": h.score for h in clf.classify(e.name, e.text)}
    else:
        hits = {k: 1.0 for k in clf.mentions(f"{e.name} {e.text}")}
    if e.type != "focus" and e.industries:
        hits.update({k: 1.0 for k in clf.industry_links(e.industries, placed=hits)})
    return hits


def entity_links(e: Entity, clf: Classifier | None = None) -> dict[str, float]:
    """``chain/link`` → score for one entity, as the coverage analysis reads it."""
    return _entity_links(e, clf or classifier())


def classified(entities: Iterable[Entity], clf: Classifier | None = None) -> list[Entity]:
    """The entities with their links read once (``links`` filled as ``entity_links`` finds
    them; ``"-/-"`` when none), so that many coverage runs over them classify nothing again.
    Statuses and gaps stay the same; a link's score becomes 1.0 (a known link), so rank
    candidates from the entities themselves."""
    clf = clf or classifier()
    return [replace(e, links=tuple(_entity_links(e, clf)) or ("-/-",)) for e in entities]


def project_text(capacity: str | None, industries: Iterable[str]) -> str:
    """What a project's links are read from besides its name: its capacity and industries."""
    return " ".join(x for x in (capacity or "", *industries) if x)


def _stage_name(e: Entity) -> str | None:
    """A project's stage as the registers name it (达产 → 投产), None when unknown."""
    from gxatlas.data.registers import load_registers

    stage = load_registers().stage_of(e.stage) if e.stage else None
    return stage.name if stage is not None else None


def staged_project(link: dict[str, Any], name: str) -> str:
    """``A项目（投产）``: a project of a link in ``chain_coverage`` with its stage, when known."""
    stage = (link.get("project_stages") or {}).get(name)
    return f"{name}（{stage}）" if stage else name


def _producing(e: Entity) -> bool:
    return _stage_name(e) in PRODUCING_STAGES


def _named_in_plans(chain: Chain, focus: Sequence[tuple[Entity, dict[str, float]]]
                    ) -> tuple[set[str], bool]:
    """Links the plan statements name, and whether they name the chain itself."""
    links: set[str] = set()
    chain_named = False
    names = {chain.name, *chain.aliases}
    for e, hits in focus:
        links |= {k.split("/", 1)[1] for k in hits if k.split("/", 1)[0] == chain.id}
        text = f"{e.name} {e.text}"
        chain_named = chain_named or any(n and n in text for n in names) or any(
            k.split("/", 1)[0] == chain.id for k in hits)
    return links, chain_named


def _status(n_enterprises: int, n_anchor: int, n_projects: int) -> str:
    if n_enterprises >= STRONG_MIN or (n_enterprises >= 2 and n_anchor >= 1):
        return "strong"
    if n_enterprises >= 1:
        return "present"
    return "weak" if n_projects else "missing"


def _downstream(chain: Chain, link_id: str) -> tuple[list[str], list[str]]:
    """Links ``link_id`` supplies directly, and those it reaches further down."""
    direct = list(chain.link(link_id).supplies)
    seen, indirect, todo = set(direct) | {link_id}, [], list(direct)
    while todo:
        cur = todo.pop()
        for nxt in chain.link(cur).supplies:
            if nxt not in seen:
                seen.add(nxt)
                indirect.append(nxt)
                todo.append(nxt)
    return direct, indirect


def _candidates(link: Link, chain: Chain, *, region_label: str,
                others: Sequence[tuple[Entity, float]], dependents: Sequence[str],
                court: Court | None = None, clf: Classifier | None = None
                ) -> list[dict[str, Any]]:
    by_region: dict[str, list[tuple[Entity, float]]] = {}
    for e, score in others:
        if e.region:
            by_region.setdefault(e.region, []).append((e, score))
    out: list[dict[str, str]] = []
    for reg, ents in sorted(by_region.items(), key=lambda kv: (-len(kv[1]), kv[0]))[
            :MAX_REGION_CANDIDATES]:
        examples = "、".join(e.name for e, _ in ents[:2])
        level = "集聚" if len(ents) >= STRONG_MIN else "已有"
        out.append({"type": "region", "name": reg,
                    "reason": f"{reg}{level}{len(ents)}家{link.name}环节企业（如{examples}），"
                              f"可作为{region_label}补齐该环节的对接来源地。"})
    if dependents:
        short = [re.sub("（.*?）", "", d) for d in dependents[:3]]
        tail = f"可为{region_label}的{'、'.join(short)}环节配套供应"
    else:
        tail = f"可补齐{region_label}{chain.name}链条的这一环节"
    if court is not None:
        for r in court.rank(chain, link.id, clf=clf or classifier(), others=others):
            item = r.to_dict()
            item["reason"] = item["reason"].rstrip("。") + f"；{tail}。"
            out.append(item)
        return out
    ranked = sorted(others, key=lambda es: (not _is_anchor(es[0]), -es[1], es[0].name))
    for e, _ in ranked[:MAX_ENTERPRISE_CANDIDATES]:
        where = f"（{e.region}）" if e.region else ""
        anchor = "作为龙头企业" if _is_anchor(e) else ""
        out.append({"type": "enterprise", "name": e.name,
                    "reason": f"{e.name}{where}{anchor}从事{link.name}，{tail}。"})
    return out


def chain_coverage(chain: Chain, *, entities: Iterable[Entity], region: str | None = None,
                   park: str | None = None, clf: Classifier | None = None,
                   court: Court | None = None) -> dict[str, Any]:
    """Coverage, status and ranked gaps of one chain in a region or park (see module doc).
    With a ``court`` (gxatlas.analysis.candidates), each gap's enterprise candidates are the
    national pool's and the KB's firms ranked with their reasons, and a gap without any says
    why in ``no_candidates``."""
    clf = clf or classifier()
    local: dict[str, dict[str, list[tuple[Entity, float]]]] = {
        lk.id: {"enterprise": [], "project": []} for lk in chain.links}
    others: dict[str, list[tuple[Entity, float]]] = {lk.id: [] for lk in chain.links}
    focus: list[tuple[Entity, dict[str, float]]] = []
    prefix = chain.id + "/"
    for e in entities:
        if e.type not in ENTITY_TYPES:
            raise GxatlasError(f"实体 {e.name} 的类型 {e.type!r} 应为 {'/'.join(ENTITY_TYPES)}")
        hits = _entity_links(e, clf)
        here = in_region(e, region=region, park=park)
        if e.type == "focus":
            if here:
                focus.append((e, hits))
            continue
        for key, score in hits.items():
            if not key.startswith(prefix) or key[len(prefix):] not in local:
                continue
            link_id = key[len(prefix):]
            if here:
                local[link_id][e.type].append((e, score))
            elif e.type == "enterprise":
                others[link_id].append((e, score))
    planned, chain_named = _named_in_plans(chain, focus)
    status: dict[str, str] = {}
    links_out = []
    for lk in chain.links:
        ents, projs = local[lk.id]["enterprise"], local[lk.id]["project"]
        firms = {name_key(e.name) for e, _ in ents}
        producing = [p for p, _ in projs if _producing(p)
                     and not (p.enterprise and name_key(p.enterprise) in firms)]
        status[lk.id] = _status(len(ents) + len(producing), sum(_is_anchor(e) for e, _ in ents),
                                len(projs))
        links_out.append({
            "id": lk.id, "name": lk.name, "position": lk.position, "status": status[lk.id],
            "enterprises": sorted({e.name for e, _ in ents}),
            "projects": sorted({e.name for e, _ in projs}),
            # each project's stage (储备 … 投产; None unknown): why a link with projects is 具备
            "project_stages": {e.name: _stage_name(e) for e, _ in projs}})
    label = park or region or "本地"
    gaps = []
    for lk in chain.links:
        if status[lk.id] not in ("weak", "missing"):
            continue
        direct, indirect = _downstream(chain, lk.id)
        on = [d for d in direct if status[d] in ("strong", "present")]
        on_indirect = [d for d in indirect if status[d] in ("strong", "present")]
        feeders = [s.id for s in chain.suppliers_of(lk.id) if status[s.id] in ("strong", "present")]
        importance = (DIRECT_WEIGHT * len(on) + INDIRECT_WEIGHT * len(on_indirect)
                      + UPSTREAM_WEIGHT * len(feeders)
                      + (PLAN_LINK_BONUS if lk.id in planned else 0.0)
                      + (PLAN_CHAIN_BONUS if chain_named else 0.0)
                      + (PROJECT_BONUS if local[lk.id]["project"] else 0.0))
        dependents = [chain.link(d).name for d in on + on_indirect]
        gap = {"link": lk.id, "status": status[lk.id], "importance": round(importance, 2),
               "candidates": _candidates(lk, chain, region_label=label, others=others[lk.id],
                                         dependents=dependents, court=court, clf=clf)}
        if court is not None and not any(c["type"] == "enterprise" for c in gap["candidates"]):
            gap["no_candidates"] = court.no_candidates(lk.name)
        gaps.append(gap)
    order = {lk.id: i for i, lk in enumerate(chain.links)}
    gaps.sort(key=lambda g: (-g["importance"], order[g["link"]]))
    out = {"id": chain.id, "name": chain.name, "links": links_out, "gaps": gaps}
    if court is not None:
        out["candidate_pool"] = court.meta()
    return out


def analyse(chains: Iterable[Chain], *, entities: Iterable[Entity], region: str | None = None,
            park: str | None = None, clf: Classifier | None = None,
            court: Court | None = None) -> dict[str, Any]:
    """``{"region": ..., "chains": [chain_coverage(...), ...]}`` for several chains."""
    chains = tuple(chains)
    clf = clf or classifier()
    ents = list(entities)
    return {"region": park or region,
            "chains": [chain_coverage(ch, entities=ents, region=region, park=park, clf=clf,
                                      court=court)
                       for ch in chains]}


def chain_graph(entry: dict[str, Any], *, chain: Chain) -> dict[str, Any]:
    """An ECharts ``graph`` series for one chain entry of ``analyse``: links as nodes in
    upstream/midstream/downstream columns, coloured by status; ``supplies`` as edges."""
    columns: dict[str, int] = {p: 0 for p in POSITIONS}
    nodes = []
    for lk in entry["links"]:
        row = columns[lk["position"]]
        columns[lk["position"]] += 1
        n = len(lk["enterprises"])
        nodes.append({
            "id": lk["id"], "name": lk["name"], "x": POSITIONS.index(lk["position"]) * 320,
            "y": row * 90, "value": n, "category": STATUSES.index(lk["status"]),
            "symbolSize": 28 + min(n, 10) * 3,
            "itemStyle": {"color": STATUS_COLORS[lk["status"]]},
            "tooltip": {"formatter": f"{lk['name']}（{POSITION_NAMES[lk['position']]}）"
                                     f"：{STATUS_NAMES[lk['status']]}，企业 {n} 家，"
                                     f"项目 {len(lk['projects'])} 个"}})
    edges = [{"source": lk.id, "target": t} for lk in chain.links for t in lk.supplies]
    return {"type": "graph", "name": chain.name, "layout": "none", "roam": True,
            "label": {"show": True, "position": "bottom"},
            "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 8,
            "lineStyle": {"color": "#888", "curveness": 0.1},
            "categories": [{"name": STATUS_NAMES[s], "itemStyle": {"color": STATUS_COLORS[s]}}
                           for s in STATUSES],
            "data": nodes, "links": edges}


def graph_view(result: dict[str, Any], *, chains: Iterable[Chain]) -> dict[str, Any]:
    """The graph form of ``analyse`` output: one ECharts series per chain."""
    by_id = {c.id: c for c in chains}
    return {"region": result["region"],
            "chains": [{"id": e["id"], "name": e["name"],
                        "series": chain_graph(e, chain=by_id[e["id"]])}
                       for e in result["chains"]]}


def entities_from_kb(*, db_url: str | None, region: str | None = None,
                     park: str | None = None, include_pending: bool = False) -> Iterable[Entity]:
    """The enterprises, projects and focus statements of the KB (bundled atlas, extracted
    facts, imported registry) as ``Entity`` records, all regions included (other regions
    supply the candidates; ``analyse`` picks the region's own)."""
    from gxatlas.analysis.kbdata import chain_entities
    from gxatlas.kb.store import open_kb

    kb = open_kb(db_url)
    with kb.session(write=False) as s:
        yield from chain_entities(s, include_pending=include_pending)


def entities_from_registry(path: str, *, chains: Sequence[Chain] | None = None,
                           on_problem=None) -> Iterator[Entity]:
    """Enterprises of a registry file, classified, as ``Entity`` records (only those on a
    chain are kept, since the others cannot change any coverage)."""
    from gxatlas.analysis.registry import RegistryProblem, iter_registry

    clf = classifier(chains=chains)
    for item in iter_registry(path):
        if isinstance(item, RegistryProblem):
            if on_problem is not None:
                on_problem(item)
            continue
        hits = clf.classify(item.name, item.scope)
        if hits:
            yield Entity(name=item.name, type="enterprise", region=item.region,
                         text=item.scope, links=tuple(f"{h.chain}/{h.link}" for h in hits),
                         tags=item.tags,
                         region_path=tuple(r for r in (item.region, item.county) if r))


def link_label(chain: Chain, link_id: str) -> str:
    """A chain link as people name it: 产业链·环节."""
    return f"{chain.name}·{chain.link(link_id).name}"


def chain_fit(chains: Iterable[Chain], *, entities: Iterable[Entity], home: str,
              clf: Classifier | None = None) -> tuple[set[str], dict[str, set[str]]]:
    """What the partner ranking needs from the chain maps: the links (``link_label``) the home
    region is weak in or misses, and for every region the links its enterprises hold."""
    chains = tuple(chains)
    clf = clf or classifier()
    ents = list(entities)
    by_id = {ch.id: ch for ch in chains}
    missing: set[str] = set()
    for ch, entry in zip(chains, analyse(chains, entities=ents, region=home, clf=clf)["chains"]):
        missing |= {link_label(ch, lk["id"]) for lk in entry["links"]
                    if lk["status"] in ("weak", "missing")}
    held: dict[str, set[str]] = {}
    for e in ents:
        if e.type != "enterprise" or not e.region:
            continue
        for key in _entity_links(e, clf):
            chain_id, link_id = key.split("/", 1)
            if chain_id in by_id:
                held.setdefault(e.region, set()).add(link_label(by_id[chain_id], link_id))
    return missing, held
