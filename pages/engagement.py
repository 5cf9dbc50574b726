"""Engagement: what members do, where, how many carry the community, and who leads the points."""

from __future__ import annotations

import streamlit as st

from metrics.contributions import bucket_days
from ui import data, page_charts
from ui.address import key_in_address
from ui.i18n import t
from ui.page import data_errors_stop_the_page, start_page
from ui.presentation import draw, partial_weeks_note
from ui.selection import choice_changed, choice_key, kept_in_address
from ui.tables import data_table, leading, period_days, plain
from ui.tiles import kpi_tiles
from visuals.charts import chosen, word

page = start_page("engagement")
settings, version, filters = page.settings, page.version, page.filters

with data_errors_stop_the_page():
    kpis = data.load_engagement_kpis(settings, version, filters)
    activity = data.load_activity(settings, version, filters)
    platforms = data.load_active_by_platform(settings, version, filters)
kpi_tiles(kpis, filters=filters)

if activity.empty:
    st.info(t("engagement.no_activity", **period_days(filters)))
    st.stop()

BREAKDOWNS = ("kind", "platform")

left, right = st.columns([3, 2])
with left:
    st.subheader(t("engagement.activity"), help=t("engagement.activity_help"))
    breakdown = st.segmented_control(
        t("engagement.breakdown"),
        BREAKDOWNS,
        format_func=lambda key: t(f"chart.{key}"),
        key=choice_key("activity_by", BREAKDOWNS, default=page_charts.ACTIVITY_BY),
        on_change=choice_changed,
        args=("activity_by",),
    )
    breakdown = breakdown or page_charts.ACTIVITY_BY
    bars = page_charts.activity(activity, filters, by=breakdown)
    event = draw(bars, on_select="rerun", key=f"engagement_activity_{breakdown}")
    if bucket_days(filters) == 7:
        partial_weeks_note(activity, (filters.start, filters.end), column="bucket")
    key_in_address(f"activity_{breakdown}")
    picked = {breakdown: kept_in_address(f"activity_{breakdown}", chosen(event, breakdown, breakdown))}
with right:
    st.subheader(t("engagement.platforms"), help=t("engagement.platforms_help"))
    event = draw(page_charts.platforms(platforms), on_select="rerun", key="engagement_platform_chart")
    key_in_address("platform")
    picked["platform"] = kept_in_address("platform", chosen(event, "platform", "platform")) or picked.get("platform")

with data_errors_stop_the_page():
    groups = data.load_wecom_groups(settings, version, filters)
if groups is not None:  # a WeCom connector keeps its groups' daily figures
    st.subheader(t("engagement.wecom"), help=t("engagement.wecom_help"))
    group_kpis, group_days = groups
    days_chart = page_charts.wecom_days(group_days, filters)
    if days_chart is None:
        st.info(t("engagement.wecom_none"))
    else:
        if filters.selects_members:
            st.caption(t("engagement.wecom_whole"))  # WeCom counts groups, not members of a segment
        kpi_tiles(group_kpis, filters=filters)
        draw(days_chart, key="engagement_wecom_chart")

st.subheader(t("engagement.leaderboard"), help=t("engagement.leaderboard_help"))
kind, platform = picked.get("kind"), picked.get("platform")
if kind or platform:
    shown = " · ".join(
        value for value in (kind and word("activity", kind), platform and word("platform", platform)) if value
    )
    st.caption(t("engagement.leaderboard_filtered", shown=plain(shown)))
with data_errors_stop_the_page():
    leaders = data.load_top_contributors(settings, version, filters, platform, kind)
if leaders.empty:
    st.info(t("engagement.no_points"))
else:
    data_table(
        leading(leaders, "rank", "name", "points", "contributions", "active_days"),
        key="engagement_leaderboard",
        file_name="top-contributors",
        column_config={
            "rank": st.column_config.NumberColumn(t("column.rank")),
            "points": st.column_config.NumberColumn(t("column.points"), format="localized"),
            "contributions": st.column_config.NumberColumn(t("column.contributions"), format="localized"),
            "active_days": st.column_config.NumberColumn(t("column.active_days")),
        },
        member_links=True,
    )
