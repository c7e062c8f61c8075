"""A small knowledge base for the API, dashboard and report tests (written by us, not seeds).

Regions and industries come from the bundled data (`gxatlas.kb.load.load_all`, which also
loads the bundled atlas once it exists); on top of that a handful of parks, an enterprise, a
project, a policy, indicators with actuals and one document with located facts, each cited.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

from gxatlas.api.auth import add_user
from gxatlas.kb.load import load_all
from sqlalchemy import select

from gxatlas.kb.models import Document, Indicator, Observation, Park, ParkTarget, Policy, Region
from gxatlas.kb.provenance import cite
from gxatlas.kb.resolve import find, get_or_create
from gxatlas.kb.store import KB, open_kb
from gxatlas.names import name_key

DOC_TEXT = ("南宁高新技术产业开发区到2025年工业总产值达到1500亿元。"
            "柳州汽车城以上汽通用五菱为龙头。"
            "全区规模以上工业总产值2015年为9793亿元，2020年达到15800亿元。")
SAMPLE_PARKS = (("南宁高新技术产业开发区", "南宁", 2025, 1500.0),
                ("柳州汽车城", "柳州", 2025, 2000.0),
                ("钦州港经济技术开发区", "钦州", 2025, 1200.0),
                ("南宁经济技术开发区", "南宁", 2020, 600.0))


def _region_id(session, name: str) -> int:
    region = find(session, "region", name)
    assert isinstance(region, Region), name
    return region.id


def _sample_document(session) -> Document:
    doc = Document(key="sample_plan", title="示例规划 (测试用)", source="tests", format="txt",
                   kind="plan", text=DOC_TEXT, original=DOC_TEXT,
                   region_id=_region_id(session, "广西"))
    session.add(doc)
    session.flush()
    return doc


def _add_parks(session, doc: Document) -> None:
    for name, city, year, value in SAMPLE_PARKS:
        park, _ = get_or_create(session, "park", name, region_id=_region_id(session, city),
                                level="国家级")
        if not park.targets:
            park.targets.append(ParkTarget(metric="工业总产值", year=year, value=value,
                                           unit="亿元"))
        start = DOC_TEXT.find(name)
        span = {"start": start, "end": start + len(name)} if start >= 0 else {}
        cite(session, entity_type="park", entity_id=park.id, field="name", value=name,
             origin="extracted", document_id=doc.id, alignment="exact", **span)
        cite(session, entity_type="park", entity_id=park.id,
             field=f"target:工业总产值:{year}", value=value, origin="atlas",
             document_id=doc.id, locator="第1段")


def _add_indicators(session, doc: Document) -> None:
    gx = _region_id(session, "广西")
    ind = Indicator(name="规模以上工业总产值", key=name_key("规模以上工业总产值"), scope_id=gx,
                    unit="亿元", baseline_year=2015, baseline_value=9793.0, target_year=2020,
                    target_value=15800.0, attribute="预期性", plan_id=doc.id)
    nn = Indicator(name="工业增加值增速", key=name_key("工业增加值增速"),
                   scope_id=_region_id(session, "南宁"), unit="%", baseline_year=2015,
                   baseline_value=8.0, target_year=2020, target_value=10.0, plan_id=doc.id)
    session.add_all([ind, nn])
    session.flush()
    for year, value in ((2016, 11000.0), (2017, 12500.0), (2018, 13000.0)):
        session.add(Observation(indicator_id=ind.id, name=ind.name, region_id=gx, year=year,
                                value=value, unit="亿元", source="统计公报 (测试)"))
    start = DOC_TEXT.find("规模以上工业总产值")
    cite(session, entity_type="indicator", entity_id=ind.id, field="target_value",
         value=15800.0, origin="extracted", document_id=doc.id, start=start,
         end=start + len("规模以上工业总产值"), alignment="exact")


def _add_others(session, doc: Document) -> None:
    liuzhou = _region_id(session, "柳州")
    park = find(session, "park", "柳州汽车城")
    ent, _ = get_or_create(session, "enterprise", "上汽通用五菱", region_id=liuzhou,
                           park_id=park.id)
    start = DOC_TEXT.find("上汽通用五菱")
    cite(session, entity_type="enterprise", entity_id=ent.id, field="name", value=ent.name,
         origin="extracted", document_id=doc.id, start=start, end=start + 6, alignment="exact")
    get_or_create(session, "project", "鹏辉智慧储能及动力电池制造基地项目",
                  region_id=_region_id(session, "桂林"), investment=50.0, status="开工")
    pol = _policy(session)
    cite(session, entity_type="policy", entity_id=pol.id, field="doc_number",
         value=pol.key, origin="atlas", document_id=doc.id, locator="附件")


def _policy(session) -> Policy:
    key = "桂政发[2099]1号"
    pol = session.scalars(select(Policy).where(Policy.key == key)).first()
    if pol is None:
        pol = Policy(key=key, doc_number=key, title="关于推动工业高质量发展的意见 (测试)",
                     issuer="广西壮族自治区人民政府", date="2099-10-01")
        session.add(pol)
        session.flush()
    return pol


@functools.cache
def _template() -> tuple[Path, tuple[tuple[str, str], ...]]:
    """Build the sample KB once per test process (loading the atlas takes seconds)."""
    path = Path(tempfile.mkdtemp(prefix="gxatlas-sample-")) / "kb.sqlite"
    kb, tokens = _build(path)
    kb.dispose()
    return path, tuple(tokens.items())


def build_sample_kb(path: Path) -> tuple[KB, dict[str, str]]:
    """A fresh copy of the sample KB at ``path``, with tokens by role (read/write/admin)."""
    template, tokens = _template()
    shutil.copyfile(template, path)
    return open_kb(f"sqlite:///{path}"), dict(tokens)


def _build(path: Path) -> tuple[KB, dict[str, str]]:
    kb = open_kb(f"sqlite:///{path}", create=True)
    tokens: dict[str, str] = {}
    with kb.session() as session:
        load_all(session)
        doc = _sample_document(session)
        _add_parks(session, doc)
        _add_indicators(session, doc)
        _add_others(session, doc)
        from gxatlas.kb.search import rebuild_index

        rebuild_index(session)
        for role in ("read", "write", "admin"):
            _user, tokens[role] = add_user(session, name=f"test-{role}", role=role)
    return kb, tokens


def park_ids(kb: KB) -> dict[str, int]:
    with kb.session() as session:
        return {p.name: p.id for p in session.scalars(select(Park))}
