"""Format readers: the raw bytes (or decoded text) of one file to its plain text and title.

Each reader returns an :class:`Extracted` or raises :class:`InputError` naming the source. The
third-party parsers (pdfminer under pdfplumber, python-docx, openpyxl, lxml) can raise almost
any exception on damaged input, so each parse is wrapped once and any failure becomes a
one-line InputError saying what the file is not.

Tables, wherever they come from (docx, html, xlsx, csv), are rendered the same way: one row
per line, cells separated by a TAB, line breaks and TABs inside a cell turned into spaces.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from gxatlas.errors import InputError
from gxatlas.ingest.limits import DEFAULT, Limits, check_size, exceeded

__all__ = [
    "Extracted",
    "PDF_X_TOLERANCE",
    "read_pdf",
    "read_docx",
    "read_html",
    "read_xlsx",
    "read_csv",
    "zip_kind",
    "check_package",
    "table_text",
]

# Horizontal gap (pt) below which pdfplumber joins characters into one word. Chinese PDFs set
# with letter spacing come out as `北 部 湾` with the default of 3; real spaces are glyphs and
# are kept whatever the tolerance.
PDF_X_TOLERANCE = 10
_CID = re.compile(r"\(cid:\d+\)")
_CELL_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Extracted:
    """The text of a document and the title its metadata gives (None when it gives none)."""

    text: str
    title: str | None = None


def _one_line(err: BaseException) -> str:
    """An exception as a short single line for a message."""
    inner = err.args[0] if err.args and isinstance(err.args[0], BaseException) else err
    text = _CELL_SPACE.sub(" ", str(inner)).strip()
    name = type(inner).__name__
    return f"{name}: {text[:120]}" if text else name


def _cell(value: object) -> str:
    """One table cell as text on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _CELL_SPACE.sub(" ", str(value)).strip()


def table_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows of cells as text: one row per line, cells joined by TAB, trailing empties dropped.

    Empty rows are dropped, except that a run of them between two non-empty rows leaves one
    blank line (it usually separates two tables).
    """
    lines: list[str] = []
    gap = False
    for row in rows:
        cells = [_cell(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            gap = bool(lines)
            continue
        if gap:
            lines.append("")
            gap = False
        lines.append("\t".join(cells))
    return "\n".join(lines)


# --- PDF ------------------------------------------------------------------------------------

def read_pdf(data: bytes, *, source: str, limits: Limits = DEFAULT) -> Extracted:
    """The text layer of a PDF, page by page (pages separated by a blank line).

    Raises for a PDF that needs a password to open, a truncated or corrupt one, one with no
    text layer (scanned pages: OCR is not done), and one over the limits: more pages than
    ``max_pages``, a stream that inflates past ``max_pdf_stream_mb`` or all streams past
    ``max_pdf_streams_mb`` (streams are inflated by a bounded decompressor, so a "bomb" stops
    at the limit). A PDF with only an owner password (copy-protected) is read.
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    from gxatlas.ingest import pdfguard

    if b"%%EOF" not in data[-4096:]:
        raise InputError(source, "PDF 文件不完整 (truncated PDF: no %%EOF at the end)")
    pages: list[str] = []
    title: str | None = None
    try:
        with pdfguard.budget(limits), pdfplumber.open(io.BytesIO(data)) as pdf:
            pdfguard.use_repairing_fonts(pdf)
            count = pdfguard.page_count(pdf)
            if count > limits.max_pages:
                raise exceeded(source, "max_pages", f"the PDF has {count:,} pages", limits)
            title = _pdf_title(pdf.metadata)
            for page in pdf.pages:
                pages.append(page.extract_text(x_tolerance=PDF_X_TOLERANCE) or "")
                page.close()
    except InputError:
        raise
    except pdfguard.StreamTooLarge as err:
        name = "max_pdf_stream_mb" if err.one else "max_pdf_streams_mb"
        raise exceeded(source, name, str(err), limits) from None
    except Exception as err:  # noqa: BLE001 - pdfminer raises anything on damaged files
        inner = err.args[0] if err.args and isinstance(err.args[0], BaseException) else err
        if isinstance(inner, pdfguard.StreamTooLarge):
            name = "max_pdf_stream_mb" if inner.one else "max_pdf_streams_mb"
            raise exceeded(source, name, str(inner), limits) from None
        if isinstance(inner, PDFPasswordIncorrect):
            raise InputError(source, "PDF 已加密 (encrypted PDF: a password is needed to open it)") from None
        raise InputError(source, f"PDF 文件损坏 (truncated or corrupt PDF: {_one_line(err)})") from None
    if not any(p.strip() for p in pages):
        raise InputError(source, "PDF 没有文本层 (no text layer; OCR is not done)")
    if not any(_CID.sub("", p).strip() for p in pages):
        raise InputError(source, "PDF 文本层无法映射为字符 (text layer has no Unicode mapping; "
                                 "OCR is not done)")
    return Extracted("\n\n".join(p.strip("\n") for p in pages), title)


def _pdf_title(metadata: dict[str, Any]) -> str | None:
    title = metadata.get("Title")
    if isinstance(title, bytes):
        utf16 = title.startswith((b"\xfe\xff", b"\xff\xfe"))
        title = title.decode("utf-16", errors="replace") if utf16 else None
    if isinstance(title, str):
        title = _CELL_SPACE.sub(" ", title).strip()
        return title or None
    return None


# --- Office Open XML --------------------------------------------------------------------------

def zip_kind(data: bytes) -> str | None:
    """``"docx"`` or ``"xlsx"`` for an Office Open XML package, else None (any other bytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def check_package(data: bytes, *, ext: str, source: str, limits: Limits) -> None:
    """Raise unless ``data`` is a ZIP archive within the limits: at most ``max_zip_entries``
    members, none expanding past ``max_part_mb``, all together not past ``max_unzipped_mb``.

    The sizes are the ones the archive declares; Python's zipfile (under python-docx and
    openpyxl) never yields more than the declared size of a member (a member that inflates
    further fails its CRC check), so the declared sizes bound the memory.
    """
    entries = _zip_entry_count(data)
    if entries is not None and entries > limits.max_zip_entries:
        raise exceeded(source, "max_zip_entries", f"the package has {entries:,} parts", limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InputError(source, f"不是有效的 {ext} 文件 (not a valid {ext}: not a ZIP archive)") from None
    if len(infos) > limits.max_zip_entries:
        raise exceeded(source, "max_zip_entries", f"the package has {len(infos):,} parts", limits)
    for info in infos:
        check_size(source, "max_part_mb", f"part {info.filename[:80]} expands to",
                   info.file_size, limits)
    check_size(source, "max_unzipped_mb", "its parts expand to",
               sum(info.file_size for info in infos), limits)


def _zip_entry_count(data: bytes) -> int | None:
    """The member count the end-of-central-directory record declares (read before zipfile
    builds one object per member), or None when the record is not found."""
    tail = data[-(65_536 + 22):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = int.from_bytes(tail[at + 10:at + 12], "little")
    if count == 0xFFFF:  # ZIP64: the count is in the ZIP64 end record
        z64 = tail.rfind(b"PK\x06\x06", 0, at)
        if z64 >= 0 and len(tail) >= z64 + 40:
            count = int.from_bytes(tail[z64 + 32:z64 + 40], "little")
    return count


def read_docx(data: bytes, *, source: str, limits: Limits = DEFAULT) -> Extracted:
    """Paragraphs and tables of a .docx body, in body order (tables as TAB-separated rows)."""
    import docx

    check_package(data, ext=".docx", source=source, limits=limits)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document.iter_inner_content()))
        title = _CELL_SPACE.sub(" ", document.core_properties.title or "").strip() or None
    except Exception as err:  # noqa: BLE001 - python-docx/lxml raise anything on damaged files
        raise InputError(source, f"不是有效的 .docx 文件 (not a valid .docx: {_one_line(err)})") from None
    return Extracted("\n".join(blocks), title)


def _docx_blocks(items: Iterable[Any]) -> Iterator[str]:
    from docx.table import Table

    for item in items:
        if isinstance(item, Table):
            yield table_text(_docx_rows(item))
        else:
            yield item.text


def _docx_rows(table: Any) -> Iterator[list[str]]:
    """Cell texts per row; a merged cell (the same cell over several grid columns) once."""
    for row in table.rows:
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(cell.text)
        yield cells


def read_xlsx(data: bytes, *, source: str, limits: Limits = DEFAULT) -> Extracted:
    """Every sheet of a workbook as TAB-separated rows (cached values, not formulas).

    When the workbook has more than one non-empty sheet, each starts with its name on a line.
    """
    import openpyxl

    check_package(data, ext=".xlsx", source=source, limits=limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(ws.title, table_text(ws.iter_rows(values_only=True))) for ws in book.worksheets]
            title = _CELL_SPACE.sub(" ", book.properties.title or "").strip() or None
        finally:
            book.close()
    except Exception as err:  # noqa: BLE001 - openpyxl/lxml raise anything on damaged files
        raise InputError(source, f"不是有效的 .xlsx 文件 (not a valid .xlsx: {_one_line(err)})") from None
    filled = [(name, text) for name, text in sheets if text]
    if len(filled) == 1:
        return Extracted(filled[0][1], title)
    return Extracted("\n\n".join(f"{name}\n{text}" for name, text in filled), title)


# --- text formats -----------------------------------------------------------------------------

def read_csv(text: str, *, source: str) -> Extracted:
    """A CSV text (dialect sniffed: comma, TAB, semicolon...) as TAB-separated rows."""
    sample = text[:8192]  # csv.Sniffer is quadratic on some inputs: keep the sample small
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return Extracted(table_text(reader))
    except csv.Error as err:
        raise InputError(source, f"CSV 格式错误 (malformed CSV: {err})", line=reader.line_num) from None


def read_html(text: str, *, source: str) -> Extracted:
    """The main text of a web page (trafilatura: no navigation, header, footer or comments).

    Headings, paragraphs and list items become lines; tables become TAB-separated rows. A page
    that trafilatura finds no main text in falls back to all of its visible text.
    """
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            text, output_format="xml", include_tables=True, include_comments=False,
            include_links=False, include_images=False, include_formatting=False,
            with_metadata=True, deduplicate=False)
        if xml:
            root = etree.fromstring(xml.encode("utf-8"))
            title = _CELL_SPACE.sub(" ", root.get("title") or "").strip() or None
            main = root.find("main")
            body = _html_text(main) if main is not None else ""
        else:
            title, body = _html_title(text), trafilatura.html2txt(text) or ""
    except Exception as err:  # noqa: BLE001 - lxml/trafilatura raise anything on broken markup
        raise InputError(source, f"HTML 无法解析 (unreadable HTML: {_one_line(err)})") from None
    return Extracted(body.strip(), title)


def _html_text(main: Any) -> str:
    lines: list[str] = []
    for el in main:
        if el.tag == "table":
            lines.append(table_text(
                ("".join(cell.itertext()) for cell in row.iter("cell")) for row in el.iter("row")))
        elif el.tag == "list":
            lines.extend(_CELL_SPACE.sub(" ", "".join(item.itertext())).strip() for item in el.iter("item"))
        else:
            lines.append(_block_text(el))
    return "\n".join(line for line in lines if line)


def _block_text(el: Any) -> str:
    """Text of a block element; ``<lb/>`` line breaks kept, other whitespace runs collapsed."""
    parts: list[str] = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else "".join(child.itertext()))
        parts.append(child.tail or "")
    return "\n".join(_CELL_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n")).strip()


def _html_title(text: str) -> str | None:
    import trafilatura

    meta = trafilatura.extract_metadata(text)
    title = getattr(meta, "title", None) if meta is not None else None
    if not title:
        return None
    return _CELL_SPACE.sub(" ", title).strip() or None
