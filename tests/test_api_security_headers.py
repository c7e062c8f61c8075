"""Issue 14, row 15: every answer carries a CSP that still lets the bundled dashboard run,
X-Frame-Options, nosniff and a Referrer-Policy; a request for a host name that is not allowed
is refused (DNS rebinding from a page in a local browser could read the KB)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_sample_kb import build_sample_kb
from gxatlas.api.app import create_app
from gxatlas.api.guard import allowed_hosts, host_of


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    kb, _tokens = build_sample_kb(tmp_path_factory.mktemp("headers") / "kb.sqlite")
    yield kb
    kb.dispose()


@pytest.mark.parametrize("path", ["/", "/api/parks", "/static/app.js", "/api/health",
                                  "/api/parks/999999", "/openapi.json"])
def test_security_headers_everywhere(kb: Any, path: str) -> None:
    res = TestClient(create_app(kb=kb)).get(path)
    csp = res.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-eval'" not in csp and "http" not in csp  # no CDN, no eval
    assert res.headers["x-frame-options"] == "DENY"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "no-referrer"


def test_docs_allow_only_their_own_inline_script(kb: Any) -> None:
    res = TestClient(create_app(kb=kb)).get("/docs")
    csp = res.headers["content-security-policy"]
    assert res.status_code == 200 and "'sha256-" in csp and "'unsafe-inline'" not in \
        csp.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8000", 200), ("localhost", 200), ("[::1]:8000", 200), ("testserver", 200),
    ("evil.example", 400), ("127.0.0.1.evil.example", 400), ("", 400)])
def test_host_allow_list(kb: Any, host: str, status: int) -> None:
    client = TestClient(create_app(kb=kb))
    res = client.get("/api/parks", headers={"Host": host})
    assert res.status_code == status
    if status == 400:
        assert "Host not allowed" in res.json()["detail"]


def test_more_hosts_can_be_allowed(kb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GXATLAS_ALLOWED_HOSTS", "atlas.example.cn, 10.0.0.5")
    client = TestClient(create_app(kb=kb, hosts=["intra.example"]))
    for host in ("atlas.example.cn", "10.0.0.5:8000", "intra.example"):
        assert client.get("/api/parks", headers={"Host": host}).status_code == 200
    assert client.get("/api/parks", headers={"Host": "testserver"}).status_code == 400


def test_host_names() -> None:
    assert host_of("[::1]:8000") == "::1" and host_of("Example.COM:80") == "example.com"
    assert host_of("::1") == "::1"
    assert "localhost" in allowed_hosts() and "::1" in allowed_hosts()
