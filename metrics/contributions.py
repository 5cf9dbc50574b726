"""What members do: activity by kind and platform, contributions, the contributor absence factor and
the points leaderboard (DESIGN.md; the Engagement page).

A contribution is any activity other than a login. Points are the activity's own `points` where the
source gives them, else DEFAULT_POINTS by kind (metrics/member_days.py; weighting a post above a
reaction), so a leaderboard works with sources that carry no points.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters
from metrics.member_days import is_contribution, member_attributes, member_days, points
from metrics.sql import count_where, day_of, member_conditions, week_start

DAILY_UP_TO_DAYS = 31  # longer periods are shown by week
activities, members = schema.activities, schema.members


def _in_scope(filters: Filters) -> list[sa.ColumnElement[bool]]:
    return [
        *member_conditions(filters),
        activities.c.occurred_at >= filters.start_utc,
        activities.c.occurred_at < filters.end_utc,
    ]


def bucket_days(filters: Filters) -> int:
    """1 (daily buckets) for periods up to a month, else 7 (weeks starting Monday)."""
    return 1 if filters.days <= DAILY_UP_TO_DAYS else 7


def activity_by_bucket_query(*, filters: Filters) -> sa.Select:
    """Rows (bucket, kind, platform, activities): bucket is the day number of the day, or of the
    Monday of the week, per bucket_days."""
    day = day_of(activities.c.occurred_at, filters)
    bucket = day if bucket_days(filters) == 1 else week_start(day)
    inner = (
        sa.select(bucket.label("bucket"), activities.c.kind, activities.c.platform)
        .join(members, members.c.member_id == activities.c.member_id)
        .where(*_in_scope(filters))
        .subquery("bucketed")
    )
    return (
        sa.select(inner.c.bucket, inner.c.kind, inner.c.platform, sa.func.count().label("activities"))
        .group_by(inner.c.bucket, inner.c.kind, inner.c.platform)
        .order_by(inner.c.bucket, inner.c.kind, inner.c.platform)
    )


def active_by_platform_query(*, filters: Filters) -> sa.Select:
    """Per platform: distinct active members in the period and in the previous one. A member active
    on two platforms counts on both."""
    previous = filters.previous()
    current = activities.c.occurred_at >= filters.start_utc
    return (
        sa.select(
            activities.c.platform,
            sa.func.count(sa.distinct(sa.case((current, activities.c.member_id)))).label("current"),
            sa.func.count(sa.distinct(sa.case((~current, activities.c.member_id)))).label("previous"),
        )
        .join(members, members.c.member_id == activities.c.member_id)
        .where(
            *member_conditions(filters),
            activities.c.occurred_at >= previous.start_utc,
            activities.c.occurred_at < filters.end_utc,
        )
        .group_by(activities.c.platform)
        .order_by(activities.c.platform)
    )


def _per_member(filters: Filters) -> sa.Subquery:
    days = member_days(filters, filters.start, filters.end)
    return (
        sa.select(days.c.member_key, sa.func.sum(days.c.contributions).label("contributions"))
        .group_by(days.c.member_key)
        .subquery("per_member")
    )


def contribution_totals_query(*, filters: Filters) -> sa.Select:
    """One row: active_members, contributors (members with a contribution), contributions."""
    per_member = _per_member(filters)
    return sa.select(
        sa.func.count().label("active_members"),
        count_where(per_member.c.contributions > 0).label("contributors"),
        sa.func.coalesce(sa.func.sum(per_member.c.contributions), 0).label("contributions"),
    ).select_from(per_member)


def absence_factor_query(*, filters: Filters) -> sa.Select:
    """One row: the contributor absence factor (CHAOSS), the fewest members whose contributions
    together make at least half of all contributions in the period; 0 when there are none."""
    per_member = _per_member(filters)
    ranked = (
        sa.select(
            per_member.c.contributions,
            (
                sa.func.sum(per_member.c.contributions).over(
                    order_by=(per_member.c.contributions.desc(), per_member.c.member_key), rows=(None, 0)
                )
                - per_member.c.contributions
            ).label("before"),
            sa.func.sum(per_member.c.contributions).over().label("total"),
        )
        .where(per_member.c.contributions > 0)
        .subquery("ranked")
    )
    return sa.select(count_where(2 * ranked.c.before < ranked.c.total).label("absence_factor")).select_from(ranked)


def engagement_figures(totals: pd.DataFrame, factor: pd.DataFrame) -> dict[str, float | None]:
    """The Engagement tiles for one period: contributions_per_active_member is None with nobody active."""
    row = totals.iloc[0]
    active = int(row["active_members"])
    return {
        "active_members": active,
        "contributors": int(row["contributors"]),
        "contributions": int(row["contributions"]),
        "contributions_per_active_member": int(row["contributions"]) / active if active else None,
        "absence_factor": int(factor.iloc[0]["absence_factor"]),
    }


def top_contributors_query(
    *, filters: Filters, platform: str | None = None, kind: str | None = None, limit: int = 20
) -> sa.Select:
    """The leaderboard: members with points in the period, most points first (ties: more
    contributions, then member id), with rank, contributions and active days. `platform` and `kind`
    narrow the activities counted (read from activities; the whole leaderboard from member-days)."""
    if platform is None and kind is None:
        days = member_days(filters, filters.start, filters.end)
        totals = (
            sa.select(
                days.c.member_key,
                sa.func.sum(days.c.points).label("points"),
                sa.func.sum(days.c.contributions).label("contributions"),
                sa.func.count().label("active_days"),
            )
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
    else:
        conditions = _in_scope(filters)
        if platform is not None:
            conditions.append(activities.c.platform == platform)
        if kind is not None:
            conditions.append(activities.c.kind == kind)
        per_member = (
            sa.select(
                activities.c.member_id,
                sa.func.sum(points()).label("points"),
                count_where(is_contribution()).label("contributions"),
                sa.func.count(sa.distinct(day_of(activities.c.occurred_at, filters))).label("active_days"),
            )
            .join(members, members.c.member_id == activities.c.member_id)
            .where(*conditions)
            .group_by(activities.c.member_id)
            .subquery("per_member")
        )
    order = (per_member.c.points.desc(), per_member.c.contributions.desc(), per_member.c.member_id)
    return (
        sa.select(
            sa.func.row_number().over(order_by=order).label("rank"),
            members.c.member_id,
            members.c.name,
            members.c.segment,
            per_member.c.points,
            per_member.c.contributions,
            per_member.c.active_days,
        )
        .select_from(per_member)
        .join(members, members.c.member_id == per_member.c.member_id)
        .where(per_member.c.points > 0)
        .order_by(*order)
        .limit(limit)
    )
