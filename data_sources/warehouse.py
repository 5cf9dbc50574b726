"""The community-data warehouse: reading it, and building a new one beside it.

The default warehouse is a DuckDB file. `build_warehouse` writes each build to a new, uniquely
named file and then atomically points `warehouse.duckdb` (a symlink) at it. Readers resolve the link
on every query and open a new read-only engine when it moved. The unique name matters: DuckDB
shares one database instance per path within a process, so reopening the *same* path after
replacing the file would keep serving the old data while any old connection is alive.

Any other SQLAlchemy URL (PostgreSQL, SQLite, ...) is queried in place and never built, through a
mapping to its own tables and columns when one is configured (data_sources/mapping.py).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections import abc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import clock
import schema
from data_sources import clickhouse
from data_sources.errors import NotConfigured, SourceUnavailable
from data_sources.identities import mark_identities
from data_sources.keyed_rows import KEYED, keyed_select, say_keyed
from data_sources.mapping import Mapping, load_mapping, mark_mapping
from data_sources.rollup import build_rollup
from engines import CLICKHOUSE, create_engine, frame_of
from errors import Said
from rollup.state import mark_dialect, marks, rollup_state
from rollup.tables import BUILT_AT_KEY, READS_KEPT, info
from settings import Settings

DUCKDB_TYPES = {
    sa.String: "VARCHAR",
    sa.DateTime: "TIMESTAMP",
    sa.Date: "DATE",
    sa.Boolean: "BOOLEAN",
    sa.Float: "DOUBLE",
    sa.Integer: "BIGINT",
}
SORT_KEYS = {"members": "joined_at", "activities": "occurred_at", "campaigns": "starts_at"}
KEPT_BUILDS = 2
MEMO_TTL_S = 300  # a database queried in place changes without a sync: its memos last this long
SIDE_BY_SIDE_THREAD = "pulse-side-by-side"  # reads a statement of run_side_by_side beside its caller
SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")  # what pg_export_snapshot() returns
T = TypeVar("T")
log = logging.getLogger(__name__)
# The build's tables are written sorted by time: within this DuckDB sorts the activities on disk (a
# temporary file beside the build) rather than holding them beside the frames they come from; the
# rollup, built once the frames are let go of, gets more (within 512 MB it took half as long again).
BUILD_CONFIG: dict[str, str | bool | int | float | list[str]] = {"memory_limit": "512MB"}
ROLLUP_MEMORY = "1GB"


def _share_parallel_workers(connection: sa.Connection, sharing: int) -> None:
    """Let each of `sharing` statements read side by side use its share of the processes one
    statement may (itself and max_parallel_workers_per_gather workers), for this transaction (SET
    LOCAL): each with workers of its own, they would be more processes than the server gives one
    statement, sharing its cores. At the default of 2 workers each of two runs without any (on two
    cores the Campaigns page's funnel and lift then took 1.8-2.0 s, against 2.3-2.7 s with two
    workers each); a server set to 7 gives each of two 3."""
    connection.execute(
        sa.text(
            "SELECT set_config('max_parallel_workers_per_gather',"
            " greatest((current_setting('max_parallel_workers_per_gather')::integer + 1) / :sharing - 1, 0)::text,"
            " true)"
        ),
        {"sharing": sharing},
    )


class Warehouse:
    """Runs metric queries against the community data and returns small DataFrames."""

    def __init__(self, url: str, *, mapping: Mapping | None = None) -> None:
        self.url = url
        self.mapping = mapping
        self._path = Path(url.removeprefix("duckdb:///")) if url.startswith("duckdb:///") else None
        if mapping is not None and self._path is not None:
            raise NotConfigured(Said("error.warehouse.mapping_built_in"))
        self._engine: Engine | None = None
        self._target: str | None = None
        self._built_at: str | None = None  # the rollup build (queried in place) the engine was opened on
        self._lock = threading.Lock()
        self._memos: dict[str, dict[str, Any]] = {}
        self._memo_key: object = None  # the build the memos are of
        self._memo_since = 0.0

    @property
    def display_url(self) -> str:
        """The URL as it may be shown: without its password."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def check(self) -> None:
        """Open the connection now (and check the mapping); raises DataSourceError saying what is wrong."""
        self._current_engine()

    def rollup_state(self) -> dict[str, str]:
        """The member-day rollup's time zone and build time ({} when the database has none)."""
        return rollup_state(self._current_engine())

    def refresh_rollup(self, *, timezone: str) -> int:
        """Write the member-day rollup into a database queried in place (sync makes the built-in
        warehouse's); returns the member-days. Metrics read it from the next query on."""
        if self._path is not None:
            raise NotConfigured(Said("error.warehouse.rollup_built_in"))
        engine = self._current_engine()
        try:
            with engine.begin() as connection:
                rows = build_rollup(connection, timezone=timezone, in_place=True)
        except sa.exc.DatabaseError as error:  # Operational or Programming; ClickHouse's are DatabaseError
            reason = str(getattr(error, "orig", error)).split(" In scope ")[0]
            raise SourceUnavailable(Said("error.warehouse.rollup_failed", reason=reason)) from error
        self.dispose()  # the next query opens an engine marked with the new rollup
        return rows

    def version(self) -> str:
        """Identifies the data being served; changes when sync swaps in a new build, and for a
        database queried in place when its rollup is built again."""
        if self._path is None:
            return f"{self.url}#{self._rollup_build()}"
        return self._resolve()

    def _rollup_build(self) -> str:
        """When the rollup of a database queried in place was built ('' without one): sync rebuilds
        a ClickHouse warehouse in place, and `cli.py rollup` (cron, say) any other, so this tells
        their builds apart. A new one since the engine was opened closes it, so the next query
        marks the dialect with the new rollup (its zone and the windows it keeps)."""
        built = self.rollup_state().get(BUILT_AT_KEY, "")
        if self._built_at is not None and built != self._built_at:
            self.dispose()
        self._built_at = built
        return built

    def _resolve(self) -> str:
        assert self._path is not None
        if not self._path.exists():
            raise NotConfigured(Said("error.warehouse.missing", path=str(self._path)))
        return os.path.realpath(self._path)

    def _current_engine(self) -> Engine:
        with self._lock:
            if self._path is None:
                if self._engine is None:
                    engine = create_engine(self.url, analytic=True)
                    try:
                        if self.mapping is not None:
                            mark_mapping(engine, self.mapping)
                        mark_dialect(engine, built=False)
                        mark_identities(engine, rollup_state(engine))
                    except BaseException:
                        engine.dispose()
                        raise
                    self._engine = engine
                return self._engine
            target = self._resolve()
            if target != self._target:
                previous = self._engine
                self._engine = create_engine(f"duckdb:///{target}", read_only=True)
                mark_dialect(self._engine, built=True)
                mark_identities(self._engine, rollup_state(self._engine))
                self._target = target
                if previous is not None:
                    previous.dispose()
            assert self._engine is not None
            return self._engine

    def memo(self, name: str) -> dict[str, Any]:
        """A dict to keep lookups in for the data being served (metrics/scope.py keeps each member's
        person, team flag and dimensions): a new one when
        sync swaps in a new build, whose file never changes after, and every MEMO_TTL_S seconds for
        a database queried in place, whose rows change without this app knowing (a figure made
        from it is then cached as ui/data.py's TTL_S says, so it may be that much older again)."""
        self._current_engine()
        key, now = (self._target, self._built_at), time.monotonic()
        expired = self._path is None and now - self._memo_since >= MEMO_TTL_S
        with self._lock:
            if key != self._memo_key or expired:
                self._memos, self._memo_key, self._memo_since = {}, key, now
            return self._memos.setdefault(name, {})

    @property
    def reads_common_tables_once(self) -> bool:
        """Whether a common table expression a statement reads twice is computed once: DuckDB,
        PostgreSQL and SQLite (3.35 and later) keep it; ClickHouse, and any engine not known to,
        computes it again at each reading (so metrics.levels.members_at_level_query, which reads
        its members at a level twice, is slower there than reading every member's level once)."""
        dialect = self._current_engine().dialect
        if dialect.name == "sqlite":
            return sqlite3.sqlite_version_info >= (3, 35)
        return dialect.name in ("duckdb", "postgresql")

    def ids_asked_at_once(self) -> int:
        """How many ids one statement may name (metrics/scope.py asks for members by id): DuckDB and
        PostgreSQL take them as one bound list (metrics.sql.one_of), 34,464 at once in 0.19 s where
        five thousand at a time took 0.27 s; SQLite binds each id (32,766 at most) and ClickHouse
        writes them into the query's text (256 KiB at most)."""
        return 50_000 if self._current_engine().dialect.name in ("duckdb", "postgresql") else 5_000

    @property
    def runs_statements_side_by_side(self) -> bool:
        """Whether two statements at once finish sooner here than one after the other: on
        PostgreSQL, where each runs in its own server process and most of a statement on one core,
        a dashboard page's figures fetched two at a time (ui/alongside.py) took 2.8-3.0 s where one
        after another took 3.8-4.3 s at a million members. Not DuckDB, whose one statement already
        uses every core (tried: no faster), nor ClickHouse (its own threads) or SQLite (neither
        measured)."""
        return self._current_engine().dialect.name == "postgresql"

    def run(self, statement: sa.Executable) -> pd.DataFrame:
        """Execute a query; connection and driver failures become SourceUnavailable.

        A statement that read windows or figures the rollup kept (metrics.member_periods.KeptWindow,
        metrics.kept.Kept), on a database queried in place, is run once more on a newly marked
        engine when the rollup keeps others by the time it ended: another process rebuilt it since
        the engine was marked, and the statement may have read another day's rows, or none. (A
        DuckDB build never changes.)"""
        return self._fresh(lambda: [self._run(statement)])[0]

    def run_side_by_side(self, statements: list[sa.Executable]) -> list[pd.DataFrame]:
        """Each statement's rows, as run gives them, read at once where runs_statements_side_by_side,
        on connections that share one snapshot of the database (PostgreSQL's exported snapshot, as
        `pg_dump --jobs` reads a dump): figures added up from them agree as one statement's would,
        whatever is written meanwhile. Elsewhere one after another."""
        if len(statements) < 2 or not self.runs_statements_side_by_side:
            return [self.run(statement) for statement in statements]
        return self._fresh(lambda: self._run_side_by_side(statements))

    def _fresh(self, read: Callable[[], list[tuple[pd.DataFrame, bool]]]) -> list[pd.DataFrame]:
        """The frames `read` gives (each with whether it may be stale: _read), read once more on a
        newly marked engine when one may be."""
        answers = read()
        if any(stale for _, stale in answers):
            log.info("The rollup was rebuilt with other windows or figures kept; the statements run again")
            self.dispose()
            answers = read()
        return [frame for frame, _ in answers]

    def _run_side_by_side(self, statements: list[sa.Executable]) -> list[tuple[pd.DataFrame, bool]]:
        """The first statement on a connection whose snapshot the others, each in a thread of its
        own, take before theirs (the snapshot lives while its transaction does)."""
        engine = self._current_engine()
        beside = ThreadPoolExecutor(len(statements) - 1, thread_name_prefix=side_by_side_thread())
        with self._failures_said(engine), beside:
            return self._read_exported(engine, beside, statements)

    def _read_exported(
        self, engine: Engine, beside: ThreadPoolExecutor, statements: list[sa.Executable]
    ) -> list[tuple[pd.DataFrame, bool]]:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as first, first.begin():
            snapshot = str(first.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
            if not SNAPSHOT_ID.fullmatch(snapshot):  # written into SET TRANSACTION, which binds nothing
                raise SourceUnavailable(Said("error.warehouse.unreadable", reason=f"snapshot {snapshot!r}"))
            others = [
                beside.submit(self._read_in, engine, snapshot, statement, len(statements))
                for statement in statements[1:]
            ]
            _share_parallel_workers(first, len(statements))
            return [self._read(engine, first, statements[0]), *(other.result() for other in others)]

    def _read_in(
        self, engine: Engine, snapshot: str, statement: sa.Executable, sharing: int
    ) -> tuple[pd.DataFrame, bool]:
        """_read on a connection of its own that reads the exported `snapshot`, one of `sharing`."""
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
            connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _share_parallel_workers(connection, sharing)
            return self._read(engine, connection, statement)

    def _run(self, statement: sa.Executable) -> tuple[pd.DataFrame, bool]:
        """The statement's rows, and whether they may be of windows or figures the rollup no longer keeps."""
        engine = self._current_engine()
        with self._failures_said(engine), engine.connect() as connection:
            return self._read(engine, connection, statement)

    def _read(self, engine: Engine, connection: sa.Connection, statement: sa.Executable) -> tuple[pd.DataFrame, bool]:
        """_run's answer, on `connection`."""
        result = connection.execute(statement)
        frame = frame_of(result)
        if self._path is None and getattr(result.context.compiled, READS_KEPT, False):
            state = {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
            now = marks(state, built=False).items()
            return frame, any(getattr(engine.dialect, name, None) != value for name, value in now)
        return frame, False

    @contextmanager
    def _failures_said(self, engine: Engine) -> abc.Iterator[None]:
        """Connection and driver failures as SourceUnavailable, with what the engine said."""
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, duckdb.Error) as error:
            detail = getattr(error, "orig", None) or error
            raise SourceUnavailable(Said("error.warehouse.unreadable", reason=str(detail))) from error
        except sa.exc.DatabaseError as error:  # clickhouse-connect raises its errors as DatabaseError
            if engine.dialect.name != CLICKHOUSE:
                raise
            raise self._clickhouse_failure(error) from error

    def _clickhouse_failure(self, error: sa.exc.DBAPIError) -> SourceUnavailable:
        """A ClickHouse error as its message to a person: a missing table or column, the time limit,
        or else the engine's own words."""
        detail = error.orig or error
        database = sa.engine.make_url(self.url).database or "default"
        said = clickhouse.failure(detail, database=database)
        return SourceUnavailable(said or Said("error.warehouse.unreadable", reason=str(detail).split(" In scope ")[0]))

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine, self._target = None, None
            self._memos, self._memo_key = {}, None


def side_by_side_thread() -> str:
    """The name of the threads run_side_by_side starts for the calling thread (tests record what
    those send for the thread that called, and nothing another thread started)."""
    return f"{SIDE_BY_SIDE_THREAD}-{threading.get_ident()}"


def open_warehouse(settings: Settings) -> Warehouse:
    """The configured warehouse, with its mapping when one is set (checked on first use)."""
    mapping = load_mapping(settings.warehouse_mapping) if settings.warehouse_mapping else None
    return Warehouse(settings.warehouse_url, mapping=mapping)


def typed_sql(table: sa.Table, source: str) -> str:
    """SELECT of `source`'s columns (a registered frame) cast to the types the warehouse stores."""
    casts = ", ".join(
        f'CAST("{column.name}" AS {DUCKDB_TYPES[type(column.type)]}) AS "{column.name}"' for column in table.columns
    )
    return f"SELECT {casts} FROM {source}"


def write_beside(connection: duckdb.DuckDBPyConnection, beside: abc.Mapping[sa.Table, pd.DataFrame]) -> None:
    """Write (or replace) tables kept beside the canonical ones, typed as their definitions say."""
    for table, frame in beside.items():
        connection.register("incoming", frame[[column.name for column in table.columns]])
        connection.execute(f'CREATE OR REPLACE TABLE "{table.name}" AS {typed_sql(table, "incoming")}')
        connection.unregister("incoming")


def _writing_order() -> list[sa.Table]:
    """The canonical tables in the order a build writes them: the members first, whose keys the
    KEYED tables' rows are written with (data_sources/keyed_rows.py)."""
    return sorted(schema.metadata.sorted_tables, key=lambda table: table is not schema.members)


def _create_table_sql(table: sa.Table, source: str) -> str:
    order = f' ORDER BY "{SORT_KEYS[table.name]}"' if table.name in SORT_KEYS else ""
    rows = typed_sql(table, source)
    return f'CREATE TABLE "{table.name}" AS {keyed_select(rows) if table.name in KEYED else rows}{order}'


def new_build_path(path: Path) -> Path:
    """A file name for a new build beside `path`, unique to this moment and process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    return path.with_name(f"{path.stem}-{stamp}-{os.getpid()}{path.suffix}")


def write_stamp(connection: sa.Connection, stamp: dict[str, str]) -> None:
    """Record in pulse_info what the build was made from (data_sources/append.py compares it)."""
    connection.execute(sa.delete(info).where(info.c.key.in_(list(stamp))))
    if stamp:
        connection.execute(sa.insert(info), [{"key": key, "value": value} for key, value in stamp.items()])


def build_warehouse(
    path: Path,
    frames: dict[str, pd.DataFrame],
    *,
    timezone: str,
    stamp: dict[str, str] | None = None,
    beside: dict[sa.Table, pd.DataFrame] | None = None,
    consume: bool = False,
) -> Path:
    """Write typed canonical frames and the member-day rollup (days in `timezone`) into a new DuckDB
    file, then swap it in; returns the new file. `stamp` (what the build was made from) goes into
    pulse_info, so the next sync can tell whether appending to it can be trusted; `beside` are
    tables written as given next to the canonical ones (data_sources/identities.py's). With
    `consume`, each frame leaves `frames` (and `beside`) once written, so that a caller holding no
    other reference to it (a sync) does not hold the typed community while the rollup is built (1.3
    GB at a million members). The tables beside are written first, so that the people's (300 MB at
    3 million members) are let go of before DuckDB sorts the activities.

    Rows are stored sorted by time so DuckDB's zone maps skip what a period does not need. If
    anything fails, the previous warehouse is untouched and the partial file is removed.
    """
    build = new_build_path(path)
    try:
        connection = duckdb.connect(str(build), config=BUILD_CONFIG)
        try:
            write_beside(connection, beside or {})
            if consume and beside:
                beside.clear()
            for table in _writing_order():
                whole = frames.pop(table.name) if consume else frames[table.name]
                connection.register("incoming", whole[[column.name for column in table.columns]])
                connection.execute(_create_table_sql(table, "incoming"))
                connection.unregister("incoming")
                del whole
                pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what it freed
        finally:
            connection.close()
    except BaseException:
        discard_build(build)
        raise

    def rollup_and_stamp(transaction: sa.Connection) -> None:
        transaction.exec_driver_sql(f"SET memory_limit = '{ROLLUP_MEMORY}'")
        build_rollup(transaction, timezone=timezone, keyed=True)  # its activities were written keyed
        say_keyed(transaction)
        write_stamp(transaction, stamp or {})

    finish_build(path, build, rollup_and_stamp)
    return build


def finish_build(path: Path, build: Path, write: Callable[[sa.Connection], T]) -> T:
    """Run `write` in one transaction on a new build, checkpoint it (readers open it read-only,
    without its WAL) and point `path` at it; returns what `write` did. On any failure the build is
    removed and the one in use stays."""
    try:
        engine = create_engine(f"duckdb:///{build}")
        try:
            with engine.begin() as transaction:
                done = write(transaction)
            with engine.connect() as checkpoint:
                checkpoint.exec_driver_sql("CHECKPOINT")
        finally:
            engine.dispose()
        _swap_link(path, build)
    except BaseException:
        discard_build(build)
        raise
    remove_old_builds(path, keep=build)
    return done


def discard_build(build: Path) -> None:
    build.unlink(missing_ok=True)
    Path(f"{build}.wal").unlink(missing_ok=True)


def read_tables(path: Path, names: list[str]) -> dict[str, pd.DataFrame]:
    """The named canonical tables of the warehouse in use at `path`, typed as built; {} when there is
    none yet. Read through a DuckDB of its own that attaches the file read-only: the app's engine
    on the same file was opened with another configuration, which DuckDB refuses to share."""
    if not names or not path.exists():
        return {}
    with duckdb.connect() as connection:
        connection.execute("ATTACH ? AS built (READ_ONLY)", [os.path.realpath(path)])
        # through Arrow: text stays Arrow's (DuckDB's .df() makes a Python string of each, 1 s a
        # million identities); whole numbers are pandas' nullable ones, as .df() gives with NULLs
        tables = {
            name: connection.sql(f'SELECT {_columns(name)} FROM built."{name}"').to_arrow_table() for name in names
        }
    return {name: table.to_pandas(types_mapper=_NULLABLE.get, date_as_object=False) for name, table in tables.items()}


_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype()}


def _columns(name: str) -> str:
    """What read_tables reads of a table: a canonical one's own columns, any other's all."""
    return schema.own_columns(name) if name in schema.metadata.tables else "*"


def table_rows(path: Path) -> dict[str, int]:
    """Rows per canonical table of the warehouse in use at `path`; {} when there is none yet."""
    if not path.exists():
        return {}
    with duckdb.connect() as connection:
        connection.execute("ATTACH ? AS built (READ_ONLY)", [os.path.realpath(path)])
        return {
            table.name: connection.execute(f'SELECT count(*) FROM built."{table.name}"').fetchall()[0][0]
            for table in schema.metadata.sorted_tables
        }


def remove_abandoned_builds(path: Path) -> list[Path]:
    """Builds newer than the one in use were left by a sync that died midway; the caller holds the
    sync lock, so none is being written. Returns what was removed."""
    current = Path(os.path.realpath(path)).name if path.exists() else ""
    abandoned = [b for b in path.parent.glob(f"{path.stem}-*{path.suffix}") if b.name > current]
    for build in abandoned:
        discard_build(build)
    for link in path.parent.glob(f".{path.name}.*.link"):  # a swap killed before its rename
        link.unlink(missing_ok=True)
    return abandoned


def _swap_link(path: Path, build: Path) -> None:
    link = path.with_name(f".{path.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(build.name)
    os.replace(link, path)


def remove_old_builds(path: Path, *, keep: Path) -> None:
    """Keep the newest builds (a reader may still be finishing a query on the previous one)."""
    builds = sorted(path.parent.glob(f"{path.stem}-*{path.suffix}"), key=lambda p: p.name, reverse=True)
    for old in [b for b in builds if b != keep][KEPT_BUILDS - 1 :]:
        old.unlink(missing_ok=True)
