"""The two registers: project stages (settling, by hand, from documents) and the pipeline
totals; enterprise tiers (vocabulary, tier lists, the pool's movers and candidates)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gxatlas.analysis.pipeline import build_projects, months_between, pipeline_report, totals
from gxatlas.analysis.pool import candidates, moved_up, PoolFirm
from gxatlas.analysis.tierlists import read_tier_list
from gxatlas.cli import main
from gxatlas.data.registers import load_registers
from gxatlas.extract.facts import Evidence as FactEvidence
from gxatlas.extract.facts import Fact
from gxatlas.kb.documents import store_document
from gxatlas.kb.models import (Document, Enterprise, EnterpriseTier, Evidence, Project,
                               ProjectStage)
from gxatlas.kb.registers import (ProjectRow, StageChange, TierHolding, normalize_date,
                                  set_stage, settle, sync_registers)
from gxatlas.kb.resolve import find
from gxatlas.kb.store import open_kb

FIX = Path(__file__).parent / "fixtures" / "registers"
SRDI_LIST = FIX / "2024年广西专精特新中小企业名单.csv"
MIXED_LIST = FIX / "称号名单_多称号.csv"
MALFORMED = FIX / "malformed.csv"
REGS = load_registers()


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- vocabulary ----------------------------------------------------------------------------

@pytest.mark.parametrize("word, stage", [
    ("建成投产", "投产"), ("竣工投产", "投产"), ("达产", "投产"), ("释放产能", "投产"),
    ("开工建设", "在建"), ("新开工", "在建"), ("续建", "在建"), ("建成", "竣工"),
    ("前期", "储备"), ("推进前期工作", "储备"), ("签约落地", "签约"), ("储备", "储备")])
def test_stage_words(word: str, stage: str) -> None:
    assert REGS.stage_of(word).name == stage


@pytest.mark.parametrize("tag, tier, level", [
    ("国家级专精特新“小巨人”企业", "little_giant", "国家级"),
    ("专精特新“小巨人”", "little_giant", "国家级"),
    ("广西制造业单项冠军企业", "champion_province", "省级"),
    ("制造业单项冠军", "champion_national", "国家级"),
    ("自治区级专精特新中小企业", "srdi", "省级"),
    ("南宁市专精特新企业", "srdi", "市级"),
    ("南宁市瞪羚企业", "gazelle", "市级"),
    ("国家高新技术企业", "hnte", "国家级"),
    ("规模以上工业企业", "above_scale", None),
    ("龙头", "chain_leader", None)])
def test_tier_words_and_levels(tag: str, tier: str, level: str | None) -> None:
    found = REGS.tier_of(tag)
    assert found.id == tier
    assert found.level_given(REGS.level_of(tag)) == level


def test_every_stage_and_tier_the_extractor_writes_is_known() -> None:
    from gxatlas.data.lexicon import lexicon

    lex = lexicon()
    for phrase, word in lex.map("project_stages").items():
        assert REGS.stage_of(word) is not None and REGS.stage_of(phrase) is not None, phrase
    for phrase, tag in lex.map("enterprise_tags").items():
        assert REGS.tier_of(tag) is not None and REGS.tier_of(phrase) is not None, (phrase, tag)


def test_a_project_that_releases_capacity_is_producing() -> None:
    from gxatlas.extract.projects import stage_of

    text = "县里将全力服务好甲锂电项目、乙材料项目释放产能，推进丙基地建设。"
    start = text.index("甲锂电项目")
    assert stage_of(text, start, start + len("甲锂电项目")) == "投产"
    assert REGS.stage_of("释放产能").name == "投产"


def test_unknown_words_are_none() -> None:
    assert REGS.stage_of("建设") is None and REGS.tier_of("金牌企业") is None


# --- settling a stage ------------------------------------------------------------------------

def change(stage: str, date: str | None, origin: str = "extracted", **kw) -> StageChange:
    return StageChange(stage=stage, index=REGS.stage(stage).index, date=date, origin=origin,
                       **kw)


def test_a_later_document_moves_a_project_on() -> None:
    s = settle([change("在建", "2024-05"), change("储备", "2021"), change("投产", "2026-02")])
    assert (s.current.stage, s.current.date) == ("投产", "2026-02")
    assert not s.conflicts


def test_an_older_document_never_overwrites_a_later_stage() -> None:
    # the 2016 plan is ingested after the 2024 news: the project stays 投产
    s = settle([change("投产", "2024"), change("在建", "2016-11")])
    assert s.current.stage == "投产"
    assert not s.conflicts


def test_a_later_document_naming_an_earlier_stage_is_a_conflict_not_a_move() -> None:
    s = settle([change("投产", "2024"), change("在建", "2026-02")])
    assert s.current.stage == "投产"
    assert [c.date for c in s.conflicts] == ["2026-02"]


def test_repeating_a_stage_keeps_the_date_it_was_reached() -> None:
    s = settle([change("在建", "2016-11"), change("在建", "2026-02")])
    assert s.current.date == "2016-11"


def test_a_person_is_authoritative_at_the_date_given() -> None:
    s = settle([change("投产", "2024"), change("在建", "2025-03", "user", set_by="张三"),
                change("在建", "2026-01")])
    assert (s.current.stage, s.current.set_by) == ("在建", "张三")
    s = settle([change("在建", "2025-03", "user"), change("投产", "2026-01")])
    assert s.current.stage == "投产"  # a later document still moves it on


def test_undated_statements_come_first() -> None:
    s = settle([change("投产", None), change("在建", "2020")])
    assert s.current.stage == "投产" and s.current.date is None
    s = settle([change("储备", None), change("在建", "2020")])
    assert (s.current.stage, s.current.date) == ("在建", "2020")


def test_dates() -> None:
    assert normalize_date("2026年2月8日") == "2026-02-08"
    assert normalize_date("2016-11") == "2016-11"
    assert normalize_date("2024") == "2024"
    assert normalize_date("2024-13") is None and normalize_date("今年") is None
    assert months_between("2024-12", dt.date(2026, 12, 3)) == 24
    assert months_between("2024-12-05", dt.date(2026, 12, 3)) == 23
    assert months_between("2016", dt.date(2017, 1, 1)) == 12
    assert months_between(None, dt.date(2026, 1, 1)) is None


# --- pipeline totals (hand-counted fixtures) ----------------------------------------------------

def _row(pid: int, name: str, city: str, stage: str | None, date: str | None,
         investment: float | None, park: str | None = None) -> ProjectRow:
    changes = (change(stage, date),) if stage else ()
    return ProjectRow(id=pid, name=name, city=city, county=None, park=park, enterprise=None,
                      investment=investment, capacity=None, year=None, industries=(),
                      changes=changes, documents=())


ROWS = [
    _row(1, "甲碳酸锂项目", "南宁市", "投产", "2025-06", 50.0, "甲园"),
    _row(2, "乙负极材料项目", "南宁市", "在建", "2023-01", 20.5, "甲园"),
    _row(3, "丙隔膜项目", "南宁市", "在建", "2026-03", None),
    _row(4, "丁港口项目", "钦州市", "储备", "2022", 100.0),
    _row(5, "戊数据中心项目", "钦州市", "签约", None, 8.0),
    _row(6, "己项目", "柳州市", None, None, 3.0),
]
AS_OF = dt.date(2026, 12, 3)


def _links(row: ProjectRow) -> list[tuple[str, str]]:
    return {1: [("新能源电池", "新能源电池·锂盐")], 2: [("新能源电池", "新能源电池·负极")],
            3: [("新能源电池", "新能源电池·隔膜")]}.get(row.id, [])


def test_pipeline_totals_match_a_hand_count() -> None:
    projects = build_projects(ROWS, links_of=_links, as_of=AS_OF, stale_months=24)
    by_stage = {r["key"]: (r["count"], r["investment"], r["with_investment"])
                for r in totals(projects, by="stage")}
    # counted by hand from ROWS: 投产 1 (50), 在建 2 (20.5 + unknown), 储备 1 (100),
    # 签约 1 (8), unknown 1 (3)
    assert by_stage == {"投产": (1, 50.0, 1), "在建": (2, 20.5, 1), "储备": (1, 100.0, 1),
                        "签约": (1, 8.0, 1), None: (1, 3.0, 1)}
    assert [r["key"] for r in totals(projects, by="stage")] == ["储备", "签约", "在建", "投产", None]
    by_city = {r["key"]: (r["count"], r["investment"]) for r in totals(projects, by="city")}
    assert by_city == {"南宁市": (3, 70.5), "钦州市": (2, 108.0), "柳州市": (1, 3.0)}
    by_chain = {r["key"]: r["count"] for r in totals(projects, by="chain")}
    assert by_chain == {"新能源电池": 3, None: 3}
    by_park = {r["key"]: r["count"] for r in totals(projects, by="park")}
    assert by_park == {"甲园": 2, None: 4}
    by_year = [(r["key"], r["count"]) for r in totals(projects, by="year")]
    assert by_year == [(2022, 1), (2023, 1), (2025, 1), (2026, 1), (None, 2)]
    # stalled: not 投产 and in its stage 24+ months before 2026-12-03: 乙 (2023-01), 丁 (2022)
    assert sorted(p.row.name for p in projects if p.stale) == ["丁港口项目", "乙负极材料项目"]
    assert next(p for p in projects if p.row.id == 5).stale is None  # undated: cannot tell
    report = pipeline_report(projects, as_of=AS_OF)
    assert report["summary"] == {"count": 6, "investment": 181.5, "with_investment": 5,
                                 "stale": 2, "undated": 1, "unstaged": 1}
    assert [f["count"] for f in report["funnel"]] == [1, 1, 2, 0, 1]


# --- KB: stages from documents and by hand ------------------------------------------------------

def _store(url: str, tmp: Path, name: str, text: str, facts: list[tuple[str, str, dict]],
           date: str | None) -> None:
    from gxatlas.ingest import read

    path = tmp / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    doc = read(path)
    out = []
    for ftype, fname, values in facts:
        start = doc.text.index(fname)
        out.append(Fact(type=ftype, name=fname, values=values,
                        evidence=FactEvidence(doc=doc.name, start=start,
                                              end=start + len(fname), quote=fname)))
    kb = open_kb(url)
    with kb.session() as s:
        if date:  # the document's date as the atlas or a profile would give it
            s.add(Document(key=doc.name, title=name, date=date))
            s.flush()
        store_document(s, doc, out)
    kb.dispose()


def _project(url: str, name: str) -> tuple[str | None, list[tuple[str, str | None, str]]]:
    kb = open_kb(url)
    with kb.session() as s:
        p = find(s, "project", name)
        rows = s.scalars(select(ProjectStage).where(ProjectStage.project_id == p.id)
                         .order_by(ProjectStage.id))
        out = p.status, [(r.stage, r.date, r.origin) for r in rows]
    kb.dispose()
    return out


def test_documents_move_a_project_on_and_never_back(any_kb_url: str, tmp_path: Path) -> None:
    assert run("--db", any_kb_url, "init").exit_code == 0
    name = "宸宇负极材料项目"  # the atlas has it 在建 in seed 004 (2026-02)
    assert _project(any_kb_url, name)[0] == "在建"
    _store(any_kb_url, tmp_path, "news_2026", f"{name}建成投产。",
           [("project", name, {"city": "南宁", "status": "建成投产"})], "2026-06")
    assert _project(any_kb_url, name)[0] == "投产"
    # an older plan read afterwards does not move it back
    _store(any_kb_url, tmp_path, "plan_2021", f"谋划{name}，推进前期工作。",
           [("project", name, {"city": "南宁", "status": "推进前期工作"})], "2021-01")
    status, rows = _project(any_kb_url, name)
    assert status == "投产"
    assert sorted(r[0] for r in rows) == ["储备", "在建", "投产"]
    # the pipeline shows the stage with the document that dated it
    res = run("--db", any_kb_url, "projects", "--region", "南宁", "--json")
    assert res.exit_code == 0, res.output
    proj = next(p for p in json.loads(res.stdout)["projects"] if p["name"] == name)
    assert (proj["stage"], proj["since"]) == ("投产", "2026-06")
    assert proj["source"]["document"] == "news_2026" and proj["source"]["span"]
    assert [c["stage"] for c in proj["history"]] == ["储备", "在建", "投产"]
    # a changed file replaces its statement: the project is back to what the rest say
    path = tmp_path / "news_2026.txt"
    path.write_text(f"{name}仍在建设中。", encoding="utf-8")
    assert run("--db", any_kb_url, "ingest", path).exit_code == 0
    assert _project(any_kb_url, name)[0] == "在建"


def _statuses_are_settled(url: str) -> None:
    """Every project's stored stage is what settling all of them from scratch gives (ingest
    and review settle only the projects they touched)."""
    from gxatlas.kb.registers import settle_projects

    kb = open_kb(url)
    with kb.session() as s:
        stored = dict(s.execute(select(Project.id, Project.status)).all())
        settle_projects(s)
        assert dict(s.execute(select(Project.id, Project.status)).all()) == stored
    kb.dispose()


def test_review_actions_settle_the_project_at_once(any_kb_url: str, tmp_path: Path) -> None:
    """Rejecting the statement that moved a project takes the move back in the same
    transaction (not at the next ingest); undo restores it; no other project drifts."""
    from gxatlas.kb.corrections import reject, undo
    from gxatlas.kb.models import StoredFact

    assert run("--db", any_kb_url, "init").exit_code == 0
    name = "宸宇负极材料项目"  # 在建 in the atlas
    _store(any_kb_url, tmp_path, "news_2026", f"{name}建成投产。",
           [("project", name, {"city": "南宁", "status": "建成投产"})], "2026-06")
    assert _project(any_kb_url, name)[0] == "投产"
    _statuses_are_settled(any_kb_url)
    kb = open_kb(any_kb_url)
    with kb.session() as s:
        fact = s.scalars(select(StoredFact).where(StoredFact.type == "project",
                                                  StoredFact.name == name)).one()
        corr = reject(s, fact.id, reviewer="张三").id
    assert _project(any_kb_url, name)[0] == "在建"
    _statuses_are_settled(any_kb_url)
    with kb.session() as s:
        undo(s, corr, reviewer="张三")
    kb.dispose()
    assert _project(any_kb_url, name)[0] == "投产"
    _statuses_are_settled(any_kb_url)


def test_a_new_project_from_a_document_waits_for_review(atlas_url: str, tmp_path: Path) -> None:
    name = "南宁测试锂电材料项目"
    _store(atlas_url, tmp_path, "news_new", f"{name}开工建设。",
           [("project", name, {"city": "南宁", "status": "开工建设"})], "2025-03")
    shown = json.loads(run("--db", atlas_url, "projects", "--region", "南宁", "--json").stdout)
    assert name not in {p["name"] for p in shown["projects"]}
    res = run("--db", atlas_url, "projects", "--region", "南宁", "--include-pending", "--json")
    pending = {p["name"]: p for p in json.loads(res.stdout)["projects"]}
    assert pending[name]["stage"] == "在建" and pending[name]["since"] == "2025-03"


def test_a_stage_set_by_hand_records_who_and_when(atlas_url: str) -> None:
    res = run("--db", atlas_url, "projects", "set", "宸宇负极材料项目", "投产", "--date",
              "2026-10", "--by", "张三", "--note", "市工信局调度", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"project": "宸宇负极材料项目", "stage": "投产",
                                      "since": "2026-10", "set_by": "张三"}
    kb = open_kb(atlas_url)
    with kb.session() as s:
        p = find(s, "project", "宸宇负极材料项目")
        row = s.scalars(select(ProjectStage).where(ProjectStage.project_id == p.id,
                                                    ProjectStage.origin == "user")).one()
        assert (row.set_by, row.note, row.date) == ("张三", "市工信局调度", "2026-10")
        assert row.set_at is not None and row.evidence.locator.startswith("人工设定 张三")
        assert p.status == "投产"
    kb.dispose()
    shown = json.loads(run("--db", atlas_url, "show", "project", "宸宇负极材料项目",
                           "--json").stdout)
    assert any(f["field"] == "status" and f["source"]["origin"] == "user"
               for f in shown["facts"])


def test_projects_stale_flag_and_xlsx(atlas_url: str, tmp_path: Path) -> None:
    res = run("--db", atlas_url, "projects", "--stale", "--as-of", "2026-12-03", "--json")
    report = json.loads(res.stdout)
    assert report["projects"] and all(p["stale"] for p in report["projects"])
    assert all(p["stage"] != "投产" and p["months"] >= 24 for p in report["projects"])
    out = tmp_path / "项目库.xlsx"
    res = run("--db", atlas_url, "projects", "--region", "南宁", "--format", "xlsx",
              "--output", out)
    assert res.exit_code == 0, res.output
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["项目", "按阶段", "按城市", "按园区", "按产业链", "按年份", "阶段记录"]
    head = [c.value for c in wb["项目"][1]]
    assert head[:4] == ["项目", "城市", "区县", "园区"] and "阶段出处" in head
    names = [r[0].value for r in wb["项目"].iter_rows(min_row=2)]
    assert "比亚迪碳酸锂项目" in names


# --- tier lists ---------------------------------------------------------------------------------

def _tier_counts(url: str) -> tuple[int, int, int, int]:
    kb = open_kb(url)
    with kb.session() as s:
        out = tuple(s.scalar(select(func.count()).select_from(m))
                    for m in (EnterpriseTier, Enterprise, Evidence, Document))
    kb.dispose()
    return out


def test_tier_list_from_its_title(tmp_path: Path) -> None:
    tl = read_tier_list(SRDI_LIST)
    assert tl.ok, tl.problems
    assert [(r.name, r.tier, r.level, r.year) for r in tl.rows][:1] == [
        ("广西美斯达集团有限公司", "srdi", "省级", 2024)]
    assert tl.rows[1].county == "横州市" and "主导产品" in tl.notes[0]


def test_a_tier_list_imported_twice_is_a_no_op(any_kb_url: str) -> None:
    assert run("--db", any_kb_url, "init").exit_code == 0
    first = run("--db", any_kb_url, "enterprises", "pool", "import", SRDI_LIST, "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["status"] == "added"
    after_first = _tier_counts(any_kb_url)
    second = run("--db", any_kb_url, "enterprises", "pool", "import", SRDI_LIST, "--json")
    assert second.exit_code == 0 and json.loads(second.stdout)["status"] == "unchanged"
    assert _tier_counts(any_kb_url) == after_first
    kb = open_kb(any_kb_url)
    with kb.session() as s:
        firm = find(s, "enterprise", "广西美斯达集团有限公司")
        tiers = s.scalars(select(EnterpriseTier).where(EnterpriseTier.enterprise_id == firm.id,
                                                       EnterpriseTier.origin == "list")).all()
        assert [(t.tier, t.level, t.year) for t in tiers] == [("srdi", "省级", 2024)]
        assert tiers[0].evidence.locator == "第 3 行"
        assert firm.credit_code == "91450100MA5K3A1B22"
    kb.dispose()


def test_a_listed_firm_is_in_the_pool_of_its_county(atlas_url: str) -> None:
    assert run("--db", atlas_url, "enterprises", "pool", "import", SRDI_LIST).exit_code == 0
    pool = json.loads(run("--db", atlas_url, "enterprises", "pool", "--region", "横州",
                          "--json").stdout)
    assert [(f["name"], f["city"], f["county"]) for f in pool["firms"]] == [
        ("南宁新锐隔膜科技有限公司", "南宁市", "横州市")]
    city = json.loads(run("--db", atlas_url, "enterprises", "pool", "--region", "南宁",
                          "--json").stdout)
    assert "南宁新锐隔膜科技有限公司" in {f["name"] for f in city["firms"]}


def test_the_same_list_in_another_encoding_name_or_format_is_a_no_op(atlas_url: str,
                                                                    tmp_path: Path) -> None:
    import openpyxl

    assert run("--db", atlas_url, "enterprises", "pool", "import", SRDI_LIST).exit_code == 0
    after_first = _tier_counts(atlas_url)
    gbk = tmp_path / "名单（GBK 另存）.csv"
    gbk.write_bytes(SRDI_LIST.read_text(encoding="utf-8").encode("gbk"))
    wb = openpyxl.Workbook()
    for line in SRDI_LIST.read_text(encoding="utf-8").splitlines():
        wb.active.append(line.split(","))
    xlsx = tmp_path / "list.xlsx"
    wb.save(xlsx)
    for again in (gbk, xlsx):
        res = run("--db", atlas_url, "enterprises", "pool", "import", again, "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["status"] == "unchanged", again.name
        assert _tier_counts(atlas_url) == after_first, again.name
    # the same firms stated for another year are another list
    res = run("--db", atlas_url, "enterprises", "pool", "import", gbk, "--year", "2025",
              "--json")
    assert json.loads(res.stdout)["status"] == "added"


def test_a_changed_list_of_the_same_name_replaces_its_rows(atlas_url: str,
                                                           tmp_path: Path) -> None:
    path = tmp_path / SRDI_LIST.name
    shutil.copy(SRDI_LIST, path)
    assert run("--db", atlas_url, "enterprises", "pool", "import", path).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # drop the last firm
    res = run("--db", atlas_url, "enterprises", "pool", "import", path, "--json")
    assert json.loads(res.stdout)["status"] == "replaced"
    kb = open_kb(atlas_url)
    with kb.session() as s:
        listed = s.scalar(select(func.count()).select_from(EnterpriseTier).where(
            EnterpriseTier.origin == "list"))
        assert listed == 2
    kb.dispose()


def test_a_malformed_list_is_reported_row_by_row_and_nothing_is_stored(any_kb_url: str
                                                                         ) -> None:
    assert run("--db", any_kb_url, "init").exit_code == 0
    before = _tier_counts(any_kb_url)
    res = run("--db", any_kb_url, "enterprises", "pool", "import", MALFORMED)
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    by_line = {int(x.split(":")[2]): x for x in lines if x.startswith("gxatlas: ")
               and x.split(":")[2].isdigit()}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9]
    assert "缺少企业名称" in by_line[4]
    assert "校验位" in by_line[5]
    assert "金牌企业" in by_line[6]
    assert "明年" in by_line[7]
    assert "第 3 行重复" in by_line[8]
    assert "字段数" in by_line[9]
    assert "未存入任何内容" in res.stdout
    assert _tier_counts(any_kb_url) == before
    js = json.loads(run("--db", any_kb_url, "enterprises", "pool", "import", MALFORMED,
                        "--json").stdout)
    assert js["status"] == "refused" and [p["line"] for p in js["problems"]] == [4, 5, 6, 7, 8, 9]


def test_a_list_without_tier_or_year_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("企业名称,所在市\n南宁甲公司,南宁市\n", encoding="utf-8")
    tl = read_tier_list(path)
    assert [p.line for p in tl.problems[:2]] == [None, None]
    ok = read_tier_list(path, tier="瞪羚", level="市级", year=2025)
    assert ok.ok and (ok.rows[0].tier, ok.rows[0].level, ok.rows[0].year) == ("gazelle", "市级",
                                                                              2025)
    contradicts = read_tier_list(path, tier="小巨人", level="省级", year=2025)
    assert "只有国家级" in contradicts.problems[0].problem


def test_tier_list_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年度国家级专精特新“小巨人”企业名单（广西）"])
    ws.append(["序号", "企业名称", "地区"])
    ws.append([1, "南宁新锐隔膜科技有限公司", "南宁市"])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    tl = read_tier_list(path)
    assert tl.ok and [(r.tier, r.level, r.year) for r in tl.rows] == [
        ("little_giant", "国家级", 2025)]


# --- the pool ---------------------------------------------------------------------------------

def _holding(tier: str, year: int | None, as_of: str | None = None) -> TierHolding:
    return TierHolding(tier=tier, level=REGS.tier(tier).level, year=year, as_of=as_of,
                       origin="list", word=None, source=None)


def test_a_firm_lists_each_tier_once_with_all_its_sources() -> None:
    src = [{"document": d, "at": "line 1"} for d in ("a", "b")]
    same = [TierHolding(tier="chain_leader", level=None, year=None, as_of="2016-11",
                        origin="extracted", word="龙头", source=s) for s in (*src, src[0])]
    firm = PoolFirm(id=1, name="甲", city="南宁市", county=None, links=(), key_links=(),
                    holdings=(*same, _holding("srdi", 2024)))
    tiers = firm.to_dict(REGS)["tiers"]
    assert [(t["tier"], t["when"]) for t in tiers] == [("chain_leader", 2016), ("srdi", 2024)]
    assert tiers[0]["source"] == src[0] and tiers[0]["sources"] == src


def test_moved_up_and_next_tier_candidates() -> None:
    tiers = {t.id: t for t in REGS.tiers}
    firm = PoolFirm(id=1, name="甲", city="南宁市", county=None, links=(), key_links=(),
                    holdings=(_holding("hnte", 2020), _holding("srdi", 2022),
                              _holding("little_giant", 2024)))
    mv = moved_up(firm, tiers)
    assert (mv["from"]["tier"], mv["from"]["year"], mv["to"]["tier"], mv["to"]["year"]) == (
        "srdi", 2022, "little_giant", 2024)
    cands = candidates(firm, REGS)
    assert [(c["target"], c["rule"], c["basis"]) for c in cands] == [
        ("champion_province", "next_tier", "little_giant")]
    # the same year: not a move; a document's date stands in for a missing year
    same = PoolFirm(id=2, name="乙", city=None, county=None, links=(), key_links=(),
                    holdings=(_holding("srdi", None, "2026-02"),
                              _holding("little_giant", None, "2026-02")))
    assert moved_up(same, tiers) is None


def test_above_scale_firms_are_candidates_only_on_a_key_link() -> None:
    on = PoolFirm(id=1, name="甲", city="南宁市", county=None, links=("电子·显示",),
                  key_links=("电子·显示",), holdings=(_holding("above_scale", 2023),))
    off = PoolFirm(id=2, name="乙", city="南宁市", county=None, links=("糖·制糖",), key_links=(),
                   holdings=(_holding("above_scale", 2023),))
    got = candidates(on, REGS)
    assert {c["target"] for c in got} == {"hnte", "innovative_sme"}
    assert all(c["rule"] == "key_link" and "电子·显示" in c["reason"] for c in got)
    assert candidates(off, REGS) == []


def test_pool_from_lists_and_documents(atlas_url: str) -> None:
    for path in (SRDI_LIST, MIXED_LIST):
        res = run("--db", atlas_url, "enterprises", "pool", "import", path)
        assert res.exit_code == 0, res.output
    res = run("--db", atlas_url, "enterprises", "pool", "--region", "南宁", "--json")
    assert res.exit_code == 0, res.output
    pool = json.loads(res.stdout)
    by_tier = {t["tier"]: t["count"] for t in pool["by_tier"]}
    # 美斯达 (list + seed 004's tags), 新锐 (list); 规上 瑞声 and 新锐; 高企 新锐
    assert by_tier["srdi"] == 2 and by_tier["little_giant"] == 1
    assert by_tier["above_scale"] == 2 and by_tier["hnte"] == 1
    movers = {m["name"]: m for m in pool["moved_up"]}
    assert movers["广西美斯达集团有限公司"]["from"]["tier"] == "srdi"
    assert movers["南宁新锐隔膜科技有限公司"]["to"]["tier"] == "srdi"
    assert movers["南宁新锐隔膜科技有限公司"]["from"]["tier"] == "hnte"
    rules = {(c["name"], c["target"]): c["rule"] for c in pool["candidates"]}
    # 瑞声 is 规上 on 南宁's electronics chain (its plans name 电子信息): key_link
    assert rules[("南宁瑞声光电显示模组有限公司", "hnte")] == "key_link"
    assert rules[("南宁新锐隔膜科技有限公司", "little_giant")] == "next_tier"
    assert rules[("广西美斯达集团有限公司", "champion_national")] == "next_tier"
    links = {r["key"] for r in pool["by_link"]}
    assert any(k.endswith("隔膜") or "隔膜" in k for k in links)
    # 柳州 and 梧州 firms are outside 南宁
    assert not any(f["name"].startswith(("柳州", "梧州")) for f in pool["firms"])


def test_sync_is_idempotent(atlas_url: str) -> None:
    kb = open_kb(atlas_url)
    with kb.session() as s:
        before = (s.scalar(select(func.count()).select_from(ProjectStage)),
                  s.scalar(select(func.count()).select_from(EnterpriseTier)))
        assert before[0] > 0 and before[1] > 0
        report = sync_registers(s)
        assert (report.stages, report.tiers) == (0, 0)
        assert s.scalar(select(func.count()).select_from(Project).where(
            Project.status.not_in([st.name for st in REGS.stages]))) == 0
    kb.dispose()


def test_set_stage_refuses_unknown_stage_and_date(atlas_url: str) -> None:
    from gxatlas.errors import GxatlasError

    kb = open_kb(atlas_url)
    with kb.session() as s:
        p = find(s, "project", "宸宇负极材料项目")
        with pytest.raises(GxatlasError, match="未知阶段"):
            set_stage(s, p, "完蛋", by="x")
        with pytest.raises(GxatlasError, match="无法识别"):
            set_stage(s, p, "投产", by="x", date="下个月")
    kb.dispose()


# --- chain link status counts staged projects --------------------------------------------------

def test_chain_link_status_counts_staged_projects() -> None:
    from gxatlas.analysis.chains import Entity, chain_coverage
    from gxatlas.data.chains import find_chain

    chain = find_chain("new_energy_battery")
    link = "new_energy_battery/separator"

    def status(*projects: Entity) -> str:
        cov = chain_coverage(chain, entities=list(projects), region="南宁")
        return next(lk["status"] for lk in cov["links"] if lk["id"] == "separator")

    def proj(name: str, stage: str | None, enterprise: str | None = None) -> Entity:
        return Entity(name=name, type="project", region="南宁市", links=(link,), stage=stage,
                      enterprise=enterprise)

    assert status() == "missing"
    assert status(proj("甲隔膜项目", "储备"), proj("乙隔膜项目", "储备")) == "weak"  # never 具备
    assert status(proj("甲隔膜项目", "在建")) == "weak"
    assert status(proj("甲隔膜项目", "投产")) == "present"
    assert status(proj("甲隔膜项目", "达产")) == "present"  # stage words as written
    # the coverage says each project's stage, so a reader sees why a link is 具备 or 薄弱
    from gxatlas.analysis.chains import staged_project

    lk = next(lk for lk in chain_coverage(chain, entities=[proj("甲隔膜项目", "达产"),
                                                             proj("乙隔膜项目", None)],
                                          region="南宁")["links"] if lk["id"] == "separator")
    assert lk["project_stages"] == {"甲隔膜项目": "投产", "乙隔膜项目": None}
    assert [staged_project(lk, n) for n in lk["projects"]] == ["乙隔膜项目", "甲隔膜项目（投产）"]
    assert status(*(proj(f"{n}隔膜项目", "投产") for n in "甲乙丙")) == "strong"
    firm = Entity(name="甲公司", type="enterprise", region="南宁市", links=(link,))
    # a producing project of a firm already counted on the link does not count twice
    assert chain_coverage(chain, entities=[firm, proj("甲隔膜项目", "投产", "甲公司"),
                                           proj("乙隔膜项目", "投产", "乙公司")],
                          region="南宁")["links"][[lk.id for lk in chain.links].index(
                              "separator")]["status"] == "present"
