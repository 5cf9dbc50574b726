"""Presentation mode for a meeting's projector: `?present=1`, or a share link made to present.

Full width with no navigation, no filter widgets (a caption names the filters), no help icons,
share, download or editing controls, large KPI tiles and chart text readable from the back of a
room. Nothing personal is shown, whoever is signed in (ui.session.permissions): a caption says what
is hidden. `&refresh=<seconds>` (30 or more) reruns the page on a timer with st.fragment, so a
screen left on shows new data after a sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

import altair as alt
import altair.utils.schemapi as altair_schema
import pandas as pd
import streamlit as st

from auth.access import Permission
from catalog import locale
from ids import parse_id
from ui.i18n import current_language, listed, speaking, t
from ui.session import may, presenting, shared_link
from ui.streamlit_internals import presentation_style, vega_lite_spec
from ui.tiles import TILES_KEY
from visuals.charts import for_projector, has_partial_weeks

__all__ = ["presenting"]

MIN_REFRESH_SECONDS, MAX_REFRESH_SECONDS = 30, 86_400
FILTERS_KEY = "pulse_filters"  # the filter bar's container; hidden while presenting
PERIOD_KEY = "pulse_period"  # the period's caption under it, shown while presenting too
HEADLINE_KEY = "pulse_headline"  # the KPIs a room reads first: the largest tiles
STYLE = presentation_style(filters=FILTERS_KEY, headline=HEADLINE_KEY, tiles=TILES_KEY)  # ui/streamlit_internals.py
PHONE_STYLE = presentation_style(filters=FILTERS_KEY, headline=HEADLINE_KEY, tiles=TILES_KEY, sized=False)
SPECS_KEPT = 1024  # charts' specs kept (6 kB at the median, 19 at most at a million members): every chart of
# every view recently drawn, and of those the warming thread made ahead (about 170 a reader for the bench's
# few filter values; more with more: ui.warming.SPECS_TRUSTED)
# Altair checks each object against Vega-Lite's schema as it is made (its "debug mode"), a quarter
# to a third of making a chart (2-3 ms at a rerun that draws new figures). The app's specs are not
# checked (vega_lite_spec): tests/test_charts.py checks every builder's specs whole.
altair_schema.disable_debug_mode()
PHONE_AGENT = "Mobi"  # in a phone browser's User-Agent (on_a_phone)
CHART_HEIGHT = 330  # two charts side by side under the tiles fill a 1080-pixel screen (legend included), with
# room for a second line under a narrow tile's change (the word on why it is grey, ui.page.LAYOUT)


def refresh_seconds() -> int | None:
    """The auto-refresh interval asked for in the address, from MIN_REFRESH_SECONDS to a day
    (ids.parse_id: ASCII digits of a sane length, so "²" or 4,301 digits are no interval)."""
    asked = parse_id(st.query_params.get("refresh", ""), minimum=0)
    if asked is None:
        return None
    return min(MAX_REFRESH_SECONDS, max(MIN_REFRESH_SECONDS, asked))


def present() -> None:
    """Style the page for the projector and start the refresh timer (called by app.py)."""
    if not presenting():
        return
    st.html(PHONE_STYLE if on_a_phone() else STYLE)
    seconds = refresh_seconds()
    if seconds is not None:
        st.session_state["pulse_refresh_armed"] = False  # a whole-page run; the timer's next tick reruns

        @st.fragment(run_every=seconds)
        def refresh() -> None:
            if st.session_state.get("pulse_refresh_armed"):
                st.rerun()  # the whole page: cached figures until the data changes
            st.session_state["pulse_refresh_armed"] = True

        refresh()


def hidden_caption() -> str:
    """What presentation mode leaves out, for the filter bar's caption ('' when not presenting)."""
    if not presenting():
        return ""
    hidden = [t("present.hidden_email")]
    if not may(Permission.MEMBER_NAMES):
        hidden.append(t("present.hidden_names"))
    if not may(Permission.FREE_TEXT):
        hidden.append(t("present.hidden_text"))
    return t("present.hidden", what=listed(hidden))


@dataclass(frozen=True)
class Chart:
    """One chart as `build` (visuals/charts.py) makes it from `args` and `kwargs`."""

    build: Callable[..., alt.TopLevelMixin]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reader:
    """How a view is seen, which its charts' specs depend on: the language of their words, a
    projector's text sizes, and whether a campaign on a trend links to its results (not under a
    share link, whose address may hold nothing but its token: ui.marks.campaign_links)."""

    language: str
    projector: bool = False
    shared: bool = False

    @classmethod
    def now(cls) -> Reader:
        """This run's reader: presenting on a phone (a meeting's link opened in a chat) reads a
        phone's text sizes, which the projector's would crowd (the cohort heatmap's shares ran over
        each other, its month names took half the width)."""
        return cls(current_language(), presenting() and not on_a_phone(), shared_link() is not None)


def on_a_phone() -> bool:
    """Whether this run's browser says it is a phone's: MDN's advice, "Mobi" anywhere in its
    User-Agent (iPhone's Safari, Android's Chrome, WeChat's browser), not a tablet's or a desk's."""
    return PHONE_AGENT in (st.context.headers.get("User-Agent") or "")


def show_chart(
    build: Callable[..., alt.TopLevelMixin],
    /,
    *args: Any,
    key: str | None = None,
    on_select: Literal["ignore", "rerun"] = "ignore",
    **kwargs: Any,
) -> Any:
    """The chart `build(*args, **kwargs)` makes (visuals/charts.py), drawn (`draw`)."""
    return draw(Chart(build, args, kwargs), key=key, on_select=on_select)


def draw(chart: Chart, *, key: str | None = None, on_select: Literal["ignore", "rerun"] = "ignore") -> Any:
    """`chart` drawn as st.altair_chart draws it, with text sized for a projector while presenting.
    Its spec is kept for the same arguments, language and mode (`spec_of`), so a rerun does not
    make it again: Altair's building and validating of the Overview's two charts was more than half
    of a rerun whose figures were cached."""
    spec = spec_of(chart, Reader.now())
    if on_select == "rerun":
        return st.vega_lite_chart(spec=spec, key=key, on_select="rerun")
    return st.vega_lite_chart(spec=spec, key=key)


def spec_of(chart: Chart, reader: Reader) -> dict[str, Any]:
    """The Vega-Lite spec of `chart` as `reader` sees it, made once (a page draws it, or the
    warming thread makes it ahead: ui.page_charts, in the reader's language)."""
    name = f"{chart.build.__module__}.{chart.build.__qualname__}"
    with speaking(reader.language):
        return _spec(name, chart.args, chart.kwargs, reader.projector, reader.language, _build=chart.build)


@st.cache_data(max_entries=SPECS_KEPT, show_spinner=False)
def _spec(
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    projector: bool,
    language: str,
    *,
    _build: Callable[..., alt.TopLevelMixin],
) -> dict[str, Any]:
    """The Vega-Lite spec of `_build`'s chart, keyed by the function's name (a module-level builder:
    two lambdas would share one) and its arguments, the language its words are in and the projector
    mode. The cache hashes a frame by its contents, but one of 50,000 rows or more by a sample: a
    chart is given aggregates (days, weeks, groups), never rows of members or activities."""
    chart = _build(*args, **kwargs)
    if projector:
        chart = for_projector(chart, height=CHART_HEIGHT)
    return vega_lite_spec(chart)


def partial_weeks_note(frame: pd.DataFrame, period: tuple[date, date], *, column: str = "week") -> None:
    """Under a weekly bar chart: why its lighter bars are shorter, when a week is only partly in the
    period; never on a slide, which must fit its screen (the bars and their tooltip still say it)."""
    if not presenting() and has_partial_weeks(frame, period, column=column):
        st.caption(t("chart.partial_weeks"))


def unfinished_month_note(grid: pd.DataFrame, *, last: date) -> None:
    """Under the cohort heatmap: why its grey cells are grey, when the period ends inside a month
    (`last`, its last day); never on a slide, which must fit its screen (the tooltip still says it)."""
    if not presenting() and grid["so_far"].any():
        language = current_language()
        st.caption(t("members.cohorts_so_far", month=locale.month(last, language), last=locale.day(last, language)))


def present_link() -> None:
    """For a signed-in person: open this view in presentation mode (a new tab for the projector)."""
    if presenting():
        return
    query = {key: st.query_params[key] for key in st.query_params if key != "share"}
    st.link_button(t("present.button"), "?" + urlencode({**query, "present": "1"}), icon=":material/slideshow:")
