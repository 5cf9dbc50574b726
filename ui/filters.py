"""The filter bar: period presets or custom dates, and member filters, all bound to the URL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from auth.share_links import NOT_VALID
from metrics.filters import DIMENSIONS, PRESETS, Filters, preset_period, view_filters
from ui.i18n import t
from ui.presentation import FILTERS_KEY, hidden_caption
from ui.session import shared_link
from ui.tables import plain


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def recent_period(timezone: str) -> Filters:
    """The last 28 days, ending yesterday, in the community's time zone: what pages open with, and
    the period of the feedback inbox's figures."""
    start, end = preset_period("last_28_days", today=today_in(timezone))
    return Filters(start=start, end=end, timezone=timezone)


VIEW_KEY = "pulse_view_{page}"  # (preset, Filters) of the page's last run: what the Share button keeps


def filter_bar(*, page: str, timezone: str, choices: dict[str, list[str]]) -> Filters | None:
    """Draw the filters; the widget keys (prefixed by page) are the URL's query parameters.

    A share link's view is fixed by what was signed and presentation mode shows no widgets: both
    read the view without drawing any. Returns None while a custom range is half picked.
    """
    today = today_in(timezone)
    link = shared_link()
    if link is not None:
        try:
            filters = view_filters(link.query, timezone=timezone, today=today)
        except ValueError:
            st.error(NOT_VALID)
            return None
        _caption(filters)
        return filters
    preset, filters = _widgets(page=page, today=today, timezone=timezone, choices=choices)
    if filters is None:
        return None
    st.session_state[VIEW_KEY.format(page=page)] = (preset, filters)
    _caption(filters)
    return filters


def _widgets(*, page: str, today: date, timezone: str, choices: dict[str, list[str]]) -> tuple[str, Filters | None]:
    """The filter widgets, bound to the address (in presentation mode they run, hidden, so the address
    still decides)."""
    bar = st.container(key=FILTERS_KEY)  # hidden while presenting (ui.presentation.STYLE)
    columns = bar.columns([1.3, 1.6, 1, 1, 1])
    with columns[0]:
        preset = st.selectbox(
            t("filters.period"),
            PRESETS,
            format_func=lambda key: t(f"period.{key}"),
            key=f"{page}_period",
            bind="query-params",
        )
    with columns[1]:
        default_start, default_end = preset_period("last_28_days", today=today)
        if preset == "custom":
            picked = st.date_input(
                t("filters.dates"),
                value=(default_start, default_end - timedelta(days=1)),
                max_value=today,
                key=f"{page}_dates",
                bind="query-params",
            )
            if not isinstance(picked, tuple) or len(picked) != 2:
                st.caption(t("filters.pick_end"))
                return preset, None
            start, end = picked[0], picked[1] + timedelta(days=1)
        else:
            start, end = preset_period(preset, today=today)
    selected: dict[str, str | None] = {}
    for column, dimension in zip(columns[2:], DIMENSIONS, strict=True):
        with column:
            selected[dimension] = st.selectbox(
                t(f"filters.{dimension}"),
                choices.get(dimension, []),
                index=None,
                placeholder=t("filters.all"),
                key=f"{page}_{dimension}",
                bind="query-params",
            )
    return preset, Filters(start=start, end=end, timezone=timezone, **selected)


def _caption(filters: Filters) -> None:
    """The period, the one it is compared with, the member filters, and what a projector hides."""
    previous = filters.previous()
    chosen = "".join(f" · {t(f'filters.{name}')}: {value}" for name in DIMENSIONS if (value := getattr(filters, name)))
    text = t(
        "filters.caption",
        start=filters.start,
        last=filters.last,
        timezone=filters.timezone,
        previous_start=previous.start,
        previous_last=previous.last,
    )
    hidden = hidden_caption()
    st.caption(plain(text + chosen) + (f"  \n{plain(hidden)}" if hidden else ""))
