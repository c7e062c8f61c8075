"""Bundled data files: they load, and malformed files fail with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxatlas.data import (ATLAS_DIR, load_atlas, load_industries, load_regions, parse_atlas,
                          parse_regions)
from gxatlas.errors import InputError


def test_regions_have_the_14_cities() -> None:
    regions = load_regions()
    gx = [r for r in regions.records if r.level == "prefecture" and r.code.startswith("45")]
    assert len(gx) == 14
    assert all(r.longitude and r.latitude for r in gx)
    assert regions.find("南宁").code == "450100"
    assert regions.find("南宁市").code == "450100"


def test_county_resolves_to_city() -> None:
    regions = load_regions()
    county = next(r for r in regions.records if r.level == "county" and r.code.startswith("4501"))
    assert regions.prefecture_of(county).code == "450100"


def test_industry_synonyms() -> None:
    inds = load_industries()
    a = inds.find("电子信息")
    assert a is not None and inds.find("电子信息产业") == a


def test_bundled_atlas_loads() -> None:
    atlas = load_atlas()
    assert isinstance(atlas.parks, tuple)


def _copy_atlas(tmp_path: Path) -> Path:
    dst = tmp_path / "atlas"
    shutil.copytree(ATLAS_DIR, dst) if ATLAS_DIR.exists() else dst.mkdir()
    if not (dst / "documents.yaml").exists():
        (dst / "documents.yaml").write_text("- {id: doc1, title: 测试文档}\n", encoding="utf-8")
    return dst


def _doc_id(d: Path) -> str:
    import yaml

    return yaml.safe_load((d / "documents.yaml").read_text(encoding="utf-8"))[0]["id"]


@pytest.mark.parametrize("body,problem", [
    ("- name: 测试工业园区\n  city: 火星市\n  source: {doc: DOC, at: x}\n", "unknown city"),
    ("- name: 测试工业园区\n  city: 南宁\n  area_km2: 十二\n  source: {doc: DOC, at: x}\n",
     "must be a number"),
    ("- name: 测试工业园区\n  city: 南宁\n  targets: [{year: 2020, value: 5, unit: 斤}]\n"
     "  source: {doc: DOC, at: x}\n", "unknown unit"),
    ("- name: 测试工业园区\n  city: 南宁\n  source: {doc: DOC, at: x}\n"
     "- name: 测试工业园区\n  city: 南宁\n  source: {doc: DOC, at: y}\n", "duplicate park"),
    ("- name: 测试工业园区\n  city: 南宁\n", "missing citation"),
    ("- name: 测试工业园区\n  cty: 南宁\n  source: {doc: DOC, at: x}\n", "unknown field 'cty'"),
    ("- name: [unclosed\n", "malformed YAML"),
])
def test_malformed_park_file_names_file_and_line(tmp_path: Path, body: str, problem: str) -> None:
    d = _copy_atlas(tmp_path)
    (d / "parks.yaml").write_text(body.replace("DOC", _doc_id(d)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_atlas(d, regions=load_regions(), industries=load_industries())
    msg = str(err.value)
    assert problem in msg and "parks.yaml:" in msg, msg


def test_malformed_regions_csv(tmp_path: Path) -> None:
    p = tmp_path / "regions.csv"
    p.write_text("code,name,short_name,level,parent,country,longitude,latitude,aliases,source\n"
                 "450100,南宁市,南宁,prefecture,,CN,108.3,22.8,,x\n"
                 "450100,南宁市,南宁,prefecture,,CN,108.3,22.8,,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"regions.csv:3: duplicate region code"):
        parse_regions(p)


def test_init_with_malformed_atlas_stores_nothing(tmp_path: Path, monkeypatch) -> None:
    """A broken data file aborts init before anything is written."""
    import gxatlas.data as data
    from gxatlas.cli import main

    d = _copy_atlas(tmp_path)
    (d / "parks.yaml").write_text("- name: 测试园区\n  city: 火星\n  source: {doc: %s, at: x}\n"
                                  % _doc_id(d), encoding="utf-8")
    monkeypatch.setattr(data, "ATLAS_DIR", d)
    monkeypatch.setattr(data.load_atlas, "__defaults__", (d,))
    db = tmp_path / "kb.sqlite"
    r = CliRunner().invoke(main, ["--db", str(db), "init"])
    assert r.exit_code == 1 and "unknown city" in r.stderr
    from gxatlas.kb.models import Region
    from gxatlas.kb.store import open_kb
    from sqlalchemy import func, select

    kb = open_kb(str(db))
    with kb.session() as s:
        assert s.scalar(select(func.count()).select_from(Region)) == 0
