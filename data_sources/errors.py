"""The domain errors of data sources (errors.PulseError): what is wrong, where, what to do.

Pages and the CLI catch them in their one place and show the message; they never show a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from errors import PulseError


class DataSourceError(PulseError):
    """Raised when community data cannot be read, checked or built (the subclasses say which); an
    administrator reads `user_message`, which may name hosts, files and cells."""


def reason(error: Exception) -> str:
    """The first line of a parser's error, to quote after the file it could not read."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class NotConfigured(DataSourceError):
    """Raised when no data is there yet: the warehouse was never built, or no source is set."""


class SourceUnavailable(DataSourceError):
    """Raised when a configured source exists but cannot be read (server down, file unreadable)."""


class SyncBusy(DataSourceError):
    """Raised when a sync is asked for while another one is running on the same data folder."""


@dataclass(frozen=True)
class Problem:
    """One bad value, located as a person would look for it."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class InvalidData(DataSourceError):
    """Raised when input is malformed; lists the problems (first ones in full) and changes nothing."""

    SHOWN = 20

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(problem) for problem in problems[: self.SHOWN]]
        if len(problems) > self.SHOWN:
            lines.append(f"… and {len(problems) - self.SHOWN} more problems.")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Shrink:
    """A table a sync or import would empty or cut deeply: its rows now and in the new data."""

    table: str
    before: int
    after: int
    origin: str  # the file, sheet or source the new rows come from

    def __str__(self) -> str:
        rows = "row" if self.before == 1 else "rows"
        return f"{self.origin}: {self.table} would go from {self.before:,} {rows} to {self.after:,}"


class ShrinkRefused(DataSourceError):
    """Raised when new data would empty a table or remove most of its rows and that was not
    confirmed (a partial export, a filtered view, a header-only file); nothing was changed."""

    def __init__(self, shrinks: list[Shrink]) -> None:
        self.shrinks = shrinks
        lines = [str(shrink) for shrink in shrinks]
        lines.append(
            "Nothing was changed. If the new data is right, confirm it: run again with --allow-shrink, "
            "or tick the box on the Data page."
        )
        super().__init__("\n".join(lines))
