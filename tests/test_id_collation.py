"""Ids sort bytewise on PostgreSQL whatever the database's collation (schema.Id): their sorts and
index builds skip the linguistic comparison, and the rollup numbers members in the order DuckDB's
build does."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa

import schema
from rollup.tables import member_keys
from tests.conftest import make_warehouse

IDS = ["b", "B", "a", "é", "A", "a-2", "a_1"]  # English puts a before A before b; bytes put A, B, a


def _frames() -> dict[str, pd.DataFrame]:
    tables = schema.metadata.tables.values()
    empty = {table.name: pd.DataFrame(columns=[column.name for column in table.columns]) for table in tables}
    members = (
        empty["members"].reindex(range(len(IDS))).assign(member_id=IDS, joined_at=datetime(2025, 3, 1), is_team=False)
    )
    return empty | {"members": members}


def test_ids_sort_bytewise_on_postgresql_under_a_linguistic_collation(tmp_path, new_postgres_database):
    english = new_postgres_database("english", options="TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
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
