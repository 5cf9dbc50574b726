"""Overview: KPI tiles against the previous period, active-member trend, new members, movers."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from data_sources.errors import DataSourceError, NotConfigured
from settings import SettingsError
from store.database import StoreError
from ui import data
from ui.charts import activity_trend_chart, new_members_chart
from ui.filters import filter_bar
from ui.i18n import t
from ui.tiles import kpi_tiles

st.title(t("overview.title"))
try:
    settings = data.current_settings()
    version = data.data_version(settings)
    choices = data.load_dimension_values(settings, version)
except SettingsError as error:
    st.error(t("error.settings", error=error))
    st.stop()
except NotConfigured as error:
    st.info(error.user_message)
    st.stop()
except (DataSourceError, StoreError) as error:
    st.error(error.user_message)
    st.stop()

filters = filter_bar(page="overview", timezone=settings.timezone, choices=choices)
if filters is None:
    st.stop()
shown = {"start": filters.start, "last": filters.end - timedelta(days=1)}

try:
    result = data.load_overview(settings, version, filters)
    weeks = data.load_new_members_by_week(settings, version, filters)
    movers = data.load_movers(settings, version, filters)
except (DataSourceError, StoreError) as error:
    st.error(error.user_message)
    st.stop()

kpis, daily = result.kpis, result.daily
kpi_tiles(kpis)
nps = kpis["nps"]
if nps.current is not None and nps.margin is not None:
    st.caption(t("overview.nps_caption", score=nps.current, margin=nps.margin))

left, right = st.columns(2)
with left:
    st.subheader(t("overview.trend"), help=t("overview.trend_help"))
    if daily["dau"].sum() == 0:
        st.info(t("overview.no_activity", **shown))
    else:
        st.altair_chart(activity_trend_chart(daily))
with right:
    st.subheader(t("overview.new_by_week"))
    if weeks.empty:
        st.info(t("overview.no_joins", **shown))
    else:
        st.altair_chart(new_members_chart(weeks))

st.subheader(t("overview.movers"), help=t("overview.movers_help"))
if movers.empty:
    st.info(t("overview.no_movers"))
else:
    st.dataframe(
        movers,
        hide_index=True,
        column_config={
            "measure": t("column.measure"),
            "dimension": t("column.dimension"),
            "value": t("column.value"),
            "previous": st.column_config.NumberColumn(t("column.previous"), format="localized"),
            "current": st.column_config.NumberColumn(t("column.current"), format="localized"),
            "change": st.column_config.NumberColumn(t("column.change"), format="%+d"),
            "change_pct": st.column_config.NumberColumn(t("column.change_pct"), format="percent"),
        },
    )
