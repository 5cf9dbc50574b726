"""When a digest is due: its slots are local moments (a weekday or a day of the month at a time of day
in the community's time zone), turned into UTC through zoneinfo day by day, so a change to or from
daylight saving time moves the UTC moment and never the local one.

A local time that does not exist on a day (the hour skipped when clocks go forward) is read as
zoneinfo reads it, with the offset before the change: 02:30 becomes 03:30 local. A time that occurs
twice (the hour repeated when clocks go back) is the first of the two.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from metrics.filters import Filters, preset_period

CADENCES = ("weekly", "monthly")
PERIOD_OF = {"weekly": "last_7_days", "monthly": "last_month"}  # the view's period preset (metrics/filters.py)
SEARCH_DAYS = 62  # every cadence has a slot within two months of any day


@dataclass(frozen=True)
class Schedule:
    """Weekly on `weekday` (0 Monday … 6 Sunday) or monthly on `day_of_month` (1-31; the month's last
    day when it is shorter), at `at` in `timezone`."""

    cadence: str
    at: time
    timezone: str
    weekday: int | None = None
    day_of_month: int | None = None

    def falls_on(self, day: date) -> bool:
        """Whether the schedule sends on this local day."""
        if self.cadence == "weekly":
            return day.weekday() == self.weekday
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(self.day_of_month or 1, last)

    def slot(self, day: date) -> datetime:
        """The day's sending moment as naive UTC (how the stores keep times)."""
        local = datetime.combine(day, self.at, ZoneInfo(self.timezone))
        return local.astimezone(UTC).replace(tzinfo=None)

    def local_day(self, moment: datetime) -> date:
        """The local day of a naive UTC moment."""
        return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(self.timezone)).date()

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment` (naive UTC)."""
        first = self.local_day(moment) - timedelta(days=1)  # a slot's UTC day may be the local day before
        for offset in range(SEARCH_DAYS + 2):
            day = first + timedelta(days=offset)
            if self.falls_on(day) and self.slot(day) > moment:
                return self.slot(day)
        raise AssertionError(f"no slot within {SEARCH_DAYS} days of {moment}: {self}")

    def latest_until(self, moment: datetime) -> datetime:
        """The last slot at or before `moment` (naive UTC)."""
        last = self.local_day(moment) + timedelta(days=1)
        for offset in range(SEARCH_DAYS + 2):
            day = last - timedelta(days=offset)
            if self.falls_on(day) and self.slot(day) <= moment:
                return self.slot(day)
        raise AssertionError(f"no slot within {SEARCH_DAYS} days of {moment}: {self}")

    def due(self, *, since: datetime, now: datetime) -> datetime | None:
        """The slot to send now, when one came after `since` (the last slot queued, or when the digest
        was made) and not after `now`: the latest such slot, so slots missed while no server ran
        are sent once, not once each. None when nothing is due."""
        if self.next_after(since) > now:
            return None
        return self.latest_until(now)

    def period(self, slot: datetime, *, channel: str | None, region: str | None, segment: str | None) -> Filters:
        """The view a slot reports on: the cadence's period on the slot's local day (the last 7 days,
        or last month), with the digest's member filters."""
        start, end = preset_period(PERIOD_OF[self.cadence], today=self.local_day(slot))
        return Filters(start=start, end=end, channel=channel, region=region, segment=segment, timezone=self.timezone)
