"""The one evidence builder: a span of the normalized text, mapped back to the original."""

from __future__ import annotations

from gxatlas.extract.facts import Evidence
from gxatlas.extract.values import Alignment
from gxatlas.ingest.document import Document

__all__ = ["evidence"]

QUOTE_MAX = 200


def evidence(doc: Document, start: int, end: int, *, alignment: Alignment | str = Alignment.EXACT,
             reason: str | None = None) -> Evidence:
    """Evidence for ``doc.text[start:end]`` (clamped to the text), with the span of the
    original it came from and a short quote."""
    start = max(0, min(start, len(doc.text)))
    end = max(start, min(end, len(doc.text)))
    o_start, o_end = doc.to_original(start, end)
    return Evidence(doc=doc.name, start=start, end=end, alignment=Alignment(alignment),
                    reason=reason, orig_start=o_start, orig_end=o_end,
                    quote=doc.text[start:end][:QUOTE_MAX])
