"""Pieces of the managers' surveys page: the survey list's columns, score tiles, the breakdown,
a chart per question and the written answers. Frames in, Streamlit elements out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from metrics.survey_results import Scores, SurveyResults
from surveys.definition import text_in
from surveys.question_types import TYPES
from surveys.registry import Availability
from ui.i18n import current_language, t
from ui.presentation import show_chart
from ui.tables import (
    catalog_words,
    data_table,
    day_column,
    leading,
    plain,
    time_column,
    used_columns,
    words_column,
)
from ui.tiles import tile_columns
from visuals import text
from visuals.charts import answers_chart, matrix_chart, nps_trend_chart
from visuals.formats import with_margin


def survey_columns(campaigns: Mapping[str, str]) -> dict[str, object]:
    """Column labels of the survey list, in the order shown: the survey and how it goes first (a
    phone shows those), its settings after (internal columns hidden); — where a survey has no such
    setting or figure, and the help says what that means. A survey's campaign reads as its name in
    `campaigns` (by id; an id the warehouse does not know as itself), its id kept in the download."""
    return {
        "title": t("column.survey"),
        "state": words_column(t("column.state"), catalog_words("surveys.state", [*Availability, "archived"])),
        "completed": st.column_config.NumberColumn(t("column.completed"), format="localized"),
        "completion_rate": st.column_config.NumberColumn(
            t("column.completion_rate"), help=t("column.completion_rate_help"), format="percent"
        ),
        "last_response": time_column(t("column.last_response"), help=t("column.last_response_help")),
        "started": st.column_config.NumberColumn(t("column.started"), format="localized"),
        "invitations": st.column_config.NumberColumn(t("column.invitations"), format="localized"),
        "response_rate": st.column_config.NumberColumn(
            t("column.response_rate"), help=t("column.response_rate_help"), format="percent"
        ),
        "campaign_id": words_column(t("column.campaign"), campaigns, help=t("column.survey_campaign_help")),
        "slug": st.column_config.TextColumn(t("column.slug"), help=t("column.slug_help")),
        "version": t("column.version"),
        "opens_at": day_column(t("column.opens_at"), help=t("column.opens_at_help")),
        "closes_at": day_column(t("column.closes_at"), help=t("column.closes_at_help")),
        "response_limit": st.column_config.NumberColumn(
            t("column.response_limit"), help=t("column.response_limit_help"), format="localized"
        ),
        "id": None,
        "anonymous": None,
        "invited_responses": None,
        "status": None,
    }


# Columns of things a survey may not use: shown only when a listed survey uses them (personal links
# sent, a schedule, a campaign, a response limit; ui.tables.used_columns). Dashes on every row pushed
# the campaign off a laptop's screen.
UNUSED_HIDDEN = {
    "invitations": ("invitations", "response_rate"),
    "opens_at": ("opens_at",),
    "closes_at": ("closes_at",),
    "campaign_id": ("campaign_id",),
    "response_limit": ("response_limit",),
}


def shown_columns(table: pd.DataFrame, columns: dict[str, object]) -> dict[str, object]:
    """`columns` less those of what no listed survey uses (UNUSED_HIDDEN), and less the version
    while every survey is at its first: a column of 1s says nothing, and a survey edited since
    brings it back (the survey's caption names its version either way)."""
    shown = used_columns(table, columns, hidden_unless=UNUSED_HIDDEN)
    if "version" in shown and "version" in table and (table["version"].fillna(1) <= 1).all():
        shown["version"] = None
    return shown


def list_key(table: pd.DataFrame) -> str:
    """The survey list's widget key. A selection is kept by row, so the key carries the rows' order:
    a survey answered since (which moves up, as_listed) clears the selection rather than opening
    whichever survey now sits in the selected row."""
    return "surveys_table_" + hashlib.sha256("\n".join(table["slug"]).encode()).hexdigest()[:12]


def as_listed(table: pd.DataFrame, columns: Mapping[str, object]) -> pd.DataFrame:
    """`table` with the columns survey_columns lists in its order first, any other after (the
    download keeps the order shown), and its rows the survey answered last first (what a manager
    opens the list for), then those without answers as they came."""
    newest = leading(table, *columns).sort_values("last_response", ascending=False, na_position="last", kind="stable")
    return newest.reset_index(drop=True)


def score_tiles(summary: Scores) -> None:
    """Responses, NPS with its margin, CSAT and CES; a dash where no question of that kind was answered."""
    tiles = tile_columns("responses", count=4)
    tiles[0].metric(t("surveys.responses"), text.number(summary.responses))
    nps = "–" if summary.nps is None else with_margin(summary.nps, summary.nps_margin or 0.0, summary.nps_answers)
    tiles[1].metric(t("kpi.nps"), nps, help=t("surveys.nps_help", answers=summary.nps_answers))
    csat = "–" if summary.csat is None else text.percent(summary.csat)
    tiles[2].metric(t("column.csat"), csat, help=t("surveys.csat_help", answers=summary.csat_answers))
    ces = "–" if summary.ces is None else text.number(summary.ces, decimals=2)
    tiles[3].metric(t("surveys.ces"), ces, help=t("surveys.ces_help", answers=summary.ces_answers))


def results_view(results: SurveyResults, *, slug: str) -> None:
    """Tiles, the weekly NPS, the breakdown by respondent group and a chart per question."""
    score_tiles(results.summary)
    if not results.trend.empty:
        st.subheader(t("surveys.trend"))
        show_chart(nps_trend_chart, results.trend)
    st.subheader(t("surveys.breakdown"), help=t("surveys.breakdown_help"))
    dimension = (
        st.segmented_control(
            t("surveys.breakdown_by"),
            list(results.breakdowns),
            format_func=lambda name: t(f"filters.{name}") if name != "level" else t("chart.level"),
            default="segment",
            key="surveys_breakdown",
            label_visibility="collapsed",
        )
        or "segment"
    )
    data_table(
        results.breakdowns[dimension],
        key="surveys_breakdown_table",
        file_name=f"{slug}-by-{dimension}",
        column_config={
            "group": st.column_config.TextColumn(t("column.group"), help=t("column.group_help")),
            "respondents": t("column.respondents"),
            "nps": st.column_config.NumberColumn(t("kpi.nps"), help=t("column.no_answers"), format="%+.0f"),
            "nps_margin": st.column_config.NumberColumn(
                t("column.nps_margin"), help=t("column.nps_margin_help"), format="%.0f"
            ),
            "csat": st.column_config.NumberColumn(t("column.csat"), help=t("column.no_answers"), format="percent"),
        },
    )
    st.subheader(t("surveys.questions"))
    for question, result in results.questions:  # drawn by the type's result family
        st.markdown(f"**{plain(text_in(question.text, current_language()))}**")  # zh-CN: the zh text
        family = TYPES[question.type].result
        if family == "matrix":
            show_chart(matrix_chart, result, scale=[text_in(label, current_language()) for label in question.scale])
        elif family == "text":
            st.caption(t("surveys.text_answers", answers=int(result["answers"].sum())))
        else:
            show_chart(answers_chart, result)


def free_text_table(texts: pd.DataFrame, *, slug: str, questions: dict[str, str]) -> None:
    """The written answers, each beside its question's text (`questions`: by answer id, in the
    reader's language, surveys.definition.answer_labels; a question no longer in the survey by its id)."""
    st.subheader(t("surveys.free_text"), help=t("surveys.free_text_help"))
    data_table(
        texts.assign(question_id=[questions.get(str(asked), asked) for asked in texts["question_id"]]),
        key="surveys_free_text",
        file_name=f"{slug}-free-text",
        column_config={
            "submitted_at": time_column(t("column.submitted")),
            "member_id": st.column_config.TextColumn(t("column.member_id"), help=t("column.anonymous")),
            "question_id": t("column.question"),
            "text": st.column_config.TextColumn(t("column.text"), width="large"),
            "nps": st.column_config.NumberColumn(
                t("column.nps_answer"), help=t("column.free_text_nps_help"), format="%.0f"
            ),
        },
    )
