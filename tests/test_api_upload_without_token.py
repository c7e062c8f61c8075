"""Issue 14, row 9: a 1 GiB upload without a token is refused before its body is read (it was
written to disk in full before the 401); with a token, a body is cut off at the size limit
while it streams, with or without a Content-Length."""

from __future__ import annotations

import socket
import time
from typing import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from api_sample_kb import build_sample_kb
from gxatlas.api.app import create_app
from live_server import serve

MAX_UPLOAD = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    kb, tokens = build_sample_kb(tmp_path_factory.mktemp("upload") / "kb.sqlite")
    with serve(create_app(kb=kb, max_upload_bytes=MAX_UPLOAD)) as url:
        yield url, tokens
    kb.dispose()


def _raw_post(url: str, headers: dict[str, str], body_sent: int) -> tuple[str, float]:
    """Send a request announcing a 1 GiB body but send only ``body_sent`` bytes of it; return
    the answer's status line and how long it took."""
    parsed = urlparse(url)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                     f"Content-Type: multipart/form-data; boundary=x\r\n"
                     f"Content-Length: {1 << 30}\r\n\r\n".encode() + b"x" * body_sent)
        answer = sock.recv(65536).decode("utf-8", "replace")
        return answer.split("\r\n", 1)[0], time.monotonic() - started


def test_no_token_is_refused_before_the_body(server) -> None:
    url, _tokens = server
    status, _took = _raw_post(url, {}, body_sent=1024)
    assert status.endswith("401 Unauthorized")  # answered with 1 KB of the 1 GiB sent
    status, _took = _raw_post(url, {"Authorization": "Bearer gxa_not_a_token"}, body_sent=1024)
    assert status.endswith("401 Unauthorized")


def test_declared_size_over_the_limit_is_refused_at_once(server) -> None:
    url, tokens = server
    status, _took = _raw_post(url, {"Authorization": f"Bearer {tokens['write']}"},
                              body_sent=1024)
    assert " 413 " in status


def test_streamed_body_is_cut_at_the_limit(server) -> None:
    url, tokens = server
    sent = {"bytes": 0}

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to check up front
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
        for _ in range(4096):  # up to 256 MiB if nobody stopped it
            sent["bytes"] += 65536
            yield b"a" * 65536

    try:
        res = httpx.post(f"{url}/api/documents", content=body(), timeout=30,
                         headers={"Authorization": f"Bearer {tokens['write']}",
                                  "Content-Type": "multipart/form-data; boundary=x"})
        assert res.status_code == 413, res.text
    except httpx.HTTPError:
        pass  # the server may close the connection while the client still sends
    assert sent["bytes"] < 64 << 20  # stopped long before the end


def test_the_server_still_answers(server) -> None:
    url, tokens = server
    assert httpx.get(f"{url}/api/health", timeout=5).status_code == 200
    files = {"file": ("plan.txt", "甲市到2025年工业总产值达到800亿元。".encode(), "text/plain")}
    res = httpx.post(f"{url}/api/documents", files=files, timeout=30,
                     headers={"Authorization": f"Bearer {tokens['write']}"})
    assert res.status_code == 202, res.text
