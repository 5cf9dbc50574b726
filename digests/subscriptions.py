"""Digest subscriptions as managers keep them in the app store (`digests` table): what each one
reports on, when, in which language, to which channels; checked before they are kept, with who made
or changed them. The outbox rows a digest queued are its history (their keys start digest:<id>:)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from catalog import LANGUAGES
from digests.schedule import CADENCES, Schedule
from errors import PulseError, Said
from metrics.filters import DIMENSIONS
from metrics.goals import moment, words
from store import tables
from store.database import AppStore
from store.keys import inserted_id

ATTACHMENTS = ("pdf", "png", "none")
NAME_LIMIT = 120
MEMBERS_LIMIT = 200
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class DigestRefused(PulseError):
    """Raised when a digest cannot be kept as given (no name, no recipient, a weekday or day of the
    month out of range, an unknown language or attachment) or is no longer there; the message says
    what to change."""


@dataclass(frozen=True)
class Digest:
    """A kept digest (see store/tables.py, `digests`)."""

    id: int
    name: str
    cadence: str
    send_time: str  # "HH:MM", local
    language: str
    recipients: tuple[str, ...]
    attachment: str = "pdf"
    weekday: int | None = None
    day_of_month: int | None = None
    channel: str | None = None
    region: str | None = None
    segment: str | None = None
    enabled: bool = True
    last_slot: datetime | None = None
    failed_at: datetime | None = None  # the last time it could not be built, until one is queued
    failure: str | None = None  # why, in English
    failure_said: Any = None  # why, as kept (errors.kept), to say in the reader's language
    created_by: str = ""
    created_at: datetime = field(default_factory=lambda: datetime(2000, 1, 1))

    def schedule(self, timezone: str) -> Schedule:
        hour, minute = (int(part) for part in self.send_time.split(":"))
        return Schedule(
            cadence=self.cadence,
            at=time(hour, minute),
            timezone=timezone,
            weekday=self.weekday,
            day_of_month=self.day_of_month,
        )

    def members(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in DIMENSIONS}

    def next_run(self, timezone: str, *, now: datetime) -> datetime:
        """The next slot after the later of now and the last one queued (naive UTC)."""
        return self.schedule(timezone).next_after(max(now, self.last_slot or now))


def check(values: dict[str, Any]) -> None:
    """Refuse a digest that cannot be kept, naming the field."""
    name = str(values.get("name") or "").strip()
    if not name or len(name) > NAME_LIMIT:
        raise DigestRefused(Said("digests.refused.name", limit=NAME_LIMIT))
    cadence = values.get("cadence")
    if cadence not in CADENCES:
        raise DigestRefused(Said("digests.refused.cadence", cadence=str(cadence)))
    weekday, day = values.get("weekday"), values.get("day_of_month")
    if cadence == "weekly" and not (isinstance(weekday, int) and 0 <= weekday <= 6):
        raise DigestRefused(Said("digests.refused.weekday"))
    if cadence == "monthly" and not (isinstance(day, int) and 1 <= day <= 31):
        raise DigestRefused(Said("digests.refused.day", day=str(day)))
    if not TIME.fullmatch(str(values.get("send_time", ""))):
        raise DigestRefused(Said("digests.refused.time", time=str(values.get("send_time"))))
    if values.get("language") not in LANGUAGES:
        raise DigestRefused(Said("digests.refused.language", language=str(values.get("language"))))
    if values.get("attachment") not in ATTACHMENTS:
        raise DigestRefused(Said("digests.refused.attachment", attachment=str(values.get("attachment"))))
    recipients = values.get("recipients") or ()
    if not recipients or not all(isinstance(item, str) and item for item in recipients):
        raise DigestRefused(Said("digests.refused.recipients"))
    if any(len(values.get(name) or "") > MEMBERS_LIMIT for name in DIMENSIONS):
        raise DigestRefused(Said("goals.refused.members", limit=MEMBERS_LIMIT))


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """What is stored of a digest's fields: the cadence's own day only, no empty member filter."""
    weekly = values["cadence"] == "weekly"
    return {
        "name": str(values["name"]).strip(),
        "cadence": values["cadence"],
        "weekday": values.get("weekday") if weekly else None,
        "day_of_month": None if weekly else values.get("day_of_month"),
        "send_time": values["send_time"],
        "language": values["language"],
        "recipients": list(dict.fromkeys(values["recipients"])),
        "attachment": values["attachment"],
        **{name: values.get(name) or None for name in DIMENSIONS},
    }


NO_FAILURE = {"failed_at": None, "failure": None, "failure_said": None}


def add_digest(app_store: AppStore, *, by: str, now: datetime, **values: Any) -> int:
    """Keep a new digest, enabled (checked first); its first slot is the first after `now`."""
    check(values)
    with app_store.begin() as connection:
        return inserted_id(
            connection.execute(
                tables.digests.insert().values(**_row(values), enabled=True, created_by=by, created_at=now)
            )
        )


def edit_digest(app_store: AppStore, digest_id: int, *, by: str, now: datetime, **values: Any) -> None:
    """Change a digest (checked first); slots already queued stay queued. A failure it had is
    forgotten, so the changed digest is tried at the next send."""
    check(values)
    digests = tables.digests
    with app_store.begin() as connection:
        changed = connection.execute(
            digests.update()
            .where(digests.c.id == digest_id)
            .values(**_row(values), **NO_FAILURE, updated_by=by, updated_at=now)
        )
    if changed.rowcount != 1:
        raise DigestRefused(Said("digests.refused.gone"))


def set_enabled(app_store: AppStore, digest_id: int, enabled: bool, *, by: str, now: datetime) -> None:
    """Pause or resume a digest. Resuming starts from now: the slots it slept through are not sent."""
    digests = tables.digests
    values: dict[str, Any] = {"enabled": enabled, **NO_FAILURE, "updated_by": by, "updated_at": now}
    if enabled:
        values["last_slot"] = sa.case((digests.c.last_slot > now, digests.c.last_slot), else_=now)
    with app_store.begin() as connection:
        connection.execute(digests.update().where(digests.c.id == digest_id).values(**values))


def delete_digest(app_store: AppStore, digest_id: int) -> None:
    """Remove a digest; what it queued stays in the outbox (sent or still to send)."""
    with app_store.begin() as connection:
        connection.execute(tables.digests.delete().where(tables.digests.c.id == digest_id))


def _digest(row: Any) -> Digest:
    recipients = row.recipients if isinstance(row.recipients, list) else []
    return Digest(
        id=int(row.id),
        name=str(row.name),
        cadence=str(row.cadence),
        send_time=str(row.send_time),
        language=str(row.language),
        recipients=tuple(str(item) for item in recipients),
        attachment=str(row.attachment),
        weekday=None if pd.isna(row.weekday) else int(row.weekday),
        day_of_month=None if pd.isna(row.day_of_month) else int(row.day_of_month),
        channel=words(row.channel),
        region=words(row.region),
        segment=words(row.segment),
        enabled=bool(row.enabled),
        last_slot=moment(row.last_slot),
        failed_at=moment(row.failed_at),
        failure=words(row.failure),
        failure_said=row.failure_said if isinstance(row.failure_said, dict | list) else None,
        created_by=str(row.created_by),
        created_at=moment(row.created_at) or datetime(2000, 1, 1),
    )


def list_digests(app_store: AppStore, *, enabled_only: bool = False) -> list[Digest]:
    """Every digest (or the enabled ones), in the order they were made."""
    digests = tables.digests
    statement = sa.select(digests).order_by(digests.c.id)
    if enabled_only:
        statement = statement.where(digests.c.enabled.is_(True))
    return [_digest(row) for row in app_store.run(statement).itertuples(index=False)]


def get_digest(app_store: AppStore, digest_id: int) -> Digest:
    found = [digest for digest in list_digests(app_store) if digest.id == digest_id]
    if not found:
        raise DigestRefused(Said("digests.refused.unknown", id=digest_id))
    return found[0]


def key_prefix(digest_id: int) -> str:
    """How every outbox key of a digest starts (digest:<id>:<period>:<channel>)."""
    return f"digest:{digest_id}:"


def history(app_store: AppStore, digest_id: int, *, limit: int = 50) -> pd.DataFrame:
    """The outbox rows a digest queued, newest first: id, channel, title, status, attempts,
    created_at, sent_at, last_error (never the payload)."""
    outbox = tables.delivery_outbox
    prefix = key_prefix(digest_id)
    return app_store.run(
        sa.select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.title,
            outbox.c.status,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.sent_at,
            outbox.c.last_error,
        )
        .where(sa.func.substr(outbox.c.idempotency_key, 1, len(prefix)) == prefix)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )


def local_time(moment: datetime, timezone: str) -> datetime:
    """A naive UTC moment as the community's wall clock reads it (naive, local)."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
