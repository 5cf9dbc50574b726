"""Messages of the channels chosen for feedback, between the fetch that brought them and the
feedback intake that takes them (feedback/messages.py): the app store's connector_messages, keyed
by the message's id on its platform. A message fetched twice (a step fetched again after a failure,
the day a Slack export is read from again) is kept once; the intake then makes each one item once
(by an import key made from that id) and deletes it here, so the text lives on only in the item."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from data_sources.connectors.archive import Row
from store import tables
from store.database import AppStore

BATCH = 500  # ids per IN list (SQLite limits bound values)
MOST_TEXT = 20_000  # characters of a message kept (feedback.intake.MAX_TEXT)


def storable(text: object, most: int) -> str:
    """Text the app store can keep, at most `most` characters: a NUL (which PostgreSQL refuses) taken
    out and a lone surrogate (not UTF-8) replaced, so one odd message cannot fail every sync after."""
    return str(text).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:most]


def keep(app_store: AppStore, connector: str, messages: Sequence[Row]) -> int:
    """Keep the messages not kept yet; how many were new."""
    waiting = tables.connector_messages
    fresh: dict[str, Row] = {}
    for message in messages:
        fresh.setdefault(str(message["message_id"]), message)
    if not fresh:
        return 0
    with app_store.begin() as connection:
        ids = list(fresh)
        for start in range(0, len(ids), BATCH):
            chosen = sa.select(waiting.c.message_id).where(waiting.c.message_id.in_(ids[start : start + BATCH]))
            for known in connection.execute(chosen).scalars():
                fresh.pop(known, None)
        if fresh:
            connection.execute(
                waiting.insert(),
                [
                    {
                        "message_id": key,
                        "connector": connector,
                        "channel": storable(message["channel"], 200),
                        "channel_name": storable(message["channel_name"], 200),
                        "member_id": storable(message["member_id"], 200),
                        "sent_at": message["sent_at"],
                        "text": storable(message["text"], MOST_TEXT),
                    }
                    for key, message in fresh.items()
                ],
            )
    return len(fresh)
