"""The 南宁 HTML brief rendered in Chromium (issue 15): every chart keeps its own clip path, so
no bar or title is clipped away; the page renders without errors. Screenshot saved."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from api_sample_kb import build_sample_kb
from browser_helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gxatlas.report import write_report

    tmp = tmp_path_factory.mktemp("html_report")
    kb, _tokens = build_sample_kb(tmp / "kb.sqlite")
    with kb.session() as s:
        out = write_report(s, region="南宁", out=tmp / "南宁.html")
    kb.dispose()
    return out


def test_html_brief_charts_are_not_clipped(html_report: Path, page) -> None:
    pg, log = page
    pg.goto(html_report.as_uri())
    pg.wait_for_selector("figure svg")
    charts = pg.evaluate("""() => [...document.querySelectorAll('figure svg')].map((svg) => {
      const clipped = [...svg.querySelectorAll('[clip-path]')];
      const own = clipped.every((el) => {
        const id = (el.getAttribute('clip-path').match(/url\\(#([^)]+)\\)/) || [])[1];
        const target = id && document.getElementById(id);
        return target && target.closest('svg') === svg;
      });
      svg.scrollIntoView({ block: 'center' });
      const box = svg.getBoundingClientRect();
      const bars = [...svg.querySelectorAll('rect')].filter((r) => /fill: rgb/.test(r.getAttribute('style') || '')
        && r.getBBox().height > 2 && r.getBBox().height < 40 && r.getBBox().width > 0);
      const visible = bars.filter((r) => { const b = r.getBoundingClientRect();
        const x = b.left + Math.min(2, b.width / 2), y = b.top + b.height / 2;
        const hit = document.elementFromPoint(x, y);
        return hit && svg.contains(hit); });
      const title = [...svg.querySelectorAll('text')].map((t) => t.textContent)[0] || '';
      return { own, bars: bars.length, visible: visible.length, width: box.width, title };
    })""")
    assert len(charts) >= 2, charts
    for chart in charts:
        assert chart["own"], chart
        assert chart["bars"] >= 1 and chart["visible"] == chart["bars"], chart
    screenshot(pg, "20_report_html")
    art = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
    art.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(html_report, art / "nanning.html")
    assert log.errors == [], log.errors
