"""The bench's PostgreSQL load (bench/postgres.py): a CSV folder becomes the canonical tables with
their keys and indexes, and the rollup, whichever connection loaded each table."""

from __future__ import annotations

import sqlalchemy as sa

import schema
from bench.postgres import load_postgres
from bench.run import write_csv_folder
from engines import create_engine
from rollup.tables import VERSION, VERSION_KEY, info, rollup
from tests import community


def test_a_csv_folder_is_loaded_whole_with_its_keys_indexes_and_rollup(tmp_path, new_postgres_database):
    url = new_postgres_database("bench_load")
    frames = community.frames()
    write_csv_folder(frames, tmp_path / "csv")
    load_postgres(url, tmp_path / "csv", timezone="UTC")
    engine = create_engine(url)
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as connection:
            for table in schema.metadata.sorted_tables:
                count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                assert count == len(frames[table.name]), table.name
                key = inspector.get_pk_constraint(table.name)["constrained_columns"]
                assert key == [column.name for column in table.primary_key.columns], table.name
                indexes = {index["name"] for index in inspector.get_indexes(table.name)}
                assert {index.name for index in table.indexes} <= indexes, table.name
            assert connection.execute(sa.select(info.c.value).where(info.c.key == VERSION_KEY)).scalar() == VERSION
            collated = sa.text(
                "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                " JOIN pg_collation l ON l.oid = a.attcollation WHERE l.collname = 'C' AND c.relkind = 'r'"
                " AND c.relnamespace = 'public'::regnamespace"
            )
            bytewise = {(table, column) for table, column in connection.execute(collated)}
            tables = schema.metadata.sorted_tables
            ids = {(t.name, c.name) for t in tables for c in t.columns if c.info.get(schema.BYTEWISE)}
            assert ids and ids <= bytewise  # loaded as schema.py defines them (schema.id_column)
            # 18 known-member activities; alice's two on 3 March make one day (all days alike in UTC)
            assert connection.execute(sa.select(sa.func.count()).select_from(rollup)).scalar_one() == 17
    finally:
        engine.dispose()
