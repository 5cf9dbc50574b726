"""Queuing digests: `enqueue_due` finds the digests whose slot has come and queues each one's message
once per period and channel (key digest:<id>:<first day>..<last day>:<channel>), through
delivery.outbox.enqueue, so however many processes try (the app servers' background senders,
`cli.py deliver` from cron) a period reaches a channel once. `send_now` queues a digest at once,
for trying it, under a key of its own that leaves the scheduled one untouched."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from data_sources.warehouse import open_warehouse
from delivery.channels import Channel, load_channels
from delivery.outbox import enqueue
from digests.compose import attachment, compose
from digests.subscriptions import NO_FAILURE, Digest, get_digest, key_prefix, list_digests
from errors import PulseError, kept
from metrics.filters import Filters
from metrics.scope import Runner
from reports.meeting import build_report
from settings import Settings
from store import tables
from store.database import AppStore

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=15)  # a digest that could not be built is tried again this much later


@dataclass(frozen=True)
class Queued:
    """What queuing one digest did: its period, the messages added (0 when every key was queued
    before), and the recipients that are no longer channels of secrets.toml."""

    digest: int
    filters: Filters
    queued: int
    missing: tuple[str, ...] = ()


def period_key(filters: Filters) -> str:
    return f"{filters.start.isoformat()}..{filters.last.isoformat()}"


@contextmanager
def _warehouse(settings: Settings, given: Runner | None) -> Iterator[Runner]:
    if given is not None:
        yield given
        return
    opened = open_warehouse(settings)
    try:
        yield opened
    finally:
        opened.dispose()


def queue_digest(
    settings: Settings,
    app_store: AppStore,
    digest: Digest,
    *,
    filters: Filters,
    warehouse: Runner,
    channels: dict[str, Channel],
    now: datetime,
    slot: datetime | None = None,
    trial: str = "",
) -> Queued:
    """Build the digest's report for `filters` and queue its message to every recipient channel, in
    one transaction that also records `slot` as the last one queued (a trial records nothing)."""
    report = build_report(
        warehouse=warehouse,
        app_store=app_store,
        filters=filters,
        now=now,
        language=digest.language,
        currency=settings.currency,
    )
    message = compose(digest, report, public_url=settings.public_url)
    present = [channels[name] for name in digest.recipients if name in channels]
    missing = tuple(name for name in digest.recipients if name not in channels)
    file = attachment(report, digest.attachment) if any(c.kind == "email" for c in present) else None
    queued = 0
    with app_store.begin() as connection:
        if slot is not None:
            digests = tables.digests
            connection.execute(
                digests.update()
                .where(digests.c.id == digest.id, sa.or_(digests.c.last_slot.is_(None), digests.c.last_slot < slot))
                .values(last_slot=slot, **NO_FAILURE)
            )
        for channel in present:
            key = f"{key_prefix(digest.id)}{period_key(filters)}:{channel.name}" + (f":{trial}" if trial else "")
            sent = replace(message, attachment=file) if channel.kind == "email" else message
            queued += enqueue(connection, channel=channel, message=sent, key=key, now=now)
    if missing:
        log.warning("Digest %d: recipients not in [pulse.channels] of secrets.toml: %s", digest.id, ", ".join(missing))
    log.info("Digest %d for %s: %d messages queued", digest.id, period_key(filters), queued)
    return Queued(digest.id, filters, queued, missing)


def due_now(settings: Settings, app_store: AppStore, now: datetime) -> list[tuple[Digest, datetime]]:
    """The enabled digests with a slot due, and that slot (the latest one not after `now`); one that
    failed to be built is tried again RETRY_AFTER after its failure, not at every call. A read."""
    found = []
    for digest in list_digests(app_store, enabled_only=True):
        if digest.failed_at is not None and now < digest.failed_at + RETRY_AFTER:
            continue
        slot = digest.schedule(settings.timezone).due(since=digest.last_slot or digest.created_at, now=now)
        if slot is not None:
            found.append((digest, slot))
    return found


def _failed(app_store: AppStore, digest: Digest, error: PulseError, *, now: datetime) -> None:
    """Keep why the digest could not be built (the Digests page says it), until one is queued."""
    digests = tables.digests
    with app_store.begin() as connection:
        connection.execute(
            digests.update()
            .where(digests.c.id == digest.id)
            .values(failed_at=now, failure=error.user_message, failure_said=kept(error.said()))
        )


def enqueue_due(
    settings: Settings, app_store: AppStore, now: datetime, *, warehouse: Runner | None = None
) -> list[Queued]:
    """Queue every digest whose slot has come (see the module's docstring). A digest that fails to
    build (no data yet, the warehouse away) is logged, kept as failed with its reason, and tried
    again RETRY_AFTER later."""
    due = due_now(settings, app_store, now)
    if not due:
        return []
    channels = load_channels(settings)
    done = []
    with _warehouse(settings, warehouse) as runner:
        for digest, slot in due:
            filters = digest.schedule(settings.timezone).period(slot, **digest.members())
            try:
                queued = queue_digest(
                    settings,
                    app_store,
                    digest,
                    filters=filters,
                    warehouse=runner,
                    channels=channels,
                    now=now,
                    slot=slot,
                )
            except PulseError as error:  # the others still go; this one is tried again later
                log.warning("Digest %d could not be queued: %s", digest.id, error.user_message)
                _failed(app_store, digest, error, now=now)
                continue
            done.append(queued)
    return done


def send_now(
    settings: Settings, app_store: AppStore, digest_id: int, *, now: datetime, warehouse: Runner | None = None
) -> Queued:
    """Queue a digest now for the period its latest slot would report on (or today's, before its
    first), marked as a trial in its keys: the scheduled message for that period still goes."""
    digest = get_digest(app_store, digest_id)
    schedule = digest.schedule(settings.timezone)
    filters = schedule.period(schedule.latest_until(now), **digest.members())
    with _warehouse(settings, warehouse) as runner:
        return queue_digest(
            settings,
            app_store,
            digest,
            filters=filters,
            warehouse=runner,
            channels=load_channels(settings),
            now=now,
            trial=f"try-{now:%Y%m%dT%H%M%S%f}",
        )
