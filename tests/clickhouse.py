"""ClickHouse for the tests: the engine itself, in process, through chDB.

No ClickHouse server can be installed on these machines, but clickhouse-connect (the dialect the app
uses for `clickhousedb://` URLs) can run its client on chDB, the ClickHouse engine as a library:
`clickhousedb:///<database>?interface=chdb&path=<folder>`. Statements go through the same dialect,
the same compiler and the same client-side parameter binding as to a server, so the engine runs the
very text a server would receive; only the HTTP transport is left out. chDB holds one engine per
process, so every test database is a database in one engine folder.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

_names = itertools.count(1)


def clickhouse_url(folder: Path, database: str) -> str:
    """A clickhousedb:// URL of a database in the in-process engine kept in `folder`."""
    return f"clickhousedb:///{database}?interface=chdb&path={folder}"


def clickhouse_databases(folder: Path) -> Iterator[Callable[[str], str]]:
    """A factory of empty databases in the in-process engine at `folder`, one URL per call."""
    admin = sa.create_engine(clickhouse_url(folder, "default"))
    created: list[str] = []

    def create(prefix: str) -> str:
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return clickhouse_url(folder, name)

    yield create
    with admin.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()
