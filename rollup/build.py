"""The queries that build the member-day rollup's tables (rollup/tables.py) from the canonical ones,
and the pieces metrics share with them to compute the same rows where a database has no rollup.

data_sources/rollup.py runs them, in order, as `CREATE TABLE … AS SELECT`: member_keys (with each
member's first contribution within 30 days of joining) and member_groups, then activity_days from
activities, member_days summed from activity_days (with each member's previous and next active day
and running counts in one window pass, and their join day and group key), member_months and
activity_changes from member_days, then member_windows from member_days for the windows the kept
views read (data_sources/rollup.py says which).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import sa_internals
import schema
from rollup.sql import day_in_zone, days_later, month_of, week_start
from rollup.tables import (
    CONVERSION_DAYS,
    KEYED,
    KEYED_COLUMN,
    activity_changes,
    activity_rollup,
    member_groups,
    member_keys,
    member_windows,
    rollup,
)

activities, members = schema.activities, schema.members
MEMBER_DIMENSIONS = schema.MEMBER_DIMENSIONS
DEFAULT_POINTS = {"event_attend": 20, "post": 10, "comment": 5, "message": 2, "reaction": 1, "login": 0}
OTHER_KIND_POINTS = 1


def is_contribution(kind: sa.ColumnElement = activities.c.kind) -> sa.ColumnElement[bool]:
    """A contribution is any activity other than a login (`kind`: the activity's kind)."""
    return kind != "login"


def points(source: sa.FromClause = activities) -> sa.ColumnElement:
    """The activity's points where the source gives them, else the default for its kind."""
    default = sa.case(
        *((source.c.kind == kind, sa.literal(value)) for kind, value in DEFAULT_POINTS.items()),
        else_=sa.literal(OTHER_KIND_POINTS),
    )
    return sa.func.coalesce(source.c.points, default)


def grouped_activities(
    timezone: str,
    *conditions: sa.ColumnElement[bool],
    by: tuple[sa.ColumnElement, ...] = (),
    source: sa.FromClause = activities,
    member: sa.ColumnElement | None = None,
) -> sa.Subquery:
    """Activities grouped by member, local day in `timezone` and the `by` columns (grouping before
    the join to members is what keeps the build fast: one pass over narrow rows). `source` is
    activities or a selection of its rows (an incremental sync's new ones); `member`, the column
    that tells its members apart (their id, or the key a sync's build gives the rows)."""
    day = day_in_zone(source.c.occurred_at, timezone)
    member = source.c.member_id if member is None else member
    return (
        sa.select(
            member,
            day.label("day"),
            *by,
            sa.func.count().label("activities"),
            sa.func.sum(sa.case((is_contribution(source.c.kind), 1), else_=0)).label("contributions"),
            sa.func.sum(points(source)).label("points"),
        )
        .where(*conditions)
        .group_by(member, day, *by)
        .subquery("activity_days")
    )


def member_number() -> sa.Label[int]:
    """A member's key in a full build: their place in member id order (a sync's build gives its
    activities and invitations the same keys as it writes them: data_sources/keyed_rows.py)."""
    return sa.func.row_number().over(order_by=members.c.member_id).label("member_key")


def member_keys_query() -> sa.Select:
    """Every member with an integer key (member_number), the key of their combination of dimensions
    (members alike in all three share it, NULLs included) and their first contribution within
    CONVERSION_DAYS of joining, for `CREATE TABLE member_keys AS`."""
    dimensions = [members.c[name] for name in MEMBER_DIMENSIONS]
    firsts = first_contributions(activities).subquery("firsts")
    return (
        sa.select(
            member_number(),
            *(members.c[name] for name in KEYED),
            sa.func.dense_rank().over(order_by=dimensions).label("group_key"),
            firsts.c.converted_at,
        )
        .select_from(members.outerjoin(firsts, firsts.c.member_id == members.c.member_id))
        .order_by(members.c.member_id)
    )


def first_contributions(source: sa.FromClause) -> sa.Select:
    """Rows (member_id, converted_at): of the members with a contribution among `source`'s
    activities in their first CONVERSION_DAYS, the time of the first (an incremental sync passes
    the activities it adds). Only those days decide a conversion, and a million members' later
    contributions were most of the rows grouped (PostgreSQL's member_keys 9.4-10.1 -> 8.0-8.2 s)."""
    since_joining = (
        source.c.occurred_at >= members.c.joined_at,
        source.c.occurred_at < days_later(members.c.joined_at, CONVERSION_DAYS),
    )
    return (
        sa.select(source.c.member_id, sa.func.min(source.c.occurred_at).label("converted_at"))
        .join(members, members.c.member_id == source.c.member_id)
        .where(is_contribution(source.c.kind), *since_joining)
        .group_by(source.c.member_id)
    )


def member_groups_query() -> sa.Select:
    """Each group key with its channel, region and segment, for `CREATE TABLE member_groups AS`."""
    columns = [member_keys.c.group_key, *(member_keys.c[name] for name in MEMBER_DIMENSIONS)]
    return sa.select(*columns).distinct().order_by(member_keys.c.group_key)


def activity_days_query(timezone: str, *, source: sa.FromClause = activities, keyed: bool = False) -> sa.Select:
    """Activities of known members (team included) per member key, day in `timezone`, kind and
    platform, in day order, for `CREATE TABLE activity_days AS` once member_keys exists (`source`:
    activities, or the rows an incremental sync adds). `keyed`: the rows carry their member's key
    (a sync's full build writes it: data_sources/keyed_rows.py), grouped by instead of joining
    member_keys by text id (DuckDB's activity_days at xl, 34.6M activities: 17.6-20.0 -> 15.7-16.1 s)."""
    by = (source.c.kind, source.c.platform)
    if keyed:
        key = sa_internals.added_column(source, KEYED_COLUMN, sa.Integer)
        grouped = grouped_activities(timezone, key.is_not(None), by=by, source=source, member=key)
        return sa.select(*activity_day_columns(grouped, grouped.c[KEYED_COLUMN])).order_by(grouped.c.day)
    grouped = grouped_activities(timezone, by=by, source=source)
    return (
        sa.select(*activity_day_columns(grouped, member_keys.c.member_key))
        .join(member_keys, member_keys.c.member_id == grouped.c.member_id)
        .order_by(grouped.c.day)
    )


def activity_days_sorted_query(timezone: str) -> sa.Select:
    """activity_days_query's rows, for PostgreSQL: activities joined to member_keys first and grouped
    by day first, so that one sort both groups them and leaves them in day order. Grouped by text id
    before the join, 11.5M activities made 11.25M groups there (members rarely repeat a kind on a
    platform in a day): a hash aggregate spilling to disk, then a sort by day, 114 s of the rollup."""
    keyed = (
        sa.select(
            member_keys.c.member_key,
            day_in_zone(activities.c.occurred_at, timezone).label("day"),
            activities.c.kind,
            activities.c.platform,
            points(activities).label("points"),
        )
        .join(member_keys, member_keys.c.member_id == activities.c.member_id)
        .subquery("keyed")
    )
    keys = (keyed.c.day, keyed.c.member_key, keyed.c.kind, keyed.c.platform)
    return (
        sa.select(
            keyed.c.member_key,
            keyed.c.day,
            keyed.c.kind,
            keyed.c.platform,
            sa.func.count().label("activities"),
            sa.func.sum(keyed.c.points).label("points"),
        )
        .group_by(*keys)
        .order_by(*keys)
    )


def activity_day_columns(grouped: sa.Subquery, key: sa.ColumnElement) -> list[sa.ColumnElement]:
    """activity_days' columns from grouped_activities by kind and platform, with `key` as member_key."""
    return [
        key.label("member_key"),
        *(grouped.c[column.name] for column in activity_rollup.c if column.name != "member_key"),
    ]


def rollup_query(
    *conditions: sa.ColumnElement[bool], one_order: bool = False, source: sa.FromClause = activity_rollup
) -> sa.Select:
    """Every member-day, in day order, for `CREATE TABLE member_days AS` once activity_days exists:
    its rows summed per member and day, with each member's previous and next active day and the
    running counts of weeks and contributions. `conditions` on activity_days narrow it to whole
    members' histories (an incremental sync's). `source`: activity_days, or some of its rows (an
    increment's, kept apart).

    The windows go through each member's days by week, then day (the days' own order, a week
    starting on a Monday), and the weeks are counted by dense_rank() by week, an order that begins
    that one: DuckDB sorts once for all four, where ordered by day alone the weeks' count sorted
    every member-day again (member_days at xl, 34.6M activities: 28.0-30.3 -> 21.7-23.4 s). PostgreSQL sorts
    once either way, and sorted by the three keys 3-5 s slower at the large scale than by two: with
    `one_order`, the days are in day order and a day starts a week when its previous active day
    is in an earlier week (or there is none), the running count of those being dense_rank()'s."""
    days = (
        sa.select(
            source.c.member_key,
            source.c.day,
            sa.func.sum(source.c.activities).label("activities"),
            sa.func.sum(sa.case((is_contribution(source.c.kind), source.c.activities), else_=0)).label("contributions"),
            sa.func.sum(source.c.points).label("points"),
        )
        .where(*conditions)
        .group_by(source.c.member_key, source.c.day)
        .subquery("summed")
    )
    if not one_order:
        week = week_start(days.c.day)
        by_week: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": (week, days.c.day)}  # over()'s
        return sa.select(
            *days.c,
            sa.func.lag(days.c.day).over(**by_week).label("previous_day"),
            sa.func.lead(days.c.day).over(**by_week).label("next_day"),
            sa.func.dense_rank().over(partition_by=days.c.member_key, order_by=week).label("weeks_so_far"),
            sa.func.sum(days.c.contributions).over(**by_week, rows=(None, 0)).label("contributions_so_far"),
        ).order_by(days.c.day)
    order: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": days.c.day}
    neighbours = sa.select(
        *days.c,
        sa.func.lag(days.c.day).over(**order).label("previous_day"),
        sa.func.lead(days.c.day).over(**order).label("next_day"),
    ).subquery("neighbours")
    in_order: dict[str, Any] = {"partition_by": neighbours.c.member_key, "order_by": neighbours.c.day}
    previous = neighbours.c.previous_day
    starts_week = sa.case((previous.is_(None) | (week_start(previous) != week_start(neighbours.c.day)), 1), else_=0)
    return sa.select(
        *neighbours.c,
        sa.func.sum(starts_week).over(**in_order, rows=(None, 0)).label("weeks_so_far"),
        sa.func.sum(neighbours.c.contributions).over(**in_order, rows=(None, 0)).label("contributions_so_far"),
    ).order_by(neighbours.c.day)


def member_days_query(timezone: str, *, one_order: bool = False) -> sa.Select:
    """rollup_query's member-days with each member's join day (in `timezone`, as the days are) and
    group key, in day order, for `CREATE TABLE member_days AS`."""
    days = rollup_query(one_order=one_order).order_by(None).subquery("days")
    return with_member_columns(days, member_keys, timezone).order_by(days.c.day)


def with_member_columns(days: sa.Subquery, keys: sa.FromClause, timezone: str) -> sa.Select:
    """Member-days (member_days' columns but the member's) joined to `keys` (member_keys, or some
    members' rows of it) for the member's join day in `timezone` and group key."""
    return sa.select(*days.c, day_in_zone(keys.c.joined_at, timezone).label("joined_day"), keys.c.group_key).join(
        keys, keys.c.member_key == days.c.member_key
    )


def member_months_query(*conditions: sa.ColumnElement[bool]) -> sa.Select:
    """Every member-month with activity, in month order, with the member's join day and month and
    group (as member_days carries them), for `CREATE TABLE member_months AS` (`conditions` on member_days:
    some members' only).

    A member-month is the member's first active day in it, the member-day whose previous active day
    is in an earlier month or none: a filter on member_days, not a grouping of them (at the large
    scale 0.9 -> 0.6 s on DuckDB and 12-16 -> 7-8 s on PostgreSQL, a join to member_keys included,
    which member_days' own join day has since made needless)."""
    month = month_of(rollup.c.day)
    previous = rollup.c.previous_day
    return (
        sa.select(
            rollup.c.member_key,
            month.label("month"),
            rollup.c.joined_day,
            month_of(rollup.c.joined_day).label("cohort"),
            rollup.c.group_key,
        )
        .where(previous.is_(None) | (month_of(previous) < month), *conditions)
        .order_by(month)
    )


def window_rows(start: int, end: int, *, name: str = "window", days: sa.Table = rollup) -> sa.Select:
    """member_windows' columns but the window's bounds, of the members active in [start, end) (day
    numbers), from member_days (or `days`, some of its rows). Each member's last active day in the
    window (the next one is after it, or there is none) is joined to their first (the previous one
    is before it, or there is none): the weeks are the last day's running count less the first's,
    plus the first day's own week; the contributions likewise, plus the first day's own. Two
    filtered reads of the window's member-days, where grouping them per member was slower."""
    last, first = days.alias(f"last_{name}"), days.alias(f"first_{name}")
    return (
        sa.select(
            last.c.member_key,
            (last.c.weeks_so_far - first.c.weeks_so_far + 1).label("weeks"),
            (last.c.contributions_so_far - first.c.contributions_so_far + first.c.contributions).label("contributions"),
            last.c.day.label("last_day"),
            last.c.next_day,
            last.c.joined_day,
            last.c.group_key,
        )
        .select_from(last.join(first, first.c.member_key == last.c.member_key))
        .where(
            last.c.day >= start,
            last.c.day < end,
            last.c.next_day.is_(None) | (last.c.next_day >= end),
            first.c.day >= start,
            first.c.day < end,
            first.c.previous_day.is_(None) | (first.c.previous_day < start),
        )
    )


def member_windows_query(windows: list[tuple[int, int]], *, days: sa.Table = rollup) -> sa.Select | sa.CompoundSelect:
    """Every member's figures over each [start, end) of `windows` (day numbers), for `CREATE TABLE
    member_windows AS`, from member_days or `days` (a table of some of its rows: some members'
    only, as an increment redoes them). No windows: no rows."""
    if not windows:
        return sa.select(*(sa.cast(sa.null(), column.type).label(column.name) for column in member_windows.c)).where(
            sa.false()
        )
    parts = []
    for number, (start, end) in enumerate(windows):
        rows = window_rows(start, end, name=str(number), days=days).subquery(f"window_{number}")
        bounds = [sa.literal(start, sa.Integer).label("start_day"), sa.literal(end, sa.Integer).label("end_day")]
        parts.append(sa.select(*bounds, *(rows.c[c.name] for c in member_windows.c if c.name in rows.c)))
    return sa.union_all(*parts) if len(parts) > 1 else parts[0]


def changes(spans: sa.FromClause, *groups: str) -> sa.Select:
    """Per day (and `groups` columns of `spans`): dau, and the change in WAU and MAU coverage that
    day, from member-days with columns day, previous_day and next_day.

    The member-days are read once, grouped per day with how many start a coverage and how many
    end one (`day + 7` and `day + 30` lose them); those few rows per day are then spread over the
    days each change falls on. (Reading the member-days once for each of the three kinds of change
    took about 10 s of PostgreSQL's rollup at the large scale, against 5.7 s.)"""
    one: sa.ColumnClause[Any] = sa.literal_column("1")
    zero: sa.ColumnClause[Any] = sa.literal_column("0")

    def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.cast(sa.func.sum(sa.case((condition, one), else_=zero)), sa.Integer)

    def starts(window: int) -> sa.ColumnElement[bool]:
        return spans.c.previous_day.is_(None) | (spans.c.day - spans.c.previous_day >= window)

    def ends(window: int) -> sa.ColumnElement[bool]:
        """Whether the member's coverage ends `window` days after this day (no activity before then)."""
        return spans.c.next_day.is_(None) | (spans.c.next_day - spans.c.day >= window)

    grouped = [spans.c[name] for name in groups]
    day_counts = (
        sa.select(
            spans.c.day,
            *grouped,
            sa.cast(sa.func.count(), sa.Integer).label("dau"),
            count_where(starts(7)).label("wau_starts"),
            count_where(starts(30)).label("mau_starts"),
            count_where(ends(7)).label("wau_ends"),
            count_where(ends(30)).label("mau_ends"),
        )
        .group_by(spans.c.day, *grouped)
        .cte("day_counts")  # not "per_day", the name of the FROM item metrics.activity wraps it in
    )
    kept = [day_counts.c[name] for name in groups]
    events = sa.union_all(
        sa.select(day_counts.c.day, *kept, day_counts.c.dau, day_counts.c.wau_starts, day_counts.c.mau_starts),
        # Only the days where coverage ends: most member-days are followed by another within a week.
        sa.select(
            (day_counts.c.day + sa.literal_column("7")).label("day"), *kept, zero, -day_counts.c.wau_ends, zero
        ).where(day_counts.c.wau_ends > 0),
        sa.select(
            (day_counts.c.day + sa.literal_column("30")).label("day"), *kept, zero, zero, -day_counts.c.mau_ends
        ).where(day_counts.c.mau_ends > 0),
    ).subquery("events")
    keys = [events.c.day, *(events.c[name] for name in groups)]
    return sa.select(
        *keys,
        sa.func.sum(events.c.dau).label("dau"),
        sa.func.sum(events.c.wau_starts).label("wau_change"),
        sa.func.sum(events.c.mau_starts).label("mau_change"),
    ).group_by(*keys)


def changes_rollup_query() -> sa.Select:
    """Every day's changes per channel, region and segment over all member-days, team left out, for
    `CREATE TABLE activity_changes AS`. Members split into these combinations, so summing the
    combinations a view selects gives its counts: a period then reads a few thousand rows. The
    previous and next days come with member_days (its build's one window pass).

    Counted by the group key member_days carries, and named by member_groups after: joining every
    member-day to member_keys for its three texts and grouping by them took DuckDB 5.1-5.2 s at xl
    (34.6M activities), 1.0 s now, and PostgreSQL 7.8-8.1 s at the large scale, 2.2-2.3 s now. The
    team (and members whose flag is empty) are the few keys left out."""
    # Metrics count a member whose is_team is false (metrics.sql.member_conditions): an empty one
    # (a database queried in place may leave it so) is left out with the team.
    team = sa.select(member_keys.c.member_key).where(member_keys.c.is_team.is_(None) | member_keys.c.is_team)
    spans = sa.select(rollup.c.day, rollup.c.previous_day, rollup.c.next_day, rollup.c.group_key)
    by_group = changes(spans.where(rollup.c.member_key.not_in(team)).subquery("spans"), "group_key").subquery(
        "by_group"
    )
    return sa.select(
        by_group.c.day,
        *(member_groups.c[name] for name in MEMBER_DIMENSIONS),
        *(by_group.c[column.name] for column in activity_changes.c if column.name not in ("day", *MEMBER_DIMENSIONS)),
    ).join(member_groups, member_groups.c.group_key == by_group.c.group_key)


def keyed_member_days(*conditions: sa.ColumnElement[bool], keys: sa.FromClause = member_keys) -> sa.Select:
    """The community's member-days (day, previous and next day) with their member's channel, region
    and segment, team left out: what `changes` counts. `keys`: member_keys, or some members' rows of
    it (an increment's: their share of every sum, as members add up; the join then builds on a few
    thousand rows, not a million); `conditions` on member_days narrow it further."""
    return (
        sa.select(
            rollup.c.day,
            rollup.c.previous_day,
            rollup.c.next_day,
            *(keys.c[name] for name in MEMBER_DIMENSIONS),
        )
        .join(keys, keys.c.member_key == rollup.c.member_key)
        .where(keys.c.is_team == sa.false(), *conditions)
    )
