"""The API's job queue: uploads are jobs in the KB, so none is lost when the server stops.

An upload is stored with its job (``jobs.payload``) and answered 202 at once; a runner then
*claims* queued jobs one at a time (an atomic ``queued -> running`` update recording the
attempt and the worker, ``host:pid``), runs them, and records ``done`` with the result or
``failed`` with a one-line reason (never SQL, never a traceback). The upload is dropped when
the job ends.

When a server starts, jobs it finds ``running`` whose worker is no longer alive were
interrupted: they are queued again (at most ``MAX_ATTEMPTS`` tries in all) or failed with the
reason, and every queued job is run. A job is never left queued: the runner re-checks the
queue after each pass, and any failure, whatever it is, ends the job as failed.

Jobs belong to the token that uploaded them: only it (or an admin) reads them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, undefer

from gxatlas.errors import GxatlasError
from gxatlas.kb.models import Job
from gxatlas.kb.store import KB, db_problem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a job interrupted twice by a restart is failed, not tried a third time
MAX_OPEN_PER_OWNER = 20  # queued or running jobs one token may have (more: 429)
OPEN = ("queued", "running")
_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def safe_name(filename: str, *, stem_chars: int = 80) -> str:
    """A file name that is safe to create: no separators or control characters, the stem cut
    to ``stem_chars`` characters, the suffix kept (uploads may be named anything, 300
    characters long included)."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()[:10]
    stem = _UNSAFE.sub("_", name[: len(name) - len(suffix)] if suffix else name).strip(" .")
    return (stem[:stem_chars] or "upload") + suffix


def _fit(filename: str, size: int) -> str:
    """``filename`` in at most ``size`` characters, its suffix kept."""
    if len(filename) <= size:
        return filename
    suffix = Path(filename).suffix[:10]
    return filename[: size - len(suffix) - 1] + "…" + suffix


def safe_message(err: BaseException) -> str:
    """A one-line reason for a failed job: the user's error as is; a database error as the
    driver's first line (no SQL); anything else as its type only (its text may hold anything:
    the server's log has it)."""
    if isinstance(err, GxatlasError):
        return " ".join(str(err).split("\n"))
    if isinstance(err, (DBAPIError, SQLAlchemyError)):
        return f"数据库错误 (database error: {db_problem(err)})"
    return f"内部错误 (internal error: {type(err).__name__}; details are in the server log)"


@dataclass(frozen=True)
class Claimed:
    """A job this worker is running: what it needs to run it."""

    id: int
    kind: str
    filename: str
    slot: str | None
    payload: bytes
    params: dict[str, Any]  # what the upload said besides the file (e.g. a tier list's tier)


def create(kb: KB, *, kind: str, filename: str, payload: bytes, owner_id: int | None,
           slot: str | None = None, params: dict[str, Any] | None = None) -> int:
    """Queue a job with its upload; returns its id."""
    def add(s: Session) -> int:
        job = Job(kind=kind, status="queued", filename=_fit(filename, 300), owner_id=owner_id,
                  slot=slot, payload=payload, attempts=0, params=params or None)
        s.add(job)
        s.flush()
        return job.id

    return kb.write(add)


def open_jobs(session: Session, owner_id: int | None) -> int:
    return session.scalar(select(func.count()).select_from(Job).where(
        Job.owner_id == owner_id, Job.status.in_(OPEN))) or 0


def claim(kb: KB) -> Claimed | None:
    """Take the oldest queued job (queued -> running), or None when there is none."""
    def take(s: Session) -> Claimed | None:
        job_id = s.scalar(select(Job.id).where(Job.status == "queued").order_by(Job.id)
                          .limit(1))
        if job_id is None:
            return None
        taken = s.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="running", attempts=Job.attempts + 1, started_at=_now(),
            worker=worker_id())).rowcount
        if not taken:
            return None
        job = s.scalars(select(Job).options(undefer(Job.payload)).where(Job.id == job_id)).one()
        return Claimed(id=job.id, kind=job.kind, filename=job.filename or "upload",
                       slot=job.slot, payload=job.payload or b"", params=dict(job.params or {}))

    return kb.write(take)


def finish(kb: KB, job_id: int, *, status: str, message: str | None = None,
           result: Any = None) -> None:
    """Record how a job ended and drop its upload."""
    def end(s: Session) -> None:
        s.execute(update(Job).where(Job.id == job_id).values(
            status=status, message=message, result=result, finished_at=_now(), payload=None))

    kb.write(end)


def _alive(worker: str | None) -> bool:
    """Whether ``worker`` (host:pid) is a live process of this host other than this one."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname()[:60] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(kb: KB) -> tuple[int, int]:
    """Jobs found running whose worker is gone: queued again, or failed after
    ``MAX_ATTEMPTS``. Returns (requeued, failed)."""
    def sweep(s: Session) -> tuple[int, int]:
        requeued = failed = 0
        for job in s.scalars(select(Job).where(Job.status == "running")):
            if _alive(job.worker):
                continue
            if job.attempts < MAX_ATTEMPTS:
                job.status, job.worker, job.started_at = "queued", None, None
                requeued += 1
            else:
                job.status, job.finished_at, job.payload = "failed", _now(), None
                job.message = (f"任务两次被服务重启中断，已放弃 (interrupted by a restart "
                               f"{job.attempts} times; not tried again)")
                failed += 1
        return requeued, failed

    return kb.write(sweep)


Worker = Callable[[KB, Claimed, Path], dict[str, Any]]


class Runner:
    """Runs the queued jobs of one KB, one at a time, with the worker of each kind.

    ``kick()`` runs every queued job in the calling thread unless another thread is already
    doing so (that thread will see the new job when it looks again); ``on_done`` is called
    after each job (the API drops its cached answers there)."""

    def __init__(self, kb: KB, workers: dict[str, Worker],
                 on_done: Callable[[], None] = lambda: None) -> None:
        self.kb = kb
        self.workers = workers
        self.on_done = on_done
        self._busy = threading.Lock()

    def kick(self) -> None:
        while self._busy.acquire(blocking=False):
            try:
                while (job := claim(self.kb)) is not None:
                    self._run(job)
            finally:
                self._busy.release()
            if not self._queued():
                return

    def start(self) -> threading.Thread:
        """Recover interrupted jobs and run what is queued, in a background thread."""
        def run() -> None:
            try:
                recover(self.kb)
                self.kick()
            except Exception:  # noqa: BLE001 - a background thread must not die silently
                log.exception("job recovery failed")

        thread = threading.Thread(target=run, name="gxatlas-jobs", daemon=True)
        thread.start()
        return thread

    def _queued(self) -> bool:
        with self.kb.session(write=False) as s:
            return s.scalar(select(Job.id).where(Job.status == "queued").limit(1)) is not None

    def _run(self, job: Claimed) -> None:
        try:
            worker = self.workers.get(job.kind)
            if worker is None:
                raise GxatlasError(f"未知的任务类型 {job.kind} (unknown job kind)")
            with tempfile.TemporaryDirectory(prefix="gxatlas-upload-") as tmp:
                path = Path(tmp) / safe_name(job.filename)
                path.write_bytes(job.payload)
                try:
                    result = worker(self.kb, job, path)
                except GxatlasError as err:  # name the upload, not the temporary file
                    raise GxatlasError(str(err).replace(str(path), job.filename)) from err
        except BaseException as err:  # every failure ends the job; none leaves it running
            if not isinstance(err, GxatlasError):
                log.exception("job %s failed", job.id)
            self._end(job.id, status="failed", message=safe_message(err))
            if not isinstance(err, Exception):
                raise
        else:
            self._end(job.id, status="done", result=result)

    def _end(self, job_id: int, **outcome: Any) -> None:
        try:
            finish(self.kb, job_id, **outcome)
        finally:
            self.on_done()
