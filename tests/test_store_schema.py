"""The migrations build exactly the tables store/tables.py describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store import tables
from store.database import AppStore
from store.keys import inserted_id


def test_migrations_match_the_table_definitions(tmp_path, new_postgres_database):
    for url in (f"sqlite:///{tmp_path / 'app.db'}", new_postgres_database("schema_check")):
        store = AppStore(url)
        store.migrate()
        with store.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
        store.dispose()
        assert differences == [], (url.split(":")[0], differences)


def test_inserted_id_is_the_new_rows_integer_key_and_an_insert_with_no_key_is_refused(tmp_path):
    app_store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    app_store.migrate()
    failures = tables.sign_in_failures
    with app_store.begin() as connection:
        ids = [
            inserted_id(connection.execute(failures.insert().values(email="a@example.org", at=datetime(2026, 3, 1))))
            for _ in range(2)
        ]
    app_store.dispose()
    assert ids == [1, 2]
    keyless = sa.Table("keyless", sa.MetaData(), sa.Column("x", sa.Integer))
    engine = sa.create_engine("sqlite://")
    keyless.create(engine)
    with engine.begin() as connection, pytest.raises(RuntimeError, match="no id for the inserted row"):
        inserted_id(connection.execute(keyless.insert().values(x=1)))
