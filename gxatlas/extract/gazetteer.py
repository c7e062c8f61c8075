"""The gazetteer that entity extraction reads: regions and the names the caller knows.

Built from the bundled regional data (``gxatlas.data.load_regions``), the places of the rest
of China that extraction recognizes without the KB holding them (gxatlas/data/china_places.csv:
prefecture-level cities, county-level cities by their short name, counties by their full
name), plus the park and enterprise names a caller passes in (the KB, for instance).
Extraction never imports ``gxatlas.kb``: the caller hands names over.

Names are found with an Aho-Corasick automaton (leftmost-longest, linear in the text).

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

import ahocorasick

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
    # spellings found only in a text that also names the place's prefecture (short names of
    # county-level cities beyond regions.csv: `南雄` with 韶关, not `临海` on its own)
    conditional: frozenset[str] = frozenset()
    known_parks: frozenset[str] = frozenset()
    known_enterprises: frozenset[str] = frozenset()
    known_projects: frozenset[str] = frozenset()
    _matcher: Any = field(default=None, repr=False, compare=False)

    def place(self, name: str) -> Place | None:
        return self.places.get(name)

    @functools.cached_property
    def known_matcher(self) -> Any:
        """The Aho-Corasick automaton of the known names (values: (name, kind)), or None
        without any; built once per gazetteer (a KB's names may be a registry's million
        firms: listing them again for each document cost more than reading it). Parks and
        projects of three characters or more, firms of two or more."""
        pairs = {(n, "park") for n in self.known_parks if len(n) >= 3}
        pairs |= {(n, "enterprise") for n in self.known_enterprises if len(n) >= 2}
        pairs |= {(n, "project") for n in self.known_projects if len(n) >= 3}
        if not pairs:
            return None
        automaton = ahocorasick.Automaton()
        for name, kind in sorted(pairs):
            automaton.add_word(name, (name, kind))
        automaton.make_automaton()
        return automaton

    def city_of(self, name: str) -> str | None:
        """The prefecture city of a region name (`宾阳县` -> `南宁`), or None."""
        p = self.places.get(name)
        return p.city if p else None

    def find_places(self, text: str) -> list[tuple[int, int, Place]]:
        """Every region name in ``text`` (leftmost-longest, left to right, not overlapping)."""
        if self._matcher is None or not text:
            return []
        hits = [(end + 1 - len(name), end + 1, name)
                for end, name in self._matcher.automaton.iter_long(text)]
        if self.conditional and any(n in self.conditional for _, _, n in hits):
            named = {self.places[n].city for _, _, n in hits if n not in self.conditional}
            hits = [h for h in hits if h[2] not in self.conditional or self.places[h[2]].city in named]
        return [(s, e, self.places[n]) for s, e, n in hits]

    def match_place(self, text: str, pos: int) -> tuple[int, Place] | None:
        """The longest region name starting at ``pos``: (end, place), or None."""
        if self._matcher is None:
            return None
        for n in range(min(self._matcher.longest, len(text) - pos), 1, -1):
            p = self.places.get(text[pos:pos + n])
            if p is not None and text[pos:pos + n] not in self.conditional:
                return pos + n, p
        return None

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


CHINA_PLACES = Path(__file__).resolve().parent.parent / "data" / "china_places.csv"


def _china_places(path: Path = CHINA_PLACES) -> tuple[dict[str, Place], set[str]]:
    """Spellings of the places beyond regions.csv (see scripts/build_china_places.py) and
    those of them found only beside their prefecture."""
    out: dict[str, Place] = {}
    conditional: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            place = Place(code=r["code"], name=r["name"], short_name=r["short_name"],
                          level=r["level"], city=r["prefecture"] or None,
                          province=r["province"] or None)
            out.setdefault(r["name"], place)
            if r["short_ok"] != "0" and len(r["short_name"]) >= 2 and r["short_name"] not in out:
                out[r["short_name"]] = place
                if r["short_ok"] == "with_prefecture":
                    conditional.add(r["short_name"])
    return out, conditional


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
        # a province-level city (重庆, 上海) is the city of what is in it
        city = short(pref) if pref else (short(r) if level == "province" and str(r["name"]).endswith("市") else None)
        place = Place(code=str(r["code"]), name=str(r["name"]), short_name=short(r), level=level,
                      city=city, province=short(prov) if prov else None)
        spellings = {place.name, *_aliases(r.get("aliases"))}
        if place.short_name not in _AMBIGUOUS_SHORT or level in ("province", "prefecture"):
            spellings.add(place.short_name)
        for s in spellings:
            if len(s) >= 2 and (s not in places or _LEVEL_RANK[level] <= _LEVEL_RANK[places[s].level]):
                places[s] = place
    return places


@dataclass(frozen=True)
class _Matcher:
    automaton: Any
    longest: int


def _compile(names: Iterable[str]) -> _Matcher | None:
    words = {n for n in names if n}
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    return _Matcher(automaton, max(map(len, words)))


@functools.lru_cache(maxsize=1)
def _default_places() -> tuple[dict[str, Place], frozenset[str], _Matcher | None]:
    places = _places(_records_from_data())
    extra, conditional = _china_places()
    for spelling, place in extra.items():
        places.setdefault(spelling, place)
    return places, frozenset(c for c in conditional if places[c] is extra[c]), _compile(places)


def build_gazetteer(*, known_parks: Iterable[str] = (), known_enterprises: Iterable[str] = (),
                    known_projects: Iterable[str] = (),
                    regions: Iterable[Mapping[str, Any]] | None = None) -> Gazetteer:
    """A gazetteer of the bundled regions (or ``regions``) and the caller's known names
    (extraction finds every one of them in a text; see gxatlas/extract/known.py)."""
    conditional: frozenset[str] = frozenset()
    if regions is None:
        places, conditional, matcher = _default_places()
    else:
        places = _places(regions)
        matcher = _compile(places)
    return Gazetteer(places=places, conditional=conditional, known_parks=frozenset(known_parks),
                     known_enterprises=frozenset(known_enterprises),
                     known_projects=frozenset(known_projects), _matcher=matcher)


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer of the bundled regions alone (cached)."""
    return build_gazetteer()


_FULL_NAME_ONLY = frozenset({"county", "city"})


@functools.lru_cache(maxsize=1)
def region_names() -> Mapping[str, str]:
    """Region spellings -> the short name a fact's scope uses (from ``gxatlas.data``).

    Provinces, prefectures, countries and groups are found by any of their names; counties
    and foreign cities only by their full name (short ones are often ordinary words). A
    broken regions table raises (``InputError`` naming the file and line): extraction without
    regions would silently drop every scope.
    """
    from gxatlas.data import load_regions

    regions = load_regions()
    out: dict[str, str] = {}
    for r in regions.records:
        display = r.short_name or r.name
        spellings = {r.name} if r.level in _FULL_NAME_ONLY else {r.name, r.short_name, *r.aliases}
        for s in spellings:
            if s and len(s) >= 2:
                out.setdefault(s, display)
    # the rest of China: prefectures by any usable name, counties by their full name
    extra, conditional = _china_places()
    for spelling, place in extra.items():
        if spelling not in conditional and (place.level == "prefecture" or spelling == place.name):
            out.setdefault(spelling, place.short_name)
    return out
