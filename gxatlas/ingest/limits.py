"""Limits on every input, checked before the work they guard.

A hostile or broken file must not exhaust memory or time: its size, what it expands to
(Office parts, PDF streams), its page count, the length of its text, of its longest line and
of its longest run of digits are checked before the parser or the extractor that would choke
on them runs, and each read (with extraction) runs under a time and memory limit in a child
process (`gxatlas.isolate`). Every limit has a name, a default, and is set by the
environment (``GXATLAS_LIMIT_<NAME>``, e.g. ``GXATLAS_LIMIT_MAX_PAGES=5000``) or by
``--limit NAME=VALUE`` on `gxatlas ingest` / `gxatlas extract`. A file over a limit gives one
line naming the file, what was found and the limit:

    plans/x.docx: 超出限制 (over a limit: part word/document.xml expands to 900.0 MB;
    max_part_mb = 64; raise it with --limit max_part_mb=N or GXATLAS_LIMIT_MAX_PART_MB)
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from gxatlas.errors import GxatlasError, InputError

__all__ = ["Limits", "DEFAULT", "exceeded", "check_text", "text_stats"]

_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Resource limits for reading one file (sizes in MB of 2**20 bytes)."""

    max_file_mb: float = 100.0  # the file as stored
    max_unzipped_mb: float = 256.0  # DOCX/XLSX: all parts as decompressed
    max_part_mb: float = 64.0  # DOCX/XLSX: one part as decompressed
    max_zip_entries: int = 10_000  # DOCX/XLSX: parts in the package
    max_pdf_stream_mb: float = 64.0  # PDF: one stream as decompressed
    max_pdf_streams_mb: float = 512.0  # PDF: all streams as decompressed
    max_pages: int = 2_000  # PDF pages
    max_markup_mb: float = 16.0  # HTML: the page before its text is extracted
    max_chars: int = 3_000_000  # characters of text (about 9 MB of Chinese in UTF-8)
    max_line_chars: int = 200_000  # characters of the longest line
    max_digit_run: int = 1_000  # the longest run of digits (Arabic or Chinese numerals)
    timeout_s: float = 300.0  # reading and extracting one file (0: no limit)
    max_memory_mb: float = 1_536.0  # memory the child process may add while reading one file

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by ``GXATLAS_LIMIT_<NAME>`` variables."""
        env = os.environ if environ is None else environ
        values = {f.name: env[f"GXATLAS_LIMIT_{f.name.upper()}"] for f in dataclasses.fields(cls)
                  if f"GXATLAS_LIMIT_{f.name.upper()}" in env}
        return cls().with_values(values.items(), origin="GXATLAS_LIMIT_")

    def with_values(self, items: Iterable[tuple[str, str]], *, origin: str = "--limit") -> Limits:
        """These limits with ``(name, value)`` pairs applied; a bad name or value is an error."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, float | int] = {}
        for name, raw in items:
            name = name.strip().lower()
            if name not in fields:
                raise GxatlasError(f"{origin}: 未知的限制 {name} (unknown limit; known: "
                                   f"{', '.join(fields)})")
            kind = int if fields[name].type in (int, "int") else float
            try:
                value = kind(str(raw).strip())
            except ValueError:
                raise GxatlasError(f"{origin}: {name}={raw} 不是数字 (not a number)") from None
            if value < 0 or value != value:
                raise GxatlasError(f"{origin}: {name}={raw} 不能为负数 (must be ≥ 0)")
            changes[name] = value
        return dataclasses.replace(self, **changes)

    @classmethod
    def parse(cls, specs: Iterable[str], *, base: Limits | None = None) -> Limits:
        """``base`` (default: `from_env`) with ``NAME=VALUE`` strings applied."""
        pairs = []
        for spec in specs:
            name, sep, value = spec.partition("=")
            if not sep:
                raise GxatlasError(f"--limit {spec}: 应为 NAME=VALUE (expected NAME=VALUE)")
            pairs.append((name, value))
        return (base or cls.from_env()).with_values(pairs)

    def bytes(self, name: str) -> int:
        """A limit given in MB, in bytes."""
        return int(getattr(self, name) * _MB)


DEFAULT = Limits()


def _size(n: float) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB else f"{int(n)} bytes"


def exceeded(source: str, name: str, found: str, limits: Limits) -> InputError:
    """The one-line error for a file over the limit ``name`` (``found`` says by how much)."""
    value = getattr(limits, name)
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return InputError(source, f"超出限制 (over a limit: {found}; {name} = {shown}; raise it with "
                              f"--limit {name}=N or GXATLAS_LIMIT_{name.upper()})")


def check_size(source: str, name: str, what: str, size: int, limits: Limits) -> None:
    """Raise when ``size`` bytes are over the MB limit ``name``."""
    if size > limits.bytes(name):
        raise exceeded(source, name, f"{what} {_size(size)}", limits)


_DIGIT_RUN = re.compile(r"[\d〇零一二两三四五六七八九十百千万亿]+")


@dataclass(frozen=True)
class TextStats:
    chars: int
    longest_line: int
    longest_digit_run: int


def text_stats(text: str) -> TextStats:
    """Length, longest line and longest run of digits of ``text``, in linear time."""
    longest = start = 0
    n = len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        longest = max(longest, end - start)
        start = end + 1
    run = max((m.end() - m.start() for m in _DIGIT_RUN.finditer(text)), default=0)
    return TextStats(chars=n, longest_line=longest, longest_digit_run=run)


def check_text(source: str, text: str, limits: Limits) -> None:
    """Raise when ``text`` is too long, has a too long line or a too long run of digits."""
    if len(text) > limits.max_chars:
        raise exceeded(source, "max_chars", f"the text has {len(text):,} characters", limits)
    stats = text_stats(text)
    if stats.longest_line > limits.max_line_chars:
        raise exceeded(source, "max_line_chars",
                       f"a line has {stats.longest_line:,} characters", limits)
    if stats.longest_digit_run > limits.max_digit_run:
        raise exceeded(source, "max_digit_run",
                       f"a run of {stats.longest_digit_run:,} digits", limits)
