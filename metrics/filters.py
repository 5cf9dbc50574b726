"""What a view asks for: a half-open period in the community's time zone, and member filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

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


def with_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Replace day numbers in `columns` by dates (None stays None), for charts, tables and exports."""
    return frame.assign(
        **{name: [None if pd.isna(n) else from_day_number(int(n)) for n in frame[name]] for name in columns}
    )
