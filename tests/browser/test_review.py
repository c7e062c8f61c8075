"""The 审核 view in headless Chromium: the queue, the text with the evidence highlighted,
accept / edit / merge / reject by key and by click, undo, a conflict between two reviewers,
at desktop and phone width (screenshots in artifacts/screenshots/)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from browser_helpers import open_page, screenshot, serving

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review_kit import review_kb  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture()
def review_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A live server over a KB where three facts wait for review (its own: actions change it)."""
    from gxatlas.api.app import create_app

    kb, tokens = review_kb(tmp_path / "kb.sqlite")
    with serving(create_app(kb=kb, cache_seconds=0)) as url:
        yield {"url": url, "tokens": tokens, "kb": kb}
    kb.dispose()


def _open(pg: Any, url: str, token: str | None) -> None:
    pg.goto(f"{url}/#review")
    pg.wait_for_load_state("networkidle")
    if token is not None:
        pg.evaluate("t => sessionStorage.setItem('gxatlas.token', t)", token)
    pg.wait_for_selector("#review-list li[data-fact]")
    pg.wait_for_selector("#review-evidence")


def _select(pg: Any, name: str) -> None:
    """Open the fact named ``name`` and wait for the detail drawn for this click: the heading
    shown before may already name it (the view opens the next fact after an action), and a
    field filled before the click's own drawing would be replaced by it."""
    before = pg.query_selector("#review-detail h2")
    pg.locator("#review-list li[data-fact]", has_text=name).first.click()
    pg.wait_for_function("([n, before]) => { const h = document.querySelector('#review-detail h2');"
                         " return h !== null && h !== before && h.textContent.includes(n); }",
                         arg=[name, before])


def _recorded(pg: Any) -> str:
    pg.wait_for_function("() => /已记录|冲突|处理失败/.test("
                         "document.getElementById('review-message').textContent)")
    return pg.inner_text("#review-message")


def test_review_view_desktop_keys_and_clicks(review_server: dict, playwright: Any) -> None:
    context, pg, log, user_data = open_page(playwright, width=1280, height=900)
    try:
        _open(pg, review_server["url"], review_server["tokens"]["write"])
        assert pg.locator("#review-list li[data-fact]").count() == 3
        # the document text, the evidence highlighted
        _select(pg, "示例县新兴材料产业园")
        assert pg.inner_text("#review-evidence") == "示例县新兴材料产业园规划面积12平方公里"
        assert "0.50" in pg.inner_text("#review-detail") and "后缀匹配" in pg.inner_text("#review-detail")
        screenshot(pg, "20_review_desktop")
        # edit a value and save with the key E
        pg.fill("#review-form input[name=area_km2]", "15")
        pg.locator("#review-evidence").click()  # leave the field: keys act on the view
        pg.keyboard.press("e")
        assert "已记录" in _recorded(pg) and "修改" in pg.inner_text("#review-message")
        assert pg.locator("#review-list li[data-fact]").count() == 2
        # merge by click into the candidate the view offers, or a typed name
        _select(pg, "新锐科技有限公司")
        pg.fill("#review-merge-name", "上汽通用五菱")
        pg.click("#review-detail button[data-action=merge]")
        assert "合并" in _recorded(pg)
        # reject with the key R, then undo it with U
        _select(pg, "主导产业")
        pg.keyboard.press("r")
        assert "驳回" in _recorded(pg)
        assert pg.locator("#review-list li[data-fact]").count() == 0
        pg.select_option("#review-status", "rejected")
        pg.wait_for_selector("#review-list li[data-fact]")
        pg.wait_for_selector("#review-evidence")
        pg.keyboard.press("u")
        assert "撤销" in _recorded(pg)
        pg.select_option("#review-status", "pending")
        pg.wait_for_selector("#review-list li[data-fact]")
        assert pg.locator("#review-list li[data-fact]").count() == 1
        # accept by click: the queue is empty
        pg.wait_for_selector("#review-evidence")
        pg.click("#review-detail button[data-action=accept]")
        assert "确认" in _recorded(pg)
        pg.wait_for_selector("#review-list li.hint")
        screenshot(pg, "21_review_desktop_done")
        assert log.errors == [], log.errors
        assert log.external == [], log.external
    finally:
        context.close()
        shutil.rmtree(user_data, ignore_errors=True)


def test_redrawing_the_shown_fact_keeps_what_was_typed(review_server: dict, playwright: Any) -> None:
    """Opening the fact already shown again (a second click, the view's own redraw) keeps the
    merge name and the edited values typed into it; another fact starts clean."""
    context, pg, log, user_data = open_page(playwright, width=1280, height=900)
    try:
        _open(pg, review_server["url"], review_server["tokens"]["write"])
        _select(pg, "新锐科技有限公司")
        pg.fill("#review-merge-name", "上汽通用五菱")
        pg.fill("#review-form input[name=name]", "新锐科技股份有限公司")
        _select(pg, "新锐科技有限公司")  # the same fact drawn again
        assert pg.input_value("#review-merge-name") == "上汽通用五菱"
        assert pg.input_value("#review-form input[name=name]") == "新锐科技股份有限公司"
        _select(pg, "主导产业")
        assert pg.input_value("#review-merge-name") == ""
        assert log.errors == [] and log.external == []
    finally:
        context.close()
        shutil.rmtree(user_data, ignore_errors=True)


def test_review_view_phone_and_conflict(review_server: dict, playwright: Any) -> None:
    """Two reviewers see the same fact; the second to act gets the conflict and sees who."""
    first, pg1, log1, dir1 = open_page(playwright, width=390, height=844)
    second, pg2, log2, dir2 = open_page(playwright, width=390, height=844)
    try:
        for pg, role in ((pg1, "write"), (pg2, "admin")):
            _open(pg, review_server["url"], review_server["tokens"][role])
            _select(pg, "主导产业")
        screenshot(pg1, "22_review_phone")
        # the phone layout: one column, the actions reachable without sideways scrolling
        width = pg1.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390 + 1, width
        box = pg1.locator("#review-detail button[data-action=reject]").bounding_box()
        assert box and box["x"] + box["width"] <= 390
        pg1.click("#review-detail button[data-action=accept]")
        assert "确认" in _recorded(pg1)
        pg2.click("#review-detail button[data-action=reject]")
        msg = _recorded(pg2)
        assert "冲突" in msg and "test-write" in msg
        screenshot(pg2, "23_review_phone_conflict")
        assert "已确认" in pg2.inner_text("#review-detail")  # it shows the fact as it is now
        assert log1.errors == [] and log1.external == []
        assert [e for e in log2.errors if "409" not in e] == [], log2.errors
    finally:
        for ctx, d in ((first, dir1), (second, dir2)):
            ctx.close()
            shutil.rmtree(d, ignore_errors=True)


def test_targets_say_what_waits_and_include_it_on_request(review_server: dict, page) -> None:
    pg, log = page
    pg.goto(f"{review_server['url']}/#targets?region=南宁市")
    pg.wait_for_selector("#targets-table tbody tr")
    pg.wait_for_function("() => /待审核/.test(document.getElementById('monitor-note').textContent)")
    assert "1" in pg.inner_text("#monitor-note")
    assert "主导产业" not in pg.inner_text("#targets-table")
    pg.check("#targets-pending")
    pg.wait_for_function("() => document.getElementById('targets-table').innerText.includes('主导产业')")
    assert "pending=1" in pg.url
    assert log.errors == [], log.errors
