"""What members do: activity by kind and platform, contributions, the contributor absence factor and
the points leaderboard (DESIGN.md; the Engagement page).

A contribution is any activity other than a login. Points are the activity's own `points` where the
source gives them, else DEFAULT_POINTS by kind (rollup/build.py; weighting a post above a
reaction), so a leaderboard works with sources that carry no points.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters, day_number
from metrics.member_days import activity_days, member_attributes, member_days
from metrics.sql import count_where, week_start
from rollup.build import is_contribution

DAILY_UP_TO_DAYS = 31  # longer periods are shown by week
members = schema.members


def bucket_days(filters: Filters) -> int:
    """1 (daily buckets) for periods up to a month, else 7 (weeks starting Monday)."""
    return 1 if filters.days <= DAILY_UP_TO_DAYS else 7


def activity_by_bucket_query(*, filters: Filters) -> sa.Select:
    """Rows (bucket, kind, platform, activities): bucket is the day number of the day, or of the
    Monday of the week, per bucket_days."""
    days = activity_days(filters, filters.start, filters.end)
    bucket = days.c.day if bucket_days(filters) == 1 else week_start(days.c.day)
    inner = sa.select(bucket.label("bucket"), days.c.kind, days.c.platform, days.c.activities).subquery("bucketed")
    return (
        sa.select(inner.c.bucket, inner.c.kind, inner.c.platform, sa.func.sum(inner.c.activities).label("activities"))
        .group_by(inner.c.bucket, inner.c.kind, inner.c.platform)
        .order_by(inner.c.bucket, inner.c.kind, inner.c.platform)
    )


def active_by_platform_query(*, filters: Filters) -> sa.Select:
    """Per platform: distinct active members in the period and in the previous one. A member active
    on two platforms counts on both."""
    days = activity_days(filters, filters.previous().start, filters.end)
    current = sa.case((days.c.day >= day_number(filters.start), 1), else_=0)
    # Each (platform, member, period) once, then counted: count(DISTINCT) per platform made
    # PostgreSQL sort every activity-day of both periods.
    active = sa.select(days.c.platform, days.c.member_key, current.label("current")).distinct().subquery("active")
    return (
        sa.select(
            active.c.platform,
            count_where(active.c.current == 1).label("current"),
            count_where(active.c.current == 0).label("previous"),
        )
        .group_by(active.c.platform)
        .order_by(active.c.platform)
    )


PERIODS = ("previous", "current")  # contribution_counts_query's `period` 0 and 1


def contribution_counts_query(*, filters: Filters) -> sa.Select:
    """Rows (period, contributions, members): for the previous period (0) and this one (1), how
    many active members made each number of contributions. The Engagement tiles of both periods
    come from these few rows (engagement_figures): one pass over the member-days, where totals and
    the absence factor each grouped them per member, twice per period."""
    days = member_days(filters, filters.previous().start, filters.end)
    period = sa.case((days.c.day >= day_number(filters.start), 1), else_=0)
    per_member = (
        sa.select(period.label("period"), sa.func.sum(days.c.contributions).label("contributions"))
        .group_by(days.c.member_key, period)
        .subquery("per_member")
    )
    return (
        sa.select(per_member.c.period, per_member.c.contributions, sa.func.count().label("members"))
        .group_by(per_member.c.period, per_member.c.contributions)
        .order_by(per_member.c.period, per_member.c.contributions)
    )


def engagement_figures(counts: pd.DataFrame, *, period: str = "current") -> dict[str, float | None]:
    """The Engagement tiles of one period from contribution_counts_query's rows: active_members,
    contributors (members with a contribution), contributions, contributions_per_active_member
    (None with nobody active) and absence_factor."""
    rows = counts[counts["period"] == PERIODS.index(period)]
    made, members = rows["contributions"].astype("int64"), rows["members"].astype("int64")
    active, total = int(members.sum()), int((made * members).sum())
    return {
        "active_members": active,
        "contributors": int(members[made > 0].sum()),
        "contributions": total,
        "contributions_per_active_member": total / active if active else None,
        "absence_factor": absence_factor(zip(made.tolist(), members.tolist(), strict=True)),
    }


def absence_factor(counts: Iterable[tuple[int, int]]) -> int:
    """The contributor absence factor (CHAOSS): the fewest members whose contributions together
    make at least half of all contributions; 0 when there are none. `counts` pairs a number of
    contributions with how many members made it.

    Ranked by contributions, most first, a member counts while the contributions of the members
    ranked before them are under half the total. Members with the same number count alike, so
    each group is counted at once: the i-th (from 0) of a group of members with c contributions
    each, after members with `before` in all, counts while 2 * (before + i * c) < total."""
    groups = sorted(((made, members) for made, members in counts if made > 0), reverse=True)
    total = sum(made * members for made, members in groups)
    factor, before = 0, 0
    for made, members in groups:
        short = total - 2 * before  # what the group's first member still has to make up, doubled
        if short <= 0:
            break
        factor += min(members, -(-short // (2 * made)))  # members i with 2 * i * made < short
        before += made * members
    return factor


def top_contributors_query(
    *, filters: Filters, platform: str | None = None, kind: str | None = None, limit: int = 20
) -> sa.Select:
    """The leaderboard: members with points in the period, most points first (ties: more
    contributions, then member id), with rank, contributions and active days. `platform` and `kind`
    narrow the activities counted (read from activity-days; the whole leaderboard from member-days)."""
    if platform is None and kind is None:
        days = member_days(filters, filters.start, filters.end)
        contributions, active_days = sa.func.sum(days.c.contributions), sa.func.count()
        narrowed = []
    else:
        days = activity_days(filters, filters.start, filters.end)
        contributions = sa.func.sum(sa.case((is_contribution(days.c.kind), days.c.activities), else_=0))
        active_days = sa.func.count(sa.distinct(days.c.day))
        asked = ((days.c.platform, platform), (days.c.kind, kind))
        narrowed = [column == value for column, value in asked if value is not None]
    totals = (
        sa.select(
            days.c.member_key,
            sa.func.sum(days.c.points).label("points"),
            contributions.label("contributions"),
            active_days.label("active_days"),
        )
        .where(*narrowed)
        .group_by(days.c.member_key)
        .subquery("totals")
    )
    # The id joins the per-member totals: grouping by it too carried text through the aggregation.
    member = member_attributes(filters)
    per_member = (
        sa.select(member.c.member_id, totals.c.points, totals.c.contributions, totals.c.active_days)
        .join(member, member.c.member_key == totals.c.member_key)
        .subquery("per_member")
    )
    order = (per_member.c.points.desc(), per_member.c.contributions.desc(), per_member.c.member_id)
    # Ranked and cut to `limit` first, then the names joined: joined before, every member with
    # points met the members table (on PostgreSQL a hash of a million rows for twenty names).
    ranked = (
        sa.select(sa.func.row_number().over(order_by=order).label("rank"), *per_member.c)
        .where(per_member.c.points > 0)
        .order_by(*order)
        .limit(limit)
        .subquery("ranked")
    )
    return (
        sa.select(
            ranked.c.rank,
            members.c.member_id,
            members.c.name,
            members.c.segment,
            ranked.c.points,
            ranked.c.contributions,
            ranked.c.active_days,
        )
        .select_from(ranked)
        .join(members, members.c.member_id == ranked.c.member_id)
        .order_by(ranked.c.rank)
    )
