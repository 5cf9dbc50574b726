"""Small SQL constructs compiled per database, and the member scope every metric shares.

Days are integers (days since 1970-01-01 in the community's time zone) so that windows such as
"the 30 days ending with d" are plain integer arithmetic on every engine.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

import schema
from metrics.filters import Filters


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


class plus_days(FunctionElement):  # noqa: N801
    """plus_days(timestamp, n): the timestamp n days later (n is a whole number from code)."""

    type = sa.DateTime()
    inherit_cache = True


def _stamp_and_days(element: plus_days, compiler: SQLCompiler, **kw: object) -> tuple[str, int]:
    stamp, days = element.clauses
    return compiler.process(stamp, **kw), int(days.value)


@compiles(plus_days)
def _plus_days_default(element: plus_days, compiler: SQLCompiler, **kw: object) -> str:
    stamp, days = _stamp_and_days(element, compiler, **kw)
    return f"({stamp} + INTERVAL '{days} days')"


@compiles(plus_days, "duckdb")
def _plus_days_duckdb(element: plus_days, compiler: SQLCompiler, **kw: object) -> str:
    stamp, days = _stamp_and_days(element, compiler, **kw)
    return f"({stamp} + INTERVAL ({days}) DAY)"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: SQLCompiler, **kw: object) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'; keep the microseconds so text comparison stays exact.
    stamp, days = _stamp_and_days(element, compiler, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%S', {stamp}, '{days:+d} days') || substr({stamp}, 20))"


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


def day_of(timestamp: sa.ColumnElement, filters: Filters) -> sa.ColumnElement[int]:
    """The day number of a stored (naive UTC) timestamp in the community's time zone."""
    if filters.timezone == "UTC":
        return utc_day(timestamp)
    return local_day(timestamp, sa.literal(filters.timezone, sa.String))


def days_later(timestamp: sa.ColumnElement, days: int) -> plus_days:
    return plus_days(timestamp, sa.literal(int(days), literal_execute=True))


def week_start(day: sa.ColumnElement) -> sa.ColumnElement:
    """Day number of the Monday starting the week of `day` (1970-01-01 was a Thursday)."""
    return day - (day + sa.literal_column("3")) % sa.literal_column("7")


def member_conditions(
    filters: Filters, source: sa.FromClause = schema.members, *, with_team: bool = True
) -> list[sa.ColumnElement[bool]]:
    """Members a community metric counts: never team members; filters narrow further. `source` is
    any table with the members' dimension columns and, unless `with_team` is off (a source that
    has left the team out already), is_team (members, member_keys)."""
    conditions: list[sa.ColumnElement[bool]] = [source.c.is_team == sa.false()] if with_team else []
    for dimension in schema.MEMBER_DIMENSIONS:
        value = getattr(filters, dimension)
        if value:
            conditions.append(source.c[dimension] == value)
    return conditions


def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet the condition (0, not NULL, over no rows)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when the denominator is missing or zero."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


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
