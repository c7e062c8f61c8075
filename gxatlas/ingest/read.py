"""One file to one :class:`Document`: size check, format by extension and content, decoding,
text extraction, script detection, normalization.

Every problem with the input raises :class:`InputError` naming the file and the problem on
one line; no other exception escapes :func:`read` for any file content.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from gxatlas.errors import InputError
from gxatlas.ingest.decode import binary_kind, decode
from gxatlas.ingest.document import Document
from gxatlas.ingest.limits import Limits, check_text, exceeded
from gxatlas.ingest.formats import (
    Extracted,
    read_csv,
    read_docx,
    read_html,
    read_pdf,
    read_xlsx,
    zip_kind,
)
from gxatlas.ingest.normalize import normalize
from gxatlas.names import to_simplified

__all__ = ["MAX_BYTES", "SUPPORTED", "read", "iter_files", "detect_variant", "pick_title"]

MAX_BYTES = 100 * 1024 * 1024
# Extension -> Document.format. Markdown is read as plain text.
_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "txt",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".csv": "csv",
}
SUPPORTED: tuple[str, ...] = tuple(_FORMATS)

_VARIANT_SAMPLE = 200_000  # characters looked at to tell traditional from simplified
_TRADITIONAL_SHARE = 0.05  # share of Chinese characters that t2s changes, in a traditional text
_TITLE_MAX = 80
_TITLE_LINES = 30  # a title is looked for in the first lines only
_HTML_CHARSET = re.compile(
    rb"""(?:<meta[^>]+charset|<\?xml[^>]+encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LOOKS_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.I)
_JUNK_TITLE = re.compile(r"^(microsoft\s+(word|excel)\s*-|untitled|无标题|新建)|\.(docx?|wps|pdf|xlsx?)$", re.I)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])")


def read(path: str | os.PathLike[str], *, max_bytes: int | None = None,
         limits: Limits | None = None) -> Document:
    """Read one file into a :class:`Document`, or raise :class:`InputError` naming it.

    The format comes from the extension (see :data:`SUPPORTED`) corrected by the content: a
    PDF or Office package is read as what it is whatever its name. ``limits`` (default:
    `Limits.from_env`) are checked before the work they guard (see `gxatlas.ingest.limits`); a
    file larger than ``max_bytes`` (default: the ``max_file_mb`` limit) is refused unread.
    """
    limits = limits or Limits.from_env()
    source = os.fspath(path)
    file = Path(source)
    ext = file.suffix.lower()
    if ext not in _FORMATS:
        raise InputError(source, f"不支持的文件类型 (unsupported extension {ext or '(none)'}; "
                                 f"supported: {' '.join(SUPPORTED)})")
    data = _read_bytes(file, source=source,
                       max_bytes=limits.bytes("max_file_mb") if max_bytes is None else max_bytes)
    fmt = _sniff_format(data, declared=_FORMATS[ext], ext=ext, source=source)
    extracted, encoding = _extract(data, fmt=fmt, source=source, limits=limits)
    original = extracted.text
    if not original.strip():
        raise InputError(source, "没有文本 (no text in the file)")
    if fmt not in ("txt", "csv"):  # text formats were checked before parsing
        check_text(source, original, limits)
    normalized = normalize(original)
    return Document(
        name=file.stem,
        path=source,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        encoding=encoding,
        variant=detect_variant(original),
        title=pick_title(normalized.text, metadata=extracted.title) or file.stem,
        original=original,
        text=normalized.text,
        offsets=normalized.offsets,
    )


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files to read for the given paths, in a stable order.

    A directory is walked (sorted; hidden files and directories, Office lock files ``~$...``
    and unsupported extensions skipped). A path that is not a directory is yielded as is, even
    when missing or unsupported, so that :func:`read` reports it.
    """
    for raw in paths:
        top = Path(raw)
        if not top.is_dir():
            yield top
            continue
        for root, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith((".", "~$")):
                    continue
                if Path(name).suffix.lower() in _FORMATS:
                    yield Path(root) / name


def detect_variant(text: str) -> str:
    """``"traditional"`` when OpenCC t2s changes a notable share of the Chinese characters."""
    sample = text[:_VARIANT_SAMPLE]
    chinese = _CJK.findall(sample)
    if not chinese:
        return "simplified"
    joined = "".join(chinese)
    simple = to_simplified(joined)
    if len(simple) == len(joined):
        changed = sum(1 for a, b in zip(joined, simple) if a != b)
    else:  # a phrase conversion changed the length: count per distinct character
        counts: dict[str, int] = {}
        for ch in chinese:
            counts[ch] = counts.get(ch, 0) + 1
        changed = sum(n for ch, n in counts.items() if to_simplified(ch) != ch)
    return "traditional" if changed >= _TRADITIONAL_SHARE * len(chinese) else "simplified"


def pick_title(text: str, *, metadata: str | None = None) -> str:
    """The title of a document: a useful metadata title, else its first meaningful line.

    ``text`` is the original text. A meaningful line has at least two Chinese characters or
    three Latin letters and is not a table row (no TAB); the title is NFKC, simplified, without
    the spaces PDF export puts between Chinese characters, and cut when long (a first
    paragraph). Returns "" when there is none.
    """
    if metadata and _meaningful(metadata) and not _JUNK_TITLE.search(metadata.strip()):
        return _clean_title(metadata)
    for line in text.splitlines()[:_TITLE_LINES]:
        if "\t" not in line and _meaningful(line):
            return _clean_title(line)
    return ""


def _meaningful(line: str) -> bool:
    return len(_CJK.findall(line)) >= 2 or sum(1 for ch in line if ch.isascii() and ch.isalpha()) >= 3


def _clean_title(raw: str) -> str:
    title = to_simplified(unicodedata.normalize("NFKC", raw))
    title = _CJK_SPACE.sub("", " ".join(title.split()))
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n} bytes"


def _read_bytes(file: Path, *, source: str, max_bytes: int) -> bytes:
    """The bytes of ``file``; its size is checked before anything is read."""
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(source, "是目录，不是文件 (is a directory, not a file)")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(source, "不是普通文件 (not a regular file)")
        if info.st_size > max_bytes:
            raise InputError(source, f"文件过大 (file too large: {_size(info.st_size)}, "
                                     f"the limit is {_size(max_bytes)}; max_file_mb)")
        with file.open("rb") as fh:
            # read(n) allocates n bytes up front: ask for the stated size, then go on in
            # chunks for files larger than stat says (growing files, /proc)
            data = fh.read(min(info.st_size, max_bytes) + 1)
            while len(data) <= max_bytes:
                more = fh.read(min(1 << 20, max_bytes + 1 - len(data)))
                if not more:
                    break
                data += more
    except FileNotFoundError:
        raise InputError(source, "文件不存在 (no such file)") from None
    except PermissionError:
        raise InputError(source, "没有读取权限 (permission denied)") from None
    except OSError as err:
        raise InputError(source, f"无法读取 (cannot read: {err.strerror or err})") from None
    if len(data) > max_bytes:  # it grew after stat
        raise InputError(source, f"文件过大 (file too large: over the limit of {_size(max_bytes)})")
    if not data:
        raise InputError(source, "空文件 (empty file)")
    return data


def _sniff_format(data: bytes, *, declared: str, ext: str, source: str) -> str:
    """The format to read ``data`` as: PDF and Office packages by content, the rest by name."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    kind = binary_kind(data)
    if kind == "ZIP archive":
        office = zip_kind(data)
        if office is not None:
            return office
        if declared in ("docx", "xlsx"):
            raise InputError(source, f"不是有效的 {ext} 文件 (not a valid {ext}: a ZIP archive "
                                     f"without the Office Open XML parts)")
        return declared  # a text format: decode() reports the binary content
    if declared == "pdf":
        what = "an HTML page" if _LOOKS_HTML.match(data[:1024]) else (kind or "text")
        raise InputError(source, f"不是 PDF 文件 (not a PDF: no %PDF- header; the content is {what})")
    if declared in ("docx", "xlsx") and kind is not None and kind.startswith("OLE2"):
        raise InputError(source, f"不是有效的 {ext} 文件 (not a valid {ext}: a legacy .doc/.xls "
                                 f"or password-protected Office file)")
    return declared


def _extract(data: bytes, *, fmt: str, source: str, limits: Limits) -> tuple[Extracted, str]:
    """The text of ``data`` read as ``fmt``, and the encoding (``binary`` for binary formats)."""
    if fmt == "pdf":
        return read_pdf(data, source=source, limits=limits), "binary"
    if fmt == "docx":
        return read_docx(data, source=source, limits=limits), "binary"
    if fmt == "xlsx":
        return read_xlsx(data, source=source, limits=limits), "binary"
    declared = None
    if fmt == "html":
        if len(data) > limits.bytes("max_markup_mb"):
            raise exceeded(source, "max_markup_mb", f"the page has {_size(len(data))} of markup",
                           limits)
        match = _HTML_CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii") if match else None
    elif len(data) > 4 * limits.max_chars:  # a character takes at most 4 bytes
        raise exceeded(source, "max_chars",
                       f"the text has at least {len(data) // 4:,} characters", limits)
    decoded = decode(data, source=source, declared=declared)
    if fmt != "html":
        check_text(source, decoded.text, limits)  # before csv parsing
    if fmt == "html":
        return read_html(decoded.text, source=source), decoded.encoding
    if fmt == "csv":
        return read_csv(decoded.text, source=source), decoded.encoding
    return Extracted(decoded.text), decoded.encoding
