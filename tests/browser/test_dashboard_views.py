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


def _open(playwright: Any, url: str, view: str, ready: str, *, width: int, height: int):
    from browser_helpers import open_page

    context, pg, log, user_data = open_page(playwright, width=width, height=height)
    pg.goto(f"{url}/#{view}")
    pg.wait_for_selector(ready, timeout=60000)
    pg.wait_for_timeout(600)
    return context, pg, log, user_data


def _close(context: Any, user_data: Any) -> None:
    import shutil

    context.close()
    shutil.rmtree(user_data, ignore_errors=True)


WIDTHS = [(1280, 800), (390, 844)]


@pytest.mark.parametrize("width,height", WIDTHS)
def test_parks_are_spread_not_stacked_on_city_labels_with_a_legend(live_server: dict, playwright,
                                                                   width: int, height: int) -> None:
    context, pg, log, user_data = _open(playwright, live_server["url"], "map",
                                        "#map-legend .bubble", width=width, height=height)
    try:
        dots = pg.evaluate("""() => {
          const o = echarts.getInstanceByDom(document.getElementById('map-chart')).getOption();
          return o.series.filter((s) => s.name !== 'cities')
            .flatMap((s) => s.data.map((d) => [d.value[0], d.value[1], d.park.placed]));
        }""")
        centres = pg.evaluate("() => state.cities.map((c) => c.cp)")
        assert len(dots) >= 4
        # no two parks share a point, and none sits on a city's label
        assert len({(x, y) for x, y, _ in dots}) == len(dots)
        assert not any([x, y] in centres for x, y, _ in dots)
        # parks whose county is known are at their county, the rest marked as near the centre
        assert {p for _, _, p in dots} <= {"county", "county_in_name", "city"}
        assert any(p != "city" for _, _, p in dots)
        legend = pg.inner_text("#map-legend")
        assert "亿元" in legend and "国家级" in legend and "区县未知" in legend
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= width + 2
        screenshot(pg, f"16_map_legend_{width}")
        assert log.errors == [], log.errors
    finally:
        _close(context, user_data)


def test_target_chart_axis_runs_over_years(live_server: dict, playwright) -> None:
    context, pg, log, user_data = _open(playwright, live_server["url"], "targets",
                                        "#targets-table tbody tr td .badge",
                                        width=1280, height=800)
    try:
        rows = pg.locator("#targets-table tbody tr")
        extents = []
        for i in range(min(rows.count(), 12)):
            rows.nth(i).click()
            extents.append(pg.evaluate("""() => echarts.getInstanceByDom(
                document.getElementById('target-chart')).getModel()
                .getComponent('xAxis', 0).axis.scale.getExtent()"""))
        assert extents and all(1990 <= lo and hi <= 2060 for lo, hi in extents), extents
        assert pg.locator("#targets-pending").count() == 1
        screenshot(pg, "17_targets_years")
        assert log.errors == [], log.errors
    finally:
        _close(context, user_data)


@pytest.mark.parametrize("width,height", WIDTHS)
def test_chain_graph_has_a_legend_and_whole_labels(live_server: dict, playwright, width: int,
                                                  height: int) -> None:
    context, pg, log, user_data = _open(playwright, live_server["url"], "chains",
                                        "#chain-legend .dot", width=width, height=height)
    try:
        legend = pg.inner_text("#chain-legend")
        for word in ("强", "具备", "薄弱", "缺失"):
            assert word in legend
        graph = pg.evaluate("""() => {
          const c = echarts.getInstanceByDom(document.getElementById('chain-chart'));
          const s = c.getOption().series[0];
          const nodes = s.data.filter((n) => n.name.trim());
          const px = nodes.map((n) => c.convertToPixel({ seriesIndex: 0 }, [n.x, n.y]));
          return { overflow: s.label.overflow, width: s.label.width, px, w: c.getWidth() };
        }""")
        assert graph["overflow"] == ("break" if width < 640 else "truncate")
        # every node is inside the chart with room for its label
        for x, _y in graph["px"]:
            assert graph["width"] / 2 - 2 <= x <= graph["w"] - (graph["width"] / 2 - 2) \
                if width < 640 else 0 <= x <= graph["w"] - 150, (x, graph)
        screenshot(pg, f"18_chain_legend_{width}")
        assert log.errors == [], log.errors
    finally:
        _close(context, user_data)


@pytest.mark.parametrize("width,height", WIDTHS)
def test_partner_map_shows_every_partner_and_no_label_overlaps(live_server: dict, playwright,
                                                               width: int, height: int) -> None:
    context, pg, log, user_data = _open(playwright, live_server["url"], "partners",
                                        "#partner-list li b", width=width, height=height)
    try:
        pg.wait_for_timeout(800)
        seen = pg.evaluate("""() => {
          const c = echarts.getInstanceByDom(document.getElementById('partner-chart'));
          const o = c.getOption();
          const pts = o.series.filter((s) => s.type === 'scatter').flatMap((s) => s.data);
          const inside = pts.map((p) => { const [x, y] = c.convertToPixel({ geoIndex: 0 }, p.value);
            return x >= 0 && x <= c.getWidth() && y >= 0 && y <= c.getHeight(); });
          const texts = c.getZr().storage.getDisplayList().filter((e) => (e.type === 'text' || e.type === 'tspan') && !e.invisible && !e.ignore && e.style && e.style.text && e.style.opacity !== 0);
          const boxes = texts.map((e) => { const r = e.getBoundingRect().clone(); r.applyTransform(e.getComputedTransform()); return [r.x, r.y, r.width, r.height, e.style.text]; });
          return { n: pts.length, inside, boxes };
        }""")
        assert seen["n"] >= 5 and all(seen["inside"]), seen["inside"]
        boxes = [b for b in seen["boxes"] if b[2] > 0]
        assert len(boxes) >= 3, boxes  # the labels are there to be checked
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                overlap_x = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
                overlap_y = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                assert overlap_x <= 1 or overlap_y <= 1, (a, b)
        screenshot(pg, f"19_partner_map_{width}")
        assert log.errors == [], log.errors
    finally:
        _close(context, user_data)
