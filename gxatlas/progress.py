"""Progress bars (Rich) for long CLI jobs, on standard error, with rows (or files) per second.

Shown only when standard error is a terminal, so pipes, logs and tests get no control codes.
``bar = progress("导入企业", unit="行")`` is a context manager; inside it ``bar.advance(n)``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

from rich.console import Console
from rich.progress import (BarColumn, Progress, ProgressColumn, SpinnerColumn, Task,
                           TextColumn, TimeElapsedColumn)
from rich.text import Text


class _Rate(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"… {self.unit}/s")


class _Count(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        done = f"{task.completed:,.0f}"
        return Text(f"{done}/{task.total:,.0f} {self.unit}" if task.total else f"{done} {self.unit}")


@dataclass
class Bar:
    """One task of a progress display; ``advance`` is a no-op when nothing is shown."""

    _progress: Progress | None
    _task: Any = None

    def advance(self, n: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def total(self, total: float | None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)


@contextlib.contextmanager
def progress(label: str, *, unit: str = "行", total: float | None = None,
             console: Console | None = None) -> Iterator[Bar]:
    """A progress bar for one long job (see module doc)."""
    con = console or Console(stderr=True)
    if not con.is_terminal:
        yield Bar(None)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), _Count(unit),
               _Rate(unit), TimeElapsedColumn())
    with Progress(*columns, console=con, transient=False) as prog:
        yield Bar(prog, prog.add_task(label, total=total))
