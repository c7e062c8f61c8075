"""The one exception family that the CLI turns into a one-line message and a non-zero exit."""

from __future__ import annotations

from dataclasses import dataclass


class GxatlasError(Exception):
    """A problem the user can act on. ``str(err)`` is the one-line message shown."""


class InputError(GxatlasError):
    """Bad input: names the file (and line, when known) and the problem."""

    def __init__(self, source: str, problem: str, *, line: int | None = None) -> None:
        self.source = str(source)
        self.problem = problem
        self.line = line
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes (ingest/isolate.py)
        return (_input_error, (type(self), self.source, self.problem, self.line))


def _input_error(cls: type[InputError], source: str, problem: str,
                 line: int | None) -> InputError:
    return cls(source, problem, line=line)


class DatabaseError(GxatlasError):
    """The knowledge base cannot be opened, read or written."""


@dataclass(frozen=True)
class RowProblem:
    """A problem of one row of an imported table (``line``), or of a series (``line`` None).

    Importers collect these and go on with the good rows; they are reported one a line."""

    line: int | None
    problem: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.problem}" if self.line is not None else self.problem
