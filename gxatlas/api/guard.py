"""Middleware that keeps the server answering and its answers safe (pure ASGI, every route).

From the outside in:

- :class:`SecurityHeaders`: a Content-Security-Policy that lets the bundled dashboard and
  ECharts run (scripts from this origin only; inline styles, ``data:``/``blob:`` images for
  the charts), ``X-Frame-Options: DENY``, ``nosniff``, ``Referrer-Policy: no-referrer`` on
  every answer.
- :class:`HostGuard`: requests whose ``Host`` is not an allowed name are refused (400), so a
  page on another site cannot reach the server through DNS rebinding.
- :class:`WriteGuard`: a request that may carry a body (anything but GET/HEAD/OPTIONS) needs
  a valid bearer token, checked before a byte of the body is read (401); its body may not be
  larger than ``max_body`` (413, from Content-Length or counted while it streams).
- (the response cache, `gxatlas.api.cache`, answers repeated reads here)
- :class:`InflightLimit`: at most ``max_inflight`` requests run at once; a request that
  cannot start within ``wait`` seconds is answered 503 with Retry-After instead of queueing
  on the database pool. ``/api/health`` and static assets are not counted.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Awaitable, Callable, Iterable

from anyio import to_thread

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
EXEMPT_PREFIXES = ("/api/health", "/static/")


async def send_json(send: Send, status: int, detail: str,
                    headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


def allowed_hosts(extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, ``GXATLAS_ALLOWED_HOSTS`` (comma-separated) and ``extra``."""
    names = [*LOOPBACK_HOSTS, *os.environ.get("GXATLAS_ALLOWED_HOSTS", "").split(","), *extra]
    return frozenset(n.strip().lower().strip("[]") for n in names if n and n.strip())


def host_of(value: str) -> str:
    """The name of a Host header without its port (``[::1]:8000`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class HostGuard:
    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                         if k == b"host"), "")
            if host_of(host) not in self.hosts:
                if scope["type"] == "http":
                    await send_json(send, 400, "不允许的主机名 (Host not allowed; add it with "
                                               "gxatlas serve --allow-host or GXATLAS_ALLOWED_HOSTS)")
                return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


class WriteGuard:
    """Token first, then a bounded body. ``authenticate(token)`` -> bool runs in a thread."""

    def __init__(self, app: ASGIApp, *, authenticate: Callable[[str], bool],
                 max_body: int) -> None:
        self.app = app
        self.authenticate = authenticate
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or not await to_thread.run_sync(
                self.authenticate, token.strip()):
            await send_json(send, 401, "需要有效的令牌 (a valid Authorization: Bearer token is "
                                       "needed; the body was not read)",
                            [(b"www-authenticate", b"Bearer")])
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(send)
            return
        await self._bounded(scope, receive, send)

    async def _too_large(self, send: Send) -> None:
        await send_json(send, 413, f"请求体超过 {self.max_body // (1 << 20)} MB 上限 (request body "
                                   f"too large)", [(b"connection", b"close")])

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = {"received": 0, "over": False, "started": False}

        async def counting_receive() -> Message:
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body:
                    state["over"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the 413 below is the answer
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await self._too_large(send)


class InflightLimit:
    def __init__(self, app: ASGIApp, *, max_inflight: int, wait: float = 2.0,
                 exempt: tuple[str, ...] = EXEMPT_PREFIXES) -> None:
        self.app = app
        self.max_inflight = max_inflight
        self.wait = wait
        self.exempt = exempt
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_inflight <= 0 or \
                scope.get("path", "").startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_inflight)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except asyncio.TimeoutError:
            await send_json(send, 503, "服务器繁忙，请稍后再试 (busy: too many requests at once)",
                            [(b"retry-after", b"1")])
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
