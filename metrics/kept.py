"""Figures the rollup keeps for the kept views (metrics.filters.kept_views; data_sources.rollup
.KeptFigures: the campaigns the kept views list, the Engagement page's counts, the activity
profile, the level changes), read in place of computing them where they are kept. `keep_by_view`
registers a metrics module's figures of one view by member combination, written for each kept
view; `of_view`, `summed` and `kept_view` read them back.

`Kept` is a FROM item with two definitions, as FromRollup is (metrics/member_days.py): `kept` reads
the kept table, `computed` derives the same rows. The choice is made as the statement is compiled
for a database, from the marks on its dialect (rollup.state.mark_dialect): the rollup's time zone
must be the view's, and every id the view needs (campaigns, the view's period, or the lift's start
days) among those the figures' table holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
from data_sources.rollup import Before, KeptFigures, Merge, keep_figures
from metrics.filters import Filters, day_number, kept_views
from metrics.sql import member_conditions
from rollup.tables import DIALECT_ATTRIBUTE, KEPT_ATTRIBUTES, READS_KEPT


@sa_internals.cache_key_includes(
    timezone=sa_internals.STRING,
    attribute=sa_internals.STRING,
    ids=sa_internals.STRING,
    kept=sa_internals.CLAUSE,
    computed=sa_internals.CLAUSE,
)
class Kept(TableClause):
    """Rows with the columns of `computed`: `kept` instead where the rollup in `timezone` keeps
    every one of `ids` in the table of pulse_info's `key` (KEPT_ATTRIBUTES names its mark)."""

    __visit_name__ = "pulse_kept"
    inherit_cache = True

    def __init__(
        self, name: str, *, key: str, timezone: str, ids: list[str], kept: sa.Select, computed: sa.Select
    ) -> None:
        super().__init__(name, *(sa.column(column.name, column.type) for column in computed.selected_columns))
        self.timezone = timezone
        self.attribute = KEPT_ATTRIBUTES[key]
        self.ids = json.dumps(sorted(ids), ensure_ascii=False)  # a string, as the cache key takes it
        self.kept = kept
        self.computed = computed


@compiles(Kept)
def _compile_kept(element: Kept, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    dialect, chosen = compiler.dialect, element.computed
    in_zone = getattr(dialect, DIALECT_ATTRIBUTE, None) == element.timezone
    wanted = frozenset(json.loads(element.ids))
    if in_zone and wanted and wanted <= getattr(dialect, element.attribute, frozenset()):
        chosen = element.kept
        setattr(compiler, READS_KEPT, True)  # Warehouse.run: in place, still what the rollup keeps?
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def period_id(filters: Filters) -> str:
    """How kept figures of one period name it: "start:end", day numbers."""
    return f"{day_number(filters.start)}:{day_number(filters.end)}"


def of_view(table: sa.Table, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """A kept table's rows of the view's period that its member filters keep: each row is of one
    member combination, so a filter's rows are among them."""
    return [table.c.view == period_id(filters), *member_conditions(filters, table, with_team=False)]


def summed(table: sa.Table, filters: Filters, *, by: Sequence[str], counts: Sequence[str]) -> sa.Select:
    """A kept table's `counts` of the view (of_view), summed over its member combinations by the
    `by` columns."""
    grouped = [table.c[name] for name in by]
    sums = (sa.cast(sa.func.sum(table.c[name]), sa.BigInteger).label(name) for name in counts)
    return sa.select(*grouped, *sums).where(*of_view(table, filters)).group_by(*grouped)


def kept_view(name: str, key: str, filters: Filters, kept: sa.Select, computed: sa.Select) -> Kept:
    """The view's rows: `kept`, read from the rollup's table of `key` where it keeps the view's
    period, else `computed`."""
    return Kept(name, key=key, timezone=filters.timezone, ids=[period_id(filters)], kept=kept, computed=computed)


def _of_views(views: list[Filters], rows: Callable[[Filters], sa.Select]) -> sa.CompoundSelect:
    """`rows` of each view, each row with its view's period first (the kept tables' `view`)."""
    return sa.union_all(
        *(
            sa.select(sa.literal(period_id(view), sa.String).label("view"), *rows(view).subquery("of_view").c)
            for view in views
        )
    )


def views_kept(connection: Connection, timezone: str) -> list[Filters]:
    """The views whose figures a rollup keeps: on DuckDB (a sync's build, where the Engagement
    page's three tables of the three views take about 2.7 s at a million members) every kept view; on another database,
    queried in place, whose `cli.py rollup` rebuilds the rollup where the app reads it, the default
    view's alone (on PostgreSQL the three views' took 19.5 s of it at a million members, the default
    view's 7.8 s on the same machine)."""
    views = kept_views(timezone)
    return views if connection.dialect.name == "duckdb" else views[:1]


def keep_by_view(
    table: sa.Table,
    key: str,
    *,
    figures: Callable[[Filters, sa.Select | None], sa.Select],
    merge: Merge,
    kept_of: Callable[[sa.FromClause], sa.Select] | None = None,
) -> None:
    """Keep `table`'s figures of today's kept views (views_kept, named by their periods):
    `figures` a view's rows by member combination, of the members with some keys when given (an
    increment's share, KeptFigures), `kept_of` the rows kept of them all (all, when not given)."""

    def of_views(views: list[Filters], keys: sa.Select | None) -> sa.FromClause:
        return _of_views(views, lambda view: figures(view, keys)).subquery("of_views")

    def kept_rows(connection: Connection, timezone: str) -> tuple[list[str], sa.Select | None]:
        views = views_kept(connection, timezone)
        rows = of_views(views, None)
        return [period_id(view) for view in views], kept_of(rows) if kept_of else sa.select(rows)

    def kept_ids(connection: Connection, timezone: str) -> list[str]:
        return [period_id(view) for view in views_kept(connection, timezone)]

    def kept_share(connection: Connection, timezone: str, keys: sa.Select, _before: Before | None) -> sa.Select:
        # from the rollup's tables alone, which an increment updates after the share before
        return sa.select(of_views(views_kept(connection, timezone), keys))

    keep_figures(KeptFigures(table=table, key=key, rows=kept_rows, ids=kept_ids, share=kept_share, merge=merge))
