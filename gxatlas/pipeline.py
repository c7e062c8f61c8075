"""One file to its Document and facts, within the resource limits: what `gxatlas ingest`,
`gxatlas extract` and the API's document uploads all do with a file.

Reading and extraction run in a child process under the time and memory limits of
`gxatlas.ingest.limits.Limits` (`gxatlas.ingest.isolate`), so one hostile file costs at most
its limits and gives one error line naming it; the caller goes on with the next file.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from gxatlas.extract import extract
from gxatlas.extract.facts import Fact
from gxatlas.ingest import read
from gxatlas.ingest.document import Document
from gxatlas.ingest.isolate import run_limited
from gxatlas.ingest.limits import Limits

__all__ = ["read_and_extract", "read_file", "warm_up"]

_WARM_TEXT = "示例市到2025年工业总产值达到500亿元，示例高新技术产业开发区引进示例科技有限公司。"


def _read_and_extract(path: str, limits: Limits, gazetteer: Any) -> tuple[Document, list[Fact]]:
    doc = read(path, limits=limits)
    return doc, extract(doc, gazetteer=gazetteer)


def _read(path: str, limits: Limits) -> Document:
    return read(path, limits=limits)


def read_and_extract(path: str | os.PathLike[str], *, limits: Limits | None = None,
                     gazetteer: Any = None, fork: bool | None = None
                     ) -> tuple[Document, list[Fact]]:
    """The Document of ``path`` and its facts, read within ``limits`` (default: from the
    environment); raises InputError naming the file. ``fork``: see `run_limited`."""
    limits = limits or Limits.from_env()
    source = os.fspath(path)
    return run_limited(_read_and_extract, (source, limits, gazetteer), source=source,
                       limits=limits, fork=fork)


def read_file(path: str | os.PathLike[str], *, limits: Limits | None = None,
              fork: bool | None = None) -> Document:
    """The Document of ``path`` (no extraction), read within ``limits``."""
    limits = limits or Limits.from_env()
    source = os.fspath(path)
    return run_limited(_read, (source, limits), source=source, limits=limits, fork=fork)


def warm_up(gazetteer: Any = None) -> None:
    """Load the segmenter's dictionary and the gazetteer here, once, so that the children
    forked for each file start with them (a batch would otherwise load them per file);
    with the caller's ``gazetteer``, its matcher of known names too."""
    from gxatlas.ingest.document import Document as Doc

    text = _WARM_TEXT
    extract(Doc(name="warm-up", path="warm-up", sha256="", format="txt", encoding="utf-8",
                variant="simplified", title="", original=text, text=text,
                offsets=tuple(range(len(text) + 1))), gazetteer=gazetteer)
    # what is loaded now lasts the whole run: the collector leaves it alone from here on,
    # in this process and in the children it forks (which would otherwise copy the pages it
    # touches)
    gc.freeze()
