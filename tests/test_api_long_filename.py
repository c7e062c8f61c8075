"""Issue 14, row 10: an upload named with 300 characters is processed (its job stayed
"queued" forever: the name was too long for the temporary file); and no job is ever left
queued or running: after a restart, interrupted jobs are run again or failed with the reason."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api_sample_kb import build_sample_kb
from gxatlas.api import jobs
from gxatlas.api.app import create_app
from gxatlas.kb.models import Job

PLAN = "甲市工业发展规划\n到2025年，甲市高新技术产业开发区工业总产值达到800亿元。\n"


@pytest.fixture()
def sample(tmp_path: Path) -> Any:
    kb, tokens = build_sample_kb(tmp_path / "kb.sqlite")
    yield kb, tokens
    kb.dispose()


def test_300_character_name(sample) -> None:
    kb, tokens = sample
    client = TestClient(create_app(kb=kb))
    headers = {"Authorization": f"Bearer {tokens['write']}"}
    name = "广西" * 147 + "规划.txt"  # 300 characters, 892 bytes in UTF-8
    res = client.post("/api/documents", headers=headers,
                      files={"file": (name, io.BytesIO(PLAN.encode()), "text/plain")})
    assert res.status_code == 202, res.text
    job = client.get(res.json()["url"], headers=headers).json()
    assert job["status"] == "done", job
    assert job["filename"] == name and job["result"]["facts"] > 0
    longer = "广西" * 500 + ".txt"
    res = client.post("/api/documents", headers=headers,
                      files={"file": (longer, io.BytesIO(PLAN.encode() + b"\n"), "text/plain")})
    job = client.get(res.json()["url"], headers=headers).json()
    assert job["status"] == "done" and job["filename"].endswith("….txt"), job


def test_safe_names() -> None:
    assert jobs.safe_name("a/../../etc/passwd.txt") == "passwd.txt"
    assert jobs.safe_name("x" * 300 + ".PDF") == "x" * 80 + ".pdf"
    assert jobs.safe_name('a:b*c?"<>|.txt') == "a_b_c_.txt"
    assert jobs.safe_name("") == "upload"


def _queue(kb: Any, *, status: str, worker: str | None = None, attempts: int = 0) -> int:
    with kb.session(write=True) as s:
        job = Job(kind="document", status=status, filename="plan.txt", payload=PLAN.encode(),
                  worker=worker, attempts=attempts, owner_id=None)
        s.add(job)
        s.flush()
        return job.id


def test_restart_runs_queued_jobs_and_recovers_interrupted_ones(sample) -> None:
    kb, _tokens = sample
    queued = _queue(kb, status="queued")
    interrupted = _queue(kb, status="running", worker="gone-host:1", attempts=1)
    twice = _queue(kb, status="running", worker="gone-host:2", attempts=2)
    with TestClient(create_app(kb=kb)):  # the app's start runs the recovery and the queue
        for _ in range(300):
            with kb.session() as s:
                states = {j.id: j for j in s.scalars(select(Job).where(
                    Job.id.in_([queued, interrupted, twice])))}
            if all(j.status in ("done", "failed") for j in states.values()):
                break
            import time

            time.sleep(0.1)
    assert states[queued].status == "done"
    assert states[interrupted].status == "done" and states[interrupted].attempts == 2
    assert states[twice].status == "failed" and "restart" in states[twice].message
    with kb.session() as s:
        assert all(j.payload is None for j in s.scalars(select(Job)))  # uploads dropped
