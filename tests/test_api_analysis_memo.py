"""Issue 14, row 13: an expensive analysis is computed once per KB change, however the query
string is written (a fresh query string cost 23 s of CPU per request), with or without the
response cache; concurrent requests for it share one computation."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_sample_kb import build_sample_kb
from gxatlas.api import capabilities
from gxatlas.api.app import create_app


@pytest.fixture()
def app(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Any:
    kb, _tokens = build_sample_kb(tmp_path / "kb.sqlite")
    calls: list[str] = []
    real = capabilities.run

    def counted(name: str, session: Any, **params: Any) -> Any:
        calls.append(name)
        return real(name, session, **params)

    monkeypatch.setattr(capabilities, "run", counted)
    app = create_app(kb=kb, cache_seconds=0)  # no response cache: the memo alone
    app.state.calls = calls
    yield app
    kb.dispose()


def test_fresh_query_strings_do_not_recompute(app) -> None:
    client = TestClient(app)
    for _ in range(5):
        res = client.get("/api/analysis/audit", params={"nonce": uuid.uuid4().hex})
        assert res.status_code == 200
    assert app.state.calls == ["audit"]
    for spelling in ("南宁", "南宁市", "450100"):  # one region, three spellings
        assert client.get("/api/analysis/parks", params={"region": spelling}).status_code == 200
    assert app.state.calls == ["audit", "parks"]


def test_a_kb_change_recomputes_once(app) -> None:
    from gxatlas.kb.resolve import get_or_create

    client = TestClient(app)
    client.get("/api/analysis/audit")
    with app.state.kb.session(write=True) as s:
        get_or_create(s, "enterprise", "记忆测试有限公司")
    client.get("/api/analysis/audit")
    client.get("/api/analysis/audit", params={"x": "1"})
    assert app.state.calls == ["audit", "audit"]


def test_concurrent_requests_share_one_computation(app) -> None:
    client = TestClient(app)
    errors: list[int] = []

    def ask() -> None:
        status = client.get("/api/analysis/parks", params={"n": uuid.uuid4().hex}).status_code
        if status != 200:
            errors.append(status)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and app.state.calls.count("parks") == 1


def test_unknown_region_is_404_without_computing(app) -> None:
    client = TestClient(app)
    assert client.get("/api/analysis/audit", params={"region": "没有这个地方"}).status_code == 404
    assert app.state.calls == []
