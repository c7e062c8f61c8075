"""The gazetteer that entity extraction reads: regions and the names the caller knows.

Built from the bundled regional data (``gxatlas.data.load_regions`` or, until that loader is
available, ``gxatlas/data/regions.csv``) plus the park and enterprise names a caller passes in
(the KB, for instance). Extraction never imports ``gxatlas.kb``: the caller hands names over.

A region is found in running text by its full name (`宾阳县`) or its short name (`宾阳`); a
county resolves to its prefecture city, which is what the ``city`` of a fact holds.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

_DATA = Path(__file__).resolve().parent.parent / "data"

# Used only when gxatlas/data has no regions yet: Guangxi's prefecture cities and their
# county-level divisions (GB/T 2260), enough to resolve a county to its city.
_FALLBACK_GUANGXI = {
    "南宁": "兴宁区 青秀区 江南区 西乡塘区 良庆区 邕宁区 武鸣区 横州市 宾阳县 上林县 马山县 隆安县",
    "柳州": "城中区 鱼峰区 柳南区 柳北区 柳江区 柳城县 鹿寨县 融安县 融水苗族自治县 三江侗族自治县",
    "桂林": "秀峰区 叠彩区 象山区 七星区 雁山区 临桂区 阳朔县 灵川县 全州县 兴安县 永福县 灌阳县 "
            "龙胜各族自治县 资源县 平乐县 荔浦市 恭城瑶族自治县",
    "梧州": "万秀区 长洲区 龙圩区 苍梧县 藤县 蒙山县 岑溪市",
    "北海": "海城区 银海区 铁山港区 合浦县",
    "防城港": "港口区 防城区 上思县 东兴市",
    "钦州": "钦南区 钦北区 灵山县 浦北县",
    "贵港": "港北区 港南区 覃塘区 平南县 桂平市",
    "玉林": "玉州区 福绵区 容县 陆川县 博白县 兴业县 北流市",
    "百色": "右江区 田阳区 田东县 德保县 那坡县 凌云县 乐业县 田林县 西林县 隆林各族自治县 靖西市 平果市",
    "贺州": "八步区 平桂区 昭平县 钟山县 富川瑶族自治县",
    "河池": "金城江区 宜州区 南丹县 天峨县 凤山县 东兰县 罗城仫佬族自治县 环江毛南族自治县 "
            "巴马瑶族自治县 都安瑶族自治县 大化瑶族自治县",
    "来宾": "兴宾区 忻城县 象州县 武宣县 金秀瑶族自治县 合山市",
    "崇左": "江州区 扶绥县 宁明县 龙州县 大新县 天等县 凭祥市",
}
# Short names that are ordinary words or too ambiguous to stand alone in running text.
_AMBIGUOUS_SHORT = frozenset({"城中", "江南", "港口", "资源", "象山", "七星", "长洲", "港北", "港南",
                              "兴业", "容", "藤", "八步", "右江", "平桂", "兴宁", "青秀", "防城"})
_LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "city": 2, "county": 3}
_SUFFIX = re.compile(r"(各族自治县|[苗侗瑶壮仫佬毛南]+族自治县|自治县|自治区|壮族自治区|市|县|区|地区|盟|州)$")


@dataclass(frozen=True)
class Place:
    """A region as extraction needs it: its names, level and the prefecture city it is in."""

    code: str
    name: str
    short_name: str
    level: str
    city: str | None  # the prefecture city (short name) this place belongs to, if any
    province: str | None


@dataclass(frozen=True)
class Gazetteer:
    """Regions by every name they go by, plus park and enterprise names known to the caller."""

    places: Mapping[str, Place]  # every spelling -> place
    known_parks: frozenset[str] = frozenset()
    known_enterprises: frozenset[str] = frozenset()
    _pattern: re.Pattern[str] = field(default=re.compile(r"(?!x)x"), repr=False, compare=False)

    def place(self, name: str) -> Place | None:
        return self.places.get(name)

    def city_of(self, name: str) -> str | None:
        """The prefecture city of a region name (`宾阳县` -> `南宁`), or None."""
        p = self.places.get(name)
        return p.city if p else None

    def find_places(self, text: str) -> list[tuple[int, int, Place]]:
        """Every region name in ``text`` (longest match first, left to right)."""
        return [(m.start(), m.end(), self.places[m.group()]) for m in self._pattern.finditer(text)]

    def match_place(self, text: str, pos: int) -> tuple[int, Place] | None:
        """The longest region name starting at ``pos``: (end, place), or None."""
        m = self._pattern.match(text, pos)
        return (m.end(), self.places[m.group()]) if m else None

    def first_city(self, text: str) -> str | None:
        """The prefecture city of the first region named in ``text`` that has one."""
        for _, _, p in self.find_places(text):
            if p.city:
                return p.city
        return None


def _short(name: str) -> str:
    s = _SUFFIX.sub("", name)
    return s if len(s) >= 2 else name


def _records_from_data() -> list[Mapping[str, Any]]:
    """Region records from gxatlas.data (loader or CSV); the Guangxi fallback when absent."""
    try:
        from gxatlas.data import load_regions
    except ImportError:  # the loader is not there yet: read the CSV below
        load_regions = None  # type: ignore[assignment]
    if load_regions is not None:
        regions = load_regions()
        records = getattr(regions, "records", regions)
        out = [r if isinstance(r, Mapping) else dataclasses.asdict(r) for r in records]
        if out:
            return out
    path = _DATA / "regions.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows:
            return rows
    return _fallback_records()


def _fallback_records() -> list[Mapping[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"code": "450000", "name": "广西壮族自治区", "short_name": "广西", "level": "province",
         "parent": "", "aliases": "广西"}]
    for i, (city, counties) in enumerate(_FALLBACK_GUANGXI.items(), 1):
        code = f"45{i:02d}00"
        rows.append({"code": code, "name": city + "市", "short_name": city, "level": "prefecture",
                     "parent": "450000", "aliases": ""})
        for j, c in enumerate(counties.split(), 1):
            rows.append({"code": f"45{i:02d}{j:02d}", "name": c, "short_name": _short(c),
                         "level": "county", "parent": code, "aliases": ""})
    return rows


def _aliases(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a for a in value.split("|") if a]
    return [str(a) for a in value if a]


def _places(records: Iterable[Mapping[str, Any]]) -> dict[str, Place]:
    recs = [r for r in records if str(r.get("country") or "CN") == "CN"]
    by_code = {str(r["code"]): r for r in recs}

    def short(r: Mapping[str, Any]) -> str:
        return str(r.get("short_name") or _short(str(r["name"])))

    def ancestor(r: Mapping[str, Any], level: str) -> Mapping[str, Any] | None:
        seen = 0
        while r is not None and seen < 6:
            if str(r.get("level")) == level or (level == "prefecture" and r.get("level") == "city"
                                                 and by_code.get(str(r.get("parent") or ""), {})
                                                 .get("level") == "province"):
                return r
            r = by_code.get(str(r.get("parent") or ""))  # type: ignore[assignment]
            seen += 1
        return None

    places: dict[str, Place] = {}
    # lower levels first so that a prefecture wins a spelling shared with a county
    for r in sorted(recs, key=lambda r: -_LEVEL_RANK.get(str(r.get("level")), 4)):
        level = str(r.get("level"))
        if level not in _LEVEL_RANK:
            continue
        pref = ancestor(r, "prefecture")
        prov = ancestor(r, "province")
        place = Place(code=str(r["code"]), name=str(r["name"]), short_name=short(r), level=level,
                      city=short(pref) if pref else None, province=short(prov) if prov else None)
        spellings = {place.name, *_aliases(r.get("aliases"))}
        if place.short_name not in _AMBIGUOUS_SHORT or level in ("province", "prefecture"):
            spellings.add(place.short_name)
        for s in spellings:
            if len(s) >= 2 and (s not in places or _LEVEL_RANK[level] <= _LEVEL_RANK[places[s].level]):
                places[s] = place
    return places


def _compile(names: Iterable[str]) -> re.Pattern[str]:
    alts = sorted(set(names), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, alts))) if alts else re.compile(r"(?!x)x")


@functools.lru_cache(maxsize=1)
def _default_places() -> tuple[dict[str, Place], re.Pattern[str]]:
    places = _places(_records_from_data())
    return places, _compile(places)


def build_gazetteer(*, known_parks: Iterable[str] = (), known_enterprises: Iterable[str] = (),
                    regions: Iterable[Mapping[str, Any]] | None = None) -> Gazetteer:
    """A gazetteer of the bundled regions (or ``regions``) and the caller's known names."""
    if regions is None:
        places, pattern = _default_places()
    else:
        places = _places(regions)
        pattern = _compile(places)
    return Gazetteer(places=places, known_parks=frozenset(known_parks),
                     known_enterprises=frozenset(known_enterprises), _pattern=pattern)


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer of the bundled regions alone (cached)."""
    return build_gazetteer()
