"""The common Streamlit way, for comparison: read whole tables into pandas, then filter and group.

It computes the Overview's member and activity KPIs for the period and the one before (members,
new members, growth rate, daily active average, WAU, MAU, stickiness, active rate, churn rate,
returning) by DESIGN.md's definitions, so the bench can also check it agrees with our SQL. Tables
are read with DuckDB's fastest path to pandas (`.df()`), so the comparison flatters the baseline.
"""

from __future__ import annotations

import time
from datetime import timedelta

import duckdb
import pandas as pd

import schema
from metrics.filters import Filters
from settings import Settings


def measure(settings: Settings, filters: Filters) -> dict[str, object]:
    started = time.perf_counter()
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    # the tables' own columns (a build adds a member key to activities: data_sources/keyed_rows.py)
    members, activities = (
        connection.execute(f"SELECT {schema.own_columns(name)} FROM {name}").df() for name in ("members", "activities")
    )
    connection.close()
    loaded = time.perf_counter() - started
    community = members[~members["is_team"]]
    mine = activities[activities["member_id"].isin(community["member_id"])]
    mine = mine.assign(day=mine["occurred_at"].dt.floor("D"))
    current = _period(community, mine, filters)
    previous = _period(community, mine, filters.previous())
    current_active = _active(mine, filters.start_utc, filters.end_utc)
    previous_active = _active(mine, filters.previous().start_utc, filters.previous().end_utc)
    churned = len(previous_active - current_active)
    old = set(community.loc[community["joined_at"] < pd.Timestamp(filters.previous().start_utc), "member_id"])
    current |= {
        "churn_rate": churned / len(previous_active) if previous_active else None,
        "returning": len((old - previous_active) & current_active),
    }
    return {"seconds": time.perf_counter() - started, "load": loaded, "kpis": current, "previous": previous}


def _active(activities: pd.DataFrame, start, end) -> set[str]:
    window = activities[(activities["occurred_at"] >= start) & (activities["occurred_at"] < end)]
    return set(window["member_id"].unique())


def _period(members: pd.DataFrame, activities: pd.DataFrame, filters: Filters) -> dict[str, float | None]:
    start, end = pd.Timestamp(filters.start_utc), pd.Timestamp(filters.end_utc)
    total = int((members["joined_at"] < end).sum())
    before = int((members["joined_at"] < start).sum())
    new = total - before
    days = pd.date_range(start, end - timedelta(days=1), freq="D")
    dau = activities[(activities["day"] >= start) & (activities["day"] < end)].groupby("day")["member_id"].nunique()
    dau = dau.reindex(days, fill_value=0)
    ratios = []
    for day in days:  # MAU(d): distinct members in the 30 days ending with d
        mau = _distinct(activities, day, days=30)
        if mau:
            ratios.append(dau[day] / mau)
    last = days[-1]
    wau = activities[(activities["day"] > last - timedelta(days=7)) & (activities["day"] <= last)][
        "member_id"
    ].nunique()
    mau = activities[(activities["day"] > last - timedelta(days=30)) & (activities["day"] <= last)][
        "member_id"
    ].nunique()
    return {
        "members": total,
        "new_members": new,
        "growth_rate": new / before if before else None,
        "dau_avg": float(dau.mean()),
        "wau": wau,
        "mau": mau,
        "stickiness": sum(ratios) / len(ratios) if ratios else None,
        "active_rate": mau / total if total else None,
    }


def _distinct(activities: pd.DataFrame, day: pd.Timestamp, *, days: int) -> int:
    """Members active in the `days` days ending with `day`."""
    window = activities[(activities["day"] > day - timedelta(days=days)) & (activities["day"] <= day)]
    return int(window["member_id"].nunique())
