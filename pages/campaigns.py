"""Campaigns and events: one row per campaign in the period; selecting a row opens its detail, and
?campaign=<id> in the address opens it directly."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from auth.access import Permission
from metrics.campaigns import lift_pending_until, with_unrecorded_blank
from ui import campaign_views, data, page_charts
from ui.address import key_in_address
from ui.i18n import t
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, start_page
from ui.presentation import draw, show_chart
from ui.selection import kept_in_address
from ui.session import may
from ui.tables import data_table, leading, period_days, plain, stage_words, words_column
from visuals.charts import campaign_daily_chart, chosen, funnel_chart
from visuals.text import day

SPAN = ("starts_at", "ends_at")  # a campaign's moments, shaded on its daily chart


def moment(value: object) -> datetime:
    """A moment of the campaigns table (naive UTC) as a datetime."""
    return pd.Timestamp(value).to_pydatetime()


page = start_page("campaigns")
settings, version, filters = page.settings, page.version, page.filters

app_store_or_stop(settings)  # the campaigns' survey scores
with data_errors_stop_the_page():
    table = data.load_campaigns(settings, version, filters)
if table.empty:
    st.info(t("campaigns.none", **period_days(filters)))
    st.stop()

st.subheader(t("campaigns.reach"), help=t("campaigns.reach_help"))
event = draw(page_charts.campaign_reach(table, filters), on_select="rerun", key="campaigns_reach_chart")
key_in_address("kind")
kind = kept_in_address("kind", chosen(event, "kind", "kind"))
shown = table if kind is None else table[table["kind"] == kind].reset_index(drop=True)

st.subheader(t("campaigns.table"), help=t("campaigns.table_help"))
if kind is not None:
    st.caption(t("campaigns.showing_kind", kind=plain(kind)))
selected = data_table(
    leading(with_unrecorded_blank(shown, narrowed=filters.selects_members), *campaign_views.LEADING),
    key="campaigns_table",
    file_name="campaigns",
    selectable=True,
    column_config=campaign_views.campaign_columns(shown, currency=settings.currency),
)
key_in_address("campaign")
chosen_id = kept_in_address("campaign", None if selected is None else str(shown.at[selected, "campaign_id"]))
if chosen_id not in set(table["campaign_id"]):
    st.caption(t("campaigns.pick"))
    st.stop()

campaign = table[table["campaign_id"] == chosen_id].iloc[0]
campaign_id = str(campaign["campaign_id"])
st.subheader(plain(campaign["name"]))
with data_errors_stop_the_page():
    daily = data.load_campaign_daily(settings, version, filters, campaign_id, moment(campaign["starts_at"]))
    newcomers = data.load_campaign_newcomers(settings, version, filters, campaign_id, may(Permission.PERSONAL_DATA))

left, right = st.columns([3, 2])
with left:
    st.markdown(t("campaigns.daily"), help=t("campaigns.daily_help"))
    if daily.empty:
        st.info(t("campaigns.no_groups"))
    else:
        labelled = daily.assign(group=daily["group"].map(lambda key: t(f"campaigns.group.{key}")))
        # the campaign shaded on the community's days, as the chart's days are
        days = {key: None if pd.isna(campaign[key]) else filters.local_date(moment(campaign[key])) for key in SPAN}
        show_chart(campaign_daily_chart, labelled, **days)
    pending = lift_pending_until(moment(campaign["starts_at"]), filters)
    if pending is not None:
        st.caption(t("campaigns.lift_pending", day=day(pending)))
with right:
    st.markdown(t("campaigns.funnel"), help=t("campaigns.funnel_help"))
    show_chart(funnel_chart, campaign_views.funnel_stages(campaign, narrowed=filters.selects_members))

st.markdown(t("campaigns.newcomers", count=len(newcomers)), help=t("help.campaign_new"))
if not newcomers.empty:
    data_table(
        newcomers,
        key="campaigns_newcomers",
        file_name=f"{campaign_id}-new-members",
        column_config={"stage": words_column(t("column.stage"), stage_words())},
        member_links=True,
    )
