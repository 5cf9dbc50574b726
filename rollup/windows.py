"""Which windows the rollup keeps in member_windows: those the kept views read on the day it is
built (the view a dashboard page opens with and the fixed periods next to it), so that they read
each member's figures over them instead of their member-days (metrics/member_periods.py).

A view's windows are the engagement level's: LEVEL_DAYS to the period's end, to its start, and to
SILENCE_DAYS before its end (metrics.levels.windows_read, which takes both numbers from here); the
kept views are the last KEPT_PERIOD_DAYS days, ending with yesterday, which the rollup, below
metrics, says again of metrics.filters.KEPT_PRESETS: tests/test_member_windows.py holds the windows
kept to those metrics reads for the kept views.
"""

from __future__ import annotations

from datetime import date, timedelta

LEVEL_DAYS = 90  # the engagement level's window (metrics.levels.LevelRules.window_days)
SILENCE_DAYS = 30  # a slipping champion has been silent this long (metrics.levels)
KEPT_PERIOD_DAYS = (28, 7, 90)  # metrics.filters.KEPT_PRESETS: the last 28, 7 and 90 days
EPOCH = date(1970, 1, 1)  # day numbers count from it, as metrics.filters.day_number does


def windows_to_keep(today: date) -> list[tuple[int, int]]:
    """The kept views' windows on `today` (the community's), as [start, end) day numbers, each once:
    the default view's first."""
    silent = today - timedelta(days=SILENCE_DAYS)
    ends = [last for days in KEPT_PERIOD_DAYS for last in (today, today - timedelta(days=days), silent)]
    return [((last - EPOCH).days - LEVEL_DAYS, (last - EPOCH).days) for last in dict.fromkeys(ends)]
