"""Churn, returning members and newcomer conversion (DESIGN.md metric definitions)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters, day_number
from metrics.member_days import member_attributes, member_days
from metrics.sql import count_where, days_later, member_conditions, ratio
from schema import MEMBER_DIMENSIONS

CONVERSION_DAYS = 30
activities, members = schema.activities, schema.members


PERIODS = ("earlier", "previous", "current")  # the two periods before this one, and this one


def activity_profile_query(*, filters: Filters) -> sa.Select:
    """Rows (channel, region, segment, joined, earlier, previous, current, members): the members
    active in the three periods ending with this one, counted by dimensions, by when they joined
    (`joined`: 0 before the earlier period, 1 during it, 2 during the previous one, 3 during this
    one or later) and by whether they were active (0/1) in each period.

    One pass over the member-days gives churn and returning members for this period and the
    previous one, and the active members per channel, region and segment for the movers."""
    previous = filters.previous()
    earlier = previous.previous()
    days = member_days(filters, earlier.start, filters.end)

    def active_in(period: Filters) -> sa.ColumnElement:
        inside = (days.c.day >= day_number(period.start)) & (days.c.day < day_number(period.end))
        return sa.func.max(sa.case((inside, 1), else_=0))

    periods = zip(PERIODS, (earlier, previous, filters), strict=True)
    flags = (
        sa.select(days.c.member_key, *(active_in(period).label(name) for name, period in periods))
        .group_by(days.c.member_key)
        .subquery("flags")
    )
    # The member's dimensions join the per-member flags, not every member-day.
    member = member_attributes(filters)
    starts = (earlier.start_utc, previous.start_utc, filters.start_utc)
    joined = sa.case(*((member.c.joined_at < start, n) for n, start in enumerate(starts)), else_=len(starts))
    keys = [
        *(member.c[name] for name in MEMBER_DIMENSIONS),
        joined.label("joined"),
        *(flags.c[name] for name in PERIODS),
    ]
    return (
        sa.select(*keys, sa.func.count().label("members"))
        .select_from(flags)
        .join(member, member.c.member_key == flags.c.member_key)
        .group_by(*keys)
    )


def churn_and_returning(profile: pd.DataFrame, *, period: str = "current") -> dict[str, float | None]:
    """churned, churn_rate = churned / active in the period before (None when nobody was), and
    returning (joined before the period before, inactive in it, active in this one), for the
    profile's own period or (`period="previous"`) the one before it."""
    before, now = ("previous", "current") if period == "current" else ("earlier", "previous")
    joined_early = profile["joined"] <= (1 if period == "current" else 0)
    was, active = profile[before] == 1, profile[now] == 1
    churned = int(profile.loc[was & ~active, "members"].sum())
    return {
        "churned": churned,
        "churn_rate": ratio(churned, int(profile.loc[was, "members"].sum())),
        "returning": int(profile.loc[~was & active & joined_early, "members"].sum()),
    }


def active_by_dimension(profile: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Rows (value, current, previous): active members per value of a dimension in the profile's
    period and the one before."""
    counts = profile.assign(
        current=profile["members"].where(profile["current"] == 1, 0),
        previous=profile["members"].where(profile["previous"] == 1, 0),
    )
    grouped = counts.groupby(dimension, dropna=False)[["current", "previous"]].sum().astype("int64")
    return grouped.reset_index().rename(columns={dimension: "value"})


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
