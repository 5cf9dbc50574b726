"""What a warehouse's rollup is (pulse_info: time zone, when built, version, windows and figures
kept), and the marks on each engine's dialect that tell `FromRollup` (metrics/member_days.py) whether
statements compiled for it may read the rollup's tables, `KeptWindow` (metrics/member_periods.py)
which windows member_windows holds and `Kept` (metrics/kept.py) what each kept figure's table holds
(campaign_results: campaigns; the Engagement page's: its period; lift_days: start days), and
`MemberRows` (metrics/profile.py) which tables' rows carry their member's key.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rollup.tables import (
    BUILT_AT_KEY,
    CAMPAIGNS_KEY,
    DIALECT_ATTRIBUTE,
    KEPT_ATTRIBUTES,
    KEPT_IN_PLACE,
    MEMBER_KEYED_ATTRIBUTE,
    MEMBER_KEYED_KEY,
    TIMEZONE_KEY,
    VERSION,
    VERSION_KEY,
    WINDOWS_ATTRIBUTE,
    WINDOWS_KEY,
    info,
)


def rollup_timezone(engine: Engine) -> str | None:
    """The time zone of this database's rollup, or None when it has none of this version."""
    state = rollup_state(engine)
    return state.get(TIMEZONE_KEY) if rollup_is_current(state) else None


def rollup_is_current(state: dict[str, str]) -> bool:
    """Whether a rollup (as rollup_state describes it) has the tables this version of metrics reads."""
    return state.get(VERSION_KEY) == VERSION


def rollup_state(engine: Engine) -> dict[str, str]:
    """What pulse_info says about the rollup (time zone, when built); {} when there is none."""
    try:
        with engine.connect() as connection:
            return {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}
    except sa.exc.DBAPIError:
        return {}


def kept_windows(state: dict[str, str]) -> frozenset[tuple[int, int]]:
    """The windows (start, end day numbers) member_windows holds, as rollup_state describes it."""
    return frozenset(windows_of(state)) if rollup_is_current(state) else frozenset()


def windows_of(state: dict[str, str]) -> list[tuple[int, int]]:
    """The windows pulse_info says member_windows holds (windows_text); none when they were written
    for another build of the rollup (one written since by a version that keeps no windows and left
    their row)."""
    built_at, _, text = state.get(WINDOWS_KEY, "").partition(" ")
    if built_at != state.get(BUILT_AT_KEY):
        return []
    pairs = [pair.split(":") for pair in text.split(",") if pair]
    return [(int(start), int(end)) for start, end in pairs]


def windows_text(built_at: str, windows: list[tuple[int, int]]) -> str:
    """How pulse_info keeps the windows of the rollup built at `built_at` (its BUILT_AT_KEY): that
    time, then "start:end" day numbers, by ","."""
    return f"{built_at} " + ",".join(f"{start}:{end}" for start, end in windows)


def kept_campaigns(state: dict[str, str]) -> frozenset[str]:
    """The campaigns (ids) campaign_results holds, as rollup_state describes it."""
    return kept_ids(state, CAMPAIGNS_KEY)


def kept_ids(state: dict[str, str], key: str) -> frozenset[str]:
    """What the kept figures of pulse_info's `key` hold (ids; kept_text), as rollup_state describes
    it: none when they were written for another build of the rollup, as windows_of says of windows."""
    if not rollup_is_current(state):
        return frozenset()
    built_at, _, text = state.get(key, "").partition(" ")
    if not text or built_at != state.get(BUILT_AT_KEY):
        return frozenset()
    return frozenset(json.loads(text))


def kept_text(built_at: str, ids: list[str]) -> str:
    """How pulse_info names what kept figures hold for the rollup built at `built_at`: that time,
    then their ids as a JSON list (an id may hold any character)."""
    return f"{built_at} {json.dumps(sorted(ids), ensure_ascii=False)}"


def member_keyed(state: dict[str, str]) -> frozenset[str]:
    """The canonical tables whose rows carry their member's key, as rollup_state describes it (a
    sync's build names them, by spaces: data_sources/keyed_rows.py)."""
    return frozenset(state.get(MEMBER_KEYED_KEY, "").split())


def mark_dialect(engine: Engine, *, built: bool) -> None:
    """Record on the engine's dialect what `marks` says of its rollup. Each engine has its own
    dialect and compiled-statement cache, so the marks and the cache agree."""
    for attribute, value in marks(rollup_state(engine), built=built).items():
        setattr(engine.dialect, attribute, value)


def marks(state: dict[str, str], *, built: bool) -> dict[str, object]:
    """What a dialect is marked with, by attribute, for a rollup as rollup_state describes it: which
    member_days table (if any) its statements may read (its zone), the windows member_windows holds
    and what each kept figure's table holds: on a warehouse sync `built` (whose every table comes
    from one read of the sources) all of them; in a database queried in place only those computed
    from the rollup alone (KEPT_IN_PLACE). Its campaigns, invitations and members change without
    the rollup, and their funnel is read live there. And the tables whose rows carry their member's
    key (only a sync's build has them)."""
    return {
        DIALECT_ATTRIBUTE: state.get(TIMEZONE_KEY) if rollup_is_current(state) else None,
        WINDOWS_ATTRIBUTE: kept_windows(state),
        MEMBER_KEYED_ATTRIBUTE: member_keyed(state) if built else frozenset(),
        **{
            attribute: kept_ids(state, key) if built or key in KEPT_IN_PLACE else frozenset()
            for key, attribute in KEPT_ATTRIBUTES.items()
        },
    }
