"""How every database connection is made, so each engine behaves the same everywhere.

SQLite gets WAL, a busy timeout and foreign keys, plus the `pulse_local_day` function (SQLite has no
time zone database, so metrics call into Python's zoneinfo for non-UTC communities). A PostgreSQL
warehouse runs without JIT. A ClickHouse warehouse (clickhouse-connect's `clickhousedb://` dialect)
runs every query with CLICKHOUSE_SETTINGS, which make it answer as SQL does where metrics rely on
it. DuckDB files can be opened read-only. Results come back as small pandas frames through `read_frame`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

EPOCH = date(1970, 1, 1)
CLICKHOUSE = "clickhousedb"
CLICKHOUSE_SETTINGS: dict[str, object] = {
    # The missing side of an outer join is NULL (ClickHouse's default fills 0 and ''), so `IS NULL`
    # finds members without activity.
    "join_use_nulls": 1,
    # max, min, sum over no rows are NULL (ClickHouse's default gives 0), as every metric's empty case expects.
    "aggregate_functions_null_for_empty": 1,
    # count(DISTINCT x) exact even where SQL reaches the server without our compiler (rollup.sql
    # compiles it to uniqExact already); never the approximate uniq.
    "count_distinct_implementation": "uniqExact",
}


class Runner(Protocol):
    """Anything that executes a statement and returns a small DataFrame (Warehouse, AppStore): what
    metrics, surveys and feedback are given to query either store."""

    def run(self, statement: sa.Executable) -> pd.DataFrame: ...


@runtime_checkable
class Remembers(Runner, Protocol):
    """A Runner that keeps lookups for the data it serves (data_sources.warehouse.Warehouse), so a
    lookup asked again of the same data is answered from memory (metrics/scope.py)."""

    def memo(self, name: str) -> dict[str, Any]: ...

    def ids_asked_at_once(self) -> int: ...


@runtime_checkable
class ReadsSideBySide(Runner, Protocol):
    """A Runner that may read several statements at once from one snapshot of its data
    (data_sources.warehouse.Warehouse.run_side_by_side), where that is sooner than one after
    another (runs_statements_side_by_side: PostgreSQL)."""

    @property
    def runs_statements_side_by_side(self) -> bool: ...

    def run_side_by_side(self, statements: list[sa.Executable]) -> list[pd.DataFrame]: ...


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day_number(stamp: str | None, timezone: str) -> int | None:
    """Days since 1970-01-01 of a naive-UTC SQLite timestamp, in the given time zone."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC).astimezone(_zone(timezone))
    return (moment.date() - EPOCH).days


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    dbapi_connection.create_function(  # type: ignore[attr-defined]
        "pulse_local_day", 2, local_day_number, deterministic=True
    )


def _no_jit(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()  # type: ignore[attr-defined]


def create_engine(url: str, *, read_only: bool = False, analytic: bool = False) -> Engine:
    """An engine for any supported URL; `read_only` applies to DuckDB files. `analytic` engines
    (the warehouse) turn PostgreSQL's JIT off: compiling a metric query's expressions took up to a
    second, more than running it."""
    if url in ("sqlite://", "sqlite:///") or (url.startswith("sqlite") and ":memory:" in url):
        raise ValueError(
            "An in-memory SQLite database is empty in every thread; use a file URL such as sqlite:///data/app.db."
        )
    kwargs: dict[str, object] = {}
    if url.startswith("duckdb") and read_only:
        kwargs["connect_args"] = {"read_only": True}
    if url.startswith(CLICKHOUSE):  # settings in the URL's query (max_execution_time=30) win
        query = sa.engine.make_url(url).query
        kwargs["connect_args"] = {k: v for k, v in CLICKHOUSE_SETTINGS.items() if k not in query}
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _configure_sqlite)
    if analytic and engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _no_jit)
    return engine


def read_frame(connection: Connection, statement: sa.Executable) -> pd.DataFrame:
    """Execute a statement and return its rows as a DataFrame with the statement's column names."""
    return frame_of(connection.execute(statement))


def frame_of(result: sa.CursorResult) -> pd.DataFrame:
    """A result's rows as a DataFrame with its column names."""
    # Plain tuples: given Row objects, pandas probes each for attributes, which Row answers slowly.
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=list(result.keys()))
