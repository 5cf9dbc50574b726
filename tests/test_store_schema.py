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


def test_a_removed_feedback_items_id_is_never_given_again_on_sqlite_including_a_store_made_before(tmp_path):
    """An import undone removes the newest items; on SQLite (rowids) the next item took the removed
    one's id, and with it that item's reply key (`reply:<id>:<version>`: a reply never sent), its
    messages and its address. Migration 0028 makes the table again with AUTOINCREMENT, keeping every
    row, the history pointing at it and merged items; foreign keys are checked after the upgrade."""
    from alembic import command

    from feedback.intake import NewFeedback, add_feedback, remove_feedback

    store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    command.upgrade(store.alembic_config(), "0027")  # a store made before
    now = datetime(2026, 12, 1)
    with store.begin() as connection:
        add_feedback(
            connection,
            [NewFeedback(source="manual", text=f"item {n}", created_at=now) for n in range(4)],
            actor="ana",
            now=now,
        )
        connection.execute(
            tables.feedback.update().where(tables.feedback.c.id == 3).values(duplicate_of=2, status="duplicate")
        )
    events = store.run(tables.feedback_events.select())
    store.migrate()
    with store.engine.connect() as connection:
        schema_sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'feedback'").scalar()
        assert "AUTOINCREMENT" in schema_sql
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # checked again after
    kept = store.run(sa.select(tables.feedback.c.id, tables.feedback.c.duplicate_of).order_by(tables.feedback.c.id))
    assert kept["id"].tolist() == [1, 2, 3, 4] and kept["duplicate_of"].tolist()[2] == 2
    assert store.run(tables.feedback_events.select()).equals(events)  # the history, untouched
    with store.begin() as connection:
        # the newest item, as an import undone removes it
        assert remove_feedback(connection, [4], actor="ana", now=now) == 1
        add_feedback(connection, [NewFeedback(source="manual", text="later", created_at=now)], actor="ana", now=now)
    assert store.run(sa.select(tables.feedback.c.id).where(tables.feedback.c.text == "later"))["id"].tolist() == [5]
    store.dispose()
