"""Active members: DAU, WAU, MAU, stickiness (DESIGN.md, "active in a window" and the tiles).

WAU(d) and MAU(d) count members with an activity in the 7 / 30 days ending with day d. Rather
than joining every day to every earlier member-day, each member's active days are turned into
coverage intervals [day, day + window) merged where they touch: +1 where a member's coverage starts,
-1 where it ends. A running sum of those events is the number of distinct members covered on each
day. This is one pass over member-days, on every engine.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from metrics.filters import Filters, day_number, from_day_number
from metrics.member_days import FromRollup, activity_changes, member_days, member_keys, rollup
from metrics.sql import member_conditions
from schema import MEMBER_DIMENSIONS

WINDOWS = {"wau": 7, "mau": 30}
LOOKBACK_DAYS = max(WINDOWS.values()) - 1


def _spans(days: sa.FromClause, *groups: str) -> sa.CTE:
    """Member-days (day, `groups` columns) with the member's previous and next active day, computed
    by one window pass over `days` (member_key, day)."""
    order: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": days.c.day}  # keyword arguments of over()
    # Materialised so that every consumer reads one window pass (inlined, DuckDB sorted the
    # member-days once for lag and again for lead).
    return (
        sa.select(
            days.c.day,
            *(days.c[name] for name in groups),
            sa.func.lag(days.c.day).over(**order).label("previous_day"),
            sa.func.lead(days.c.day).over(**order).label("next_day"),
        )
        .cte("spans")
        .prefix_with("MATERIALIZED")
    )


def _changes(spans: sa.FromClause, *groups: str) -> sa.Select:
    """Per day (and `groups` columns of `spans`): dau, and the change in WAU and MAU coverage that
    day, from member-days with columns day, previous_day and next_day."""
    zero: sa.ColumnClause[Any] = sa.literal_column("0")
    one: sa.ColumnClause[Any] = sa.literal_column("1")

    def starts(window: int) -> sa.ColumnElement:
        gap = spans.c.day - spans.c.previous_day >= window
        return sa.case((spans.c.previous_day.is_(None) | gap, one), else_=zero)

    def ends(window: int) -> sa.ColumnElement[bool]:
        """Whether the member's coverage ends `window` days after this day (no activity before then)."""
        return spans.c.next_day.is_(None) | (spans.c.next_day - spans.c.day >= window)

    grouped = [spans.c[name] for name in groups]
    minus: sa.ColumnClause[Any] = sa.literal_column("-1")
    events = [
        sa.select(
            spans.c.day.label("day"), *grouped, one.label("dau"), starts(7).label("wau"), starts(30).label("mau")
        ),
        # Only the days where coverage ends: most member-days are followed by another within a week.
        sa.select((spans.c.day + sa.literal_column("7")).label("day"), *grouped, zero, minus, zero).where(ends(7)),
        sa.select((spans.c.day + sa.literal_column("30")).label("day"), *grouped, zero, zero, minus).where(ends(30)),
    ]
    union = sa.union_all(*events).subquery("events")
    keys = [union.c.day, *(union.c[name] for name in groups)]
    return sa.select(
        *keys,
        sa.func.sum(union.c.dau).label("dau"),
        sa.func.sum(union.c.wau).label("wau_change"),
        sa.func.sum(union.c.mau).label("mau_change"),
    ).group_by(*keys)


def changes_rollup_query() -> sa.Select:
    """Every day's changes per channel, region and segment over all member-days, team left out, for
    `CREATE TABLE activity_changes AS`. Members split into these combinations, so summing the
    combinations a view selects gives its counts: a period then reads a few thousand rows. The
    previous and next days come with member_days (its build's one window pass)."""
    keyed = (
        sa.select(
            rollup.c.day,
            rollup.c.previous_day,
            rollup.c.next_day,
            *(member_keys.c[name] for name in MEMBER_DIMENSIONS),
        )
        .join(member_keys, member_keys.c.member_key == rollup.c.member_key)
        .where(member_keys.c.is_team == sa.false())
        .subquery("keyed")
    )
    return _changes(keyed, *MEMBER_DIMENSIONS)


def daily_activity_query(*, filters: Filters) -> sa.Select:
    """Rows (day, dau, wau, mau) for each day with a change, from 29 days before start to end."""
    lookback = day_number(filters.start) - LOOKBACK_DAYS
    table = activity_changes
    from_rollup = (
        sa.select(
            table.c.day,
            sa.func.sum(table.c.dau).label("dau"),
            sa.func.sum(table.c.wau_change).label("wau_change"),
            sa.func.sum(table.c.mau_change).label("mau_change"),
        )
        .where(*member_conditions(filters, table, with_team=False), table.c.day < day_number(filters.end))
        .group_by(table.c.day)
    )
    days = member_days(filters, filters.start - timedelta(days=LOOKBACK_DAYS), filters.end)
    computed = _changes(_spans(days))
    # Running sums from the first row: the rollup starts with the community, the computed rows at
    # the lookback; both give the same counts from the lookback on.
    per_day = FromRollup("per_day", filters.timezone, from_rollup, computed)
    running: dict[str, Any] = {"order_by": per_day.c.day}  # keyword arguments of over()
    totals = sa.select(
        per_day.c.day,
        per_day.c.dau,
        sa.func.sum(per_day.c.wau_change).over(**running).label("wau"),
        sa.func.sum(per_day.c.mau_change).over(**running).label("mau"),
    ).subquery("totals")
    return (
        sa.select(totals.c.day, totals.c.dau, totals.c.wau, totals.c.mau)
        .where(totals.c.day >= lookback, totals.c.day < day_number(filters.end))
        .order_by(totals.c.day)
    )


def complete_days(rows: pd.DataFrame, *, filters: Filters) -> pd.DataFrame:
    """Every day of the period with date, dau, wau, mau: days without a change carry the counts on."""
    lookback = day_number(filters.start) - LOOKBACK_DAYS
    frame = rows.astype({"day": "int64"}).set_index("day").reindex(range(lookback, day_number(filters.end)))
    frame["dau"] = frame["dau"].fillna(0)
    frame[["wau", "mau"]] = frame[["wau", "mau"]].ffill().fillna(0)
    frame = frame.loc[day_number(filters.start) :].astype("int64")
    return frame.reset_index(names="day").assign(date=lambda f: [from_day_number(n) for n in f["day"]])[
        ["date", "dau", "wau", "mau"]
    ]


def activity_summary(daily: pd.DataFrame) -> dict[str, float | None]:
    """The tiles: mean DAU over all days (zeros count), WAU and MAU on the last day, stickiness."""
    covered = daily[daily["mau"] > 0]
    return {
        "dau_avg": float(daily["dau"].mean()),
        "wau": int(daily["wau"].iloc[-1]),
        "mau": int(daily["mau"].iloc[-1]),
        "stickiness": float((covered["dau"] / covered["mau"]).mean()) if len(covered) else None,
    }
