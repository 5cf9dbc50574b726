"""What a view asks for: a half-open period in the community's time zone, and member filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

import clock
from engines import EPOCH


@dataclass(frozen=True)
class Filters:
    """The period [start, end) in local days, and optional channel/region/segment of members."""

    start: date
    end: date
    channel: str | None = None
    region: str | None = None
    segment: str | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"The period must end after it starts (start {self.start}, end {self.end}).")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last(self) -> date:
        """The period's last day (end is exclusive)."""
        return self.end - timedelta(days=1)

    def previous(self) -> Filters:
        """The same-length period just before this one, with the same member filters."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start)

    def utc(self, day: date) -> datetime:
        """Local midnight of `day` as naive UTC, the form timestamps are stored in."""
        local = datetime.combine(day, datetime.min.time(), ZoneInfo(self.timezone))
        return local.astimezone(UTC).replace(tzinfo=None)

    def local_date(self, stamp: datetime) -> date:
        """The local day of a stored (naive UTC) timestamp."""
        return stamp.replace(tzinfo=UTC).astimezone(ZoneInfo(self.timezone)).date()

    @property
    def start_utc(self) -> datetime:
        return self.utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return self.utc(self.end)

    @property
    def selects_members(self) -> bool:
        """True when a channel, region or segment narrows the members counted."""
        return any((self.channel, self.region, self.segment))

    def all_members(self) -> Filters:
        """The same period without member filters."""
        return replace(self, channel=None, region=None, segment=None)

    def at_its_end(self) -> Filters:
        """The period's last day alone, the member filters kept: the cache key of figures that
        depend only on where a period ends (the cohort grid, the slipping champions), so that
        periods ending on the same day (every "last N days") share them."""
        return replace(self, start=self.last)


# Period presets, in the order the filter bar offers them. "So far" presets end with today (its
# activity after the last sync, its survey answers and feedback as they arrive); the others end
# with yesterday, the last complete day.
PRESETS = (
    "last_28_days",
    "last_7_days",
    "last_90_days",
    "last_365_days",
    "today",
    "this_week",
    "this_month",
    "last_month",
    "custom",
)
DEFAULT_PRESET = "last_28_days"
# The periods whose views the rollup keeps figures of as it is built (metrics/kept.py): the default
# and the fixed presets next to it, so that a page's first change of period reads them too. Not the
# last 365 days (at a million members its Engagement figures alone add 3-5 s to a sync, and a year is
# read seldom) nor last month; the "so far" periods change all day.
KEPT_PRESETS = (DEFAULT_PRESET, "last_7_days", "last_90_days")
EARLIEST = date(2000, 1, 1)  # the first day a custom period may start on (the picker offers no earlier)
DIMENSIONS = ("channel", "region", "segment")
VIEW_FILTER_KEYS = ("period", "start", "end", *DIMENSIONS)  # a view's words in an address
# The filter widgets of earlier versions kept their state in the address as "<page>_<name>", the
# period by its English label; links made then still open with what they showed.
LEGACY_PAGES = ("overview", "members", "engagement", "campaigns", "surveys")
LEGACY_PERIODS = {
    "Last 7 days": "last_7_days",
    "Last 28 days": "last_28_days",
    "Last 90 days": "last_90_days",
    "Last 365 days": "last_365_days",
    "This month so far": "this_month",
    "Last month": "last_month",
    "Custom dates": "custom",
    "Custom": "custom",
}


def preset_period(preset: str, *, today: date) -> tuple[date, date]:
    """[start, end) of a preset on `today`: "so far" presets include today, the others end with
    yesterday. The previous period (Filters.previous) is as many days just before, so a partial
    period is compared with the same number of days."""
    if preset == "today":
        return today, today + timedelta(days=1)
    if preset == "this_week":  # weeks start on Monday
        return today - timedelta(days=today.weekday()), today + timedelta(days=1)
    if preset == "this_month":
        return today.replace(day=1), today + timedelta(days=1)
    if preset == "last_month":
        end = today.replace(day=1)
        return (end - timedelta(days=1)).replace(day=1), end
    days = {"last_7_days": 7, "last_28_days": 28, "last_90_days": 90, "last_365_days": 365}[preset]
    return today - timedelta(days=days), today


def default_view(timezone: str) -> Filters:
    """What a dashboard page opens with today in `timezone`: the filter bar's default period (the
    last 28 days, ending with yesterday), no member filter."""
    start, end = preset_period(DEFAULT_PRESET, today=clock.today_in(timezone))
    return Filters(start=start, end=end, timezone=timezone)


def kept_views(timezone: str) -> list[Filters]:
    """The views over KEPT_PRESETS today in `timezone`, no member filter: those whose figures the
    rollup keeps (by member combination, so any member filter on them reads them too)."""
    today = clock.today_in(timezone)
    return [
        Filters(start=start, end=end, timezone=timezone)
        for start, end in (preset_period(preset, today=today) for preset in KEPT_PRESETS)
    ]


def view_from_address(query: Mapping[str, str]) -> dict[str, str]:
    """The view an address names, in VIEW_FILTER_KEYS ({} when it names none); the parameters of
    earlier versions ("<page>_period=Last 90 days", "<page>_dates=2025-03-01--2025-03-07",
    "<page>_region=EU") are translated. Values are not checked here: view_filters does."""
    view = {key: str(query[key]) for key in VIEW_FILTER_KEYS if query.get(key)}
    for page in LEGACY_PAGES:
        legacy = {
            name: str(query[f"{page}_{name}"])
            for name in ("period", "dates", *DIMENSIONS)
            if query.get(f"{page}_{name}")
        }
        for name in DIMENSIONS:
            if name in legacy:
                view.setdefault(name, legacy[name])
        if "period" in view or not legacy.keys() & {"period", "dates"}:
            continue
        first, _, last = legacy.get("dates", "").partition("--")
        if legacy.get("period", "Custom dates") in ("Custom dates", "Custom") and first and last:
            try:
                end = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
            except (ValueError, OverflowError):  # 9999-12-31 has no day after
                end = ""
            view |= {"period": "custom", "start": first, "end": end}
        elif legacy.get("period") in LEGACY_PERIODS:
            view["period"] = LEGACY_PERIODS[legacy["period"]]
    return view


def legacy_keys(query: Mapping[str, str]) -> list[str]:
    """The earlier versions' filter parameters in an address (to drop once translated)."""
    names = ("period", "dates", *DIMENSIONS)
    return [f"{page}_{name}" for page in LEGACY_PAGES for name in names if f"{page}_{name}" in query]


def view_query(filters: Filters, *, period: str) -> dict[str, str]:
    """A view in language-independent words, as a share link keeps it: a rolling preset
    (`period=last_28_days`, its dates follow the day the link is opened) or fixed dates
    (`period=custom`, `start`, `end` exclusive, ISO), and the member filters that are set."""
    if period not in PRESETS:
        raise ValueError(f"Unknown period {period!r}; one of {', '.join(PRESETS)}.")
    view = {"period": period}
    if period == "custom":
        view |= {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    return view | {name: value for name in DIMENSIONS if (value := getattr(filters, name))}


def view_filters(view: Mapping[str, str], *, timezone: str, today: date) -> Filters:
    """The Filters a view stands for on `today` (raises ValueError for a view that is not well formed)."""
    period = view.get("period", DEFAULT_PRESET)
    if period not in PRESETS:
        raise ValueError(f"Unknown period {period!r}.")
    if period == "custom":
        start, end = date.fromisoformat(view.get("start", "")), date.fromisoformat(view.get("end", ""))
        if start < EARLIEST or end > today + timedelta(days=1):
            raise ValueError(f"Dates from {EARLIEST} up to today, not {start} to {end}.")
    else:
        start, end = preset_period(period, today=today)
    return Filters(start=start, end=end, timezone=timezone, **{name: view.get(name) or None for name in DIMENSIONS})


def day_number(day: date) -> int:
    """Days since 1970-01-01: the integer day that metrics/sql.local_day computes in SQL."""
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def month_number(day: date) -> int:
    """Months since January 1970: the integer month that metrics/sql.month_of computes in SQL."""
    return (day.year - 1970) * 12 + day.month - 1


def from_month_number(number: int) -> date:
    """The first day of a month number."""
    return date(1970 + int(number) // 12, int(number) % 12 + 1, 1)


def narrowed(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of `frame` (with channel, region and segment columns) that the filters' member
    filters keep, as metrics.sql.member_conditions keeps members: every dimension named (an empty
    value names none, as there) equal, so a row without a value there is dropped. For figures whose
    rows for a filtered view are rows of the view without filters (the activity profile, grouped by
    these columns; a whole list of members): a first change of filter then needs no query."""
    keep = pd.Series(True, index=frame.index)
    for name in DIMENSIONS:
        if value := getattr(filters, name):
            keep &= frame[name] == value
    return frame[keep].reset_index(drop=True)


def with_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Replace day numbers in `columns` by dates (None stays None), for charts, tables and exports."""
    dated: dict[str, Any] = {  # lists of dates and None (Any: pandas' stubs refuse None in a list)
        name: [None if pd.isna(n) else from_day_number(int(n)) for n in frame[name]] for name in columns
    }
    return frame.assign(**dated)
