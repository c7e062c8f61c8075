"""Issue 14, row 11: ids and offsets beyond what the database holds are refused with 422 (they
were 500 OverflowError), on SQLite and PostgreSQL; a number that still overflows somewhere is
400, never a 500 with a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gxatlas.api.app import create_app
from gxatlas.kb.store import open_kb


@pytest.fixture()
def client(any_kb_url: str) -> Any:
    kb = open_kb(any_kb_url, create=True)
    yield TestClient(create_app(kb=kb))
    kb.dispose()


@pytest.mark.parametrize("path", [
    "/api/parks?offset=10000000000000000000", "/api/parks?offset=1000000001",
    "/api/parks/9223372036854775808", "/api/parks/2147483648", "/api/documents/0",
    "/api/parks?limit=10000000000000000000", "/api/search?q=a&limit=99999999999999999999",
    "/api/analysis/monitor?offset=10000000000000000000"])
def test_out_of_range_is_422(client: TestClient, path: str) -> None:
    res = client.get(path)
    assert res.status_code == 422, res.text
    assert "Traceback" not in res.text


@pytest.mark.parametrize("path", ["/api/parks/2147483647", "/api/parks?offset=1000000000"])
def test_largest_allowed_values_answer(client: TestClient, path: str) -> None:
    assert client.get(path).status_code in (200, 404)


def test_an_overflow_inside_is_400() -> None:
    from fastapi import FastAPI

    from gxatlas.api import app as app_module

    # an OverflowError raised by any route is answered 400 with a short message

    probe = FastAPI()
    app_module._errors(probe)

    @probe.get("/boom")
    def boom() -> None:
        raise OverflowError("int too large to convert")

    res = TestClient(probe).get("/boom")
    assert res.status_code == 400 and "out of range" in res.json()["detail"]
