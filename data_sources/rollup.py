"""Write the member-day rollup (rollup/: its tables and build queries) into a warehouse database.

Sync calls it on every new DuckDB build. For a warehouse queried in place (PostgreSQL, say),
`python cli.py rollup` creates or refreshes it there; until it exists, metrics compute the same rows
from `activities`. It is a snapshot: refresh it after the source tables change (from cron, say).
"""

from __future__ import annotations

import copy

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import clock
from engines import CLICKHOUSE
from metrics import campaigns
from metrics.filters import DEFAULT_PRESET, Filters, preset_period
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
from rollup.state import campaigns_text, windows_text
from rollup.tables import (
    BUILT_AT_KEY,
    CAMPAIGNS_ATTRIBUTE,
    CAMPAIGNS_KEY,
    DIALECT_ATTRIBUTE,
    TIMEZONE_KEY,
    VERSION,
    VERSION_KEY,
    WINDOWS_KEY,
    activity_changes,
    activity_rollup,
    campaign_results,
    info,
    member_groups,
    member_keys,
    member_months,
    member_windows,
    rollup,
)
from rollup.windows import windows_to_keep as windows_on

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
}


def build_rollup(connection: Connection, *, timezone: str, windows: list[tuple[int, int]] | None = None) -> int:
    """Replace member_keys, member_groups, activity_days and member_days (days in `timezone`),
    member_months, activity_changes, member_windows (over `windows`, day numbers; by default
    windows_to_keep's) and campaign_results (write_campaign_results), and record the zone, the
    rollup's version and the windows and campaigns kept; returns the member-days. Runs in the
    caller's transaction, so readers see the old tables or the new ones. ClickHouse's rollup keeps
    no windows and no campaigns."""
    if connection.dialect.name == CLICKHOUSE:  # no transactions there: built beside, then swapped in
        from data_sources import clickhouse

        return clickhouse.refresh_rollup(connection, timezone=timezone)
    for table in (campaign_results, member_windows, *reversed(TABLES)):
        table.drop(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":  # sorts and groupings of millions of rows, in memory
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
    kept = windows_to_keep(timezone) if windows is None else windows
    builds = rollup_builds(timezone, dialect=connection.dialect.name)
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
    if connection.dialect.name == "postgresql":  # campaign_results is planned knowing their sizes: 13.5 -> 6 s
        connection.exec_driver_sql('ANALYZE "member_keys", "member_groups", "member_days"')
    kept_campaigns = write_campaign_results(connection, timezone=timezone)
    info.create(connection, checkfirst=True)
    built_at = clock.now().isoformat(timespec="seconds")
    state = {
        TIMEZONE_KEY: timezone,
        BUILT_AT_KEY: built_at,
        VERSION_KEY: VERSION,
        WINDOWS_KEY: windows_text(built_at, kept),
        CAMPAIGNS_KEY: campaigns_text(built_at, kept_campaigns),
    }
    connection.execute(sa.delete(info).where(info.c.key.in_(list(state))))
    connection.execute(sa.insert(info), [{"key": key, "value": value} for key, value in state.items()])
    return int(connection.execute(sa.select(sa.func.count()).select_from(rollup)).scalar_one())


def _create_table(connection: Connection, table: sa.Table, select: sa.sql.compiler.Compiled) -> None:
    """`CREATE TABLE … AS` the compiled `select`, its columns typed as `table` says, then its index
    (INDEXED; none on DuckDB, which reads ordered rows through zone maps instead)."""
    columns = ", ".join(_typed(column) for column in table.columns)
    connection.exec_driver_sql(f'CREATE TABLE "{table.name}" AS SELECT {columns} FROM ({select}) AS built')
    if connection.dialect.name != "duckdb":
        # member_keys' and member_groups' keys are unique, and saying so lets PostgreSQL drop an
        # outer join to either whose columns a query does not read (metrics.member_days.member_days).
        unique = "UNIQUE " if table in (member_keys, member_groups) else ""
        key = INDEXED[table.name]
        connection.exec_driver_sql(f'CREATE {unique}INDEX "ix_{table.name}_{key}" ON "{table.name}" ("{key}")')


def write_campaign_results(connection: Connection, *, timezone: str) -> list[str]:
    """Replace campaign_results with the figures of the campaigns the default view lists today in
    `timezone` (metrics.campaigns.results_query by member combination, from the rollup's member-days
    in that zone, which must be written); returns their ids.

    The lift goes through every member-day of each campaign's two months: on PostgreSQL at a million
    members 2.6-4 s of the Campaigns page, for the two campaigns the default view lists; here they
    are computed once per build (and again by an increment, data_sources/increment.py)."""
    today = clock.today_in(timezone)
    start, end = preset_period(DEFAULT_PRESET, today=today)
    view = Filters(start=start, end=end, timezone=timezone)
    listed = pd.DataFrame(connection.execute(campaigns.campaigns_query(filters=view)).mappings().all())
    ids = [] if listed.empty else [str(campaign) for campaign in listed["campaign_id"]]
    starts = [] if listed.empty else [stamp.to_pydatetime() for stamp in pd.to_datetime(listed["starts_at"])]
    # Compiled to read the rollup just written (the connection's dialect is marked, if at all, with
    # the rollup it had before) and never campaign_results itself; a copy, as the engine serves others.
    dialect = copy.copy(connection.dialect)
    setattr(dialect, DIALECT_ATTRIBUTE, timezone)
    setattr(dialect, CAMPAIGNS_ATTRIBUTE, frozenset())
    query = campaigns.results_query(filters=view, starts=starts, by_members=True) if ids else _no_results()
    campaign_results.drop(connection, checkfirst=True)
    _create_table(connection, campaign_results, query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return ids


def _no_results() -> sa.Select:
    """campaign_results' columns, no rows: no campaign runs in the default view."""
    return sa.select(*(sa.cast(sa.null(), column.type).label(column.name) for column in campaign_results.c)).where(
        sa.false()
    )


def windows_to_keep(timezone: str) -> list[tuple[int, int]]:
    """The windows member_windows keeps (day numbers): those the default view reads today in
    `timezone` (rollup/windows.py), the view a page opens with. A view on another day or period
    computes its windows from member_days (metrics/member_periods.py)."""
    return windows_on(clock.today_in(timezone))


def rollup_builds(timezone: str, *, dialect: str = "") -> list[tuple[sa.Table, sa.Select]]:
    """Each rollup table with the query that builds it (days in `timezone`) on the `dialect`
    named, in the order they are built."""
    postgres = dialect == "postgresql"  # what sorts there: rollup/build.py says why
    days = activity_days_sorted_query(timezone) if postgres else activity_days_query(timezone)
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


def refresh_statistics(engine: Engine) -> None:
    """After a rebuild on PostgreSQL: ANALYZE the new tables, so the planner knows their sizes
    before autovacuum gets to them. DuckDB and SQLite need nothing."""
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(f'"{table.name}"' for table in (*TABLES, member_windows, campaign_results))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"ANALYZE {names}")
