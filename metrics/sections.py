"""The figures of each analytics page, put together once for the page and for `cli.py report`.

The pages call the *_kpis functions through their cached loaders; `cli.py report --section` prints
the *_section documents. Both therefore show the same numbers.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from metrics import campaigns, cohorts, contributions, levels, members, retention
from metrics.filters import Filters, with_dates
from metrics.kpi import Kpi, compare
from metrics.scope import Runner
from schema import MEMBER_DIMENSIONS

SECTIONS = ("overview", "members", "engagement", "campaigns")


def member_kpis(
    *,
    warehouse: Runner,
    filters: Filters,
    profile: pd.DataFrame | None = None,
    conversions: retention.Counts | None = None,
) -> dict[str, Kpi]:
    """members, new_members, growth_rate, churned, churn_rate, returning, newcomer_conversion.
    `profile`: the period's activity_profile_query rows, where the caller has them; `conversions`
    where each period's newcomer conversion counts come from (the warehouse by default)."""
    counted = conversions or retention.conversion_counts(warehouse)
    if profile is None:
        profile = warehouse.run(retention.activity_profile_query(filters=filters))

    def figures(period: Filters) -> dict[str, float | None]:
        values = members.growth(warehouse.run(members.member_counts_query(filters=period)))
        values.update(retention.churn_and_returning(profile, period="current" if period == filters else "previous"))
        values["newcomer_conversion"] = retention.newcomer_conversion(counted(period))
        values["n_newcomer_conversion"] = values["new_members"]
        return values

    return compare(figures, filters=filters)


def engagement_kpis(*, warehouse: Runner, filters: Filters) -> dict[str, Kpi]:
    """active_members, contributors, contributions, contributions_per_active_member, absence_factor."""

    counts = warehouse.run(contributions.contribution_counts_query(filters=filters))

    def figures(period: Filters) -> dict[str, float | None]:
        return contributions.engagement_figures(counts, period="current" if period == filters else "previous")

    return compare(figures, filters=filters)


def growth_by(*, warehouse: Runner, filters: Filters, dimension: str) -> pd.DataFrame:
    return members.growth_table(warehouse.run(members.growth_by_dimension_query(filters=filters, dimension=dimension)))


def cohort_grid(*, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    return cohorts.cohort_grid(warehouse.run(cohorts.cohort_activity_query(filters=filters)), filters=filters)


def level_changes(*, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    return levels.level_changes(warehouse=warehouse, filters=filters)


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy numbers to Python, NaN/NaT to None, dates to ISO text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): _plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def _kpi_document(kpis: dict[str, Kpi]) -> dict[str, dict[str, float | None]]:
    return {key: {"current": _plain(kpi.current), "previous": _plain(kpi.previous)} for key, kpi in kpis.items()}


def members_section(*, warehouse: Runner, filters: Filters) -> dict[str, Any]:
    changes = level_changes(warehouse=warehouse, filters=filters)
    grid = cohort_grid(warehouse=warehouse, filters=filters)
    slipping = with_dates(warehouse.run(levels.slipping_champions_query(filters=filters)), "last_day")
    return {
        "kpis": _kpi_document(member_kpis(warehouse=warehouse, filters=filters)),
        "growth_by": {
            dimension: records(growth_by(warehouse=warehouse, filters=filters, dimension=dimension))
            for dimension in MEMBER_DIMENSIONS
        },
        "engagement_levels": records(levels.level_summary(changes)),
        "level_moves": levels.moves(changes),
        "slipping_champions": records(slipping.rename(columns={"last_day": "last_active"})),
        "cohorts": [
            {
                "cohort": str(cohort)[:7],  # a date: its ISO form's year and month
                "size": int(group["size"].iloc[0]),
                "share_active": group["share"].tolist(),
                "last_month_partial": bool(group["so_far"].any()),  # counted only up to the period's end
            }
            for cohort, group in grid.groupby("cohort", sort=True)
        ],
    }


def engagement_section(*, warehouse: Runner, filters: Filters) -> dict[str, Any]:
    activity = with_dates(warehouse.run(contributions.activity_by_bucket_query(filters=filters)), "bucket")
    return {
        "kpis": _kpi_document(engagement_kpis(warehouse=warehouse, filters=filters)),
        "active_by_platform": records(warehouse.run(contributions.active_by_platform_query(filters=filters))),
        "bucket_days": contributions.bucket_days(filters),
        "activity": records(activity),
        "top_contributors": records(warehouse.run(contributions.top_contributors_query(filters=filters))),
    }


def campaigns_section(*, warehouse: Runner, app_store: Runner, filters: Filters) -> dict[str, Any]:
    return {"campaigns": records(campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=filters))}
