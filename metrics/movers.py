"""What changed most: the channels, regions and segments whose active or new members moved most
against the previous period, so a manager sees where a change in the tiles comes from."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from metrics.retention import PERIODS

MIN_BASE = 5  # groups smaller than this in both periods are noise, not news


def active_by_dimension(profile: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Rows (value, current, previous): active members per value of a dimension in the period of
    an activity profile (metrics.retention.activity_profile_query) and the one before."""
    column = {PERIODS.index("current"): 0, PERIODS.index("previous"): 1}
    rows = zip(*(profile[name].tolist() for name in (dimension, "period", "members")), strict=True)
    return _by_value((value, column[period], members) for value, period, members in rows if period in column)


def new_by_dimension(current: pd.DataFrame, previous: pd.DataFrame, *, dimension: str) -> pd.DataFrame:
    """Rows (value, current, previous): members who joined in this period and in the previous one
    per value of the dimension, from each period's newcomer conversion counts
    (metrics.retention.newcomer_conversion_query: new members by channel, region and segment), which
    a page has for both periods already: no statement of its own."""
    return _by_value(
        (value, column, members)
        for column, frame in enumerate((current, previous))
        for value, members in zip(frame[dimension].tolist(), frame["new_members"].tolist(), strict=True)
    )


def _by_value(counted: Iterable[tuple[object, int, int]]) -> pd.DataFrame:
    """Rows (value, current, previous) summed from (value, 0 for current or 1 for previous, members),
    the members of no value under None. A few thousand rows at most: summed in Python, as pandas
    took 1-2 ms a dimension over Arrow text."""
    counts: dict[str | None, list[int]] = {}
    for value, column, members in counted:
        counts.setdefault(value if isinstance(value, str) else None, [0, 0])[column] += int(members)
    return pd.DataFrame([(value, *both) for value, both in counts.items()], columns=["value", "current", "previous"])


def top_movers(frames: dict[tuple[str, str], pd.DataFrame], *, limit: int = 5) -> pd.DataFrame:
    """Rows (measure, dimension, value, previous, current, change, change_pct), largest moves first,
    ties in the order of measure, dimension and value.

    `frames` maps (measure, dimension) to a frame of value/current/previous. Moves are ranked by
    absolute change; groups below MIN_BASE in both periods are left out, and so is the group of no
    value. A few dozen rows: ranked in Python, as pandas took 8 ms of the Overview's first change.
    """
    moves = []
    for (measure, dimension), frame in frames.items():
        for value, previous, current in zip(
            *(frame[name].tolist() for name in ("value", "previous", "current")), strict=True
        ):
            before, now = int(previous), int(current)
            if isinstance(value, str) and (now >= MIN_BASE or before >= MIN_BASE) and now != before:
                moves.append((measure, dimension, value, before, now))
    moves.sort(key=lambda move: (-abs(move[4] - move[3]), *move[:3]))  # the largest change, then by name
    rows = []
    for measure, dimension, value, before, now in moves[:limit]:
        change = now - before
        rows.append((measure, dimension, value, before, now, change, change / before if before > 0 else math.nan))
    columns = ["measure", "dimension", "value", "previous", "current", "change", "change_pct"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"previous": "int64", "current": "int64", "change": "int64", "change_pct": "float64"}
    )
