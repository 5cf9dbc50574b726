"""Overview: KPI tiles against the previous period, the negative-feedback warning, active-member
trend, new members, movers."""

from __future__ import annotations

import streamlit as st

from metrics.kpi import MIN_SAMPLE
from metrics.kpis import HEADLINE
from schema import MEMBER_DIMENSIONS
from ui import data, page_charts
from ui.i18n import t
from ui.inbox import figures
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, start_page
from ui.presentation import HEADLINE_KEY, Reader, draw, partial_weeks_note, presenting
from ui.reporting import report_button
from ui.tables import catalog_words, change_column, data_table, leading, period_days, words_column
from ui.tiles import kpi_tiles
from visuals.formats import format_value

MEASURES = {"active members": t("overview.measure.active"), "new members": t("kpi.new_members")}

page = start_page("overview")
settings, version, filters = page.settings, page.version, page.filters
shown = period_days(filters)
app_store_or_stop(settings)  # the NPS tile and the feedback warning come from it

with data_errors_stop_the_page():
    result = data.load_overview(settings, version, filters)
    weeks = data.load_new_members_by_week(settings, version, filters)
    negative = data.load_negative_share(settings, version, filters)
    response = data.load_response_times(settings, version, filters)
    goals = data.load_tile_goals(settings, version, filters)
    marks = data.load_chart_marks(settings, version, filters)
    view_goals = data.load_view_goals(settings, filters)

kpis, daily, movers = result.kpis, result.daily, result.movers
with page.actions:
    report_button(settings, version, filters)
# The figures a manager reads first, large; on a projector the rest of the page is a second tab.
with st.container(key=HEADLINE_KEY):
    kpi_tiles({key: kpis[key] for key in HEADLINE}, filters=filters, goals=goals)
kpi_tiles(
    {key: kpi for key, kpi in kpis.items() if key not in HEADLINE},
    filters=filters,
    per_row=8 if presenting() else 4,
    goals=goals,
)
figures.risk_warning(negative)
nps = kpis["nps"]
if nps.current is not None and nps.sample is not None and nps.sample < MIN_SAMPLE:
    few = "overview.nps_few_one" if nps.sample == 1 else "overview.nps_few"
    st.caption(t(few, score=format_value("nps", nps.current), answers=nps.sample, minimum=MIN_SAMPLE))
elif nps.current is not None and nps.margin is not None:
    st.caption(t("overview.nps_caption", score=format_value("nps", nps.current), margin=nps.margin))

if presenting():  # a second "slide", so that the first fits the screen
    charts, more = st.tabs([t("overview.charts"), t("overview.movers")])
else:
    charts = more = st.container()
left, right = charts.columns(2)
with left:
    st.subheader(t("overview.trend"), help=t("overview.trend_help"))
    trend = page_charts.activity_trend(daily, marks, view_goals, filters, shared=Reader.now().shared)
    if trend is None:
        st.info(t("overview.no_activity", **shown))
    else:
        draw(trend)
with right:
    st.subheader(t("overview.new_by_week"))
    with data_errors_stop_the_page():
        joins = page_charts.joins(settings, version, filters, weeks)  # each channel in its colour under a filter
    if joins is None:
        st.info(t("overview.no_joins", **shown))
    else:
        draw(joins)
        partial_weeks_note(weeks, (filters.start, filters.end))

with more:  # below the charts, so a phone reaches the first chart within two screens
    figures.response_times(response)  # median first response and resolution over the period
    st.subheader(t("overview.movers"), help=t("overview.movers_help"))
    if movers.empty:
        st.info(t("overview.no_movers"))
    else:
        data_table(
            leading(movers, "measure", "dimension", "value", "change", "change_pct", "current", "previous"),
            key="overview_movers",
            file_name="what-changed-most",
            column_config={
                "measure": words_column(t("column.measure"), MEASURES),
                "dimension": words_column(t("column.dimension"), catalog_words("filters", MEMBER_DIMENSIONS)),
                "value": t("column.value"),
                "previous": st.column_config.NumberColumn(t("column.previous"), format="localized"),
                "current": st.column_config.NumberColumn(t("column.current"), format="localized"),
                "change": st.column_config.NumberColumn(t("column.change"), format="%+d"),
                "change_pct": change_column(t("column.change_pct")),
            },
        )
