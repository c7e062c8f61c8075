"""Rebuild gxatlas/data/regions.csv and gxatlas/data/userdict.txt.

regions.csv: the Chinese part comes from cpca's offline registry (adcodes.csv: 12-digit
adcode, name, GCJ-02 longitude/latitude); Guangxi is taken whole (the region, its 14
prefecture-level cities and every county-level division), the rest of China only as far as
the seed documents name places (all provincial-level units, and the prefecture-level cities
listed in ``_NAMED_PREFECTURES``). cpca predates a few Guangxi changes of status, applied from
``_ADCODE_UPDATES``. Foreign countries, foreign cities and groups of places are kept by hand in
this file (coordinates: city centre or capital, entered from general knowledge).

userdict.txt: a jieba user dictionary of region names and industry names and synonyms, so
segmentation keeps them whole. No park or enterprise names go in it.

    .venv/bin/python scripts/build_regions.py            # writes both files
    .venv/bin/python scripts/build_regions.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "gxatlas" / "data"
CPCA_SOURCE = "cpca 0.5.5 adcodes.csv (GCJ-02)"
FIELDS = ("code", "name", "short_name", "level", "parent", "country",
          "longitude", "latitude", "aliases", "source")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    short_name: str
    level: str
    parent: str
    country: str
    longitude: float | None
    latitude: float | None
    aliases: tuple[str, ...] = ()
    source: str = ""

    def row(self) -> dict[str, str]:
        return {
            "code": self.code, "name": self.name, "short_name": self.short_name,
            "level": self.level, "parent": self.parent, "country": self.country,
            "longitude": _coord(self.longitude), "latitude": _coord(self.latitude),
            "aliases": "|".join(self.aliases), "source": self.source,
        }


def _coord(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


# Prefecture-level cities outside Guangxi that the seeds name (seed stem prefix in comments).
_NAMED_PREFECTURES: tuple[str, ...] = (
    "520100",  # 贵阳  000 南向通道
    "510100",  # 成都  000
    "610100",  # 西安  000, 002
    "620100",  # 兰州  000, 002
    "530100",  # 昆明  001 南宁至昆明客专
    "440100",  # 广州  000, 002, 003
    "440300",  # 深圳  000, 002, 003
    "440400",  # 珠海  002
    "440600",  # 佛山  000
    "441300",  # 惠州  粤港澳大湾区 member
    "441900",  # 东莞  000, 002
    "442000",  # 中山  粤港澳大湾区 member
    "440700",  # 江门  粤港澳大湾区 member
    "441200",  # 肇庆  000
    "440800",  # 湛江  001 合浦至湛江铁路
    "431100",  # 永州  001 洛湛铁路永州至玉林段
)

# Guangxi changes of status after cpca's snapshot: old code -> (new code, new name).
_ADCODE_UPDATES: dict[str, tuple[str, str]] = {
    "450127": ("450181", "横州市"),   # 2021 撤县设市
    "450331": ("450381", "荔浦市"),   # 2018 撤县设市
    "451023": ("451082", "平果市"),   # 2019 撤县设市
    "451021": ("451003", "田阳区"),   # 2019 撤县设区
    "451281": ("451203", "宜州区"),   # 2016 撤市设区
}
_UPDATE_SOURCE = "manual: 民政部行政区划变更公告"

# Short names that would be common words if the suffix were cut: keep the full name.
_KEEP_FULL = {"港口区", "城中区", "江南区", "资源县"}

_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港", "澳门特别行政区": "澳门",
}
_ETHNIC_SUFFIX = re.compile(r"(各|壮|苗|侗|瑶|仫佬|毛南|回|彝|京|水)族自治县$")

_ALIASES: dict[str, tuple[str, ...]] = {
    "450000": ("广西区",),
    "450181": ("横县",),
    "450381": ("荔浦县",),
    "451082": ("平果县",),
    "451003": ("田阳县",),
    "451203": ("宜州市",),
    "810000": ("香港特区",),
    "820000": ("澳门特区",),
}

_COUNTRY_CN = Region("CN", "中华人民共和国", "中国", "country", "", "CN", 116.4074, 39.9042,
                     (), "manual: capital city")

# Foreign countries: code, name, short name, aliases, capital longitude/latitude.
_COUNTRIES: tuple[tuple[str, str, str, tuple[str, ...], float, float], ...] = (
    ("VN", "越南", "越南", ("越南社会主义共和国",), 105.8342, 21.0278),
    ("LA", "老挝", "老挝", ("老挝人民民主共和国",), 102.6331, 17.9757),
    ("KH", "柬埔寨", "柬埔寨", ("柬埔寨王国",), 104.9282, 11.5564),
    ("TH", "泰国", "泰国", ("泰王国",), 100.5018, 13.7563),
    ("MM", "缅甸", "缅甸", ("缅甸联邦共和国",), 96.1297, 19.7633),
    ("MY", "马来西亚", "马来西亚", ("马来西亚联邦",), 101.6869, 3.1390),
    ("SG", "新加坡", "新加坡", ("新加坡共和国",), 103.8198, 1.3521),
    ("ID", "印度尼西亚", "印度尼西亚", ("印尼", "印度尼西亚共和国"), 106.8456, -6.2088),
    ("PH", "菲律宾", "菲律宾", ("菲律宾共和国",), 120.9842, 14.5995),
    ("BN", "文莱", "文莱", ("文莱达鲁萨兰国",), 114.9398, 4.9031),
    ("AU", "澳大利亚", "澳大利亚", ("澳洲",), 149.1300, -35.2809),
    ("IN", "印度", "印度", ("印度共和国",), 77.2090, 28.6139),
    ("JP", "日本", "日本", ("日本国",), 139.6917, 35.6895),
    ("KR", "韩国", "韩国", ("大韩民国",), 126.9780, 37.5665),
    ("DE", "德国", "德国", ("德意志联邦共和国",), 13.4050, 52.5200),
    ("AE", "阿拉伯联合酋长国", "阿联酋", (), 54.3773, 24.4539),
    ("UY", "乌拉圭", "乌拉圭", ("乌拉圭东岸共和国",), -56.1645, -34.9011),
    ("CL", "智利", "智利", ("智利共和国",), -70.6693, -33.4489),
)

# Foreign cities: code, name, short name, aliases, longitude, latitude (city centre).
_CITIES: tuple[tuple[str, str, str, tuple[str, ...], float, float], ...] = (
    ("VN-HAN", "河内", "河内", ("河内市",), 105.8342, 21.0278),
    ("VN-SGN", "胡志明市", "胡志明", ("西贡",), 106.6297, 10.8231),
    ("VN-HPH", "海防", "海防", ("海防市",), 106.6881, 20.8449),
    ("LA-VTE", "万象", "万象", ("万象市",), 102.6331, 17.9757),
    ("KH-PNH", "金边", "金边", ("金边市",), 104.9282, 11.5564),
    ("KH-REP", "暹粒", "暹粒", ("暹粒市",), 103.8597, 13.3671),
    ("TH-BKK", "曼谷", "曼谷", ("曼谷市",), 100.5018, 13.7563),
    ("TH-CNX", "清迈", "清迈", ("清迈市",), 98.9853, 18.7883),
    ("MM-RGN", "仰光", "仰光", ("仰光市",), 96.1951, 16.8661),
    ("MY-KUL", "吉隆坡", "吉隆坡", (), 101.6869, 3.1390),
    ("MY-PEN", "槟城", "槟城", ("槟榔屿", "乔治市"), 100.3327, 5.4164),
    ("MY-KUA", "关丹", "关丹", ("关丹市",), 103.3260, 3.8077),
    ("SG-SIN", "新加坡市", "新加坡市", ("星洲",), 103.8198, 1.3521),  # city-state: 新加坡 is the country row
    ("ID-JKT", "雅加达", "雅加达", (), 106.8456, -6.2088),
    ("ID-SUB", "泗水", "泗水", ("苏腊巴亚",), 112.7521, -7.2575),
    ("PH-CEB", "宿务", "宿务", ("宿雾",), 123.8854, 10.3157),
    ("BN-BWN", "斯里巴加湾市", "斯里巴加湾", (), 114.9398, 4.9031),
    ("AU-SYD", "悉尼", "悉尼", ("雪梨",), 151.2093, -33.8688),
    ("IN-BOM", "孟买", "孟买", (), 72.8777, 19.0760),
)

# Groups of places: code, name, short name, aliases, country ('' if international),
# approximate centre of the member places.
_GROUPS: tuple[tuple[str, str, str, tuple[str, ...], str, float, float], ...] = (
    ("G-BBW", "广西北部湾经济区", "北部湾经济区", (), "CN", 108.60, 22.20),
    ("G-GBA", "粤港澳大湾区", "粤港澳大湾区", ("大湾区",), "CN", 113.50, 22.60),
    ("G-ASEAN", "东南亚国家联盟", "东盟", ("ASEAN", "东盟国家", "东盟十国"), "", 106.00, 10.00),
    ("G-XLHD", "西部陆海新通道", "西部陆海新通道",
     ("陆海新通道", "国际陆海贸易新通道", "南向通道", "中新互联互通南向通道"), "CN", 106.50, 27.00),
    ("G-RCEP", "区域全面经济伙伴关系协定成员国", "RCEP成员国", ("RCEP国家",), "", 115.00, 5.00),
    ("G-CAFTA", "中国—东盟自由贸易区", "中国—东盟自贸区", ("中国—东盟自由贸易区升级版",), "",
     108.00, 15.00),
    ("G-BRI", "一带一路沿线国家和地区", "一带一路沿线", ("一带一路沿线国家",), "", 80.00, 30.00),
    ("G-CICPEC", "中国—中南半岛经济走廊", "中国—中南半岛经济走廊", ("中南半岛经济走廊",), "",
     104.00, 15.00),
    ("G-YRD", "长江三角洲", "长三角", ("长江三角洲地区",), "CN", 120.50, 31.00),
    ("G-PRD", "珠江三角洲", "珠三角", ("珠江三角洲地区",), "CN", 113.40, 22.80),
    ("G-JJJ", "京津冀", "京津冀", ("京津冀地区",), "CN", 116.50, 39.20),
    ("G-CY", "川渝地区", "川渝", ("成渝地区",), "CN", 105.30, 30.10),
    ("G-YREB", "长江经济带", "长江经济带", (), "CN", 112.00, 30.00),
    ("G-PRXJ", "珠江—西江经济带", "珠江—西江经济带", ("珠西经济带",), "CN", 110.50, 23.20),
    ("G-SEA", "东南亚地区", "东南亚", (), "", 110.00, 5.00),
    ("G-SA", "南亚地区", "南亚", (), "", 78.00, 20.00),
)


def short_name(*, name: str, level: str) -> str:
    """The everyday short form of an official Chinese place name (南宁市 -> 南宁)."""
    if level == "province":
        if name in _PROVINCE_SHORT:
            return _PROVINCE_SHORT[name]
        return re.sub(r"(省|市)$", "", name)
    if name in _KEEP_FULL:
        return name
    if name.endswith("自治县"):
        return _ETHNIC_SUFFIX.sub("", name)
    stem = re.sub(r"(市|区|县)$", "", name)
    return stem if len(stem) >= 2 else name


def read_cpca(path: Path) -> dict[str, tuple[str, float | None, float | None]]:
    """cpca's adcodes.csv as {6-digit code: (name, longitude, latitude)}."""
    out: dict[str, tuple[str, float | None, float | None]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            code = rec["adcode"][:6]
            lon = float(rec["longitude"]) if rec["longitude"] else None
            lat = float(rec["latitude"]) if rec["latitude"] else None
            out.setdefault(code, (rec["name"], lon, lat))
    return out


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _parent(code: str) -> str:
    level = _level(code)
    if level == "province":
        return "CN"
    if level == "prefecture":
        return code[:2] + "0000"
    return code[:4] + "00"


def chinese_regions(*, cpca: dict[str, tuple[str, float | None, float | None]]) -> list[Region]:
    """Provinces, all of Guangxi, and the named prefecture-level cities elsewhere."""
    wanted: list[str] = []
    for code in cpca:
        if code.endswith("0000"):
            wanted.append(code)
        elif (code.startswith("45") and not code.endswith("01")) or code in _NAMED_PREFECTURES:
            wanted.append(code)  # XXXX01 is a 市辖区 placeholder, not a place
    missing = [code for code in _NAMED_PREFECTURES if code not in cpca]
    if missing:
        raise SystemExit(f"cpca 缺少区划代码: {', '.join(missing)}")
    rows: list[Region] = []
    for code in sorted(set(wanted)):
        name, lon, lat = cpca[code]
        source = CPCA_SOURCE
        if code in _ADCODE_UPDATES:
            code, name = _ADCODE_UPDATES[code]
            source = f"{CPCA_SOURCE}; {_UPDATE_SOURCE}"
        level = _level(code)
        rows.append(Region(code=code, name=name, short_name=short_name(name=name, level=level),
                           level=level, parent=_parent(code), country="CN", longitude=lon,
                           latitude=lat, aliases=_ALIASES.get(code, ()), source=source))
    return sorted(rows, key=lambda region: region.code)


def foreign_regions() -> list[Region]:
    rows = [Region(code, name, short, "country", "", code, lon, lat, aliases,
                   "manual: capital city")
            for code, name, short, aliases, lon, lat in _COUNTRIES]
    rows += [Region(code, name, short, "city", code[:2], code[:2], lon, lat, aliases,
                    "manual: city centre")
             for code, name, short, aliases, lon, lat in _CITIES]
    rows += [Region(code, name, short, "group", "", country, lon, lat, aliases,
                    "manual: group of places, approximate centre")
             for code, name, short, aliases, country, lon, lat in _GROUPS]
    return rows


def all_regions(*, cpca_path: Path) -> list[Region]:
    regions = [_COUNTRY_CN, *chinese_regions(cpca=read_cpca(cpca_path)), *foreign_regions()]
    _check_unique(regions)
    return regions


def _check_unique(regions: Iterable[Region]) -> None:
    seen_codes: set[str] = set()
    seen_names: dict[str, str] = {}
    for region in regions:
        if region.code in seen_codes:
            raise SystemExit(f"区划代码重复: {region.code}")
        seen_codes.add(region.code)
        for name in {region.name, region.short_name, *region.aliases}:
            other = seen_names.setdefault(name, region.code)
            if other != region.code:
                raise SystemExit(f"地名重复: {name} ({other}, {region.code})")


def regions_csv(regions: Iterable[Region]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for region in regions:
        writer.writerow(region.row())
    return buffer.getvalue()


def _userdict_words(*, regions: Iterable[Region],
                    industries: list[dict[str, object]]) -> Iterator[tuple[str, int, str]]:
    for region in regions:
        for word in (region.name, region.short_name, *region.aliases):
            yield word, 3000, "ns"
    for industry in industries:
        words = [str(industry["name"]), *(str(s) for s in industry.get("synonyms") or [])]
        for word in words:
            yield word, 2000, "nz"


def userdict_text(*, regions: Iterable[Region], industries_path: Path) -> str:
    """jieba user dictionary lines `word freq pos`: regions and industries only."""
    industries = yaml.safe_load(industries_path.read_text(encoding="utf-8")) or []
    lines: dict[str, str] = {}
    for word, freq, pos in _userdict_words(regions=regions, industries=industries):
        if len(word) < 2 or re.search(r"\s", word):
            continue
        lines.setdefault(word, f"{word} {freq} {pos}")
    return "\n".join(lines[word] for word in sorted(lines)) + "\n"


def _default_cpca() -> Path:
    import cpca  # the offline registry; only needed to rebuild

    return Path(cpca.__file__).resolve().parent / "resources" / "adcodes.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="重建 regions.csv 与 userdict.txt")
    parser.add_argument("--cpca", type=Path, default=None, help="cpca adcodes.csv 路径")
    parser.add_argument("--out-dir", type=Path, default=DATA)
    parser.add_argument("--check", action="store_true", help="只检查文件是否最新")
    args = parser.parse_args(argv)
    regions = all_regions(cpca_path=args.cpca or _default_cpca())
    outputs = {
        args.out_dir / "regions.csv": regions_csv(regions),
        args.out_dir / "userdict.txt": userdict_text(
            regions=regions, industries_path=args.out_dir / "industries.yaml"),
    }
    stale = [path for path, text in outputs.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path}: 需要重新生成 (scripts/build_regions.py)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {text.count(chr(10)) - (1 if path.suffix == '.csv' else 0)} 行")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
