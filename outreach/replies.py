"""Closing the loop: telling a member what became of their feedback. The manager starts from the
reply template in the member's language, edits it, and sends; the message goes through the outbox
once (key `reply:<item>:<version>`: a double click at the same version of the item queues one), and
the item's history records it (field `told`), raising its version like any change. A member who
unsubscribed from feedback replies is refused here and withheld by the sender."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from catalog import translate
from errors import PulseError, Said
from outreach import consent
from outreach.messages import Recipient, Sending, is_address, record, written
from store import tables
from store.database import AppStore

EXCERPT = 160  # characters of the member's own words quoted in the reply


class ReplyRefused(PulseError):
    """Raised when a reply cannot be sent: the member has no usable address, unsubscribed from
    feedback replies, or the item changed since the manager opened it."""


def excerpt(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def reply_values(*, text: str, status: str, language: str) -> dict[str, str]:
    """The template's {feedback} and {status} for this item in the member's language."""
    return {"feedback": excerpt(text), "status": translate(f"feedback.status.{status}", language)}


def send_reply(
    app_store: AppStore,
    sending: Sending,
    recipient: Recipient,
    *,
    feedback_id: int,
    version: int,
    subject: str,
    body: str,
) -> bool:
    """Queue the edited reply and record it in the item's history, in one transaction; False when
    this version of the item was replied to already (nothing more is queued)."""
    if not recipient.address or not is_address(recipient.address):
        raise ReplyRefused(Said("outreach.reply.no_address"))
    if not subject.strip() or not body.strip():
        raise ReplyRefused(Said("outreach.reply.empty"))
    feedback = tables.feedback
    with app_store.begin() as connection:
        off_members, off_addresses = consent.unsubscribed(
            connection,
            topic="feedback",
            member_ids=[recipient.member_id],
            hashes=[consent.address_hash(recipient.address)],
        )
        if off_members or off_addresses:
            raise ReplyRefused(Said("outreach.reply.unsubscribed"))
        message = written(sending, recipient, subject=subject, body=body)
        if not record(
            connection, sending, recipient, message, key=f"reply:{feedback_id}:{version}", feedback_id=feedback_id
        ):
            return False
        updated = connection.execute(
            feedback.update()
            .where(feedback.c.id == feedback_id, feedback.c.version == version)
            .values(version=version + 1, updated_at=sending.now)
        ).rowcount
        if updated != 1:
            raise ReplyRefused(Said("outreach.reply.changed", item=feedback_id))
        connection.execute(
            tables.feedback_events.insert().values(
                feedback_id=feedback_id,
                version=version + 1,
                actor=sending.actor,
                at=sending.now,
                field="told",
                old_value=None,
                new_value=subject.strip(),
            )
        )
    return True


def closed_told(app_store: AppStore, *, start: datetime, end: datetime) -> tuple[int, int]:
    """Items closed in [start, end) and still closed, and of those the ones whose member was told
    by a reply sent (its outbox row `sent`) at any time."""
    feedback, messages, outbox = tables.feedback, tables.member_messages, tables.delivery_outbox
    told = (
        sa.select(messages.c.feedback_id)
        .join(outbox, outbox.c.idempotency_key == messages.c.outbox_key)
        .where(messages.c.kind == "reply", outbox.c.status == "sent")
    )
    closed = sa.and_(feedback.c.closed_at >= start, feedback.c.closed_at < end)
    with app_store.read() as connection:
        row = connection.execute(
            sa.select(
                sa.func.count().label("closed"),
                sa.func.coalesce(sa.func.sum(sa.case((feedback.c.id.in_(told), 1), else_=0)), 0).label("told"),
            ).where(closed)
        ).one()
    return int(row.closed), int(row.told)
