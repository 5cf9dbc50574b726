"""Imports of files into the app store, one row each (store.tables.import_batches): what was
imported, by whom, what it did, and whether it was undone. The rows an import wrote carry its id;
surveys/forms_import.py and feedback/importer.py undo their own kinds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from store import tables
from store.keys import inserted_id

BATCHES = tables.import_batches


def new_batch(connection: Connection, *, kind: str, target: str, file: str, actor: str, now: datetime) -> int:
    """Record an import beginning, in its own transaction's connection; returns its id."""
    values = {"kind": kind, "target": target, "file": file[:300], "actor": actor[:200], "created_at": now}
    return inserted_id(connection.execute(BATCHES.insert().values(**values, added=0, updated=0, skipped=0)))


def finish_batch(connection: Connection, batch: int, *, added: int, updated: int, skipped: int) -> None:
    connection.execute(
        BATCHES.update().where(BATCHES.c.id == batch).values(added=added, updated=updated, skipped=skipped)
    )


def batch_row(connection: Connection, batch: int) -> sa.Row | None:
    return connection.execute(sa.select(BATCHES).where(BATCHES.c.id == batch)).first()


def mark_undone(connection: Connection, batch: int, *, now: datetime) -> bool:
    """Mark the import undone unless it already was; False when it was (or does not exist)."""
    marked = connection.execute(
        BATCHES.update().where(BATCHES.c.id == batch, BATCHES.c.undone_at.is_(None)).values(undone_at=now)
    )
    return marked.rowcount == 1


def recent_batches_query(limit: int = 20) -> sa.Select:
    """The newest imports first."""
    return sa.select(BATCHES).order_by(BATCHES.c.id.desc()).limit(limit)
