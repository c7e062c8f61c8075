"""The bulk registry store gives the same KB as the per-row path it replaced (issue 16)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import select

from gxatlas.analysis import registry_store
from gxatlas.analysis.registry import RegistryRow
from gxatlas.kb import bulk
from gxatlas.kb.models import Alias, Document, Enterprise, Evidence, SearchEntry
from gxatlas.kb.store import open_kb
from registry_reference import store_registry_per_row

PLACES = [("南宁市", "青秀区"), ("南宁市", "横州市"), ("柳州市", None), ("北海市", "银海区"),
          (None, None), ("湖南省", None)]
WORDS = ["新能源材料", "电池科技", "汽车零部件", "铝业", "糖业", "餐饮管理", "物流", "药业"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]


def _code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = "914501" + "%02d" % rng.randint(0, 99) + "MA" + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + uscc.calc_check_digit(body)


def sample_rows(n: int = 120, seed: int = 3) -> list[RegistryRow]:
    """Rows that exercise resolution: repeated names, loose variants (another company form,
    a leading 广西), a code seen again under another name, names of atlas enterprises."""
    rng = random.Random(seed)
    rows: list[RegistryRow] = []
    codes: list[str] = []
    for i in range(n):
        line = i + 2
        kind = rng.random()
        if kind < 0.1 and rows:
            prev = rng.choice(rows)
            name = prev.name  # the same firm again
        elif kind < 0.2 and rows:
            prev = rng.choice(rows)
            base = prev.name
            for form in FORMS:
                base = base.removesuffix(form)
            name = ("广西" + base if not base.startswith("广西") else base[2:]) + rng.choice(FORMS)
        elif kind < 0.25:
            name = rng.choice(["中石油广西石化公司", "上汽通用五菱汽车股份有限公司", "玉柴集团"])
        else:
            name = f"广西{rng.choice('华盛鑫恒泰源达通')}{rng.choice('宏兴瑞丰鼎')}{i}" \
                   f"{rng.choice(WORDS)}{rng.choice(FORMS)}"
        if kind > 0.9 and codes:
            code = rng.choice(codes)  # a code seen before, maybe under another name
        elif rng.random() < 0.7:
            code = _code(rng)
            codes.append(code)
        else:
            code = None
        region, county = rng.choice(PLACES)
        rows.append(RegistryRow(
            line=line, name=name, credit_code=code, region=region, county=county,
            address=f"{region or ''}{county or ''}某路{i}号" if rng.random() < 0.8 else None,
            registered_capital=rng.choice([None, 100.0, 5000.0]),
            founded=rng.choice([None, dt.date(2019, 3, 1)]),
            scope=rng.choice(["", "锂离子电池制造；技术服务", "汽车零部件及配件制造"]),
            revenue=rng.choice([None, 1200.0]),
            tags=tuple(rng.sample(["链主", "专精特新", "高新技术企业"], k=rng.randint(0, 2)))))
    return rows


def _state(url: str) -> dict[str, object]:
    kb = open_kb(url)
    with kb.session() as s:
        keys = dict(s.execute(select(Enterprise.id, Enterprise.key)).all())
        cols = [c for c in Enterprise.__table__.columns.keys() if c != "id"]
        ents = {e.key: tuple(json.dumps(getattr(e, c), ensure_ascii=False, default=str)
                             for c in cols) for e in s.scalars(select(Enterprise))}
        aliases = sorted((keys[a.entity_id], a.alias, a.key, a.loose) for a in s.scalars(
            select(Alias).where(Alias.entity_type == "enterprise")))
        doc_ids = set(s.scalars(select(Document.id).where(Document.kind == "registry")))
        evidence = sorted((keys[e.entity_id], e.field, json.dumps(e.value, ensure_ascii=False),
                           e.locator, e.origin) for e in s.scalars(select(Evidence).where(
                               Evidence.document_id.in_(doc_ids))))
        search = {keys[e.entity_id]: (e.title, e.body, e.tokens) for e in s.scalars(
            select(SearchEntry).where(SearchEntry.entity_type == "enterprise"))}
    kb.dispose()
    return {"enterprises": ents, "aliases": aliases, "evidence": evidence, "search": search}


def _searches(url: str, rows: list[RegistryRow]) -> list[list[tuple[str, str, float]]]:
    """What search finds (type, title, score) for names, short names and scope words of the
    rows: the full-text index (FTS5 on SQLite, GIN on PostgreSQL) must answer alike (sorted:
    hits of equal score and title length come in no fixed order)."""
    from gxatlas.kb.search import search

    queries = sorted({r.name for r in rows[:15]} | {r.name[2:6] for r in rows[:15]}
                     | {"锂离子电池", "汽车零部件", "技术服务", "铝业", "配件制造"})
    kb = open_kb(url)
    with kb.session() as s:
        found = [sorted((h.entity_type, h.title, round(h.score, 9))
                        for h in search(s, q, limit=50)) for q in queries]
    kb.dispose()
    return found


def _per_row(url: str, rows: list[RegistryRow]) -> tuple[int, int]:
    kb = open_kb(url)
    with kb.session() as s:
        doc = Document(key="registry:sample.csv", title="企业名录 sample.csv", kind="registry",
                       sha256="0" * 64)
        s.add(doc)
        s.flush()
        result = store_registry_per_row(s, rows, doc_id=doc.id)
    kb.dispose()
    return result


def _bulk(url: str, rows: list[RegistryRow]) -> tuple[int, int]:
    kb = open_kb(url)
    with kb.session() as s:
        stored = registry_store.store_registry(s, rows, path="sample.csv", digest="0" * 64)
    kb.dispose()
    return stored.added, stored.updated


@pytest.fixture(params=[7, 1])
def small_batches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 rows, so that firms met again in a later batch are exercised; and of one
    row, so that each is met again in the very next batch, which is resolved before the one
    before it is written (``store_registry`` counts that batch as stored)."""
    monkeypatch.setattr(bulk, "BATCH", request.param)


def test_bulk_registry_equals_per_row_on_atlas(atlas_url: str, tmp_path, small_batches) -> None:
    import shutil

    other = tmp_path / "other.sqlite"
    shutil.copy(atlas_url.removeprefix("sqlite:///"), other)
    rows = sample_rows()
    assert _per_row(atlas_url, rows) == _bulk(f"sqlite:///{other}", rows)
    want, got = _state(atlas_url), _state(f"sqlite:///{other}")
    for part in want:
        assert got[part] == want[part], part
    assert len(want["enterprises"]) > 80 and len(want["evidence"]) == len(rows)  # one a line
    assert _searches(f"sqlite:///{other}", rows) == _searches(atlas_url, rows)
    assert any(_searches(atlas_url, rows))


def test_a_credit_code_names_one_firm(atlas_url: str, tmp_path) -> None:
    """Rows whose names match a firm holding another credit code are other firms (two
    registered firms may share a name, or a name up to its company form); a row without a
    code still joins the firm its name matches. Both paths alike."""
    import shutil

    other = tmp_path / "other.sqlite"
    shutil.copy(atlas_url.removeprefix("sqlite:///"), other)
    rng = random.Random(21)
    codes = [_code(rng) for _ in range(3)]

    def row(line: int, name: str, code: str | None) -> RegistryRow:
        return RegistryRow(line=line, name=name, credit_code=code, region="南宁市", county=None,
                           address=None, registered_capital=None, founded=None, scope="",
                           revenue=None, tags=())

    rows = [row(2, "广西鑫瑞测试科技有限公司", codes[0]),
            row(3, "广西鑫瑞测试科技有限公司", codes[1]),  # the same name, another firm
            row(4, "广西鑫瑞测试科技股份有限公司", codes[2]),  # the loose name, another firm
            row(5, "广西鑫瑞测试科技有限公司", None),  # no code: the firm of that name
            row(6, "广西鑫瑞测试科技有限公司", codes[1])]  # a known code: its firm
    assert _per_row(atlas_url, rows) == _bulk(f"sqlite:///{other}", rows) == (3, 2)
    want, got = _state(atlas_url), _state(f"sqlite:///{other}")
    assert got == want
    for url in (atlas_url, f"sqlite:///{other}"):
        kb = open_kb(url)
        with kb.session() as s:
            firms = {e.credit_code: e for e in s.scalars(select(Enterprise).where(
                Enterprise.credit_code.in_(codes)))}
            assert sorted(firms) == sorted(codes)
            lines = {c: sorted(e.locator for e in s.scalars(select(Evidence).where(
                Evidence.entity_type == "enterprise", Evidence.entity_id == f.id)))
                for c, f in firms.items()}
        kb.dispose()
        assert lines == {codes[0]: ["line 2", "line 5"], codes[1]: ["line 3", "line 6"],
                         codes[2]: ["line 4"]}


def test_bulk_search_index_is_whole_and_its_trigger_back(atlas_url: str, small_batches) -> None:
    """The bulk path writes the FTS5 words itself (its insert trigger set aside inside the
    transaction): afterwards the index agrees with its content table, the trigger is the
    migration's again, and an entity indexed one at a time is found."""
    from sqlalchemy import text

    from gxatlas.kb.search import index_entity, search

    def trigger(s) -> str:
        return s.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_ai'")).scalar()

    kb = open_kb(atlas_url)
    with kb.session() as s:
        before = trigger(s)
    kb.dispose()
    _bulk(atlas_url, sample_rows(40, seed=7))
    kb = open_kb(atlas_url)
    with kb.session() as s:
        s.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
        assert trigger(s) == before
        ent = Enterprise(name="广西测微铝箔科技有限公司", key="广西测微铝箔科技有限公司")
        s.add(ent)
        s.flush()
        index_entity(s, "enterprise", ent.id)
        s.flush()
        assert [h.title for h in search(s, "测微铝箔")] == ["广西测微铝箔科技有限公司"]
    kb.dispose()


def test_failed_bulk_import_keeps_the_search_trigger(atlas_url: str, small_batches) -> None:
    """An import that fails after its first batches leaves nothing written and the index's
    trigger in place (the trigger's removal is part of the rolled-back transaction)."""
    from sqlalchemy import func, text

    rows = sample_rows(30, seed=9)

    def failing():
        yield from rows
        raise RuntimeError("the file broke off")

    kb = open_kb(atlas_url)
    with kb.session() as s:
        n_before = s.scalar(select(func.count()).select_from(SearchEntry))
    with pytest.raises(RuntimeError, match="broke off"):
        with kb.session() as s:
            registry_store.store_registry(s, failing(), path="sample.csv", digest="1" * 64)
    with kb.session() as s:
        assert s.scalar(select(func.count()).select_from(SearchEntry)) == n_before
        assert s.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'search_ai'")
                         ).scalar() == 1
        s.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
    kb.dispose()


def test_rows_prepared_in_the_child_are_those_prepared_here(tmp_path) -> None:
    """`enterprises import` prepares rows in the checking child: the same ``StoreRow``s, in
    the same order, with the same problems, as preparing them in this process."""
    import csv

    from gxatlas.analysis.registry import iter_registry, iter_registry_in_child

    path = tmp_path / "reg.csv"
    rows = sample_rows(60, seed=13)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["企业名称", "统一社会信用代码", "住所", "注册资本", "成立日期", "经营范围", "标签"])
        for r in rows:
            w.writerow([r.name, r.credit_code or "", r.address or "", r.registered_capital or "",
                        r.founded or "", r.scope, "、".join(r.tags)])
        w.writerow(["", "", "", "", "", "", ""])
        w.writerow(["坏代码有限公司", "91450100MA5XXXXXX0", "", "", "", "", ""])
    here = [registry_store.store_row(i) if isinstance(i, RegistryRow) else i
            for i in iter_registry(path)]
    there = list(iter_registry_in_child(path, prepare=registry_store.store_row))
    assert there == here
    assert sum(isinstance(i, registry_store.StoreRow) for i in here) >= 55


@pytest.mark.postgres
def test_bulk_registry_equals_per_row_on_postgresql(fresh_pg, small_batches) -> None:
    """The same on PostgreSQL (COPY): per-row, then bulk on a fresh database."""
    from gxatlas.data import load_industries, load_regions
    from gxatlas.kb.load import LoadReport, load_industries_into, load_regions_into

    rows = sample_rows(80, seed=5)
    states, counts = [], []
    for store in (_per_row, _bulk):
        url = fresh_pg()
        kb = open_kb(url, create=True)
        with kb.session() as s:
            load_regions_into(s, load_regions(), LoadReport())
            load_industries_into(s, load_industries(), LoadReport())
        kb.dispose()
        counts.append(store(url, rows))
        states.append(_state(url))
        states[-1]["search"] = (states[-1]["search"], _searches(url, rows))
    assert counts[0] == counts[1]
    for part in states[0]:
        assert states[1][part] == states[0][part], part


def test_show_cites_each_registry_field_to_its_line(atlas_url: str) -> None:
    """One evidence row per registry line, and still a citation per field (file and line)."""
    from gxatlas.kb.query import entity_detail

    rows = sample_rows(20, seed=11)
    _bulk(atlas_url, rows)
    row = next(r for r in rows if r.credit_code and r.address and r.founded)
    kb = open_kb(atlas_url)
    with kb.session() as s:
        eid = s.scalars(select(Enterprise.id).where(
            Enterprise.credit_code == row.credit_code)).first()
        facts = entity_detail(s, "enterprise", str(eid))["facts"]
        stored = s.scalars(select(Evidence).where(Evidence.entity_type == "enterprise",
                                                  Evidence.entity_id == eid,
                                                  Evidence.locator == f"line {row.line}")).all()
    kb.dispose()
    assert len(stored) == 1
    mine = {f["field"]: f["value"] for f in facts if f["source"].get("at") == f"line {row.line}"}
    assert mine["name"] == row.name and mine["credit_code"] == row.credit_code
    assert mine["address"] == row.address and mine["founded"] == row.founded.isoformat()
    assert all(f["source"]["document"] for f in facts if f["source"]["origin"] == "user")
    assert [f["field"] for f in facts] == sorted(f["field"] for f in facts)
