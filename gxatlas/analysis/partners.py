"""Ranking cooperation partners for a home region (合作伙伴排序).

`rank_partners(home=..., measures=...)` scores every other region of a complexity
:class:`~gxatlas.analysis.complexity.Measures` on four components, each shown and each scaled
to 0–1 by the best candidate (so that the weights compare like with like):

- 互补性 complementarity: they are strong where the home is weak in industries the home is
  related to, and the reverse. With strength ``s = min(RCA, 2) / 2`` and the home's need
  ``n_h = (1 − M_h) · density_h`` (related but not yet present),
  ``forward = Σ n_h · s_c / Σ n_h``, ``reverse = Σ n_c · s_h / Σ n_c``; the mean of the two.
- 关联性 relatedness: how close their strong industries are to the home's structure, the mean
  home density over the industries they are present in.
- 产业链契合 chain fit: the share of the links the home's chains miss that they hold
  (``region_links`` / ``home_missing_links``, from the chain maps).
- 联系 connection: the mean of a distance score ``1 / (1 + km / 500)`` (great circle), shared
  group/corridor membership (``min(1, shared / 2)``) and existing relations (1 when any).

The score is the weighted mean of the scaled components (:class:`PartnerWeights`, defaults
0.35 / 0.25 / 0.20 / 0.20). Regions named as candidates but absent from the matrix
(``outside``: partners the documents name, with no industry data) are listed after the
ranked ones, ordered by connection, with ``data_gap`` saying so: their other components are
``None`` (never a made-up zero) and their score counts connection only (a lower bound). Each :class:`Partner` lists the industries to cooperate on (they
are strong, the home is weak but related), what the home can offer them, the chain links they
fill, and one Chinese sentence saying why.

`partners_report(home=..., table=...)` is the thin JSON-able entry point for the CLI/API.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np
import pandas as pd

from gxatlas.analysis.complexity import Measures, measures as compute_measures
from gxatlas.errors import GxatlasError

COMPONENTS = ("complementarity", "relatedness", "chain_fit", "connection")
COMPONENT_NAMES = {"complementarity": "互补性", "relatedness": "关联性", "chain_fit": "产业链契合",
                   "connection": "联系"}
RELATION_NAMES = {"sister_city": "友好城市", "twin_parks": "两国双园", "corridor_node": "通道节点",
                  "partner": "合作伙伴", "member_of": "同组成员", "cooperation": "合作",
                  "located_in": "隶属"}
GROUP_RELATIONS = ("member_of", "corridor_node")
DISTANCE_SCALE_KM = 500.0
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class PartnerWeights:
    """Weights of the four components (any non-negative numbers; they are normalized)."""

    complementarity: float = 0.35
    relatedness: float = 0.25
    chain_fit: float = 0.20
    connection: float = 0.20

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(v < 0 or math.isnan(v) for v in values) or sum(values) <= 0:
            raise GxatlasError(f"权重须为非负数且不全为零：{values}")

    def normalized(self) -> dict[str, float]:
        total = sum(getattr(self, k) for k in COMPONENTS)
        return {k: getattr(self, k) / total for k in COMPONENTS}

    @classmethod
    def parse(cls, text: str) -> PartnerWeights:
        """From ``complementarity=0.4,connection=0.1`` (Chinese names accepted too)."""
        by_name = {**{k: k for k in COMPONENTS}, **{v: k for k, v in COMPONENT_NAMES.items()}}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
            name, sep, number = part.partition("=")
            key = by_name.get(name.strip())
            if not sep or key is None:
                raise GxatlasError(f"无法识别的权重：{part}（可用：{'、'.join(by_name)}）")
            try:
                values[key] = float(number)
            except ValueError as err:
                raise GxatlasError(f"权重不是数字：{part}") from err
        return cls(**values)


@dataclass(frozen=True)
class Place:
    """Where a region is and which groups/corridors it belongs to."""

    name: str
    longitude: float | None = None
    latitude: float | None = None
    groups: frozenset[str] = frozenset()


class RelationLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...


@dataclass(frozen=True)
class Relation:
    type: str
    a: str
    b: str


@dataclass(frozen=True)
class Partner:
    region: str
    score: float
    components: Mapping[str, float]
    industries: tuple[str, ...]
    home_offers: tuple[str, ...]
    links: tuple[str, ...]
    distance_km: float | None
    shared_groups: tuple[str, ...]
    relations: tuple[str, ...]
    reason: str
    raw: Mapping[str, float | None] = field(default_factory=dict)
    data_gap: str | None = None  # why some components could not be computed

    def to_dict(self) -> dict[str, object]:
        return {
            "region": self.region, "score": round(self.score, 4),
            "components": {k: None if v is None else round(v, 4)
                           for k, v in self.components.items()},
            "raw": {k: None if v is None else round(v, 4) for k, v in self.raw.items()},
            "data_gap": self.data_gap,
            "industries": list(self.industries), "home_offers": list(self.home_offers),
            "links": list(self.links),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "shared_groups": list(self.shared_groups), "relations": list(self.relations),
            "reason": self.reason,
        }


def great_circle_km(*, lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max() if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _top(names: list[str], scores: np.ndarray, *, n: int) -> tuple[str, ...]:
    order = np.argsort(-scores, kind="stable")
    return tuple(names[i] for i in order[:n] if scores[i] > 0)


def _connection(*, home: Place | None, other: Place | None, relations: list[str]
                ) -> tuple[float, float | None, tuple[str, ...]]:
    distance = None
    dist_score = 0.0
    if home and other and None not in (home.longitude, home.latitude, other.longitude,
                                       other.latitude):
        distance = great_circle_km(lon1=home.longitude, lat1=home.latitude,  # type: ignore[arg-type]
                                   lon2=other.longitude, lat2=other.latitude)  # type: ignore[arg-type]
        dist_score = 1.0 / (1.0 + distance / DISTANCE_SCALE_KM)
    shared = tuple(sorted(home.groups & other.groups)) if home and other else ()
    group_score = min(1.0, len(shared) / 2)
    relation_score = 1.0 if relations else 0.0
    return (dist_score + group_score + relation_score) / 3, distance, shared


def _reason(*, home: str, partner: str, industries: tuple[str, ...], offers: tuple[str, ...],
            links: tuple[str, ...], distance: float | None, shared: tuple[str, ...],
            relations: tuple[str, ...], data_gap: bool = False) -> str:
    parts: list[str] = []
    if data_gap:
        parts.append(f"{partner}是文件中点名的合作对象，但地区—产业矩阵中没有它的产业数据，"
                     "产业互补无法测算，排序只看两地联系")
    elif industries:
        parts.append(f"{partner}在{'、'.join(industries)}上具有比较优势，"
                     f"正是{home}关联度高而尚未形成优势的产业")
    else:
        parts.append(f"{partner}的产业结构与{home}关联")
    if offers:
        parts.append(f"{home}可在{'、'.join(offers)}上与之互补")
    if links:
        more = f"等 {len(links)} 个" if len(links) > 3 else ""
        parts.append(f"并可补齐{home}产业链缺失的{'、'.join(links[:3])}{more}环节")
    ties: list[str] = []
    if shared:
        ties.append(f"同属{'、'.join(shared)}")
    if relations:
        ties.append(f"已有{'、'.join(relations)}关系")
    if distance is not None:
        ties.append(f"相距约 {distance:.0f} 公里")
    if ties:
        parts.append("两地" + "，".join(ties))
    return "，".join(parts) + "。"


def rank_partners(
    *,
    home: str,
    measures: Measures,
    home_missing_links: Iterable[str] = (),
    region_links: Mapping[str, Iterable[str]] | None = None,
    regions: Mapping[str, Place] | None = None,
    relations: Iterable[RelationLike] = (),
    weights: PartnerWeights = PartnerWeights(),
    top: int = 20,
    candidates: Iterable[str] | None = None,
    cooperate_on: int = 3,
    outside: Iterable[str] = (),
) -> list[Partner]:
    """Candidate partners of ``home``, best first (see the module docstring).

    ``regions`` maps region names (as in ``measures``) to places; ``relations`` are existing
    pairs with a type (``sister_city``, ``twin_parks``…; ``member_of``/``corridor_node`` add
    to a region's groups); ``candidates`` limits who is ranked; ``outside`` adds regions that
    are not in the matrix (scored on connection only).
    """
    names = list(measures.regions["region"])
    if home not in names:
        raise GxatlasError(f"本地区不在地区—产业矩阵中：{home}")
    industries = list(measures.industries["industry"])
    rca = measures.wide("rca").to_numpy()
    present = measures.wide("presence").to_numpy().astype(float)
    density = measures.wide("density").to_numpy()
    strength = np.clip(rca, 0, 2) / 2
    need = (1 - present) * density
    h = names.index(home)
    pool = [i for i, n in enumerate(names) if i != h]
    if candidates is not None:
        wanted = set(candidates)
        pool = [i for i in pool if names[i] in wanted]
    extra = [n for n in dict.fromkeys(outside) if n not in names and n != home]
    if not pool and not extra:
        return []
    idx = np.array(pool, dtype=int)

    need_h = need[h]
    if pool:
        forward = ((strength[idx] @ need_h) / need_h.sum() if need_h.sum() > 0
                   else np.zeros(len(idx)))
        need_c = need[idx]
        need_c_sum = need_c.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            reverse = np.where(need_c_sum > 0, (need_c @ strength[h]) / need_c_sum, 0.0)
            diversity = present[idx].sum(axis=1)
            related = np.where(diversity > 0, (present[idx] @ density[h]) / diversity, 0.0)
        complementarity = (forward + reverse) / 2
    else:
        complementarity = related = np.zeros(0)

    missing = set(home_missing_links)
    links_of = {k: set(v) for k, v in (region_links or {}).items()}
    held = [tuple(sorted(links_of.get(names[i], set()) & missing)) for i in pool]
    chain_fit = np.array([len(x) / len(missing) if missing else 0.0 for x in held])

    places = dict(regions or {})
    groups: dict[str, set[str]] = {}
    pair_relations: dict[str, list[str]] = {}
    for rel in relations:
        if rel.type in GROUP_RELATIONS:
            groups.setdefault(rel.a, set()).add(rel.b)
            continue
        if home in (rel.a, rel.b):
            other = rel.b if rel.a == home else rel.a
            label = RELATION_NAMES.get(rel.type, rel.type)
            pair_relations.setdefault(other, [])
            if label not in pair_relations[other]:
                pair_relations[other].append(label)

    # a tie of the home with a group (南宁—东盟: 中国—东盟博览会) is a tie with its members
    members_of: dict[str, list[str]] = {}
    for member, of in groups.items():
        for g in of:
            members_of.setdefault(g, []).append(member)
    for g, labels in list(pair_relations.items()):
        for member in members_of.get(g, []):
            for label in labels:
                via = f"{label}（经{g}）"
                if member != home and via not in pair_relations.setdefault(member, []):
                    pair_relations[member].append(via)

    def place(name: str) -> Place:
        base = places.get(name, Place(name=name))
        extra_groups = groups.get(name, set())
        return Place(name=name, longitude=base.longitude, latitude=base.latitude,
                     groups=frozenset(base.groups | extra_groups))

    home_place = place(home)
    everyone = [names[i] for i in pool] + extra
    conn = [_connection(home=home_place, other=place(n), relations=pair_relations.get(n, []))
            for n in everyone]
    connection = np.array([c[0] for c in conn])
    scaled_conn = _scaled(connection)

    raw = {"complementarity": complementarity, "relatedness": related, "chain_fit": chain_fit,
           "connection": connection[:len(pool)]}
    scaled = {k: _scaled(np.asarray(v, dtype=float)) for k, v in raw.items()}
    scaled["connection"] = scaled_conn[:len(pool)]
    w = weights.normalized()
    score = sum(w[k] * scaled[k] for k in COMPONENTS) if pool else np.zeros(0)

    partners: list[Partner] = []
    for j, i in enumerate(pool):
        name = names[i]
        coop = _top(industries, need_h * strength[i] * present[i], n=cooperate_on)
        offers = _top(industries, need[i] * strength[h] * present[h], n=cooperate_on)
        distance, shared = conn[j][1], conn[j][2]
        rels = tuple(pair_relations.get(name, []))
        partners.append(Partner(
            region=name, score=float(score[j]),
            components={k: float(scaled[k][j]) for k in COMPONENTS},
            raw={k: float(raw[k][j]) for k in COMPONENTS},
            industries=coop, home_offers=offers, links=held[j], distance_km=distance,
            shared_groups=shared, relations=rels,
            reason=_reason(home=home, partner=name, industries=coop, offers=offers,
                           links=held[j], distance=distance, shared=shared, relations=rels)))
    partners.sort(key=lambda p: -p.score)
    named: list[Partner] = []
    gap = ("矩阵中没有该地区的产业数据：互补性、关联性、产业链契合无法计算，"
           "得分只计联系一项（下限）")
    for j, name in enumerate(extra, start=len(pool)):
        distance, shared = conn[j][1], conn[j][2]
        rels = tuple(pair_relations.get(name, []))
        named.append(Partner(
            region=name, score=float(w["connection"] * scaled_conn[j]),
            components={k: (float(scaled_conn[j]) if k == "connection" else None)
                        for k in COMPONENTS},
            raw={k: (float(connection[j]) if k == "connection" else None) for k in COMPONENTS},
            industries=(), home_offers=(), links=(), distance_km=distance, shared_groups=shared,
            relations=rels, data_gap=gap,
            reason=_reason(home=home, partner=name, industries=(), offers=(), links=(),
                           distance=distance, shared=shared, relations=rels,
                           data_gap=True)))
    named.sort(key=lambda p: -p.score)
    return partners[:max(0, top)] + named[:max(0, top)]


def places_from_data() -> dict[str, Place]:
    """Places of the bundled regions (full names → coordinates)."""
    from gxatlas.data import load_regions

    return {r.name: Place(name=r.name, longitude=r.longitude, latitude=r.latitude)
            for r in load_regions().records}


def _resolve_name(name: str) -> str:
    from gxatlas.data import load_regions

    rec = load_regions().find(name)
    return rec.name if rec else name


def partners_report(
    *,
    home: str,
    table: pd.DataFrame,
    regions: Mapping[str, Place] | None = None,
    relations: Iterable[RelationLike] = (),
    region_links: Mapping[str, Iterable[str]] | None = None,
    home_missing_links: Iterable[str] = (),
    weights: PartnerWeights = PartnerWeights(),
    top: int = 20,
    year: object | None = None,
    resolve: bool = True,
    candidates: Iterable[str] | None = None,
    outside: Iterable[str] = (),
) -> dict[str, object]:
    """JSON-able partner ranking of ``home`` from a long region × industry table
    (``candidates``: only these regions are ranked; all others by default).

    With ``resolve`` (default), names of the home, relations and links are resolved through
    the bundled regions (南宁 → 南宁市), and ``regions`` defaults to the bundled places.
    """
    norm = _resolve_name if resolve else (lambda n: n)
    result = compute_measures(table, year=year)
    home_name = norm(home)
    rels = [Relation(type=r.type, a=norm(r.a), b=norm(r.b)) for r in relations]
    links = {norm(k): v for k, v in (region_links or {}).items()}
    places = dict(regions) if regions is not None else (places_from_data() if resolve else {})
    ranked = rank_partners(home=home_name, measures=result, home_missing_links=home_missing_links,
                           region_links=links, regions=places, relations=rels,
                           weights=weights, top=top,
                           candidates=None if candidates is None else [norm(c) for c in candidates],
                           outside=[norm(c) for c in outside])
    return {
        "home": home_name,
        "year": result.year,
        "weights": weights.normalized(),
        "components": dict(COMPONENT_NAMES),
        "notes": list(result.notes),
        "partners": [p.to_dict() for p in ranked if p.data_gap is None],
        # partners the documents name that the matrix knows nothing about (by connection)
        "named_partners": [p.to_dict() for p in ranked if p.data_gap is not None],
    }
