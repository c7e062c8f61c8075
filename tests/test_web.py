"""Bundled dashboard assets: geometry, no external references, licences recorded."""

from __future__ import annotations

import re
from importlib import resources

from gxatlas.web.geo import (ASEAN_COUNTRIES, COUNTRY_ZH, decode_geojson, guangxi_city_centres,
                             load_geo)

STATIC = resources.files("gxatlas.web").joinpath("static")


def test_guangxi_map_has_its_fourteen_cities_with_centres() -> None:
    centres = guangxi_city_centres()
    assert len(centres) == 14 and "南宁市" in centres and "钦州市" in centres
    lon, lat = centres["南宁市"]
    assert 107.5 < lon < 109 and 22 < lat < 23.5


def test_decoded_guangxi_coordinates_lie_in_guangxi() -> None:
    plain = decode_geojson(load_geo("guangxi"))
    ring = plain["features"][0]["geometry"]["coordinates"][0]
    if plain["features"][0]["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert all(104 < lon < 113 and 20 < lat < 27 for lon, lat in ring)


def test_china_asean_map_has_provinces_and_every_asean_member() -> None:
    names = {f["properties"]["name"] for f in load_geo("china_asean")["features"]}
    assert "广西" in names
    assert {COUNTRY_ZH[c] for c in ASEAN_COUNTRIES} <= names


def test_dashboard_references_only_local_assets() -> None:
    for name in ("index.html", "app.js", "style.css"):
        text = STATIC.joinpath(name).read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"https?://", text), name
        assert "//cdn" not in text and "googleapis" not in text, name
    index = STATIC.joinpath("index.html").read_text(encoding="utf-8")
    assert '/static/vendor/echarts.min.js' in index


def test_vendor_readme_records_versions_and_licences() -> None:
    readme = STATIC.joinpath("vendor", "README.md").read_text(encoding="utf-8")
    for needle in ("5.6.0", "4.9.0", "5.35.0", "Apache-2.0"):
        assert needle in readme
    assert STATIC.joinpath("vendor", "LICENSE-echarts.txt").is_file()
    head = STATIC.joinpath("vendor", "echarts.min.js").read_text(encoding="utf-8")[:2000]
    assert "Apache" in head or "echarts" in head.lower()


def test_dashboard_has_an_english_switch_for_every_chinese_key() -> None:
    app = STATIC.joinpath("app.js").read_text(encoding="utf-8")
    zh = app[app.index("zh: {"):app.index("en: {")]
    en = app[app.index("en: {"):app.index("const FIELDS")]
    keys = lambda block: set(re.findall(r"(\w+): \"", block))  # noqa: E731
    assert keys(zh) == keys(en)
