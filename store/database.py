"""The app store: one object owns its engine, its migrations and query execution."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from engines import create_engine, read_frame
from errors import PulseError, Said

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreError(PulseError):
    """Raised when the app store cannot be reached, migrated or written; `user_message` says what to
    do and may name the database's address, so pages show a generic message (ui.outage)."""


class AppStore:
    """The app's own database (SQLite file by default, PostgreSQL by URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url)
        self._writers = threading.RLock()  # SQLite has one writer at a time; see begin()

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["engine"] = self.engine
        return config

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration; never drops data."""
        try:
            command.upgrade(self.alembic_config(), "head")
        except sa.exc.OperationalError as error:
            raise StoreError(Said("error.store.migrate", url=repr(self.engine.url), reason=str(error.orig))) from error

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back if it raises.

        On SQLite it takes the write lock at once (BEGIN IMMEDIATE): a transaction that reads and
        then writes would otherwise fail with "database is locked" when another writer got in
        between; this way concurrent writers queue for the busy timeout instead. Writers in this
        process first queue on a lock of their own: SQLite's busy handler sleeps in growing steps
        (up to 100 ms), so 50 members submitting at once waited far longer than the writes took.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self._writers if sqlite else nullcontext(), self.engine.begin() as connection:
                if sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        except sa.exc.OperationalError as error:
            raise StoreError(Said("error.store.write", reason=str(error.orig))) from error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (no write lock on SQLite); driver errors become StoreError."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except sa.exc.OperationalError as error:
            raise StoreError(Said("error.store.read", reason=str(error.orig))) from error

    def run(self, statement: sa.Executable) -> pd.DataFrame:
        """Execute a read and return a small DataFrame; driver errors become StoreError."""
        try:
            with self.engine.connect() as connection:
                return read_frame(connection, statement)
        except sa.exc.OperationalError as error:
            raise StoreError(Said("error.store.run", reason=str(error.orig))) from error

    def dispose(self) -> None:
        self.engine.dispose()
