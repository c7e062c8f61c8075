"""The bundled national candidate pool (gxatlas/data/pool/): China's A-share listed companies.

Files (see ``pool/pool.yaml`` for the source and the as-of date):

* ``listed_companies.csv`` — code, name, full_name, exchange, listed, sw (申万 level-3 code),
  province, city, longitude, latitude; built by ``scripts/build_pool.py``, never edited by hand;
* ``sw_industries.csv`` — the 申万 2021 hierarchy (code, name, level, parent);
* ``cities.csv`` — provinces and prefecture-level cities with coordinates (built too);
* ``chain_industries.yaml`` — each chain link's 申万 industries (core / broad) and name words;
* ``products.yaml`` — main products (and, where the full name lacks it, the city) of listed
  firms whose industry is too coarse to tell the link;
* ``pool.yaml`` — name, source, as-of date and the region groups used to score location.

``load_pool()`` reads and validates them once per process (an ``InputError`` names the file
and line of any problem) and returns a frozen ``Pool``.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from gxatlas.data import DATA_DIR, read_yaml
from gxatlas.errors import InputError

POOL_DIR = DATA_DIR / "pool"
_COMPANY_FIELDS = ("code", "name", "full_name", "exchange", "listed", "sw", "province", "city",
                   "longitude", "latitude")
_LINK_FIELDS = ("core", "broad", "words")
_PRODUCT_FIELDS = ("code", "name", "products", "city", "tags")


@dataclass(frozen=True)
class SwIndustry:
    """One 申万 (2021) industry: level 1, 2 or 3."""

    code: str
    name: str
    level: int
    parent: str | None


@dataclass(frozen=True)
class ListedFirm:
    """One listed company of the pool (what the chain analysis needs of it, nothing more)."""

    code: str
    name: str
    full_name: str
    exchange: str  # SH / SZ / BJ
    listed: str  # listing date (ISO), may be empty
    sw: str | None  # 申万 level-3 code
    province: str | None
    city: str | None
    longitude: float | None
    latitude: float | None
    products: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    place_from: str = "全称"  # where the place comes from: 全称 / 补注 / "" (unknown)


@dataclass(frozen=True)
class LinkIndustries:
    """The 申万 industries of one chain link (see chain_industries.yaml)."""

    chain: str
    link: str
    core: tuple[str, ...] = ()
    broad: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionGroup:
    name: str
    weight: float
    members: tuple[str, ...]  # province or city full names


@dataclass(frozen=True, eq=False)
class Pool:
    """The loaded pool; compared and hashed by identity (one per process)."""

    name: str
    source: str
    as_of: str
    firms: tuple[ListedFirm, ...]
    industries: Mapping[str, SwIndustry] = field(repr=False)
    links: Mapping[tuple[str, str], LinkIndustries] = field(repr=False)
    groups: tuple[RegionGroup, ...] = ()
    home_weight: float = 1.0
    by_code: Mapping[str, ListedFirm] = field(default_factory=dict, repr=False)

    def industry_path(self, code: str | None) -> tuple[str, ...]:
        """申万 names from level 1 down to ``code``: (电力设备, 电池, 电池化学品)."""
        out: list[str] = []
        cur = self.industries.get(code or "")
        while cur is not None:
            out.append(cur.name)
            cur = self.industries.get(cur.parent or "")
        return tuple(reversed(out))

    def meta(self) -> dict[str, Any]:
        """What a reader of candidates needs to know about their source: name, source, age."""
        return {"name": self.name, "source": self.source, "as_of": self.as_of,
                "firms": len(self.firms)}


def _float(path: Path, line: int, value: str, what: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as err:
        raise InputError(path, f"{what} {value!r} 不是数字", line=line) from err


def _read_csv(path: Path, fields: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != fields:
                raise InputError(path, f"表头应为 {','.join(fields)}", line=1)
            return [(i, row) for i, row in enumerate(reader, start=2)]
    except FileNotFoundError as err:
        raise InputError(path, "文件不存在 (file not found)") from err


def _industries(path: Path) -> dict[str, SwIndustry]:
    out: dict[str, SwIndustry] = {}
    for line, row in _read_csv(path, ("code", "name", "level", "parent")):
        if row["code"] in out:
            raise InputError(path, f"行业代码 {row['code']} 重复", line=line)
        out[row["code"]] = SwIndustry(code=row["code"], name=row["name"], level=int(row["level"]),
                                      parent=row["parent"] or None)
    return out


def _codes(path: Path, raw: dict[str, Any], key: str, industries: Mapping[str, SwIndustry],
           where: str) -> tuple[str, ...]:
    values = raw.get(key) or []
    if not isinstance(values, list):
        raise InputError(path, f"{where} 的 {key} 应为列表", line=raw.get("__line__"))
    out = tuple(str(v) for v in values)
    unknown = [c for c in out if c not in industries]
    if unknown:
        raise InputError(path, f"{where} 的 {key} 中 {unknown[0]} 不是申万行业代码",
                         line=raw.get("__line__"))
    return out


def _links(path: Path, industries: Mapping[str, SwIndustry]
           ) -> dict[tuple[str, str], LinkIndustries]:
    from gxatlas.data.chains import load_chains

    chains = {c.id: c for c in load_chains()}
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "应为 产业链 id → 环节 id → {core, broad, words} 的映射")
    out: dict[tuple[str, str], LinkIndustries] = {}
    for chain_id, links in data.items():
        if chain_id == "__line__":
            continue
        if chain_id not in chains:
            raise InputError(path, f"未知产业链 {chain_id!r}", line=data.get("__line__"))
        if not isinstance(links, dict):
            raise InputError(path, f"{chain_id} 应为环节映射")
        known = {lk.id for lk in chains[chain_id].links}
        for link_id, raw in links.items():
            if link_id == "__line__":
                continue
            line = raw.get("__line__") if isinstance(raw, dict) else links.get("__line__")
            if link_id not in known:
                raise InputError(path, f"{chain_id} 没有环节 {link_id!r}", line=line)
            if not isinstance(raw, dict) or set(raw) - {*_LINK_FIELDS, "__line__"}:
                raise InputError(path, f"{chain_id}/{link_id} 只能有 {', '.join(_LINK_FIELDS)}",
                                 line=line)
            where = f"{chain_id}/{link_id}"
            words = raw.get("words") or []
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise InputError(path, f"{where} 的 words 应为文本列表", line=line)
            out[(chain_id, link_id)] = LinkIndustries(
                chain=chain_id, link=link_id, core=_codes(path, raw, "core", industries, where),
                broad=_codes(path, raw, "broad", industries, where), words=tuple(words))
    return out


def _products(path: Path, firms: Mapping[str, dict[str, Any]]) -> None:
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise InputError(path, "应为列表（每条 code, name, products[, city, tags]）")
    seen: set[str] = set()
    for raw in data:
        line = raw.get("__line__") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or set(raw) - {*_PRODUCT_FIELDS, "__line__"}:
            raise InputError(path, f"每条只能有 {', '.join(_PRODUCT_FIELDS)}", line=line)
        code = str(raw.get("code") or "")
        firm = firms.get(code)
        if firm is None:
            raise InputError(path, f"股票代码 {code!r} 不在上市公司名录中", line=line)
        if raw.get("name") != firm["name"]:
            raise InputError(path, f"{code} 的简称应为 {firm['name']}，不是 {raw.get('name')!r}",
                             line=line)
        if code in seen:
            raise InputError(path, f"{code} 重复", line=line)
        seen.add(code)
        products = raw.get("products") or []
        if not products or not all(isinstance(p, str) and p for p in products):
            raise InputError(path, f"{code} 的 products 应为非空文本列表", line=line)
        firm["products"] = tuple(products)
        firm["tags"] = tuple(raw.get("tags") or ())
        if raw.get("city"):
            firm["city_note"] = str(raw["city"])


def _groups(path: Path, raw: Any) -> tuple[RegionGroup, ...]:
    if not isinstance(raw, list):
        raise InputError(path, "groups 应为列表")
    out = []
    for g in raw:
        if not isinstance(g, dict) or not g.get("name") or not isinstance(g.get("members"), list):
            raise InputError(path, "每个区位分组应有 name、weight、members",
                             line=g.get("__line__") if isinstance(g, dict) else None)
        out.append(RegionGroup(name=str(g["name"]), weight=float(g.get("weight", 0.5)),
                               members=tuple(str(m) for m in g["members"])))
    return tuple(out)


def parse_pool(directory: Path) -> Pool:
    """The pool of a directory, validated (see the module docstring)."""
    meta_path = directory / "pool.yaml"
    meta = read_yaml(meta_path)
    if not isinstance(meta, dict) or not all(meta.get(k) for k in ("name", "source", "as_of")):
        raise InputError(meta_path, "应有 name、source、as_of")
    industries = _industries(directory / "sw_industries.csv")
    path = directory / "listed_companies.csv"
    raw_firms: dict[str, dict[str, Any]] = {}
    for line, row in _read_csv(path, _COMPANY_FIELDS):
        code = row["code"]
        if code in raw_firms:
            raise InputError(path, f"股票代码 {code} 重复", line=line)
        if row["sw"] and row["sw"] not in industries:
            raise InputError(path, f"{code} 的行业 {row['sw']} 不在 sw_industries.csv 中",
                             line=line)
        raw_firms[code] = dict(row, longitude=_float(path, line, row["longitude"], "经度"),
                               latitude=_float(path, line, row["latitude"], "纬度"))
    _products(directory / "products.yaml", raw_firms)
    cities = _cities(directory / "cities.csv")
    firms = []
    for code, r in raw_firms.items():
        province, city, lon, lat = r["province"] or None, r["city"] or None, r["longitude"], \
            r["latitude"]
        place_from = "全称" if province else ""
        note = r.get("city_note")
        if note and not city:
            known = cities.get(note)
            if known is None:
                raise InputError(directory / "products.yaml",
                                 f"{code} 的城市 {note} 不在 cities.csv 中（应为地级市全称）")
            province, city, lon, lat = known
            place_from = "补注"
        firms.append(ListedFirm(
            code=code, name=r["name"], full_name=r["full_name"], exchange=r["exchange"],
            listed=r["listed"], sw=r["sw"] or None, province=province, city=city,
            longitude=lon, latitude=lat, products=r.get("products", ()),
            tags=r.get("tags", ()), place_from=place_from))
    firms_t = tuple(firms)
    return Pool(name=str(meta["name"]), source=" ".join(str(meta["source"]).split()),
                as_of=str(meta["as_of"]), firms=firms_t, industries=industries,
                links=_links(directory / "chain_industries.yaml", industries),
                groups=_groups(meta_path, meta.get("groups") or []),
                home_weight=float(meta.get("home_weight", 1.0)),
                by_code={f.code: f for f in firms_t})


def _cities(path: Path) -> dict[str, tuple[str, str, float | None, float | None]]:
    """City full name → (province, city, lon, lat), for the cities products.yaml gives."""
    out: dict[str, tuple[str, str, float | None, float | None]] = {}
    for line, row in _read_csv(path, ("code", "name", "province", "longitude", "latitude")):
        out.setdefault(row["name"], (row["province"], row["name"],
                                     _float(path, line, row["longitude"], "经度"),
                                     _float(path, line, row["latitude"], "纬度")))
    return out


@functools.lru_cache(maxsize=2)
def load_pool(directory: Path | None = None) -> Pool:
    """The bundled pool (read once per process), or the pool of another directory."""
    return parse_pool(directory or POOL_DIR)
