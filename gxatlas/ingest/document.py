"""The Document: what every reader returns and what extraction reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One input file, decoded and normalized.

    ``text`` is the normalized text that extraction reads and that evidence spans point into.
    ``original`` is the decoded text before normalization. ``offsets[i]`` is the index in
    ``original`` of the character that produced ``text[i]`` (len(offsets) == len(text) + 1;
    the last entry is len(original)), so any span of ``text`` maps back to ``original``.
    """

    name: str  # the file name without its extension: the ``doc`` of the exchange format
    path: str
    sha256: str  # of the raw bytes
    format: str  # txt, pdf, docx, html, xlsx, csv
    encoding: str  # the encoding detected for text formats, "binary" otherwise
    variant: str  # "simplified" or "traditional": the script of the original
    title: str
    original: str
    text: str
    offsets: tuple[int, ...] = field(repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the span of ``original`` it came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}-{end} outside text of length {len(self.text)}")
        if start == end:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1

    def line_of(self, start: int) -> int:
        """1-based line number in ``original`` of a ``text`` offset (for human locators)."""
        o = self.offsets[min(start, len(self.text))]
        return self.original.count("\n", 0, o) + 1
