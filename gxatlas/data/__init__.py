"""Bundled reference data: regions, the industry taxonomy and the Guangxi default atlas.

Every file is reviewable text (CSV/YAML) and is validated on load: an unknown field, a wrong
unit, an unknown city, an unknown industry or a duplicate key is an ``InputError`` naming the
file and line. Records are frozen dataclasses.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from gxatlas.errors import InputError
from gxatlas.names import canonical_name, name_key

DATA_DIR = Path(__file__).parent
ATLAS_DIR = DATA_DIR / "atlas"

LEVELS = ("country", "province", "prefecture", "county", "city", "group")
UNITS = ("亿元", "万元", "元", "%", "个", "家", "项", "吨标准煤", "万吨", "万人", "人", "万户",
         "亿美元", "万美元", "美元", "平方公里", "公里", "万标箱", "个百分点", "倍", "年", "万元/人",
         "吨", "件", "台", "辆", "万辆", "千瓦", "万千瓦", "亿千瓦时", "条", "所", "次")
COMPARATORS = (">=", "<=", "=", ">", "<")
ATTRIBUTES = ("预期性", "约束性")
RELATION_TYPES = ("sister_city", "twin_parks", "corridor_node", "partner", "member_of",
                  "cooperation", "located_in")
ENTITY_KINDS = ("region", "park", "enterprise", "project", "policy", "industry")


# --- records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    doc: str
    at: str

    def __str__(self) -> str:
        return f"{self.doc} {self.at}"


@dataclass(frozen=True)
class RegionRec:
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None
    country: str | None
    longitude: float | None
    latitude: float | None
    aliases: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class IndustryRec:
    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    gbt4754: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class TargetRec:
    metric: str
    year: int
    value: float
    unit: str = "亿元"
    comparator: str | None = None


@dataclass(frozen=True)
class DocumentRec:
    id: str
    title: str
    kind: str | None = None
    issuer: str | None = None
    date: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class ParkRec:
    name: str
    source: Source
    aliases: tuple[str, ...] = ()
    city: str | None = None
    county: str | None = None
    kind: str | None = None
    level: str | None = None
    klass: str | None = None
    area_km2: float | None = None
    industries: tuple[str, ...] = ()
    targets: tuple[TargetRec, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnterpriseRec:
    name: str
    source: Source
    full_name: str | None = None
    aliases: tuple[str, ...] = ()
    city: str | None = None
    park: str | None = None
    tags: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    credit_code: str | None = None


@dataclass(frozen=True)
class ProjectRec:
    name: str
    source: Source
    city: str | None = None
    park: str | None = None
    enterprise: str | None = None
    investment: float | None = None
    capacity: str | None = None
    status: str | None = None
    year: int | None = None
    industries: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorRec:
    name: str
    source: Source
    scope: str | None = None
    unit: str | None = None
    category: str | None = None
    attribute: str | None = None
    comparator: str | None = None
    baseline_year: int | None = None
    baseline_value: float | str | None = None
    target_year: int | None = None
    target_value: float | str | None = None
    kind: str | None = None
    lower_is_better: bool = False
    plan: str | None = None
    history: tuple[tuple[int, float | str], ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyRec:
    source: Source
    doc_number: str | None = None
    title: str | None = None
    issuer: str | None = None
    date: str | None = None

    @property
    def key(self) -> str:
        return name_key(self.doc_number or self.title or "")


@dataclass(frozen=True)
class RelationRec:
    type: str
    a: str
    a_type: str
    b: str
    b_type: str
    source: Source
    note: str | None = None


@dataclass(frozen=True)
class FocusRec:
    industries: tuple[str, ...]
    source: Source
    region: str | None = None
    park: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class Atlas:
    documents: tuple[DocumentRec, ...]
    parks: tuple[ParkRec, ...]
    enterprises: tuple[EnterpriseRec, ...]
    projects: tuple[ProjectRec, ...]
    indicators: tuple[IndicatorRec, ...]
    policies: tuple[PolicyRec, ...]
    relations: tuple[RelationRec, ...]
    focus: tuple[FocusRec, ...]


# --- YAML with line numbers ------------------------------------------------------------------

class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate field {sorted(map(str, dup))[0]!r}", node.start_mark)
    m = loader.construct_mapping(node, deep=True)
    m["__line__"] = node.start_mark.line + 1
    return m


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """A YAML file's content, every mapping with its ``__line__``; errors name file and line."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 (SafeLoader subclass)
    except FileNotFoundError as err:
        raise InputError(path, "文件不存在 (file not found)") from err
    except UnicodeDecodeError as err:
        raise InputError(path, f"不是 UTF-8 文本 (not UTF-8 text: {err.reason} at byte "
                               f"{err.start})") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(path, f"YAML 格式错误 (malformed YAML): {problem}", line=line) from err


def read_yaml_list(path: Path) -> list[dict[str, Any]]:
    """A YAML file holding a list of mappings, each with its ``__line__``."""
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise InputError(path, "expected a YAML list of mappings")
    return data


# --- field checks ----------------------------------------------------------------------------

class _Rec:
    """Field access with checks, for one raw record of one file."""

    def __init__(self, path: Path, raw: Mapping[str, Any], allowed: Iterable[str]) -> None:
        self.path, self.raw, self.line = path, raw, raw.get("__line__")
        unknown = set(raw) - set(allowed) - {"__line__"}
        if unknown:
            self.fail(f"unknown field {sorted(unknown)[0]!r}")

    def fail(self, problem: str) -> None:
        raise InputError(self.path, problem, line=self.line)

    def str(self, key: str, *, required: bool = False) -> str | None:
        v = self.raw.get(key)
        if v is None or v == "":
            if required:
                self.fail(f"missing field {key!r}")
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            self.fail(f"field {key!r} must be text, not {type(v).__name__}")
        return canonical_name(str(v)) if key in ("name", "city", "county", "park", "enterprise",
                                                  "region", "a", "b", "scope") else str(v).strip()

    def num(self, key: str) -> float | None:
        v = self.raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(f"field {key!r} must be a number, not {v!r}")
        if v < 0:
            self.fail(f"field {key!r} must not be negative ({v})")
        return float(v)

    def year(self, key: str) -> int | None:
        v = self.raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2100:
            self.fail(f"field {key!r} must be a year, not {v!r}")
        return int(v)

    def strs(self, key: str) -> tuple[str, ...]:
        v = self.raw.get(key) or []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
            self.fail(f"field {key!r} must be a list of text")
        return tuple(canonical_name(str(x)) for x in v if str(x).strip())

    def choice(self, key: str, choices: Iterable[str]) -> str | None:
        v = self.str(key)
        if v is not None and v not in tuple(choices):
            self.fail(f"field {key!r}: {v!r} is not one of {', '.join(choices)}")
        return v

    def unit(self, key: str = "unit") -> str | None:
        v = self.raw.get(key)
        if v in (None, "", "—", "-"):
            return None
        v = str(v).strip()
        if v not in UNITS:
            self.fail(f"unknown unit {v!r} in field {key!r} (known: {' '.join(UNITS)})")
        return v

    def source(self, doc_ids: set[str]) -> Source:
        v = self.raw.get("source")
        if not isinstance(v, dict) or not v.get("doc") or not v.get("at"):
            self.fail("missing citation: source: {doc: <document id>, at: <locator>}")
        if str(v["doc"]) not in doc_ids:
            self.fail(f"source cites unknown document {v['doc']!r} (see documents.yaml)")
        return Source(doc=str(v["doc"]), at=str(v["at"]))


# --- regions and industries --------------------------------------------------------------------

@dataclass(frozen=True)
class Regions:
    records: tuple[RegionRec, ...]
    by_code: Mapping[str, RegionRec] = field(repr=False)
    by_name: Mapping[str, tuple[RegionRec, ...]] = field(repr=False)

    def find(self, name: str | None) -> RegionRec | None:
        """The region called ``name`` (full name, short name or alias); Guangxi and higher
        levels win when a short name is shared."""
        if not name:
            return None
        hits = self.by_name.get(name_key(name))
        return hits[0] if hits else None

    def prefecture_of(self, rec: RegionRec) -> RegionRec:
        """The prefecture-level city a county belongs to (the region itself otherwise)."""
        if rec.level == "county" and rec.parent in self.by_code:
            return self.by_code[rec.parent]
        return rec

    def names(self) -> list[str]:
        return sorted(self.by_name)


_LEVEL_RANK = {"province": 0, "prefecture": 1, "group": 2, "country": 3, "city": 4, "county": 5}


def _region_rank(r: RegionRec) -> tuple[int, int]:
    return (0 if r.code.startswith("45") else 1, _LEVEL_RANK.get(r.level, 9))


def parse_regions(path: Path) -> Regions:
    recs: list[RegionRec] = []
    seen: set[str] = set()
    try:
        fh = path.open(encoding="utf-8", newline="")
    except FileNotFoundError as err:
        raise InputError(path, "file not found") from err
    with fh:
        reader = csv.DictReader(fh)
        need = {"code", "name", "short_name", "level", "parent", "country", "longitude",
                "latitude", "aliases", "source"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise InputError(path, f"missing column {sorted(missing)[0]!r}", line=1)
        for row in reader:
            line = reader.line_num
            code = (row["code"] or "").strip()
            if not code:
                raise InputError(path, "empty code", line=line)
            if code in seen:
                raise InputError(path, f"duplicate region code {code!r}", line=line)
            seen.add(code)
            if row["level"] not in LEVELS:
                raise InputError(path, f"unknown level {row['level']!r}", line=line)
            try:
                lon = float(row["longitude"]) if row["longitude"] else None
                lat = float(row["latitude"]) if row["latitude"] else None
            except ValueError as err:
                raise InputError(path, f"bad coordinate: {err}", line=line) from err
            if lon is not None and not (-180 <= lon <= 180 and -90 <= (lat or 0) <= 90):
                raise InputError(path, f"coordinate out of range ({lon}, {lat})", line=line)
            recs.append(RegionRec(
                code=code, name=canonical_name(row["name"]),
                short_name=canonical_name(row["short_name"] or row["name"]), level=row["level"],
                parent=row["parent"].strip() or None, country=row["country"].strip() or None,
                longitude=lon, latitude=lat,
                aliases=tuple(canonical_name(a) for a in (row["aliases"] or "").split("|")
                              if a.strip()),
                source=row["source"] or ""))
    by_code = {r.code: r for r in recs}
    for r in recs:
        if r.parent and r.parent not in by_code:
            raise InputError(path, f"region {r.code} has unknown parent {r.parent!r}")
    by_name: dict[str, list[RegionRec]] = {}
    for r in recs:
        for n in {r.name, r.short_name, *r.aliases}:
            by_name.setdefault(name_key(n), []).append(r)
    ranked = {k: tuple(sorted(v, key=_region_rank)) for k, v in by_name.items()}
    return Regions(records=tuple(recs), by_code=by_code, by_name=ranked)


@functools.lru_cache(maxsize=4)
def load_regions(path: Path | None = None) -> Regions:
    """The bundled regions (or another regions.csv)."""
    return parse_regions(path or DATA_DIR / "regions.csv")


@dataclass(frozen=True)
class Industries:
    records: tuple[IndustryRec, ...]
    by_name: Mapping[str, IndustryRec] = field(repr=False)

    def find(self, name: str | None) -> IndustryRec | None:
        """The canonical industry for a name or synonym (None when unknown)."""
        if not name:
            return None
        k = name_key(name)
        hit = self.by_name.get(k)
        if hit is None and k.endswith("产业"):
            hit = self.by_name.get(k[:-2])
        if hit is None and not k.endswith("产业"):
            hit = self.by_name.get(k + "产业")
        return hit


def parse_industries(path: Path) -> Industries:
    recs: list[IndustryRec] = []
    by_name: dict[str, IndustryRec] = {}
    ids: set[str] = set()
    for raw in read_yaml_list(path):
        r = _Rec(path, raw, ("id", "name", "synonyms", "gbt4754", "parent"))
        rec = IndustryRec(id=r.str("id", required=True), name=r.str("name", required=True),
                          synonyms=r.strs("synonyms"),
                          gbt4754=tuple(str(c) for c in raw.get("gbt4754") or ()),
                          parent=r.str("parent"))
        if rec.id in ids:
            r.fail(f"duplicate industry id {rec.id!r}")
        ids.add(rec.id)
        for n in (rec.name, *rec.synonyms):
            k = name_key(n)
            if k in by_name and by_name[k].id != rec.id:
                r.fail(f"name {n!r} already belongs to industry {by_name[k].id!r}")
            by_name[k] = rec
        recs.append(rec)
    for rec in recs:
        if rec.parent and rec.parent not in ids:
            raise InputError(path, f"industry {rec.id!r} has unknown parent {rec.parent!r}")
    return Industries(records=tuple(recs), by_name=by_name)


@functools.lru_cache(maxsize=4)
def load_industries(path: Path | None = None) -> Industries:
    return parse_industries(path or DATA_DIR / "industries.yaml")


# --- the atlas ----------------------------------------------------------------------------------

def _targets(r: _Rec) -> tuple[TargetRec, ...]:
    out = []
    for t in r.raw.get("targets") or []:
        if not isinstance(t, dict):
            r.fail("targets must be a list of mappings")
        tr = _Rec(r.path, t, ("metric", "year", "value", "unit", "comparator"))
        year, value = tr.year("year"), tr.num("value")
        if year is None or value is None:
            tr.fail("a target needs year and value")
        out.append(TargetRec(metric=tr.str("metric") or "工业总产值", year=year, value=value,
                             unit=tr.unit() or "亿元",
                             comparator=tr.choice("comparator", COMPARATORS)))
    return tuple(out)


def _value(r: _Rec, key: str) -> float | str | None:
    v = r.raw.get(key)
    if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
        return None if v is None else float(v)
    if isinstance(v, str) and all(p.replace(".", "", 1).isdigit() for p in v.split(":")):
        return v  # a ratio such as 15:43:42
    r.fail(f"field {key!r} must be a number or a ratio like 15:43:42, not {v!r}")
    return None


def parse_atlas(atlas_dir: Path, *, regions: Regions, industries: Industries) -> Atlas:
    def rows(name: str) -> list[tuple[Path, dict[str, Any]]]:
        p = atlas_dir / name
        return [(p, raw) for raw in read_yaml_list(p)] if p.exists() else []

    def city(r: _Rec, key: str) -> str | None:
        v = r.str(key)
        if v is not None and regions.find(v) is None:
            r.fail(f"unknown {key} {v!r} (not in regions.csv)")
        return v

    def inds(r: _Rec) -> tuple[str, ...]:
        out = []
        for n in r.strs("industries"):
            rec = industries.find(n)
            if rec is None:
                r.fail(f"unknown industry {n!r} (not in industries.yaml)")
            out.append(rec.name)
        return tuple(dict.fromkeys(out))

    def unique(kind: str, keys: dict[str, int], key: str, r: _Rec) -> None:
        k = name_key(key)
        if k in keys:
            r.fail(f"duplicate {kind} {key!r} (first at line {keys[k]})")
        keys[k] = r.line

    documents = []
    doc_ids: set[str] = set()
    for p, raw in rows("documents.yaml"):
        r = _Rec(p, raw, ("id", "title", "kind", "issuer", "date", "region"))
        d = DocumentRec(id=r.str("id", required=True), title=r.str("title", required=True),
                        kind=r.str("kind"), issuer=r.str("issuer"), date=r.str("date"),
                        region=city(r, "region"))
        if d.id in doc_ids:
            r.fail(f"duplicate document id {d.id!r}")
        doc_ids.add(d.id)
        documents.append(d)

    parks, pkeys = [], {}
    for p, raw in rows("parks.yaml"):
        r = _Rec(p, raw, ("name", "aliases", "city", "county", "kind", "level", "class",
                          "area_km2", "industries", "targets", "tags", "source"))
        rec = ParkRec(name=r.str("name", required=True), source=r.source(doc_ids),
                      aliases=r.strs("aliases"), city=city(r, "city"), county=city(r, "county"),
                      kind=r.str("kind"), level=r.str("level"), klass=r.str("class"),
                      area_km2=r.num("area_km2"), industries=inds(r), targets=_targets(r),
                      tags=r.strs("tags"))
        unique("park", pkeys, rec.name, r)
        parks.append(rec)
    park_names = {name_key(n) for pk in parks for n in (pk.name, *pk.aliases)}

    def park_ref(r: _Rec) -> str | None:
        v = r.str("park")
        if v is not None and name_key(v) not in park_names:
            r.fail(f"unknown park {v!r} (not in parks.yaml)")
        return v

    enterprises, ekeys = [], {}
    for p, raw in rows("enterprises.yaml"):
        r = _Rec(p, raw, ("name", "full_name", "aliases", "city", "park", "tags", "industries",
                          "credit_code", "source"))
        rec = EnterpriseRec(name=r.str("name", required=True), source=r.source(doc_ids),
                            full_name=r.str("full_name"), aliases=r.strs("aliases"),
                            city=city(r, "city"), park=park_ref(r), tags=r.strs("tags"),
                            industries=inds(r), credit_code=r.str("credit_code"))
        unique("enterprise", ekeys, rec.name, r)
        enterprises.append(rec)
    ent_names = {name_key(n) for e in enterprises for n in (e.name, e.full_name or "", *e.aliases)}

    projects, prkeys = [], {}
    for p, raw in rows("projects.yaml"):
        r = _Rec(p, raw, ("name", "city", "park", "enterprise", "investment", "capacity",
                          "status", "year", "industries", "source"))
        ent = r.str("enterprise")
        if ent is not None and name_key(ent) not in ent_names:
            r.fail(f"unknown enterprise {ent!r} (not in enterprises.yaml)")
        rec = ProjectRec(name=r.str("name", required=True), source=r.source(doc_ids),
                         city=city(r, "city"), park=park_ref(r), enterprise=ent,
                         investment=r.num("investment"), capacity=r.str("capacity"),
                         status=r.str("status"), year=r.year("year"), industries=inds(r))
        unique("project", prkeys, rec.name, r)
        projects.append(rec)

    indicators, ikeys = [], {}
    for p, raw in rows("indicators.yaml"):
        r = _Rec(p, raw, ("name", "scope", "unit", "category", "attribute", "comparator",
                          "baseline_year", "baseline_value", "target_year", "target_value",
                          "kind", "lower_is_better", "plan", "history", "aliases", "source"))
        plan = r.str("plan")
        if plan is not None and plan not in doc_ids:
            r.fail(f"plan {plan!r} is not a document in documents.yaml")
        hist = raw.get("history") or {}
        if not isinstance(hist, dict):
            r.fail("history must be a mapping of year: value")
        history = []
        for y, v in hist.items():
            if y == "__line__":
                continue
            if not str(y).isdigit() or not (isinstance(v, (int, float, str))):
                r.fail(f"bad history entry {y!r}: {v!r}")
            history.append((int(y), float(v) if isinstance(v, (int, float)) else v))
        rec = IndicatorRec(
            name=r.str("name", required=True), source=r.source(doc_ids), scope=city(r, "scope"),
            unit=r.unit(), category=r.str("category"),
            attribute=r.choice("attribute", ATTRIBUTES),
            comparator=r.choice("comparator", COMPARATORS),
            baseline_year=r.year("baseline_year"), baseline_value=_value(r, "baseline_value"),
            target_year=r.year("target_year"), target_value=_value(r, "target_value"),
            kind=r.str("kind"), lower_is_better=bool(raw.get("lower_is_better", False)),
            plan=plan, history=tuple(sorted(history)), aliases=r.strs("aliases"))
        unique("indicator", ikeys,
               f"{rec.scope}|{rec.name}|{rec.plan}|{rec.baseline_year}|{rec.target_year}", r)
        indicators.append(rec)

    policies, polkeys = [], {}
    for p, raw in rows("policies.yaml"):
        r = _Rec(p, raw, ("doc_number", "title", "issuer", "date", "source"))
        rec = PolicyRec(source=r.source(doc_ids), doc_number=r.str("doc_number"),
                        title=r.str("title"), issuer=r.str("issuer"), date=r.str("date"))
        if not rec.key:
            r.fail("a policy needs doc_number or title")
        unique("policy", polkeys, rec.key, r)
        policies.append(rec)

    def ref_ok(kind: str, name: str) -> bool:
        k = name_key(name)
        return {"region": regions.find(name) is not None, "park": k in park_names,
                "enterprise": k in ent_names, "industry": industries.find(name) is not None,
                }.get(kind, False)

    relations = []
    for p, raw in rows("relations.yaml"):
        r = _Rec(p, raw, ("type", "a", "a_type", "b", "b_type", "note", "source"))
        rec = RelationRec(type=r.choice("type", RELATION_TYPES) or r.fail("missing type"),
                          a=r.str("a", required=True), a_type=r.str("a_type") or "region",
                          b=r.str("b", required=True), b_type=r.str("b_type") or "region",
                          note=r.str("note"), source=r.source(doc_ids))
        for side, kind in (("a", rec.a_type), ("b", rec.b_type)):
            name = getattr(rec, side)
            if not ref_ok(kind, name):
                r.fail(f"relation side {side}: unknown {kind} {name!r}")
        relations.append(rec)

    focus = []
    for p, raw in rows("focus.yaml"):
        r = _Rec(p, raw, ("region", "park", "industries", "level", "source"))
        rec = FocusRec(industries=inds(r), source=r.source(doc_ids), region=city(r, "region"),
                       park=park_ref(r), level=r.str("level"))
        if not (rec.region or rec.park) or not rec.industries:
            r.fail("a focus record needs region or park, and industries")
        focus.append(rec)

    return Atlas(documents=tuple(documents), parks=tuple(parks),
                 enterprises=tuple(enterprises), projects=tuple(projects),
                 indicators=tuple(indicators), policies=tuple(policies),
                 relations=tuple(relations), focus=tuple(focus))


def load_atlas(atlas_dir: Path | None = None) -> Atlas:
    """The bundled Guangxi atlas, validated against the bundled regions and industries."""
    return parse_atlas(atlas_dir or ATLAS_DIR, regions=load_regions(),
                       industries=load_industries())
