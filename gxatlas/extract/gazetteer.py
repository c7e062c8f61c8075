"""The gazetteer that entity extraction reads: regions and the names the caller knows.

Built from the bundled regional data (``gxatlas.data.load_regions``) plus the park and
enterprise names a caller passes in (the KB, for instance). Extraction never imports
``gxatlas.kb``: the caller hands names over.

A region is found in running text by its full name (`宾阳县`) or its short name (`宾阳`); a
county resolves to its prefecture city, which is what the ``city`` of a fact holds.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

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
    """Region records from ``gxatlas.data.load_regions`` (the one source of regions)."""
    from gxatlas.data import load_regions

    return [dataclasses.asdict(r) for r in load_regions().records]


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
