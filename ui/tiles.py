"""KPI tiles: the value, the change against the previous period, and the previous value. A change
is coloured only when it is clear (visuals.formats.describe_change); otherwise it is grey and the tooltip
says why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import streamlit as st

import clock
from metrics.filters import Filters
from metrics.goals import Progress
from metrics.kpi import Kpi
from metrics.kpis import spec
from ui.i18n import t
from ui.session import presenting
from ui.streamlit_internals import DeltaGenerator
from visuals.formats import describe_change, describe_goal, format_value
from visuals.text import NO_BREAK_SPACE, day

TILES_KEY = "pulse_tiles_"  # the container of a row of tiles, by its first KPI


def tile_columns(first: str, *, count: int) -> list[DeltaGenerator]:
    """`count` columns for a row of tiles named by its first, which go two to a row on a phone
    (ui.page.LAYOUT) where Streamlit would stack them one to a row."""
    return st.container(key=f"{TILES_KEY}{first}").columns(count)


def kpi_tiles(
    kpis: dict[str, Kpi],
    *,
    filters: Filters | None = None,
    per_row: int = 5,
    goals: Mapping[str, Progress] | None = None,
) -> None:
    """Tiles, `per_row` to a row; `filters` (the period shown) lets a tile know its period or a
    newcomer's 30 days are not over yet; a KPI with a goal (`goals`, ui.data.load_tile_goals) says
    under its tile how far along the goal is (on a projector, in it: its target and status)."""
    goals = goals or {}
    today = clock.today_in(filters.timezone) if filters is not None else None
    # On a projector the change alone: with the previous value too, a Chinese slide's tiles wrap
    # to a third line and the first screen no longer fits 1920×1080.
    brief = presenting()
    keys = list(kpis)
    if not keys:
        return
    box = st.container(key=f"{TILES_KEY}{keys[0]}")  # two to a row on a phone (ui.page.LAYOUT)
    for offset in range(0, len(keys), per_row):
        columns = box.columns(per_row)
        row = keys[offset : offset + per_row]
        height = row_height(row, goals=goals, brief=brief)
        for column, key in zip(columns, row, strict=False):
            kpi = kpis[key]
            change = describe_change(key, kpi, filters=filters, today=today, previous=not brief)
            shown = spec(key)  # metrics/kpis.py: its label, help and which way is good
            colour = "off" if change.tone == "neutral" else "inverse" if shown.lower_is_better else "normal"
            # On a projector a goal is said in its tile, briefly: a line under the tile made the
            # first screen 32 pixels taller than 1080.
            goal = describe_goal(goals[key], brief=True) if brief and key in goals else None
            said = [t(shown.help), change.why, _goal_days(goals[key]) if goal else None]
            column.metric(
                t(shown.label),
                format_value(key, kpi.current),
                delta=_last_words_together(change.text),
                delta_color=colour,
                delta_arrow="auto" if change.arrow else "off",
                delta_description=" · ".join(part for part in (change.mark, goal) if part) or None,
                help="\n\n".join(part for part in said if part),
                border=True,
                height=height,
            )
            if key in goals and not brief:
                _goal_line(column, goals[key])


def row_height(row: list[str], *, goals: Mapping[str, Progress], brief: bool) -> Literal["content", "stretch"]:
    """A row's tiles as tall as its tallest (a change on two lines), unless a goal's line under a
    tile makes its column taller than its tile: then its neighbours would end below it. (A brief
    tile, on a projector, says its goal in itself.)"""
    return "content" if not brief and any(key in goals for key in row) else "stretch"


def _last_words_together(change: str | None) -> str | None:
    """A change whose last two words stay on one line: a tile too narrow for the whole breaks
    before them ("0.0 个百分点 / （上期 21.3%）", "+1.5 pts / vs 20.0%"), not between them
    ("（上期 / 21.3%）"), by a no-break space. On screen only: the report's image font draws none."""
    if change is None or " " not in change:
        return change
    before, _, last = change.rpartition(" ")
    return f"{before}{NO_BREAK_SPACE}{last}"


def _goal_line(column: DeltaGenerator, progress: Progress) -> None:
    """'Goal 6,000 · 82.0% · on track · projected 6,400' under a tile, the goal's period in its tooltip."""
    column.caption(describe_goal(progress), help=_goal_days(progress))


def _goal_days(progress: Progress) -> str:
    return t("goal.help", first=day(progress.goal.start), last=day(progress.goal.last))
