"""The filter bar: period presets or custom dates, and member filters, all bound to the URL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from metrics.filters import Filters
from ui.i18n import t
from ui.presentation import FILTERS_KEY

PRESETS = ("last_28_days", "last_7_days", "last_90_days", "last_365_days", "this_month", "last_month", "custom")


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def preset_period(preset: str, *, today: date) -> tuple[date, date]:
    """[start, end) of a preset; periods end with yesterday, the last complete day."""
    if preset == "this_month":
        start = today.replace(day=1)
        return start, max(today, start + timedelta(days=1))
    if preset == "last_month":
        end = today.replace(day=1)
        return (end - timedelta(days=1)).replace(day=1), end
    days = {"last_7_days": 7, "last_28_days": 28, "last_90_days": 90, "last_365_days": 365}[preset]
    return today - timedelta(days=days), today


def recent_period(timezone: str) -> Filters:
    """The last 28 days, ending yesterday, in the community's time zone: what pages open with, and
    the period of the feedback inbox's figures."""
    start, end = preset_period("last_28_days", today=today_in(timezone))
    return Filters(start=start, end=end, timezone=timezone)


def filter_bar(*, page: str, timezone: str, choices: dict[str, list[str]]) -> Filters | None:
    """Draw the filters; the widget keys (prefixed by page) are the URL's query parameters.

    Returns None while a custom range is half picked.
    """
    today = today_in(timezone)
    bar = st.container(key=FILTERS_KEY)  # hidden in presentation mode; the address still decides
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
                return None
            start, end = picked[0], picked[1] + timedelta(days=1)
        else:
            start, end = preset_period(preset, today=today)
    selected: dict[str, str | None] = {}
    for column, dimension in zip(columns[2:], ("channel", "region", "segment"), strict=True):
        with column:
            selected[dimension] = st.selectbox(
                t(f"filters.{dimension}"),
                choices.get(dimension, []),
                index=None,
                placeholder=t("filters.all"),
                key=f"{page}_{dimension}",
                bind="query-params",
            )
    filters = Filters(start=start, end=end, timezone=timezone, **selected)
    previous = filters.previous()
    st.caption(
        t(
            "filters.caption",
            start=filters.start,
            last=filters.end - timedelta(days=1),
            timezone=timezone,
            previous_start=previous.start,
            previous_last=previous.end - timedelta(days=1),
        )
        + "".join(f" · {t(f'filters.{name}')}: {value}" for name, value in selected.items() if value)
    )
    return filters
