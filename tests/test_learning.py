"""Corrections teach the reader: a firm a person confirmed in one document is found in later
documents (the KB hands its trusted names to extraction as a gazetteer); a name waiting for
review or rejected is not handed over. The figure is bench/review_learning.py's."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gxatlas.extract import extract
from gxatlas.kb import corrections
from gxatlas.kb.documents import store_document
from gxatlas.kb.models import StoredFact
from gxatlas.kb.names import known_names
from gxatlas.kb.store import open_kb
from review_kit import fact, read_doc, write_doc

FIRST = "示例新闻一\n\n冠捷科技有限公司在北海投资建设显示器生产基地。\n"
LATER = "北海市工业经济运行简报\n\n今年以来，冠捷科技在北海扩大显示器产能，带动电子信息产业增长。\n"


def test_a_confirmed_firm_is_found_in_later_documents(atlas_url: str, tmp_path: Path) -> None:
    later = read_doc(write_doc(tmp_path, "later", LATER))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        assert "冠捷科技" not in [f.name for f in extract(later, gazetteer=known_names(s))]
    first = read_doc(write_doc(tmp_path, "first", FIRST))
    with kb.session() as s:
        store_document(s, first, [fact(first, "enterprise", "冠捷科技", "冠捷科技有限公司",
                                       city="北海")])
        row = s.scalars(select(StoredFact)).one()
        assert row.status == "pending"  # a new firm waits for a person
        assert "冠捷科技" not in known_names(s).known_enterprises
        corrections.accept(s, row.id, reviewer="张三")
    with kb.session() as s:
        gaz = known_names(s)
        assert "冠捷科技" in gaz.known_enterprises
        found = [f for f in extract(later, gazetteer=gaz) if f.type == "enterprise"]
        assert "冠捷科技" in [f.name for f in found]
        corrections.reject(s, row.id, reviewer="张三")
    with kb.session() as s:
        assert "冠捷科技" not in known_names(s).known_enterprises
