"""Writing a ``Brief`` as a self-contained HTML page, an XLSX workbook or a PDF."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from gxatlas.report.brief import Brief, Section
from gxatlas.report.charts import bar_chart, pdf_text, register_cjk_font, to_svg

_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;
margin:24px auto;max-width:1000px;color:#1f2933;font-size:14px;padding:0 12px}
h1{font-size:22px;margin-bottom:0}h2{font-size:17px;border-bottom:2px solid #0f5fa8;
padding-bottom:4px;margin-top:28px}table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f6fc}td.src{color:#6b7280;font-size:12px}.note{background:#fff8e6;
border:1px dashed #e0a100;padding:8px;border-radius:4px}.meta{color:#6b7280}
figure{margin:8px 0}figure svg{width:100%;height:auto;max-width:980px}
.summary{background:#f0f6fc;border-left:4px solid #0f5fa8;padding:8px 16px}
"""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _html_section(section: Section) -> str:
    parts = [f'<section id="{html.escape(section.key)}"><h2>{html.escape(section.title)}</h2>']
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    if section.chart:
        svg = to_svg(bar_chart(section.chart, width=760), prefix=f"chart-{section.key}")
        parts.append(f"<figure>{svg}</figure>")
    if section.rows:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in (*section.columns, "出处"))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
            + f'<td class="src">{html.escape(src)}</td></tr>'
            for row, src in zip(section.rows, section.sources))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


def _html_summary(brief: Brief) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in brief.summary)
    return (f'<section id="summary" class="summary"><h2>摘要</h2><ul>{items}</ul></section>'
            if items else "")


def write_html(brief: Brief, path: Path) -> None:
    title = f"{brief.region} 产业简报"
    body = _html_summary(brief) + "\n".join(_html_section(s) for s in brief.sections)
    path.write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"meta\">gxatlas 广西产业图谱 · 生成于 "
        f"{html.escape(brief.generated)} · 每个数字均注明出处</p>{body}</body></html>",
        encoding="utf-8")


# --- XLSX ---------------------------------------------------------------------------------

def write_xlsx(brief: Brief, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "bg_color": "#F0F6FC", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    note_fmt = book.add_format({"italic": True, "font_color": "#7A5B00"})
    cover = book.add_worksheet("简报")
    cover.write(0, 0, f"{brief.region} 产业简报", book.add_format({"bold": True, "size": 16}))
    cover.write(1, 0, f"gxatlas 广西产业图谱 · 生成于 {brief.generated}")
    row = 3
    if brief.summary:
        cover.write(row, 0, "摘要", bold)
        for row, line in enumerate(brief.summary, start=row + 1):
            cover.write(row, 0, line)
        row += 2
    for row, section in enumerate(brief.sections, start=row):
        cover.write(row, 0, section.title)
        cover.write(row, 1, section.note or f"{len(section.rows)} 行")
    cover.set_column(0, 1, 40)
    for section in brief.sections:
        _xlsx_sheet(book, section, bold=bold, wrap=wrap, note_fmt=note_fmt)
    book.close()


def _xlsx_sheet(book: Any, section: Section, *, bold: Any, wrap: Any, note_fmt: Any) -> None:
    sheet = book.add_worksheet(section.title[:31])
    row0 = 0
    if section.note:
        sheet.write(0, 0, section.note, note_fmt)
        row0 = 2
    columns = (*section.columns, "出处")
    for c, name in enumerate(columns):
        sheet.write(row0, c, name, bold)
    for r, (row, src) in enumerate(zip(section.rows, section.sources), start=row0 + 1):
        for c, value in enumerate((*row, src)):
            if value is None:
                sheet.write_blank(r, c, None, wrap)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value, wrap)
            else:
                sheet.write_string(r, c, _cell(value), wrap)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, len(columns) - 2, 14)
    sheet.set_column(len(columns) - 1, len(columns) - 1, 60)
    if section.chart:
        _xlsx_chart(book, sheet, section, col=len(columns) + 1)


def _xlsx_chart(book: Any, sheet: Any, section: Section, *, col: int) -> None:
    """A native Excel bar chart over a small data block written beside the table."""
    spec = section.chart or {}
    labels = list(spec["labels"])
    sheet.write(0, col, "图表数据")
    for r, label in enumerate(labels, start=1):
        sheet.write(r, col, label)
    chart = book.add_chart({"type": "bar"})
    for i, (name, values) in enumerate(spec["series"].items(), start=1):
        sheet.write(0, col + i, name)
        for r, value in enumerate(values, start=1):
            sheet.write_number(r, col + i, float(value))
        chart.add_series({"name": name,
                          "categories": [sheet.name, 1, col, len(labels), col],
                          "values": [sheet.name, 1, col + i, len(labels), col + i],
                          "data_labels": {"value": True}})
    chart.set_title({"name": spec["title"]})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 60 + 22 * len(labels)})
    sheet.insert_chart(len(labels) + 3, col, chart)


# --- PDF ----------------------------------------------------------------------------------

def _para(text: str) -> str:
    """Paragraph markup for plain ``text`` in the PDF's font."""
    return html.escape(pdf_text(text))


def _numbered_canvas(region: str, font: str) -> Any:
    """A canvas class that writes ``region 产业简报 · 第 N 页 / 共 M 页`` at every page foot
    (pages are kept until the end so that the total is known)."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = font  # no unembedded Helvetica either
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                width, _height = self._pagesize
                self.setFont(font, 8)
                self.setFillGray(0.45)
                self.drawCentredString(width / 2, 18, pdf_text(
                    f"{region} 产业简报 · 第 {self._pageNumber} 页 / 共 {total} 页"))
                super().showPage()
            super().save()

    return NumberedCanvas


def write_pdf(brief: Brief, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate,
                                    Spacer, Table, TableStyle)

    font = register_cjk_font()
    styles = {
        "h1": ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=12,
                             spaceAfter=6, textColor=colors.HexColor("#0b3d6e"),
                             keepWithNext=1),
        "p": ParagraphStyle("p", fontName=font, fontSize=9, leading=13, wordWrap="CJK"),
        "li": ParagraphStyle("li", fontName=font, fontSize=10, leading=15, wordWrap="CJK",
                             leftIndent=12, bulletIndent=2, bulletFontName=font),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=10, wordWrap="CJK"),
        "src": ParagraphStyle("src", fontName=font, fontSize=6.5, leading=9, wordWrap="CJK",
                              textColor=colors.HexColor("#6b7280")),
    }
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), title=f"{brief.region} 产业简报",
                            leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=40)
    story: list[Any] = [
        Paragraph(_para(f"{brief.region} 产业简报"), styles["h1"]),
        Paragraph(_para(f"gxatlas 广西产业图谱 · 生成于 {brief.generated} · 每个数字均注明出处"),
                  styles["p"])]
    if brief.summary:
        story.append(KeepTogether(
            [Paragraph(_para("摘要"), styles["h2"])]
            + [Paragraph(_para(line), styles["li"], bulletText="•") for line in brief.summary]))
    for section in brief.sections:
        # a heading never ends a page: it moves on with the start of what follows it
        story.append(CondPageBreak(150))
        head: list[Any] = [Paragraph(_para(section.title), styles["h2"])]
        if section.note:
            head.append(Paragraph(_para(section.note), styles["p"]))
        if section.chart:
            story += [KeepTogether([*head, bar_chart(section.chart, width=doc.width * 0.7)]),
                      Spacer(1, 6)]
        else:
            story.append(KeepTogether(head))
        if section.rows:
            story.append(_pdf_table(section, styles, doc.width, Table, TableStyle, colors))
    doc.build(story, canvasmaker=_numbered_canvas(brief.region, font))


def _pdf_table(section: Section, styles: dict[str, Any], width: float, table_cls: Any,
               style_cls: Any, colors: Any) -> Any:
    from reportlab.platypus import Paragraph

    header = [Paragraph(_para(c), styles["cell"]) for c in (*section.columns, "出处")]
    body = [[Paragraph(_para(_cell(v)), styles["cell"]) for v in row]
            + [Paragraph(_para(src), styles["src"])]
            for row, src in zip(section.rows, section.sources)]
    src_w = width * 0.25
    weights = [min(40, max(len(_cell(v)) for v in (name, *col))) + 4
               for name, col in zip(section.columns, zip(*section.rows))]
    widths = [(width - src_w) * w / sum(weights) for w in weights] + [src_w]
    table = table_cls([header, *body], colWidths=widths, repeatRows=1)
    table.setStyle(style_cls([
        ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d1d5db")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f6fc")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table
