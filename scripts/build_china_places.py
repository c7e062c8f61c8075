"""Rebuild gxatlas/data/china_places.csv: the places of China that extraction recognizes
beyond gxatlas/data/regions.csv.

regions.csv (the KB's regions) holds all of Guangxi but only the provinces and a few
prefecture-level cities elsewhere; documents about Guangxi's partners and neighbours name
many more (`滨州`, `韶关南雄`, `陇川县`). This file lists, from cpca's offline registry
(adcodes.csv, the same source as regions.csv), every prefecture-level city, county-level city
and county outside Guangxi that regions.csv does not have, with its province and prefecture.
Extraction only recognizes them (a fact's ``city``, a document's region); the KB is unchanged.

A prefecture's short name (`滨州`) is usable in running text unless it is also a common word
(``_COMMON``: `日照`, `白银`…); a county-level city's short name (`南雄` for 南雄市) is marked
usable only in a text that names its prefecture too (``short_ok`` = ``with_prefecture``; many
are ordinary words elsewhere: `临海`, `高密`), and not at all when jieba's dictionary knows it as
a common word of frequency 500 or more; a county is recognized by its full name only
(`陇川县`); districts (区) are left out.

    .venv/bin/python scripts/build_china_places.py --cpca path/to/cpca/resources/adcodes.csv
    .venv/bin/python scripts/build_china_places.py --check --cpca …   # exit 1 if stale
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "gxatlas" / "data"
OUT = DATA / "china_places.csv"
SOURCE = "cpca 0.5.5 adcodes.csv"
FIELDS = ("code", "name", "short_name", "level", "prefecture", "province", "short_ok", "source")
_MUNICIPALITIES = ("11", "12", "31", "50")  # province-level cities: their counties are theirs
# prefecture short names that are ordinary words (`日照` sunshine, `白银` silver, `朝阳产业`)
_COMMON = frozenset({"开封", "大同", "日照", "白银", "阿里", "朝阳", "保定", "黄石", "吉安", "安康",
                     "长治", "包头", "大连", "通化", "抚顺", "本溪", "辽阳", "铁岭", "白城", "七台河"})
_ETHNIC = re.compile(r"^([\u4e00-\u9fff]{2,}?)(?:[^族]{1,4}族)+自治(?:州|县|旗)$")


def short_name(name: str) -> str:
    m = _ETHNIC.match(name)
    if m:
        return m.group(1)
    stem = re.sub(r"(市|地区|盟|县|旗|自治州|省)$", "", name)
    return stem if len(stem) >= 2 else name


def _common_words() -> dict[str, tuple[int, str]]:
    import jieba

    out: dict[str, tuple[int, str]] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = (int(parts[1]), parts[2])
    return out


def build(cpca: Path) -> list[dict[str, str]]:
    names: dict[str, str] = {}
    with cpca.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            names.setdefault(rec["adcode"][:6], rec["name"])
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as fh:
        regions = list(csv.DictReader(fh))
    known = {r["code"] for r in regions}
    provinces = {r["code"]: r["short_name"] for r in regions if r["level"] == "province"}
    words = _common_words()
    rows: list[dict[str, str]] = []
    for code, name in sorted(names.items()):
        if code.startswith("45") or code in known or code.endswith("0000"):
            continue
        province = provinces[code[:2] + "0000"]
        if code.endswith("00"):
            if code[:2] in _MUNICIPALITIES or not name.endswith(("市", "州", "地区", "盟")):
                continue  # 市辖区 / 县 placeholders of municipalities
            level, prefecture = "prefecture", short_name(name)
        elif name.endswith("区") or name in ("市辖区",):
            continue
        else:
            level = "county"
            parent = names.get(code[:4] + "00", "")
            if code[:2] in _MUNICIPALITIES:
                prefecture = province
            elif parent.endswith(("市", "州", "地区", "盟")) and not parent.startswith(("省直辖", "自治区直辖")):
                prefecture = short_name(parent)
            else:
                prefecture = short_name(name)  # a county-level city under the province itself
        short = short_name(name)
        freq, tag = words.get(short, (0, "ns"))
        if level == "prefecture":
            usable = "0" if short in _COMMON else "1"
        else:
            usable = "with_prefecture" if name.endswith("市") and (tag == "ns" or freq < 500) else "0"
        rows.append({"code": code, "name": name, "short_name": short, "level": level,
                     "prefecture": prefecture, "province": province,
                     "short_ok": usable, "source": SOURCE})
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpca", type=Path, required=True, help="cpca's resources/adcodes.csv")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    text = render(build(a.cpca))
    if a.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("china_places.csv is up to date" if same else "china_places.csv is stale")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} places)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
