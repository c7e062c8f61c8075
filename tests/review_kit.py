"""A small hand-written document and facts with chosen confidence, for the resolution and
review tests (independent of what the extractor reads)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from gxatlas.extract.facts import Evidence, Fact
from gxatlas.ingest import read
from gxatlas.ingest.document import Document

# Invented text: one plan paragraph per statement the tests resolve.
TEXT = """示例规划（测试用）

到2020年，北部湾经济区规上工业总产值达到15800亿元。
文中另一处写作：规模以上工业总产值力争达到15000亿元。
南宁市重大项目建设目标为326项。
柳工海外收入占比约为50%。
示例园区主导产业3个，到2025年增至5个。
示例县新兴材料产业园规划面积12平方公里。
新锐科技有限公司落户南宁。
"""


def write_doc(tmp: Path, name: str = "review_plan", text: str = TEXT) -> Path:
    path = tmp / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def fact(doc: Document, kind: str, name: str, phrase: str, *, confidence: float = 0.95,
         reasons: tuple[str, ...] = (), **values: Any) -> Fact:
    phrase = unicodedata.normalize("NFKC", phrase)
    start = doc.text.index(phrase)
    return Fact(type=kind, name=name, values=values, confidence=confidence, reasons=reasons,
                evidence=Evidence(doc=doc.name, start=start, end=start + len(phrase),
                                  quote=phrase))


def plan_facts(doc: Document) -> list[Fact]:
    """The facts of ``TEXT``: five about indicators the atlas holds, one junk indicator with
    a target, a new park below the threshold, a new firm."""
    return [
        fact(doc, "indicator", "规上工业总产值", "规上工业总产值达到15800亿元", scope="北部湾经济区",
             unit="亿元", target_year=2020, target_value=15800),
        fact(doc, "indicator", "规模以上工业总产值", "规模以上工业总产值力争达到15000亿元",
             scope="北部湾经济区", unit="亿元", target_year=2020, target_value=15000),
        fact(doc, "indicator", "重大项目建设", "重大项目建设目标为326项", scope="南宁", unit="项",
             target_year=2020, target_value=326),
        fact(doc, "indicator", "海外收入占比", "海外收入占比约为50%", scope="柳工", unit="%",
             baseline_year=2024, baseline_value=50),
        fact(doc, "indicator", "主导产业", "主导产业3个，到2025年增至5个", scope="南宁", unit="个",
             baseline_value=3, target_year=2025, target_value=5, confidence=0.9),
        fact(doc, "park", "示例县新兴材料产业园", "示例县新兴材料产业园规划面积12平方公里",
             area_km2=12, confidence=0.5, reasons=("后缀匹配",)),
        fact(doc, "enterprise", "新锐科技有限公司", "新锐科技有限公司", city="南宁"),
    ]


def read_doc(path: Path) -> Document:
    return read(path)


def review_kb(path: Path):
    """The API sample KB (atlas, sample parks, tokens by role) with ``TEXT``'s facts stored:
    three of them wait for review."""
    from api_sample_kb import build_sample_kb

    from gxatlas.kb.documents import store_document

    kb, tokens = build_sample_kb(path)
    doc = read_doc(write_doc(path.parent))
    with kb.session() as s:
        store_document(s, doc, plan_facts(doc))
    return kb, tokens
