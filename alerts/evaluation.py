"""Evaluating what is due, without a person: `evaluate_due` is called by `cli.py deliver` and the
app server's sender before they send, after every sync, and by `cli.py alerts evaluate`.

For each enabled rule due for a new period (alerts.schedule) it reads the figure (alerts.readings),
and in one transaction records the evaluation, moves the rule's state and, on a transition, queues
the message for each recipient under the key `alert:<rule>:<fired|recovered>:<period>:<channel>`:
a rule fires once when it starts holding and once when it stops, and a period's transition is
queued once however many processes evaluate. A snoozed rule is evaluated and recorded, and its
transitions move its state, but nothing is sent. One process evaluates at a time (the store's
"alerts" lease); a dry run reads and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from alerts import rules_file
from alerts.messages import FIRED, RECOVERED, message
from alerts.readings import Reading, Sources, read
from alerts.rules import Rule, list_rules
from alerts.schedule import current_period, due_period, last_sync_run
from delivery.channels import Channel, load_channels
from delivery.outbox import enqueue, lease
from engines import Runner
from errors import PulseError
from settings import Settings
from store import tables
from store.database import AppStore
from store.keys import inserted_id

log = logging.getLogger(__name__)

LEASE_NAME = "alerts"
HOLDING, CLEAR, NO_DATA = "holding", "clear", "no_data"
OUTCOMES = (FIRED, RECOVERED, HOLDING, CLEAR, NO_DATA)


@dataclass(frozen=True)
class Evaluated:
    """One rule's evaluation: the period, what it read, what followed, and the channels a message
    was queued for (none when nothing changed, the rule is snoozed, or in a dry run)."""

    rule: Rule
    period: str
    reading: Reading
    outcome: str
    snoozed: bool = False
    queued: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # recipients not in [pulse.channels]: nothing could be queued for them


@dataclass(frozen=True)
class AlertRun:
    """What one `evaluate_due` did; `busy` when another process was evaluating; `file_problem` the
    alerts file's problem, when it could not be read (its rules then stay as they were)."""

    evaluated: tuple[Evaluated, ...] = ()
    busy: bool = False
    file_problem: PulseError | None = None


def outcome_of(previous: bool | None, holding: bool | None) -> str:
    """FIRED when a rule starts holding (also on its first evaluation), RECOVERED when it stops,
    else HOLDING or CLEAR; NO_DATA without a judgement."""
    if holding is None:
        return NO_DATA
    if holding:
        return HOLDING if previous else FIRED
    return RECOVERED if previous else CLEAR


def evaluate_due(
    settings: Settings,
    app_store: AppStore,
    now: datetime,
    *,
    dry_run: bool = False,
    warehouse: Runner | None = None,
    channels: dict[str, Channel] | None = None,
    only: int | None = None,
) -> AlertRun:
    """Evaluate every rule that is due (or only rule `only`, due or not: "Check now"), record each
    evaluation and queue the messages of its transitions. Rules of the alerts file are read first."""
    if channels is None:
        channels = load_channels(settings)
    problem: PulseError | None = None
    try:
        rules_file.mirror(app_store, settings.alerts_file, now=now, channels=set(channels))
    except rules_file.AlertFileError as error:
        problem = error
        log.warning("Alerts: %s", error.user_message)
    sources = Sources(settings=settings, app_store=app_store, now=now, warehouse=warehouse)
    if dry_run:
        return AlertRun(tuple(_evaluations(sources, channels, only=only, record=False)), file_problem=problem)
    with lease(app_store, now, name=LEASE_NAME) as holder:
        if holder is None:
            return AlertRun(busy=True, file_problem=problem)
        done = tuple(_evaluations(sources, channels, only=only, record=True))
    if done:
        fired = sum(item.outcome == FIRED for item in done)
        log.info("Alerts: %d rules evaluated, %d fired", len(done), fired)
    return AlertRun(done, file_problem=problem)


def _evaluations(sources: Sources, channels: dict[str, Channel], *, only: int | None, record: bool) -> list[Evaluated]:
    zone, now = sources.settings.timezone, sources.now
    sync_run = last_sync_run(sources.app_store)
    done = []
    for rule in list_rules(sources.app_store):
        if only is not None:
            if rule.id != only:
                continue
            period = current_period(rule, now=now, timezone=zone, sync_run=sync_run) or "now"
        else:
            due = due_period(rule, now=now, timezone=zone, sync_run=sync_run)
            if due is None:
                continue
            period = due
        try:
            reading = read(rule.definition, sources)
        except PulseError as error:  # no warehouse yet, a source away: recorded as no judgement
            log.warning("Alerts: rule %d (%s) could not be read: %s", rule.id, rule.name, error.user_message)
            reading = Reading(None, note="unavailable")
        evaluated = Evaluated(rule, period, reading, outcome_of(rule.holding, reading.holding), rule.snoozed(now))
        done.append(_record(sources, evaluated, channels) if record else evaluated)
    return done


def _record(sources: Sources, evaluated: Evaluated, channels: dict[str, Channel]) -> Evaluated:
    """Record the evaluation, move the rule's state and queue its messages, in one transaction."""
    rule, reading, now = evaluated.rule, evaluated.reading, sources.now
    sending = evaluated.outcome in (FIRED, RECOVERED) and not evaluated.snoozed
    recipients = rule.definition.recipients if sending else ()
    missing = tuple(name for name in recipients if name not in channels)
    queued = []
    with sources.app_store.begin() as connection:
        evaluation = inserted_id(
            connection.execute(
                tables.alert_evaluations.insert().values(
                    rule_id=rule.id,
                    evaluated_at=now,
                    period_key=evaluated.period,
                    value=reading.value,
                    previous=reading.previous,
                    change=reading.change,
                    margin=reading.margin,
                    sample=reading.sample,
                    threshold=reading.threshold,
                    comparison=rule.definition.comparison,
                    holding=reading.holding,
                    outcome=evaluated.outcome,
                    snoozed=evaluated.snoozed and evaluated.outcome in (FIRED, RECOVERED),
                    note="channel_missing" if missing else reading.note,
                )
            )
        )
        state: dict[str, object] = {"last_evaluated_at": now, "last_period": evaluated.period}
        if reading.holding is not None:
            state["holding"] = reading.holding
        if evaluated.outcome in (FIRED, RECOVERED):
            state["holding_since"] = now if reading.holding else None
        rules = tables.alert_rules
        connection.execute(rules.update().where(rules.c.id == rule.id).values(**state))
        present = [name for name in recipients if name in channels]
        if present:
            settings = sources.settings
            said = message(
                rule.definition,
                reading,
                transition=evaluated.outcome,
                at=now,
                timezone=settings.timezone,
                language=settings.language,
                public_url=settings.public_url,
            )
            for name in present:
                key = f"alert:{rule.id}:{evaluated.outcome}:{evaluated.period}:{name}"[:200]
                if enqueue(connection, channel=channels[name], message=said, key=key, now=now):
                    outbox = tables.delivery_outbox
                    row = connection.execute(sa.select(outbox.c.id).where(outbox.c.idempotency_key == key)).scalar_one()
                    connection.execute(
                        tables.alert_messages.insert().values(
                            rule_id=rule.id, evaluation_id=evaluation, outbox_id=row, channel=name
                        )
                    )
                    queued.append(name)
    if missing:
        log.warning("Alerts: rule %d (%s) names channels not in [pulse.channels]: %s", rule.id, rule.name, missing)
    return replace(evaluated, queued=tuple(queued), missing=missing)


def evaluations(app_store: AppStore, rule_id: int, *, limit: int = 100) -> pd.DataFrame:
    """A rule's evaluations, newest first."""
    table = tables.alert_evaluations
    return app_store.run(
        sa.select(table)
        .where(table.c.rule_id == rule_id)
        .order_by(table.c.evaluated_at.desc(), table.c.id.desc())
        .limit(limit)
    )


def messages(app_store: AppStore, rule_id: int, *, limit: int = 100) -> pd.DataFrame:
    """The messages a rule queued, newest first, with where each stands in the outbox: evaluation
    id, outcome, channel, status, attempts, created, sent, last error."""
    links, outbox, table = tables.alert_messages, tables.delivery_outbox, tables.alert_evaluations
    return app_store.run(
        sa.select(
            links.c.evaluation_id,
            table.c.outcome,
            links.c.channel,
            outbox.c.status,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.sent_at,
            outbox.c.last_error,
        )
        .select_from(
            links.join(outbox, outbox.c.id == links.c.outbox_id).join(table, table.c.id == links.c.evaluation_id)
        )
        .where(links.c.rule_id == rule_id)
        .order_by(outbox.c.created_at.desc(), links.c.id.desc())
        .limit(limit)
    )
