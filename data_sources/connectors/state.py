"""Each connector's cursor and last run in the app store (connector_state): read before a fetch,
written after each step's archive segment is in place, so a run resumes where the last one got."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

import clock
from errors import kept
from store import tables
from store.database import AppStore

state = tables.connector_state


def cursor_of(app_store: AppStore, connector: str) -> dict[str, Any]:
    with app_store.read() as connection:
        value = connection.scalar(sa.select(state.c.cursor).where(state.c.connector == connector))
    return dict(value) if isinstance(value, dict) else {}


def started(app_store: AppStore, connector: str, *, cursor: dict[str, Any]) -> None:
    values = {"status": "running", "started_at": clock.now(), "finished_at": None, "done": 0, "total": None}
    values |= {"error": None, "error_said": None}
    with app_store.begin() as connection:
        exists = connection.scalar(sa.select(state.c.connector).where(state.c.connector == connector))
        if exists is None:
            connection.execute(state.insert().values(connector=connector, cursor=cursor, **values))
        else:
            connection.execute(state.update().where(state.c.connector == connector).values(cursor=cursor, **values))


def stepped(app_store: AppStore, connector: str, *, cursor: dict[str, Any], done: int, total: int | None) -> None:
    with app_store.begin() as connection:
        connection.execute(
            state.update().where(state.c.connector == connector).values(cursor=cursor, done=done, total=total)
        )


def finished(app_store: AppStore, connector: str, *, error: str | None = None) -> None:
    """The run's end: succeeded, or failed with `error` (a Said), kept twice as sync runs keep theirs."""
    values: dict[str, object] = {"finished_at": clock.now(), "status": "failed" if error else "succeeded"}
    if error is not None:
        values |= {"error": str(error), "error_said": kept(error)}
    with app_store.begin() as connection:
        connection.execute(state.update().where(state.c.connector == connector).values(**values))


def forget(app_store: AppStore, connector: str) -> None:
    """Drop a cursor whose archive is gone (the data folder was cleared): fetch from the start."""
    with app_store.begin() as connection:
        forget_in(connection, connector)


def forget_in(connection: sa.Connection, connector: str) -> None:
    """Drop a connector's cursor inside the caller's transaction (saved.py: with its settings row)."""
    connection.execute(state.update().where(state.c.connector == connector).values(cursor={}))


def states(app_store: AppStore) -> list[dict[str, Any]]:
    """Every connector's row, for the Data page: connector, status, started_at, finished_at, done,
    total, error, error_said."""
    with app_store.read() as connection:
        rows = connection.execute(sa.select(state).order_by(state.c.connector)).mappings().all()
    return [dict(row) for row in rows]


def last_finished(row: dict[str, Any]) -> datetime | None:
    value = row.get("finished_at")
    return value if isinstance(value, datetime) else None
