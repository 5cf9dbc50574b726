"""Write the member-day rollup (rollup/: its tables and build queries) into a warehouse database.

Sync calls it on every new DuckDB build. For a warehouse queried in place (PostgreSQL, say),
`python cli.py rollup` creates or refreshes it there; until it exists, metrics compute the same rows
from `activities`. It is a snapshot: refresh it after the source tables change (from cron, say).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import clock
from engines import CLICKHOUSE
from rollup.build import (
    activity_days_query,
    activity_days_sorted_query,
    changes_rollup_query,
    member_days_query,
    member_groups_query,
    member_keys_query,
    member_months_query,
    member_windows_query,
)
from rollup.state import kept_text, windows_text
from rollup.tables import (
    BUILT_AT_KEY,
    DIALECT_ATTRIBUTE,
    KEPT_ATTRIBUTES,
    KEPT_IN_PLACE,
    KEPT_KEYS,
    KEPT_ONLY_IN_PLACE,
    KEPT_TABLES,
    TIMEZONE_KEY,
    VERSION,
    VERSION_KEY,
    WINDOWS_ATTRIBUTE,
    WINDOWS_KEY,
    activity_changes,
    activity_rollup,
    info,
    member_groups,
    member_keys,
    member_months,
    member_windows,
    rollup,
)
from rollup.windows import windows_to_keep as windows_on

HeldWindows = Collection[tuple[int, int]]  # the windows member_windows holds, [start, end) day numbers

BUILD_WORK_MEM = "256MB"  # PostgreSQL, this transaction only: the server's default 4MB spilled every sort to disk
# PostgreSQL, for one table's build: member_days groups activity_days per member and day, nearly one
# group per row (10.2M of 11.25M), which the planner takes for a tenth of that and hashes, then sorts
# anyway for the windows. Grouped by that sort instead: 36.5 -> 26.2 s at the large scale.
BUILD_SETTINGS = {"member_days": {"enable_hashagg": "off"}}
TABLES = (
    member_keys,
    member_groups,
    activity_rollup,
    rollup,
    member_months,
    activity_changes,
)  # in the order they are built
INDEXED = {  # the column each table's index is on (none on DuckDB, whose zone maps read ordered rows)
    "member_keys": "member_key",
    "member_groups": "group_key",
    "activity_days": "day",
    "member_days": "day",
    "member_months": "month",
    "activity_changes": "day",
    "member_windows": "end_day",
    "campaign_results": "campaign_id",
}  # the Engagement page's kept figures and the activity profile are a few thousand rows a view, read by a
# scan; lift_days (in place) is a row per member and start day, its few start days read by a scan too


def build_rollup(
    connection: Connection,
    *,
    timezone: str,
    windows: list[tuple[int, int]] | None = None,
    in_place: bool = False,
    keyed: bool = False,
) -> int:
    """Replace member_keys, member_groups, activity_days and member_days (days in `timezone`),
    member_months, activity_changes, member_windows (over `windows`, day numbers; by default
    windows_to_keep's) and the figures registered to be kept (KeptFigures): of a database queried
    `in_place` only those from the rollup alone (KEPT_IN_PLACE: its campaigns are read live), of a
    sync's build all but KEPT_ONLY_IN_PLACE; `keyed`: the activities carry their member's key (a
    sync's build: data_sources/keyed_rows.py). Records the zone, the rollup's version and the
    windows and figures kept; returns the member-days.
    Runs in the caller's transaction, so readers see the old tables or the new ones. ClickHouse's
    rollup keeps no windows and no figures."""
    if connection.dialect.name == CLICKHOUSE:  # no transactions there: built beside, then swapped in
        from data_sources import clickhouse

        return clickhouse.refresh_rollup(connection, timezone=timezone)
    for table in (*KEPT_TABLES, member_windows, *reversed(TABLES)):
        table.drop(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":  # sorts and groupings of millions of rows, in memory
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
    kept = windows_to_keep(timezone) if windows is None else windows
    builds = rollup_builds(timezone, dialect=connection.dialect.name, keyed=keyed)
    for table, query in [*builds, (member_windows, member_windows_query(kept))]:
        settings = BUILD_SETTINGS.get(table.name, {}) if connection.dialect.name == "postgresql" else {}
        for name, value in settings.items():
            connection.exec_driver_sql(f"SET LOCAL {name} = {value}")
        _create_table(connection, table, query.compile(connection, compile_kwargs={"literal_binds": True}))
        for name in settings:
            connection.exec_driver_sql(f"RESET {name}")
        if table is member_keys and connection.dialect.name == "postgresql":
            # The team's few keys, which an unfiltered view rules out (metrics.member_days.key_in_scope)
            # up to three times a query: without it, each was a scan of a million member keys.
            team = 'CREATE INDEX "ix_member_keys_team" ON "member_keys" ("member_key") WHERE is_team'
            connection.exec_driver_sql(team)
    keys = [key for key in KEPT if (key in KEPT_IN_PLACE if in_place else key not in KEPT_ONLY_IN_PLACE)]
    kept_ids = write_kept(connection, timezone=timezone, keys=keys, windows=kept) if keys else {}
    info.create(connection, checkfirst=True)
    built_at = clock.now().isoformat(timespec="seconds")
    state = {
        TIMEZONE_KEY: timezone,
        BUILT_AT_KEY: built_at,
        VERSION_KEY: VERSION,
        WINDOWS_KEY: windows_text(built_at, kept),
        **{key: kept_text(built_at, ids) for key, ids in kept_ids.items()},
    }
    connection.execute(sa.delete(info).where(info.c.key.in_([*state, *KEPT_KEYS])))
    connection.execute(sa.insert(info), [{"key": key, "value": value} for key, value in state.items()])
    return int(connection.execute(sa.select(sa.func.count()).select_from(rollup)).scalar_one())


def _create_table(connection: Connection, table: sa.Table, select: sa.sql.compiler.Compiled | None) -> None:
    """`CREATE TABLE … AS` the compiled `select` (None: no rows), its columns typed as `table` says,
    then its index (INDEXED; none on DuckDB, which reads ordered rows through zone maps instead),
    and on PostgreSQL its statistics, in this transaction: the next tables are built from it."""
    if select is None:
        table.create(connection)
    else:
        columns = ", ".join(_typed(column) for column in table.columns)
        connection.exec_driver_sql(f'CREATE TABLE "{table.name}" AS SELECT {columns} FROM ({select}) AS built')
    if connection.dialect.name != "duckdb" and table.name in INDEXED:
        # member_keys' and member_groups' keys are unique, and saying so lets PostgreSQL drop an
        # outer join to either whose columns a query does not read (metrics.member_days.member_days).
        unique = "UNIQUE " if table in (member_keys, member_groups) else ""
        key = INDEXED[table.name]
        connection.exec_driver_sql(f'CREATE {unique}INDEX "ix_{table.name}_{key}" ON "{table.name}" ("{key}")')
    if connection.dialect.name == "postgresql":
        # A new table has no column statistics, and the planner guessed from defaults: activity_days
        # merge-joined a million member keys it took for duplicates (35 s) instead of hashing them
        # (19 s), and the kept figures' queries took 13.5 s instead of 4.8. ANALYZE samples 30,000 rows.
        connection.exec_driver_sql(f'ANALYZE "{table.name}"')


KeptRows = Callable[[Connection, str], tuple[list[str], sa.Select | None]]
KeptIds = Callable[[Connection, str], list[str]]


@dataclass(frozen=True)
class Before:
    """What a share taken before an increment's update leaves out: the rows the increment appended
    are in the canonical tables already (the rollup's are not yet), so figures read from those
    tables must not count the appended activities (`activity_ids`) or the new members (`member_ids`)."""

    activity_ids: sa.Select
    member_ids: sa.Select


# (connection, timezone, the keys of some members, Before for the share before an increment's
# update and None for the one after) -> the query of the kept table's rows those members alone make
Share = Callable[[Connection, str, sa.Select, Before | None], sa.Select]
# (connection, the kept table, the touched members' share before and after an increment, their keys)
# -> the query of its new rows, or None where they cannot be told from those (computed whole then)
Merge = Callable[[Connection, sa.FromClause, sa.FromClause, sa.FromClause, sa.Select], sa.Select | None]


@dataclass(frozen=True)
class KeptFigures:
    """Figures of some of the kept views (metrics.filters.kept_views) that a metrics module keeps in a
    warehouse's rollup: written with it (build_rollup) and again by every increment of it
    (data_sources/increment.py): whole, or, given a `share` and a `merge`, from the rows the members
    it touches make before and after; a database queried in place keeps only those computed from the
    rollup alone (KEPT_IN_PLACE), and reads the others live (rollup.state.mark_dialect). `table`
    holds them; pulse_info's `key` lists what it holds (ids, rollup.state.kept_text) and the
    dialect's attribute (KEPT_ATTRIBUTES) is marked with that; `rows(connection, timezone)` gives
    those ids and the query of the table's rows (None: none) for the views it keeps today in
    `timezone` (the campaigns they list, or their start days; metrics.kept.views_kept), from the
    rollup just written, and `ids` those ids alone, when they come cheaper than with the query (an
    increment asks twice for each figure whether its table holds them); `share`, the rows some
    members alone make in them, and `merge`,
    how the table's rows follow from its rows and the touched members' share before and after (an
    increment only adds activities and members: `added_up` where the rows are counts); `reads`, the
    other canonical tables the figures come from, which an increment may replace whole (campaigns
    and their members): it then computes them whole.

    Registered by the metrics module that reads them, as it is imported (data_sources may not import
    metrics): metrics/campaigns.py keeps campaign_results, metrics/contributions.py the Engagement
    page's figures, metrics/retention.py the activity profile, metrics/levels.py the level
    changes (metrics/registered.py imports them all). A build made where none is registered keeps
    none of them, and an increment there says the rollup keeps none: figures are then computed,
    never read stale."""

    table: sa.Table
    key: str
    rows: KeptRows
    ids: KeptIds | None = None
    share: Share | None = None
    merge: Merge | None = None
    reads: frozenset[str] = frozenset()  # canonical tables besides members and activities it reads


def added_up(*counts: str) -> Merge:
    """A Merge for a table of `counts` by the other columns (each member's part adds up): its rows,
    less the touched members' share before, plus their share after; a row left at zero in every
    count goes, as a build never writes one."""

    def merge(
        connection: Connection, table: sa.FromClause, before: sa.FromClause, after: sa.FromClause, touched: sa.Select
    ) -> sa.Select:
        keys = [column.name for column in table.c if column.name not in counts]
        negated = (-before.c[name] for name in counts)
        both = sa.union_all(
            sa.select(*(table.c[name] for name in keys), *(table.c[name] for name in counts)),
            sa.select(*(before.c[name] for name in keys), *negated),
            sa.select(*(after.c[name] for name in keys), *(after.c[name] for name in counts)),
        ).subquery("both")
        sums = [sa.func.sum(both.c[name]).label(name) for name in counts]
        grouped = [both.c[name] for name in keys]
        return sa.select(*grouped, *sums).group_by(*grouped).having(sa.or_(*(total != 0 for total in sums)))

    return merge


KEPT: dict[str, KeptFigures] = {}  # by pulse_info key


def keep_figures(kept: KeptFigures) -> None:
    """Keep these figures in every rollup built or updated from now on (by this process)."""
    assert kept.key in KEPT_KEYS and kept.table in KEPT_TABLES, kept.key
    KEPT[kept.key] = kept


def write_kept(
    connection: Connection, *, timezone: str, keys: list[str] | None = None, windows: HeldWindows
) -> dict[str, list[str]]:
    """Replace the tables of the registered KeptFigures (or those of `keys`), computed from the
    rollup tables this transaction has just written in `timezone` (member_windows holding
    `windows`); what each keeps, by its key.

    Their queries are compiled by `compiled_for_kept`."""
    written = {}
    for key, kept in KEPT.items():
        if keys is not None and key not in keys:
            continue
        ids, query = kept.rows(connection, timezone)
        kept.table.drop(connection, checkfirst=True)
        compiled = None if query is None else compiled_for_kept(connection, timezone, query, windows=windows)
        _create_table(connection, kept.table, compiled)
        written[key] = ids
    return written


def compiled_for_kept(
    connection: Connection, timezone: str, query: sa.Select, *, windows: HeldWindows
) -> sa.sql.compiler.Compiled:
    """`query` compiled, its values written in, on a copy of the connection's dialect (the engine
    may serve others) marked so that it reads the rollup tables this transaction holds, in
    `timezone`, and the `windows` its member_windows holds (the connection's may be marked with
    none, or another build's), and computes every figure (marked with no kept figures, whose tables
    are being written). A kept window is a filtered read where computing it from member_days took
    most of the level counts' share of an increment (0.33 s of 10,000 members' at a million)."""
    dialect = copy.copy(connection.dialect)
    setattr(dialect, DIALECT_ATTRIBUTE, timezone)
    setattr(dialect, WINDOWS_ATTRIBUTE, frozenset(windows))
    for attribute in KEPT_ATTRIBUTES.values():
        setattr(dialect, attribute, frozenset())
    return query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})


def windows_to_keep(timezone: str) -> list[tuple[int, int]]:
    """The windows member_windows keeps (day numbers): those the kept views read today in
    `timezone` (rollup/windows.py): the view a page opens with and the fixed periods next to it. A
    view on another day or period computes its windows from member_days (metrics/member_periods.py)."""
    return windows_on(clock.today_in(timezone))


def rollup_builds(timezone: str, *, dialect: str = "", keyed: bool = False) -> list[tuple[sa.Table, sa.Select]]:
    """Each rollup table with the query that builds it (days in `timezone`) on the `dialect`
    named, in the order they are built; `keyed`: the activities carry their member's key."""
    postgres = dialect == "postgresql"  # what sorts there: rollup/build.py says why
    days = activity_days_sorted_query(timezone) if postgres else activity_days_query(timezone, keyed=keyed)
    queries = (
        member_keys_query(),
        member_groups_query(),
        days,
        member_days_query(timezone, one_order=postgres),
        member_months_query(),
        changes_rollup_query(),
    )
    return list(zip(TABLES, queries, strict=True))


def _typed(column: sa.Column) -> str:
    """The built column, with integers as INTEGER: left to the query, DuckDB stored counts as
    BIGINT and sums as HUGEINT, which made every aggregation over the rollup slower."""
    if isinstance(column.type, sa.Integer):
        return f'CAST("{column.name}" AS INTEGER) AS "{column.name}"'
    return f'"{column.name}"'
