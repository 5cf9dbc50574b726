"""What a warehouse's rollup is (pulse_info: time zone, when built, version), and the mark on each
engine's dialect that tells `FromRollup` (metrics/member_days.py) whether statements compiled for it
may read the rollup's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rollup.tables import DIALECT_ATTRIBUTE, TIMEZONE_KEY, VERSION, VERSION_KEY, info


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


def mark_dialect(engine: Engine) -> None:
    """Record on the engine's dialect which member_days table (if any) its statements may read.
    Each engine has its own dialect and compiled-statement cache, so the mark and the cache agree."""
    setattr(engine.dialect, DIALECT_ATTRIBUTE, rollup_timezone(engine))
