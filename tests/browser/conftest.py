"""Fixtures for the headless-Chromium dashboard tests: a live server on the sample KB and a
Playwright page on Debian's chromium (never `playwright install`; nothing is downloaded)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api_sample_kb import build_sample_kb  # noqa: E402
from browser_helpers import CHROMIUM, PageLog, free_port, open_page, serving  # noqa: E402,F401


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from gxatlas.api.app import create_app

    kb, tokens = build_sample_kb(tmp_path_factory.mktemp("browser") / "kb.sqlite")
    app = create_app(kb=kb)
    with serving(app) as url:
        yield {"url": url, "tokens": tokens, "kb": kb, "app": app}
    kb.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="pip playwright is not installed")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture()
def page(playwright: Any) -> Iterator[tuple[Any, PageLog]]:
    context, pg, log, user_data = open_page(playwright)
    yield pg, log
    context.close()
    shutil.rmtree(user_data, ignore_errors=True)


