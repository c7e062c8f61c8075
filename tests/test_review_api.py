"""The review API: the queue, one fact with its text, and the actions behind a write token
(401/403 without one, 409 on a stale version); analyses say how many wait."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from gxatlas.api.app import create_app
from gxatlas.kb.store import KB
from review_kit import review_kb


@pytest.fixture()
def api(tmp_path) -> Iterator[tuple[TestClient, dict[str, str], KB]]:
    kb, tokens = review_kb(tmp_path / "kb.sqlite")
    yield TestClient(create_app(kb=kb)), tokens, kb
    kb.dispose()


def hdr(tokens: dict[str, str], role: str = "write") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def pending(client: TestClient) -> dict[str, dict]:
    page = client.get("/api/review").json()
    return {i["name"]: i for i in page["items"]}


def test_queue_and_item(api) -> None:
    client, _, _ = api
    page = client.get("/api/review").json()
    assert page["total"] == 3 and page["counts"]["pending"] == 3
    items = {i["name"]: i for i in page["items"]}
    park = items["示例县新兴材料产业园"]
    assert park["confidence"] == 0.5 and park["reasons"] == ["后缀匹配"]
    assert "置信度" in park["why"] and park["version"] == 1
    one = client.get(f"/api/review/{park['id']}").json()
    ex = one["excerpt"]
    assert ex["text"][ex["start"]:ex["end"]] == "示例县新兴材料产业园规划面积12平方公里"
    assert one["corrections"] == []
    assert client.get("/api/review", params={"status": "all"}).json()["total"] == 7
    assert client.get("/api/review", params={"status": "nope"}).status_code == 400
    assert client.get("/api/review/999999").status_code == 404


def test_actions_need_a_write_token(api) -> None:
    client, tokens, _ = api
    fid = pending(client)["主导产业"]["id"]
    assert client.post(f"/api/review/{fid}/accept", json={}).status_code == 401
    assert client.post(f"/api/review/{fid}/accept", json={},
                       headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post(f"/api/review/{fid}/accept", json={},
                       headers=hdr(tokens, "read")).status_code == 403


def test_accept_edit_merge_reject_undo_and_conflict(api) -> None:
    client, tokens, _ = api
    items = pending(client)
    # the monitor leaves the waiting indicator out and says so
    nn = {"region": "南宁"}
    mon = client.get("/api/analysis/monitor", params=nn).json()
    assert mon["waiting"]["entities"] == 1
    assert "主导产业" not in {i["name"] for i in mon["items"]}
    assert "主导产业" in {i["name"] for i in client.get(
        "/api/analysis/monitor", params={**nn, "include_pending": True}).json()["items"]}

    junk = items["主导产业"]
    res = client.post(f"/api/review/{junk['id']}/edit", headers=hdr(tokens),
                      json={"version": junk["version"], "values": {"target_value": 6}})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["reviewer"] == "test-write" and body["action"] == "edit"
    assert body["fact"]["status"] == "confirmed" and body["fact"]["values"]["target_value"] == 6
    # a second reviewer who saw version 1 gets a conflict; nothing changes
    res = client.post(f"/api/review/{junk['id']}/reject", headers=hdr(tokens, "admin"),
                      json={"version": junk["version"]})
    assert res.status_code == 409
    assert "test-write" in res.json()["detail"] and res.json()["fact"]["status"] == "confirmed"
    assert "主导产业" in {i["name"] for i in client.get("/api/analysis/monitor",
                                                         params=nn).json()["items"]}
    # undo the edit
    res = client.post(f"/api/review/corrections/{body['id']}/undo", headers=hdr(tokens),
                      json={"note": "看错了"})
    assert res.status_code == 200 and res.json()["fact"]["status"] == "pending"
    assert res.json()["fact"]["values"]["target_value"] == 5

    firm = items["新锐科技有限公司"]
    res = client.post(f"/api/review/{firm['id']}/merge", headers=hdr(tokens),
                      json={"version": firm["version"], "into": "上汽通用五菱"})
    assert res.status_code == 200 and res.json()["fact"]["entity"]["name"] == "上汽通用五菱"
    assert client.post(f"/api/review/{firm['id']}/merge", headers=hdr(tokens),
                       json={"into": "没有这家公司"}).status_code == 400

    park = items["示例县新兴材料产业园"]
    assert client.post(f"/api/review/{park['id']}/reject", headers=hdr(tokens),
                       json={"version": park["version"]}).status_code == 200
    assert client.post(f"/api/review/{park['id']}/edit", headers=hdr(tokens),
                       json={"values": {"colour": "red"}}).status_code == 400
    log = client.get("/api/review/log").json()["items"]
    assert [c["action"] for c in log] == ["reject", "merge", "undo", "edit"]
    assert client.get("/api/review").json()["total"] == 1  # only the undone one waits again
