"""The one clock: what time it is, for everything that stores, stamps or compares times.

Times are stored as naive UTC (docs/architecture.md), which `now()` gives; the community's days
start at its own midnight (`today_in`). Functions that need a fixed time in tests take `now=` (or
`today=`); otherwise a test monkeypatches `clock.now`, which every caller asks at call time
(`clock.now()`, never a copy imported by `from clock import now`), and the other helpers follow it.
Imports nothing of the project: every layer may use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """This moment in UTC, naive (as the stores keep times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC."""
    return now().date()


def now_in(zone: str) -> datetime:
    """This moment on the clocks of a time zone (aware)."""
    return now().replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def today_in(zone: str) -> date:
    """Today's date in a time zone (the community's: what "today" and "yesterday" mean there)."""
    return now_in(zone).date()
