"""What every dashboard page starts with: its title, the stores, the filter bar, and the one way
data errors are shown (a message a person can act on, then the page stops)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from auth.access import Permission
from auth.pages import SHAREABLE
from data_sources.errors import DataSourceError, NotConfigured
from metrics.filters import Filters
from settings import Settings, SettingsError
from store.database import StoreError
from ui import data, streamlit_internals
from ui.filters import filter_bar
from ui.i18n import t
from ui.outage import app_store_failed
from ui.presentation import FILTERS_KEY, present_link
from ui.session import may, shared_link
from ui.sharing import share_button
from ui.streamlit_internals import DeltaGenerator
from ui.tables import plain
from ui.tiles import TILES_KEY

log = logging.getLogger(__name__)

ENTRY = "pulse_through_app"  # set by app.py on every run
RUN = "pulse_run"  # counts the session's runs (ui.selection: was an element drawn on the run before?)

LAYOUT = streamlit_internals.layout_style(tiles=TILES_KEY, filters=FILTERS_KEY)  # spacing; a phone's tiles


def mark_entry() -> None:
    st.session_state[ENTRY] = True
    st.session_state[RUN] = st.session_state.get(RUN, 0) + 1


def require_entry() -> None:
    """Make sure app.py ran. Until some run has called st.navigation, Streamlit treats an app with a
    pages/ folder the old way: the first request after a server start for /<page> runs that page
    file alone, without app.py (no layout, no navigation, none of what app.py decides about who
    may see what). Such a run switches Streamlit's old mode off and starts over through app.py,
    which resolves the same page (a page's id is its url path in both modes)."""
    if not st.session_state.get(ENTRY):
        streamlit_internals.leave_pages_folder_mode()
        st.rerun()


@dataclass(frozen=True)
class PageContext:
    settings: Settings
    version: str
    filters: Filters
    actions: DeltaGenerator  # the title row's toolbar (Share, Present): a page adds its own (Report)


@contextmanager
def data_errors_stop_the_page() -> Iterator[None]:
    try:
        yield
    except NotConfigured as error:
        if may(Permission.MANAGE_DATA):  # about settings and paths the admin chose: formatted as written
            st.info(error.user_message)
        else:
            st.info(t("error.no_data"))
        st.stop()
    except DataSourceError as error:
        if may(Permission.MANAGE_DATA):  # quotes files, sheets and cells: text, not markdown
            st.error(plain(error.user_message))
        else:  # may name the database's host, port or user: for the log and the admin only
            log.warning("The community data did not answer: %s", error.user_message)
            st.error(t("error.warehouse"))
        st.stop()
    except StoreError:
        app_store_failed()  # logged; the page never shows the database's address
        st.stop()


def open_page(page: str) -> tuple[Settings, str]:
    """The page's title, then the settings and the data version (or a message and a stop)."""
    settings, version, _ = _open(page)
    return settings, version


def _open(page: str) -> tuple[Settings, str, DeltaGenerator]:
    """The title row: the title, and a toolbar of the page's actions on its right (wrapping under
    the title on a phone)."""
    require_entry()
    try:
        settings = data.current_settings()
    except SettingsError as error:
        st.error(t("error.settings", error=error))
        st.stop()
    title, right = st.columns([3, 2], vertical_alignment="center")
    title.title(t(f"{page}.title"))
    actions = right.container(horizontal=True, horizontal_alignment="right", key="pulse_actions")
    with actions:
        share_button(page, settings)
        if page in SHAREABLE and shared_link() is None:
            present_link()
    with data_errors_stop_the_page():
        return settings, data.data_version(settings), actions


def start_page(page: str) -> PageContext:
    """The title row, then the filter bar (stops while a custom range is half picked)."""
    settings, version, actions = _open(page)
    with data_errors_stop_the_page():
        choices = data.load_dimension_values(settings, version)
    filters = filter_bar(page=page, timezone=settings.timezone, choices=choices)
    if filters is None:
        st.stop()
    return PageContext(settings=settings, version=version, filters=filters, actions=actions)
