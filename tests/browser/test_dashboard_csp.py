"""Issue 14: the dashboard, ECharts and the API docs work under the Content-Security-Policy
the server sends (scripts from this origin only), with no CSP violation in the console."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser


def test_dashboard_and_docs_run_under_the_csp(live_server: dict[str, Any], page) -> None:
    pg, log = page
    headers = httpx.get(live_server["url"] + "/").headers
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    for tab, ready in (("map", "#park-list li[data-park]"), ("targets", "#targets-table tbody tr"),
                       ("chains", "#chain-chart canvas"), ("partners", "#partner-chart canvas"),
                       ("documents", "#doc-list li")):
        pg.goto(f"{live_server['url']}/#{tab}")
        pg.wait_for_selector(ready, timeout=20_000)  # ECharts drew its canvas
    pg.goto(live_server["url"] + "/docs")
    pg.wait_for_selector(".swagger-ui .info", timeout=20_000)
    violations = [e for e in log.errors if "Content Security Policy" in e]
    assert not violations, violations
    assert not log.external
