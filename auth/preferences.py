"""What a signed-in person chose for themselves, kept in the app store so it follows them to any
browser: today, the language they read the app in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from store import tables
from store.database import AppStore


def stored_language(app_store: AppStore, email: str) -> str | None:
    rows = tables.user_preferences
    with app_store.read() as connection:
        return connection.execute(sa.select(rows.c.language).where(rows.c.email == email)).scalar()


def store_language(app_store: AppStore, email: str, language: str, *, now: datetime) -> None:
    """Keep `language` as the person's choice (one row per person; a second choice replaces it)."""
    rows = tables.user_preferences
    with app_store.begin() as connection:
        changed = connection.execute(
            rows.update().where(rows.c.email == email).values(language=language, updated_at=now)
        ).rowcount
        if not changed:
            connection.execute(rows.insert().values(email=email, language=language, updated_at=now))
