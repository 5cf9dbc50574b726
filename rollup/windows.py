"""Which windows the rollup keeps in member_windows: those the default view reads on the day it is
built, so that the view a dashboard page opens with reads each member's figures over them instead of
their member-days (metrics/member_periods.py).

The view's windows are the engagement level's: LEVEL_DAYS to the period's end, to its start, and to
SILENCE_DAYS before its end (metrics.levels.windows_read, which takes both numbers from here); the
default view is the last DEFAULT_PERIOD_DAYS days, ending with yesterday, which the rollup, below
metrics, says again of metrics.filters.DEFAULT_PRESET: tests/test_member_windows.py holds the
windows kept to those metrics reads for the default view.
"""

from __future__ import annotations

from datetime import date, timedelta

LEVEL_DAYS = 90  # the engagement level's window (metrics.levels.LevelRules.window_days)
SILENCE_DAYS = 30  # a slipping champion has been silent this long (metrics.levels)
DEFAULT_PERIOD_DAYS = 28  # metrics.filters.DEFAULT_PRESET, "last_28_days"
EPOCH = date(1970, 1, 1)  # day numbers count from it, as metrics.filters.day_number does


def windows_to_keep(today: date) -> list[tuple[int, int]]:
    """The default view's windows on `today` (the community's), as [start, end) day numbers."""
    start, end = today - timedelta(days=DEFAULT_PERIOD_DAYS), today
    ends = [end, start, end - timedelta(days=SILENCE_DAYS)]
    return [((last - EPOCH).days - LEVEL_DAYS, (last - EPOCH).days) for last in ends]
