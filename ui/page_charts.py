"""The dashboard pages' charts as functions of the figures a view loads: a page draws what they
give (ui.presentation.draw), and the warming thread makes their specs ahead from the same figures
(ui/warming.py), so a change to a view it warmed builds no chart while a person waits (Altair's
building and validating was most of what such a change cost: docs/performance.md). A spec is found
only for the same arguments, so both sides go through these functions; `VIEW_CHARTS` gives a page's
charts as it opens, at its default choices (the growth chart by channel, activity by kind).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from metrics import levels
from metrics.contributions import bucket_days
from metrics.filters import Filters
from metrics.goals import Goal
from settings import Settings
from ui import data
from ui.i18n import t
from ui.marks import campaign_links
from ui.presentation import Chart, Reader
from ui.tables import on_the_clock
from visuals.charts import (
    activity_chart,
    activity_trend_chart,
    campaign_reach_chart,
    cohort_heatmap,
    goal_lines,
    levels_chart,
    new_members_chart,
    platform_chart,
    wecom_days_chart,
)

GROWTH_BY, ACTIVITY_BY = "channel", "kind"  # the Members page's and the Engagement page's first choices


def activity_trend(
    daily: pd.DataFrame, marks: pd.DataFrame, goals: list[Goal], filters: Filters, *, shared: bool
) -> Chart | None:
    """The Overview's active members per day (`daily`: overview.Overview.daily) with the period's
    campaigns and notes (`marks`: data.load_chart_marks) and goals (data.load_view_goals); None
    when nobody was active."""
    if daily["dau"].sum() == 0:
        return None
    lines = goal_lines(goals, first=filters.start, last=filters.last)
    linked = campaign_links(marks, filters, shared=shared)
    return Chart(activity_trend_chart, (daily,), {"goals": lines, "marks": linked})


def new_members(
    weeks: pd.DataFrame, filters: Filters, *, by: str | None = None, groups: Sequence[str] = ()
) -> Chart | None:
    """New members per week, by channel on the Overview, by the chosen dimension `by` on the
    Members page (`groups`: the dimension's values, each in its colour under any filter); None
    when nobody joined."""
    if weeks.empty:
        return None
    period = (filters.start, filters.end)
    if by is None:  # the Overview's: no table under it for a click to filter
        return Chart(new_members_chart, (weeks,), {"period": period, "groups": tuple(groups), "clickable": False})
    return Chart(new_members_chart, (weeks,), {"title": t(f"filters.{by}"), "period": period, "groups": tuple(groups)})


def joins(
    settings: Settings, version: str, filters: Filters, weeks: pd.DataFrame, *, by: str | None = None
) -> Chart | None:
    """A page's new-members chart of `weeks` (by channel on the Overview, by `by` on the Members
    page), every value of its dimension in its own colour: the page and the warming thread both
    call this, so the spec the warmer made is the one the page asks for."""
    groups = data.load_dimension_values(settings, version)[by or "channel"]
    return new_members(weeks, filters, by=by, groups=groups)


def cohorts(grid: pd.DataFrame) -> Chart | None:
    return None if grid.empty else Chart(cohort_heatmap, (grid,))


def level_moves(changes: pd.DataFrame) -> Chart:
    return Chart(levels_chart, (levels.level_summary(changes),))


def activity(frame: pd.DataFrame, filters: Filters, *, by: str) -> Chart:
    """Activities per day or week (metrics.contributions.bucket_days), by kind or platform."""
    period = (filters.start, filters.end)
    return Chart(activity_chart, (frame,), {"by": by, "bucket_days": bucket_days(filters), "period": period})


def platforms(frame: pd.DataFrame) -> Chart:
    return Chart(platform_chart, (frame,))


def wecom_days(days: pd.DataFrame, filters: Filters) -> Chart | None:
    if days.empty:
        return None
    period = (filters.start, filters.end)
    return Chart(wecom_days_chart, (days,), {"bucket_days": bucket_days(filters), "period": period})


def campaign_reach(table: pd.DataFrame, filters: Filters) -> Chart:
    """The reach chart, its campaigns' starts on the community's days (as the table shows them)."""
    return Chart(campaign_reach_chart, (table.assign(starts_at=on_the_clock(table["starts_at"], filters.timezone)),))


ViewCharts = Callable[[Settings, str, Filters, Reader], list[Chart | None]]


def _overview(settings: Settings, version: str, filters: Filters, reader: Reader) -> list[Chart | None]:
    daily = data.load_overview(settings, version, filters).daily
    marks = data.load_chart_marks(settings, version, filters)
    return [
        activity_trend(daily, marks, data.load_view_goals(settings, filters), filters, shared=reader.shared),
        joins(settings, version, filters, data.load_new_members_by_week(settings, version, filters)),
    ]


def _members(settings: Settings, version: str, filters: Filters, reader: Reader) -> list[Chart | None]:
    weeks = data.load_new_members_by_week(settings, version, filters, GROWTH_BY)
    return [
        joins(settings, version, filters, weeks, by=GROWTH_BY),
        cohorts(data.load_cohorts(settings, version, filters)),
        level_moves(data.load_level_changes(settings, version, filters)),
    ]


def _engagement(settings: Settings, version: str, filters: Filters, reader: Reader) -> list[Chart | None]:
    frame = data.load_activity(settings, version, filters)
    if frame.empty:  # the page stops at its tiles
        return []
    groups = data.load_wecom_groups(settings, version, filters)
    return [
        activity(frame, filters, by=ACTIVITY_BY),
        platforms(data.load_active_by_platform(settings, version, filters)),
        None if groups is None else wecom_days(groups[1], filters),
    ]


def _campaigns(settings: Settings, version: str, filters: Filters, reader: Reader) -> list[Chart | None]:
    table = data.load_campaigns(settings, version, filters)
    return [] if table.empty else [campaign_reach(table, filters)]  # the page stops at its message


VIEW_CHARTS: dict[str, ViewCharts] = {
    "overview": _overview,
    "members": _members,
    "engagement": _engagement,
    "campaigns": _campaigns,
}
