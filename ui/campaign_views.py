"""The campaign table's columns (pages/campaigns.py): what it compares campaigns by first, then the
funnel, cost and scores, each labelled and explained from the catalog."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.i18n import t
from ui.tables import day_column, known_words, local_day_column, used_columns, words_column
from visuals.text import in_currency

# What the table compares campaigns by first (a phone shows three or four columns), then the rest
# as the funnel runs; the lift's blank is explained beside it.
LEADING = ("name", "reach", "participants", "lift", "lift_from")

# Figures a campaign may have none of (a newsletter takes no registrations; a survey, a budget),
# shown only when a campaign listed has them: with every column, the table ran past a laptop's
# screen and its cost, NPS and CSAT were a sideways scroll away.
FIGURES_NOT_EVERY_CAMPAIGN_HAS = {
    "registered": ("registered", "attendance_rate"),
    "attended": ("attended",),
    "budget": ("budget", "cost_per_participant"),
    "nps_answers": ("nps", "nps_answers"),
    "csat_answers": ("csat", "csat_answers"),
}


def campaign_columns(shown: pd.DataFrame, *, currency: str) -> dict[str, object]:
    """The column config of the campaigns `shown`: the figures none of them has hidden, and the
    lift's "known from" day only while some lift's 30 days still run; money in `currency`."""
    number = {"format": "localized"}
    no_answers = t("column.no_answers")
    return used_columns(
        shown,
        hidden_unless=FIGURES_NOT_EVERY_CAMPAIGN_HAS,
        columns={
            "campaign_id": None,
            "name": t("column.campaign"),
            "kind": words_column(t("chart.kind"), known_words("campaign.kind")),
            "starts_at": local_day_column(t("column.starts")),
            "ends_at": local_day_column(t("column.ends")),
            "invited": st.column_config.NumberColumn(t("column.invited"), **number),
            "registered": st.column_config.NumberColumn(
                t("column.registered"), help=t("column.not_recorded_help"), **number
            ),
            "attended": st.column_config.NumberColumn(
                t("column.attended"), help=t("column.not_recorded_help"), **number
            ),
            "attendance_rate": st.column_config.NumberColumn(
                t("column.attendance_rate"), help=t("column.attendance_rate_help"), format="percent"
            ),
            "reach": st.column_config.NumberColumn(t("column.reach"), help=t("help.reach"), **number),
            "participants": st.column_config.NumberColumn(
                t("column.participants"), help=t("help.participants"), **number
            ),
            "new_members": st.column_config.NumberColumn(
                t("column.new_members"), help=t("help.campaign_new"), **number
            ),
            "lift": st.column_config.NumberColumn(t("column.lift"), help=t("help.lift"), format="%+.2f"),
            "lift_from": day_column(t("column.lift_from"), help=t("column.lift_from_help"))
            if shown["lift_from"].notna().any()
            else None,
            "budget": st.column_config.NumberColumn(
                in_currency(t("column.budget"), currency), help=t("column.budget_help"), **number
            ),
            "cost_per_participant": st.column_config.NumberColumn(
                in_currency(t("column.cost_per_participant"), currency),
                help=t("column.cost_per_participant_help"),
                format="%.2f",
            ),
            "nps": st.column_config.NumberColumn(t("kpi.nps"), help=no_answers, format="%+.0f"),
            "nps_answers": st.column_config.NumberColumn(t("column.nps_answers"), help=no_answers, **number),
            "csat": st.column_config.NumberColumn(
                t("column.csat"), help=f"{t('help.csat')} {no_answers}", format="percent"
            ),
            "csat_answers": st.column_config.NumberColumn(t("column.csat_answers"), help=no_answers, **number),
        },
    )


def funnel_stages(campaign: pd.Series, *, narrowed: bool = False) -> pd.DataFrame:
    """A campaign's stages as its funnel draws them (stage in words, members): invited; registered
    and attended where its list records either (a newsletter's or a promotion's records neither,
    and two empty bars read as if nobody had come), and always under a member filter (`narrowed`:
    the counts are the chosen members', whose none says nothing of the list); then its
    participants, who attended or have an activity carrying it, as the table counts them."""
    recorded = narrowed or int(campaign["registered"]) or int(campaign["attended"])
    stages = ["invited", *(("registered", "attended") if recorded else ()), "participants"]
    return pd.DataFrame(
        {"stage": [t(f"column.{stage}") for stage in stages], "members": [int(campaign[stage]) for stage in stages]}
    )
