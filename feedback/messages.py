"""Feedback from messages: each message of a channel a manager chose for feedback (a Slack or
Discord connector's `feedback_channels`, on the Data page or in secrets.toml) becomes one feedback
item through the intake, filed under the account that wrote it.

A sync keeps such messages in the app store's connector_messages as it fetches them
(data_sources/connectors/messages.py); `take_messages`, run after the sync (the Data page's Sync
now, `cli.py sync`), makes them items and deletes them, in one transaction. Each item's import key
is made from the message's id on its platform, so a message fetched again (a step fetched again
after a failure, the day a Slack export is read from again) is never a second item. A message whose
channel is no longer chosen when it is taken is dropped: turning the switch off stops new items at
once; items made before stay in the inbox. Like a survey response, an item keeps the id it came
with (the platform account, `slack:U01ADA`); the inbox, the member context and the figures find the
account's person when they read it (identities.person_of, metrics/scope.py), so a merge or an
unmerge made later moves it with its account.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import sqlalchemy as sa

from data_sources.connectors.saved import configured
from data_sources.errors import SyncBusy
from data_sources.sync import sync_lock
from feedback.intake import NewFeedback, add_feedback, enrichment
from settings import Settings
from store import tables
from store.database import AppStore

log = logging.getLogger(__name__)
SOURCE = "chat"  # feedback.source.chat: "Chat"
ACTOR = "connector"  # who the history says created the items
BATCH = 500  # ids per IN list (SQLite limits bound values)


def message_key(message_id: str) -> str:
    """The import key of a message's item: its platform id, hashed (feedback.import_key is 64 long)."""
    return hashlib.sha256(f"connector message\x1f{message_id}".encode()).hexdigest()


def take_messages(store: AppStore, *, settings: Settings, now: datetime) -> int:
    """Make the waiting messages of chosen channels feedback items (each once) and forget them all;
    how many items are new. Under the sync lock, so two takes (a page's Sync now and a scheduled
    `cli.py sync`) never take the same messages; when a sync holds it, its take will (0 here)."""
    try:
        with sync_lock(settings.data_dir):
            return _take(store, settings=settings, now=now)
    except SyncBusy:
        log.info("Feedback from messages: a sync is running; the messages wait for its take")
        return 0


def _take(store: AppStore, *, settings: Settings, now: datetime) -> int:
    waiting = tables.connector_messages
    with store.read() as connection:
        rows = connection.execute(sa.select(waiting).order_by(waiting.c.sent_at, waiting.c.message_id)).mappings().all()
    if not rows:
        return 0
    chosen = {
        connector.name: {item.removeprefix("#") for item in getattr(connector.config, "feedback_channels", ())}
        for connector in configured(settings, store)
    }
    kept = [
        row
        for row in rows
        if row["channel"] in chosen.get(row["connector"], set())
        or row["channel_name"] in chosen.get(row["connector"], set())
    ]
    items = [
        NewFeedback(
            source=SOURCE,
            text=row["text"],
            created_at=row["sent_at"],
            member_id=row["member_id"],
            import_key=message_key(row["message_id"]),
            tags=(f"{row['connector']} #{row['channel_name']}",),
        )
        for row in kept
    ]
    for item in items:  # computed before the write transaction (intake.enrichment remembers it)
        enrichment(item.text, item.language)
    ids = [row["message_id"] for row in rows]
    with store.begin() as connection:
        added = add_feedback(connection, items, actor=ACTOR, now=now)
        for start in range(0, len(ids), BATCH):
            connection.execute(waiting.delete().where(waiting.c.message_id.in_(ids[start : start + BATCH])))
    log.info(
        "Feedback from messages: %d new items of %d messages (%d of channels no longer chosen dropped)",
        len(added),
        len(kept),
        len(rows) - len(kept),
    )
    return len(added)
