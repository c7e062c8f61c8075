"""Entity resolution: one park, enterprise, project, policy or indicator stored once, whatever
spelling the sources use.

Each name an entity is known by is an ``Alias`` row with two keys:
- ``key``: `gxatlas.names.name_key` (NFKC, simplified, no spaces, one dash, `一`→`—`), exact;
- ``loose``: ``loose_key`` below, which also forgets wording that sources drop or add freely
  (`经济技术开发区`/`经济开发区`, `工业园区`/`工业园`, brackets, a leading `广西`, company-form
  suffixes). A loose match is used only when it names exactly one entity.

An indicator is one thing per scope (a region), normalised name and unit family: its ``loose``
key is ``indicator_key`` (the scope's name dropped from its front, the spellings statistical
writing varies freely unified: `规上` = `规模以上`, `年均增长` = `年均增速`, `的` dropped ...).
``find_indicator`` resolves a statement by that key, else by a stated value that agrees with
a known indicator of a close name (same scope, unit family and year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import ENTITY_MODELS, Alias, Base, Indicator, Region
from gxatlas.names import canonical_name, name_key
from gxatlas.units import in_base, same_family, unit_family

_LOOSE_SUBS: dict[str, tuple[tuple[str, str], ...]] = {
    "park": (("经济技术开发区", "经开区"), ("经济开发区", "经开区"), ("高新技术产业开发区", "高新区"),
             ("高新技术开发区", "高新区"), ("高新技术产业园区", "高新区"), ("工业园区", "工业园"),
             ("产业园区", "产业园"), ("园区", "园")),
    "enterprise": (("股份有限公司", ""), ("有限责任公司", ""), ("有限公司", ""),
                   ("集团公司", ""), ("(集团)", ""), ("集团", ""), ("公司", "")),
    "project": (("项目", ""), ("工程", "")),
}
_BRACKETS = re.compile(r"[（）()〔〕\[\]【】]")
_PREFIX = re.compile(r"^(广西壮族自治区|广西)")


def loose_key(entity_type: str, name: str, *, key: str | None = None) -> str:
    """The forgiving comparison key of a name for ``entity_type`` (see module doc); ``key``:
    its ``name_key`` when the caller has it."""
    if entity_type == "indicator":
        return indicator_key(name)
    k = key if key is not None else name_key(name)
    k = _BRACKETS.sub("", k)
    for old, new in _LOOSE_SUBS.get(entity_type, ()):
        k = k.replace(old, new)
    if entity_type in ("park", "enterprise"):
        k = _PREFIX.sub("", k) or k
    return k.replace("—", "")


class _AliasCache:
    """All aliases in memory, for bulk work (loading the atlas) in one session."""

    def __init__(self, session: Session) -> None:
        self.exact: dict[tuple[str, str], int] = {}
        self.loose: dict[tuple[str, str], set[int]] = {}
        for etype, eid, key, loose in session.execute(
                select(Alias.entity_type, Alias.entity_id, Alias.key, Alias.loose)):
            self.add(etype, eid, key, loose)

    def add(self, etype: str, eid: int, key: str, loose: str) -> None:
        self.exact.setdefault((etype, key), eid)
        self.loose.setdefault((etype, loose), set()).add(eid)


def cache_aliases(session: Session) -> None:
    """Keep this session's alias look-ups in memory from now on (for bulk loads)."""
    session.info["aliases"] = _AliasCache(session)


def _cache(session: Session) -> _AliasCache | None:
    return session.info.get("aliases")


def find(session: Session, entity_type: str, name: str) -> Base | None:
    """The entity of ``entity_type`` known by ``name`` (exact key, else a unique loose match)."""
    model = ENTITY_MODELS[entity_type]
    key = name_key(name)
    if not key:
        return None
    cache = _cache(session)
    if cache is not None:
        hit = cache.exact.get((entity_type, key))
        if hit is None:
            ids = cache.loose.get((entity_type, loose_key(entity_type, name)), set())
            hit = next(iter(ids)) if len(ids) == 1 else None
        return session.get(model, hit) if hit is not None else None
    hit = session.scalars(select(Alias.entity_id).where(
        Alias.entity_type == entity_type, Alias.key == key)).first()
    if hit is None:
        ids = set(session.scalars(select(Alias.entity_id).where(
            Alias.entity_type == entity_type, Alias.loose == loose_key(entity_type, name))))
        if len(ids) != 1:
            return None
        hit = ids.pop()
    return session.get(model, hit)


def add_alias(session: Session, entity_type: str, entity_id: int, name: str, *,
              loose: str | None = None) -> bool:
    """Record that entity ``entity_id`` is also called ``name`` (no-op when the name is known);
    ``loose`` overrides the loose key (indicators: see ``add_indicator_alias``). Returns True
    when a name was added."""
    key = name_key(name)
    if not key:
        return False
    cache = _cache(session)
    if cache is not None:
        if (entity_type, key) in cache.exact:
            return False
    elif session.scalars(select(Alias.id).where(Alias.entity_type == entity_type,
                                                Alias.key == key)).first() is not None:
        return False
    loose = loose or loose_key(entity_type, name)
    session.add(Alias(entity_type=entity_type, entity_id=entity_id, alias=canonical_name(name),
                      key=key, loose=loose))
    if cache is not None:
        cache.add(entity_type, entity_id, key, loose)
    else:
        session.flush()
    return True


def drop_alias_cache(session: Session) -> None:
    session.info.pop("aliases", None)


def region_ids(session: Session, region_id: int) -> set[int]:
    """The region and every region below it (a city with its districts and counties)."""
    children: dict[int, list[int]] = {}
    for rid, parent in session.execute(select(Region.id, Region.parent_id)):
        if parent is not None:
            children.setdefault(parent, []).append(rid)
    out, todo = set(), [region_id]
    while todo:
        rid = todo.pop()
        if rid not in out:
            out.add(rid)
            todo.extend(children.get(rid, ()))
    return out


def covering_region_ids(session: Session, region_id: int) -> set[int]:
    """``region_ids`` of the region plus every region that contains it: its parents up to the
    country and the groups it is a member of (北部湾经济区 for 南宁), so that a plan written
    for a province or a group counts for the cities it covers."""
    from gxatlas.kb.models import Region, Relation

    out = region_ids(session, region_id)
    reg = session.get(Region, region_id)
    chain = []
    while reg is not None:
        chain.append(reg.id)
        reg = session.get(Region, reg.parent_id) if reg.parent_id else None
    groups = session.scalars(select(Relation.b_id).where(
        Relation.type == "member_of", Relation.a_type == "region", Relation.b_type == "region",
        Relation.a_id.in_(chain)))
    return out | set(chain) | set(groups)


def region_ids_named(session: Session, name: str) -> set[int]:
    """``region_ids`` of the region called ``name``; an unknown name is a one-line error."""
    from gxatlas.errors import GxatlasError

    reg = find(session, "region", name)
    if reg is None:
        raise GxatlasError(f"未知地区“{name}” (unknown region)")
    return region_ids(session, reg.id)


def aliases_of(session: Session, entity_type: str, entity_id: int) -> list[str]:
    return list(session.scalars(select(Alias.alias).where(
        Alias.entity_type == entity_type, Alias.entity_id == entity_id).order_by(Alias.id)))


def get_or_create(session: Session, entity_type: str, name: str, *,
                  aliases: tuple[str, ...] = (), **values: object) -> tuple[Base, bool]:
    """Resolve ``name`` (or any of ``aliases``) to a stored entity, creating it when unknown.

    On creation the entity gets ``values``; an existing entity gets only the values it lacks
    (a later source never silently overwrites an earlier one: conflicting statements stay
    visible as separate Evidence rows). All names are recorded as aliases.
    """
    model = ENTITY_MODELS[entity_type]
    ent = None
    for n in (name, *aliases):
        ent = find(session, entity_type, n)
        if ent is not None:
            break
    created = ent is None
    if created:
        ent = model(name=canonical_name(name), key=name_key(name), **values)
        session.add(ent)
        session.flush()
    else:
        for k, v in values.items():
            if v is not None and getattr(ent, k, None) in (None, [], ""):
                setattr(ent, k, v)
    for n in (name, *aliases):
        add_alias(session, entity_type, ent.id, n)
    return ent, created


def distinct_key(key: str, credit_code: str | None, *, taken: bool) -> str:
    """The ``key`` of a new enterprise: its name key, or, when a firm with another credit
    code already holds that name (``taken``), the name key qualified by its own code (a
    credit code names one firm; two registered firms may share a name)."""
    return f"{key}#{credit_code}" if taken and credit_code else key


# --- indicators ------------------------------------------------------------------------------

# Spellings statistical writing uses freely for one and the same indicator (applied in order).
_IND_SUBS = (("规上", "规模以上"), ("主营业收入", "主营业务收入"), ("年均增长率", "年均增速"),
             ("年均增长", "年均增速"), ("平均增长率", "平均增速"), ("GDP", "地区生产总值"),
             ("总额", "额"))
_IND_RATE_TAIL = re.compile(r"(?:增长率|增长)$")
_IND_COUNT_TAIL = re.compile(r"(?:总数|数量|个数|数)$")
_IND_BRACKETED = re.compile(r"（[^（）]*）")
#: Bigram Dice / containment share above which two indicator names are close (for a match by
#: an agreeing value; the same test as the exchange format's scorer uses for paraphrases).
NAME_CLOSE = 0.5
#: ... and above which they are the same indicator written two ways even when values differ.
NAME_SAME = 0.8


def indicator_key(name: str, *, scope_names: Iterable[str] = (), unit: str | None = None) -> str:
    """The comparison key of an indicator name (see module doc): ``scope_names`` are dropped
    from its front, and for counts a trailing `数`/`数量` (`企业数` = `企业`)."""
    k = name_key(name)
    k = _IND_BRACKETED.sub("", k) or k
    for p in sorted({name_key(n) for n in scope_names if n}, key=len, reverse=True):
        if k.startswith(p) and len(k) >= len(p) + 2:
            k = k[len(p):]
            break
    k = k.replace("的", "")
    for old, new in _IND_SUBS:
        k = k.replace(old, new)
    k = _IND_RATE_TAIL.sub("增速", k)
    if unit_family(unit) == "count":
        k = _IND_COUNT_TAIL.sub("", k) if len(k) > 3 else k
    return k


def scope_names(session: Session, region_id: int | None) -> list[str]:
    """Every name of a region (name, short name, aliases): what an indicator name may start
    with when the indicator is about that region."""
    if region_id is None:
        return []
    reg = session.get(Region, region_id)
    return region_names_of(reg, aliases_of(session, "region", region_id)) if reg else []


def region_names_of(reg: Region, aliases: Iterable[str]) -> list[str]:
    """``scope_names`` of a region read already, given its aliases (in alias order)."""
    return [reg.name, reg.short_name, *aliases]


def add_indicator_alias(session: Session, ind: Indicator, name: str) -> bool:
    """Record a name of an indicator with its scope-aware loose key."""
    return add_alias(session, "indicator", ind.id, name,
              loose=indicator_key(name, scope_names=scope_names(session, ind.scope_id),
                                  unit=ind.unit))


def refresh_indicator_keys(session: Session) -> int:
    """Recompute the loose keys of indicator names (after ``indicator_key`` changed, or for a
    KB made before it existed). Returns how many changed."""
    changed = 0
    inds = {i.id: i for i in session.scalars(select(Indicator))}
    names: dict[int | None, list[str]] = {}
    for a in session.scalars(select(Alias).where(Alias.entity_type == "indicator")):
        ind = inds.get(a.entity_id)
        if ind is None:
            continue
        if ind.scope_id not in names:
            names[ind.scope_id] = scope_names(session, ind.scope_id)
        loose = indicator_key(a.alias, scope_names=names[ind.scope_id], unit=ind.unit)
        if a.loose != loose:
            a.loose = loose
            changed += 1
    session.flush()
    return changed


@dataclass(frozen=True)
class IndicatorScope:
    """Where an indicator statement belongs: a region and, when the statement is about a
    park, firm, project or zone within it, that subject (written before the name, as the
    atlas does: `柳工` + `海外收入占比`)."""

    region_id: int | None
    subject: str | None = None

    def full_name(self, name: str) -> str:
        name = canonical_name(name)
        if self.subject and not name.startswith(self.subject):
            return self.subject + name
        return name


def indicator_scope(session: Session, scope: str | None, *,
                    lookup: Callable[[str, str], Any] | None = None) -> IndicatorScope:
    """The region (and subject) an extracted ``scope`` names: a region; else a park, firm or
    project placed in a city; else a name that starts with a region (`南宁东部新城`).
    ``lookup(entity_type, name)``: how names are found (default: ``find`` in ``session``)."""
    if lookup is None:
        def lookup(entity_type: str, name: str) -> Any:
            return find(session, entity_type, name)
    if not scope:
        return IndicatorScope(None)
    reg = lookup("region", scope)
    if reg is not None:
        return IndicatorScope(reg.id)
    subject = canonical_name(scope)
    for etype in ("park", "enterprise", "project"):
        ent = lookup(etype, scope)
        if ent is not None and getattr(ent, "region_id", None):
            return IndicatorScope(ent.region_id, subject)
    for n in range(len(subject) - 1, 1, -1):
        reg = lookup("region", subject[:n])
        if reg is not None:
            return IndicatorScope(reg.id, subject)
    return IndicatorScope(None, subject)


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def names_close(a: str, b: str) -> float:
    """How close two indicator keys are (0-1): containment share, else bigram Dice."""
    if not a or not b:
        return 0.0
    short, long_ = sorted((a, b), key=len)
    if short in long_:
        return len(short) / len(long_)
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def _contained(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 2 and short in long_


def _agrees(ind: Indicator, values: Mapping[str, Any], *, any_year: bool = False) -> bool:
    """A baseline or target of ``values`` equals the indicator's (within 0.5% after unit
    conversion), for the same year or where either side states no year (a statement with no
    year at all is compared with both the indicator's baseline and target). ``any_year``:
    years ignored."""
    unit = values.get("unit")
    undated = values.get("baseline_year") is None and values.get("target_year") is None
    for fld in ("baseline", "target"):
        v = values.get(f"{fld}_value")
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        mine_fields = ("baseline", "target") if undated or any_year else (fld,)
        for mf in mine_fields:
            mine = getattr(ind, f"{mf}_value")
            if mine is None:
                continue
            mine_year = getattr(ind, f"{mf}_year")
            if not any_year and None not in (values.get(f"{fld}_year"), mine_year) \
                    and values.get(f"{fld}_year") != mine_year:
                continue
            a, b = in_base(float(v), unit), in_base(float(mine), ind.unit)
            if abs(a - b) <= 1e-9 + 0.005 * abs(b):
                return True
    return False


def _same_period(ind: Indicator, values: Mapping[str, Any]) -> bool:
    """The statement names no year, or a baseline or target year the indicator has too."""
    years = [values.get("baseline_year"), values.get("target_year")]
    if not any(years):
        return True
    return (years[0] is not None and years[0] == ind.baseline_year) or \
        (years[1] is not None and years[1] == ind.target_year)


def _same_source(session: Session, keys: set[str], values: Mapping[str, Any],
                 document_id: int) -> Indicator | None:
    """A known indicator another source cites to ``document_id``, in the same unit family,
    with a nearly identical name and a value that agrees (any scope, any year)."""
    from gxatlas.kb.models import Evidence

    ids = select(Evidence.entity_id).where(Evidence.entity_type == "indicator",
                                           Evidence.document_id == document_id,
                                           Evidence.origin != "extracted")
    inds = list(session.scalars(select(Indicator).where(Indicator.id.in_(ids))))
    return same_source_pick(keys, values, inds, _own_keys(session, inds))


def _own_keys(session: Session, inds: Iterable[Indicator]) -> dict[int, set[str]]:
    """Each indicator's comparison keys: its ``key`` and the loose keys of its names."""
    own: dict[int, set[str]] = {i.id: {i.key} for i in inds}
    for chunk in _id_chunks(list(own)):
        for eid, loose in session.execute(select(Alias.entity_id, Alias.loose).where(
                Alias.entity_type == "indicator", Alias.entity_id.in_(chunk))):
            own[eid].add(loose)
    return own


def _id_chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def same_source_pick(keys: set[str], values: Mapping[str, Any], inds: Iterable[Indicator],
                     own: Mapping[int, set[str]]) -> Indicator | None:
    """``_same_source``'s choice among the indicators cited to the document (``own``: their
    comparison keys, see ``_own_keys``)."""
    scored = []
    for ind in inds:
        if unit_family(ind.unit) != unit_family(values.get("unit")):
            continue
        score = max(names_close(k, o) for k in keys for o in own[ind.id])
        if score >= NAME_SAME and _agrees(ind, values, any_year=True):
            scored.append((score, ind))
    return _best(scored)


def _best(scored: list[tuple[float, Indicator]]) -> Indicator | None:
    """The single best-scored indicator (None when two tie for the best)."""
    scored = sorted(scored, key=lambda c: (-c[0], c[1].id))
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


@dataclass(frozen=True)
class IndicatorMatch:
    """The known indicator a statement resolves to (None: nothing known), how (``name`` or
    ``value``) and the close ones a reviewer may want to merge it into instead."""

    indicator: Indicator | None
    how: str | None
    candidates: tuple[int, ...] = ()


def _scoped(stmt: Any, scope_id: int | None) -> Any:
    return stmt.where(Indicator.scope_id == scope_id if scope_id is not None
                      else Indicator.scope_id.is_(None))


def statement_keys(name: str, aliases: Iterable[str], scope: IndicatorScope,
                   snames: Iterable[str], unit: str | None) -> set[str]:
    """The comparison keys of an indicator statement's names (``snames``: the scope's
    names, ``scope_names``)."""
    snames = list(snames)
    return {indicator_key(scope.full_name(n), scope_names=snames, unit=unit)
            for n in (name, *aliases) if n}


def find_indicator(session: Session, *, name: str, scope: IndicatorScope,
                   values: Mapping[str, Any], aliases: Iterable[str] = (),
                   document_id: int | None = None) -> IndicatorMatch:
    """Resolve an indicator statement (see module doc). With ``document_id``, a known
    indicator that another source (the atlas) cites to the same document, with a nearly
    identical name and the same value, is the statement whatever scope was read for it."""
    keys = statement_keys(name, aliases, scope, scope_names(session, scope.region_id),
                          values.get("unit"))
    ids = set(session.scalars(select(Alias.entity_id).where(
        Alias.entity_type == "indicator", Alias.loose.in_(keys))))
    named = list(session.scalars(_scoped(select(Indicator).where(
        Indicator.id.in_(ids)), scope.region_id).order_by(Indicator.id))) if ids else []

    def in_scope() -> tuple[list[Indicator], dict[int, set[str]]]:
        same = list(session.scalars(_scoped(select(Indicator), scope.region_id)))
        return same, _own_keys(session, same)

    def cited() -> Indicator | None:
        return _same_source(session, keys, values, document_id) \
            if document_id is not None else None
    return pick_indicator(keys, values, named=named, in_scope=in_scope, same_source=cited)


def pick_indicator(keys: set[str], values: Mapping[str, Any], *, named: list[Indicator],
                   in_scope: Callable[[], tuple[list[Indicator], dict[int, set[str]]]],
                   same_source: Callable[[], Indicator | None]) -> IndicatorMatch:
    """``find_indicator``'s rules over what was read: ``named``, the indicators of the scope
    that have a name with one of ``keys`` (by id); ``in_scope()``, every indicator of the
    scope with its comparison keys; ``same_source()``, the indicator the document's other
    source states (``_same_source``)."""
    unit = values.get("unit")
    known = [i for i in named if same_family(i.unit, unit)]
    if known:
        known.sort(key=lambda i: (i.target_year != values.get("target_year"),
                                  i.baseline_year != values.get("baseline_year"), i.id))
        return IndicatorMatch(known[0], "name")
    # no name matches: a known indicator of a close name stating the same value, else of a
    # nearly identical name for the same period (a paraphrase whose value disagrees: kept side
    # by side, and `gxatlas audit` reports the disagreement)
    inds, own = in_scope()
    same = [i for i in inds if unit_family(i.unit) == unit_family(unit)]
    by_value, by_name, close = [], [], []
    for ind in same:
        pairs = [(k, o) for k in keys for o in own[ind.id]]
        score = max(names_close(k, o) for k, o in pairs)
        if _agrees(ind, values) and (score >= NAME_CLOSE or any(_contained(k, o)
                                                                for k, o in pairs)):
            by_value.append((score, ind))
        elif score >= NAME_SAME and _same_period(ind, values):
            by_name.append((score, ind))
        if score >= NAME_CLOSE:
            close.append((score, ind))
    hit = _best(by_value)
    if hit is not None:
        return IndicatorMatch(hit, "value")
    hit = _best(by_name)
    if hit is not None:
        return IndicatorMatch(hit, "similar_name")
    hit = same_source()
    if hit is not None:
        return IndicatorMatch(hit, "same_source")
    close.sort(key=lambda c: (-c[0], c[1].id))
    return IndicatorMatch(None, None, tuple(ind.id for _, ind in close[:5]))
