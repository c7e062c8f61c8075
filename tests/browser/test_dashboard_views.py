"""Dashboard views a user links to and reads at two widths (issue 15): URL hash routing."""

from __future__ import annotations

from typing import Any

import pytest

from browser_helpers import screenshot

pytestmark = pytest.mark.browser


def _active(pg: Any) -> str:
    return pg.evaluate("() => document.querySelector('#tabs button.active').dataset.tab")


def test_url_hash_switches_views_so_they_can_be_linked(live_server: dict, page) -> None:
    pg, log = page
    url = live_server["url"]
    pg.goto(f"{url}/#map")
    pg.wait_for_selector("#park-list li[data-park]")
    # changing the hash switches the view and applies its parameters
    pg.evaluate("() => { location.hash = '#partners?home=柳州市'; }")
    pg.wait_for_selector("#tab-partners.active")
    pg.wait_for_function("() => document.getElementById('partner-home').value === '柳州市'")
    pg.wait_for_selector("#partner-list li")
    assert _active(pg) == "partners"
    # a link opens its view directly, with its filter
    pg.goto(f"{url}/#targets?region=%E5%8D%97%E5%AE%81%E5%B8%82")
    pg.wait_for_selector("#tab-targets.active")
    pg.wait_for_function("() => document.getElementById('targets-region').value === '南宁市'")
    # changing a filter writes the URL, so the view can be copied as a link
    pg.select_option("#targets-region", "柳州市")
    pg.wait_for_function("() => decodeURIComponent(location.hash) === '#targets?region=柳州市'")
    # a tab click is a hash change too: the browser's back button returns to the last view
    pg.click("#tabs button[data-tab=chains]")
    pg.wait_for_selector("#tab-chains.active")
    pg.go_back()
    pg.wait_for_selector("#tab-targets.active")
    assert pg.input_value("#targets-region") == "柳州市"
    screenshot(pg, "15_hash_routing")
    assert log.errors == [], log.errors
