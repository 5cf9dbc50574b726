"""Goals: a manager's target for a KPI over a month, a quarter or any period, kept in the app store
(`goals` table) with who set it and when; and how far along each one is (docs/metrics.md, "Goals").

A goal is for the whole community, or for the members of one channel, region and/or segment: it
applies to a view with the same member filters (a view of the EU applies the EU's goals, not the
community's). Several goals may follow one another for the same KPI; the one a tile shows is the one
whose period holds the view's last day. Progress is measured over the goal's own period so far, not
the view's, so a tile says the same of a goal whatever period the view shows.

Streamlit-free: the Goals & notes page, the tiles, the charts, the meeting report and `cli.py report`
read goals here, and so can a digest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import pandas as pd
import sqlalchemy as sa

from errors import PulseError, Said
from metrics import sections
from metrics.filters import DIMENSIONS, EARLIEST, Filters
from metrics.kpi import Z_95, Kpi
from metrics.kpis import OVERVIEW, SPECS, Format, KpiSpec, Projection
from metrics.overview import overview_kpis
from metrics.scope import Runner
from store import tables
from store.database import AppStore
from store.keys import inserted_id

LONGEST = 3 * 366  # days: a goal's period is a month, a quarter, a year; not a decade
NAME_LIMIT = 200  # characters of a channel, region or segment (the column's size)


class GoalRefused(PulseError):
    """Raised when a goal or a note cannot be kept as given (an unknown KPI, a period that ends
    before it starts, a target of the wrong kind, a missing title) or is no longer there; the
    message says what to change."""


class Status(StrEnum):
    """Where a goal stands (docs/metrics.md, "Goals")."""

    UPCOMING = "upcoming"  # its period has not begun
    NO_DATA = "no_data"  # nothing to measure yet (no answers for NPS, …)
    ON_TRACK = "on_track"  # projected to meet it (a score or rate: meets it, or within its margin)
    BEHIND = "behind"
    MET = "met"  # its period is over and the value met it
    MISSED = "missed"


@dataclass(frozen=True)
class Goal:
    """A target for `kpi` over [start, end) (local days; `end` exclusive), for the members of
    `channel`, `region` and `segment` where set. A percentage's target is a share (0.4 for 40%)."""

    id: int
    kpi: str
    start: date
    end: date
    target: float
    channel: str | None = None
    region: str | None = None
    segment: str | None = None
    created_by: str = ""
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def spec(self) -> KpiSpec:
        return SPECS[self.kpi]

    @property
    def last(self) -> date:
        """The period's last day."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def members(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in DIMENSIONS}

    def for_members_of(self, filters: Filters) -> bool:
        """Whether the goal is for the members the view selects (the same channel, region, segment)."""
        return all(getattr(self, name) == getattr(filters, name) for name in DIMENSIONS)

    def meets(self, value: float) -> bool:
        """Whether `value` meets the target, in the KPI's good direction."""
        return value <= self.target if self.spec.lower_is_better else value >= self.target

    def so_far(self, *, timezone: str, today: date) -> Filters:
        """The goal's period up to today (today included, as the "so far" presets), or all of it."""
        return Filters(
            start=self.start, end=min(self.end, today + timedelta(days=1)), timezone=timezone, **self.members()
        )


def check(*, kpi: str, start: date, end: date, target: float, members: dict[str, str | None]) -> None:
    """Refuse a goal that cannot be kept: a KPI that does not exist, a period that ends before it
    starts (or runs past LONGEST days), a target that is not a number of the KPI's kind."""
    if kpi not in SPECS:
        raise GoalRefused(Said("goals.refused.kpi", kpi=kpi))
    check_period(start, end)
    shown = SPECS[kpi]
    if not isinstance(target, int | float) or isinstance(target, bool) or not math.isfinite(target):
        raise GoalRefused(Said("goals.refused.number"))
    if shown.format is Format.PERCENT and not 0 <= target <= 1:
        raise GoalRefused(Said("goals.refused.percent", target=round(target * 100, 1)))
    if shown.format is Format.SCORE and not -100 <= target <= 100:
        raise GoalRefused(Said("goals.refused.score", target=target))
    if shown.format is Format.COUNT and (target < 0 or target != int(target)):
        raise GoalRefused(Said("goals.refused.count", target=target))
    if shown.format is Format.DECIMAL and target < 0:
        raise GoalRefused(Said("goals.refused.negative", target=target))
    for name, value in members.items():
        if name not in DIMENSIONS or (value is not None and len(value) > NAME_LIMIT):
            raise GoalRefused(Said("goals.refused.members", limit=NAME_LIMIT))


def check_period(start: date, end: date) -> None:
    if end <= start:
        raise GoalRefused(
            Said("goals.refused.period", start=start.isoformat(), last=(end - timedelta(days=1)).isoformat())
        )
    if start < EARLIEST or (end - start).days > LONGEST:
        raise GoalRefused(Said("goals.refused.long", days=LONGEST, earliest=EARLIEST.isoformat()))


def _members(channel: str | None, region: str | None, segment: str | None) -> dict[str, str | None]:
    """The member filters as stored: an empty name is no filter."""
    return {"channel": channel or None, "region": region or None, "segment": segment or None}


def add_goal(
    app_store: AppStore,
    *,
    kpi: str,
    start: date,
    end: date,
    target: float,
    by: str,
    now: datetime,
    channel: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> int:
    """Keep a goal (checked first) and return its id. `end` is exclusive."""
    members = _members(channel, region, segment)
    check(kpi=kpi, start=start, end=end, target=target, members=members)
    with app_store.begin() as connection:
        return inserted_id(
            connection.execute(
                tables.goals.insert().values(
                    kpi=kpi,
                    start_day=start,
                    end_day=end,
                    target=float(target),
                    created_by=by,
                    created_at=now,
                    **members,
                )
            )
        )


def edit_goal(
    app_store: AppStore,
    goal_id: int,
    *,
    kpi: str,
    start: date,
    end: date,
    target: float,
    by: str,
    now: datetime,
    channel: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> None:
    """Change a goal (checked first), recording who changed it and when."""
    members = _members(channel, region, segment)
    check(kpi=kpi, start=start, end=end, target=target, members=members)
    goals = tables.goals
    with app_store.begin() as connection:
        changed = connection.execute(
            goals.update()
            .where(goals.c.id == goal_id)
            .values(
                kpi=kpi, start_day=start, end_day=end, target=float(target), updated_by=by, updated_at=now, **members
            )
        )
        if changed.rowcount != 1:
            raise GoalRefused(Said("goals.refused.gone"))


def delete_goal(app_store: AppStore, goal_id: int) -> None:
    with app_store.begin() as connection:
        connection.execute(tables.goals.delete().where(tables.goals.c.id == goal_id))


def day_of(value: Any) -> date:
    """A stored day as a date (pandas may hand it back as a Timestamp)."""
    return value.date() if isinstance(value, datetime) else value


def moment(value: Any) -> datetime | None:
    """A stored time as a datetime, None for none (pandas: NaT)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def words(value: Any) -> str | None:
    """Stored text, None for none (pandas: NaN in a column of text)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _goal(row: Any) -> Goal:
    """A Goal from a `goals` row."""
    return Goal(
        id=int(row.id),
        kpi=str(row.kpi),
        start=day_of(row.start_day),
        end=day_of(row.end_day),
        target=float(row.target),
        channel=words(row.channel),
        region=words(row.region),
        segment=words(row.segment),
        created_by=str(row.created_by),
        created_at=moment(row.created_at),
        updated_by=words(row.updated_by),
        updated_at=moment(row.updated_at),
    )


def list_goals(app_store: Runner, *, kpi: str | None = None) -> list[Goal]:
    """Every goal (of `kpi`), latest period first."""
    goals = tables.goals
    statement = sa.select(goals).order_by(goals.c.end_day.desc(), goals.c.start_day.desc(), goals.c.id.desc())
    if kpi is not None:
        statement = statement.where(goals.c.kpi == kpi)
    return [_goal(row) for row in app_store.run(statement).itertuples(index=False)]


def goals_for_view(app_store: Runner, filters: Filters) -> list[Goal]:
    """The goals for the view's members whose period overlaps the view's, earliest first."""
    goals = tables.goals
    statement = sa.select(goals).where(goals.c.start_day < filters.end, goals.c.end_day > filters.start)
    for name in DIMENSIONS:
        value = getattr(filters, name)
        column = goals.c[name]
        statement = statement.where(column.is_(None) if value is None else column == value)
    rows = app_store.run(statement.order_by(goals.c.start_day, goals.c.end_day, goals.c.id))
    return [_goal(row) for row in rows.itertuples(index=False)]


def tile_goals(goals: Sequence[Goal], filters: Filters) -> dict[str, Goal]:
    """The goal a tile shows for each KPI: of the goals for the view's members, the one whose period
    holds the view's last day; of several, the one ending first (the nearest deadline), then the
    one set last."""
    chosen: dict[str, Goal] = {}
    for goal in goals:
        if not goal.for_members_of(filters) or not goal.start <= filters.last < goal.end:
            continue
        held = chosen.get(goal.kpi)
        if held is None or (goal.end, -goal.id) < (held.end, -held.id):
            chosen[goal.kpi] = goal
    return chosen


@dataclass(frozen=True)
class Progress:
    """A goal measured over its period so far (up to `as_of`, the last day counted): the value,
    its 95% margin where it has one, the share of the target reached (counts and averages where
    higher is better), the value projected for the period's last day, and where it stands."""

    goal: Goal
    as_of: date
    current: float | None
    projected: float | None
    margin: float | None
    share: float | None
    status: Status


def trend_end(values: Sequence[float], *, days: int) -> float:
    """The least-squares line through the daily values so far (day 0, 1, …), read at day `days` − 1,
    the period's last day. One value: that value."""
    count = len(values)
    if count == 1:
        return float(values[0])
    mean_x, mean_y = (count - 1) / 2, sum(values) / count
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sum(
        (x - mean_x) ** 2 for x in range(count)
    )
    return mean_y + slope * (days - 1 - mean_x)


def pace_end(current: float, *, base: float, elapsed: int, days: int) -> float:
    """What was added since the period began (current − base), at the same pace for every day of it."""
    return base + (current - base) * days / elapsed


def rate_margin(kpi: Kpi, spec: KpiSpec) -> float | None:
    """A value's 95% margin of error: its own (NPS), or for a rate 1.96·√(p(1−p)/n); None for counts."""
    if kpi.margin is not None:
        return kpi.margin
    if spec.format is Format.PERCENT and kpi.current is not None and kpi.sample:
        p = kpi.current
        return Z_95 * math.sqrt(p * (1 - p) / kpi.sample) if 0 <= p <= 1 else None
    return None


def progress(goal: Goal, *, today: date, kpi: Kpi | None, daily: Sequence[float] = (), base: float = 0.0) -> Progress:
    """How far along `goal` is on `today`, from its KPI over the period so far (`kpi`: None before
    the period begins), the KPI's daily values so far (a TREND KPI), and what a PACE count stood at
    when the period began (`base`: 0 for a count of the period, the members before it for members)."""
    as_of = min(today, goal.last)
    if today < goal.start or kpi is None:
        return Progress(goal, as_of, None, None, None, None, Status.UPCOMING)
    current = kpi.current
    if current is None:
        return Progress(goal, as_of, None, None, None, None, Status.NO_DATA)
    spec = goal.spec
    elapsed = (as_of - goal.start).days + 1
    margin = rate_margin(kpi, spec) if spec.projection is Projection.LEVEL else None
    if spec.projection is Projection.TREND and daily:
        projected = trend_end(daily[:elapsed], days=goal.days)
    elif spec.projection is Projection.PACE:
        projected = pace_end(current, base=base, elapsed=elapsed, days=goal.days)
    else:
        projected = current
    if spec.format is Format.COUNT:
        projected = max(projected, 0.0)  # a line may fall below zero; a count cannot
    share = (
        current / goal.target
        if goal.target > 0
        and not spec.lower_is_better
        and spec.format
        in (
            Format.COUNT,
            Format.DECIMAL,
        )
        else None
    )
    if today > goal.last:  # its last day is over (on that day it is still running)
        status = Status.MET if goal.meets(current) else Status.MISSED
    elif goal.meets(projected) or (margin is not None and abs(goal.target - current) <= margin):
        status = Status.ON_TRACK
    else:
        status = Status.BEHIND
    return Progress(goal, as_of, current, projected, margin, share, status)


def measure(goal: Goal, *, warehouse: Runner, app_store: Runner, timezone: str, today: date) -> Progress:
    """The goal's progress from the warehouse and the app store, computed as the pages compute its KPI
    over the goal's period so far (the Overview's figures, the Members or Engagement page's)."""
    if today < goal.start:
        return progress(goal, today=today, kpi=None)
    filters = goal.so_far(timezone=timezone, today=today)
    daily: list[float] = []
    base = 0.0
    if goal.kpi in OVERVIEW:
        overview = overview_kpis(warehouse=warehouse, app_store=app_store, filters=filters)
        kpi = overview.kpis[goal.kpi]
        if goal.kpi in overview.daily:
            daily = [float(value) for value in overview.daily[goal.kpi]]
        if goal.kpi == "members":  # members before the period began: those now, less those who joined in it
            base = (kpi.current or 0.0) - (overview.kpis["new_members"].current or 0.0)
    else:
        figures = sections.member_kpis(warehouse=warehouse, filters=filters)
        if goal.kpi not in figures:
            figures = sections.engagement_kpis(warehouse=warehouse, filters=filters)
        kpi = figures[goal.kpi]
    return progress(goal, today=today, kpi=kpi, daily=daily, base=base)


def document(progress: Progress) -> dict[str, Any]:
    """A goal and its progress as plain values (`cli.py report --format json`, a digest): dates in
    ISO form, `end` exclusive, figures unrounded."""
    goal = progress.goal
    return {
        "id": goal.id,
        "kpi": goal.kpi,
        "start": goal.start.isoformat(),
        "end": goal.end.isoformat(),
        "target": goal.target,
        **goal.members(),
        "set_by": goal.created_by,
        "as_of": progress.as_of.isoformat(),
        "current": progress.current,
        "projected": progress.projected,
        "margin": progress.margin,
        "share": progress.share,
        "status": str(progress.status),
    }


def measure_view(*, warehouse: Runner, app_store: Runner, filters: Filters, today: date) -> list[Progress]:
    """Every goal of the view (goals_for_view), measured on `today`."""
    return [
        measure(goal, warehouse=warehouse, app_store=app_store, timezone=filters.timezone, today=today)
        for goal in goals_for_view(app_store, filters)
    ]
