"""The migrations build exactly the tables store/tables.py describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store import tables
from store.database import AppStore


def test_migrations_match_the_table_definitions(tmp_path, new_postgres_database):
    for url in (f"sqlite:///{tmp_path / 'app.db'}", new_postgres_database("schema_check")):
        store = AppStore(url)
        store.migrate()
        with store.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
        store.dispose()
        assert differences == [], (url.split(":")[0], differences)
