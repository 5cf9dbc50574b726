"""Reminders: after N days (set per survey), up to two more emails with the same personal link to
members whose invitation was sent and who have not completed the survey; never to one who finished
(under any of their ids: a person invited under two accounts since merged has finished when one
link was used), or unsubscribed, never after the survey closed. `queue_due` runs before each outbox run (the app
server's sender every minute, `cli.py deliver`); the key `remind:<slug>:<member>:<round>` queues each
reminder once, and each comes `after_days` after the member's previous message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from catalog import translate
from delivery.channels import Channel, EmailChannel
from errors import PulseError, Said
from outreach import consent
from outreach.invitations import survey_values
from outreach.messages import Recipient, Sending, compose, members_sent, record, wordings
from settings import Settings, signing_secret
from store import tables
from store.database import AppStore
from surveys.registry import Availability, current_availability, load_survey

log = logging.getLogger(__name__)
MAX_REMINDERS = 2
MAX_DAYS = 60


class ReminderError(PulseError):
    """Raised when reminders are set outside what the product sends (1 or 2 reminders, after 1 to 60 days)."""


@dataclass(frozen=True)
class Reminders:
    after_days: int
    reminders: int  # 0: none


def settings_of(app_store: AppStore, slug: str) -> Reminders:
    kept = tables.survey_reminders
    with app_store.read() as connection:
        row = connection.execute(
            sa.select(kept.c.after_days, kept.c.reminders).where(kept.c.survey_slug == slug)
        ).first()
    return Reminders(after_days=3, reminders=0) if row is None else Reminders(int(row.after_days), int(row.reminders))


def set_reminders(app_store: AppStore, slug: str, wanted: Reminders, *, actor: str, now: datetime) -> None:
    """Keep a survey's reminders (0 reminders turns them off)."""
    if not 0 <= wanted.reminders <= MAX_REMINDERS:
        raise ReminderError(Said("outreach.reminders.count", most=MAX_REMINDERS))
    if not 1 <= wanted.after_days <= MAX_DAYS:
        raise ReminderError(Said("outreach.reminders.days", most=MAX_DAYS))
    kept = tables.survey_reminders
    values = {"after_days": wanted.after_days, "reminders": wanted.reminders, "updated_by": actor, "updated_at": now}
    with app_store.begin() as connection:
        insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(kept)
        connection.execute(
            insert.values(survey_slug=slug, **values).on_conflict_do_update(index_elements=["survey_slug"], set_=values)
        )


PersonsOf = Callable[[list[str]], dict[str, str]]  # ids -> their person's canonical id (identities.persons_of)


def _completed(slug: str) -> sa.Select:
    """The ids whose personal link to the survey was used."""
    invitations, surveys = tables.invitations, tables.surveys
    return (
        sa.select(invitations.c.member_id)
        .join(surveys, surveys.c.id == invitations.c.survey_id)
        .where(surveys.c.slug == slug, invitations.c.used_at.is_not(None))
    )


def _not_finished_elsewhere(rows: list[sa.Row], completed: set[str], persons_of: PersonsOf | None) -> list[sa.Row]:
    """The rows whose person has not completed under another of their ids."""
    if persons_of is None or not rows or not completed:
        return rows
    persons = persons_of(sorted({str(row.member_id) for row in rows} | completed))
    done = {persons.get(member, member) for member in completed}
    return [row for row in rows if persons.get(str(row.member_id), str(row.member_id)) not in done]


def _waiting(connection: sa.Connection, slug: str, survey_id: int) -> list[sa.Row]:
    """Per member invited by email whose invitation was sent and who has not completed: their
    latest message to this survey (round, when, channel, address, name, language)."""
    messages = tables.member_messages
    completed = _completed(slug)
    sent = members_sent(slug, "invitation")
    latest = (
        sa.select(messages.c.member_id, sa.func.max(messages.c.id).label("id"))
        .where(messages.c.survey_slug == slug, messages.c.member_id.in_(sent), messages.c.member_id.not_in(completed))
        .group_by(messages.c.member_id)
        .subquery()
    )
    return list(connection.execute(sa.select(messages).join(latest, latest.c.id == messages.c.id)))


def queue_due(
    app_store: AppStore,
    channels: dict[str, Channel],
    *,
    secret: str,
    base_url: str,
    now: datetime,
    persons_of: PersonsOf | None = None,
) -> int:
    """Queue the reminders that are due now; the number queued. `persons_of` tells which ids are one
    person (the warehouse's links, asked only when reminders are due)."""
    kept, queued = tables.survey_reminders, 0
    with app_store.read() as connection:
        surveys = list(connection.execute(sa.select(kept).where(kept.c.reminders > 0)))
    if not surveys:
        return 0
    wording = wordings(app_store, "reminder")
    for setting in surveys:
        stored = load_survey(app_store, setting.survey_slug)
        if stored is None or current_availability(app_store, stored, now=now) is not Availability.OPEN:
            continue
        with app_store.begin() as connection:
            rows = [
                row
                for row in _waiting(connection, stored.slug, stored.id)
                if row.round < setting.reminders and row.created_at <= now - timedelta(days=setting.after_days)
            ]
            completed = {str(member_id) for member_id in connection.scalars(_completed(stored.slug))}
            rows = _not_finished_elsewhere(rows, completed, persons_of)
            off_members, off_addresses = consent.unsubscribed(
                connection,
                topic="surveys",
                member_ids=[row.member_id for row in rows],
                hashes=[row.address_hash for row in rows],
            )
            for row in rows:
                channel = channels.get(row.channel)
                if row.member_id in off_members or row.address_hash in off_addresses:
                    continue
                if not isinstance(channel, EmailChannel):
                    log.warning(
                        "Reminders for %s: the channel %r is no longer an email channel", stored.slug, row.channel
                    )
                    continue
                recipient = Recipient(str(row.member_id), str(row.name or ""), str(row.address), str(row.language))
                sending = Sending(
                    channel=channel,
                    kind="reminder",
                    wording=wording,
                    secret=secret,
                    base_url=base_url,
                    actor="reminders",
                    now=now,
                )
                values = survey_values(stored, recipient, sending)
                message = compose(
                    sending, recipient, link_label=translate("outreach.open_survey", recipient.language), **values
                )
                round_ = int(row.round) + 1
                queued += record(
                    connection,
                    sending,
                    recipient,
                    message,
                    key=f"remind:{stored.slug}:{recipient.member_id}:{round_}"[:200],
                    survey_slug=stored.slug,
                    round_=round_,
                    audience=row.audience,
                )
    if queued:
        log.info("Reminders: %d queued", queued)
    return queued


def queue_due_for(
    settings: Settings,
    app_store: AppStore,
    channels: dict[str, Channel],
    *,
    now: datetime,
    persons_of: PersonsOf | None = None,
) -> int:
    """`queue_due` with the app's signing key and public address (what the senders call first)."""
    return queue_due(
        app_store,
        channels,
        secret=signing_secret(settings),
        base_url=settings.public_url,
        now=now,
        persons_of=persons_of,
    )
