"""The day constructs the rollup is built with and metrics read by, compiled per database.

Days are integers (days since 1970-01-01 in the community's time zone) so that windows such as
"the 30 days ending with d" are plain integer arithmetic on every engine; months are integers too.
metrics/sql.py has the rest of the small constructs (and `day_of`, the day in a view's zone).

ClickHouse (dialect `clickhousedb`) gets its own SQL for each, and for what it does otherwise than
the SQL standard: `lag` and `lead` give a non-Nullable column's default (0) instead of NULL past the
partition's edge, so they are given the value as Nullable; `count(DISTINCT x)` is said as
`uniqExact(x)`, never the approximate `uniq`. The session settings the rest relies on (NULL from
an outer join's missing side and from an aggregate over no rows) are engines.CLICKHOUSE_SETTINGS.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.functions import FunctionElement, ReturnTypeFromArgs, count

CLICKHOUSE = "clickhousedb"  # clickhouse-connect's SQLAlchemy dialect


class local_day(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """local_day(timestamp, timezone): the day number of a naive-UTC timestamp in a time zone."""

    type = sa.Integer()
    inherit_cache = True


@compiles(local_day)
def _local_day_default(element: local_day, compiler: SQLCompiler, **kw: object) -> str:
    stamp, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(({stamp} AT TIME ZONE 'UTC') AT TIME ZONE {zone} AS DATE) - DATE '1970-01-01')"


@compiles(local_day, CLICKHOUSE)
def _local_day_clickhouse(element: local_day, compiler: SQLCompiler, **kw: object) -> str:
    # toDate32 (1900-2299; toDate stops at 1970) in the zone given; as an integer, days since 1970.
    stamp, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"toInt32(toDate32({stamp}, {zone}))"


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


@compiles(utc_day, CLICKHOUSE)
def _utc_day_clickhouse(element: utc_day, compiler: SQLCompiler, **kw: object) -> str:
    # The zone is named, so a server whose own time zone is not UTC counts the same days.
    (stamp,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"toInt32(toDate32({stamp}, 'UTC'))"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: object) -> str:
    (stamp,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday(substr({stamp}, 1, 10)) - 2440587.5 AS INTEGER)"


def week_start(day: sa.ColumnElement) -> sa.ColumnElement:
    """Day number of the Monday starting the week of `day` (1970-01-01 was a Thursday).

    Every engine's % keeps the dividend's sign, so the remainder is brought into 0..6 before days
    before 1970 (negative numbers) are taken back to their Monday."""
    seven = sa.literal_column("7", sa.Integer)
    return day - ((day + sa.literal_column("3")) % seven + seven) % seven


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


@compiles(month_of, CLICKHOUSE)
def _month_of_clickhouse(element: month_of, compiler: SQLCompiler, **kw: object) -> str:
    # toRelativeMonthNum is year * 12 + month; January 1970 is 23641.
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(toRelativeMonthNum(addDays(toDate32('1970-01-01'), {day})) - 23641)"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element: month_of, compiler: SQLCompiler, **kw: object) -> str:
    # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT returns numeric, and on the cohort grid's
    # 1.6 million member-months at a million members its arithmetic took twice date_part's time.
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    moment = f"(DATE '1970-01-01' + CAST({day} AS INTEGER))"
    year, month = (f"CAST(date_part('{part}', {moment}) AS INTEGER)" for part in ("year", "month"))
    return f"({year} * 12 + {month} - 23641)"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: object) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    moment = f"({day}) * 86400, 'unixepoch'"
    return f"(CAST(strftime('%Y', {moment}) AS INTEGER) * 12 + CAST(strftime('%m', {moment}) AS INTEGER) - 23641)"


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


@compiles(plus_days, CLICKHOUSE)
def _plus_days_clickhouse(element: plus_days, compiler: SQLCompiler, **kw: object) -> str:
    stamp, days = _stamp_and_days(element, compiler, **kw)
    return f"addDays({stamp}, {days})"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: SQLCompiler, **kw: object) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'; keep the microseconds so text comparison stays exact.
    stamp, days = _stamp_and_days(element, compiler, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%S', {stamp}, '{days:+d} days') || substr({stamp}, 20))"


def days_later(timestamp: sa.ColumnElement, days: int) -> plus_days:
    return plus_days(timestamp, sa.literal(int(days), literal_execute=True))


def day_in_zone(timestamp: sa.ColumnElement, timezone: str) -> sa.ColumnElement[int]:
    """The day number of a stored (naive UTC) timestamp in `timezone`."""
    if timezone == "UTC":
        return utc_day(timestamp)
    return local_day(timestamp, sa.literal(timezone, sa.String))


class lag(ReturnTypeFromArgs):  # noqa: N801 - `sa.func.lag` builds this one
    """lag(value) over a window: the previous row's value, NULL on a partition's first row."""

    inherit_cache = True


class lead(ReturnTypeFromArgs):  # noqa: N801 - `sa.func.lead` builds this one
    """lead(value) over a window: the next row's value, NULL on a partition's last row."""

    inherit_cache = True


@compiles(lag, CLICKHOUSE)
@compiles(lead, CLICKHOUSE)
def _neighbour_clickhouse(element: lag | lead, compiler: SQLCompiler, **kw: object) -> str:
    # On a non-Nullable column ClickHouse gives the type's default (0) where there is no neighbour.
    values = ", ".join(f"toNullable({compiler.process(arg, **kw)})" for arg in element.clauses)
    return f"{element.name}({values})"


@compiles(count, CLICKHOUSE)
def _count_clickhouse(element: count, compiler: SQLCompiler, **kw: object) -> str:
    """count(DISTINCT x) as uniqExact(x), exact whatever the server's count_distinct_implementation."""
    arguments = element.clauses.clauses
    distinct = [a for a in arguments if isinstance(a, UnaryExpression) and a.operator is operators.distinct_op]
    if len(arguments) == 1 and distinct:
        return f"uniqExact({compiler.process(distinct[0].element, **kw)})"
    return compiler.visit_function(element, **kw)  # type: ignore[arg-type]  # the compiler's own keywords
