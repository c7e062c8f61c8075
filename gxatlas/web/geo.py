"""Bundled map geometry: ECharts' compressed GeoJSON, its decoder and the China–ASEAN map.

The Guangxi map (14 prefecture-level cities with their centres) and the China/world maps come
from the `echarts@4.9.0` npm package (Apache-2.0), the last release that shipped them; see
``static/vendor/README.md``. ``python -m gxatlas.web.geo build-china-asean`` is run by
``scripts/vendor_assets.sh`` to merge China's provinces with ASEAN and neighbouring countries.
"""

from __future__ import annotations

import argparse
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

# ASEAN members and the neighbours drawn around them on the partners map (world.json names).
ASEAN_COUNTRIES: tuple[str, ...] = (
    "Vietnam", "Lao PDR", "Cambodia", "Thailand", "Myanmar", "Malaysia", "Singapore",
    "Indonesia", "Philippines", "Brunei", "Timor-Leste",
)
NEIGHBOURS: tuple[str, ...] = (
    "Korea", "Dem. Rep. Korea", "Japan", "India", "Nepal", "Bhutan", "Bangladesh",
    "Papua New Guinea", "Sri Lanka",
)
# world.json English names -> Chinese names used in the KB's regions.csv
COUNTRY_ZH: dict[str, str] = {
    "Vietnam": "越南", "Lao PDR": "老挝", "Cambodia": "柬埔寨", "Thailand": "泰国",
    "Myanmar": "缅甸", "Malaysia": "马来西亚", "Singapore": "新加坡", "Indonesia": "印度尼西亚",
    "Philippines": "菲律宾", "Brunei": "文莱", "Timor-Leste": "东帝汶", "Mongolia": "蒙古",
    "Korea": "韩国", "Dem. Rep. Korea": "朝鲜", "Japan": "日本", "India": "印度",
    "Nepal": "尼泊尔", "Bhutan": "不丹", "Bangladesh": "孟加拉国", "Pakistan": "巴基斯坦",
    "Kazakhstan": "哈萨克斯坦", "Kyrgyzstan": "吉尔吉斯斯坦", "Tajikistan": "塔吉克斯坦",
    "Afghanistan": "阿富汗", "Russia": "俄罗斯", "Papua New Guinea": "巴布亚新几内亚",
    "Sri Lanka": "斯里兰卡",
}

_STATIC = "static"


def _decode_ring(encoded: str, offsets: Sequence[int], scale: float) -> list[list[float]]:
    """Decode one ring of ECharts' UTF-8 encoded GeoJSON (zigzag + delta, quantised)."""
    prev_x, prev_y = offsets[0], offsets[1]
    ring: list[list[float]] = []
    for i in range(0, len(encoded) - 1, 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        prev_x += x
        prev_y += y
        ring.append([round(prev_x / scale, 4), round(prev_y / scale, 4)])
    return ring


def decode_geojson(data: dict[str, Any]) -> dict[str, Any]:
    """Return plain GeoJSON for an ECharts ``UTF8Encoding`` FeatureCollection (or ``data``)."""
    if not data.get("UTF8Encoding"):
        return data
    scale = float(data.get("UTF8Scale") or 1024)
    features = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        offsets = geometry["encodeOffsets"]
        if geometry["type"] == "Polygon":
            coords: Any = [_decode_ring(ring, off, scale)
                           for ring, off in zip(geometry["coordinates"], offsets)]
        else:
            coords = [[_decode_ring(ring, off, scale) for ring, off in zip(poly, poly_off)]
                      for poly, poly_off in zip(geometry["coordinates"], offsets)]
        features.append({
            "type": "Feature", "id": feature.get("id"), "properties": feature["properties"],
            "geometry": {"type": geometry["type"], "coordinates": coords},
        })
    return {"type": "FeatureCollection", "features": features}


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


def build_china_asean(*, china: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    """Merge China's provinces with ASEAN and neighbouring countries into one FeatureCollection.

    Features carry ``properties.name`` in Chinese (provinces as in china.json, countries per
    ``COUNTRY_ZH``) and ``properties.group`` (``china`` / ``asean`` / ``neighbour``).
    """
    features = []
    for feature in decode_geojson(china)["features"]:
        props = dict(feature["properties"], group="china")
        features.append({**feature, "properties": props})
    wanted = {name: "asean" for name in ASEAN_COUNTRIES} | {n: "neighbour" for n in NEIGHBOURS}
    for feature in world["features"]:
        name = feature["properties"].get("name", "")
        if name not in wanted:
            continue
        props = {"name": COUNTRY_ZH.get(name, name), "name_en": name, "group": wanted[name]}
        geometry = {"type": feature["geometry"]["type"],
                    "coordinates": _round_coords(feature["geometry"]["coordinates"])}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def load_geo(name: str) -> dict[str, Any]:
    """Load a bundled geometry file (``guangxi`` or ``china_asean``) as stored (maybe encoded)."""
    path = resources.files("gxatlas.web").joinpath(_STATIC, "geo", f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def guangxi_city_centres() -> dict[str, tuple[float, float]]:
    """The 14 prefecture-level cities of the bundled Guangxi map: name -> (lon, lat) centre."""
    out: dict[str, tuple[float, float]] = {}
    for feature in load_geo("guangxi")["features"]:
        props = feature["properties"]
        lon, lat = props["cp"]
        out[props["name"]] = (float(lon), float(lat))
    return out


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gxatlas.web.geo")
    sub = parser.add_subparsers(dest="cmd", required=True)
    build = sub.add_parser("build-china-asean", help="merge china.json and world.json")
    build.add_argument("--china", type=Path, required=True)
    build.add_argument("--world", type=Path, required=True)
    build.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    merged = build_china_asean(china=json.loads(args.china.read_text(encoding="utf-8")),
                               world=json.loads(args.world.read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(merged, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    _main()
