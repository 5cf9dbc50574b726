"""Load the bench's CSV folder into PostgreSQL with COPY: the canonical tables and their indexes,
then the member-day rollup, as `python cli.py rollup` would make it for a warehouse queried in place."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

import schema
from data_sources.rollup import build_rollup
from engines import create_engine


def load_postgres(url: str, folder: Path, *, timezone: str) -> float:
    """Load the tables; returns the seconds the rollup took."""
    engine = create_engine(url)
    schema.metadata.create_all(engine)  # with the schema's indexes
    engine.dispose()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        for table in schema.metadata.sorted_tables:
            path = folder / f"{table.name}.csv"
            if not path.exists():
                continue
            with path.open("rb") as handle:
                header = handle.readline().decode("utf-8-sig").strip()
                columns = ", ".join(f'"{name.strip(chr(34))}"' for name in header.split(","))
                with (
                    connection.cursor() as cursor,
                    cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy,
                ):
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
    # What any bulk load is followed by: statistics, hint bits and the visibility map set now rather
    # than by the first queries, and no autovacuum competing with the measurements.
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as transaction:
        build_rollup(transaction, timezone=timezone)
    rollup_s = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return rollup_s
