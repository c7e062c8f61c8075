"""Server-side charts for the brief, drawn once with reportlab's graphics, and the PDF font.

The same ``Drawing`` goes into the PDF (vector) and, as inline SVG, into the HTML report.

PDF font: a TrueType CJK font is embedded (subset) when one is found — ``GXATLAS_PDF_FONT``
or Debian's ``fonts-wqy-microhei`` — so the PDF shows Chinese in any viewer. Without one,
reportlab's built-in CID font STSong-Light is used: no file needed, Chinese still renders,
but the glyphs come from the viewer's own CJK font (Acrobat ships one; poppler needs a
system CJK font) and a few symbols (``·``, ``•``, ``²``) are not in it and are replaced.
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
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont, TTFError

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "GxatlasCJK"
FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                   "/usr/share/fonts/truetype/arphic/uming.ttc")
_CID_MISSING = str.maketrans({"·": "・", "•": "・", "²": "2", "³": "3"})
HTML_FONTS = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif"
_PALETTE = (colors.HexColor("#0f5fa8"), colors.HexColor("#d9534f"), colors.HexColor("#2e9e5b"))


@functools.cache
def register_cjk_font() -> str:
    """Register the PDF's CJK font once (embedded TrueType if found, else the CID font)."""
    configured = os.environ.get("GXATLAS_PDF_FONT")
    for candidate in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if not Path(candidate).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, candidate, subfontIndex=0))
        except TTFError:
            continue
        return EMBEDDED_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def pdf_text(text: str) -> str:
    """``text`` made safe for the registered font (symbols the CID font lacks replaced)."""
    return text.translate(_CID_MISSING) if register_cjk_font() == CID_FONT else text


def bar_chart(spec: dict[str, Any], *, width: float = 480) -> Drawing:
    """A horizontal bar chart of ``spec`` (``title``, ``labels``, ``series: {name: values}``)."""
    font = register_cjk_font()
    labels = list(spec["labels"])
    series = list(spec["series"].values())
    row_h = 16 * max(1, len(series))
    height = 40 + row_h * len(labels)
    drawing = Drawing(width, height)
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
    chart.barLabelFormat = "%.0f"
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


def to_svg(drawing: Drawing) -> str:
    """Inline SVG markup (no XML prolog) with a browser CJK font stack."""
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg"):]
    return re.sub(r"font-family: ?(" + EMBEDDED_FONT + "|" + CID_FONT + ")",
                  f"font-family: {HTML_FONTS}", svg)
