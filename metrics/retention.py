"""Churn, returning members and newcomer conversion (DESIGN.md metric definitions)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters, day_number
from metrics.member_days import member_days
from metrics.sql import count_where, days_later, member_conditions, ratio

CONVERSION_DAYS = 30
activities, members = schema.activities, schema.members


def activity_flags_query(*, filters: Filters) -> sa.Select:
    """One row: active_previous, churned (active in the previous period, not in this one), and
    returning (joined before the previous period, inactive in it, active in this one)."""
    previous = filters.previous()
    days = member_days(filters, previous.start, filters.end)
    current = days.c.day >= day_number(filters.start)
    flags = (
        sa.select(
            sa.func.max(sa.case((current, 0), else_=1)).label("in_previous"),
            sa.func.max(sa.case((current, 1), else_=0)).label("in_current"),
            sa.func.min(days.c.joined_at).label("joined_at"),
        )
        .group_by(days.c.member_key)
        .subquery("flags")
    )
    return sa.select(
        count_where(flags.c.in_previous == 1).label("active_previous"),
        count_where((flags.c.in_previous == 1) & (flags.c.in_current == 0)).label("churned"),
        count_where(
            (flags.c.in_previous == 0) & (flags.c.in_current == 1) & (flags.c.joined_at < previous.start_utc)
        ).label("returning_members"),  # "returning" is a reserved word in SQLite
    )


def churn_and_returning(flags: pd.DataFrame) -> dict[str, float | None]:
    """churn_rate = churned / active in the previous period (None when nobody was); returning count."""
    row = flags.iloc[0]
    return {"churn_rate": ratio(row["churned"], row["active_previous"]), "returning": int(row["returning_members"])}


def newcomer_conversion_query(*, filters: Filters) -> sa.Select:
    """One row: new members in the period, and how many of them made a non-login activity within
    30 days of joining ([joined_at, joined_at + 30 days), even past the period's end)."""
    contributed = sa.exists().where(
        activities.c.member_id == members.c.member_id,
        activities.c.kind != "login",
        activities.c.occurred_at >= members.c.joined_at,
        activities.c.occurred_at < days_later(members.c.joined_at, CONVERSION_DAYS),
    )
    return sa.select(
        sa.func.count().label("new_members"),
        count_where(contributed).label("converted"),
    ).where(
        *member_conditions(filters),
        members.c.joined_at >= filters.start_utc,
        members.c.joined_at < filters.end_utc,
    )


def newcomer_conversion(counts: pd.DataFrame) -> float | None:
    """converted / new members, None when nobody joined."""
    row = counts.iloc[0]
    return ratio(row["converted"], row["new_members"])
