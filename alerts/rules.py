"""What an alert rule is, how it is checked, and how it is kept in the app store (`alert_rules`).

A rule is a Definition (what a manager writes: its kind, KPI, comparison, filter, schedule and
recipients) and its state (enabled, snoozed until, holding or not, when last evaluated). Checking
raises AlertRefused naming the field, so the Alerts page says it beside the form and the YAML file's
reader names the file and the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from errors import PulseError, Said
from metrics.filters import DIMENSIONS, PRESETS
from metrics.kpis import KPIS, SPECS, Format, KpiSpec
from store import tables
from store.database import AppStore
from store.keys import inserted_id

# Kinds on a KPI, and the built-in kinds (each has its own figure: readings.py).
THRESHOLD, CHANGE, NOISE = "threshold", "change", "noise"
KPI_KINDS = (THRESHOLD, CHANGE, NOISE)
NEGATIVE_FEEDBACK, OVERDUE_FEEDBACK, SLIPPING_CHAMPIONS, SYNC = (
    "negative_feedback",
    "overdue_feedback",
    "slipping_champions",
    "sync",
)
BUILT_INS = (NEGATIVE_FEEDBACK, OVERDUE_FEEDBACK, SLIPPING_CHAMPIONS, SYNC)
KINDS = (*KPI_KINDS, *BUILT_INS)
LEVELS = ("above", "below")  # a threshold rule's comparisons
DIRECTIONS = ("rise", "fall", "either")  # a change or noise rule's
UNITS = ("percent", "points")  # a change rule's: relative, or in the KPI's own units (percentage points)
HOURLY, DAILY, AFTER_SYNC = "hourly", "daily", "after_sync"
SCHEDULES = (HOURLY, DAILY, AFTER_SYNC)
PERIODS = tuple(preset for preset in PRESETS if preset != "custom")
# KPIs with a margin of error (NPS) or a sample a rate rests on: what a noise rule can judge.
NOISE_KPIS = tuple(kpi.key for kpi in KPIS if kpi.format in (Format.PERCENT, Format.SCORE))
MIN_MEMBERS = 30  # a noise rule's default smallest sample (metrics.kpi.MIN_SAMPLE, the tiles' rule)
# Built-ins' thresholds when none is given: overdue items, slipping champions, hours since a good sync.
DEFAULT_THRESHOLDS = {OVERDUE_FEEDBACK: 1.0, SLIPPING_CHAMPIONS: 1.0, SYNC: 24.0}
DEFAULT_AT = "09:00"
NAME_LIMIT = 200
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class AlertRefused(PulseError):
    """Raised when an alert rule cannot be kept as given (a missing name, an unknown KPI or kind, a
    threshold of the wrong kind, a channel that is not configured) or is no longer there; `field`
    names what to change."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Definition:
    """What a rule says. `threshold`: a threshold rule's level (a share for a percentage KPI), a
    change rule's amount (percent, or points in the KPI's units: percentage points for a rate), a
    built-in's count or hours; None for a noise rule and negative feedback."""

    name: str
    kind: str
    subject: str | None = None
    comparison: str = ""
    threshold: float | None = None
    unit: str | None = None
    period: str = "last_7_days"
    min_members: int | None = None
    channel: str | None = None
    region: str | None = None
    segment: str | None = None
    schedule: str = DAILY
    at: str | None = DEFAULT_AT
    recipients: tuple[str, ...] = ()

    @property
    def spec(self) -> KpiSpec | None:
        return SPECS.get(self.subject or "")

    def members(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in DIMENSIONS}


@dataclass(frozen=True)
class Rule:
    """A kept rule and its state: `holding` is None until its first evaluation."""

    id: int
    definition: Definition
    origin: str = "app"  # or "file": defined in the alerts YAML file, read-only in the app
    enabled: bool = True
    snoozed_until: datetime | None = None
    holding: bool | None = None
    holding_since: datetime | None = None
    last_evaluated_at: datetime | None = None
    last_period: str | None = None
    created_by: str = ""
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    file_key: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.definition.name

    def snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now


def _refuse(key: str, field: str, **values: Any) -> AlertRefused:
    return AlertRefused(Said(key, **values), field=field)


def normalised(definition: Definition) -> Definition:
    """The definition with what its kind does not use cleared and the defaults filled in: a
    built-in's threshold, a noise rule's smallest sample, a daily rule's time; empty names as None."""
    kind = definition.kind
    kept = replace(
        definition,
        name=definition.name.strip(),
        subject=definition.subject if kind in KPI_KINDS else None,
        unit=definition.unit if kind == CHANGE else None,
        min_members=(definition.min_members or MIN_MEMBERS) if kind == NOISE else None,
        at=(definition.at or DEFAULT_AT) if definition.schedule == DAILY else None,
        recipients=tuple(dict.fromkeys(name.strip() for name in definition.recipients if name.strip())),
        channel=definition.channel or None,
        region=definition.region or None,
        segment=definition.segment or None,
    )
    if kind in BUILT_INS:
        threshold = definition.threshold if definition.threshold is not None else DEFAULT_THRESHOLDS.get(kind)
        kept = replace(kept, comparison="above", threshold=None if kind == NEGATIVE_FEEDBACK else threshold)
    elif kind == NOISE:
        kept = replace(kept, threshold=None)
    return kept


def check(definition: Definition, *, channels: set[str] | None = None) -> Definition:
    """The normalised definition, or AlertRefused naming the field that cannot be kept. With
    `channels` (the configured channel names), every recipient must be one of them."""
    rule = normalised(definition)
    if not rule.name or len(rule.name) > NAME_LIMIT:
        raise _refuse("alerts.refused.name", "name", limit=NAME_LIMIT)
    if rule.kind not in KINDS:
        raise _refuse("alerts.refused.kind", "kind", kind=rule.kind, kinds=", ".join(KINDS))
    if rule.kind in KPI_KINDS:
        _check_kpi(rule)
    elif rule.kind != NEGATIVE_FEEDBACK:
        number = rule.threshold
        if number is None or not _finite(number) or number < 1 or number != int(number):
            raise _refuse(f"alerts.refused.{rule.kind}", "threshold", value=number)
    if rule.period not in PERIODS:
        raise _refuse("alerts.refused.period", "period", period=rule.period, periods=", ".join(PERIODS))
    if rule.schedule not in SCHEDULES:
        raise _refuse("alerts.refused.schedule", "schedule", schedule=rule.schedule, schedules=", ".join(SCHEDULES))
    if rule.at is not None and not TIME.match(rule.at):
        raise _refuse("alerts.refused.at", "at", at=rule.at)
    for name, value in rule.members().items():
        if value is not None and len(value) > NAME_LIMIT:
            raise _refuse("alerts.refused.members", name, limit=NAME_LIMIT)
    if not rule.recipients:
        raise _refuse("alerts.refused.no_recipients", "recipients")
    unknown = [name for name in rule.recipients if channels is not None and name not in channels]
    if unknown:
        known = ", ".join(sorted(channels or ())) or "—"
        raise _refuse("alerts.refused.recipient", "recipients", channel=unknown[0], channels=known)
    return rule


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_kpi(rule: Definition) -> None:
    spec = rule.spec
    if spec is None:
        raise _refuse("alerts.refused.kpi", "kpi", kpi=rule.subject or "")
    if rule.kind == NOISE and spec.key not in NOISE_KPIS:
        raise _refuse("alerts.refused.noise_kpi", "kpi", kpi=spec.key, kpis=", ".join(NOISE_KPIS))
    if rule.kind == THRESHOLD:
        if rule.comparison not in LEVELS:
            raise _refuse("alerts.refused.level", "comparison", comparison=rule.comparison)
        value = rule.threshold
        if value is None or not _finite(value):
            raise _refuse("alerts.refused.number", "threshold")
        if spec.format is Format.PERCENT and not 0 <= value <= 1:
            raise _refuse("alerts.refused.percent", "threshold", value=round(value * 100, 1))
        if spec.format is Format.SCORE and not -100 <= value <= 100:
            raise _refuse("alerts.refused.score", "threshold", value=value)
        if spec.format in (Format.COUNT, Format.DECIMAL) and value < 0:
            raise _refuse("alerts.refused.negative", "threshold", value=value)
        return
    if rule.comparison not in DIRECTIONS:
        raise _refuse("alerts.refused.direction", "comparison", comparison=rule.comparison)
    if rule.kind == CHANGE:
        if rule.unit not in UNITS:
            raise _refuse("alerts.refused.unit", "unit", unit=rule.unit or "")
        if rule.threshold is None or not _finite(rule.threshold) or rule.threshold <= 0:
            raise _refuse("alerts.refused.change", "threshold", value=rule.threshold)
    elif rule.min_members is None or rule.min_members < 1:
        raise _refuse("alerts.refused.min_members", "min_members", value=rule.min_members)


def columns_of(rule: Definition) -> dict[str, object]:
    """A definition as columns of `alert_rules`."""
    return {
        "name": rule.name,
        "kind": rule.kind,
        "subject": rule.subject,
        "comparison": rule.comparison,
        "threshold": rule.threshold,
        "unit": rule.unit,
        "period": rule.period,
        "min_members": rule.min_members,
        "schedule": rule.schedule,
        "at_time": rule.at,
        "recipients": list(rule.recipients),
        **rule.members(),
    }


# An edited rule starts afresh: its first evaluation after the edit may fire.
FRESH = {"holding": None, "holding_since": None, "last_period": None}


def add_rule(
    app_store: AppStore, definition: Definition, *, by: str, now: datetime, channels: set[str] | None = None
) -> int:
    """Keep a rule written in the app (checked first); its id."""
    rule = check(definition, channels=channels)
    with app_store.begin() as connection:
        return inserted_id(
            connection.execute(
                tables.alert_rules.insert().values(
                    **columns_of(rule), origin="app", enabled=True, created_by=by, created_at=now
                )
            )
        )


def edit_rule(
    app_store: AppStore,
    rule_id: int,
    definition: Definition,
    *,
    by: str,
    now: datetime,
    channels: set[str] | None = None,
) -> None:
    """Change a rule written in the app; it starts afresh (FRESH)."""
    rule = check(definition, channels=channels)
    _change(app_store, rule_id, {**columns_of(rule), **FRESH, "updated_by": by, "updated_at": now})


def set_enabled(app_store: AppStore, rule_id: int, enabled: bool, *, by: str, now: datetime) -> None:
    """Turn a rule on or off (a rule turned back on starts afresh)."""
    _change(app_store, rule_id, {"enabled": enabled, **FRESH, "updated_by": by, "updated_at": now}, files=True)


def snooze(app_store: AppStore, rule_id: int, until: datetime | None, *, by: str, now: datetime) -> None:
    """Send nothing for the rule until `until` (None: wake it), while it is still evaluated and
    recorded. A file's rule may be snoozed too: snoozing is what happens, not what the rule says."""
    _change(app_store, rule_id, {"snoozed_until": until, "updated_by": by, "updated_at": now}, files=True)


def _change(app_store: AppStore, rule_id: int, values: dict[str, object], *, files: bool = False) -> None:
    rules = tables.alert_rules
    mine = sa.and_(rules.c.id == rule_id, sa.true() if files else rules.c.origin == "app")
    with app_store.begin() as connection:
        if connection.execute(rules.update().where(mine).values(**values)).rowcount != 1:
            raise _refuse("alerts.refused.gone", "")


def delete_rule(app_store: AppStore, rule_id: int) -> None:
    """Delete a rule written in the app with its history (the messages it sent stay in the outbox)."""
    rules = tables.alert_rules
    with app_store.begin() as connection:
        found = connection.execute(sa.select(rules.c.origin).where(rules.c.id == rule_id)).scalar()
        if found != "app":
            raise _refuse("alerts.refused.gone", "")
        delete_rows(connection, [rule_id])


def delete_rows(connection: sa.Connection, ids: list[int]) -> None:
    """Rules and their history, children first (whether or not the database enforces the cascade)."""
    for table in (tables.alert_messages, tables.alert_evaluations):
        connection.execute(table.delete().where(table.c.rule_id.in_(ids)))
    connection.execute(tables.alert_rules.delete().where(tables.alert_rules.c.id.in_(ids)))


def _moment(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _flag(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def rule_of(row: dict[str, Any]) -> Rule:
    """A Rule from an `alert_rules` row."""
    minimum = _number(row["min_members"])
    definition = Definition(
        name=str(row["name"]),
        kind=str(row["kind"]),
        subject=_text(row["subject"]),
        comparison=str(row["comparison"]),
        threshold=_number(row["threshold"]),
        unit=_text(row["unit"]),
        period=str(row["period"]),
        min_members=None if minimum is None else int(minimum),
        channel=_text(row["channel"]),
        region=_text(row["region"]),
        segment=_text(row["segment"]),
        schedule=str(row["schedule"]),
        at=_text(row["at_time"]),
        recipients=tuple(str(name) for name in (row["recipients"] or [])),
    )
    return Rule(
        id=int(row["id"]),
        definition=definition,
        origin=str(row["origin"]),
        enabled=bool(row["enabled"]),
        snoozed_until=_moment(row["snoozed_until"]),
        holding=_flag(row["holding"]),
        holding_since=_moment(row["holding_since"]),
        last_evaluated_at=_moment(row["last_evaluated_at"]),
        last_period=_text(row["last_period"]),
        created_by=str(row["created_by"]),
        created_at=_moment(row["created_at"]),
        updated_by=_text(row["updated_by"]),
        updated_at=_moment(row["updated_at"]),
        file_key=_text(row["file_key"]),
    )


def list_rules(app_store: AppStore) -> list[Rule]:
    """Every rule, the app's first, by name."""
    rules = tables.alert_rules
    frame = app_store.run(sa.select(rules).order_by(rules.c.origin, rules.c.name, rules.c.id))
    return [rule_of({str(k): v for k, v in row.items()}) for row in frame.astype(object).to_dict("records")]


def get_rule(app_store: AppStore, rule_id: int) -> Rule | None:
    return next((rule for rule in list_rules(app_store) if rule.id == rule_id), None)
