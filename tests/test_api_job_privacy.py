"""Issue 14, row 14: a job is shown only to the token that uploaded it (or an admin), and a
failed job says why in one line without SQL (messages carried `[SQL: INSERT …]`)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from api_sample_kb import build_sample_kb
from gxatlas.api import jobs, uploads
from gxatlas.api.app import create_app

ACTUALS = "指标,地区,年份,数值,单位\n规模以上工业总产值,广西,2019,14000,亿元\n"


@pytest.fixture()
def sample(tmp_path) -> Any:
    kb, tokens = build_sample_kb(tmp_path / "kb.sqlite")
    from gxatlas.api.auth import add_user

    with kb.session(write=True) as s:
        _user, tokens["other"] = add_user(s, name="other-writer", role="write")
    yield kb, tokens
    kb.dispose()


def _auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def _upload(client: TestClient, tokens: dict[str, str]) -> str:
    res = client.post("/api/observations", headers=_auth(tokens, "write"),
                      files={"file": ("a.csv", io.BytesIO(ACTUALS.encode()), "text/csv")})
    assert res.status_code == 202, res.text
    return res.json()["url"]


def test_only_the_owner_and_admins_see_a_job(sample) -> None:
    kb, tokens = sample
    client = TestClient(create_app(kb=kb))
    url = _upload(client, tokens)
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_auth(tokens, "other")).status_code == 404
    assert client.get(url, headers=_auth(tokens, "read")).status_code == 404
    assert client.get(url, headers=_auth(tokens, "write")).json()["status"] == "done"
    assert client.get(url, headers=_auth(tokens, "admin")).status_code == 200


@pytest.mark.parametrize("error", [
    IntegrityError("INSERT INTO observations (name, value) VALUES (?, ?)", ("x", 1),
                   Exception("UNIQUE constraint failed: observations.id")),
    OperationalError("INSERT INTO jobs (kind) VALUES (?)", ("x",),
                     Exception("disk I/O error")),
    RuntimeError("SELECT secret FROM api_tokens\nsecond line"),
])
def test_failed_job_message_has_no_sql(sample, monkeypatch: pytest.MonkeyPatch,
                                       error: Exception) -> None:
    kb, tokens = sample

    def broken(session: Any, upload: Any, path: Any) -> None:
        raise error

    monkeypatch.setattr(uploads, "store_actuals", broken)
    client = TestClient(create_app(kb=kb))
    job = client.get(_upload(client, tokens), headers=_auth(tokens, "write")).json()
    assert job["status"] == "failed"
    message = job["message"]
    assert "\n" not in message and "[SQL" not in message
    assert "INSERT" not in message and "SELECT" not in message
    assert message.startswith(("数据库错误", "内部错误"))


def test_safe_message_keeps_the_users_error() -> None:
    from gxatlas.errors import InputError

    assert jobs.safe_message(InputError("a.csv", "第3行：数值无效", line=3)) == \
        "a.csv:3: 第3行：数值无效"


def test_too_many_open_jobs_is_429(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    kb, tokens = sample
    monkeypatch.setattr(jobs, "MAX_OPEN_PER_OWNER", 2)
    app = create_app(kb=kb)
    monkeypatch.setattr(app.state.jobs, "kick", lambda: None)  # nothing runs: jobs stay open
    client = TestClient(app)
    _upload(client, tokens)
    _upload(client, tokens)
    res = client.post("/api/observations", headers=_auth(tokens, "write"),
                      files={"file": ("a.csv", io.BytesIO(ACTUALS.encode()), "text/csv")})
    assert res.status_code == 429 and res.headers["retry-after"]
    other = client.post("/api/observations", headers=_auth(tokens, "other"),
                        files={"file": ("a.csv", io.BytesIO(ACTUALS.encode()), "text/csv")})
    assert other.status_code == 202  # the limit is per token
