"""Presentation mode for a meeting's projector: `?present=1` (a share link may carry it).

Full width with no navigation, no filter widgets (they stay in the page, hidden, so the address
still decides the filters; a caption says which), no share, download or editing controls, and
large KPI tiles. `&refresh=<seconds>` (30 or more) reruns the page on a timer with st.fragment, so a
screen left on shows new data after a sync.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui.i18n import t

MIN_REFRESH_SECONDS = 30
FILTERS_KEY = "pulse_filters"  # the filter bar's container; hidden while presenting
HIDDEN = (
    f".st-key-{FILTERS_KEY}",
    '[data-testid="stDownloadButton"]',
    '[data-testid="stPopover"]',
    '[data-testid="stToolbar"]',
    '[data-testid="stHeader"]',
)
STYLE = (
    "<style>"
    + ", ".join(HIDDEN)
    + " { display: none !important; }"
    + ' [data-testid="stMetricValue"] { font-size: 3.2rem; }'
    + ' [data-testid="stMetricDelta"] { font-size: 1.2rem; }'
    + ' [data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }'
    + "</style>"
)


def presenting() -> bool:
    return st.query_params.get("present") == "1"


def refresh_seconds() -> int | None:
    """The auto-refresh interval asked for in the address, at least MIN_REFRESH_SECONDS."""
    asked = st.query_params.get("refresh", "")
    return max(MIN_REFRESH_SECONDS, int(asked)) if asked.isdigit() else None


def present() -> None:
    """Style the page for the projector and start the refresh timer (called by app.py)."""
    if not presenting():
        return
    st.html(STYLE)
    seconds = refresh_seconds()
    if seconds is not None:
        st.session_state["pulse_refresh_armed"] = False  # a whole-page run; the timer's next tick reruns

        @st.fragment(run_every=seconds)
        def refresh() -> None:
            if st.session_state.get("pulse_refresh_armed"):
                st.rerun()  # the whole page: cached figures until the data changes
            st.session_state["pulse_refresh_armed"] = True

        refresh()


def present_link() -> None:
    """For a signed-in person: open this view in presentation mode (a new tab for the projector)."""
    if presenting():
        return
    query = {key: st.query_params[key] for key in st.query_params if key != "share"}
    st.link_button(t("present.button"), "?" + urlencode({**query, "present": "1"}), icon=":material/slideshow:")
