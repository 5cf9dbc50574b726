"""Response targets (SLA): how soon each priority's items are to be first answered and resolved,
and where each open item stands against its next target (docs/feedback.md, "Response targets").

Rules, in calendar hours (no business hours), measured from the item's arrival (`created_at`):
- an item's targets are its *current* priority's (an item without one takes normal's), so raising an
  item's priority can make it overdue at once, and lowering it gives it more time;
- its next target is the first response while it has none (`first_response_at`: a manager's first
  saved change or note, feedback.workflow), then the resolution, met by a closed status;
- it is overdue when now is past the target (exactly at the target it is still on time), and
  "breaching soon" when the target falls within the next BREACHING_HOURS;
- closed items (resolved, won't fix, merged duplicates) have no next target; a reopened item takes
  up its resolution target again from its arrival, so it is usually overdue at once.

Targets are stored in the app store (`response_targets`, with who changed each and when); a
priority without a stored row uses DEFAULTS. No Streamlit: the page, the metrics and the CLI use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from engines import Runner
from errors import PulseError, Said
from feedback.workflow import CLOSED, PRIORITIES
from store import tables
from store.database import AppStore, StoreError

FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
NO_PRIORITY = "normal"  # whose targets an item without a priority takes
BREACHING_HOURS = 24  # "breaching within 24 h": a target this close is flagged before it is missed
MAX_HOURS = 24 * 365  # a target longer than a year is no target


@dataclass(frozen=True)
class Target:
    """One priority's targets, in hours from arrival."""

    first_response_hours: int
    resolution_hours: int


# The help-desk usual (docs/feedback.md says why): urgent 4 h / 1 day, high 8 h / 3 days,
# normal 1 day / 7 days, low 3 days / 14 days.
DEFAULTS: dict[str, Target] = {
    "urgent": Target(4, 24),
    "high": Target(8, 72),
    "normal": Target(24, 168),
    "low": Target(72, 336),
}


@dataclass(frozen=True)
class Targets:
    """Every priority's targets, and who last changed each (None: the default)."""

    by_priority: Mapping[str, Target]
    changed_by: Mapping[str, str] = field(default_factory=dict)
    changed_at: Mapping[str, datetime] = field(default_factory=dict)

    def of(self, priority: object) -> Target:
        """The targets an item with this priority (None or blank: NO_PRIORITY's) is held to."""
        key = priority if isinstance(priority, str) and priority in self.by_priority else NO_PRIORITY
        return self.by_priority[key]


DEFAULT_TARGETS = Targets(by_priority=DEFAULTS)


class TargetRefused(PulseError):
    """Raised when response targets cannot be saved as given (not whole hours, the resolution before
    the first response, beyond a year); nothing was saved."""


def read_targets(store: Runner) -> Targets:
    """The targets in force: each stored priority's, else its default."""
    rows = store.run(sa.select(tables.response_targets))
    by_priority = dict(DEFAULTS)
    changed_by: dict[str, str] = {}
    changed_at: dict[str, datetime] = {}
    for row in rows.to_dict("records"):
        if row["priority"] not in by_priority:
            continue  # a priority the product no longer has
        by_priority[row["priority"]] = Target(int(row["first_response_hours"]), int(row["resolution_hours"]))
        changed_by[row["priority"]] = str(row["updated_by"])
        changed_at[row["priority"]] = pd.Timestamp(row["updated_at"]).to_pydatetime()
    return Targets(by_priority=by_priority, changed_by=changed_by, changed_at=changed_at)


def check(priority: str, target: Target) -> None:
    """TargetRefused unless the priority exists and 1 <= first response <= resolution <= MAX_HOURS."""
    if priority not in PRIORITIES:
        raise TargetRefused(Said("feedback.targets.refused.priority", priority=priority))
    hours = (target.first_response_hours, target.resolution_hours)
    if any(not isinstance(value, int) or value < 1 or value > MAX_HOURS for value in hours):
        raise TargetRefused(Said("feedback.targets.refused.hours", maximum=MAX_HOURS))
    if target.resolution_hours < target.first_response_hours:
        raise TargetRefused(Said("feedback.targets.refused.order", priority=Said(f"feedback.priority.{priority}")))


def save_targets(store: AppStore, targets: Mapping[str, Target], *, actor: str, now: datetime) -> list[str]:
    """Store the priorities whose targets differ from those in force, with who and when, in one
    transaction; returns the priorities changed."""
    for priority, target in targets.items():
        check(priority, target)
    current = read_targets(store)
    changed = [priority for priority, target in targets.items() if current.by_priority[priority] != target]
    table = tables.response_targets
    try:
        with store.begin() as connection:
            for priority in changed:
                target = targets[priority]
                values = {
                    "first_response_hours": target.first_response_hours,
                    "resolution_hours": target.resolution_hours,
                    "updated_by": actor,
                    "updated_at": now,
                }
                updated = connection.execute(table.update().where(table.c.priority == priority).values(**values))
                if updated.rowcount == 0:
                    connection.execute(table.insert().values(priority=priority, **values))
    except sa.exc.DBAPIError as error:
        raise StoreError(Said("feedback.targets.save_failed", reason=str(error.orig))) from error
    return changed


@dataclass(frozen=True)
class Due:
    """Where an open item stands against its next target: which target, when it falls due, and the
    hours left at `now` (negative once overdue)."""

    target: str  # FIRST_RESPONSE or RESOLUTION
    due_at: datetime
    hours_left: float

    @property
    def overdue(self) -> bool:
        return self.hours_left < 0

    @property
    def breaching(self) -> bool:
        """Not overdue yet, but due within BREACHING_HOURS."""
        return 0 <= self.hours_left <= BREACHING_HOURS


def next_due(
    *, created_at: Any, first_response_at: Any, status: str, priority: Any, targets: Targets, now: datetime
) -> Due | None:
    """The item's next target at `now` (naive UTC), or None for a closed item."""
    if status in CLOSED:
        return None
    target = targets.of(priority)
    answered = first_response_at is not None and not pd.isna(first_response_at)
    which, hours = (RESOLUTION, target.resolution_hours) if answered else (FIRST_RESPONSE, target.first_response_hours)
    due_at = pd.Timestamp(created_at).to_pydatetime() + timedelta(hours=hours)
    return Due(which, due_at, (due_at - now) / timedelta(hours=1))


def due_columns(items: pd.DataFrame, *, targets: Targets, now: datetime) -> pd.DataFrame:
    """Columns for rows with created_at, first_response_at, status and priority: `due_target`
    (FIRST_RESPONSE, RESOLUTION or None when closed), `due_at`, `due_hours` (hours left, negative when
    overdue), and the flags `overdue` and `breaching`."""
    dues = [
        next_due(
            created_at=created,
            first_response_at=first,
            status=status,
            priority=priority,
            targets=targets,
            now=now,
        )
        for created, first, status, priority in zip(
            items["created_at"], items["first_response_at"], items["status"], items["priority"], strict=True
        )
    ]
    columns = pd.DataFrame(
        {
            "due_target": pd.Series([due.target if due else None for due in dues], dtype="object"),
            "due_at": pd.to_datetime(pd.Series([due.due_at if due else None for due in dues], dtype="object")),
            "due_hours": pd.Series([round(due.hours_left, 2) if due else None for due in dues], dtype="float64"),
            "overdue": [bool(due and due.overdue) for due in dues],
            "breaching": [bool(due and due.breaching) for due in dues],
        }
    )
    columns.index = items.index
    return columns


class epoch_hours(sa.sql.functions.GenericFunction):  # noqa: N801 (a SQL function's name)
    """Hours since 1970-01-01 of a naive UTC timestamp, on SQLite and PostgreSQL alike."""

    type = sa.Float()
    inherit_cache = True


@compiles(epoch_hours)
def _epoch_hours(element: epoch_hours, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 3600.0)"


@compiles(epoch_hours, "sqlite")
def _epoch_hours_sqlite(element: epoch_hours, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 24.0)"


def due_order(targets: Targets) -> list[sa.ColumnElement[Any]]:
    """ORDER BY terms that list open items by when their next target falls due, earliest (most
    overdue) first, closed items last: the SQL twin of `next_due`, so the row limit applies after it."""
    feedback = tables.feedback
    priority = sa.func.coalesce(feedback.c.priority, NO_PRIORITY)

    def hours(field: str) -> sa.ColumnElement[Any]:
        return sa.case(
            {name: getattr(target, field) for name, target in targets.by_priority.items()},
            value=priority,
            else_=getattr(targets.of(None), field),
        )

    allowed = sa.case(
        (feedback.c.first_response_at.is_(None), hours("first_response_hours")),
        else_=hours("resolution_hours"),
    )
    closed = sa.case((feedback.c.status.in_(CLOSED), 1), else_=0)
    return [closed, epoch_hours(feedback.c.created_at) + allowed]
