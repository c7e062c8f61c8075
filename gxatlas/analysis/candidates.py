"""Whom to court for a chain link (产业链招商): candidate firms ranked, each with its reasons.

Candidates come from the bundled national pool of listed companies (``gxatlas.data.listed``)
and from the knowledge base's enterprises outside the region (the atlas, documents and the
user's registry imports — a registry record takes precedence over the pool for the same
firm). Nothing here reads the KB: ``gxatlas.analysis.kbdata.court_from_kb`` gathers what the
KB knows (registry firms, ties) into a ``Court``.

Each candidate (``Prospect``) is scored in four parts, each in [0, 1]:

* **fit** (契合) — how surely the firm makes what the link needs: ``0.7 × max(i, w) + 0.3 ×
  min(i, w)`` of the industry part ``i`` (1 when its 申万 industry is the link's own, 0.5 when
  the industry only partly covers the link, see chain_industries.yaml) and the word part ``w``
  (the classifier's score for the link from the firm's name, listed main products or business
  scope, over 0.6 and capped at 1; 0.6 when only a name word of chain_industries.yaml shows);
* **weight** (分量) — 0.5 if listed, up to 0.3 for registered capital (log scale, 100 亿元 =
  full), 0.2 for a 链主/龙头-type tag; halved for a risk-warning (ST) stock;
* **where** (区位) — 1.0 in the home province, else the weight of its region group
  (粤港澳大湾区 0.9, 周边省份 0.8, 长三角 0.7, 成渝 0.7; pool.yaml) or by distance,
  ``0.2 + 0.6 × max(0, 1 − km / 2500)``, whichever is higher; 0.3 when the place is unknown;
* **ties** (已有联系) — ``min(1, 0.6 × n)`` for n ties found in the KB (already invested in
  Guangxi, named in a project).

``score = 0.45 fit + 0.2 weight + 0.2 where + 0.15 ties`` (``CandidateWeights``). Every part
that counts gives a reason in Chinese.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

from gxatlas.analysis.classify import Classifier, LinkHit
from gxatlas.analysis.partners import great_circle_km
from gxatlas.data.chains import Chain
from gxatlas.data.listed import ListedFirm, Pool, RegionGroup
from gxatlas.names import name_key

WORD_FULL = 0.6  # classifier score that counts as a full word part
NAME_WORD_FIT = 0.6
ANCHOR_TAGS = ("链主", "龙头", "领军", "单项冠军", "小巨人", "百强", "世界500强")
UNKNOWN_WHERE = 0.3
FAR_KM = 2500.0
ORIGIN_NAMES = {"pool": "上市公司名录", "registry": "用户导入名录", "kb": "知识库"}
_FORM = re.compile("(股份有限公司|有限责任公司|有限公司|集团|股份|控股)$")
_ST = re.compile(r"^\*?S?\*?ST")


def firm_key(name: str | None) -> str:
    """Key for telling whether two names are the same firm: 柳钢股份 = 柳钢, *ST中孚 = 中孚,
    广西柳工机械股份有限公司 = 广西柳工机械."""
    k = _ST.sub("", name_key(name or ""))
    while True:
        stripped = _FORM.sub("", k)
        if stripped == k or len(stripped) < 2:
            return k
        k = stripped


@dataclass(frozen=True)
class Prospect:
    """A firm that could be courted for one chain link, with what is known of it."""

    name: str
    origin: str  # pool / registry / kb (see ORIGIN_NAMES)
    full_name: str = ""
    code: str | None = None  # stock code when listed
    exchange: str | None = None
    industry: tuple[str, ...] = ()  # 申万 path, level 1 to 3
    industry_fit: float = 0.0  # 1 the link's own industry, 0.5 partly, 0 none known
    words: tuple[str, ...] = ()  # the words that place it on the link
    word_source: str = ""  # 主营产品 / 名称 / 经营范围
    word_fit: float = 0.0
    province: str | None = None
    city: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    place_from: str = ""  # 全称 / 补注 / 知识库
    registered_capital: float | None = None  # 万元
    tags: tuple[str, ...] = ()
    listed: bool = False
    ties: tuple[str, ...] = ()
    as_of: str | None = None  # data age of a pool record
    products: tuple[str, ...] = ()  # listed main products (pool notes)

    @property
    def key(self) -> str:
        return self.code or firm_key(self.full_name or self.name)


@dataclass(frozen=True)
class Home:
    """The place that courts: its name, province and coordinates."""

    name: str
    province: str | None = None
    longitude: float | None = None
    latitude: float | None = None


@dataclass(frozen=True)
class CandidateWeights:
    fit: float = 0.45
    weight: float = 0.2
    where: float = 0.2
    ties: float = 0.15


@dataclass(frozen=True)
class Ranked:
    """One ranked candidate: the parts of its score and the reasons."""

    prospect: Prospect
    score: float
    fit: float
    weight: float
    where: float
    ties: float
    group: str | None
    distance_km: float | None
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        p = self.prospect
        return {"type": "enterprise", "name": p.name, "full_name": p.full_name or None,
                "code": p.code, "origin": p.origin, "source": ORIGIN_NAMES[p.origin],
                "as_of": p.as_of, "industry": "/".join(p.industry) or None,
                "province": p.province, "city": p.city, "group": self.group,
                "distance_km": self.distance_km, "score": self.score,
                "components": {"fit": self.fit, "weight": self.weight, "where": self.where,
                               "ties": self.ties},
                "words": list(p.words), "ties": list(p.ties), "reasons": list(self.reasons),
                "reason": f"{p.name}：{'；'.join(self.reasons)}。"}


# --- scoring (pure) ------------------------------------------------------------------------

def word_part(score: float) -> float:
    """The word part of fit from a classifier score (``WORD_FULL`` or more counts in full)."""
    return min(1.0, score / WORD_FULL)


def fit_value(p: Prospect) -> float:
    """The fit part of the score: the stronger of the industry and word parts, plus a third
    of the weaker (both agreeing is surer than either alone)."""
    i, w = p.industry_fit, p.word_fit
    return 0.7 * max(i, w) + 0.3 * min(i, w)


def _fit(p: Prospect) -> tuple[float, str]:
    value = fit_value(p)
    i = p.industry_fit
    parts = []
    if p.industry:
        parts.append(f"申万行业“{p.industry[-1]}”" + ("与本环节对口" if i >= 1 else ""))
    if p.words:
        parts.append(f"{p.word_source or '名称'}含“{'、'.join(p.words[:4])}”")
    return value, "，".join(parts)


def _weight(p: Prospect) -> tuple[float, list[str]]:
    value, reasons = 0.0, []
    if p.listed:
        value += 0.5
        reasons.append(f"A股上市公司（{p.code}.{p.exchange}）" if p.code and p.exchange
                       else "上市公司")
    if p.registered_capital and p.registered_capital > 0:
        value += 0.3 * min(1.0, math.log10(p.registered_capital + 1) / 6)
        cap = p.registered_capital
        reasons.append(f"注册资本{cap / 10000:.1f}亿元" if cap >= 10000 else f"注册资本{cap:.0f}万元")
    anchors = [t for t in p.tags if any(a in t for a in ANCHOR_TAGS)]
    if anchors:
        value += 0.2
        reasons.append(f"{'、'.join(dict.fromkeys(anchors))}企业")
    if _ST.match(p.name):
        value *= 0.5
        reasons.append("风险警示股（ST）")
    return min(1.0, value), reasons


def _where(p: Prospect, *, home: Home, groups: Sequence[RegionGroup], home_weight: float
           ) -> tuple[float, str | None, float | None, str]:
    place = "".join(x for x in (p.province, p.city if p.city != p.province else None) if x)
    if not place:
        return UNKNOWN_WHERE, None, None, "所在地不详（全称未含地名）"
    dist = None
    if None not in (p.longitude, p.latitude, home.longitude, home.latitude):
        dist = round(great_circle_km(lon1=p.longitude, lat1=p.latitude, lon2=home.longitude,
                                     lat2=home.latitude))
    group, value = None, 0.0
    if home.province and p.province == home.province:
        group, value = "区内", home_weight
    else:
        for g in groups:
            if (p.city and p.city in g.members) or (p.province and p.province in g.members):
                group, value = g.name, g.weight
                break
    if dist is not None:
        value = max(value, 0.2 + 0.6 * max(0.0, 1 - dist / FAR_KM))
    detail = "，".join(x for x in (group, f"距{home.name}约{dist}公里" if dist is not None
                                   else None) if x)
    return value, group, dist, f"位于{place}" + (f"（{detail}）" if detail else "")


def score_prospect(p: Prospect, *, home: Home, groups: Sequence[RegionGroup] = (),
                   home_weight: float = 1.0, weights: CandidateWeights = CandidateWeights()
                   ) -> Ranked:
    """The score of one candidate and its reasons (see the module docstring)."""
    fit, fit_reason = _fit(p)
    weight, weight_reasons = _weight(p)
    where, group, dist, where_reason = _where(p, home=home, groups=groups,
                                              home_weight=home_weight)
    ties = min(1.0, 0.6 * len(p.ties))
    score = (weights.fit * fit + weights.weight * weight + weights.where * where
             + weights.ties * ties)
    reasons = tuple(r for r in (fit_reason, *weight_reasons, where_reason, *p.ties) if r)
    return Ranked(prospect=p, score=round(score, 3), fit=round(fit, 3), weight=round(weight, 3),
                  where=round(where, 3), ties=round(ties, 3), group=group, distance_km=dist,
                  reasons=reasons)


def rank_candidates(prospects: Iterable[Prospect], *, home: Home,
                    groups: Sequence[RegionGroup] = (), home_weight: float = 1.0,
                    top: int = 5, weights: CandidateWeights = CandidateWeights()
                    ) -> list[Ranked]:
    """The ``top`` candidates by score (ties broken by fit, then name); a firm appears once
    (the same stock code or firm name: the record with the higher score is kept)."""
    best: dict[str, Ranked] = {}
    for p in prospects:
        r = score_prospect(p, home=home, groups=groups, home_weight=home_weight,
                           weights=weights)
        prev = best.get(p.key)
        if prev is None or (r.score, r.fit) > (prev.score, prev.fit):
            best[p.key] = r
    ranked = sorted(best.values(), key=lambda r: (-r.score, -r.fit, r.prospect.name))
    return ranked[:top] if top >= 0 else ranked


# --- the pool on chain links (pure, cached per process) ------------------------------------

def _hits_by_link(hits: Iterable[LinkHit]) -> dict[tuple[str, str], LinkHit]:
    return {(h.chain, h.link): h for h in hits}


def _product_hits(products: Sequence[str], clf: Classifier) -> dict[tuple[str, str], LinkHit]:
    """The links of a firm's listed main products, each product on its own (a side line
    such as 船板 of a steel maker is not drowned by the main one), best hit per link."""
    best: dict[tuple[str, str], LinkHit] = {}
    for product in products:
        for key, hit in _hits_by_link(clf.classify("", f"生产{product}")).items():
            prev = best.get(key)
            if prev is None or hit.score > prev.score:
                best[key] = hit
            elif hit.score == prev.score:
                best[key] = replace(prev, evidence=tuple(dict.fromkeys(prev.evidence
                                                                       + hit.evidence)))
    return best


def _pool_firm_prospects(firm: ListedFirm, *, pool: Pool, clf: Classifier,
                         by_industry: Mapping[str, list[tuple[tuple[str, str], float]]]
                         ) -> Iterable[tuple[tuple[str, str], Prospect]]:
    """(link, prospect) for every link this listed firm can be a candidate for."""
    name_text = f"{firm.name} {firm.full_name}"
    product_hits = _product_hits(firm.products, clf)
    name_hits = _hits_by_link(clf.classify(name_text, ""))
    product_chains = {c for c, _ in product_hits}
    industry = pool.industry_path(firm.sw)
    base = Prospect(name=firm.name, origin="pool", full_name=firm.full_name, code=firm.code,
                    exchange=firm.exchange, industry=industry, province=firm.province,
                    city=firm.city, longitude=firm.longitude, latitude=firm.latitude,
                    place_from=firm.place_from, tags=firm.tags, listed=True, as_of=pool.as_of,
                    products=firm.products)
    seen: set[tuple[str, str]] = set()
    for key, hit in product_hits.items():
        seen.add(key)
        level = dict(by_industry.get(firm.sw or "", ())).get(key, 0.0)
        yield key, replace(base, industry_fit=level, words=hit.evidence, word_source="主营产品",
                           word_fit=word_part(hit.score))
    for key, level in by_industry.get(firm.sw or "", ()):
        if key in seen:
            continue
        if level >= 1 and key[0] in product_chains:
            level = 0.5  # its products place it elsewhere on this chain
        hit = name_hits.get(key)
        words: tuple[str, ...] = hit.evidence if hit else ()
        word_fit = word_part(hit.score) if hit else 0.0
        if not words:
            words = tuple(w for w in pool.links[key].words if w in name_text)
            word_fit = NAME_WORD_FIT if words else 0.0
        if level < 1 and not words:
            continue
        yield key, replace(base, industry_fit=level, words=words, word_source="名称",
                           word_fit=word_fit)


@functools.lru_cache(maxsize=4)
def pool_prospects(pool: Pool, clf: Classifier) -> Mapping[tuple[str, str], tuple[Prospect, ...]]:
    """Every ``(chain, link)`` → the listed firms that can be courted for it (computed once
    per pool and classifier, i.e. once per process)."""
    chains = {c.id for c in clf.chains}
    by_industry: dict[str, list[tuple[tuple[str, str], float]]] = {}
    for key, li in pool.links.items():
        if key[0] not in chains:
            continue
        for code in li.core:
            by_industry.setdefault(code, []).append((key, 1.0))
        for code in li.broad:
            by_industry.setdefault(code, []).append((key, 0.5))
    out: dict[tuple[str, str], list[Prospect]] = {}
    for firm in pool.firms:
        for key, prospect in _pool_firm_prospects(firm, pool=pool, clf=clf,
                                                  by_industry=by_industry):
            out.setdefault(key, []).append(prospect)
    return {k: tuple(v) for k, v in out.items()}


def firm_links(firm: ListedFirm, *, pool: Pool, clf: Classifier
               ) -> list[tuple[tuple[str, str], Prospect]]:
    """The links one listed firm can be courted for (the reverse view), best fit first."""
    index = pool_prospects(pool, clf)
    out = [(key, p) for key, ps in index.items() for p in ps if p.code == firm.code]
    return sorted(out, key=lambda kp: -fit_value(kp[1]))


# --- the context the chain analysis uses ---------------------------------------------------

@dataclass(frozen=True)
class KBFirm:
    """What the KB knows of an enterprise, for candidates: place, capital, origin, ties."""

    name: str
    origin: str  # registry / kb
    full_name: str | None = None
    province: str | None = None
    city: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    registered_capital: float | None = None
    tags: tuple[str, ...] = ()
    pool_code: str | None = None  # the listed company it is, when it is one


@dataclass(frozen=True, eq=False)
class Court:
    """Everything ranking needs besides the chain analysis' own entities: the pool (or none),
    the KB's firms by name, the ties by stock code or firm key, the home, how many to show."""

    home: Home
    pool: Pool | None = None
    kb_firms: Mapping[str, KBFirm] = field(default_factory=dict)
    ties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    top: int = 5
    weights: CandidateWeights = CandidateWeights()

    def meta(self) -> dict[str, Any] | None:
        return self.pool.meta() if self.pool is not None else None

    def no_candidates(self, link_name: str) -> str:
        """Why a gap has no firm to court, in words: neither the pool nor the KB's other
        regions hold a firm on the link."""
        if self.pool is None:
            where = "知识库中其他地区也没有做此环节的企业"
        else:
            m = self.pool.meta()
            where = (f"{m['name']}（数据截至 {m['as_of']}，{m['firms']} 家）中没有做“{link_name}”的"
                     "企业（申万行业、公司名称与主营产品补注都对不上此环节），知识库中其他地区也没有")
        return f"没有可列的招商候选企业：{where}；可导入全国或省级企业名录（gxatlas enterprises import）后再查。"

    def _kb_prospect(self, name: str, text: str, score: float, chain: Chain, link_id: str,
                     clf: Classifier, default_region: str | None) -> Prospect:
        info = self.kb_firms.get(name_key(name))
        hit = _hits_by_link(clf.classify(name, text)).get((chain.id, link_id))
        base = Prospect(name=name, origin=info.origin if info else "kb",
                        full_name=(info.full_name if info else None) or "",
                        words=hit.evidence if hit else (), word_source="名称与经营范围",
                        word_fit=word_part(score),
                        province=info.province if info else None,
                        city=(info.city if info else None) or default_region,
                        longitude=info.longitude if info else None,
                        latitude=info.latitude if info else None, place_from="知识库",
                        registered_capital=info.registered_capital if info else None,
                        tags=info.tags if info else (),
                        ties=self.ties.get(firm_key(name), ()))
        if info is not None and info.pool_code and self.pool is not None:
            listed = self.pool.by_code.get(info.pool_code)
            if listed is not None:
                base = replace(base, code=listed.code, exchange=listed.exchange, listed=True,
                               industry=self.pool.industry_path(listed.sw),
                               ties=self.ties.get(listed.code, base.ties))
        return base

    def prospects(self, chain: Chain, link_id: str, *, clf: Classifier,
                  others: Sequence[tuple[Any, float]]) -> list[Prospect]:
        """The pool's firms for the link and the KB's firms outside the region on it; a
        registry record replaces the pool record of the same firm, an atlas or document
        record of a listed firm is left to the pool record (which carries the tie)."""
        kb_records: list[Prospect] = []
        replaced: set[str] = set()
        for entity, score in others:
            info = self.kb_firms.get(name_key(entity.name))
            if info is not None and info.pool_code and info.origin != "registry":
                continue
            p = self._kb_prospect(entity.name, entity.text, score, chain, link_id, clf,
                                  entity.region)
            if p.code:
                replaced.add(p.code)
            kb_records.append(p)
        pooled: list[Prospect] = []
        if self.pool is not None:
            for p in pool_prospects(self.pool, clf).get((chain.id, link_id), ()):
                if p.code in replaced:
                    continue
                ties = self.ties.get(p.code or "", ())
                pooled.append(replace(p, ties=ties) if ties else p)
        return kb_records + pooled

    def rank(self, chain: Chain, link_id: str, *, clf: Classifier,
             others: Sequence[tuple[Any, float]]) -> list[Ranked]:
        groups = self.pool.groups if self.pool is not None else ()
        home_weight = self.pool.home_weight if self.pool is not None else 1.0
        return rank_candidates(self.prospects(chain, link_id, clf=clf, others=others),
                               home=self.home, groups=groups, home_weight=home_weight,
                               top=self.top, weights=self.weights)


def court_from_db(*, db_url: str | None, region: str | None = None, park: str | None = None,
                  top: int = 5) -> Court:
    """``gxatlas.analysis.kbdata.court_from_kb`` over the KB at ``db_url``."""
    from gxatlas.analysis.kbdata import court_from_kb
    from gxatlas.kb.store import open_kb

    kb = open_kb(db_url)
    with kb.session(write=False) as s:
        return court_from_kb(s, region=region, park=park, top=top)


def court_without_kb(*, region: str | None = None, top: int = 5) -> Court:
    """A ``Court`` for a registry file analysed without the KB: the home from the bundled
    regions, the pool, no ties."""
    from gxatlas.data import load_regions
    from gxatlas.data.listed import load_pool

    regions = load_regions()
    rec = regions.find(region) if region else None
    home = Home(name=region or "本地")
    if rec is not None:
        province = rec
        while province.level not in ("province", "country") and province.parent in regions.by_code:
            province = regions.by_code[province.parent]
        home = Home(name=rec.name, province=province.name if province.level == "province"
                    else None, longitude=rec.longitude, latitude=rec.latitude)
    return Court(home=home, pool=load_pool(), top=top)
