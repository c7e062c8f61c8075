"""Ingestion: files to :class:`Document` (decoded, text extracted, normalized).

    >>> from gxatlas.ingest import iter_files, read
    >>> docs = [read(p) for p in iter_files(["plans/"])]

``read`` raises :class:`gxatlas.errors.InputError` (one line naming the file) for any bad input.
"""

from __future__ import annotations

from gxatlas.ingest.document import Document
from gxatlas.ingest.read import MAX_BYTES, SUPPORTED, detect_variant, iter_files, read

__all__ = ["Document", "MAX_BYTES", "SUPPORTED", "detect_variant", "iter_files", "read"]
