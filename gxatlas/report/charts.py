"""Server-side charts for the brief, drawn once with reportlab's graphics, and the PDF font.

The same ``Drawing`` goes into the PDF (vector) and, as inline SVG, into the HTML report.

PDF font: a TrueType CJK font is always embedded as a subset (only the glyphs used), so the
PDF shows Chinese in any viewer on any machine. The font is ``GXATLAS_PDF_FONT`` if set, else
an installed WenQuanYi/AR PL font (Debian ``fonts-wqy-microhei``: widest coverage), else the
font bundled with gxatlas (``report/fonts/gxatlas-cjk.ttf``: a GB 2312 subset of WenQuanYi
Micro Hei, Apache-2.0; see ``report/fonts/README.txt``). There is no fallback to a
non-embedded font.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFError

from gxatlas.errors import GxatlasError

EMBEDDED_FONT = "GxatlasCJK"
BUNDLED_FONT = Path(__file__).resolve().parent / "fonts" / "gxatlas-cjk.ttf"
FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                   "/usr/share/fonts/truetype/arphic/uming.ttc", str(BUNDLED_FONT))
HTML_FONTS = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"
_PALETTE = (colors.HexColor("#0f5fa8"), colors.HexColor("#d9534f"), colors.HexColor("#2e9e5b"))


def font_candidates() -> tuple[str, ...]:
    """The TrueType fonts tried for the PDF, in order (the configured one alone if set)."""
    configured = os.environ.get("GXATLAS_PDF_FONT")
    return (configured,) if configured else FONT_CANDIDATES


@functools.cache
def register_cjk_font() -> str:
    """Register the PDF's CJK font once (embedded as a subset) and return its name."""
    tried = []
    for candidate in font_candidates():
        if not Path(candidate).is_file():
            tried.append(f"{candidate}（不存在）")
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, candidate, subfontIndex=0))
        except TTFError as err:
            tried.append(f"{candidate}（{err}）")
            continue
        return EMBEDDED_FONT
    raise GxatlasError("找不到可嵌入 PDF 的中文 TrueType 字体：" + "；".join(tried))


def pdf_text(text: str) -> str:
    """``text`` as the PDF draws it (the font is registered first)."""
    register_cjk_font()
    return text


def bar_chart(spec: dict[str, Any], *, width: float = 480) -> Drawing:
    """A horizontal bar chart of ``spec`` (``title``, ``labels``, ``series: {name: values}``)."""
    font = register_cjk_font()
    labels = list(spec["labels"])
    series = list(spec["series"].values())
    row_h = 16 * max(1, len(series))
    height = 40 + row_h * len(labels)
    drawing = Drawing(width, height, initialFontName=font)
    chart = HorizontalBarChart()
    chart.x, chart.y = 200, 10
    chart.width, chart.height = width - 230, height - 40
    chart.data = [tuple(float(v) for v in values) for values in series]
    chart.categoryAxis.categoryNames = [pdf_text(label) for label in labels]
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.barLabelFormat = spec.get("format") or value_format(
        [float(v) for values in series for v in values])
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    for i in range(len(series)):
        chart.bars[i].fillColor = _PALETTE[i % len(_PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(String(0, height - 14, pdf_text(spec["title"]), fontName=font, fontSize=10))
    return drawing


def value_format(values: list[float]) -> str:
    """A bar-label format that keeps the values apart: scores in 0–1 get two decimals."""
    if all(v == int(v) for v in values):
        return "%.0f"
    top = max((abs(v) for v in values), default=0.0)
    return "%.2f" if top < 10 else "%.1f" if top < 100 else "%.0f"


def to_svg(drawing: Drawing, *, prefix: str) -> str:
    """Inline SVG markup (no XML prolog) with a browser CJK font stack. Every id of the
    drawing (reportlab names its clip path ``clip``) is prefixed with ``prefix`` so that
    several charts can share one page without clipping each other."""
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    return re.sub(r"font-family: ?" + EMBEDDED_FONT,
                  f"font-family: {HTML_FONTS}", svg)
