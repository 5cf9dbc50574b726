"""Signup-cohort retention (DESIGN.md: cohort retention).

A cohort is the members who joined in one calendar month (community time zone). Cell (c, k) is the
share of cohort c with an activity in calendar month c + k. The page shows the twelve cohorts up to
the month of the period's last day, with activity counted up to the period's end, so the newest
month of every cohort is partial until the month is over.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

import schema
from metrics.filters import Filters, from_month_number, month_number
from metrics.member_periods import active_months
from metrics.sql import day_of, member_conditions, month_of

COHORTS = 12
members = schema.members


def _first_cohort(filters: Filters, cohorts: int) -> int:
    return month_number(filters.end - timedelta(days=1)) - cohorts + 1


def cohort_activity_query(*, filters: Filters, cohorts: int = COHORTS) -> sa.Select:
    """Rows (cohort, months_since, size, active): cohort and months as month numbers, for every
    cohort among the last `cohorts` months and every month in which some of it was active."""
    first = from_month_number(_first_cohort(filters, cohorts))
    cohort = (
        sa.select(members.c.member_id, month_of(day_of(members.c.joined_at, filters)).label("cohort"))
        .where(
            *member_conditions(filters),
            members.c.joined_at >= filters.utc(first),
            members.c.joined_at < filters.end_utc,
        )
        .subquery("cohort")
    )
    sizes = sa.select(cohort.c.cohort, sa.func.count().label("size")).group_by(cohort.c.cohort).subquery("sizes")
    # Each member-month comes with its member's cohort: no join of active months back to the cohort.
    active = active_months(filters, first)
    months_since = active.c.month - active.c.cohort
    retained = (
        sa.select(active.c.cohort, months_since.label("months_since"), sa.func.count().label("active"))
        .where(months_since >= 0)
        .group_by(active.c.cohort, months_since)
        .subquery("retained")
    )
    return (
        sa.select(sizes.c.cohort, retained.c.months_since, sizes.c.size, retained.c.active)
        .select_from(sizes.outerjoin(retained, retained.c.cohort == sizes.c.cohort))
        .order_by(sizes.c.cohort, retained.c.months_since)
    )


def cohort_grid(rows: pd.DataFrame, *, filters: Filters) -> pd.DataFrame:
    """Every cell up to the period's last month: cohort (first day of month), months_since, size,
    active, share, and so_far: whether the cell's month goes on after the period's end (its share
    counts the month only up to that end, not comparable with whole months). Months in which nobody of a cohort
    was active get 0, not a gap."""
    last = month_number(filters.end - timedelta(days=1))
    unfinished = month_number(filters.end) == last  # the period ends inside its last month
    columns = ["cohort", "months_since", "size", "active", "share", "so_far"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    sizes = rows.groupby("cohort")["size"].first().astype("int64")
    active = rows.dropna(subset=["months_since"]).astype({"months_since": "int64", "active": "int64"})
    per_cell = active.set_index(["cohort", "months_since"])["active"]
    cells = [
        (int(c), k, int(size)) for c, size in zip(sizes.index, sizes, strict=True) for k in range(last - int(c) + 1)
    ]
    grid = pd.DataFrame(cells, columns=["cohort", "months_since", "size"])
    counts = [int(per_cell.get((c, k), 0)) for c, k in zip(grid["cohort"], grid["months_since"], strict=True)]
    grid = grid.assign(
        active=counts,
        share=[n / s for n, s in zip(counts, grid["size"], strict=True)],
        so_far=unfinished & (grid["cohort"] + grid["months_since"] == last),
    )
    return grid.assign(cohort=[from_month_number(c) for c in grid["cohort"]])[columns]
