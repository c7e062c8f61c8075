"""``/api/health`` that answers at once, however busy the server or the database is.

The counts it shows are taken in a worker thread at most every ``interval`` seconds; a request
never waits for them (it gets the last ones, with their age), so a saturated connection pool
or a long write cannot stall it. When the counts cannot be taken, the status says why (one
line, no SQL).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import SQLAlchemyError

from gxatlas.kb.store import KB, db_problem


class Health:
    def __init__(self, kb: KB, *, interval: float = 2.0, first_wait: float = 2.0) -> None:
        self.kb = kb
        self.interval = interval
        self.first_wait = first_wait
        self._last: dict[str, Any] | None = None
        self._taken = 0.0
        self._running = threading.Lock()
        self._task: asyncio.Future[None] | None = None

    def refresh(self) -> None:
        """Take the counts now (in the calling thread)."""
        from gxatlas.api import capabilities, queries

        if not self._running.acquire(blocking=False):
            return
        try:
            with self.kb.session(write=False) as session:
                counts = {k.path: queries.list_entities(session, k, limit=1)["total"]
                          for k in queries.KINDS}
            self._last = {"status": "ok", "counts": counts,
                          "capabilities": {name: True for name in capabilities.CAPABILITIES}}
        except SQLAlchemyError as err:
            self._last = {"status": "degraded", "counts": (self._last or {}).get("counts", {}),
                          "reason": f"数据库不可用 (database unavailable: {db_problem(err)})"}
        finally:
            self._taken = time.monotonic()
            self._running.release()

    async def snapshot(self) -> dict[str, Any]:
        age = time.monotonic() - self._taken
        if age > self.interval and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(to_thread.run_sync(self.refresh))
        if self._last is None and self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.first_wait)
            except asyncio.TimeoutError:
                return {"status": "starting", "counts": {}}
        last = dict(self._last or {"status": "starting", "counts": {}})
        last["counts_age_s"] = round(time.monotonic() - self._taken, 1) if self._taken else None
        return last
