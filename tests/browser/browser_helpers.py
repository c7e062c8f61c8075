"""Helpers for the headless-Chromium tests (Debian chromium, driven by Playwright)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from live_server import free_port, serve as serving  # noqa: F401  (one live server for all tests)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class PageLog:
    """Console errors, page errors and requests that left localhost, seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.external.append(request.url)


def open_page(playwright: Any, *, width: int = 1280, height: int = 800
              ) -> tuple[Any, Any, PageLog, Path]:
    """A page of a fresh Chromium profile (its own --user-data-dir) with a request log."""
    user_data = Path(tempfile.mkdtemp(prefix="gxatlas-chromium-"))
    context = playwright.chromium.launch_persistent_context(
        str(user_data), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
        viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.pages[0] if context.pages else context.new_page()
    log = PageLog()
    log.attach(page)
    return context, page, log, user_data


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
