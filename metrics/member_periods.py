"""Member-days per window, per month and per period: what the figures that look at each member over
a window read, which at a million members were the slowest queries of the Members and Overview pages.

Grouping a window's member-days per member (millions of rows into hundreds of thousands of groups)
is what they avoid. `window_figures` (engagement levels, slipping champions) takes each member's
first and last active day in a window, whose running counts of weeks and contributions give the
window's; `first_days` (churn, returning members, movers) and `fallen_silent` (slipping champions)
find one row per member by a filter on member_days' previous and next active day; `active_months`
(the cohort grid) reads member_months, which sync stores beside member_days (rollup/build.py) with
each member's join month, keeping of the period's partial last month the members active in it by
the period's end.

Like member_days, each is a FromRollup: where the database has no rollup in the view's time zone,
the same rows are computed, and tests/test_member_days.py holds both to the same answers.

Where the rollup keeps a window's figures (member_windows: the windows the kept views read on the day
it was built), `window_figures` and `fallen_silent` read them instead of the window's member-days
(`KeptWindow`): on PostgreSQL at a million members the level board's windows were most of the
Members page's time.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause

import sa_internals
from metrics.filters import Filters, day_number, month_number
from metrics.member_days import FromRollup, day_in_scope, key_in_scope, member_days, of_keys
from metrics.sql import day_of, month_of, week_start
from rollup.build import window_rows
from rollup.tables import READS_KEPT, WINDOWS_ATTRIBUTE, member_groups, member_months, member_windows, rollup
from schema import MEMBER_DIMENSIONS

Windows = dict[str, tuple[date, date]]  # name -> [start, end) in local days


def _window_columns(windows: Windows, day: sa.ColumnElement, contributions: sa.ColumnElement) -> list[sa.Label]:
    """Per member-week of member-days: active_<name>, contributions_<name>, last_day_<name>. The sums
    stay INTEGER: DuckDB sums into HUGEINT, which made summing them again per member twice as slow."""
    columns = []
    for name, (start, end) in windows.items():
        inside = (day >= day_number(start)) & (day < day_number(end))
        columns += [
            sa.func.max(sa.case((inside, 1), else_=0)).label(f"active_{name}"),
            sa.cast(sa.func.sum(sa.case((inside, contributions), else_=0)), sa.Integer).label(f"contributions_{name}"),
            sa.func.max(sa.case((inside, day))).label(f"last_day_{name}"),
        ]
    return columns


def window_figures(
    filters: Filters,
    windows: Windows,
    *,
    member_ids: list[str] | None = None,
    only: sa.FromClause | None = None,
    keys: sa.Select | None = None,
    by_members: bool = False,
    name: str = "window_figures",
) -> FromRollup:
    """One row per in-scope member with activity in any window: member_key, joined_day (their local
    join day), and for each named [start, end) window weeks_<name> (distinct weeks, Monday start,
    with an active day inside it), contributions_<name> and last_day_<name> (the latest active day
    inside it; NULL, and 0 weeks and contributions, for a window without activity). `member_ids`
    keeps those members only; `only` (rows of distinct member_key) narrows further; `keys`, the
    members with those rollup keys (an increment's share). `by_members`: the member's channel,
    region and segment too, from the rollup by their group (on PostgreSQL, looking up a million
    member keys for them took two of the three seconds of the default view's level counts).

    Computed, member-days are grouped per member and week, then per member. From the rollup, each
    window is the member's first and last active day in it, two filtered reads of the window's
    member-days joined on the key: member_days carries running counts of weeks and contributions."""
    first = min(start for start, _ in windows.values())
    last = max(end for _, end in windows.values())
    days = member_days(filters, first, last, member_ids=member_ids, keys=keys)
    dimensions = [days.c[name] for name in MEMBER_DIMENSIONS] if by_members else []  # one combination a member
    per_week = sa.select(
        days.c.member_key,
        *dimensions,
        *_window_columns(windows, days.c.day, days.c.contributions),
        sa.func.min(days.c.joined_at).label("joined_at"),
    )
    # Days between windows (of a year's view, whose windows end a year apart) are not read: a member
    # active only then has no row, as from the rollup.
    inside = sa.or_(
        *((days.c.day >= day_number(start)) & (days.c.day < day_number(end)) for start, end in windows.values())
    )
    weekly = (
        _narrowed(per_week, days, only)
        .where(inside)
        .group_by(days.c.member_key, *dimensions, week_start(days.c.day))
        .subquery("weekly")
    )
    join_day = day_of(sa.func.min(weekly.c.joined_at), filters)  # converted once a member, not a member-day
    weekly_dimensions = [weekly.c[column.name] for column in dimensions]
    columns: list[sa.ColumnElement] = [weekly.c.member_key, *weekly_dimensions, join_day.label("joined_day")]
    for window in windows:
        columns += [
            sa.func.sum(weekly.c[f"active_{window}"]).label(f"weeks_{window}"),
            sa.func.coalesce(sa.func.sum(weekly.c[f"contributions_{window}"]), 0).label(f"contributions_{window}"),
            sa.func.max(weekly.c[f"last_day_{window}"]).label(f"last_day_{window}"),
        ]
    computed = sa.select(*columns).group_by(weekly.c.member_key, *weekly_dimensions)

    parts = [_in_window(filters, window, bounds, member_ids, only, keys) for window, bounds in windows.items()]
    joined: sa.FromClause = parts[0]
    key: sa.ColumnElement[Any] = parts[0].c.member_key
    joined_day: sa.ColumnElement[Any] = parts[0].c.joined_day
    group_key: sa.ColumnElement[Any] = parts[0].c.group_key
    for part in parts[1:]:
        joined = joined.outerjoin(part, part.c.member_key == key, full=True)
        key = sa.func.coalesce(key, part.c.member_key)
        joined_day = sa.func.coalesce(joined_day, part.c.joined_day)
        group_key = sa.func.coalesce(group_key, part.c.group_key)
    figures: list[sa.ColumnElement] = [key.label("member_key")]
    if by_members:
        joined = joined.join(member_groups, member_groups.c.group_key == group_key)
        figures += [member_groups.c[name] for name in MEMBER_DIMENSIONS]
    figures.append(joined_day.label("joined_day"))
    for window, part in zip(windows, parts, strict=True):
        figures += [
            sa.func.coalesce(part.c[f"weeks_{window}"], 0).label(f"weeks_{window}"),
            sa.func.coalesce(part.c[f"contributions_{window}"], 0).label(f"contributions_{window}"),
            part.c[f"last_day_{window}"],
        ]
    return FromRollup(name, filters.timezone, sa.select(*figures).select_from(joined), computed)


def _in_window(
    filters: Filters,
    window: str,
    bounds: tuple[date, date],
    member_ids: list[str] | None,
    only: sa.FromClause | None,
    keys: sa.Select | None = None,
) -> sa.Subquery:
    """weeks_, contributions_ and last_day_<window> of the in-scope members active in [start, end),
    from the rollup: member_windows' rows where it keeps the window, else rollup.build.window_rows."""
    start, end = day_number(bounds[0]), day_number(bounds[1])
    rows = KeptWindow(f"kept_{window}", start, end, window_rows(start, end, name=window))
    scope = (
        key_in_scope(rows.c.member_key, filters, member_ids) if member_ids is not None else day_in_scope(rows, filters)
    )
    return (
        _narrowed(
            sa.select(
                rows.c.member_key,
                rows.c.weeks.label(f"weeks_{window}"),
                rows.c.contributions.label(f"contributions_{window}"),
                rows.c.last_day.label(f"last_day_{window}"),
                rows.c.joined_day,
                rows.c.group_key,
            ),
            rows,
            only,
        )
        .where(scope, *of_keys(rows, keys))
        .subquery(f"in_{window}")
    )


@sa_internals.cache_key_includes(window=sa_internals.STRING, computed=sa_internals.CLAUSE)
class KeptWindow(TableClause):
    """Per member, figures over the window [start, end) (day numbers), with the columns of
    `computed` (some of member_windows'), which computes them from member_days: read from
    member_windows instead where the database's rollup keeps that window (the dialect's mark,
    rollup/state.py). A statement that reads them is marked so (READS_KEPT on its compiled
    form): on a database queried in place, whose rollup another process may rebuild with other
    windows, Warehouse.run checks the windows are still those after it ran."""

    __visit_name__ = "pulse_kept_window"
    inherit_cache = True

    def __init__(self, name: str, start: int, end: int, computed: sa.Select) -> None:
        super().__init__(name, *(sa.column(column.name, column.type) for column in computed.selected_columns))
        self.window = f"{start}:{end}"
        self.computed = computed


@compiles(KeptWindow)
def _compile_kept_window(element: KeptWindow, compiler: SQLCompiler, **kw: object) -> str:
    if not sa_internals.in_from_list(kw):
        return ""
    start, end = (int(bound) for bound in element.window.split(":"))
    chosen = element.computed
    if (start, end) in getattr(compiler.dialect, WINDOWS_ATTRIBUTE, frozenset()):
        bounds = (member_windows.c.start_day == start) & (member_windows.c.end_day == end)
        chosen = sa.select(*(member_windows.c[column.name] for column in element.c)).where(bounds)
        setattr(compiler, READS_KEPT, True)
    return sa_internals.render_in_place(element, element.name, chosen.subquery(element.name), compiler, kw)


def _narrowed(
    select: sa.Select, rows: sa.FromClause, only: sa.FromClause | None, *, key: sa.ColumnElement | None = None
) -> sa.Select:
    """`select` from `rows` joined on `key` (rows' member_key) to the member keys of `only`, when given."""
    if only is None:
        return select.select_from(rows)
    key = rows.c.member_key if key is None else key
    return select.select_from(rows.join(only, only.c.member_key == key))


def active_months(filters: Filters, first: date, *, name: str = "active_months") -> FromRollup:
    """One row per in-scope member who joined in [first, filters.end) and month they were active in
    up to the period's end: member_key, cohort (the month number they joined in) and month. `first`
    is the first day of a month.

    From the rollup, whole months are member_months' rows, which carry the member's join day and
    month and group: no join to member_keys, no join time converted per row (on PostgreSQL at a
    million members, most of the cohort grid's 2.8 s), a member filter by the groups it keeps. Of
    the period's partial last month, member_months' rows are kept for the members with a
    member-day in it by the period's end."""
    joined_in = (filters.utc(first), filters.end_utc)
    days = member_days(filters, first, filters.end)
    computed = (
        sa.select(
            days.c.member_key,
            month_of(day_of(days.c.joined_at, filters)).label("cohort"),
            month_of(days.c.day).label("month"),
        )
        .where(days.c.joined_at >= joined_in[0], days.c.joined_at < joined_in[1])
        .distinct()
    )

    partial = filters.end.replace(day=1)  # the period's last month, whole only if the period ends on the 1st
    months = sa.select(member_months.c.member_key, member_months.c.cohort, member_months.c.month).where(
        member_months.c.cohort >= month_number(first),
        member_months.c.joined_day < day_number(filters.end),
        day_in_scope(member_months, filters),
    )
    parts = [months.where(member_months.c.month >= month_number(first), member_months.c.month < month_number(partial))]
    if partial < filters.end:  # that month's row, for the members active in it by the period's end
        in_part = sa.select(rollup.c.member_key).where(
            rollup.c.day >= day_number(partial), rollup.c.day < day_number(filters.end)
        )
        parts.append(
            months.where(member_months.c.month == month_number(partial), member_months.c.member_key.in_(in_part))
        )
    return FromRollup(name, filters.timezone, sa.union_all(*parts), computed)


def first_days(filters: Filters, periods: list[tuple[date, date]], *, name: str = "first_days") -> FromRollup:
    """One row per in-scope member and period they were active in, for consecutive [start, end)
    periods (oldest first): member_key, period (its index), and was_active: 1 when the member was
    active in the period before too, 0 when not, NULL in the first period (whose before is not read).

    The row is the member's first active day in the period: the member-day whose previous active
    day falls before the period. Whether that previous day falls in the period before answers
    was_active. So members are told apart by a filtered scan of member-days, not by grouping them
    per member, which on PostgreSQL was most of the Overview's time."""
    days = member_days(filters, periods[0][0], periods[-1][1])
    order: dict[str, Any] = {"partition_by": days.c.member_key, "order_by": days.c.day}  # keyword arguments of over()
    spans = sa.select(
        days.c.member_key, days.c.day, sa.func.lag(days.c.day).over(**order).label("previous_day")
    ).subquery("spans")
    # Inside the span the previous day is NULL where the whole history's is older than the span:
    # both count as before the period, and neither is in the first period's before, so rows agree.
    computed = _first_rows(periods, spans.c.day, spans.c.previous_day, spans.c.member_key)
    return FromRollup(name, filters.timezone, first_rows_in_rollup(filters, periods), computed)


def first_rows_in_rollup(filters: Filters, periods: list[tuple[date, date]]) -> sa.Select:
    """first_days' rows read from member_days (a statement for a database with the rollup), with the
    member_days columns that come with them: what a figure that counts these rows by the member's
    join day or group (metrics/retention.py) reads without joining member keys."""
    rows = _first_rows(periods, rollup.c.day, rollup.c.previous_day, rollup.c.member_key)
    return rows.where(day_in_scope(rollup, filters))


def _first_rows(
    periods: list[tuple[date, date]], day: sa.ColumnElement, previous_day: sa.ColumnElement, key: sa.ColumnElement
) -> sa.Select:
    """Each member's first active day in each of the consecutive periods, from member-days' `day`,
    `previous_day` and member `key` columns: member_key, period and was_active (see first_days)."""
    if any(before[1] != after[0] for before, after in pairwise(periods)):
        raise ValueError(f"Periods must follow each other: {periods}")
    starts = [day_number(start) for start, _ in periods]
    first, end = starts[0], day_number(periods[-1][1])
    latest_first = list(reversed(range(len(starts))))
    period = sa.case(*((day >= starts[n], n) for n in latest_first[:-1]), else_=0)
    period_start = sa.case(*((day >= starts[n], starts[n]) for n in latest_first[:-1]), else_=first)
    was_active = sa.case(
        *((day >= starts[n], sa.case((previous_day >= starts[n - 1], 1), else_=0)) for n in latest_first[:-1])
    )
    return sa.select(key.label("member_key"), period.label("period"), was_active.label("was_active")).where(
        day >= first, day < end, previous_day.is_(None) | (previous_day < period_start)
    )


def fallen_silent(filters: Filters, since: date, quiet_from: date, *, name: str = "silent") -> FromRollup:
    """Keys (member_key) of in-scope members active in [since, quiet_from) and not at all from
    quiet_from to the period's end. From the rollup that is a filter, not a grouping: the member's
    last active day before quiet_from is the one whose next active day is after the period (kept
    in member_windows for the windows it keeps)."""
    days = member_days(filters, since, filters.end)
    computed = (
        sa.select(days.c.member_key)
        .group_by(days.c.member_key)
        .having(sa.func.max(days.c.day) < day_number(quiet_from))
    )
    start, end = day_number(since), day_number(quiet_from)
    last_days = sa.select(rollup.c.member_key, rollup.c.next_day, rollup.c.group_key).where(
        rollup.c.day >= start, rollup.c.day < end, rollup.c.next_day.is_(None) | (rollup.c.next_day >= end)
    )
    rows = KeptWindow("kept_silent", start, end, last_days)
    from_rollup = sa.select(rows.c.member_key).where(
        rows.c.next_day.is_(None) | (rows.c.next_day >= day_number(filters.end)), day_in_scope(rows, filters)
    )
    return FromRollup(name, filters.timezone, from_rollup, computed)
