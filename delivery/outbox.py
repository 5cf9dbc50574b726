"""The delivery outbox: every message to a channel is a row of `delivery_outbox`, sent by one sender
at a time with retries, and never sent twice.

- `enqueue` renders the message for its channel and inserts it under an idempotency key (e.g.
  "digest:weekly-kpis:team-slack:2026-W09"); the same key again adds nothing, so a digest for a
  period is queued once however many processes try.
- `deliver_due` takes the store's "delivery" lease (a `leases` row with holder and expiry, renewed
  before each message), so exactly one process sends whatever the processes and servers; another
  finds it held and sends nothing. For each due row it first marks the row `sending` (attempts + 1,
  in the transaction that renews the lease), then sends, then records the outcome: `sent`; back to
  `pending` with `next_attempt_at` after a backoff (the service's Retry-After when it gave one,
  capped at MAX_WAIT) for 429, 5xx, rate-limit codes and connection failures; `failed` at once for
  an answer that will not change (a revoked webhook, a malformed message, a refused login), or
  after MAX_ATTEMPTS attempts. A channel that asks for a retry (a rate limit, a 5xx, no connection)
  gets nothing more in this run: its other messages wait for the next one.
- A sender that dies after marking a row `sending` leaves it so. The next lease holder finds it and,
  since it cannot know whether the service took the message before the sender died, marks it
  `unknown` and does not send it again (the window is one message wide: between the send and the
  record of its outcome). Only a channel whose receiver drops repeats (the generic webhook, by its
  X-Pulse-Delivery id) gets it back as `pending`. `requeue` lets an admin send an unknown or failed
  row again on purpose.
- A channel is sent at most its `per_minute` messages (default 60) in any minute: past that, its
  rows wait for the next run.
- A message to a member (a `member_messages` row names its key) whose member or address has
  unsubscribed from its topic is never sent: the claim marks it `withheld` instead, however long
  ago it was queued (outreach/consent.py records unsubscribes).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

import clock
from delivery import formats, transport
from delivery.channels import Channel
from delivery.message import Message
from store import tables
from store.database import AppStore

log = logging.getLogger(__name__)

LEASE_NAME = "delivery"
LEASE = timedelta(minutes=5)  # far longer than one message's send (its timeouts); renewed before each
MAX_ATTEMPTS = 6
FIRST_WAIT = timedelta(minutes=1)  # then 4, 16 minutes, then an hour between attempts
MAX_WAIT = timedelta(hours=1)  # also the cap on a Retry-After
BATCH = 200
STATUSES = ("pending", "sending", "sent", "failed", "unknown", "withheld")
RATE_WINDOW = timedelta(minutes=1)  # a channel's per_minute counts the messages sent in the last minute
WITHHELD = "Not sent: the member unsubscribed from this kind of message after it was queued."
ORPHANED = (
    "The sender stopped while sending this message, so it is not known whether it arrived; it was not "
    "sent again (requeue it to send it once more)."
)


@dataclass(frozen=True)
class DeliveryRun:
    """What one `deliver_due` did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0  # orphaned in-flight rows found and marked
    busy: bool = False  # another process held the lease: this one sent nothing


def enqueue(connection: sa.Connection, *, channel: Channel, message: Message, key: str, now: datetime) -> bool:
    """Queue a message for a channel under an idempotency key, inside the caller's transaction;
    False when that key was queued before (nothing is added)."""
    values = {
        "channel": channel.name,
        "kind": channel.kind,
        "idempotency_key": key,
        "title": message.title[:300],
        "payload": formats.render(channel, message, key=key, now=now),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(tables.delivery_outbox)
    # Whether a row went in is read from RETURNING: psycopg reports no rowcount (-1) for an INSERT here.
    added = insert.values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return connection.execute(added.returning(tables.delivery_outbox.c.id)).first() is not None


def queue(app_store: AppStore, *, channel: Channel, message: Message, key: str, now: datetime) -> bool:
    """`enqueue` in a transaction of its own."""
    with app_store.begin() as connection:
        return enqueue(connection, channel=channel, message=message, key=key, now=now)


@contextmanager
def lease(app_store: AppStore, now: datetime, *, name: str = LEASE_NAME) -> Iterator[str | None]:
    """Hold the store's named lease: yields this holder's id, or None when another holds it.
    Taking it is one UPDATE of an expired row, or the INSERT of the row."""
    leases, holder = tables.leases, uuid.uuid4().hex
    with app_store.begin() as connection:
        taken = connection.execute(
            leases.update().where(leases.c.name == name, leases.c.until < now).values(holder=holder, until=now + LEASE)
        ).rowcount
        if not taken and connection.execute(sa.select(leases.c.name).where(leases.c.name == name)).first() is None:
            insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(leases)
            added = insert.values(name=name, holder=holder, until=now + LEASE).on_conflict_do_nothing(
                index_elements=["name"]
            )
            taken = int(connection.execute(added.returning(leases.c.name)).first() is not None)
    try:
        yield holder if taken else None
    finally:
        if taken:
            with app_store.begin() as connection:
                connection.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))


def _due(app_store: AppStore, now: datetime) -> list[tuple[int, str]]:
    """(id, channel) of the pending rows whose time has come, oldest first."""
    outbox = tables.delivery_outbox
    with app_store.read() as connection:
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.channel)
            .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(BATCH)
        )
        return [(int(row.id), str(row.channel)) for row in rows]


def work_waiting(app_store: AppStore, now: datetime) -> bool:
    """Whether a sender has anything to do: a due row, or a row left in flight. A read, so an idle
    server's minute costs no write."""
    outbox = tables.delivery_outbox
    with app_store.read() as connection:
        found = connection.execute(
            sa.select(outbox.c.id)
            .where(
                sa.or_(
                    sa.and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
                    outbox.c.status == "sending",
                )
            )
            .limit(1)
        ).first()
    return found is not None


def _resolve_orphans(app_store: AppStore, holder: str, now: datetime) -> int:
    """Rows another (dead) holder left `sending`: unknown, or pending again for idempotent kinds."""
    outbox = tables.delivery_outbox
    orphaned = sa.and_(outbox.c.status == "sending", outbox.c.claimed_by != holder)
    with app_store.begin() as connection:
        connection.execute(
            outbox.update()
            .where(orphaned, outbox.c.kind.in_(transport.IDEMPOTENT))
            .values(status="pending", next_attempt_at=now, last_error="Sent again after the sender stopped.")
        )
        unknown = connection.execute(
            outbox.update().where(orphaned).values(status="unknown", last_error=ORPHANED)
        ).rowcount
    if unknown:
        log.warning("Delivery: %d messages were in flight when a sender stopped; marked unknown, not resent", unknown)
    return unknown


def _claim(app_store: AppStore, row_id: int, holder: str, now: datetime) -> sa.Row | None:
    """Renew the lease and mark the row in flight, in one transaction; None when the lease was lost
    (this sender stalled past it) or the row is no longer pending."""
    outbox, leases = tables.delivery_outbox, tables.leases
    with app_store.begin() as connection:
        renewed = connection.execute(
            leases.update().where(leases.c.name == LEASE_NAME, leases.c.holder == holder).values(until=now + LEASE)
        ).rowcount
        if not renewed:
            return None
        if _unsubscribed(connection, row_id):
            connection.execute(
                outbox.update()
                .where(outbox.c.id == row_id, outbox.c.status == "pending")
                .values(status="withheld", last_error=WITHHELD)
            )
            return None
        claimed = connection.execute(
            outbox.update()
            .where(outbox.c.id == row_id, outbox.c.status == "pending")
            .values(status="sending", claimed_by=holder, claimed_at=now, attempts=outbox.c.attempts + 1)
        ).rowcount
        if not claimed:
            return None
        return connection.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()


def _unsubscribed(connection: sa.Connection, row_id: int) -> bool:
    """Whether the row is a member message whose member or address unsubscribed from its topic."""
    outbox, messages, off = tables.delivery_outbox, tables.member_messages, tables.member_unsubscribes
    found = connection.execute(
        sa.select(off.c.id)
        .select_from(
            outbox.join(messages, messages.c.outbox_key == outbox.c.idempotency_key).join(
                off,
                sa.and_(
                    off.c.topic == messages.c.topic,
                    sa.or_(off.c.member_id == messages.c.member_id, off.c.address_hash == messages.c.address_hash),
                ),
            )
        )
        .where(outbox.c.id == row_id)
        .limit(1)
    ).first()
    return found is not None


def _sent_lately(app_store: AppStore, channel: str, now: datetime) -> int:
    """Messages sent to a channel in the minute before now (its per_minute counts them)."""
    outbox = tables.delivery_outbox
    with app_store.read() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(
                    outbox.c.channel == channel, outbox.c.status == "sent", outbox.c.sent_at > now - RATE_WINDOW
                )
            ).scalar_one()
        )


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """The wait before the next attempt: what the service asked for, else 1, 4, 16 minutes, then
    an hour; never more than MAX_WAIT."""
    if retry_after is not None:
        return min(timedelta(seconds=max(retry_after, 1.0)), MAX_WAIT)
    return min(FIRST_WAIT * 4 ** max(attempts - 1, 0), MAX_WAIT)


def _record(app_store: AppStore, row: sa.Row, holder: str, outcome: transport.Outcome, now: datetime) -> str:
    outbox = tables.delivery_outbox
    mine = sa.and_(outbox.c.id == row.id, outbox.c.claimed_by == holder, outbox.c.status.in_(("sending", "unknown")))
    if outcome.status == "sent":
        values: dict[str, object] = {"status": "sent", "sent_at": now, "last_error": None}
    elif outcome.status == "retry" and row.attempts < MAX_ATTEMPTS:
        wait = backoff(row.attempts, outcome.retry_after)
        values = {"status": "pending", "next_attempt_at": now + wait, "last_error": outcome.detail}
    elif outcome.status == "retry":
        values = {"status": "failed", "last_error": f"Gave up after {row.attempts} attempts. Last: {outcome.detail}"}
    else:
        values = {"status": "failed", "last_error": outcome.detail}
    with app_store.begin() as connection:
        connection.execute(outbox.update().where(mine).values(**values))
    return str(values["status"])


def deliver_due(
    app_store: AppStore,
    channels: dict[str, Channel],
    *,
    now: Callable[[], datetime] = clock.now,
    send: Callable[..., transport.Outcome] = transport.send,
) -> DeliveryRun:
    """Send every due message once, under the store's delivery lease (see the module's docstring).
    Failures are recorded on their rows, never raised (the app store's own outage is)."""
    if not work_waiting(app_store, now()):
        return DeliveryRun()
    counts = {"sent": 0, "pending": 0, "failed": 0}
    with lease(app_store, now()) as holder:
        if holder is None:
            return DeliveryRun(busy=True)
        unknown = _resolve_orphans(app_store, holder, now())
        paused: set[str] = set()  # channels that asked for a retry in this run, or spent their minute
        lately: dict[str, int] = {}  # messages sent per channel in the last minute
        for row_id, channel_name in _due(app_store, now()):
            if channel_name in paused:
                continue
            configured = channels.get(channel_name)
            if configured is not None:
                if channel_name not in lately:
                    lately[channel_name] = _sent_lately(app_store, channel_name, now())
                if lately[channel_name] >= configured.per_minute:
                    paused.add(channel_name)  # the rest wait for the next run
                    continue
            row = _claim(app_store, row_id, holder, now())
            if row is None:
                if not _holds(app_store, holder):
                    log.warning("Delivery: this sender lost its lease; leaving the rest to the next")
                    break
                continue
            channel = channels.get(row.channel)
            if channel is None or channel.kind != row.kind:
                outcome = transport.Outcome(
                    "failed",
                    f"The channel {row.channel!r} ({row.kind}) is no longer in [pulse.channels] of secrets.toml.",
                )
            else:
                outcome = send(channel, row.payload, key=row.idempotency_key, now=now())
            status = _record(app_store, row, holder, outcome, now())
            counts[status] += 1
            if status == "sent" and row.channel in lately:
                lately[row.channel] += 1
            if outcome.status == "retry":  # rate limited, failing or unreachable: spare it the rest
                paused.add(row.channel)
            if status != "sent":
                log.warning("Delivery to %s (%s, attempt %d): %s", row.channel, status, row.attempts, outcome.detail)
    run = DeliveryRun(sent=counts["sent"], retrying=counts["pending"], failed=counts["failed"], unknown=unknown)
    log.info(
        "Delivery: %d sent, %d wait for a retry, %d failed, %d unknown", run.sent, run.retrying, run.failed, run.unknown
    )
    return run


def _holds(app_store: AppStore, holder: str) -> bool:
    leases = tables.leases
    with app_store.read() as connection:
        found = connection.execute(
            sa.select(leases.c.holder).where(leases.c.name == LEASE_NAME, leases.c.holder == holder)
        ).first()
    return found is not None


def requeue(app_store: AppStore, row_id: int, *, now: datetime) -> bool:
    """Send a failed or unknown message again (an admin's choice: an unknown one may arrive twice)."""
    outbox = tables.delivery_outbox
    with app_store.begin() as connection:
        return (
            connection.execute(
                outbox.update()
                .where(outbox.c.id == row_id, outbox.c.status.in_(("failed", "unknown")))
                .values(status="pending", attempts=0, next_attempt_at=now)
            ).rowcount
            == 1
        )


def recent(app_store: AppStore, *, limit: int = 50) -> pd.DataFrame:
    """The newest rows, for the CLI and the Data page: id, channel, kind, title, status, attempts,
    next attempt, last error, created, sent (never the payload)."""
    outbox = tables.delivery_outbox
    return app_store.run(
        sa.select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.kind,
            outbox.c.title,
            outbox.c.status,
            outbox.c.attempts,
            outbox.c.next_attempt_at,
            outbox.c.last_error,
            outbox.c.created_at,
            outbox.c.sent_at,
        )
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )


def counts(app_store: AppStore) -> dict[tuple[str, str], int]:
    """Rows per (channel, status)."""
    outbox = tables.delivery_outbox
    frame = app_store.run(
        sa.select(outbox.c.channel, outbox.c.status, sa.func.count().label("n")).group_by(
            outbox.c.channel, outbox.c.status
        )
    )
    return {(str(c), str(s)): int(n) for c, s, n in zip(frame["channel"], frame["status"], frame["n"], strict=True)}
