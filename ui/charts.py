"""Altair chart builders: a frame in, a chart out; no data access, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.i18n import t


def activity_trend_chart(daily: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU per day as three lines."""
    long = daily.melt(id_vars="date", value_vars=["dau", "wau", "mau"], var_name="series", value_name="members")
    long = long.assign(series=long["series"].str.upper(), date=pd.to_datetime(long["date"]))
    return (
        alt.Chart(long)
        .mark_line(point=len(daily) <= 31)
        .encode(
            x=alt.X("date:T", title=t("chart.date")),
            y=alt.Y("members:Q", title=t("chart.members")),
            color=alt.Color("series:N", title=t("chart.series"), sort=["DAU", "WAU", "MAU"]),
            tooltip=[alt.Tooltip("date:T", title=t("chart.date")), "series:N", alt.Tooltip("members:Q", format=",")],
        )
    )


def new_members_chart(weeks: pd.DataFrame) -> alt.Chart:
    """New members per week, stacked by channel."""
    frame = weeks.assign(week=pd.to_datetime(weeks["week"]))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(week):O", title=t("chart.week"), axis=alt.Axis(format="%d %b", labelAngle=-45)),
            y=alt.Y("sum(new_members):Q", title=t("chart.members")),
            color=alt.Color("channel:N", title=t("chart.channel")),
            tooltip=[alt.Tooltip("week:T", title=t("chart.week")), "channel:N", "new_members:Q"],
        )
    )
