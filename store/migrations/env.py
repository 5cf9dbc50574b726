"""Alembic environment: runs against the engine handed over by AppStore (or alembic.ini's URL)."""

from __future__ import annotations

from alembic import context

from engines import create_engine
from store.tables import metadata

config = context.config


def run_migrations() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations()
