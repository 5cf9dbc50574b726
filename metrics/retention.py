"""Churn, returning members and newcomer conversion (DESIGN.md metric definitions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.rollup import added_up
from metrics.filters import Filters, day_number
from metrics.kept import keep_by_view, kept_view, of_view
from metrics.member_days import FromRollup, member_attributes, of_keys
from metrics.member_periods import first_days, first_rows_in_rollup
from metrics.scope import Runner
from metrics.sql import days_later, member_conditions, ratio
from rollup.tables import CONVERSION_DAYS, PROFILES_KEY, activity_profiles, member_groups, member_keys, rollup
from schema import MEMBER_DIMENSIONS

activities, members = schema.activities, schema.members


PERIODS = ("earlier", "previous", "current")  # the two periods before this one, and this one


def activity_profile_query(*, filters: Filters) -> sa.Select:
    """Rows (channel, region, segment, joined, period, was_active, members): the members active in
    each of the three periods ending with this one (`period` 0, 1, 2 as in PERIODS), counted by
    dimensions, by when they joined (`joined`: 0 before the earlier period, 1 during it, 2 during
    the previous one, 3 during this one or later) and, from the previous period on, by whether they
    were active in the period before (`was_active` 0/1).

    One pass over the member-days gives churn and returning members for this period and the
    previous one, and the active members per channel, region and segment for the movers. A kept
    view's rows are read from the rollup (activity_profiles, registered below), the rows its member
    filters keep: each row is of one member combination, so a filter's are among them."""
    table = activity_profiles
    columns = [*(table.c[name] for name in MEMBER_DIMENSIONS), table.c.joined, table.c.period, table.c.was_active]
    kept = sa.select(*columns, sa.cast(table.c.members, sa.BigInteger).label("members")).where(*of_view(table, filters))
    profile = kept_view("activity_profile", PROFILES_KEY, filters, kept, _profile(filters))
    return sa.select(*profile.c).order_by(*(profile.c[column.name] for column in columns))


def _profile(filters: Filters, keys: sa.Select | None = None) -> sa.Select:
    """activity_profile_query's rows computed, of the members with `keys` only when given (rollup
    keys: an increment's share). From the rollup the member-days carry each member's join day and
    group key, so they are counted by those and the few groups named after: joining the million
    member keys for them was most of the time."""
    previous = filters.previous()
    earlier = previous.previous()
    periods = [(p.start, p.end) for p in (earlier, previous, filters)]
    starts = (earlier.start, previous.start, filters.start)
    firsts = first_days(filters, periods)
    # The member's dimensions join one row per member and period, not every member-day.
    member = member_attributes(filters, keys=keys)
    joined = _joined(member.c.joined_at, [filters.utc(start) for start in starts])
    grouped = [
        *(member.c[name] for name in MEMBER_DIMENSIONS),
        joined.label("joined"),
        firsts.c.period,
        firsts.c.was_active,
    ]
    computed = (
        sa.select(*grouped, sa.func.count().label("members"))
        .select_from(firsts)
        .join(member, member.c.member_key == firsts.c.member_key)
        .where(*of_keys(firsts, keys))
        .group_by(*grouped)
    )
    rows = (
        first_rows_in_rollup(filters, periods)
        .add_columns(
            _joined(rollup.c.joined_day, [day_number(start) for start in starts]).label("joined"), rollup.c.group_key
        )
        .where(*of_keys(rollup, keys))
    )
    first_rows = rows.subquery("first_rows")
    by_group = [first_rows.c.group_key, first_rows.c.joined, first_rows.c.period, first_rows.c.was_active]
    counted = sa.select(*by_group, sa.func.count().label("members")).group_by(*by_group).subquery("counted")
    from_rollup = sa.select(
        *(member_groups.c[name] for name in MEMBER_DIMENSIONS),
        counted.c.joined,
        counted.c.period,
        counted.c.was_active,
        counted.c.members,
    ).join(member_groups, member_groups.c.group_key == counted.c.group_key)
    profile = FromRollup("profile", filters.timezone, from_rollup, computed)
    return sa.select(*profile.c)


keep_by_view(
    activity_profiles,
    PROFILES_KEY,
    figures=_profile,
    merge=added_up("members"),
)


def _joined(joined: sa.ColumnElement, starts: list) -> sa.ColumnElement[int]:
    """When a member joined, against the three periods' starts (as `joined` is: a time or a day)."""
    return sa.case(*((joined < start, n) for n, start in enumerate(starts)), else_=len(starts))


def _active(profile: pd.DataFrame, period: str) -> pd.DataFrame:
    return profile[profile["period"] == PERIODS.index(period)]


def churn_and_returning(profile: pd.DataFrame, *, period: str = "current") -> dict[str, float | None]:
    """churned (active in the period before, not in this one), churn_rate = churned / active in the
    period before (None when nobody was), and returning (joined before the period before, inactive
    in it, active in this one), for the profile's own period or (`period="previous"`) the one
    before it; n_churn_rate is the members active in the period before, that the rate rests on."""
    before, now = ("previous", "current") if period == "current" else ("earlier", "previous")
    was_active = int(_active(profile, before)["members"].sum())
    active = _active(profile, now)
    stayed = int(active.loc[active["was_active"] == 1, "members"].sum())
    joined_early = active["joined"] <= PERIODS.index(now) - 1
    churned = was_active - stayed
    return {
        "churned": churned,
        "churn_rate": ratio(churned, was_active),
        "n_churn_rate": was_active,
        "returning": int(active.loc[(active["was_active"] == 0) & joined_early, "members"].sum()),
    }


def newcomer_conversion_query(*, filters: Filters) -> sa.Select:
    """Per channel, region and segment (a row for each combination with new members): new members
    in the period, and how many of them made a non-login activity within 30 days of joining
    ([joined_at, joined_at + 30 days), even past the period's end). By dimension, so a view with
    member filters can take its rows from the view without them (metrics.filters.narrowed).

    Where the rollup is, its member_keys hold each member's first contribution within those 30
    days (rollup/build.py), so any period counts members alone; computed, the members who joined in the
    period are joined to their activities up to 30 days past its end (0.1-0.2 s a period at a
    million members), rather than asked for with a correlated EXISTS, which ClickHouse does not run
    inside an aggregate."""
    keys = member_keys
    in_period = (keys.c.joined_at >= filters.start_utc, keys.c.joined_at < filters.end_utc)
    converted = keys.c.converted_at < days_later(keys.c.joined_at, CONVERSION_DAYS)
    by_keys = [keys.c[name] for name in MEMBER_DIMENSIONS]
    from_rollup = (
        sa.select(
            *by_keys,
            sa.func.count().label("new_members"),
            sa.func.count(sa.case((converted, 1))).label("converted"),
        )
        .where(*member_conditions(filters, keys), *in_period)
        .group_by(*by_keys)
    )
    counts = FromRollup("conversion_counts", filters.timezone, from_rollup, _conversions_computed(filters))
    return sa.select(*counts.c)


def _conversions_computed(filters: Filters) -> sa.Select:
    """newcomer_conversion_query's rows from members and activities."""
    joined = [
        *member_conditions(filters),
        members.c.joined_at >= filters.start_utc,
        members.c.joined_at < filters.end_utc,
    ]
    conversions = (
        sa.select(members.c.member_id)
        .join(activities, activities.c.member_id == members.c.member_id)
        .where(
            *joined,
            activities.c.kind != "login",
            activities.c.occurred_at >= members.c.joined_at,
            activities.c.occurred_at < days_later(members.c.joined_at, CONVERSION_DAYS),
            # Implied by the two above for members who joined in the period; said outright, they
            # bound the activities read by time (on PostgreSQL an index range instead of all 11.5M).
            activities.c.occurred_at >= filters.start_utc,
            activities.c.occurred_at < filters.end_utc + timedelta(days=CONVERSION_DAYS),
        )
        .distinct()
        .subquery("conversions")
    )
    dimensions = [members.c[name] for name in MEMBER_DIMENSIONS]
    return (
        sa.select(
            *dimensions,
            sa.func.count().label("new_members"),
            sa.func.count(conversions.c.member_id).label("converted"),
        )
        .select_from(members.outerjoin(conversions, conversions.c.member_id == members.c.member_id))
        .where(*joined)
        .group_by(*dimensions)
    )


Counts = Callable[[Filters], pd.DataFrame]  # a period's newcomer_conversion_query rows, wherever kept


def conversion_counts(warehouse: Runner) -> Counts:
    """Counts read from the warehouse at each call (ui/data.py keeps them instead)."""
    return lambda period: warehouse.run(newcomer_conversion_query(filters=period))


def newcomer_conversion(counts: pd.DataFrame) -> float | None:
    """converted / new members over newcomer_conversion_query's rows, None when nobody joined."""
    return ratio(int(counts["converted"].sum()), int(counts["new_members"].sum()))
