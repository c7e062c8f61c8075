"""Bounds and repairs for reading PDFs with pdfminer (under pdfplumber).

- **Bounded inflation.** pdfminer inflates a FlateDecode stream whole (``zlib.decompress``),
  so a 1 MB stream that inflates to 1 GB takes 1 GB before anything can check it. While
  :func:`budget` is active, the ``zlib`` pdfminer's stream decoder calls (and its byte-by-byte
  fallback for streams with a bad checksum) stop with :class:`StreamTooLarge` as soon as one
  stream passes ``max_pdf_stream_mb`` or all streams together pass ``max_pdf_streams_mb``.
  Outside a budget they behave as zlib does.
- **Fonts of copy-protected PDFs.** Some PDF writers encrypt a document (an owner password
  only: anyone may open it) but leave the strings of a CID font's ``CIDSystemInfo`` in clear;
  decrypting them garbles the registry and ordering (``Adobe``/``GB1``), pdfminer then knows no
  Unicode mapping and every character comes out as ``(cid:N)``. A predefined CMap named by the
  font's ``Encoding`` (``UniGB-UCS2-H`` …) fixes the character collection by itself (ISO 32000
  9.7.5.2), so :class:`RepairingResourceManager` takes the collection from it when the font's
  own is not a known one.
- :func:`page_count` reads the page tree's ``Count`` before any page is parsed.
"""

from __future__ import annotations

import contextlib
import contextvars
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from pdfminer import pdftypes
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.psparser import literal_name
from pdfminer.pdftypes import resolve1

from gxatlas.ingest.limits import Limits

_MB = 1 << 20


class StreamTooLarge(Exception):
    """A PDF stream (``one``) or all streams inflate past their limit."""

    def __init__(self, message: str, *, one: bool) -> None:
        super().__init__(message)
        self.one = one


@dataclass
class _Budget:
    per_stream: int
    total: int
    used: int = field(default=0)

    def take(self, n: int, stream_size: int) -> None:
        if stream_size > self.per_stream:
            raise StreamTooLarge(f"a stream inflates to more than {self.per_stream / _MB:.0f} MB",
                                 one=True)
        self.used += n
        if self.used > self.total:
            raise StreamTooLarge(f"its streams inflate to more than {self.total / _MB:.0f} MB",
                                 one=False)


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("pdf_budget",
                                                                         default=None)
_CHUNK = 1 << 16


class _Inflater:
    """A zlib decompress object that counts what it yields against the active budget."""

    def __init__(self, budget: _Budget) -> None:
        self._d = zlib.decompressobj()
        self._budget = budget
        self._size = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        limit = self._budget.per_stream + 1 - self._size
        if max_length:
            limit = min(limit, max_length)
        out = self._d.decompress(data, max(limit, 1))
        self._size += len(out)
        self._budget.take(len(out), self._size)
        return out

    def flush(self, *args: Any) -> bytes:
        return self._d.flush(*args)

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unconsumed_tail(self) -> bytes:
        return self._d.unconsumed_tail


class _BoundedZlib:
    """Stands in for the ``zlib`` module inside pdfminer.pdftypes."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args: Any) -> bytes:
        budget = _BUDGET.get()
        if budget is None:
            return zlib.decompress(data, *args)
        d = _Inflater(budget)
        out = d.decompress(data)
        if not d.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args: Any) -> Any:
        budget = _BUDGET.get()
        return zlib.decompressobj(*args) if budget is None else _Inflater(budget)

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


_original_corrupted = pdftypes.decompress_corrupted


def _decompress_corrupted(data: bytes) -> bytes:
    """pdfminer's recovery for a stream whose checksum is bad, linear and bounded: inflate
    what can be inflated and drop the broken end (pdfminer's own adds byte by byte)."""
    budget = _BUDGET.get()
    if budget is None:
        return _original_corrupted(data)
    d = _Inflater(budget)
    parts: list[bytes] = []
    for i in range(0, len(data), _CHUNK):
        try:
            parts.append(d.decompress(data[i:i + _CHUNK]))
        except zlib.error:
            if i + _CHUNK < len(data) - 3:
                raise
            break
    return b"".join(parts)


pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
pdftypes.decompress_corrupted = _decompress_corrupted


@contextlib.contextmanager
def budget(limits: Limits) -> Iterator[None]:
    """Bound the inflation of PDF streams in this context (thread/task-local)."""
    token = _BUDGET.set(_Budget(per_stream=limits.bytes("max_pdf_stream_mb"),
                                total=limits.bytes("max_pdf_streams_mb")))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def page_count(pdf: Any) -> int:
    """The page count a pdfplumber PDF declares in its page tree (0 when it declares none)."""
    pages = resolve1(pdf.doc.catalog.get("Pages"))
    count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    return count if isinstance(count, int) and count >= 0 else 0


_KNOWN = {"Adobe-GB1", "Adobe-CNS1", "Adobe-Japan1", "Adobe-Japan2", "Adobe-Korea1",
          "Adobe-Identity", "Adobe-UCS"}


def collection_of_cmap(name: str) -> tuple[bytes, bytes] | None:
    """The character collection (registry, ordering) a predefined CMap name implies."""
    if "GB" in name:
        return b"Adobe", b"GB1"
    if any(k in name for k in ("CNS", "B5", "ETen", "HKscs", "ETHK")):
        return b"Adobe", b"CNS1"
    if "KSC" in name or "UniKS" in name:
        return b"Adobe", b"Korea1"
    if any(k in name for k in ("JIS", "90ms", "90pv", "83pv", "RKSJ", "Hankaku", "Hiragana",
                               "Katakana", "Roman", "WP-Symbol")) or name in ("EUC-H", "EUC-V"):
        return b"Adobe", b"Japan1"
    return None


def _text(value: Any) -> str:
    value = resolve1(value)
    return value.decode("latin1") if isinstance(value, bytes) else str(value)


class RepairingResourceManager(PDFResourceManager):
    """pdfminer's resource manager, with the character collection of a CID font whose own
    is unreadable taken from its predefined CMap (see the module's docstring)."""

    def get_font(self, objid: object, spec: Mapping[str, object]) -> Any:
        subtype = spec.get("Subtype")
        if subtype is not None and literal_name(subtype) in ("CIDFontType0", "CIDFontType2"):
            info = resolve1(spec.get("CIDSystemInfo"))
            encoding = resolve1(spec.get("Encoding"))
            if isinstance(info, dict) and encoding is not None and not isinstance(encoding,
                                                                                   pdftypes.PDFStream):
                coding = f"{_text(info.get('Registry', b''))}-{_text(info.get('Ordering', b''))}"
                fixed = collection_of_cmap(literal_name(encoding))
                if coding not in _KNOWN and fixed is not None:
                    spec = dict(spec)
                    spec["CIDSystemInfo"] = dict(info, Registry=fixed[0], Ordering=fixed[1])
        return super().get_font(objid, spec)


def use_repairing_fonts(pdf: Any) -> None:
    """Make a freshly opened pdfplumber PDF read fonts through `RepairingResourceManager`."""
    pdf.rsrcmgr = RepairingResourceManager()
