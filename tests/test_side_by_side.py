"""Statements read side by side (data_sources.warehouse.Warehouse.run_side_by_side): on PostgreSQL
on connections that share one snapshot, so a row written while they run is in none of their
answers; elsewhere one after another."""

from __future__ import annotations

import threading

import psycopg
import sqlalchemy as sa

from data_sources.warehouse import Warehouse, side_by_side_thread
from engines import create_engine

COUNT = sa.text("SELECT count(*) AS n FROM counted")


def _counted(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counted (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counted VALUES (1)")
    engine.dispose()


def _autocommitting(url: str) -> psycopg.Connection:
    """A psycopg connection of its own to the database at the SQLAlchemy `url`, each statement committed."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def test_postgresql_reads_them_from_one_snapshot(new_postgres_database):
    url = new_postgres_database("side_by_side")
    _counted(url)
    warehouse = Warehouse(url)
    writer = _autocommitting(url)
    written: list[str] = []
    beside = f"{side_by_side_thread()}_"

    def write_between(connection, cursor, statement, parameters, context, executemany):
        """A row committed once the first connection has exported its snapshot, before the second
        connection's first statement: a snapshot of its own would see it."""
        if threading.current_thread().name.startswith(beside) and not written:
            writer.execute("INSERT INTO counted VALUES (2)")
            written.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", write_between)
    try:
        assert warehouse.runs_statements_side_by_side
        first, second = warehouse.run_side_by_side([COUNT, COUNT])
        assert written  # between the two connections' snapshots
        assert first["n"].tolist() == second["n"].tolist() == [1]
        assert warehouse.run(COUNT)["n"].tolist() == [2]  # the row was written all the same
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", write_between)
        writer.close()
        warehouse.dispose()


WORKERS = sa.text("SELECT current_setting('max_parallel_workers_per_gather') AS workers")


def test_postgresql_statements_side_by_side_share_the_parallel_workers_of_one(new_postgres_database):
    """Each of n statements side by side may use (workers + 1) / n - 1 workers, so that together
    they use the processes one statement may: none each of two at PostgreSQL's default of 2 (and at
    0, where the formula alone would ask for -1, which PostgreSQL refuses), 3 each at 7; a statement
    read alone afterwards has the setting as it was."""
    url = new_postgres_database("side_by_side_workers")
    warehouse = Warehouse(url)

    def side_by_side(workers: int, statements: int = 2) -> list[list[str]]:
        """The setting each statement side by side reads, the database's set to `workers`."""
        with _autocommitting(url) as admin:
            database = admin.execute("SELECT current_database()").fetchone()[0]
            admin.execute(f'ALTER DATABASE "{database}" SET max_parallel_workers_per_gather = {workers}')
        warehouse.dispose()  # new connections take the database's setting
        return [frame["workers"].tolist() for frame in warehouse.run_side_by_side([WORKERS] * statements)]

    try:
        assert side_by_side(2) == [["0"], ["0"]]
        assert warehouse.run(WORKERS)["workers"].tolist() == ["2"]
        assert side_by_side(7) == [["3"], ["3"]]
        assert side_by_side(7, statements=3) == [["1"], ["1"], ["1"]]
        assert warehouse.run(WORKERS)["workers"].tolist() == ["7"]
        assert side_by_side(0) == [["0"], ["0"]]
    finally:
        warehouse.dispose()


def test_elsewhere_one_after_another(tmp_path):
    url = f"sqlite:///{tmp_path / 'counted.db'}"
    _counted(url)
    warehouse = Warehouse(url)
    try:
        assert not warehouse.runs_statements_side_by_side
        frames = warehouse.run_side_by_side([COUNT, sa.text("SELECT 7 AS n")])
        assert [frame["n"].tolist() for frame in frames] == [[1], [7]]
    finally:
        warehouse.dispose()
