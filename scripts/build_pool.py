"""Rebuild the national candidate pool: gxatlas/data/pool/{listed_companies,sw_industries,cities}.csv.

Source: ../shared/reference/listed_companies/ (China's A-share listed companies with their
申万 2021 level-3 industries, as of October 2021; see its README). Only the facts the chain
analysis needs are kept: stock code, short name, full name, exchange, listing date, the 申万
level-3 industry code, and the province and city where the full name gives them (with the
city's coordinates from cpca's offline registry, for distances). cities.csv lists China's
provinces and prefecture-level cities with coordinates, for the cities products.yaml adds.

The reference has flaws that this script repairs, each visibly:
* a code listed more than once (renamed firms, or another firm's full name filed under the
  code): the record whose full name agrees with the current short name is kept;
* a full name that shares no two-character word with the short name is not trusted (dropped);
* an industry code that disagrees with its name: the name decides (industry.json's code);
* firms that have an industry but no company record are kept with the name only.

Place from the full name: a province (广东、广东省) and/or a prefecture-level city (深圳、深圳市)
at its start, a county-level city written in full (张家港市) or after its province (浙江义乌),
or a city in brackets (孚能科技（赣州）…). Names that start with neither (比亚迪股份有限公司,
中国…) have no place; nothing is guessed.

    .venv/bin/pip install cpca==0.5.5   # only to rebuild: its adcodes.csv
    .venv/bin/python scripts/build_pool.py            # writes the files
    .venv/bin/python scripts/build_pool.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "gxatlas" / "data" / "pool"
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "listed_companies"
if not DEFAULT_REFERENCE.is_dir():  # a worktree under /work/wt/: ../../shared
    DEFAULT_REFERENCE = REPO.parent.parent / "shared" / "reference" / "listed_companies"
COMPANY_FIELDS = ("code", "name", "full_name", "exchange", "listed", "sw", "province", "city",
                  "longitude", "latitude")
INDUSTRY_FIELDS = ("code", "name", "level", "parent")
CITY_FIELDS = ("code", "name", "province", "longitude", "latitude")
EXCHANGES = {"上海证券交易所": "SH", "深圳证券交易所": "SZ", "北京证券交易所": "BJ"}
_MARKS = re.compile(r"^(?:\*?ST|S\*ST|SST|退市|N|C)|(?:-U|-W|-UW|A|B|退)$")
_ETHNIC = re.compile("(?:蒙古族|藏族|回族|维吾尔族|苗族|彝族|壮族|布依族|朝鲜族|满族|侗族|瑶族|白族|"
                     "土家族|哈尼族|哈萨克族|傣族|黎族|傈僳族|佤族|拉祜族|水族|纳西族|羌族|"
                     "柯尔克孜族|景颇族|土族|达斡尔族|仫佬族|仡佬族|锡伯族|布朗族|撒拉族|"
                     "毛南族|阿昌族|普米族|怒族|德昂族|独龙族|鄂温克族|保安族|裕固族|京族|"
                     "塔吉克族|俄罗斯族|鄂伦春族|门巴族|珞巴族|基诺族|东乡族|乌孜别克族|塔塔尔族|"
                     "赫哲族)+自治州$")
_GENERIC = set("股份集团控有限公司")
_DELISTED = re.compile(r"退市|\(退市\)|退$|^PT")
_PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
                   "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆",
                   "香港特别行政区": "香港", "澳门特别行政区": "澳门"}
_MUNICIPALITIES = ("110000", "120000", "310000", "500000")
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _load_build_regions():
    spec = importlib.util.spec_from_file_location("build_regions",
                                                  REPO / "scripts" / "build_regions.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["build_regions"] = module
    spec.loader.exec_module(module)
    return module


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- places --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # province / prefecture / county
    longitude: float | None
    latitude: float | None


def _short(name: str, level: str) -> str:
    if level == "province":
        return _PROVINCE_SHORT.get(name) or re.sub("(省|市)$", "", name)
    if name.endswith("自治州"):
        return _ETHNIC.sub("", name)
    return re.sub("(市|地区|盟)$", "", name)


class Gazetteer:
    """Provinces, prefecture-level and county-level cities of cpca's registry by name."""

    def __init__(self, cpca: dict[str, tuple[str, float | None, float | None]]) -> None:
        self.by_code: dict[str, Place] = {}
        self.start: dict[str, list[Place]] = defaultdict(list)  # names a full name may start with
        self.county_cities: dict[str, list[Place]] = defaultdict(list)  # short → 县级市
        for code, (name, lon, lat) in cpca.items():
            if code.endswith("0000"):
                level = "province"
            elif code.endswith("00"):
                level = "prefecture"
            elif name.endswith("市") and not code.endswith("01"):
                level = "county"
            else:
                continue
            if name in _PLACEHOLDERS:
                continue
            place = Place(code, name, level, lon, lat)
            self.by_code[code] = place
            if level == "county":
                self.start[name].append(place)  # 张家港市 in full
                short = _short(name, level)
                if len(short) >= 2:
                    self.county_cities[short].append(place)
                continue
            self.start[name].append(place)
            short = _short(name, level)
            if len(short) >= 2:
                self.start[short].append(place)
        self.longest = max(len(k) for k in self.start)

    def province_of(self, place: Place) -> Place:
        return self.by_code[place.code[:2] + "0000"]

    def prefecture_of(self, place: Place) -> Place | None:
        if place.level == "province":
            return place if place.code in _MUNICIPALITIES else None
        if place.level == "prefecture" or place.code[:2] + "0000" in _MUNICIPALITIES:
            return self.by_code.get(place.code[:4] + "00") or place
        return self.by_code.get(place.code[:4] + "00")

    def _at(self, text: str, pos: int, *, within: str | None = None) -> Place | None:
        """The longest place name at ``text[pos:]`` (provinces before cities of one name)."""
        for size in range(min(self.longest, len(text) - pos), 1, -1):
            found = self.start.get(text[pos:pos + size])
            if not found:
                continue
            if within:
                found = [p for p in found if p.code.startswith(within[:2]) and p.level != "province"]
                if not found:
                    continue
            return sorted(found, key=lambda p: ("province", "prefecture", "county").index(p.level))[0]
        return None

    def place(self, full_name: str) -> Place | None:
        """The deepest place a full name gives (see the module docstring), or None."""
        text = full_name.strip()
        bracket = re.search(r"[（(]([^（）()]{2,8})[）)]", text)
        first = self._at(text, 0)
        if first is None and bracket:
            first = self._at(bracket.group(1), 0)
        if first is None:
            return None
        if first.level == "province" and first.code not in _MUNICIPALITIES:
            rest = len(first.name) if text.startswith(first.name) else len(_short(first.name,
                                                                                  "province"))
            deeper = self._at(text, rest, within=first.code)
            if deeper is None:
                for size in range(4, 1, -1):
                    cands = [p for p in self.county_cities.get(text[rest:rest + size], ())
                             if p.code.startswith(first.code[:2])]
                    if cands:
                        deeper = cands[0]
                        break
            return deeper or first
        return first


# --- companies -----------------------------------------------------------------------------

def _core(name: str) -> str:
    return _MARKS.sub("", name.replace(" ", ""))


def _agrees(short: str, full: str) -> int:
    """How many distinct characters of the short name (but the generic 股份、集团、控股 …)
    the full name contains: 沪农商行 / 上海农村商业银行 share 3, 龙软科技 / 中国交通建设 none."""
    core = set(_core(short)) - _GENERIC
    return sum(1 for ch in core if ch in full)


def _trusted(short: str, full: str) -> bool:
    core = set(_core(short)) - _GENERIC
    return _agrees(short, full) >= min(2, len(core))


def _exchange(code: str, location: str) -> str:
    if location in EXCHANGES:
        return EXCHANGES[location]
    if code.startswith("6"):
        return "SH"
    if code.startswith(("0", "3")):
        return "SZ"
    return "BJ"


def read_reference(ref: Path) -> tuple[list[dict], list[dict], list[str]]:
    """(companies, industries, notes on repairs) from the reference directory."""
    notes: list[str] = []
    industries = {r["code"]: r["name"] for r in _jsonl(ref / "industry.json")}
    by_name = {name: code for code, name in industries.items()}
    parent = {r["from_code"]: r["to_code"] for r in _jsonl(ref / "industry_industry.json")}
    industry_rows = []
    for code, name in sorted(industries.items()):
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        industry_rows.append({"code": code, "name": name, "level": level,
                              "parent": parent.get(code, "")})

    sw: dict[str, tuple[str, str]] = {}  # code6 -> (industry code, current short name)
    fixed = 0
    for r in _jsonl(ref / "company_industry.json"):
        name = r["industry_name"]
        code = by_name.get(name) or by_name.get(name.rstrip("Ⅲ")) or (
            r["industry_code"] if r["industry_code"] in industries else None)
        if code is None:
            notes.append(f"未知行业 {r['industry_code']} {name}（{r['company_name']}）")
            continue
        fixed += code != r["industry_code"]
        sw[r["company_code"][:6]] = (code, r["company_name"])
    notes.append(f"行业代码与名称不一致、按名称改正: {fixed} 家")

    groups: dict[str, list[dict]] = defaultdict(list)
    for r in _jsonl(ref / "company.json"):
        groups[r["code"][:6]].append(r)
    companies = []
    dropped_full = delisted = 0
    for code in sorted(set(groups) | set(sw)):
        current = sw.get(code, (None, None))[1]
        recs = groups.get(code, [])
        best = None
        if recs:
            best = max(recs, key=lambda r: (_trusted(current or r["name"], r["fullname"]),
                                            r["name"] == current,
                                            _agrees(current or r["name"], r["fullname"]),
                                            r["time"] if r["time"][:1].isdigit() else ""))
            if len(recs) > 1:
                notes.append(f"{code} 有 {len(recs)} 条记录，取 {best['fullname']}")
        name = current or (best["name"] if best else "")
        full = best["fullname"] if best else ""
        if _DELISTED.search(name):
            delisted += 1
            continue
        if full and not _trusted(name, full):
            dropped_full += 1
            full = ""
        listed = best["time"] if best and best["time"][:1].isdigit() else ""
        companies.append({"code": code, "name": name, "full_name": full,
                          "exchange": _exchange(code, best["location"] if best else ""),
                          "listed": listed, "sw": sw.get(code, ("", ""))[0]})
    # a B share of a firm whose A share is listed too: one firm, the A share kept
    a_shares = {c["full_name"] for c in companies if c["full_name"] and c["code"][:1] in "036"}
    b_dups = [c for c in companies if c["code"][:3] in ("200", "900") and c["full_name"] in a_shares]
    companies = [c for c in companies if c not in b_dups]
    notes.append(f"已退市、不收: {delisted} 家；同一公司的 B 股、只留 A 股: {len(b_dups)} 家")
    notes.append(f"全称与简称不符、未采用: {dropped_full} 家")
    return companies, industry_rows, notes


def locate(companies: list[dict], gazetteer: Gazetteer) -> None:
    for c in companies:
        place = gazetteer.place(c["full_name"]) if c["full_name"] else None
        c.update(province="", city="", longitude="", latitude="")
        if place is None:
            continue
        province = gazetteer.province_of(place)
        city = gazetteer.prefecture_of(place)
        at = city or province
        c["province"] = province.name
        c["city"] = city.name if city else ""
        c["longitude"] = f"{at.longitude:.4f}" if at.longitude is not None else ""
        c["latitude"] = f"{at.latitude:.4f}" if at.latitude is not None else ""


def city_rows(gazetteer: Gazetteer) -> list[dict]:
    """Provinces and prefecture-level cities with coordinates (for cities given by hand)."""
    rows = []
    for code, place in sorted(gazetteer.by_code.items()):
        if place.level == "county" or place.name in _PLACEHOLDERS:
            continue
        rows.append({"code": code, "name": place.name,
                     "province": gazetteer.province_of(place).name,
                     "longitude": f"{place.longitude:.4f}" if place.longitude is not None else "",
                     "latitude": f"{place.latitude:.4f}" if place.latitude is not None else ""})
    return rows


def _csv(rows: list[dict], fields: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row[k] for k in fields})
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="重建全国候选企业库 (gxatlas/data/pool)")
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                        help="上市公司参考数据目录 (listed_companies)")
    parser.add_argument("--cpca", type=Path, default=None, help="cpca adcodes.csv 路径")
    parser.add_argument("--out-dir", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="只检查文件是否最新")
    parser.add_argument("--verbose", action="store_true", help="列出每处修正")
    args = parser.parse_args(argv)
    regions = _load_build_regions()
    gazetteer = Gazetteer(regions.read_cpca(args.cpca or regions._default_cpca()))
    companies, industries, notes = read_reference(args.reference)
    locate(companies, gazetteer)
    outputs = {args.out_dir / "listed_companies.csv": _csv(companies, COMPANY_FIELDS),
               args.out_dir / "sw_industries.csv": _csv(industries, INDUSTRY_FIELDS),
               args.out_dir / "cities.csv": _csv(city_rows(gazetteer), CITY_FIELDS)}
    stale = [p for p, text in outputs.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"{p}: 需要重新生成 (scripts/build_pool.py)", file=sys.stderr)
        return 1 if stale else 0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for p, text in outputs.items():
        p.write_text(text, encoding="utf-8")
        print(f"{p}: {text.count(chr(10)) - 1} 行")
    placed = sum(1 for c in companies if c["province"])
    with_city = sum(1 for c in companies if c["city"])
    print(f"有行业 {sum(1 for c in companies if c['sw'])} 家；全称给出省份 {placed} 家，城市 "
          f"{with_city} 家（共 {len(companies)} 家）")
    for note in notes if args.verbose else notes[:2] + notes[-1:]:
        print("  " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
