"""The inbox's figures: summary tiles, the breakdown charts, and the negative-feedback warning the
Overview shows too."""

from __future__ import annotations

import streamlit as st

from auth.access import Permission
from auth.pages import page
from metrics.feedback import RISK_BASELINE_WEEKS, FeedbackSummary, NegativeShare, ResponseTimes
from ui.i18n import t
from ui.inbox.labels import sentiment_word, status_label, theme_word
from ui.presentation import show_chart
from ui.session import may
from ui.tables import MISSING
from ui.tiles import tile_columns
from visuals import text
from visuals.charts import counts_chart


def summary_tiles(summary: FeedbackSummary) -> None:
    """Open items, those past their next response target and those due within a day (as the list's
    Due column marks them), their median age, the median first response and the negative share."""
    columns = tile_columns("feedback", count=6)
    hours, age = summary.median_first_response_hours, summary.median_age_days
    tiles = [
        ("open", text.number(summary.open), t("feedback.tile.open_help")),
        ("overdue", text.number(summary.overdue), t("feedback.tile.overdue_target_help")),
        ("breaching", text.number(summary.breaching), t("feedback.tile.breaching_help")),
        (
            "median_age",
            "–" if age is None else t("unit.days", value=text.figure(age)),
            t("feedback.tile.median_age_help"),
        ),
        (
            "first_response",
            "–" if hours is None else t("unit.hours", value=text.figure(hours)),
            t("feedback.tile.first_response_help", waiting=summary.awaiting_response),
        ),
        (
            "negative",
            "–" if summary.negative_share is None else text.percent(summary.negative_share),
            t(
                "feedback.tile.negative_help",
                scored=summary.received - summary.not_scored,
                unscored=summary.not_scored,
            ),
        ),
    ]
    for column, (key, value, help_text) in zip(columns, tiles, strict=True):
        column.metric(t(f"feedback.tile.{key}"), value, help=help_text, border=True)


def told_caption(closed: int, told: int) -> None:
    """Of the items closed in the inbox's period, how many members were told (docs/feedback.md)."""
    if closed:
        st.caption(
            t(
                "feedback.closed_told",
                closed=text.number(closed),
                told=text.number(told),
                share=text.percent(told / closed),
            )
        )


def response_times(times: ResponseTimes) -> None:
    """The Overview's feedback response figures over its period: the median time to a first
    response (hours) and to resolution (days), each with "—" and the reason when there is none,
    under a heading of their own (below the charts, they read as the trend's)."""
    st.subheader(t("overview.response_times"))
    columns = tile_columns("feedback_response", count=4)
    first, resolution = times.median_first_response_hours, times.median_resolution_hours
    tiles = [
        (
            "first_response",
            None if first is None else t("unit.hours", value=text.figure(first)),
            t("overview.first_response_help", answered=times.answered, waiting=times.received - times.answered),
        ),
        (
            "resolution",
            None if resolution is None else t("unit.days", value=text.figure(round(resolution / 24, 1))),
            t("overview.resolution_help", resolved=times.resolved, open=times.resolvable - times.resolved),
        ),
    ]
    for column, (key, value, help_text) in zip(columns, tiles, strict=False):
        column.metric(t(f"overview.{key}"), MISSING if value is None else value, help=help_text, border=True)
        if value is None:
            why = "overview.no_feedback" if not times.received else f"overview.{key}_none"
            column.caption(t(why, received=times.received))


def risk_warning(share: NegativeShare) -> None:
    """The warning the Overview and the inbox show when the risk rule fires (metrics.feedback)."""
    if not share.alert:
        return
    st.warning(
        t(
            "feedback.risk",
            latest=text.percent(share.latest_share),
            items=share.latest_items,
            baseline=text.percent(share.baseline_share),
            weeks=RISK_BASELINE_WEEKS,
        ),
        icon=":material/trending_up:",
    )
    if not may(Permission.TRIAGE):
        return
    st.page_link(
        page("feedback").file,
        label=t("feedback.risk_link"),
        icon=":material/inbox:",
        query_params={"feedback_sentiment": "negative", "feedback_sort": "newest"},  # codes, in any language
    )


def breakdown(summary: FeedbackSummary) -> None:
    """Open items by status and theme, and the period's items by sentiment, as small bar charts."""
    charts = [
        (summary.by_status.assign(status=summary.by_status["status"].map(status_label)), "status"),
        (summary.by_theme.assign(theme=summary.by_theme["theme"].map(theme_word)), "theme"),
        (summary.by_sentiment.assign(sentiment=summary.by_sentiment["sentiment"].map(sentiment_word)), "sentiment"),
    ]
    # Lazy: the three charts are built and drawn only while the expander is open (most visits
    # never open it, and drawing them made every opening of an item slower).
    box = st.expander(t("feedback.breakdown"), key="feedback_breakdown", on_change="rerun")
    if not box.open:
        return
    with box:
        for column, (counts, field) in zip(st.columns(3), charts, strict=True):
            with column:
                st.caption(t(f"feedback.breakdown.{field}"))
                if counts.empty:
                    st.caption(t("feedback.breakdown.none"))
                else:
                    show_chart(counts_chart, counts, field=field)
