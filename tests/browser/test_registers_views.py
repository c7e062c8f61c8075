"""The two register views in headless Chromium, at desktop (1280×800) and phone (390×844)
width: 项目 (funnel by stage, map by city, table with citations) and 企业培育 (tiers, cities,
chain links, movers, next-tier candidates with their rule)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from browser_helpers import open_page, screenshot

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, playwright: Any):
    width, height = SIZES[request.param]
    context, pg, log, user_data = open_page(playwright, width=width, height=height)
    yield request.param, pg, log
    context.close()
    shutil.rmtree(user_data, ignore_errors=True)


def _open(pg: Any, url: str, hash_: str) -> None:
    pg.goto(f"{url}/{hash_}")
    pg.wait_for_load_state("networkidle")


def _no_page_scroll(pg: Any, size: str) -> None:
    width = pg.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SIZES[size][0] + 10, f"the page scrolls sideways at {size} width ({width}px)"


def test_projects_view(live_server: dict, sized) -> None:
    size, pg, log = sized
    _open(pg, live_server["url"], "#projects?region=南宁市")
    pg.wait_for_selector("#projects-table tbody tr[data-project]")
    assert pg.is_visible("#tab-projects") and pg.is_visible("#project-funnel canvas")
    funnel = pg.evaluate("""() => echarts.getInstanceByDom(document.getElementById('project-funnel'))
                             .getOption().series[1].data.map(d => [d.stage, d.value])""")
    assert [s for s, _ in funnel] == ["储备", "签约", "在建", "竣工", "投产"]
    assert dict(funnel)["投产"] >= 2  # 比亚迪碳酸锂, 中科电能 (seed 004 in the atlas)
    table = pg.inner_text("#projects-table")
    assert "比亚迪碳酸锂项目" in table and "投产/达产" in table
    row = pg.locator("#projects-table tbody tr", has_text="比亚迪碳酸锂项目")
    assert "南宁：坚持强链建群" in row.inner_text()  # the stage's citation
    if size == "desktop":  # (the place column is hidden at phone width; the map shows it)
        assert "横州市" in row.inner_text()  # the county the seed places it in
    unstaged = pg.locator("#projects-table tbody tr", has_text="阶段不明")
    if unstaged.count():  # a project without a stage statement is cited where it is named
        assert unstaged.first.locator("td").nth(6).inner_text().strip()
    cities = pg.evaluate("""() => echarts.getInstanceByDom(document.getElementById('project-map'))
                             .getOption().series[0].data.map(d => d.name)""")
    assert "南宁市" in cities
    assert "项目" in pg.inner_text("#projects-summary")
    _no_page_scroll(pg, size)
    pg.wait_for_timeout(400)
    screenshot(pg, f"20_projects_{size}")
    row.click()
    pg.wait_for_selector("#card:not([hidden]) h2")
    assert "比亚迪碳酸锂项目" in pg.inner_text("#card h2")
    # the stale filter is part of the URL and of the Excel download
    pg.click("#card-close")
    pg.check("#projects-stale")
    pg.wait_for_function("() => location.hash.includes('stale=1')")
    pg.wait_for_function("() => document.getElementById('projects-xlsx').href.includes('stale=true')")
    href = pg.get_attribute("#projects-xlsx", "href")
    assert "format=xlsx" in href and "region=" in href and pg.is_visible("#projects-xlsx")
    res = pg.request.get(f"{live_server['url']}{href}" if href.startswith("/") else href)
    assert res.status == 200 and res.body()[:2] == b"PK"  # an xlsx workbook
    assert log.errors == [], log.errors
    assert log.external == [], log.external


def test_pool_view(live_server: dict, sized) -> None:
    size, pg, log = sized
    _open(pg, live_server["url"], "#pool?region=南宁市")
    pg.wait_for_selector("#pool-firms tbody tr[data-firm]")
    assert pg.is_visible("#pool-chart canvas")
    tiers = pg.evaluate("""() => echarts.getInstanceByDom(document.getElementById('pool-chart'))
                            .getOption().yAxis[0].data""")
    assert "国家级专精特新“小巨人”企业" in tiers
    firms = pg.inner_text("#pool-firms")
    assert "广西美斯达集团有限公司" in firms and "南宁：坚持强链建群" in firms
    cands = pg.locator("#pool-candidates li[data-rule]")
    # each candidate says the rule that made it one, in words (the rule's id is an attribute)
    assert cands.count() >= 1 and cands.first.get_attribute("data-rule") == "next_tier"
    assert "梯度晋级" in cands.first.inner_text() and "next_tier" not in cands.first.inner_text()
    assert "企业数" in pg.inner_text("#pool-city")
    _no_page_scroll(pg, size)
    pg.wait_for_timeout(400)
    screenshot(pg, f"21_pool_{size}")
    assert "format=xlsx" in pg.get_attribute("#pool-xlsx", "href") and pg.is_visible("#pool-xlsx")
    pg.select_option("#pool-region", "柳州市")
    pg.wait_for_function("() => decodeURIComponent(location.hash).includes('region=柳州市')")
    assert log.errors == [], log.errors
    assert log.external == [], log.external
