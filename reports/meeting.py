"""The meeting report of a view: what it holds, computed by the same metric functions as the pages.

How it reads is in reports/display.py; reports/html.py, reports/pdf.py and reports/image.py draw
it, in the report's language (`language`, a code of catalog.LANGUAGES). No member is named: the
report is meant to be passed around, so it holds counts and scores, and member-written text only
when its maker may read free text (`include_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import altair as alt
import pandas as pd

from catalog import DEFAULT
from catalog.spoken import speaking, t
from feedback import inbox
from metrics import campaigns, feedback, goals, members, notes, survey_results
from metrics.filters import Filters, with_dates
from metrics.kpi import Kpi
from metrics.overview import overview_kpis
from metrics.scope import Runner
from visuals.charts import activity_trend_chart, goal_lines, new_members_chart


@dataclass(frozen=True)
class Report:
    """The figures of one view. `campaigns` has campaigns.TABLE_COLUMNS, `surveys` the rows of
    survey_results.period_table, `themes` theme, items, newest and (with `include_text`) example."""

    filters: Filters
    made_at: datetime
    kpis: dict[str, Kpi]
    charts: list[tuple[str, alt.TopLevelMixin]]
    campaigns: pd.DataFrame
    surveys: pd.DataFrame
    themes: pd.DataFrame
    include_text: bool = False
    language: str = DEFAULT
    goals: tuple[goals.Progress, ...] = ()  # the view's goals, measured on the day it was made
    notes: tuple[notes.Note, ...] = ()  # the managers' notes overlapping the period
    currency: str | None = None  # of campaign budgets (settings.currency), named in the cost column


def build_report(
    *,
    warehouse: Runner,
    app_store: Runner,
    filters: Filters,
    now: datetime,
    include_text: bool = False,
    language: str = DEFAULT,
    currency: str | None = None,
) -> Report:
    """Everything the report shows, computed as the pages compute it; its charts in `language`."""
    with speaking(language):
        made = _build(warehouse, app_store, filters, now, include_text=include_text, language=language)
    return replace(made, currency=currency)


def _build(
    warehouse: Runner, app_store: Runner, filters: Filters, now: datetime, *, include_text: bool, language: str
) -> Report:
    overview = overview_kpis(warehouse=warehouse, app_store=app_store, filters=filters)
    today = filters.local_date(now)
    view_goals = goals.goals_for_view(app_store, filters)
    measured = tuple(
        goals.measure(goal, warehouse=warehouse, app_store=app_store, timezone=filters.timezone, today=today)
        for goal in view_goals
    )
    weeks = with_dates(warehouse.run(members.new_members_by_week_query(filters=filters, dimension="channel")), "week")
    charts: list[tuple[str, alt.TopLevelMixin]] = []
    if overview.daily["dau"].sum() > 0:
        lines = goal_lines(view_goals, first=filters.start, last=filters.last)
        marks = notes.chart_marks(warehouse=warehouse, app_store=app_store, filters=filters)
        charts.append((t("overview.trend"), activity_trend_chart(overview.daily, goals=lines, marks=marks)))
    if not weeks.empty:
        channels = members.dimension_values(warehouse.run(members.dimension_values_query()))["channel"]
        chart = new_members_chart(weeks, period=(filters.start, filters.end), groups=channels)  # colours as on the page
        charts.append((t("overview.new_by_week"), chart))
    themes = feedback.open_themes(app_store=app_store, warehouse=warehouse, filters=filters)
    if include_text:
        themes = themes.assign(example=[_text(app_store, item) for item in themes["newest"]])
    return Report(
        filters=filters,
        made_at=now,
        kpis=overview.kpis,
        charts=charts,
        campaigns=campaigns.with_unrecorded_blank(
            campaigns.campaign_table(warehouse=warehouse, app_store=app_store, filters=filters),
            narrowed=filters.selects_members,
        ),
        surveys=survey_results.period_table(
            app_store=app_store, warehouse=warehouse, filters=filters, now=now, language=language
        ),
        themes=themes,
        include_text=include_text,
        language=language,
        goals=measured,
        notes=tuple(reversed(notes.list_notes(app_store, filters=filters))),
    )


def _text(app_store: Runner, item: int) -> str | None:
    rows = app_store.run(inbox.item_query(int(item)))
    return None if rows.empty else rows["text"].iloc[0]
