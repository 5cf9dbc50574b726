"""The Report button of the Overview: this view as a self-contained HTML file or a PNG image."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from metrics.filters import Filters
from reports.meeting import build_report, to_html, to_png
from settings import Settings
from ui import data
from ui.i18n import t
from ui.page import data_errors_stop_the_page

TTL = "10m"


@st.cache_data(ttl=TTL, show_spinner=False)
def load_report(settings: Settings, version: str, filters: Filters) -> tuple[str, bytes]:
    """The HTML and PNG of a view (a few hundred kB), made once per view and data build."""
    warehouse, store = data.warehouse(settings), data.app_store(settings.app_db_url)
    report = build_report(
        warehouse=warehouse, app_store=store, filters=filters, now=datetime.now(UTC).replace(tzinfo=None)
    )
    return to_html(report), to_png(report)


def report_button(settings: Settings, version: str, filters: Filters) -> None:
    """One click prepares this view's report (a few seconds); it stays ready until the view changes."""
    view = (version, filters)
    with st.popover(t("report.button"), icon=":material/description:"):
        prepare = st.button(t("report.prepare"), key="overview_report_prepare")
        if not prepare and st.session_state.get("overview_report_view") != view:
            return
        st.session_state["overview_report_view"] = view
        with st.spinner(t("report.prepare")), data_errors_stop_the_page():
            page, image = load_report(settings, version, filters)
        name = f"community-pulse-{filters.start}-{filters.last}"
        st.download_button(
            t("report.html"), page, file_name=f"{name}.html", mime="text/html", key="overview_report_html"
        )
        st.download_button(t("report.png"), image, file_name=f"{name}.png", mime="image/png", key="overview_report_png")
