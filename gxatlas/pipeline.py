"""One file to its Document and facts, within the resource limits: what `gxatlas ingest`,
`gxatlas extract` and the API's document uploads all do with a file.

Reading and extraction run in a child process under the time and memory limits of
`gxatlas.ingest.limits.Limits` (`gxatlas.ingest.isolate`), so one hostile file costs at most
its limits and gives one error line naming it; the caller goes on with the next file.
"""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple

from gxatlas.extract import extract, extract_with_profile
from gxatlas.extract.facts import Fact
from gxatlas.extract.profile import Profile
from gxatlas.ingest import read
from gxatlas.ingest.document import Document
from gxatlas.ingest import isolate
from gxatlas.ingest.isolate import run_limited
from gxatlas.ingest.limits import Limits

__all__ = ["BatchReader", "Reading", "batch_reader", "read_and_extract", "read_file", "warm_up"]

_WARM_TEXT = "示例市到2025年工业总产值达到500亿元，示例高新技术产业开发区引进示例科技有限公司。"


class Reading(NamedTuple):
    """One file read and extracted: the Document, its facts and its profile (as extraction
    made it, for storing to record without annotating the document again)."""

    doc: Document
    facts: list[Fact]
    profile: Profile


def _read_and_extract(path: str, limits: Limits, gazetteer: Any = None) -> Reading:
    doc = read(path, limits=limits)
    facts, profile = extract_with_profile(doc, gazetteer=gazetteer)
    return Reading(doc, facts, profile)


def _read(path: str, limits: Limits) -> Document:
    return read(path, limits=limits)


def read_and_extract(path: str | os.PathLike[str], *, limits: Limits | None = None,
                     gazetteer: Any = None, fork: bool | None = None) -> Reading:
    """The ``Reading`` of ``path`` (its Document, facts and profile), read within ``limits``
    (default: from the environment); raises InputError naming the file. ``fork``: see
    `run_limited`."""
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


@dataclass(frozen=True)
class BatchReader:
    """``read(path)``: the ``Reading`` of one file of a batch, read within the limits as
    ``read_and_extract`` reads it; ``know(gazetteer)``: the names the caller knows
    (`gxatlas.kb.names.known_names`), used for the files read after."""

    read: Callable[[str | os.PathLike[str]], Reading]
    know: Callable[[Any], None]


@contextlib.contextmanager
def batch_reader(*, limits: Limits | None = None, warm: bool = True) -> Iterator[BatchReader]:
    """Read and extract the files of a batch (see ``BatchReader``): what reading needs is
    loaded here once (``warm_up``; ``warm=False`` for a single file, whose child may as well
    load it), then each file is read in a child forked from one process made now
    (`gxatlas.ingest.isolate.forker`), so that what the caller loads and does afterwards
    (open the KB, store documents between reads) does not make each child costlier. Enter
    it while this process has one thread (before a progress bar starts)."""
    limits = limits or Limits.from_env()
    if warm:
        warm_up()
    if not limits.timeout_s and not limits.max_memory_mb:  # no limits: in this process
        known: dict[str, Any] = {}

        def read_here(path: str | os.PathLike[str]) -> Reading:
            return _read_and_extract(os.fspath(path), limits, known.get("gazetteer"))

        yield BatchReader(read=read_here, know=lambda gazetteer: known.update(gazetteer=gazetteer))
        return
    if not isolate.FORKER:  # each child forked from here (see ``isolate.FORKER``)
        given: dict[str, Any] = {}

        def read_forked(path: str | os.PathLike[str]) -> Reading:
            return read_and_extract(path, limits=limits, gazetteer=given.get("gazetteer"),
                                    fork=True)

        def know_here(gazetteer: Any) -> None:
            given.update(gazetteer=gazetteer)
            if warm:
                warm_up(gazetteer)

        yield BatchReader(read=read_forked, know=know_here)
        return
    with isolate.forker(_read_and_extract, prepare=warm_up if warm else None) as fork:
        yield BatchReader(read=lambda path: fork.run((os.fspath(path), limits),
                                                     source=os.fspath(path), limits=limits),
                          know=fork.add)
