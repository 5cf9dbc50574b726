"""The warehouse on ClickHouse: its table layout, the sync's bulk load in Arrow form, and the
member-day rollup written there (docs/clickhouse.md).

Every table is a MergeTree sorted by the keys its queries narrow on: activities by time (a period
reads only its granules), the rollup's day tables by day, members and campaigns by their ids. A
build never changes a table in use: it writes `<table>__next` tables (the build's queries are the
usual ones, pointed at the staged tables), then swaps each with `EXCHANGE TABLES` (atomic, on the
Atomic database engine ClickHouse uses by default) and drops what was swapped out. Nothing is
updated in place, so no table needs a ReplacingMergeTree (whose duplicates, until a merge, would
count twice unless every query read it with FINAL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import visitors

import clock
import schema
from data_sources.rollup import TABLES as ROLLUP_TABLES
from data_sources.rollup import rollup_builds
from engines import CLICKHOUSE, create_engine
from errors import Said
from rollup.tables import BUILT_AT_KEY, TIMEZONE_KEY, VERSION, VERSION_KEY, info, rollup

STAGED = "__next"  # suffix of a build's tables until they are swapped in
INSERT_ROWS = 1_000_000  # rows per Arrow insert: a few dozen MB, a handful of parts per insert
TYPES: dict[type, str] = {
    sa.String: "String",
    sa.DateTime: "DateTime64(6, 'UTC')",  # naive UTC, whatever the server's own time zone
    sa.Boolean: "Bool",
    sa.Float: "Float64",
    sa.Integer: "Int32",
}
ARROW_TYPES: dict[type, pa.DataType] = {
    sa.String: pa.string(),
    sa.DateTime: pa.timestamp("us"),
    sa.Boolean: pa.bool_(),
    sa.Float: pa.float64(),
    sa.Integer: pa.int32(),
}
ORDER_BY: dict[str, tuple[str, ...]] = {
    # canonical tables: a period narrows activities by time; the rest are joined or looked up by id
    "members": ("member_id",),
    "activities": ("occurred_at", "member_id"),
    "campaigns": ("campaign_id",),
    "campaign_members": ("campaign_id", "member_id", "status"),
    # the rollup: metrics read a period's days, the members' dimensions by key, months by month
    "member_keys": ("member_key",),
    "member_groups": ("group_key",),
    "activity_days": ("day", "member_key"),
    "member_days": ("day", "member_key"),
    "member_months": ("month", "member_key"),
    "activity_changes": ("day",),
    "pulse_info": ("key",),
}
PARTITION_BY = {"activities": "toYYYYMM(occurred_at)"}  # months: a rebuild or TTL drops whole parts


NO_TABLE = {60: "UNKNOWN_TABLE", 81: "UNKNOWN_DATABASE"}  # ClickHouse's error codes a person can act on
NO_COLUMN = {47: "UNKNOWN_IDENTIFIER", 16: "NO_SUCH_COLUMN_IN_TABLE"}
TIMEOUT = {159: "TIMEOUT_EXCEEDED"}


def failure(error: BaseException, *, database: str) -> Said | None:
    """What a person reads about a ClickHouse error that names what to fix (a table or column it
    does not have, its time limit), or None for any other; `database` is the one the URL names."""
    text = str(error)
    code = re.search(r"Code: (\d+)\.", text)
    if code is None:
        return None
    number = int(code.group(1))
    # The engine's sentence, without the statement it quotes after "In scope" and the version.
    reason = text[code.start() :].split(" In scope ", 1)[0].split(" (version ", 1)[0].strip()
    quoted_name = re.search(r"['`]([^'`]+)['`]", reason)
    name = quoted_name.group(1) if quoted_name else ""
    if number in NO_TABLE:
        name = name or (re.search(r"(?:Table|Database) (\S+) does not exist", reason) or [None, "?"])[1]
        return Said("error.warehouse.clickhouse_no_table", name=name, database=database)
    if number in NO_COLUMN:
        return Said("error.warehouse.clickhouse_no_column", name=name or "?", reason=reason)
    if number in TIMEOUT:
        return Said("error.warehouse.clickhouse_timeout", reason=reason)
    return None


def is_clickhouse(url: str) -> bool:
    """Whether a warehouse URL is a ClickHouse server's (clickhouse-connect's dialect)."""
    return url.startswith(CLICKHOUSE)


def quoted(name: str) -> str:
    return f'"{name}"'


def column_type(column: sa.Column) -> str:
    """The ClickHouse type of a column: Nullable where the column may be NULL (ClickHouse columns
    are not, by default, and would store 0 or '' instead)."""
    base = TYPES[type(column.type)]
    return f"Nullable({base})" if column.nullable and not column.primary_key else base


def create_table_sql(table: sa.Table, name: str) -> str:
    """CREATE TABLE for `table`'s columns under `name`, a MergeTree ordered by the table's keys."""
    columns = ", ".join(f"{quoted(column.name)} {column_type(column)}" for column in table.columns)
    order = ", ".join(quoted(key) for key in ORDER_BY[table.name])
    partition = f" PARTITION BY {PARTITION_BY[table.name]}" if table.name in PARTITION_BY else ""
    return f"CREATE TABLE {quoted(name)} ({columns}) ENGINE = MergeTree{partition} ORDER BY ({order})"


def staged_tables(tables: Iterable[sa.Table]) -> dict[sa.Table, sa.Table]:
    """A `<name>__next` twin of each table, for a build to write before it is swapped in."""
    metadata = sa.MetaData()
    return {table: table.to_metadata(metadata, name=table.name + STAGED) for table in tables}


def restaged(statement: sa.Select, staged: dict[sa.Table, sa.Table]) -> sa.Select:
    """The statement reading the staged twins of the tables in `staged` instead of the tables."""

    def replace(element: visitors.ExternallyTraversible) -> visitors.ExternallyTraversible | None:
        if isinstance(element, sa.Table) and element in staged:
            return staged[element]
        if isinstance(element, sa.Column) and isinstance(element.table, sa.Table) and element.table in staged:
            return staged[element.table].c[element.name]
        return None

    # Its overloads take column elements or traversibles; a Select is one, which the stubs do not say.
    restated = visitors.replacement_traverse(statement, {}, replace)  # type: ignore[call-overload]
    assert isinstance(restated, sa.Select)
    return restated


def arrow_table(table: sa.Table, frame: pd.DataFrame) -> pa.Table:
    """A frame's columns of `table` as an Arrow table of the types the ClickHouse table has."""
    fields = [pa.field(column.name, ARROW_TYPES[type(column.type)]) for column in table.columns]
    return pa.Table.from_pandas(
        frame[[column.name for column in table.columns]], schema=pa.schema(fields), preserve_index=False
    )


def insert_arrow(connection: Connection, name: str, data: pa.Table) -> None:
    """Bulk inserts of an Arrow table, INSERT_ROWS rows each (clickhouse-connect sends each as
    `INSERT … FORMAT Arrow`), so a request body stays bounded however large the table."""
    client = connection.connection.dbapi_connection.client  # type: ignore[union-attr]
    for start in range(0, data.num_rows, INSERT_ROWS):
        client.insert_arrow(name, data.slice(start, INSERT_ROWS))


def _drop_staged(connection: Connection, staged: dict[sa.Table, sa.Table]) -> None:
    for twin in staged.values():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quoted(twin.name)}")


def _exists(connection: Connection, name: str) -> bool:
    return bool(connection.exec_driver_sql(f"EXISTS TABLE {quoted(name)}").scalar())


def swap_in(connection: Connection, staged: dict[sa.Table, sa.Table]) -> None:
    """Each staged table takes its table's place (EXCHANGE TABLES, atomic per table); what it
    replaced is dropped. `pulse_info` last, so the rollup's version is recorded once all is in."""
    for table, twin in sorted(staged.items(), key=lambda pair: pair[0].name == info.name):
        if _exists(connection, table.name):
            connection.exec_driver_sql(f"EXCHANGE TABLES {quoted(twin.name)} AND {quoted(table.name)}")
            connection.exec_driver_sql(f"DROP TABLE {quoted(twin.name)}")
        else:
            connection.exec_driver_sql(f"RENAME TABLE {quoted(twin.name)} TO {quoted(table.name)}")


def write_rollup(connection: Connection, *, timezone: str, staged: dict[sa.Table, sa.Table]) -> int:
    """Build the rollup's tables into their staged twins (reading the staged canonical tables too,
    when `staged` has them); returns the member-days."""
    for table, query in rollup_builds(timezone):
        twin = staged[table]
        connection.exec_driver_sql(create_table_sql(table, twin.name))
        select = restaged(query, staged).compile(connection, compile_kwargs={"literal_binds": True})
        columns = ", ".join(quoted(column.name) for column in table.columns)
        connection.exec_driver_sql(
            f"INSERT INTO {quoted(twin.name)} ({columns}) SELECT {columns} FROM ({select}) AS built"
        )
    count = sa.select(sa.func.count()).select_from(staged[rollup])
    return int(connection.execute(count).scalar_one())


def _write_info(connection: Connection, twin: sa.Table, rows: dict[str, str]) -> None:
    connection.exec_driver_sql(create_table_sql(info, twin.name))
    insert_arrow(connection, twin.name, pa.table({"key": list(rows), "value": list(rows.values())}))


def _rollup_state(timezone: str) -> dict[str, str]:
    built_at = clock.now().isoformat(timespec="seconds")
    return {TIMEZONE_KEY: timezone, BUILT_AT_KEY: built_at, VERSION_KEY: VERSION}


def build_clickhouse(url: str, frames: dict[str, pd.DataFrame], *, timezone: str, stamp: dict[str, str]) -> int:
    """Write the canonical frames (one Arrow insert per table), the member-day rollup (days in
    `timezone`) and pulse_info (with `stamp`) into the ClickHouse database at `url` beside the tables
    in use, then swap them in; returns the member-days. On failure the tables in use stay."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return _build(connection, frames, timezone=timezone, stamp=stamp)
    finally:
        engine.dispose()


def _build(connection: Connection, frames: dict[str, pd.DataFrame], *, timezone: str, stamp: dict[str, str]) -> int:
    staged = staged_tables([*schema.metadata.sorted_tables, *ROLLUP_TABLES, info])
    _drop_staged(connection, staged)  # what a build that died left
    try:
        for table in schema.metadata.sorted_tables:
            connection.exec_driver_sql(create_table_sql(table, staged[table].name))
            insert_arrow(connection, staged[table].name, arrow_table(table, frames[table.name]))
        rows = write_rollup(connection, timezone=timezone, staged=staged)
        _write_info(connection, staged[info], {**_rollup_state(timezone), **stamp})
    except BaseException:
        _drop_staged(connection, staged)
        raise
    swap_in(connection, staged)
    return rows


def refresh_rollup(connection: Connection, *, timezone: str) -> int:
    """Rebuild the rollup of a ClickHouse warehouse queried in place (through its mapping, if any)
    beside the tables in use and swap it in; pulse_info keeps its other rows. Returns the member-days."""
    staged = staged_tables([*ROLLUP_TABLES, info])
    _drop_staged(connection, staged)
    try:
        kept: dict[str, str] = {}
        if _exists(connection, info.name):
            kept = {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
        rows = write_rollup(connection, timezone=timezone, staged=staged)
        _write_info(connection, staged[info], {**kept, **_rollup_state(timezone)})
    except BaseException:
        _drop_staged(connection, staged)
        raise
    swap_in(connection, staged)
    return rows


def table_rows(engine: Engine) -> dict[str, int]:
    """Rows per canonical table of a ClickHouse warehouse; {} when it has none yet."""
    with engine.connect() as connection:
        if not _exists(connection, schema.members.name):
            return {}
        return {
            table.name: int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in schema.metadata.sorted_tables
            if _exists(connection, table.name)
        }
