"""Batch extraction behind `gxatlas extract`: files in, fact records out, failures reported.

Each file is read and extracted on its own; a file that fails (``InputError``) gives one line
on stderr naming it and the batch goes on. The caller gets the number of failed files.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, Callable, Iterator, Sequence

from gxatlas.errors import GxatlasError
from gxatlas.extract import extract
from gxatlas.extract.facts import Fact

__all__ = ["extract_files", "fact_rows"]

_TABLE_FIELDS = ("doc", "type", "name", "scope", "city", "unit", "baseline_year", "baseline_value",
                 "target_year", "target_value", "comparator")


@contextlib.contextmanager
def _output(out_path: str | None) -> Iterator[IO[str]]:
    if out_path is None:
        yield sys.stdout
        return
    with open(out_path, "w", encoding="utf-8") as fh:
        yield fh


def fact_rows(facts: Sequence[Fact]) -> list[list[str]]:
    """Facts as rows of short strings (for ``--format table``)."""
    rows = []
    for f in facts:
        rec = f.to_record()
        name = rec.get("name") or rec.get("title") or ""
        row = [str(rec.get(k, "") if k != "name" else name) for k in _TABLE_FIELDS]
        rows.append(["" if v == "None" else v for v in row])
    return rows


def _print_table(facts: Sequence[Fact], out: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*_TABLE_FIELDS, show_lines=False)
    for row in fact_rows(facts):
        table.add_row(*row)
    Console(file=out, width=200 if not out.isatty() else None).print(table)


def extract_files(paths: Sequence[str], *, fmt: str = "jsonl", out_path: str | None = None,
                  facts_of: Callable[[Path], list[Fact]] | None = None) -> int:
    """Extract every file under ``paths`` and write the facts; return the count of failures.

    ``facts_of(path)`` reads and extracts one file (default: in this process, without the
    resource limits; the CLI passes `gxatlas.pipeline.read_and_extract`)."""
    from gxatlas.ingest import iter_files, read

    if facts_of is None:
        def facts_of(file: Path) -> list[Fact]:
            return extract(read(file))

    failed = 0
    try:
        files: list[Path] = list(iter_files(paths))
    except GxatlasError as err:
        print(f"gxatlas: {err}", file=sys.stderr)
        return 1
    show_progress = sys.stdout.isatty() and len(files) > 1
    with _output(out_path) as out:
        progress = None
        task = None
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress

            progress = Progress(console=Console(stderr=True), transient=True)
            progress.start()
            task = progress.add_task("提取", total=len(files))
        try:
            for file in files:
                try:
                    facts = facts_of(file)
                except GxatlasError as err:
                    failed += 1
                    print(f"gxatlas: {err}", file=sys.stderr)
                    facts = []
                if fmt == "table":
                    if facts:
                        _print_table(facts, out)
                else:
                    for f in facts:
                        out.write(json.dumps(f.to_record(), ensure_ascii=False, default=str) + "\n")
                out.flush()
                if progress is not None and task is not None:
                    progress.advance(task)
        finally:
            if progress is not None:
                progress.stop()
    return failed
