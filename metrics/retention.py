"""Churn, returning members and newcomer conversion (DESIGN.md metric definitions)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters
from metrics.sql import count_where, days_later, member_conditions, ratio

CONVERSION_DAYS = 30
activities, members = schema.activities, schema.members


def activity_flags_query(*, filters: Filters) -> sa.Select:
    """One row: active_previous, churned (active in the previous period, not in this one), and
    returning (joined before the previous period, inactive in it, active in this one)."""
    previous = filters.previous()
    flags = (
        sa.select(
            activities.c.member_id,
            sa.func.max(sa.case((activities.c.occurred_at < filters.start_utc, 1), else_=0)).label("in_previous"),
            sa.func.max(sa.case((activities.c.occurred_at >= filters.start_utc, 1), else_=0)).label("in_current"),
        )
        .join(members, members.c.member_id == activities.c.member_id)
        .where(
            *member_conditions(filters),
            activities.c.occurred_at >= previous.start_utc,
            activities.c.occurred_at < filters.end_utc,
        )
        .group_by(activities.c.member_id)
        .subquery("flags")
    )
    return sa.select(
        count_where(flags.c.in_previous == 1).label("active_previous"),
        count_where((flags.c.in_previous == 1) & (flags.c.in_current == 0)).label("churned"),
        count_where(
            (flags.c.in_previous == 0) & (flags.c.in_current == 1) & (members.c.joined_at < previous.start_utc)
        ).label("returning_members"),  # "returning" is a reserved word in SQLite
    ).select_from(flags.join(members, members.c.member_id == flags.c.member_id))


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
