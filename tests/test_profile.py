"""The document profile (gxatlas.extract.profile) and what ingest stores from it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gxatlas.extract.profile import Genre, document_profile
from gxatlas.ingest import read
from gxatlas.kb.documents import store_document
from gxatlas.kb.models import Document, Region
from gxatlas.kb.store import open_kb

NEWS = """玉林高新区一批项目集中开工

2023-05-12 10:20:31 | 来源:某某日报 | 编辑:某某

本报玉林讯(记者某某)5月11日,玉林高新区举行重大项目集中开工仪式,12个项目总投资56亿元。
今年以来,玉林市新签约项目35个。
"""

BULLETIN = """某某市2022年国民经济和社会发展统计公报

某某市统计局
2023年3月20日

初步核算,全年全市地区生产总值1200亿元,比上年增长5.1%。
"""

PLAN = """某某市工业发展“十四五”规划

“十四五”时期是某某市工业转型的关键期。到2025年,全市规模以上工业总产值达到3000亿元。
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_news_profile(tmp_path: Path) -> None:
    p = document_profile(read(write(tmp_path, "news.txt", NEWS)))
    assert p.genre is Genre.NEWS
    assert p.written == "2023-05-12" and p.current_year == 2023
    assert p.region == "玉林" and p.province == "广西"
    assert p.park == "玉林高新区"


def test_bulletin_profile(tmp_path: Path) -> None:
    p = document_profile(read(write(tmp_path, "bulletin.txt", BULLETIN)))
    assert p.genre is Genre.BULLETIN
    assert p.written == "2023-03-20" and p.about_year == 2022


def test_plan_profile(tmp_path: Path) -> None:
    p = document_profile(read(write(tmp_path, "plan.txt", PLAN)))
    assert p.genre is Genre.PLAN and p.plan_period == (2021, 2025)


def test_ingest_stores_kind_region_and_date(atlas_url: str, tmp_path: Path) -> None:
    doc = read(write(tmp_path, "news.txt", NEWS))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        store_document(s, doc, [])
    with kb.session() as s:
        row = s.scalars(select(Document).where(Document.key == "news")).one()
        assert row.kind == "news" and row.date == "2023-05-12"
        assert s.get(Region, row.region_id).short_name == "玉林"
