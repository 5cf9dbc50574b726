"""What members do: activity by kind and platform, contributions, the contributor absence factor and
the points leaderboard (DESIGN.md; the Engagement page).

A contribution is any activity other than a login. Points are the activity's own `points` where the
source gives them, else DEFAULT_POINTS by kind (rollup/build.py; weighting a post above a
reaction), so a leaderboard works with sources that carry no points.

The page's kept views (the default view and the fixed periods next to it: metrics.filters.kept_views)
read their three slowest figures (contributions per member, active members per platform, the
leaderboard) from the rollup, which keeps them by view and member combination when it is built or
updated (registered below with data_sources.rollup.keep_figures): a member is in one
combination, so counts add up and each combination's first LEADERS_KEPT hold any filter's
leaderboard. Computed from the rollup's tables alone, they are kept in a database queried in place
too, the default view's alone (metrics.kept.views_kept). An incremental sync brings them up to date from the
rows the members it touches make.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import schema
from data_sources.rollup import added_up
from metrics.filters import Filters, day_number
from metrics.kept import keep_by_view, kept_view, of_view, summed
from metrics.member_days import activity_days, member_attributes, member_days
from metrics.sql import count_where, week_start
from rollup.build import is_contribution
from rollup.tables import (
    COUNTS_KEY,
    LEADERS_KEPT,
    LEADERS_KEY,
    PLATFORMS_KEY,
    engagement_counts,
    engagement_leaders,
    engagement_platforms,
    member_keys,
)

DAILY_UP_TO_DAYS = 31  # longer periods are shown by week
DIMENSIONS = schema.MEMBER_DIMENSIONS  # the member combination the kept figures are by
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


def active_by_platform_query(*, filters: Filters, by_members: bool = False, keys: sa.Select | None = None) -> sa.Select:
    """Per platform: distinct active members in the period and in the previous one. A member active
    on two platforms counts on both. `by_members`: per member combination too (what the rollup
    keeps, engagement_platforms, whose rows a view on its period reads instead), of the members
    with `keys` only, when given (rollup keys: an increment's share)."""
    days = activity_days(filters, filters.previous().start, filters.end, keys=keys)
    current = sa.case((days.c.day >= day_number(filters.start), 1), else_=0)
    by: list[sa.ColumnElement] = []
    rows: sa.FromClause = days
    if by_members:
        member = member_attributes(filters, keys=keys)
        rows = days.join(member, member.c.member_key == days.c.member_key)
        by = [member.c[name] for name in DIMENSIONS]
    # Each (platform, member, period) once, then counted: count(DISTINCT) per platform made
    # PostgreSQL sort every activity-day of both periods.
    active = (
        sa.select(days.c.platform, *by, days.c.member_key, current.label("current"))
        .select_from(rows)
        .distinct()
        .subquery("active")
    )
    grouped = [active.c.platform, *(active.c[name] for name in DIMENSIONS if by)]
    computed = sa.select(
        *grouped,
        sa.cast(count_where(active.c.current == 1), sa.BigInteger).label("current"),
        sa.cast(count_where(active.c.current == 0), sa.BigInteger).label("previous"),
    ).group_by(*grouped)
    if by_members:
        return computed
    kept = summed(engagement_platforms, filters, by=("platform",), counts=("current", "previous"))
    platforms = kept_view("platforms", PLATFORMS_KEY, filters, kept, computed)
    return sa.select(*platforms.c).order_by(platforms.c.platform)


PERIODS = ("previous", "current")  # contribution_counts_query's `period` 0 and 1


def contribution_counts_query(
    *, filters: Filters, by_members: bool = False, keys: sa.Select | None = None
) -> sa.Select:
    """Rows (period, contributions, members): for the previous period (0) and this one (1), how
    many active members made each number of contributions. The Engagement tiles of both periods
    come from these few rows (engagement_figures): one pass over the member-days, where totals and
    the absence factor each grouped them per member, twice per period. `by_members`: per member
    combination too (what the rollup keeps, engagement_counts, whose rows a view on its period
    reads instead), of the members with `keys` only, when given (an increment's share)."""
    days = member_days(filters, filters.previous().start, filters.end, keys=keys)
    period = sa.case((days.c.day >= day_number(filters.start), 1), else_=0)
    by = [days.c[name] for name in DIMENSIONS] if by_members else []
    per_member = (  # a member's combination is one: grouping by it too splits no member
        sa.select(
            *by, period.label("period"), sa.cast(sa.func.sum(days.c.contributions), sa.Integer).label("contributions")
        )
        .group_by(days.c.member_key, period, *by)
        .subquery("per_member")
    )
    grouped = [*(per_member.c[name] for name in DIMENSIONS if by), per_member.c.period, per_member.c.contributions]
    computed = sa.select(*grouped, sa.cast(sa.func.count(), sa.BigInteger).label("members")).group_by(*grouped)
    if by_members:
        return computed
    kept = summed(engagement_counts, filters, by=("period", "contributions"), counts=("members",))
    counts = kept_view("contribution_counts", COUNTS_KEY, filters, kept, computed)
    return sa.select(*counts.c).order_by(counts.c.period, counts.c.contributions)


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
    narrow the activities counted (read from activity-days; the whole leaderboard from member-days,
    or, for the first LEADERS_KEPT, from the rollup where it keeps the view's period)."""
    computed = _member_totals(filters, platform=platform, kind=kind)
    per_member: sa.FromClause = computed.subquery("per_member")
    if platform is None and kind is None and limit <= LEADERS_KEPT:
        table = engagement_leaders
        kept = sa.select(*(table.c[column.name] for column in computed.selected_columns)).where(
            *of_view(table, filters)
        )
        per_member = kept_view("per_member", LEADERS_KEY, filters, kept, computed)
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


def _member_totals(
    filters: Filters,
    *,
    platform: str | None = None,
    kind: str | None = None,
    by_members: bool = False,
    keys: sa.Select | None = None,
) -> sa.Select:
    """Per in-scope member active in the period (of those with `keys`, when given): member_id,
    points, contributions and active days (of the activities of `platform` and `kind`, when given),
    and `by_members` their combination."""
    if platform is None and kind is None:
        days = member_days(filters, filters.start, filters.end, keys=keys)
        contributions, active_days = sa.func.sum(days.c.contributions), sa.func.count()
        narrowed = []
    else:
        days = activity_days(filters, filters.start, filters.end, keys=keys)
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
    member = member_attributes(filters, keys=keys)
    return sa.select(
        *(member.c[name] for name in DIMENSIONS if by_members),
        member.c.member_id,
        totals.c.points,
        sa.cast(totals.c.contributions, sa.BigInteger).label("contributions"),
        sa.cast(totals.c.active_days, sa.BigInteger).label("active_days"),
    ).join(member, member.c.member_key == totals.c.member_key)


def _firsts(totals: sa.FromClause) -> sa.Select:
    """What engagement_leaders keeps, of rows of member totals by view and combination (its
    columns): each one's first LEADERS_KEPT with points (top_contributors_query's order), enough for
    the first LEADERS_KEPT of any member filter's, since those are each among their own
    combination's first."""
    by = [totals.c.view, *(totals.c[name] for name in DIMENSIONS)]
    order = (totals.c.points.desc(), totals.c.contributions.desc(), totals.c.member_id)
    ranked = (
        sa.select(*totals.c, sa.func.row_number().over(partition_by=by, order_by=order).label("rank"))
        .where(totals.c.points > 0)
        .subquery("ranked")
    )
    return sa.select(*(ranked.c[column.name] for column in engagement_leaders.c)).where(ranked.c.rank <= LEADERS_KEPT)


def _leaders_merged(
    connection: Connection, table: sa.FromClause, before: sa.FromClause, after: sa.FromClause, touched: sa.Select
) -> sa.Select | None:
    """engagement_leaders after an increment: where no touched member fell in the order (an
    increment adds activities, and only an activity with negative points takes some away), each
    combination's first are among its first before (but the touched members, whose totals are read
    again) and the touched members. None where one fell: a member not kept may now be among the
    first, and the whole leaderboard is computed again."""
    now = sa.select(after.c.member_id).where(after.c.view == before.c.view, after.c.member_id == before.c.member_id)
    lower = (after.c.points < before.c.points) | (
        (after.c.points == before.c.points) & (after.c.contributions < before.c.contributions)
    )
    fell = sa.select(before.c.member_id).where(~now.exists() | now.where(lower).exists())
    if connection.scalar(sa.select(fell.exists())):
        return None
    touched_ids = sa.select(member_keys.c.member_id).where(member_keys.c.member_key.in_(touched))
    columns = [column.name for column in engagement_leaders.c]
    candidates = sa.union_all(
        sa.select(*(table.c[name] for name in columns)).where(table.c.member_id.not_in(touched_ids)),
        sa.select(*(after.c[name] for name in columns)),
    ).subquery("candidates")
    return _firsts(candidates)


keep_by_view(
    engagement_counts,
    COUNTS_KEY,
    figures=lambda view, keys: contribution_counts_query(filters=view, by_members=True, keys=keys),
    merge=added_up("members"),
)
keep_by_view(
    engagement_platforms,
    PLATFORMS_KEY,
    figures=lambda view, keys: active_by_platform_query(filters=view, by_members=True, keys=keys),
    merge=added_up("current", "previous"),
)
keep_by_view(
    engagement_leaders,
    LEADERS_KEY,
    figures=lambda view, keys: _member_totals(view, by_members=True, keys=keys),
    kept_of=_firsts,
    merge=_leaders_merged,
)
