"""The id the database gave an inserted row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the one row an INSERT … VALUES wrote. SQLAlchemy types
    `inserted_primary_key` as optional (an executemany or a statement with no primary key has
    none); an insert of one row into a table with an integer key always has one."""
    key = result.inserted_primary_key
    if not key or key[0] is None:
        raise RuntimeError("The database returned no id for the inserted row.")
    return int(key[0])
