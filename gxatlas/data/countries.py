"""ISO 3166-1 countries (countries.csv, built by scripts/build_countries.py from iso-codes):
codes and English and Chinese names, for tables whose regions are countries."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from gxatlas.names import name_key

_PATH = Path(__file__).parent / "countries.csv"


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: str
    name_en: str
    name_zh: str


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Country]:
    out: dict[str, Country] = {}
    with _PATH.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            c = Country(**rec)
            for n in (c.alpha3, c.alpha2, c.numeric):
                out.setdefault(n.upper(), c)
            for n in (c.name_en, c.name_zh):
                out.setdefault(name_key(n).upper(), c)
    return out


def find_country(name: str | None) -> Country | None:
    """The country of an ISO 3166-1 code (``VNM``, ``VN``, ``704``) or an English or Chinese
    name (``Viet Nam``, ``越南``), or None."""
    if not name:
        return None
    text = name.strip()
    return _index().get(text.upper()) or _index().get(name_key(text).upper())
