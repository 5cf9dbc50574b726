"""Alembic environment: runs against the engine handed over by AppStore (or alembic.ini's URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection, Engine

from engines import create_engine
from store.tables import metadata

config = context.config


def _engine() -> Engine:
    """AppStore's engine, or one for alembic.ini's URL (`alembic revision --autogenerate`)."""
    if engine := config.attributes.get("engine"):
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("No engine was handed over and alembic.ini has no sqlalchemy.url.")
    return create_engine(url)


def run_migrations() -> None:
    """On SQLite, with its foreign keys unchecked while migrations run (a table others point at is
    made again and copied, as Alembic's batch mode does: dropping the old one would otherwise delete
    what points at it) and checked whole after any ran: a violation fails the upgrade. The engine is
    the app's (AppStore): the connection goes back to its pool checking them again, whatever happens."""
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside a transaction, where SQLite takes the pragma
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                context.configure(connection=connection, target_metadata=metadata, render_as_batch=sqlite)
                before = context.get_context().get_current_revision()
                context.run_migrations()
                if sqlite and context.get_context().get_current_revision() != before:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"The migrations left rows pointing at nothing (table, row, parent, key): {broken[:5]}")


run_migrations()
