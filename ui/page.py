"""What every dashboard page starts with: its title, the stores, the filter bar, and the one way
errors are shown: a PulseError as a message a person can act on (then the page stops), anything
else as a short message with a reference to the log (errors.py, logs.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

import logs
from auth.access import Permission
from auth.pages import SHAREABLE
from data_sources.errors import DataSourceError, NotConfigured
from errors import PulseError
from metrics.filters import Filters
from settings import Settings
from store.database import StoreError
from ui import alongside, data, streamlit_internals, warming
from ui.filters import filter_bar
from ui.i18n import t
from ui.inbox import INBOX_FILTERS_KEY, VIEWS_ROW_KEY
from ui.outage import app_store_failed
from ui.presentation import FILTERS_KEY, PERIOD_KEY, Reader, present_link
from ui.session import may, shared_link
from ui.sharing import share_button
from ui.streamlit_internals import DeltaGenerator
from ui.tables import error_markdown
from ui.tiles import TILES_KEY

log = logging.getLogger(__name__)

ENTRY = "pulse_through_app"  # set by app.py on every run
RUN = "pulse_run"  # counts the session's runs (ui.selection: was an element drawn on the run before?)

# spacing; on a phone: the tiles, the filter bar and the inbox's filters
LAYOUT = streamlit_internals.layout_style(
    tiles=TILES_KEY, filters=FILTERS_KEY, inbox=INBOX_FILTERS_KEY, views=VIEWS_ROW_KEY, period=PERIOD_KEY
)
NO_MENU = streamlit_internals.no_menu_style()


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


def no_app_menu() -> None:
    """A member's page (the survey, the unsubscribe page) shows no menu of the app's, on every way
    out of it (a survey not found too); a manager building a survey keeps theirs."""
    st.html(NO_MENU)


@dataclass(frozen=True)
class PageContext:
    settings: Settings
    version: str
    filters: Filters
    actions: DeltaGenerator  # the title row's toolbar (Share, Present): a page adds its own (Report)


@contextmanager
def data_errors_stop_the_page() -> Iterator[None]:
    """The one catcher of PulseError on a page: the error is shown as `show_error` shows its kind,
    then the page stops."""
    try:
        yield
    except PulseError as error:
        show_error(error)
        st.stop()


def show_error(error: PulseError) -> None:
    """Log a caught PulseError under a reference and show it as its kind is shown: no data yet as a
    note, a data source's failure in full to an admin and generically to others, the app store's
    generically, any other in its own words; each in the reader's language (error_markdown)."""
    if isinstance(error, StoreError):
        app_store_failed()  # logged with the details; the page never shows the database's address
        return
    reference = logs.reference()
    log.warning("%s (ref %s): %s", type(error).__name__, reference, error.user_message)
    if isinstance(error, NotConfigured):
        st.info(error_markdown(error) if may(Permission.MANAGE_DATA) else t("error.no_data"))
    elif isinstance(error, DataSourceError):
        # in full to an admin; to others generically, with the reference that finds the details in the log
        st.error(error_markdown(error) if may(Permission.MANAGE_DATA) else t("error.warehouse", reference=reference))
    else:
        st.error(error_markdown(error))


@contextmanager
def failures_end_the_page() -> Iterator[None]:
    """Around a page's run (app.py): a PulseError the page left is shown as above; anything else is
    a bug, logged with its traceback under a reference that the person is shown in a short message.
    (st.stop and st.rerun are not Exceptions and pass through.)"""
    try:
        yield
    except PulseError as error:
        show_error(error)
    except Exception:
        reference = logs.unexpected(log, "A page failed")
        st.error(t("error.unexpected", reference=reference), icon=":material/error:")


def open_page(page: str, *, sharing: bool = True) -> tuple[Settings, str]:
    """The page's title, then the settings and the data version (or a message and a stop).
    Without `sharing`, no Share or Present button: the page shows something else than its figures
    (the survey builder)."""
    settings, version, _ = _open(page, sharing=sharing)
    return settings, version


def _open(page: str, *, sharing: bool = True) -> tuple[Settings, str, DeltaGenerator]:
    """The title row: the title, and a toolbar of the page's actions on its right (wrapping under
    the title on a phone)."""
    require_entry()
    with data_errors_stop_the_page():
        settings = data.current_settings()
    title, right = st.columns([3, 2], vertical_alignment="center")
    title.title(t(f"{page}.title"))
    actions = right.container(horizontal=True, horizontal_alignment="right", key="pulse_actions")
    with actions:
        if sharing:
            share_button(page, settings)
        if sharing and page in SHAREABLE and shared_link() is None:
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
    personal = may(Permission.PERSONAL_DATA)
    warming.remember_view(page, filters, personal=personal, reader=Reader.now())
    alongside.fetch_alongside(page, settings, version, filters, personal=personal)
    return PageContext(settings=settings, version=version, filters=filters, actions=actions)
