"""The registers through the API: pipeline and pool reads, a stage set by hand, tier lists."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api_sample_kb import build_sample_kb
from gxatlas.api.app import create_app
from gxatlas.kb.models import EnterpriseTier
from gxatlas.kb.store import KB

FIX = Path(__file__).parent / "fixtures" / "registers"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KB, dict[str, str]]]:
    kb, tokens = build_sample_kb(tmp_path_factory.mktemp("reg-api") / "kb.sqlite")
    yield kb, tokens
    kb.dispose()


@pytest.fixture(scope="module")
def client(sample: tuple[KB, dict[str, str]]) -> TestClient:
    return TestClient(create_app(kb=sample[0]))


def auth(sample: tuple[KB, dict[str, str]], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sample[1][role]}"}


def tiers(kb: KB) -> int:
    with kb.session() as s:
        return s.scalar(select(func.count()).select_from(EnterpriseTier)) or 0


def _upload(client: TestClient, sample, path: Path, **params: Any) -> dict[str, Any]:
    files = {"file": (path.name, io.BytesIO(path.read_bytes()), "text/csv")}
    res = client.post("/api/tierlists", files=files, params=params,
                      headers=auth(sample, "write"))
    assert res.status_code == 202, res.text
    return client.get(res.json()["url"], headers=auth(sample, "write")).json()  # owner only


def test_pipeline_reads(client: TestClient) -> None:
    body = client.get("/api/analysis/projects", params={"region": "南宁"}).json()
    assert body["available"] is True
    result = body["result"]
    names = {p["name"]: p for p in result["projects"]}
    assert names["比亚迪碳酸锂项目"]["stage"] == "投产"
    assert names["比亚迪碳酸锂项目"]["source"]["document"] == "004_35157f1fbdb36fec"
    assert [f["stage"] for f in result["funnel"]] == ["储备", "签约", "在建", "竣工", "投产"]
    assert set(result["totals"]) == {"stage", "city", "park", "chain", "year"}
    only = client.get("/api/analysis/projects",
                      params={"region": "南宁", "stage": "开工"}).json()["result"]
    assert only["projects"] and all(p["stage"] == "在建" for p in only["projects"])
    assert client.get("/api/analysis/projects", params={"region": "火星"}).status_code == 404
    bad = client.get("/api/analysis/projects", params={"stage": "火星"}).json()
    assert bad["available"] is False and "火星" in bad["reason"]


def test_pool_reads(client: TestClient) -> None:
    body = client.get("/api/analysis/pool", params={"region": "南宁"}).json()
    assert body["available"] is True
    result = body["result"]
    assert {"by_tier", "by_city", "by_link", "moved_up", "candidates", "firms"} <= set(result)
    assert any(f["name"] == "广西美斯达集团有限公司" for f in result["firms"])


@pytest.mark.parametrize("name,sheet,heads", [
    ("projects", "项目", ["项目", "城市", "区县", "园区", "企业", "阶段", "进入阶段日期"]),
    ("pool", "培育库企业", ["企业", "城市", "区县", "称号", "产业链环节", "出处"])])
def test_registers_export_the_clis_workbook(client: TestClient, name: str, sheet: str,
                                             heads: list[str]) -> None:
    import openpyxl

    res = client.get(f"/api/analysis/{name}", params={"region": "南宁", "format": "xlsx"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in res.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(res.content))
    rows = list(wb[sheet].iter_rows(values_only=True))
    assert list(rows[0][:len(heads)]) == heads
    body = " ".join(str(c) for r in rows for c in r if c is not None)
    assert ("比亚迪碳酸锂项目" if name == "projects" else "广西美斯达集团有限公司") in body
    assert client.get(f"/api/analysis/{name}", params={"format": "csv"}).status_code == 422
    bad = client.get("/api/analysis/projects", params={"stage": "火星", "format": "xlsx"})
    assert bad.status_code == 422 and "火星" in bad.json()["detail"]


def test_stage_set_by_hand_needs_a_write_token(client: TestClient, sample) -> None:
    pid = next(p["id"] for p in client.get("/api/analysis/projects", params={
        "region": "南宁"}).json()["result"]["projects"] if p["name"] == "安达磷酸铁锂项目")
    url = f"/api/projects/{pid}/stage"
    assert client.post(url, json={"stage": "投产"}).status_code == 401
    assert client.post(url, json={"stage": "投产"},
                       headers=auth(sample, "read")).status_code == 403
    assert client.post(url, json={"stage": "火星"},
                       headers=auth(sample, "write")).status_code == 422
    res = client.post(url, json={"stage": "投产", "date": "2026-11", "note": "调度会"},
                      headers=auth(sample, "write"))
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["stage"], body["date"], body["set_by"], body["origin"]) == (
        "投产", "2026-11", "test-write", "user")
    after = client.get("/api/analysis/projects", params={"region": "南宁"}).json()["result"]
    proj = next(p for p in after["projects"] if p["id"] == pid)
    assert proj["stage"] == "投产" and proj["history"][-1]["set_by"] == "test-write"
    assert client.post("/api/projects/999999/stage", json={"stage": "投产"},
                       headers=auth(sample, "write")).status_code == 404


def test_tier_list_upload_once_twice_and_malformed(client: TestClient, sample,
                                                    tmp_path: Path) -> None:
    before = tiers(sample[0])
    job = _upload(client, sample, FIX / "2024年广西专精特新中小企业名单.csv")
    assert job["status"] == "done", job
    assert job["result"]["status"] == "added" and job["result"]["rows"] == 3
    added = tiers(sample[0])
    assert added == before + 3
    again = _upload(client, sample, FIX / "2024年广西专精特新中小企业名单.csv")
    assert again["status"] == "done" and again["result"]["status"] == "unchanged"
    assert tiers(sample[0]) == added
    renamed = tmp_path / "专精特新名单_gbk.csv"  # the same list, another name and encoding
    renamed.write_bytes((FIX / "2024年广西专精特新中小企业名单.csv").read_text(
        encoding="utf-8").encode("gbk"))
    assert _upload(client, sample, renamed)["result"]["status"] == "unchanged"
    assert tiers(sample[0]) == added
    bad = _upload(client, sample, FIX / "malformed.csv")
    assert bad["status"] == "failed" and "第 4 行" in bad["message"]
    assert "未导入任何数据" in bad["message"]
    assert tiers(sample[0]) == added
    gazelles = FIX / "称号名单_多称号.csv"
    mixed = _upload(client, sample, gazelles)
    assert mixed["status"] == "done", mixed


# --- the report shows both registers ----------------------------------------------------------

@pytest.mark.parametrize("suffix", [".html", ".xlsx", ".pdf"])
def test_report_shows_both_registers(sample, tmp_path: Path, suffix: str) -> None:
    from gxatlas.report import build_brief, write_report

    kb = sample[0]
    with kb.session() as s:
        brief = build_brief(s, region="南宁")
        out = write_report(s, region="南宁", out=tmp_path / f"brief{suffix}")
    sections = {sec.key: sec for sec in brief.sections}
    projects, pool = sections["projects"], sections["pool"]
    names = {row[0]: row for row in projects.rows}
    assert names["比亚迪碳酸锂项目"][3] == "投产/达产"
    assert all(projects.sources) and "南宁：坚持强链建群" in projects.sources[
        [row[0] for row in projects.rows].index("比亚迪碳酸锂项目")]
    assert any(row[1] == "广西美斯达集团有限公司" and "小巨人" in row[3] for row in pool.rows)
    assert any(row[0] == "候选" for row in pool.rows)
    assert any(line.startswith("重大项目") for line in brief.summary)
    if suffix == ".html":
        text = out.read_text(encoding="utf-8")
    elif suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(out)
        text = " ".join(str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r
                        if c.value is not None)
    else:
        import pdfplumber

        with pdfplumber.open(out) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages)
    for title in ("重大项目库", "企业培育库", "比亚迪碳酸锂", "美斯达", "投产/达产"):
        assert title in text.replace(" ", "").replace("\n", ""), (suffix, title)
