"""Alembic environment: runs against the engine handed over by AppStore (or alembic.ini's URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

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
    engine = _engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations()
