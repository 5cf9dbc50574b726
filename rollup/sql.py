"""The day constructs the rollup is built with and metrics read by, compiled per database.

Days are integers (days since 1970-01-01 in the community's time zone) so that windows such as
"the 30 days ending with d" are plain integer arithmetic on every engine; months are integers too.
metrics/sql.py has the rest of the small constructs (and `day_of`, the day in a view's zone).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class local_day(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """local_day(timestamp, timezone): the day number of a naive-UTC timestamp in a time zone."""

    type = sa.Integer()
    inherit_cache = True


@compiles(local_day)
def _local_day_default(element: local_day, compiler: SQLCompiler, **kw: object) -> str:
    stamp, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(({stamp} AT TIME ZONE 'UTC') AT TIME ZONE {zone} AS DATE) - DATE '1970-01-01')"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: object) -> str:
    stamp, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"pulse_local_day({stamp}, {zone})"


class utc_day(FunctionElement):  # noqa: N801
    """utc_day(timestamp): local_day for a community on UTC, without a time zone conversion per row
    (on DuckDB that conversion was most of the Overview's time at 10M activities)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: object) -> str:
    (stamp,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({stamp} AS DATE) - DATE '1970-01-01')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: object) -> str:
    (stamp,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday(substr({stamp}, 1, 10)) - 2440587.5 AS INTEGER)"


def week_start(day: sa.ColumnElement) -> sa.ColumnElement:
    """Day number of the Monday starting the week of `day` (1970-01-01 was a Thursday)."""
    return day - (day + sa.literal_column("3")) % sa.literal_column("7")


class month_of(FunctionElement):  # noqa: N801
    """month_of(day): months since January 1970 of a day number, so month buckets are integers too."""

    type = sa.Integer()
    inherit_cache = True


@compiles(month_of)
def _month_of_default(element: month_of, compiler: SQLCompiler, **kw: object) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    moment = f"(DATE '1970-01-01' + CAST({day} AS INTEGER))"
    return (
        f"(CAST(EXTRACT(YEAR FROM {moment}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {moment}) AS INTEGER) - 23641)"
    )


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: object) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    moment = f"({day}) * 86400, 'unixepoch'"
    return f"(CAST(strftime('%Y', {moment}) AS INTEGER) * 12 + CAST(strftime('%m', {moment}) AS INTEGER) - 23641)"


def day_in_zone(timestamp: sa.ColumnElement, timezone: str) -> sa.ColumnElement[int]:
    """The day number of a stored (naive UTC) timestamp in `timezone`."""
    if timezone == "UTC":
        return utc_day(timestamp)
    return local_day(timestamp, sa.literal(timezone, sa.String))
