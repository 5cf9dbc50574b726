"""A dashboard page's figures fetched two at a time, on a warehouse where that is faster.

A page asks for its figures one after another. On PostgreSQL each statement runs in one server
process, mostly on one core, so at a million members the Members page waited 3.8-4.3 s for
statements that, two at a time, took 2.8-3.0 s (docs/performance.md). So, as a page starts, a
thread makes the same loaders' calls, the view's slowest first and then from the page's last to its
first (warming.from_the_end), while the page makes them from its first: st.cache_data lets one
caller compute a figure and the other wait for it, so the two meet and nothing is computed twice.

Only where Warehouse.runs_statements_side_by_side says it helps (PostgreSQL), only for the view a
person opens (its period, member filters and whether they see members' addresses, as
ui/warming.py describes the view; the Members page's growth by channel, whichever dimension the
person chose), once a view (a rerun of the same view, a click on a chart, starts nothing; the
next dashboard page or view stops the thread of the one before between two figures, while one
left for another kind of page runs to its end) and one thread at a time in the process. A figure
the thread could not compute is left to the page, which computes it and shows its failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import streamlit as st

from metrics.filters import Filters
from settings import Settings
from ui import data, warming

KEY = "pulse_alongside"  # session state: (page, build, filters, personal) fetched for last, its stop
THREAD_NAME = "pulse-alongside"
_ONE_AT_A_TIME = threading.BoundedSemaphore(1)  # such threads running in this process
log = logging.getLogger(__name__)


def fetch_alongside(page: str, settings: Settings, version: str, filters: Filters, *, personal: bool) -> bool:
    """At the top of a page's run: stop fetching the view this session asked for before, unless it
    is this one again; then, for a dashboard page's new view on a warehouse that gains from it,
    start fetching it from the end. Whether started."""
    asked = (page, version, filters, personal)
    previous = st.session_state.get(KEY)
    if previous is not None:
        if previous[0] == asked:
            return False
        previous[1].set()  # that view is no longer looked at
        del st.session_state[KEY]
    steps = warming.steps_seen(page, personal=personal)
    if not steps or not gains(settings):
        return False
    stop = threading.Event()
    st.session_state[KEY] = (asked, stop)
    return from_the_end(steps, settings, version, filters, stop=stop) is not None


def gains(settings: Settings) -> bool:
    """Whether the warehouse finishes a page sooner with its figures fetched two at a time."""
    return data.warehouse(settings).runs_statements_side_by_side


def from_the_end(
    steps: Sequence[warming.Step], settings: Settings, version: str, filters: Filters, *, stop: threading.Event
) -> threading.Thread | None:
    """Make a page's `steps` (in the page's order), the slowest first and then from the last to
    the first, in a thread of their own, until `stop` is set. None when such a thread runs already
    (for another person's page, or a view left): one at a time, so that pages opened together do
    not each bring a second statement to share the cores with."""
    if not _ONE_AT_A_TIME.acquire(blocking=False):
        return None
    order = warming.from_the_end(list(steps))
    thread = threading.Thread(
        target=_fetch, args=(order, settings, version, filters, stop), daemon=True, name=THREAD_NAME
    )
    try:
        thread.start()
    except BaseException:
        _ONE_AT_A_TIME.release()
        raise
    return thread


def _fetch(
    steps: Sequence[warming.Step], settings: Settings, version: str, filters: Filters, stop: threading.Event
) -> None:
    try:
        for step in steps:
            if stop.is_set():
                return
            try:
                step(settings, version, filters)
            except Exception as error:  # the page computes the figure itself and shows why it failed
                log.info("Fetching alongside the page stopped: %r", error)
                return
    finally:
        _ONE_AT_A_TIME.release()
