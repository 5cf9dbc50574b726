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
from metrics.member_days import FromRollup, member_days
from metrics.sql import member_conditions
from rollup.build import changes
from rollup.tables import activity_changes

WINDOWS = {"wau": 7, "mau": 30}
LOOKBACK_DAYS = max(WINDOWS.values()) - 1


def _spans(days: sa.FromClause, *groups: str) -> sa.CTE:
    """Member-days (day, `groups` columns) with the member's previous and next active day, computed
    by one window pass over `days` (member_key, day)."""
    order: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": days.c.day}  # keyword arguments of over()
    # Materialised: inlined, DuckDB sorted the member-days once for lag and again for lead (seen
    # when `changes` read them three times; it reads them once now, and the form was kept).
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
    computed = changes(_spans(days))
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
