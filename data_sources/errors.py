"""The domain errors of data sources (errors.PulseError): what is wrong, where, what to do.

Pages and the CLI catch them in their one place and show the message; they never show a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from errors import Lines, Listed, PulseError, Quote, Said, in_language


class DataSourceError(PulseError):
    """Raised when community data cannot be read, checked or built (the subclasses say which); an
    administrator reads `text(language)` (`user_message` in the log), which may name hosts, files
    and cells."""


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
    message: str  # a Said (catalog key and values), so the place and the message read in every language

    def __str__(self) -> str:
        return self.text("en")

    def said(self) -> str:
        """The place (file, row, column) and the message, as catalog messages (errors.Composed)."""
        where: list[str] = [self.file]
        if self.row is not None:
            where.append(Said("problem.row", row=self.row))
        if self.column is not None:
            where.append(Said("problem.column", column=self.column))
        return Said("problem.line", place=Listed(where, separator="problem.separator"), message=self.message)

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        """The place and the message in `language`; `quote` escapes the file, the column and the
        message's values (people's data)."""
        return in_language(self.said(), language, quote=quote)


# A column's line after its first InvalidData.SHOWN problems of a kind: how many rows more have it
# (data_sources.validate.more_rows; "…_one" for one row).
MORE_BAD, MORE_EMPTY, MORE_REPEATED = "error.cell.more_bad", "error.cell.more_empty", "error.cell.more_repeated"
MORE = (MORE_BAD, MORE_EMPTY, MORE_REPEATED)


class InvalidData(DataSourceError):
    """Raised when input is malformed; lists the problems (first ones in full) and changes nothing.
    `warnings` (each a Said) are what reading it found besides (a title row skipped, columns
    ignored), said beside the problems by the Data page and the CLI: the message is the problems."""

    SHOWN = 20

    def __init__(self, problems: list[Problem], *, warnings: Sequence[str] = ()) -> None:
        self.problems = problems
        self.warnings = list(dict.fromkeys(warnings))  # once each: a table's warnings may pass two readers
        super().__init__(self.text("en"))

    def said(self) -> str:
        """The first SHOWN problems, then how many more (a hidden line that counts a column's rows
        past its first ones, data_sources.validate.more_rows, counts as those rows)."""
        lines = [problem.said() for problem in self.problems[: self.SHOWN]]
        hidden = sum(_rows_of(problem) for problem in self.problems[self.SHOWN :])
        if hidden:
            lines.append(Said("error.more_problems", count=hidden))
        return Lines(lines)

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return in_language(self.said(), language, quote=quote)


def _rows_of(problem: Problem) -> int:
    """How many problems a line stands for: a column's "N more rows" line (validate.MORE) N, else one."""
    message = problem.message
    if isinstance(message, Said) and message.key.removesuffix("_one") in MORE:
        return int(message.values["count"])
    return 1


@dataclass(frozen=True)
class Shrink:
    """A table a sync or import would empty or cut deeply: its rows now and in the new data."""

    table: str
    before: int
    after: int
    origin: str  # the file, sheet or source the new rows come from

    def __str__(self) -> str:
        return self.text("en")

    def said(self) -> str:
        key = "data.shrink_line_one" if self.before == 1 else "data.shrink_line"
        return Said(key, before=self.before, after=self.after, origin=self.origin, table=self.table)

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return in_language(self.said(), language, quote=quote)


class ShrinkRefused(DataSourceError):
    """Raised when new data would empty a table or remove most of its rows and that was not
    confirmed (a partial export, a filtered view, a header-only file); nothing was changed."""

    def __init__(self, shrinks: list[Shrink]) -> None:
        self.shrinks = shrinks
        super().__init__(self.text("en"))

    def said(self) -> str:
        return Lines(
            [*(shrink.said() for shrink in self.shrinks), Said("data.shrink_unchanged", option="--allow-shrink")]
        )

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return in_language(self.said(), language, quote=quote)
