"""Issue 14, rows 7 and 8: three `gxatlas ingest` at once on one knowledge base, while API
uploads run, all complete — on SQLite (one file) and on PostgreSQL. One of three ingests died
with a raw "database is locked" traceback and dropped the rest of its batch, and 3 of 10 API
jobs failed with `OperationalError … database is locked [SQL: INSERT …]`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


import httpx
from sqlalchemy import func, select

from gxatlas.api.app import create_app
from gxatlas.api.auth import add_user
from gxatlas.kb.models import Document, Evidence, Job
from gxatlas.kb.store import open_kb
from live_server import serve

CITIES = ["南宁", "柳州", "桂林", "梧州", "北海", "钦州", "玉林", "百色"]


def _plan(batch: str, i: int) -> str:
    city = CITIES[i % len(CITIES)]
    # shared names across files make the writers meet on the same entities; the many parks
    # and projects make each store a transaction of some length
    lines = [f"{city}市{batch}第{i}号工业发展规划",
             f"到2025年，{city}高新技术产业开发区工业总产值达到{800 + i}亿元。",
             f"{city}经济技术开发区重点发展新能源汽车和电子信息产业，规上工业企业达到{100 + i}家。"]
    for k in range(30):
        lines.append(f"推进{CITIES[k % 8]}{batch}{i}-{k}号新材料产业园建设，到2025年产值达到"
                     f"{50 + k}亿元，总投资{20 + k}亿元。")
    return "\n".join(lines) + "\n"


def _batch(folder: Path, batch: str, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{batch}_{i}.txt").write_text(_plan(batch, i), encoding="utf-8")
    return folder


def _ingest(url: str, folder: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, GXATLAS_DB=url)
    return subprocess.Popen([sys.executable, "-m", "gxatlas.cli", "ingest", str(folder),
                             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_three_cli_ingests_and_api_uploads_all_complete(any_kb_url: str, tmp_path: Path) -> None:
    kb = open_kb(any_kb_url, create=True)
    with kb.session(write=True) as s:
        _user, token = add_user(s, name="uploader", role="write")
    headers = {"Authorization": f"Bearer {token}"}
    folders = [_batch(tmp_path / b, b, 4) for b in ("甲批", "乙批", "丙批")]
    uploads = [_plan("网传", i) for i in range(10)]

    with serve(create_app(kb=kb, cache_seconds=0)) as base:
        procs = [_ingest(any_kb_url, folder) for folder in folders]

        def upload(i: int) -> int:
            files = {"file": (f"upload_{i}.txt", io.BytesIO(uploads[i].encode()), "text/plain")}
            with httpx.Client(base_url=base, timeout=60) as c:
                res = c.post("/api/documents", files=files, headers=headers)
                assert res.status_code == 202, res.text
                # reads keep answering while the writers work
                assert c.get("/api/parks", params={"limit": 5}).status_code == 200
                return res.json()["job"]

        with ThreadPoolExecutor(max_workers=5) as pool:
            job_ids = list(pool.map(upload, range(10)))
        outputs = [p.communicate(timeout=600) for p in procs]
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with kb.session() as s:
                open_ = s.scalar(select(func.count()).select_from(Job).where(
                    Job.id.in_(job_ids), Job.status.in_(("queued", "running"))))
            if not open_:
                break
            time.sleep(0.5)

    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    with kb.session() as s:
        jobs = list(s.scalars(select(Job).where(Job.id.in_(job_ids))))
        assert [j.status for j in jobs] == ["done"] * 10, [j.message for j in jobs]
        docs = s.scalar(select(func.count()).select_from(Document).where(
            Document.text.is_not(None)))
        assert docs == 3 * 4 + 10
        bare = s.scalar(select(func.count()).select_from(Document).where(
            Document.text.is_not(None),
            ~select(Evidence.id).where(Evidence.document_id == Document.id).exists()))
        assert bare == 0  # every document kept its facts
    kb.dispose()


def test_write_retries_when_the_database_stays_busy(tmp_path: Path) -> None:
    """KB.write waits for the write lock, and a transaction that still cannot get it is
    tried again; in the end the error is one line, not a traceback with SQL."""
    import sqlite3

    from gxatlas.errors import DatabaseError
    from gxatlas.kb import store

    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    kb = open_kb(url, create=True)
    holder = sqlite3.connect(tmp_path / "kb.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock
    original = store.BUSY_TIMEOUT_MS
    try:
        with kb.engine.connect() as conn:  # a short busy timeout for this test
            conn.exec_driver_sql("PRAGMA busy_timeout=50")
        kb.engine.dispose()
        store.BUSY_TIMEOUT_MS = 50
        started = time.monotonic()
        try:
            kb.write(lambda s: s.add(Job(kind="x", status="done")), attempts=2)
        except DatabaseError as err:
            assert "busy" in str(err) and "\n" not in str(err) and "SQL" not in str(err)
        else:
            raise AssertionError("the write should not have got the lock")
        assert time.monotonic() - started < 30
        holder.execute("ROLLBACK")
        kb.write(lambda s: s.add(Job(kind="x", status="done")))
    finally:
        store.BUSY_TIMEOUT_MS = original
        holder.close()
        kb.dispose()


