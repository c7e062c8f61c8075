"""REST API: reads, pagination, search, analysis empty states, auth and uploads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api_sample_kb import build_sample_kb, park_ids
from gxatlas.api.app import create_app
from gxatlas.kb.models import Enterprise, Observation
from gxatlas.kb.store import KB

MAX_BYTES = 64 * 1024


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KB, dict[str, str]]]:
    kb, tokens = build_sample_kb(tmp_path_factory.mktemp("api") / "kb.sqlite")
    yield kb, tokens
    kb.dispose()


@pytest.fixture(scope="module")
def client(sample: tuple[KB, dict[str, str]]) -> TestClient:
    return TestClient(create_app(kb=sample[0], max_upload_bytes=MAX_BYTES))


def auth(sample: tuple[KB, dict[str, str]], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sample[1][role]}"}


def count(kb: KB, model: Any) -> int:
    with kb.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


# --- reads --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["regions", "parks", "enterprises", "projects", "policies",
                                  "indicators", "industries", "documents"])
def test_every_entity_type_lists_and_shows_details(client: TestClient, path: str) -> None:
    page = client.get(f"/api/{path}", params={"limit": 5}).json()
    assert page["total"] >= 1 and page["limit"] == 5 and page["offset"] == 0
    first = page["items"][0]
    detail = client.get(f"/api/{path}/{first['id']}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["id"] == first["id"] and "facts" in body and "relations" in body


def test_park_detail_has_targets_and_citations(client: TestClient, sample) -> None:
    pid = park_ids(sample[0])["南宁高新技术产业开发区"]
    body = client.get(f"/api/parks/{pid}").json()
    assert any(t["metric"] == "工业总产值" for t in body["targets"])
    sources = [f["source"] for f in body["facts"]]
    assert any(s["document"] == "sample_plan" and s.get("span") for s in sources)
    assert any(s.get("at") == "第1段" for s in sources)


def test_region_filter_includes_descendants_and_rejects_unknown(client: TestClient) -> None:
    names = {p["name"] for p in client.get("/api/parks", params={"region": "南宁",
                                                                 "limit": 200}).json()["items"]}
    assert "南宁高新技术产业开发区" in names and "柳州汽车城" not in names
    assert client.get("/api/parks", params={"region": "450100"}).json()["total"] == len(names)
    missing = client.get("/api/parks", params={"region": "不存在的地方"})
    assert missing.status_code == 404 and "未知地区" in missing.json()["detail"]


def test_unknown_entity_is_404(client: TestClient) -> None:
    assert client.get("/api/parks/999999").status_code == 404


@pytest.mark.parametrize("params, status", [
    ({"limit": 200}, 200), ({"limit": 201}, 422), ({"limit": 0}, 422), ({"offset": -1}, 422),
    ({"limit": "many"}, 422)])
def test_pagination_limits(client: TestClient, params: dict[str, Any], status: int) -> None:
    assert client.get("/api/regions", params=params).status_code == status


def test_pages_do_not_overlap(client: TestClient) -> None:
    a = client.get("/api/regions", params={"limit": 10, "offset": 0}).json()
    b = client.get("/api/regions", params={"limit": 10, "offset": 10}).json()
    assert len(a["items"]) == len(b["items"]) == 10
    assert not {i["id"] for i in a["items"]} & {i["id"] for i in b["items"]}
    assert a["total"] == b["total"]


def test_search_finds_entities_and_validates_query(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "上汽通用五菱"}).json()["items"]
    assert any(h["type"] == "enterprise" and h["label"] == "上汽通用五菱" for h in hits)
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "x" * 101}).status_code == 422
    assert client.get("/api/search", params={"q": "%_'\""}).status_code == 200


def test_map_parks_have_positions_and_planned_output(client: TestClient) -> None:
    parks = {p["name"]: p for p in client.get("/api/map/parks").json()["parks"]}
    park = parks["柳州汽车城"]
    assert park["lon"] and park["lat"] and park["planned_output"]["value"] == 2000.0


def test_document_view_has_located_facts(client: TestClient) -> None:
    docs = client.get("/api/documents", params={"q": "示例规划"}).json()["items"]
    body = client.get(f"/api/documents/{docs[0]['id']}").json()
    spans = [f for f in body["document_facts"] if f["start"] is not None]
    assert body["text"] and spans
    assert all(body["text"][f["start"]:f["end"]] for f in spans)


def test_monitor_lists_targets_with_actuals(client: TestClient) -> None:
    body = client.get("/api/analysis/monitor", params={"region": "广西"}).json()
    ind = next(i for i in body["items"] if i["name"] == "规模以上工业总产值")
    assert [o["year"] for o in ind["observations"]] == [2016, 2017, 2018]
    assert "available" in body["monitor"]


@pytest.mark.parametrize("path", ["/api/analysis/audit", "/api/analysis/parks",
                                  "/api/analysis/partners", "/api/analysis/chains"])
def test_analysis_endpoints_answer_with_result_or_honest_empty_state(
        client: TestClient, path: str) -> None:
    res = client.get(path)
    assert res.status_code == 200
    body = res.json()
    assert body["available"] in (True, False)
    if not body["available"]:
        assert body["reason"]


def test_openapi_and_docs_are_local(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/parks" in schema["paths"] and "/api/jobs/{job_id}" in schema["paths"]
    docs = client.get("/docs").text
    assert "/static/vendor/swagger/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    assert client.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200


def test_dashboard_and_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "广西产业图谱" in page.text
    for asset in ("/static/app.js", "/static/style.css", "/static/vendor/echarts.min.js",
                  "/static/geo/guangxi.json", "/static/geo/china_asean.json"):
        assert client.get(asset).status_code == 200, asset


# --- auth ---------------------------------------------------------------------------------

def _csv(text: str, name: str = "actuals.csv") -> dict[str, Any]:
    return {"file": (name, io.BytesIO(text.encode("utf-8")), "text/csv")}


ACTUALS = "指标,地区,年份,数值,单位\n规模以上工业总产值,广西,2019,14000,亿元\n"


@pytest.mark.parametrize("headers, status", [
    ({}, 401), ({"Authorization": "Bearer nonsense"}, 401), ({"Authorization": "Basic abc"}, 401)])
def test_writes_need_a_valid_token(client: TestClient, headers: dict[str, str],
                                   status: int) -> None:
    res = client.post("/api/observations", files=_csv(ACTUALS), headers=headers)
    assert res.status_code == status
    assert res.headers.get("www-authenticate") == "Bearer"


def test_read_role_cannot_write(client: TestClient, sample) -> None:
    res = client.post("/api/observations", files=_csv(ACTUALS), headers=auth(sample, "read"))
    assert res.status_code == 403


def test_revoked_token_is_refused(client: TestClient, sample) -> None:
    from gxatlas.api.auth import add_user, revoke_user

    with sample[0].session() as s:
        _user, token = add_user(s, name="soon-revoked", role="write")
        revoke_user(s, name="soon-revoked")
    res = client.post("/api/observations", files=_csv(ACTUALS),
                      headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401


# --- uploads and jobs ---------------------------------------------------------------------

def _job(client: TestClient, res: Any) -> dict[str, Any]:
    """The job of an upload, read with the uploader's token (jobs are their owner's)."""
    assert res.status_code == 202, res.text
    owner = {"Authorization": res.request.headers["authorization"]}
    return client.get(res.json()["url"], headers=owner).json()


def test_actuals_upload_is_processed_as_a_job(client: TestClient, sample) -> None:
    before = count(sample[0], Observation)
    job = _job(client, client.post("/api/observations", files=_csv(ACTUALS),
                                   headers=auth(sample, "write")))
    assert job["status"] == "done", job
    assert job["result"]["observations"] == 1 and job["result"]["matched_indicators"] == 1
    assert count(sample[0], Observation) == before + 1


def test_failed_job_reports_why_and_leaves_kb_unchanged(client: TestClient, sample) -> None:
    before = count(sample[0], Observation)
    bad = ACTUALS + "规模以上工业总产值,广西,2020,很多,亿元\n"
    job = _job(client, client.post("/api/observations", files=_csv(bad),
                                   headers=auth(sample, "admin")))
    assert job["status"] == "failed" and "很多" in job["message"]
    assert count(sample[0], Observation) == before


def test_registry_upload_adds_cited_enterprises(client: TestClient, sample) -> None:
    before = count(sample[0], Enterprise)
    table = "企业名称,统一社会信用代码,地区\n广西示例新材料有限公司,91450100MA5TE0T00D,南宁\n"
    job = _job(client, client.post("/api/enterprises", files=_csv(table, "registry.csv"),
                                   headers=auth(sample, "write")))
    assert job["status"] == "done", job
    assert count(sample[0], Enterprise) == before + 1
    hit = client.get("/api/enterprises", params={"q": "广西示例新材料"}).json()["items"][0]
    facts = client.get(f"/api/enterprises/{hit['id']}").json()["facts"]
    assert any(f["source"]["origin"] == "user" and f["source"].get("at") == "line 2"
               for f in facts)


def test_registry_without_name_column_fails_cleanly(client: TestClient, sample) -> None:
    before = count(sample[0], Enterprise)
    job = _job(client, client.post("/api/enterprises", files=_csv("地区\n南宁\n", "r.csv"),
                                   headers=auth(sample, "write")))
    assert job["status"] == "failed" and "企业名称" in job["message"]
    assert count(sample[0], Enterprise) == before


def test_document_upload_runs_ingest(client: TestClient, sample) -> None:
    text = "北海市铁山港工业区到2025年工业总产值达到2000亿元。"
    files = {"file": ("upload_plan.txt", io.BytesIO(text.encode("utf-8")), "text/plain")}
    job = _job(client, client.post("/api/documents", files=files, headers=auth(sample, "write")))
    assert job["status"] == "done", job
    assert job["result"]["status"] == "added" and job["finished_at"]
    docs = client.get("/api/documents", params={"q": "upload_plan"}).json()["items"]
    assert docs and docs[0]["key"] == "upload_plan"


def test_document_that_cannot_be_read_fails_its_job(client: TestClient, sample) -> None:
    before = client.get("/api/documents").json()["total"]
    import zipfile

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as zf:  # a ZIP archive, but not a Word document
        zf.writestr("hello.txt", "hi")
    files = {"file": ("broken.docx", io.BytesIO(package.getvalue()), "application/zip")}
    job = _job(client, client.post("/api/documents", files=files, headers=auth(sample, "write")))
    assert job["status"] == "failed" and job["message"]
    assert client.get("/api/documents").json()["total"] == before


@pytest.mark.parametrize("name, data, status", [
    ("big.csv", b"a" * (MAX_BYTES + 1), 413),
    ("plan.exe", b"MZ", 415),
    ("noext", b"hello", 415),
    ("empty.csv", b"", 422),
    ("fake.xlsx", b"not a zip", 422),
    ("bad.csv", "指标".encode("utf-16"), 422),
])
def test_oversized_wrong_type_and_malformed_uploads_are_refused(
        client: TestClient, sample, name: str, data: bytes, status: int) -> None:
    before = count(sample[0], Observation)
    res = client.post("/api/observations", files={"file": (name, io.BytesIO(data))},
                      headers=auth(sample, "write"))
    assert res.status_code == status, res.text
    assert res.json()["detail"]
    assert count(sample[0], Observation) == before


def test_malformed_pdf_document_is_refused(client: TestClient, sample) -> None:
    res = client.post("/api/documents", files={"file": ("plan.pdf", io.BytesIO(b"hello"))},
                      headers=auth(sample, "write"))
    assert res.status_code == 422


def test_upload_without_file_field_is_422(client: TestClient, sample) -> None:
    res = client.post("/api/observations", headers=auth(sample, "write"))
    assert res.status_code == 422


def test_unknown_job_is_404(client: TestClient, sample) -> None:
    assert client.get("/api/jobs/999999", headers=auth(sample, "read")).status_code == 404


def test_create_app_refuses_uninitialised_db(tmp_path: Path) -> None:
    from gxatlas.errors import DatabaseError

    with pytest.raises(DatabaseError):
        create_app(f"sqlite:///{tmp_path / 'empty.sqlite'}")


def test_read_answers_are_cached_until_a_job_changes_the_kb(sample) -> None:
    kb, _tokens = sample
    app = create_app(kb=kb, cache_seconds=60)
    c = TestClient(app)
    first = c.get("/api/enterprises", params={"q": "缓存测试"}).json()
    assert first["total"] == 0 and len(app.state.cache._items) == 1
    table = "企业名称,地区\n缓存测试有限公司,南宁\n"
    job = _job(c, c.post("/api/enterprises", files=_csv(table, "cache.csv"),
                         headers=auth(sample, "write")))
    assert job["status"] == "done"
    assert c.get("/api/enterprises", params={"q": "缓存测试"}).json()["total"] == 1


def test_errors_and_jobs_are_not_cached(sample) -> None:
    app = create_app(kb=sample[0], cache_seconds=60)
    c = TestClient(app)
    assert c.get("/api/parks/999999").status_code == 404
    c.get("/api/jobs/999999")
    assert not app.state.cache._items


def test_cache_sees_writes_made_outside_the_app(sample) -> None:
    from gxatlas.kb.resolve import get_or_create

    kb = sample[0]
    c = TestClient(create_app(kb=kb, cache_seconds=600, stamp_interval=0))
    assert c.get("/api/enterprises", params={"q": "外部写入"}).json()["total"] == 0
    with kb.session() as s:
        get_or_create(s, "enterprise", "外部写入测试有限公司")
    assert c.get("/api/enterprises", params={"q": "外部写入"}).json()["total"] == 1


def test_monitor_status_is_keyed_by_indicator(tmp_path: Path) -> None:
    kb, _tokens = build_sample_kb(tmp_path / "kb.sqlite")  # without the uploads of other tests
    body = TestClient(create_app(kb=kb)).get("/api/analysis/monitor", params={"region": "广西", "limit": 200}).json()
    assert body["monitor"]["available"] is True, body["monitor"]
    ids = {i["id"] for i in body["items"]}
    rows = {r["indicator_id"]: r for r in body["monitor"]["result"]}
    item = next(i for i in body["items"] if i["name"] == "规模以上工业总产值"
                and i["observations"])  # the sample's own, with its actuals
    assert item["id"] in ids and item["id"] in rows
    # 9793 (2015) -> 13000 (2018): CAGR 9.90%; 15800 by 2020 needs 10.04%: ratio 0.986
    row = rows[item["id"]]
    assert row["status"] == "substantial_progress" and row["ratio"] == pytest.approx(0.986, abs=1e-3)
    assert row["status_zh"] == "显著进展" and row["open_sdg_status"] == "substantial_progress"
    kb.dispose()


def test_partners_are_placed_on_the_map(client: TestClient) -> None:
    body = client.get("/api/analysis/partners", params={"home": "南宁", "limit": 5}).json()
    assert body["available"] is True, body
    partners = body["result"]["partners"]
    assert len(partners) == 5
    assert all(p["reason"] for p in partners)
    assert all(p.get("longitude") is not None and p.get("latitude") is not None
               for p in partners)


def test_a_broken_analysis_module_is_an_error_not_an_empty_state(client: TestClient,
                                                                 monkeypatch) -> None:
    import sys

    # a module that cannot be imported (None in sys.modules makes every import of it fail)
    for name in ("gxatlas.analysis.parks", "gxatlas.analysis.monitor"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError):
        client.get("/api/analysis/parks")


def test_unknown_home_city_is_404(client: TestClient) -> None:
    assert client.get("/api/analysis/partners", params={"home": "火星"}).status_code == 404


def test_audit_of_a_stored_document(client: TestClient) -> None:
    body = client.get("/api/analysis/audit", params={"document": "sample_plan"}).json()
    assert body["available"] is True, body
    assert body["result"]["documents"] == ["sample_plan"]
    assert body["result"]["findings"] == []  # the sample plan's figures hold together
    assert body["result"]["titles"] == {"sample_plan": "示例规划 (测试用)"}


def test_targets_hide_what_waits_for_review(tmp_path: Path) -> None:
    """The 规划目标 view's rows: indicators the KB does not trust yet (a junk name read from a
    document, waiting for review) are left out and counted, unless asked for."""
    from gxatlas.kb.documents import store_document
    from review_kit import plan_facts, read_doc, write_doc

    kb, _tokens = build_sample_kb(tmp_path / "kb.sqlite")
    doc = read_doc(write_doc(tmp_path))
    with kb.session() as s:
        store_document(s, doc, plan_facts(doc))
    c = TestClient(create_app(kb=kb))
    shown = c.get("/api/analysis/monitor", params={"limit": 200, "region": "南宁"}).json()
    assert "主导产业" not in {i["name"] for i in shown["items"]}
    assert shown["waiting"]["entities"] >= 1
    every = c.get("/api/analysis/monitor", params={"limit": 200, "region": "南宁",
                                                   "include_pending": "true"}).json()
    assert "主导产业" in {i["name"] for i in every["items"]}
    kb.dispose()
