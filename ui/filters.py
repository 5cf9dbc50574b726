"""The filter bar: period presets or custom dates, and member filters, all bound to the URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import streamlit as st

import clock
from metrics.filters import (
    DEFAULT_PRESET,
    DIMENSIONS,
    EARLIEST,
    PRESETS,
    VIEW_FILTER_KEYS,
    Filters,
    legacy_keys,
    preset_period,
    view_filters,
    view_from_address,
    view_query,
)
from ui.i18n import t
from ui.presentation import FILTERS_KEY, PERIOD_KEY, hidden_caption
from ui.session import shared_link
from ui.tables import plain
from visuals.text import period, scope


def recent_period(timezone: str) -> Filters:
    """The last 28 days up to now (today included), in the community's time zone: the period of the
    feedback inbox's figures, so its open items are the ones open now, as the list shows them."""
    today = clock.today_in(timezone)
    return Filters(start=today - timedelta(days=27), end=today + timedelta(days=1), timezone=timezone)


VIEW_KEY = "pulse_view_{page}"  # (preset, Filters) of the page's last run: what the Share button keeps
SHOWN = "pulse_view"  # the view last shown on a dashboard page, in view words: the next page opens with it
WIDGETS = {"period": "filters_period", "dates": "filters_dates", **{name: f"filters_{name}" for name in DIMENSIONS}}
BAD_ADDRESS = "pulse_view_refused"  # the address named a view that could not be read
DEFAULT_VIEW = {"period": DEFAULT_PRESET}


def filter_bar(*, page: str, timezone: str, choices: dict[str, list[str]]) -> Filters | None:
    """One filter bar for every dashboard page: period and member filters carried from page to page
    and kept in the address in language-independent words (period=last_90_days, start/end as ISO
    dates, end exclusive; channel, region, segment), so a link reads the same in any language and
    Back and Forward restore a view. Addresses of earlier versions are translated.

    A share link's view is fixed by what was signed: no widgets are drawn for it. Presentation mode
    draws them hidden (the address still decides). Returns None while a custom range is half picked.
    """
    today = clock.today_in(timezone)
    link = shared_link()
    if link is not None:
        try:
            filters = view_filters(link.query, timezone=timezone, today=today)
        except ValueError:
            st.error(t("share.refused.not_valid"))
            return None
        _caption(filters)
        return filters
    view = _wanted_view(today=today, timezone=timezone)
    _show_in_widgets(view, today=today, timezone=timezone)
    preset, filters = _widgets(today=today, timezone=timezone, choices=choices)
    if filters is None:
        return None
    _remember(view_query(filters, period=preset))
    st.session_state[VIEW_KEY.format(page=page)] = (preset, filters)
    if st.session_state.pop(BAD_ADDRESS, False):
        st.warning(t("filters.bad_address"), icon=":material/link_off:")
    _caption(filters)
    return filters


def show_days(filters: Filters, first: date, last: date) -> None:
    """Show the days `first` to `last` (a custom period) with the member filters of `filters`, from
    the next run on: the address and the view carried to the next page say so."""
    _remember(view_query(replace(filters, start=first, end=last + timedelta(days=1)), period="custom"))


def _wanted_view(*, today: date, timezone: str) -> dict[str, str]:
    """What this run shows: the address's view, else the view the last page showed, else the default."""
    asked = view_from_address(st.query_params.to_dict())
    if asked:
        try:
            view_filters(asked, timezone=timezone, today=today)
            return asked
        except ValueError:
            st.session_state[BAD_ADDRESS] = True
    return dict(st.session_state.get(SHOWN) or DEFAULT_VIEW)


def _show_in_widgets(view: dict[str, str], *, today: date, timezone: str) -> None:
    """Set the widgets to the view on every run: it may come from an address, Back, or another
    page, and another page's widgets are new ones to Streamlit (their state reads the same but is
    not theirs). A half-picked date range of the view the widgets themselves made is left alone."""
    filters = view_filters(view, timezone=timezone, today=today)
    wanted: dict[str, object] = {"period": view.get("period", DEFAULT_PRESET)}
    wanted |= {name: getattr(filters, name) for name in DIMENSIONS}
    if wanted["period"] == "custom":
        picking = view == st.session_state.get(SHOWN) and len(st.session_state.get(WIDGETS["dates"]) or ()) == 1
        if not picking:
            wanted["dates"] = (filters.start, filters.last)
    for name, value in wanted.items():
        st.session_state[WIDGETS[name]] = value


def _remember(view: dict[str, str]) -> None:
    """Keep the view for the next page and write it into the address, replacing older words."""
    st.session_state[SHOWN] = view
    current = st.query_params.to_dict()
    dropped = {*legacy_keys(current), *VIEW_FILTER_KEYS}
    wanted = {key: value for key, value in current.items() if key not in dropped} | view
    if wanted != current:  # one change of the address, so Back goes to the view before, not half of it
        st.query_params.from_dict(wanted)


def _widgets_changed(today: date, timezone: str) -> None:
    """A person changed a filter: the widgets' view becomes the one shown and the address's (a
    half-picked date range changes nothing yet). Choosing custom dates starts from the dates on
    screen."""
    state = st.session_state
    period = state[WIDGETS["period"]]

    dates = state.get(WIDGETS["dates"])
    if period == "custom" and not isinstance(dates, tuple):  # just switched to custom: the dates shown so far
        shown = view_filters(state.get(SHOWN) or {}, timezone=timezone, today=today)
        dates = state[WIDGETS["dates"]] = (shown.start, shown.last)
    span = _span(period, dates, today=today)
    if span is None:
        return
    chosen = {name: state.get(WIDGETS[name]) for name in DIMENSIONS}
    _remember(view_query(Filters(start=span[0], end=span[1], timezone=timezone, **chosen), period=period))


def _span(preset: str, dates: object, *, today: date) -> tuple[date, date] | None:
    """[start, end) of a preset, or of the picked dates for custom (None while half picked)."""
    if preset != "custom":
        return preset_period(preset, today=today)
    if not isinstance(dates, tuple) or len(dates) != 2:
        return None
    return dates[0], dates[1] + timedelta(days=1)


def _widgets(*, today: date, timezone: str, choices: dict[str, list[str]]) -> tuple[str, Filters | None]:
    """The filter widgets (in presentation mode they run, hidden, so the address still decides)."""
    bar = st.container(key=FILTERS_KEY)  # hidden while presenting (ui.presentation.STYLE)
    custom = st.session_state.get(WIDGETS["period"]) == "custom"
    columns = bar.columns([1.3, 1.6, 1, 1, 1] if custom else [1.3, 1, 1, 1])  # dates only when custom
    changed = _widgets_changed  # every widget's on_change, with (today, timezone)
    picked = None
    with columns[0]:
        preset = st.selectbox(
            t("filters.period"),
            PRESETS,
            format_func=lambda key: t(f"period.{key}"),
            key=WIDGETS["period"],
            on_change=changed,
            args=(today, timezone),
            placeholder=t("widget.choose"),
        )
    with columns[1] if custom else st.empty():
        if preset == "custom":
            picked = st.date_input(
                t("filters.dates"),
                value=(today - timedelta(days=28), today - timedelta(days=1)),  # a range; the view sets which
                min_value=EARLIEST,
                max_value=today,
                key=WIDGETS["dates"],
                on_change=changed,
                args=(today, timezone),
            )
        span = _span(preset, picked, today=today)
        if span is None:
            st.caption(t("filters.pick_end"))
            return preset, None
    selected: dict[str, str | None] = {}
    for column, dimension in zip(columns[-3:], DIMENSIONS, strict=True):
        with column:
            options = choices.get(dimension, [])
            if st.session_state.get(WIDGETS[dimension]) not in (None, *options):
                st.session_state[WIDGETS[dimension]] = None  # a value this data does not have
            selected[dimension] = st.selectbox(
                t(f"filters.{dimension}"),
                options,
                index=None,
                placeholder=t("filters.all"),
                key=WIDGETS[dimension],
                on_change=changed,
                args=(today, timezone),
            )
    return preset, Filters(start=span[0], end=span[1], timezone=timezone, **selected)


def _caption(filters: Filters) -> None:
    """The period, the one it is compared with, the member filters, and what a projector hides."""
    text = period(filters, dates_whole=True) + (f" · {scope(filters)}" if filters.selects_members else "")
    hidden = hidden_caption()
    with st.container(key=PERIOD_KEY):
        st.caption(plain(text) + (f"  \n{plain(hidden)}" if hidden else ""))
