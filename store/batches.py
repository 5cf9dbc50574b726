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


def undo_batch(connection: Connection, batch: int, *, kind: str, table: sa.Table, now: datetime) -> list[int] | None:
    """Mark an import of `kind` undone and return the ids of `table`'s rows it wrote, for the caller
    to remove in the same transaction; None when there is no such import or it was undone before."""
    marked = connection.execute(
        BATCHES.update()
        .where(BATCHES.c.id == batch, BATCHES.c.kind == kind, BATCHES.c.undone_at.is_(None))
        .values(undone_at=now)
    )
    if marked.rowcount != 1:
        return None
    return list(connection.execute(sa.select(table.c.id).where(table.c.import_batch == batch)).scalars())


def recent_batches_query(limit: int = 20) -> sa.Select:
    """The newest imports first."""
    return sa.select(BATCHES).order_by(BATCHES.c.id.desc()).limit(limit)
