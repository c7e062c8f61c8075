"""Entity resolution: one park, enterprise, project or policy stored once, whatever spelling
the sources use.

Each name an entity is known by is an ``Alias`` row with two keys:
- ``key``: `gxatlas.names.name_key` (NFKC, simplified, no spaces, one dash, `一`→`—`), exact;
- ``loose``: ``loose_key`` below, which also forgets wording that sources drop or add freely
  (`经济技术开发区`/`经济开发区`, `工业园区`/`工业园`, brackets, a leading `广西`, company-form
  suffixes). A loose match is used only when it names exactly one entity.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import ENTITY_MODELS, Alias, Base
from gxatlas.names import canonical_name, name_key

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


def loose_key(entity_type: str, name: str) -> str:
    """The forgiving comparison key of a name for ``entity_type`` (see module doc)."""
    k = name_key(name)
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


def add_alias(session: Session, entity_type: str, entity_id: int, name: str) -> None:
    """Record that entity ``entity_id`` is also called ``name`` (no-op when known)."""
    key = name_key(name)
    if not key:
        return
    cache = _cache(session)
    if cache is not None:
        if (entity_type, key) in cache.exact:
            return
    elif session.scalars(select(Alias.id).where(Alias.entity_type == entity_type,
                                                Alias.key == key)).first() is not None:
        return
    loose = loose_key(entity_type, name)
    session.add(Alias(entity_type=entity_type, entity_id=entity_id, alias=canonical_name(name),
                      key=key, loose=loose))
    if cache is not None:
        cache.add(entity_type, entity_id, key, loose)
    else:
        session.flush()


def drop_alias_cache(session: Session) -> None:
    session.info.pop("aliases", None)


def region_ids(session: Session, region_id: int) -> set[int]:
    """The region and every region below it (a city with its districts and counties)."""
    from gxatlas.kb.models import Region

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
