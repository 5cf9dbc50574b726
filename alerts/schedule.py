"""When a rule is due: the evaluation period it belongs to now, in the community's time zone.

- hourly: each local hour ("2026-03-05T09"), evaluated at the first chance in it;
- daily at HH:MM: each local day from that time on ("2026-03-05"): a rule checked at 08:59 belongs
  to the day before, at 09:00 to this one;
- after each sync: each finished sync run, good or failed ("sync-42").

A rule is due when its current period differs from the one it was last evaluated for, so a period
is evaluated once however often the senders look, and the outbox key (rule, transition, period)
sends a transition once however many processes try.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alerts.rules import AFTER_SYNC, DEFAULT_AT, HOURLY, Rule
from store import tables
from store.database import AppStore


def local(moment: datetime, timezone: str) -> datetime:
    """A stored (naive UTC) moment as the community's local time (naive)."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def stored(moment: datetime, timezone: str) -> datetime:
    """A local (naive) moment as stored: naive UTC."""
    return moment.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def _at(rule: Rule) -> time:
    hours, minutes = (rule.definition.at or DEFAULT_AT).split(":")
    return time(int(hours), int(minutes))


def last_sync_run(app_store: AppStore) -> int | None:
    """The id of the latest finished sync run (succeeded, failed or interrupted)."""
    runs = tables.sync_runs
    with app_store.read() as connection:
        return connection.scalar(sa.select(sa.func.max(runs.c.id)).where(runs.c.status != "running"))


def current_period(rule: Rule, *, now: datetime, timezone: str, sync_run: int | None) -> str | None:
    """The evaluation period `now` belongs to for this rule (None: an after-sync rule before any sync)."""
    schedule = rule.definition.schedule
    if schedule == AFTER_SYNC:
        return None if sync_run is None else f"sync-{sync_run}"
    here = local(now, timezone)
    if schedule == HOURLY:
        return here.strftime("%Y-%m-%dT%H")
    day = here.date() if here.time() >= _at(rule) else here.date() - timedelta(days=1)
    return day.isoformat()


def due_period(rule: Rule, *, now: datetime, timezone: str, sync_run: int | None) -> str | None:
    """The period the rule is due for now, or None when it is not due (disabled, or evaluated for
    this period already)."""
    if not rule.enabled:
        return None
    period = current_period(rule, now=now, timezone=timezone, sync_run=sync_run)
    return None if period is None or period == rule.last_period else period


def next_due(rule: Rule, *, now: datetime, timezone: str, sync_run: int | None) -> datetime | None:
    """When the rule is next due (naive UTC; `now` when it is due now); None for a disabled rule
    and for one evaluated after each sync that has evaluated the latest (it waits for the next)."""
    if not rule.enabled:
        return None
    if due_period(rule, now=now, timezone=timezone, sync_run=sync_run) is not None:
        return now
    if rule.definition.schedule == AFTER_SYNC:
        return None
    here = local(now, timezone)
    if rule.definition.schedule == HOURLY:
        return stored(here.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1), timezone)
    day = here.date() if here.time() < _at(rule) else here.date() + timedelta(days=1)
    return stored(datetime.combine(day, _at(rule)), timezone)
