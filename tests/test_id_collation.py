"""Ids sort bytewise on PostgreSQL whatever the database's collation (schema.id_column): the tables
schema.py makes have them collated "C", so their sorts and index builds skip the linguistic
comparison and the rollup numbers members in the order DuckDB's build does; a statement's values
carry no collation, so a table made otherwise keeps the use of its own indexes."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

import schema
from engines import create_engine
from rollup.tables import member_keys
from tests.conftest import make_warehouse

IDS = ["b", "B", "a", "é", "A", "a-2", "a_1"]  # English puts a before A before b; bytes put A, B, a
ENGLISH = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"


@pytest.fixture
def english(postgres_url, new_postgres_database) -> str:
    """A database whose text sorts the English way (an ICU collation: PostgreSQL 15 built with ICU)."""
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version_num")).scalar_one()
        icu = connection.execute(sa.text("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'")).scalar_one()
    engine.dispose()
    if int(version) < 150000 or not icu:
        pytest.skip("the test server has no ICU collations (PostgreSQL 15 or later built with ICU)")
    return new_postgres_database("english", options=ENGLISH)


def _frames() -> dict[str, pd.DataFrame]:
    tables = schema.metadata.tables.values()
    empty = {table.name: pd.DataFrame(columns=[column.name for column in table.columns]) for table in tables}
    members = (
        empty["members"].reindex(range(len(IDS))).assign(member_id=IDS, joined_at=datetime(2025, 3, 1), is_team=False)
    )
    return empty | {"members": members}


def test_ids_sort_bytewise_on_postgresql_under_a_linguistic_collation(tmp_path, english):
    built = {}
    for engine in ("postgresql", "duckdb"):
        warehouse = make_warehouse(engine, tmp_path / engine, _frames(), lambda name: english)
        words = sa.select(sa.literal_column("word")).select_from(sa.text("(VALUES ('b'), ('A'), ('a')) AS w(word)"))
        sorted_words = list(warehouse.run(words.order_by(sa.text("word")))["word"])
        ids = warehouse.run(sa.select(schema.members.c.member_id).order_by(schema.members.c.member_id))
        keyed = warehouse.run(sa.select(member_keys.c.member_id).order_by(member_keys.c.member_key))
        built[engine] = (sorted_words, list(ids["member_id"]), list(keyed["member_id"]))
        warehouse.dispose()
    assert built["postgresql"][0] == ["a", "A", "b"]  # the database sorts its own text the English way
    assert built["postgresql"][1:] == built["duckdb"][1:] == (sorted(IDS), sorted(IDS))


def test_a_table_made_otherwise_is_read_by_its_own_index(english):
    """A database queried in place whose member ids have its own collation: the app's lookup of one
    member's activities (values bound as schema.py's columns type them) is served by its index."""
    engine = create_engine(english)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE activities (activity_id text PRIMARY KEY, member_id text)"))
            connection.execute(sa.text("CREATE INDEX ix_theirs ON activities (member_id)"))
            connection.execute(
                sa.text("INSERT INTO activities SELECT 'a' || n, 'm' || (n % 50) FROM generate_series(1, 500) n")
            )
            connection.execute(sa.text("ANALYZE activities"))
            connection.execute(sa.text("SET LOCAL enable_seqscan = off"))  # an index it can use, it uses
            lookup = sa.select(schema.activities.c.activity_id).where(schema.activities.c.member_id == "m7")
            compiled = lookup.compile(connection)
            plan = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
            found = connection.execute(lookup).scalars().all()
    finally:
        engine.dispose()
    assert any("ix_theirs" in line for line in plan), plan
    assert len(found) == 10
    assert "COLLATE" not in str(compiled)
