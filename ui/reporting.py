"""The Report button of the Overview: this view as a self-contained HTML file, a PDF or a PNG image."""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

import clock
from auth.access import Permission
from metrics.filters import Filters
from reports.html import to_html
from reports.image import to_png
from reports.meeting import build_report
from reports.pdf import to_pdf
from settings import Settings
from ui import data
from ui.i18n import current_language, t
from ui.page import data_errors_stop_the_page
from ui.session import may, presenting, shared_link

TTL = "10m"


class Files(NamedTuple):
    html: str
    pdf: bytes
    png: bytes


@st.cache_data(ttl=TTL, show_spinner=False, hash_funcs=data.KEYS)
def load_report(settings: Settings, version: str, filters: Filters, include_text: bool, language: str) -> Files:
    """The files of a view (a few hundred kB each), made once per view, data build, language and
    whether they may quote what members wrote."""
    warehouse, store = data.warehouse(settings), data.app_store(settings.app_db_url)
    report = build_report(
        warehouse=warehouse,
        app_store=store,
        filters=filters,
        now=clock.now(),
        include_text=include_text,
        language=language,
        currency=settings.currency,
    )
    return Files(html=to_html(report), pdf=to_pdf(report), png=to_png(report))


def report_button(settings: Settings, version: str, filters: Filters) -> None:
    """One click prepares this view's report (a few seconds); it stays ready until the view changes."""
    if presenting() or shared_link() is not None:  # no downloads on a projector; a link signed the page only
        return
    include_text = may(Permission.FREE_TEXT)
    language = current_language()
    view = (version, filters, include_text, language)
    with st.popover(t("report.button"), icon=":material/description:"):
        prepare = st.button(t("report.prepare"), key="overview_report_prepare")
        if not prepare and st.session_state.get("overview_report_view") != view:
            return
        st.session_state["overview_report_view"] = view
        with st.spinner(t("report.prepare")), data_errors_stop_the_page():
            files = load_report(settings, version, filters, include_text, language)
        name = f"community-pulse-{filters.start}-{filters.last}"
        st.download_button(
            t("report.html"), files.html, file_name=f"{name}.html", mime="text/html", key="overview_report_html"
        )
        st.download_button(
            t("report.pdf"), files.pdf, file_name=f"{name}.pdf", mime="application/pdf", key="overview_report_pdf"
        )
        st.download_button(
            t("report.png"), files.png, file_name=f"{name}.png", mime="image/png", key="overview_report_png"
        )
