"""Issue 14, row 12: with more clients than the server runs at once, the extra requests get a
quick 503 with Retry-After instead of queueing on the connection pool (throughput fell to 0–12
req/s and /api/health stopped answering for ~45 s), and /api/health answers throughout."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest

from api_sample_kb import build_sample_kb
from gxatlas.api import capabilities
from gxatlas.api.app import create_app
from live_server import serve

SLOW_S = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    kb, _tokens = build_sample_kb(tmp_path_factory.mktemp("overload") / "kb.sqlite")
    real = capabilities.run

    def slow(name: str, session: Any, **params: Any) -> Any:  # an analysis that takes time
        time.sleep(SLOW_S)
        return real(name, session, **params)

    capabilities.run = slow
    try:
        app = create_app(kb=kb, cache_seconds=0, max_inflight=4, inflight_wait=0.5)
        with serve(app) as url:
            yield url
    finally:
        capabilities.run = real
        kb.dispose()


def test_extra_requests_get_503_and_health_answers(server: str) -> None:
    health: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=server, timeout=10) as c:
            while not stop.is_set():
                started = time.monotonic()
                assert c.get("/api/health").status_code == 200
                health.append(time.monotonic() - started)
                time.sleep(0.05)

    def ask(i: int) -> tuple[int, str | None, float]:
        started = time.monotonic()
        with httpx.Client(base_url=server, timeout=30) as c:  # a distinct question each
            res = c.get("/api/analysis/parks", params={"region": "南宁", "limit": i % 7 + 1,
                                                       "n": i})
        return res.status_code, res.headers.get("retry-after"), time.monotonic() - started

    watcher = threading.Thread(target=probe)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(ask, range(24)))
    finally:
        stop.set()
        watcher.join()
    statuses = [a[0] for a in answers]
    assert set(statuses) <= {200, 503}
    assert statuses.count(200) >= 4 and statuses.count(503) >= 1
    assert all(a[1] for a in answers if a[0] == 503)  # Retry-After
    # refused requests are refused promptly, not after waiting on the pool
    assert max(a[2] for a in answers if a[0] == 503) < 10
    assert health and max(health) < 5  # health answered all along
