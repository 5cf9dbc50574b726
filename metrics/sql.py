"""Small SQL constructs compiled per database, and the member scope every metric shares.

Days are integers (days since 1970-01-01 in the community's time zone) so that windows such as
"the 30 days ending with d" are plain integer arithmetic on every engine. The day constructs
(`local_day`, `utc_day`, `week_start`, `month_of`, `plus_days`) are in rollup/sql.py, which the rollup's build shares.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

import schema
from metrics.filters import Filters
from rollup.sql import CLICKHOUSE, day_in_zone, days_later, month_of, plus_days, week_start  # noqa: F401 - metrics take them from here


class contains_text(FunctionElement):  # noqa: N801
    """contains_text(text, needle): whether text holds needle (given lowered), ignoring case, with
    % and _ in the needle plain characters. Build it with `holds_text`."""

    type = sa.Boolean()
    inherit_cache = True


@compiles(contains_text)
def _contains_text_default(element: contains_text, compiler: SQLCompiler, **kw: object) -> str:
    text, needle = element.clauses
    escaped = needle
    for char, replacement in (("/", "//"), ("%", "/%"), ("_", "/_")):  # literal_column: % doubled where needed
        escaped = sa.func.replace(escaped, _quoted(char), _quoted(replacement))
    pattern = _quoted("%").concat(escaped).concat(_quoted("%"))
    return f"({compiler.process(sa.func.lower(text).like(pattern, escape='/'), **kw)})"


def _quoted(text: str) -> sa.ColumnElement[str]:
    return sa.literal_column(f"'{text}'", sa.String)


@compiles(contains_text, CLICKHOUSE)
def _contains_text_clickhouse(element: contains_text, compiler: SQLCompiler, **kw: object) -> str:
    # The dialect has no LIKE ... ESCAPE; ClickHouse's lower() is ASCII only, this search is not.
    text, needle = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(positionCaseInsensitiveUTF8({text}, {needle}) > 0)"


def holds_text(text: sa.ColumnElement, needle: str) -> contains_text:
    """Whether `text` contains `needle`, ignoring case."""
    return contains_text(text, sa.literal(needle.lower(), sa.String))


class listed(FunctionElement):  # noqa: N801
    """listed(column, values as one list, values as an expanding IN list): see one_of. Of no type:
    as a BOOLEAN, a database without one (SQLite) would be given `col IN (...) = 1`."""

    type = sa.types.NullType()
    inherit_cache = True


@compiles(listed)
def _listed(element: listed, compiler: SQLCompiler, **kw: object) -> str:
    column, _, each = element.clauses
    return compiler.process(column.in_(each), **kw)


@compiles(listed, "duckdb")
def _listed_duckdb(element: listed, compiler: SQLCompiler, **kw: object) -> str:
    column, values, _ = element.clauses
    return f"{compiler.process(column, **kw)} IN (SELECT unnest({compiler.process(values, **kw)}))"


@compiles(listed, "postgresql")
def _listed_postgresql(element: listed, compiler: SQLCompiler, **kw: object) -> str:
    column, values, _ = element.clauses
    return f"{compiler.process(column, **kw)} = ANY({compiler.process(values, **kw)})"


def one_of(column: sa.ColumnElement, values: Iterable[object]) -> listed:
    """Whether the column's value is one of `values`: bound as one list where the database takes
    one (DuckDB, PostgreSQL), else as an IN list. Ten thousand ids in an IN list took DuckDB
    0.22-0.29 s to bind and plan; as one list, 0.04 s."""
    given = list(values)
    return listed(
        column,
        sa.bindparam(None, given, type_=sa.ARRAY(column.type)),
        sa.bindparam(None, given, type_=column.type, expanding=True),
    )


def day_of(timestamp: sa.ColumnElement, filters: Filters) -> sa.ColumnElement[int]:
    """The day number of a stored (naive UTC) timestamp in the community's time zone."""
    return day_in_zone(timestamp, filters.timezone)


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


def sum_where(condition: sa.ColumnElement[bool], value: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """The sum of `value` over the rows that meet the condition (0, not NULL, over none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when the denominator is missing or zero."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)
