"""What the analyses read from the knowledge base, as plain tables and records.

The analysis modules compute on DataFrames and dataclasses; this module is where they meet
the KB: the region × industry matrix for the complexity and partner measures, the relations
between regions, and storing a user's region × industry table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gxatlas.kb.models import (Enterprise, Industry, Park, Project, Region, RegionIndustryValue,
                               Relation)
from gxatlas.kb.query import industry_names
from gxatlas.kb.resolve import find

if TYPE_CHECKING:
    from gxatlas.analysis.chains import Entity
    from gxatlas.analysis.candidates import Court
    from gxatlas.data.listed import Pool

# Weights of KB statements when no user table gives values (documented in README):
# a city's stated focus industry (by the level it is stated at), a park's focus industry
# (counted for its city), an enterprise (a 龙头 counts double) and a project.
FOCUS_WEIGHT = {"千亿级": 3.0, "五百亿级": 2.0, None: 1.0}
PARK_WEIGHT = 1.0
ENTERPRISE_WEIGHT = 1.0
LEADER_WEIGHT = 2.0
PROJECT_WEIGHT = 1.0


@dataclass(frozen=True)
class RegionRelation:
    type: str
    a: str
    b: str


def _city_name(session: Session, region_id: int | None) -> str | None:
    """The city a region counts for in the matrix: a county counts for its prefecture;
    groups (北部湾经济区) and countries are aggregates, not places, and count for none."""
    r = session.get(Region, region_id) if region_id else None
    if r is None or r.level in ("group", "country"):
        return None
    if r.level == "county" and r.parent_id:
        r = session.get(Region, r.parent_id)
    return r.name


def stored_table(session: Session) -> pd.DataFrame:
    """The user's region × industry values (latest year per pair), as region/industry/value."""
    rows = session.execute(select(Region.name, RegionIndustryValue.industry,
                                  RegionIndustryValue.year, RegionIndustryValue.value)
                           .join(Region, Region.id == RegionIndustryValue.region_id)).all()
    frame = pd.DataFrame(rows, columns=["region", "industry", "year", "value"])
    if frame.empty:
        return frame[["region", "industry", "value"]]
    frame = frame.sort_values("year", na_position="first").groupby(
        ["region", "industry"], as_index=False).last()
    return frame[["region", "industry", "value"]]


def derived_basis(session: Session) -> dict[tuple[str, str], list[str]]:
    """What each cell of the derived matrix rests on: ``(region, industry) -> ["企业 X", ...]``
    (the statements of the KB counted, see the weights above)."""
    basis: dict[tuple[str, str], list[str]] = {}

    def add(region: str | None, industry_id: int, what: str) -> None:
        ind = session.get(Industry, industry_id)
        if region and ind is not None:
            basis.setdefault((region, ind.name), []).append(what)

    for rel in session.scalars(select(Relation).where(Relation.b_type == "industry")):
        if rel.a_type == "region":
            region = session.get(Region, rel.a_id)
            add(_city_name(session, rel.a_id), rel.b_id,
                f"{region.name if region else ''}主导产业" + (f"（{rel.level}）" if rel.level
                                                            else ""))
        elif rel.a_type == "park":
            park = session.get(Park, rel.a_id)
            if park is not None:
                add(_city_name(session, park.region_id), rel.b_id, f"园区 {park.name}")
        elif rel.a_type == "enterprise":
            ent = session.get(Enterprise, rel.a_id)
            if ent is not None:
                add(_city_name(session, ent.region_id), rel.b_id, f"企业 {ent.name}")
        elif rel.a_type == "project":
            proj = session.get(Project, rel.a_id)
            if proj is not None:
                add(_city_name(session, proj.region_id), rel.b_id, f"项目 {proj.name}")
    return basis


def derived_table(session: Session) -> pd.DataFrame:
    """Industry presence per region from the KB's statements (see the weights above)."""
    weights: dict[tuple[str, str], float] = {}

    def add(region: str | None, industry_id: int, w: float) -> None:
        ind = session.get(Industry, industry_id)
        if region and ind is not None:
            weights[(region, ind.name)] = weights.get((region, ind.name), 0.0) + w

    for rel in session.scalars(select(Relation).where(Relation.b_type == "industry")):
        if rel.a_type == "region":
            add(_city_name(session, rel.a_id), rel.b_id, FOCUS_WEIGHT.get(rel.level, 1.0))
        elif rel.a_type == "park":
            park = session.get(Park, rel.a_id)
            add(_city_name(session, park.region_id) if park else None, rel.b_id, PARK_WEIGHT)
        elif rel.a_type == "enterprise":
            ent = session.get(Enterprise, rel.a_id)
            if ent is not None:
                lead = "龙头" in (ent.tags or []) or "世界500强" in (ent.tags or [])
                add(_city_name(session, ent.region_id), rel.b_id,
                    LEADER_WEIGHT if lead else ENTERPRISE_WEIGHT)
        elif rel.a_type == "project":
            proj = session.get(Project, rel.a_id)
            add(_city_name(session, proj.region_id) if proj else None, rel.b_id, PROJECT_WEIGHT)
    return pd.DataFrame([(r, i, v) for (r, i), v in sorted(weights.items())],
                        columns=["region", "industry", "value"])


def region_industry_table(session: Session) -> tuple[pd.DataFrame, str]:
    """The matrix the partner analysis uses, and a note saying where it comes from."""
    stored = stored_table(session)
    if not stored.empty:
        return stored, "用户导入的地区—产业数值表"
    return derived_table(session), ("由知识库推算：城市与园区的主导产业、企业和项目的产业归属"
                                    "（导入地区—产业数值表可得更准确的结果）")


def matrix_note(table: pd.DataFrame, *, derived: bool) -> str:
    """How much the region × industry matrix holds, and a warning when it is thin."""
    regions, industries = table["region"].nunique(), table["industry"].nunique()
    cells = int((table["value"] > 0).sum())
    per = cells / regions if regions else 0.0
    text = (f"地区—产业矩阵：{regions} 个地区 × {industries} 个产业，{cells} 个非零格"
            f"（平均每个地区 {per:.1f} 个产业）")
    if derived:
        text += ("；矩阵由知识库中的表述推算，数据稀薄：一个地区在某产业上的“比较优势”可能只来自"
                 "一个企业、项目或园区（见各伙伴的数据依据），不代表该地区的产业规模；"
                 "用 `gxatlas partners import` 导入产值/就业/出口数值表可得可靠结果")
    return text


def region_relations(session: Session) -> list[RegionRelation]:
    """Relations between regions (and region groups: member_of, corridor_node) by name. A
    place inherits the groups of the regions above it (河内 is in 东盟 as 越南 is)."""
    out = []
    members: dict[int, list[int]] = {}
    for rel in session.scalars(select(Relation).where(Relation.a_type == "region",
                                                      Relation.b_type == "region")):
        a, b = session.get(Region, rel.a_id), session.get(Region, rel.b_id)
        if a is not None and b is not None:
            out.append(RegionRelation(type=rel.type, a=a.name, b=b.name))
            if rel.type == "member_of":
                members.setdefault(rel.a_id, []).append(rel.b_id)
    for region in session.scalars(select(Region).where(Region.parent_id.is_not(None))):
        parent, seen = session.get(Region, region.parent_id), set()
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            for group_id in members.get(parent.id, []):
                group = session.get(Region, group_id)
                if group is not None:
                    out.append(RegionRelation(type="member_of", a=region.name, b=group.name))
            parent = session.get(Region, parent.parent_id) if parent.parent_id else None
    return out


def store_table(session: Session, rows: pd.DataFrame, *, source: str,
                unit: str | None = None) -> int:
    """Store validated rows (region, industry, value[, year]) in one multi-row insert; rows
    from the same source are replaced. Regions are resolved as ``kb.resolve.find`` does, and
    a country the KB does not hold yet (a table of countries × products, ``VNM``, ``Chile``)
    is added as a region of level country. Returns the number stored."""
    from gxatlas.kb.bulk import RegionNames, insert_rows

    session.execute(delete(RegionIndustryValue).where(RegionIndustryValue.source == source))
    regions = RegionNames(session)
    region_ids: dict[str, int | None] = {}
    industries: dict[str, tuple[str, int | None]] = {}
    out = []
    for row in rows.itertuples(index=False):
        name = str(row.region)
        if name not in region_ids:
            region_ids[name] = regions.find(name) or _country_region(session, name)
        rid = region_ids[name]
        if rid is None:
            continue
        iname = str(row.industry)
        if iname not in industries:
            ind = find(session, "industry", iname)
            industries[iname] = (ind.name, ind.id) if ind else (iname, None)
        year = getattr(row, "year", None)
        out.append({"region_id": rid, "industry": industries[iname][0],
                    "industry_id": industries[iname][1],
                    "year": None if year is None or pd.isna(year) else int(year),
                    "value": float(row.value), "unit": unit, "source": source})
    insert_rows(session, RegionIndustryValue, out)
    return len(out)


def _country_region(session: Session, name: str) -> int | None:
    """The KB region of a country named by an ISO 3166-1 code or an English or Chinese
    name, added (level country, its Chinese and English names as aliases) when missing."""
    from gxatlas.data.countries import find_country
    from gxatlas.kb.resolve import add_alias

    country = find_country(name)
    if country is None:
        return None
    region = session.scalars(select(Region).where(Region.code == country.alpha2)).first()
    if region is None:
        region = Region(code=country.alpha2, name=country.name_zh, short_name=country.name_zh,
                        level="country", country=country.alpha2)
        session.add(region)
        session.flush()
        for n in (country.name_zh, country.name_en):
            add_alias(session, "region", region.id, n)
    return region.id


# --- enterprises and chains ----------------------------------------------------------------------

def enterprise_rows(session: Session) -> Iterator[tuple[str, str]]:
    """``(name, business scope)`` of every enterprise, streamed."""
    inds = industry_names(session, "enterprise")
    stmt = select(Enterprise.id, Enterprise.name, Enterprise.full_name,
                  Enterprise.scope).order_by(Enterprise.id)
    for eid, name, full, scope in session.execute(stmt.execution_options(yield_per=2000)):
        yield name, " ".join(x for x in (full or "", scope or "", *inds.get(eid, ())) if x)


def _region_path(session: Session, region_id: int | None) -> tuple[str, ...]:
    path = []
    r = session.get(Region, region_id) if region_id else None
    while r is not None:
        path.append(r.name)
        r = session.get(Region, r.parent_id) if r.parent_id else None
    return tuple(path)


def chain_entities(session: Session, *, include_pending: bool = False) -> list[Entity]:
    """Enterprises, projects and focus statements of every region, for the chain analysis;
    those waiting for review only with ``include_pending`` (`gxatlas.kb.review`)."""
    from gxatlas.analysis.chains import Entity, project_text
    from gxatlas.kb.review import untrusted_ids

    def hidden(etype: str) -> set[int]:
        return set(session.scalars(untrusted_ids(etype, include_pending=include_pending)))

    out: list[Entity] = []
    ent_inds = industry_names(session, "enterprise")
    skip = hidden("enterprise")
    for e in session.scalars(select(Enterprise)):
        if e.id in skip:
            continue
        path = _region_path(session, e.region_id)
        out.append(Entity(name=e.name, type="enterprise", region=path[0] if path else None,
                          park=e.park.name if e.park else None,
                          text=" ".join(x for x in (e.full_name or "", e.scope or "",
                                                    *ent_inds.get(e.id, ())) if x),
                          tags=tuple(e.tags or ()), region_path=path, id=e.id,
                          industries=tuple(ent_inds.get(e.id, ()))))
    proj_inds = industry_names(session, "project")
    skip = hidden("project")
    for p in session.scalars(select(Project)):
        if p.id in skip:
            continue
        path = _region_path(session, p.region_id)
        out.append(Entity(name=p.name, type="project", region=path[0] if path else None,
                          park=p.park.name if p.park else None,
                          text=project_text(p.capacity, proj_inds.get(p.id, ())),
                          region_path=path, id=p.id, stage=p.status,
                          industries=tuple(proj_inds.get(p.id, ())),
                          enterprise=p.enterprise.name if p.enterprise else None))
    skip = hidden("park")
    for owner_type in ("region", "park"):
        for owner_id, names in industry_names(session, owner_type).items():
            if owner_type == "park" and owner_id in skip:
                continue
            if owner_type == "park":
                park = session.get(Park, owner_id)
                path, park_name = _region_path(session, park.region_id), park.name
            else:
                path, park_name = _region_path(session, owner_id), None
            out.append(Entity(name="、".join(names), type="focus",
                              region=path[0] if path else None, park=park_name,
                              text=" ".join(names), region_path=path))
    return out


def chain_fit_inputs(session: Session, *, home: str, chain_ids: Iterable[str] = ()
                     ) -> tuple[set[str], dict[str, set[str]]]:
    """For the partner ranking: the home region's weak or missing chain links, and the links
    every region's enterprises hold (``产业链·环节`` labels), from the KB's entities."""
    from gxatlas.analysis.chains import chain_fit
    from gxatlas.data import load_regions
    from gxatlas.data.chains import find_chain, load_chains

    chains = tuple(find_chain(c) for c in chain_ids) or load_chains()
    rec = load_regions().find(home)
    return chain_fit(chains, entities=chain_entities(session), home=rec.name if rec else home)


#: Relations that make a region a named partner of the home (the seeds' cooperation).
PARTNER_RELATIONS = ("partner", "cooperation", "sister_city", "twin_parks")


def named_partners(session: Session, home: str) -> list[str]:
    """Regions the KB relates to ``home`` as partners (partner, cooperation, sister city, twin
    parks), places only (no groups)."""
    reg = find(session, "region", home)
    if reg is None:
        return []
    out: list[str] = []
    for rel in session.scalars(select(Relation).where(
            Relation.type.in_(PARTNER_RELATIONS), Relation.a_type == "region",
            Relation.b_type == "region")):
        if reg.id not in (rel.a_id, rel.b_id):
            continue
        other = session.get(Region, rel.b_id if rel.a_id == reg.id else rel.a_id)
        if other is not None and other.level != "group" and other.name not in out:
            out.append(other.name)
    return out


def _relation_notes(session: Session, home: str) -> dict[str, list[str]]:
    """Partner name -> what the KB's relations between it and ``home`` say."""
    from gxatlas.analysis.partners import RELATION_NAMES

    reg = find(session, "region", home)
    out: dict[str, list[str]] = {}
    if reg is None:
        return out
    for rel in session.scalars(select(Relation).where(
            Relation.a_type == "region", Relation.b_type == "region",
            (Relation.a_id == reg.id) | (Relation.b_id == reg.id))):
        other = session.get(Region, rel.b_id if rel.a_id == reg.id else rel.a_id)
        if other is not None:
            label = RELATION_NAMES.get(rel.type, rel.type)
            out.setdefault(other.name, []).append(f"{label}：{rel.note}" if rel.note else label)
    return out


def partners_from_kb(session: Session, *, home: str, chain_ids: Iterable[str] = (),
                     top: int = 20, weights: object | None = None) -> dict[str, object]:
    """The partner ranking of ``home`` from the KB: its region × industry matrix (an imported
    table, else the KB's statements), relations between regions, and chain fit from the chain
    maps. Regions the KB names as the home's partners (the ASEAN cities of the seeds) are
    ranked too when the matrix has no data on them, on their connection only and said so.
    The JSON-able report of ``gxatlas.analysis.partners.partners_report`` plus
    ``table_source``, ``matrix_note`` and, for each partner, ``basis`` (the data behind each
    component) and ``basis_text``."""
    from gxatlas.analysis.partners import PartnerWeights, partners_report
    from gxatlas.errors import GxatlasError

    table, source = region_industry_table(session)
    if table.empty:
        raise GxatlasError("知识库中没有地区—产业数据；先 `gxatlas init`，"
                           "或用 `gxatlas partners import FILE` 导入数值表")
    derived = source.startswith("由知识库推算")
    missing, held = chain_fit_inputs(session, home=home, chain_ids=chain_ids)
    home_reg = find(session, "region", home)
    above = set(_region_path(session, home_reg.id)) if home_reg is not None else set()
    candidates = [r for r in table["region"].unique() if r not in above]
    in_matrix = set(table["region"].unique())
    outside = [n for n in named_partners(session, home) if n not in in_matrix]
    report = partners_report(home=home, table=table, relations=region_relations(session),
                             home_missing_links=missing, region_links=held, top=top,
                             weights=weights if weights is not None else PartnerWeights(),
                             candidates=candidates, outside=outside)
    report["table_source"] = source
    report["matrix_note"] = matrix_note(table, derived=derived)
    basis = derived_basis(session) if derived else {}
    values = {(r.region, r.industry): float(r.value) for r in table.itertuples(index=False)}
    notes = _relation_notes(session, home)
    home_name = str(report["home"])
    for p in [*report["partners"], *report["named_partners"]]:  # type: ignore[misc]
        p["basis"] = _partner_basis(p, home=home_name, values=values, basis=basis,
                                    relations=notes.get(p["region"], []))
        p["basis_text"] = "；".join(f"{k}: {v}" for k, v in p["basis"].items() if v)
    return report


# --- candidates to court (产业链招商) -----------------------------------------------------------

GUANGXI = "广西壮族自治区"
MAX_TIES = 3


def _place(regions: dict[int, Region], region_id: int | None
           ) -> tuple[str | None, str | None, float | None, float | None, tuple[str, ...]]:
    """(province, prefecture-level city, lon, lat, path) of a region id (``regions``: every
    region by id, read once)."""
    path = []
    r = regions.get(region_id) if region_id else None
    while r is not None:
        path.append(r)
        r = regions.get(r.parent_id) if r.parent_id else None
    province = next((x.name for x in path if x.level == "province"), None)
    city = next((x.name for x in path if x.level in ("prefecture", "city")), None)
    located = next((x for x in path if x.longitude is not None and x.level != "country"), None)
    return (province, city, located.longitude if located else None,
            located.latitude if located else None, tuple(x.name for x in path))


def _registry_enterprise_ids(session: Session) -> set[int]:
    from gxatlas.kb.models import Document, Evidence

    return set(session.scalars(
        select(Evidence.entity_id).join(Document, Document.id == Evidence.document_id)
        .where(Evidence.entity_type == "enterprise", Document.kind == "registry")))


@functools.lru_cache(maxsize=2)
def _listed_names(pool: Pool) -> tuple[dict[str, str | None], Any]:
    """For one pool (once per process): firm key → stock code (None when two firms share the
    key), and an Aho–Corasick automaton of short names (3+ characters) → stock code, to find
    listed firms named inside KB names (中国铝业广西分公司, 比亚迪碳酸锂项目)."""
    import ahocorasick

    from gxatlas.analysis.candidates import firm_key

    by_key: dict[str, str | None] = {}
    for f in pool.firms:
        for k in {firm_key(f.name), firm_key(f.full_name)} - {""}:
            by_key[k] = None if k in by_key and by_key[k] != f.code else f.code
    names = ahocorasick.Automaton()
    for f in pool.firms:
        short = firm_key(f.name)
        if len(short) >= 3:
            names.add_word(short, f.code)
    names.make_automaton()
    return by_key, names


def court_from_kb(session: Session, *, region: str | None = None, park: str | None = None,
                  top: int = 5, pool: Pool | None = None) -> Court:
    """The ``Court`` for ranking candidates of ``region`` (or ``park``): the home's place, the
    KB's enterprises (registry records marked, each matched to the listed company it is), and
    the ties the KB shows between listed firms and Guangxi (enterprises there, projects)."""
    from gxatlas.analysis.candidates import Court, Home, KBFirm, firm_key
    from gxatlas.data.listed import load_pool
    from gxatlas.names import name_key

    pool = pool if pool is not None else load_pool()
    home = Home(name=park or region or "本地")
    where = find(session, "park", park) if park else find(session, "region", region) if region \
        else None
    region_id = (where.region_id if park and where is not None else
                 where.id if where is not None else None)
    regions = {r.id: r for r in session.scalars(select(Region))}
    if region_id is not None:
        province, city, lon, lat, _ = _place(regions, region_id)
        home = Home(name=park or where.name, province=province, longitude=lon, latitude=lat)
    by_key, names = _listed_names(pool)

    def listed_in(text: str) -> set[str]:
        return {code for _, code in names.iter(name_key(text))} if text else set()

    from gxatlas.kb.review import untrusted_ids

    registry = _registry_enterprise_ids(session)
    kb_firms: dict[str, KBFirm] = {}
    ties: dict[str, list[str]] = {}
    ent_code: dict[int, str | None] = {}
    ent_name: dict[int, str] = {}
    # firms and projects waiting for review are not evidence of anything yet
    for e in session.scalars(select(Enterprise).where(
            Enterprise.id.not_in(untrusted_ids("enterprise")))):
        ent_name[e.id] = e.name
        province, city, lon, lat, path = _place(regions, e.region_id)
        code = by_key.get(firm_key(e.name)) or (by_key.get(firm_key(e.full_name))
                                                if e.full_name else None)
        ent_code[e.id] = code
        kb_firms[name_key(e.name)] = KBFirm(
            name=e.name, origin="registry" if e.id in registry else "kb",
            full_name=e.full_name, province=province, city=city, longitude=lon, latitude=lat,
            registered_capital=e.registered_capital, tags=tuple(e.tags or ()), pool_code=code)
        if GUANGXI in path:
            for c in ({code} if code else set()) | listed_in(e.name):
                ties.setdefault(c, []).append(f"已在广西投资：{e.name}（{city or province}）")
    for p in session.scalars(select(Project).where(Project.id.not_in(untrusted_ids("project")))):
        _, city, _, _, path = _place(regions, p.region_id)
        codes = listed_in(p.name)
        if p.enterprise_id is not None:
            if ent_code.get(p.enterprise_id):
                codes.add(ent_code[p.enterprise_id])
            elif p.enterprise_id in ent_name:
                codes.add(firm_key(ent_name[p.enterprise_id]))
        stage = "签约项目" if (p.status or "").startswith("签约") else "项目"
        place = f"（{'，'.join(x for x in (city, p.status) if x)}）" if city or p.status else ""
        for c in codes:
            ties.setdefault(c, []).append(f"{stage}：{p.name}{place}")
    return Court(home=home, pool=pool, kb_firms=kb_firms,
                 ties={k: tuple(dict.fromkeys(v))[:MAX_TIES] for k, v in ties.items()},
                 top=top)



def _guangxi_cities(session: Session) -> list[str]:
    gx = find(session, "region", GUANGXI)
    if gx is None:
        return []
    return list(session.scalars(select(Region.name).where(
        Region.parent_id == gx.id, Region.level == "prefecture").order_by(Region.code)))


def firm_needs_from_kb(session: Session, *, name: str) -> dict[str, object]:
    """The reverse view of ``name`` (a listed company's short name, full name or stock code,
    or an enterprise of the KB): the chain links it can supply and the Guangxi cities where
    they are gaps (``gxatlas.analysis.needs.firm_needs``), with its ties to Guangxi and the
    pool's data age. Unknown names are a ``GxatlasError``."""
    from dataclasses import replace

    from gxatlas.analysis.candidates import (Prospect, firm_key, firm_links, fit_value,
                                             word_part)
    from gxatlas.analysis.classify import classifier
    from gxatlas.analysis.needs import FirmLink, firm_links_of, firm_needs
    from gxatlas.data.chains import load_chains
    from gxatlas.data.listed import load_pool
    from gxatlas.errors import GxatlasError
    from gxatlas.names import name_key

    pool = load_pool()
    clf = classifier()
    court = court_from_kb(session, pool=pool)
    want = firm_key(name)
    listed = pool.by_code.get(name.strip()) or next(
        (f for f in pool.firms if want in (firm_key(f.name), firm_key(f.full_name))), None)
    ent = find(session, "enterprise", name)
    info = court.kb_firms.get(name_key(ent.name)) if ent is not None else None
    if listed is None and info is not None and info.pool_code:
        listed = pool.by_code.get(info.pool_code)
    if ent is None and listed is not None:  # the KB's record of the same listed firm
        same = [k for k in court.kb_firms.values() if k.pool_code == listed.code]
        same.sort(key=lambda k: k.origin != "registry")
        if same:
            ent, info = find(session, "enterprise", same[0].name), same[0]
    if listed is None and ent is None:
        raise GxatlasError(f"未找到企业“{name}”（可用上市公司简称、全称、股票代码，或知识库中的企业名）")
    links: list[FirmLink] = []
    pairs = firm_links(listed, pool=pool, clf=clf) if listed is not None else []
    if ent is not None and (listed is None or (info is not None and info.origin == "registry")):
        scope = " ".join(x for x in (ent.full_name or "", ent.scope or "") if x)
        hits = clf.classify(ent.name, scope)
        links += [FirmLink(chain=h.chain, link=h.link,
                           fit=round(fit_value(Prospect(name=ent.name, origin="kb",
                                                        word_fit=word_part(h.score))), 3),
                           words=h.evidence, word_source="名称与经营范围")
                  for h in hits]
        # the industries the KB records, placed as the chain analysis places them
        recorded = industry_names(session, "enterprise").get(ent.id, ())
        by_industry = clf.industry_links(recorded, placed=[f"{h.chain}/{h.link}" for h in hits])
        links += [FirmLink(chain=key.split("/", 1)[0], link=key.split("/", 1)[1],
                           fit=round(fit_value(Prospect(name=ent.name, origin="kb",
                                                        industry_fit=1.0)), 3),
                           words=names, word_source="知识库所记产业")
                  for key, names in by_industry.items()]
    seen = {(fl.chain, fl.link) for fl in links}
    links += [fl for fl in firm_links_of(pairs) if (fl.chain, fl.link) not in seen]
    if pairs:
        firm = pairs[0][1]
    elif listed is not None:
        firm = Prospect(name=listed.name, origin="pool", full_name=listed.full_name,
                        code=listed.code, exchange=listed.exchange,
                        industry=pool.industry_path(listed.sw), province=listed.province,
                        city=listed.city, tags=listed.tags, listed=True, as_of=pool.as_of,
                        products=listed.products)
    else:
        firm = Prospect(name=ent.name, origin=info.origin if info else "kb",
                        full_name=ent.full_name or "",
                        industry=tuple(industry_names(session, "enterprise").get(ent.id, ())))
    if info is not None and (info.origin == "registry" or listed is None):
        firm = replace(firm, origin=info.origin, province=info.province or firm.province,
                       city=info.city or firm.city,
                       registered_capital=info.registered_capital, tags=info.tags or firm.tags)
    ties = court.ties.get(listed.code, ()) if listed is not None else court.ties.get(
        firm_key(ent.name), ())
    firm = replace(firm, ties=ties)
    result = firm_needs(firm, links, chains=load_chains(), entities=chain_entities(session),
                        cities=_guangxi_cities(session), clf=clf)
    result["candidate_pool"] = pool.meta()
    return result


def _cells(region: str, industries: Iterable[str], *, values: dict[tuple[str, str], float],
           basis: dict[tuple[str, str], list[str]]) -> str:
    parts = []
    for ind in industries:
        v = values.get((region, ind))
        if v is None:
            continue
        what = basis.get((region, ind), [])
        shown = f"（{'、'.join(what[:3])}{'等' if len(what) > 3 else ''}）" if what else ""
        parts.append(f"{region}·{ind} {v:g}{shown}")
    return "，".join(parts)


def _partner_basis(p: dict, *, home: str, values: dict[tuple[str, str], float],
                   basis: dict[tuple[str, str], list[str]], relations: list[str]
                   ) -> dict[str, str]:
    """The data each component of a partner's score rests on, in words."""
    region = p["region"]
    if p.get("data_gap"):
        matrix = f"矩阵中没有{region}的产业数据，互补性、关联性与产业链契合无法计算"
    else:
        matrix = "；".join(x for x in (
            _cells(region, p.get("industries", []), values=values, basis=basis),
            _cells(home, p.get("home_offers", []), values=values, basis=basis)) if x) or \
            "矩阵中两地没有共同的相关产业"
    links = "、".join(p.get("links", [])[:5]) or "无"
    ties = [f"相距 {p['distance_km']:.0f} 公里" if p.get("distance_km") is not None else "",
            f"同属{'、'.join(p['shared_groups'])}" if p.get("shared_groups") else "",
            *relations]
    return {"互补性与关联性": matrix, "产业链契合": f"对方具备的本地缺失环节：{links}",
            "联系": "；".join(t for t in ties if t) or "无"}
