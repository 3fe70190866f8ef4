"""Errors the helpers raise, each with a message a student or instructor can act on.

Every error the package raises on purpose derives from :class:`CourseError`. In Jupyter such an
error is shown as its one-paragraph message rather than a Python traceback (IPython calls
``_render_traceback_`` when an exception defines it), because the traceback of a helper function
tells a student nothing they can act on; the message says what is wrong and what to do.
"""

from __future__ import annotations


class CourseError(Exception):
    """Base class: an error with a message meant for the person at the notebook."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class DataError(CourseError, ValueError):
    """A data file is missing or malformed; the message names file, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        where = []
        if file:
            where.append(file)
        if row is not None:
            where.append(f"row {row}" + (f" (line {line})" if line is not None else ""))
        if column:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class UsageError(CourseError, TypeError):
    """A helper was called with an argument of the wrong kind; the message says what it takes."""
