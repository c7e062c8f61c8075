"""A small response cache for the read API (pure ASGI middleware).

The dashboard asks the same few questions again and again while the KB changes rarely, so
successful ``GET /api/...`` JSON answers are kept while the KB's *stamp* is unchanged: one
cheap query (the highest ids of the tables every write adds rows to, see ``kb_stamp``), made
in a worker thread at most every ``stamp_interval`` seconds, so writes made anywhere (an
upload job here, ``gxatlas ingest`` on the same database elsewhere) show within that interval
(the API's default: 0.25 s; a finished upload job clears the cache at once). ``ttl`` bounds
how long an answer is kept in any case (a backstop for edits that add no row, such as a pure
deletion); ``ttl=0`` disables the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Hashable

from anyio import to_thread
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gxatlas.kb.models import (Alias, Correction, Document, Enterprise, Evidence, Indicator, Job,
                               Observation, Park, ParkTarget, Policy, Project, Region, Relation)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNCACHED_PREFIXES = ("/api/jobs", "/api/health")
_STAMPED = (Document, Evidence, Observation, Relation, Alias, Park, ParkTarget, Enterprise,
            Project, Policy, Indicator, Region, Job, Correction)


def _stamp_query() -> Any:
    return select(*[select(func.max(model.id)).scalar_subquery() for model in _STAMPED])


def kb_stamp(engine: Engine) -> Hashable:
    """The highest id of every table a write adds rows to, in one (index-only) query."""
    with engine.connect() as conn:
        return tuple(conn.execute(_stamp_query()).one())


def session_stamp(session: Session) -> Hashable:
    """`kb_stamp` as seen by ``session``'s transaction."""
    return tuple(session.execute(_stamp_query()).one())


class Memo:
    """Results of expensive computations (the analyses), computed once per KB change.

    ``get(key, stamp, compute)`` returns the result kept for ``key`` while the KB's stamp is
    ``stamp``, else computes it once — concurrent callers of one key wait for that single
    computation instead of starting their own — and keeps it (least recently used dropped
    past ``size``). Callers get a copy they may change."""

    def __init__(self, *, size: int = 256, enabled: bool = True) -> None:
        self.size = size
        self.enabled = enabled
        self.computed = 0  # how many times a result was computed (tests, diagnostics)
        self._stamp: Hashable = None
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], Any]) -> Any:
        if not self.enabled:
            self.computed += 1
            return compute()
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._stamp = stamp
            if key in self._items:
                self._items.move_to_end(key)
                return copy.deepcopy(self._items[key])
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if self._stamp == stamp and key in self._items:
                    return copy.deepcopy(self._items[key])
            value = compute()
            with self._lock:
                self.computed += 1
                self._locks.pop(key, None)
                if self._stamp == stamp:
                    self._items[key] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            return copy.deepcopy(value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class ResponseCache:
    """URL -> (expiry, status, headers, body), least recently used dropped past ``size``."""

    def __init__(self, *, ttl: float, size: int = 512,
                 stamp: Callable[[], Hashable] | None = None,
                 stamp_interval: float = 0.0) -> None:
        self.ttl = ttl
        self.size = size
        self.stamp = stamp
        self.stamp_interval = stamp_interval  # the stamp is read at most this often (s)
        self.linked: list[Any] = []  # cleared with this cache (the analyses' Memo)
        self._checked = -1e9
        self._stamp: Hashable = None
        self._items: OrderedDict[str, tuple[float, list[tuple[bytes, bytes]], bytes]] = \
            OrderedDict()
        self._lock = threading.Lock()
        self._pending: asyncio.Future[None] | None = None

    def get(self, key: str) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1], item[2]

    def put(self, key: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, headers, body)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Drop every answer (the KB changed), and whatever is linked to this cache."""
        with self._lock:
            self._items.clear()
        for other in self.linked:
            other.clear()

    def check(self) -> None:
        """Drop every answer when the KB's stamp changed since the last request."""
        if self.stamp is None:
            return
        current = self.stamp()
        if current != self._stamp:
            with self._lock:
                self._items.clear()
                self._stamp = current

    async def check_async(self) -> None:
        """`check` in a worker thread (the event loop never waits on the database); requests
        that arrive while a check runs share it."""
        if self.stamp is None or time.monotonic() - self._checked < self.stamp_interval:
            return
        if self._pending is None or self._pending.done():
            self._checked = time.monotonic()
            self._pending = asyncio.ensure_future(to_thread.run_sync(self.check))
        await asyncio.shield(self._pending)


class CacheMiddleware:
    """Serve cached answers to ``GET /api/...``; store fresh 200 JSON answers."""

    def __init__(self, app: ASGIApp, cache: ResponseCache, *, wait: float = 30.0) -> None:
        self.app = app
        self.cache = cache
        self.wait = wait  # how long a request waits for the same question asked just before
        self._computing: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        await self.cache.check_async()
        if await self._answer(key, send):
            return
        running = self._computing.get(key)
        if running is not None:  # the same question is being answered: wait for that answer
            with contextlib.suppress(asyncio.TimeoutError, RuntimeError):
                await asyncio.wait_for(running.wait(), self.wait)
            if await self._answer(key, send):
                return
        event = self._computing.setdefault(key, asyncio.Event())
        try:
            await self.app(scope, receive, self._recorder(key, send))
        finally:
            if self._computing.get(key) is event:
                del self._computing[key]
            event.set()

    async def _answer(self, key: str, send: Send) -> bool:
        hit = self.cache.get(key)
        if hit is None:
            return False
        headers, body = hit
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True

    def _cacheable(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        return (self.cache.ttl > 0 and scope["type"] == "http" and scope["method"] == "GET"
                and path.startswith("/api/") and not path.startswith(UNCACHED_PREFIXES))

    def _recorder(self, key: str, send: Send) -> Send:
        state: dict[str, Any] = {"ok": False, "headers": [], "chunks": []}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                json_type = any(k.lower() == b"content-type" and v.startswith(b"application/json")
                                for k, v in headers)
                state["ok"] = message["status"] == 200 and json_type
                state["headers"] = headers
            elif message["type"] == "http.response.body" and state["ok"]:
                state["chunks"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.cache.put(key, state["headers"], b"".join(state["chunks"]))
            await send(message)

        return record
