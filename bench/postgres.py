"""Load the bench's CSV folder into PostgreSQL with COPY: the canonical tables and their indexes,
then the member-day rollup, as `python cli.py rollup` would make it for a warehouse queried in place.

`python -m bench.postgres --csv DIR` is the PostgreSQL phase alone, for iterating on it: it keeps a
server and its data in `--root` (loaded once; `--reload` loads again), times each dashboard page
cold (Streamlit's caches emptied and the connections closed, as bench/probe.py does) and each
statement the page runs, and shows EXPLAIN ANALYZE of the slowest. `--stop` stops the kept server.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

import metrics.registered  # noqa: F401 (keep the figures in the rollup, as `cli.py rollup` does)
import schema
from data_sources.rollup import build_rollup
from engines import create_engine
from ui.heap import CACHE_CHECK_LOG

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = ("overview", "members", "engagement", "campaigns")
LOAD_MAINTENANCE_WORK_MEM = "1GB"  # the load's index builds: sorted in memory, not in temporary files


@dataclass(frozen=True)
class Load:
    """Seconds of each phase of a load."""

    copy_s: float
    vacuum_s: float
    rollup_s: float
    analyze_s: float

    @property
    def total_s(self) -> float:
        return self.copy_s + self.vacuum_s + self.rollup_s + self.analyze_s


def _driver_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def load_postgres(url: str, folder: Path, *, timezone: str) -> Load:
    """Load the tables and build the rollup; returns the seconds of each phase.

    Each table is made bare (no key, no index) and filled with COPY FREEZE (rows written frozen and
    visible to all, so the VACUUM after has little left to do) in a transaction of its own, the
    activities beside the others on a second connection, as `pg_restore --jobs` loads a dump; then
    their keys and indexes are built once over whole tables (maintained row by row during COPY
    they took most of its 127 s at the large scale), the activities' after the others' are done,
    one at a time: built side by side they slowed each other down (the member id's 13 -> 25 s)."""
    tables = schema.metadata.sorted_tables
    largest = max(tables, key=lambda table: _size(folder, table))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as beside:
        copying = beside.submit(_copy_table, url, folder, largest)
        for table in tables:
            if table is not largest:
                _copy_table(url, folder, table)
                _index_table(url, table)
        copying.result()
    _index_table(url, largest)
    copied = time.perf_counter()
    # What any bulk load is followed by: statistics and the visibility map set now rather than by
    # the first queries, and no autovacuum competing with the measurements.
    with psycopg.connect(_driver_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    vacuumed = time.perf_counter()
    rollup_s, analyze_s = rollup_and_analyze(url, timezone=timezone)
    return Load(copied - started, vacuumed - copied, rollup_s, analyze_s)


def _size(folder: Path, table: sa.Table) -> int:
    path = folder / f"{table.name}.csv"
    return path.stat().st_size if path.exists() else 0


def _copy_table(url: str, folder: Path, table: sa.Table) -> None:
    """Create `table` bare (its columns as schema.py defines them, ids collated "C": schema.id_column)
    and COPY FREEZE its CSV file (if any) into it, in one transaction."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    bare = sa.Table(table.name, sa.MetaData(), *(sa.Column(c.name, c.type, info=c.info) for c in table.columns))
    with psycopg.connect(_driver_url(url)) as connection:
        connection.execute(str(CreateTable(bare).compile(dialect=dialect)))
        path = folder / f"{table.name}.csv"
        if not path.exists():
            return
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8-sig").strip()
            columns = ", ".join(f'"{name.strip(chr(34))}"' for name in header.split(","))
            command = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv, FREEZE)'
            with connection.cursor() as cursor, cursor.copy(command) as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)


def _index_table(url: str, table: sa.Table) -> None:
    """`table`'s primary key and indexes, as schema.py declares them."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    with psycopg.connect(_driver_url(url)) as connection:
        connection.execute(f"SET LOCAL maintenance_work_mem = '{LOAD_MAINTENANCE_WORK_MEM}'")
        keys = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
        connection.execute(f'ALTER TABLE "{table.name}" ADD PRIMARY KEY ({keys})')
        for index in table.indexes:
            connection.execute(str(CreateIndex(index).compile(dialect=dialect)))


def rollup_and_analyze(url: str, *, timezone: str) -> tuple[float, float]:
    """Build the rollup (its slow statements printed), then VACUUM ANALYZE; the seconds of each."""
    engine = create_engine(url, analytic=True)  # as the app's Warehouse opens it: JIT off
    _report_slow_statements(engine)
    started = time.perf_counter()
    with engine.begin() as transaction:
        build_rollup(transaction, timezone=timezone, in_place=True)  # as `cli.py rollup` builds it
    built = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return built - started, time.perf_counter() - built


def _report_slow_statements(engine: sa.Engine, *, over_s: float = 1.0) -> None:
    """Print each statement of `engine` that takes over `over_s` seconds (the rollup's builds)."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(connection, cursor, statement, parameters, context, executemany):
        connection.info["bench_load_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(connection, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - connection.info.pop("bench_load_started")
        if seconds > over_s:
            print(f"  {seconds:6.1f} s  {' '.join(statement.split())[:90]}", file=sys.stderr)


@dataclass(frozen=True)
class Statement:
    """One statement a page ran: its SQL, parameters and seconds inside the driver."""

    sql: str
    parameters: object
    seconds: float


def measure_pages(pages: tuple[str, ...]) -> dict[str, list[Statement]]:
    """Each page's loaders once, cold (caches emptied, connections closed first), recording every
    statement; in this process, with the environment naming the warehouse and the data folder."""
    import sqlalchemy as sa

    from bench.pages import PAGES
    from bench.probe import clear_caches, default_filters
    from settings import load_settings
    from ui import data

    recorded: list[Statement] = []

    def _before(connection, cursor, statement, parameters, context, executemany):
        connection.info["bench_page_started"] = time.perf_counter()

    def _after(connection, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - connection.info.pop("bench_page_started")
        recorded.append(Statement(statement, parameters, seconds))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", _after)
    settings = load_settings()
    filters = default_filters(settings.timezone)
    measured: dict[str, list[Statement]] = {}
    try:
        for page in pages:
            clear_caches(settings)
            recorded.clear()
            started = time.perf_counter()
            PAGES[page][1](settings, data.data_version(settings), filters)
            cold = time.perf_counter() - started
            measured[page] = [Statement("(page, cold)", None, cold), *recorded]
        clear_caches(settings)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", _before)
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", _after)
    return measured


def explain(url: str, statement: Statement) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement, on a connection set up as the warehouse's are."""
    with psycopg.connect(_driver_url(url)) as connection:
        connection.execute("SET jit = off")
        rows = connection.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}", statement.parameters).fetchall()  # type: ignore[arg-type]
        connection.rollback()
    return "\n".join(row[0] for row in rows)


def _copy_app_store(source: Path, target: Path) -> None:
    """The bench's app store (surveys, feedback) copied consistently, even while another run writes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres")
    parser.add_argument("--csv", type=Path, required=True, help="the bench's CSV folder (bench/data/SCALE/csv)")
    parser.add_argument("--root", type=Path, default=Path("/tmp/pulse-bench-postgres"), help="kept server and data")
    parser.add_argument("--reload", action="store_true", help="load the CSV folder again")
    parser.add_argument("--rollup", action="store_true", help="rebuild the rollup only (timed)")
    parser.add_argument("--pages", default=",".join(DASHBOARDS), help="comma-separated pages (bench/pages.py)")
    parser.add_argument("--runs", type=int, default=1, help="cold runs of each page; the fastest is shown")
    parser.add_argument("--explain", type=int, default=1, help="EXPLAIN ANALYZE the N slowest statements per page")
    parser.add_argument("--app-db", type=Path, help="an app store (app.db) to copy, for the survey and inbox pages")
    parser.add_argument("--stop", action="store_true", help="stop the kept server and exit")
    args = parser.parse_args()
    from tests.postgres import start_server, stop_server

    url_file = args.root / "url"
    if args.stop:
        stop_server(args.root)
        url_file.unlink(missing_ok=True)
        return
    if url_file.exists():
        url = url_file.read_text().strip()
    else:
        url = start_server(args.root)
        url_file.write_text(url)
    timezone = "UTC"
    loaded_file = args.root / "loaded.json"
    if args.reload or not loaded_file.exists():
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
        load = load_postgres(url, args.csv, timezone=timezone)
        figures = asdict(load) | {"total_s": load.total_s, "load_average": os.getloadavg()}
        loaded_file.write_text(json.dumps(figures) + "\n")
        print(f"loaded: {json.dumps(figures)}")
    elif args.rollup:
        rollup_s, analyze_s = rollup_and_analyze(url, timezone=timezone)
        print(f"rollup {rollup_s:.1f} s, VACUUM ANALYZE {analyze_s:.1f} s")
    data_dir = args.root / "app"
    if args.app_db:
        _copy_app_store(args.app_db, data_dir / "app.db")
    os.environ |= {"PULSE_DATA_DIR": str(data_dir), "PULSE_TIMEZONE": timezone, "PULSE_WAREHOUSE_URL": url}
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    # Streamlit, imported by now, says for each cached loader of ui/ that no runtime runs: none does here.
    logging.getLogger(CACHE_CHECK_LOG).setLevel(logging.ERROR)
    from settings import load_settings
    from store.database import AppStore

    store = AppStore(load_settings().app_db_url)
    store.migrate()
    store.dispose()
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    runs = [measure_pages(tuple(args.pages.split(","))) for _ in range(args.runs)]
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    for page in runs[0]:
        colds = sorted(run[page][0].seconds for run in runs)
        print(f"{page}: cold {', '.join(f'{cold:.2f}' for cold in colds)} s")
    for page, statements in min(runs, key=lambda run: sum(r[0].seconds for r in run.values())).items():
        print(f"\n== {page}: {statements[0].seconds:.2f} s cold, {len(statements) - 1} statements")
        ranked = sorted(statements[1:], key=lambda statement: -statement.seconds)
        for statement in ranked:
            head = " ".join(statement.sql.split())[:150]
            print(f"  {statement.seconds:7.3f}  {head}")
        for statement in ranked[: args.explain]:
            print(f"\n-- {statement.seconds:.3f} s:\n{statement.sql}\n-- parameters: {statement.parameters}")
            print(explain(url, statement))


if __name__ == "__main__":
    main()
