"""The dashboard in headless Chromium: loads cleanly and locally, map, search, upload."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import open_page, screenshot

pytestmark = pytest.mark.browser

ACTUALS = "指标,地区,年份,数值,单位\n规模以上工业总产值,广西,2019,14100,亿元\n"


def _load(page: Any, url: str, tab: str = "map") -> None:
    page.goto(f"{url}/#{tab}")
    page.wait_for_load_state("networkidle")


def test_dashboard_loads_locally_and_map_renders_parks(live_server: dict, page) -> None:
    pg, log = page
    _load(pg, live_server["url"])
    pg.wait_for_selector("#park-list li[data-park]")
    shown = pg.evaluate("""() => echarts.getInstanceByDom(document.getElementById('map-chart'))
                              .getOption().series[0].data.length""")
    listed = pg.locator("#park-list li[data-park]").count()
    assert shown >= 4 and listed >= shown
    pg.wait_for_timeout(500)
    screenshot(pg, "01_map")
    pg.locator("#park-list li[data-park]").first.click()
    pg.wait_for_selector("#card:not([hidden]) .facts li")
    assert "出处" in pg.inner_text("#card")
    screenshot(pg, "02_park_card")
    assert log.errors == [], log.errors
    assert log.external == [], log.external


@pytest.mark.parametrize("tab, ready", [
    ("targets", "#targets-table tbody tr"), ("chains", "#chain-chart canvas"),
    ("partners", "#partner-chart canvas"), ("documents", "#doc-list li")])
def test_every_tab_renders_without_errors(live_server: dict, page, tab: str, ready: str) -> None:
    pg, log = page
    _load(pg, live_server["url"], tab)
    pg.wait_for_selector(ready)
    pg.wait_for_timeout(500)
    screenshot(pg, f"03_{tab}")
    assert log.errors == [], log.errors
    assert log.external == [], log.external


def test_search_returns_results(live_server: dict, page) -> None:
    pg, log = page
    _load(pg, live_server["url"])
    pg.fill("#search-input", "柳州汽车城")
    pg.click("#search-form button")
    pg.wait_for_selector("#search-results li[data-type]")
    assert "柳州汽车城" in pg.inner_text("#search-results")
    screenshot(pg, "04_search")
    pg.locator("#search-results li[data-type='park']").first.click()
    pg.wait_for_selector("#card:not([hidden]) h2")
    assert "柳州汽车城" in pg.inner_text("#card h2")
    assert log.errors == [], log.errors


def _upload(pg: Any, tmp: Path, *, token: str | None) -> str:
    if token is not None:
        pg.click("#token-button")
        pg.fill("#token-input", token)
        pg.click("#token-dialog button[value=save]")
    pg.select_option("#upload-kind", "observations")
    path = tmp / "actuals.csv"
    path.write_text(ACTUALS, encoding="utf-8")
    pg.set_input_files("#upload-file", str(path))
    pg.click("#upload-form button[type=submit]")
    pg.wait_for_function("""() => /处理完成|处理失败/.test(
        document.getElementById('upload-status').textContent)""")
    return pg.inner_text("#upload-status")


def test_upload_without_token_is_refused(live_server: dict, page, tmp_path: Path) -> None:
    pg, _log = page
    _load(pg, live_server["url"], "documents")
    status = _upload(pg, tmp_path, token=None)
    assert "401" in status
    screenshot(pg, "05_upload_refused")


def test_upload_with_token_succeeds(live_server: dict, page, tmp_path: Path) -> None:
    pg, log = page
    _load(pg, live_server["url"], "documents")
    status = _upload(pg, tmp_path, token=live_server["tokens"]["write"])
    assert "处理完成" in status, status
    screenshot(pg, "06_upload_done")
    assert log.external == [], log.external


def test_english_switch_and_phone_width(live_server: dict, playwright: Any) -> None:
    context, pg, log, user_data = open_page(playwright, width=390, height=844)
    try:
        _load(pg, live_server["url"])
        pg.wait_for_selector("#park-list li[data-park]")
        pg.click("#lang-button")
        pg.wait_for_function("() => document.documentElement.lang === 'en'")
        assert pg.inner_text("#tabs button[data-tab=map]") == "Parks map"
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 400, "no horizontal scrolling at phone width"
        pg.wait_for_timeout(500)
        screenshot(pg, "07_phone_english")
        assert log.errors == [], log.errors
    finally:
        context.close()
        shutil.rmtree(user_data, ignore_errors=True)


def test_api_docs_page_loads_locally(live_server: dict, page) -> None:
    pg, log = page
    pg.goto(f"{live_server['url']}/docs")
    pg.wait_for_selector(".swagger-ui .opblock")
    screenshot(pg, "08_api_docs")
    assert log.external == [], log.external
    assert log.errors == [], log.errors


def test_chain_graph_colours_links_and_lists_gaps(live_server: dict, page,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from gxatlas.api import capabilities

    def fake_chain(session: Any, *, chain: str, region: str | None = None, **_: Any) -> Any:
        template = next(t for t in capabilities.chain_templates() if t["id"] == chain)
        links = [{"id": link["id"], "name": link["name"], "position": link["position"],
                  "status": "missing" if i == 0 else "strong", "enterprises": [], "projects": []}
                 for i, link in enumerate(template["links"])]
        gap = {"link": links[0]["id"], "status": "missing", "importance": 2.5,
               "candidates": [{"type": "region", "name": "测试候选市",
                               "reason": "测试候选市有该环节企业。"}]}
        return {"id": chain, "name": template["name"], "links": links, "gaps": [gap]}

    monkeypatch.setitem(capabilities.ADAPTERS, "chains", fake_chain)
    live_server["app"].state.cache.clear()
    pg, log = page
    _load(pg, live_server["url"], "chains")
    pg.wait_for_selector("#chain-gaps .gap")
    assert "测试候选市" in pg.inner_text("#chain-gaps")
    colours = pg.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chain-chart'))
        .getOption().series[0].data.map((n) => n.itemStyle.color)""")
    assert "#d73027" in colours and "#1a9850" in colours
    pg.wait_for_timeout(600)
    screenshot(pg, "09_chain_with_gaps")
    assert log.errors == [], log.errors
    live_server["app"].state.cache.clear()


def test_chain_gaps_list_candidate_firms_with_reasons_and_data_age(
        live_server: dict, page, monkeypatch: pytest.MonkeyPatch) -> None:
    from gxatlas.api import capabilities

    def real_chain(session: Any, *, chain: str, region: str | None = None, **kw: Any) -> Any:
        return original(session, chain="new_energy_battery", region="南宁", candidates=3)

    original = capabilities.ADAPTERS["chains"]
    monkeypatch.setitem(capabilities.ADAPTERS, "chains", real_chain)
    live_server["app"].state.cache.clear()
    pg, log = page
    _load(pg, live_server["url"], "chains")
    pg.wait_for_selector("#chain-gaps .cand.firm")
    text = pg.inner_text("#chain-gaps")
    assert "数据截至 2021-10" in text and "A股上市公司" in text
    first = pg.locator("#chain-gaps .cand.firm").first.inner_text()
    assert "·" in first and "；" in first  # origin after the score, reasons below
    pg.wait_for_timeout(600)
    screenshot(pg, "10_chain_candidates")
    assert log.errors == [], log.errors
    live_server["app"].state.cache.clear()
