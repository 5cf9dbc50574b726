"""The Goals & notes page's editors: a goal (KPI, days, target, whose members) and a note (title, days).

Each editor is given the goal or note to change (None to add one) and returns what the person saved
as keyword arguments for metrics.goals.add_goal/edit_goal or metrics.notes.add_note/edit_note, or
None. A percentage is typed in percent and kept as a share; a day range is shown with its last day
and kept with its exclusive end, as every period is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from metrics.filters import DIMENSIONS
from metrics.goals import Goal
from metrics.kpis import KPIS, SPECS, Format
from metrics.notes import TITLE_LIMIT, Note
from ui.i18n import t

DAY = timedelta(days=1)


def this_month(today: date) -> tuple[date, date]:
    """The month of `today`: its first day and the first day of the next."""
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _days(key: str, start: date, end: date) -> tuple[date | None, date | None]:
    """First and last day pickers side by side; the period as [first, last + 1 day) (None while a
    picker is cleared)."""
    left, right = st.columns(2)
    first = left.date_input(t("goals.field.first"), value=start, key=f"{key}_first", format="YYYY-MM-DD")
    last = right.date_input(t("goals.field.last"), value=end - DAY, key=f"{key}_last", format="YYYY-MM-DD")
    return first, None if last is None else last + DAY


def member_pickers(
    key: str, current: dict[str, str | None], choices: dict[str, list[str]], *, help: str
) -> dict[str, str | None]:
    """A channel, region and segment picker side by side, each "Whole community" or one value of the
    data (a value kept that the data no longer has stays offered); the values chosen."""
    members = {}
    for column, name in zip(st.columns(len(DIMENSIONS)), DIMENSIONS, strict=True):
        options = [None, *choices.get(name, [])]
        chosen = current.get(name)
        if chosen not in options:
            options.append(chosen)
        members[name] = column.selectbox(
            t(f"filters.{name}"),
            options,
            index=options.index(chosen),
            format_func=lambda option: t("goals.whole_community") if option is None else str(option),
            key=f"{key}_{name}",
            help=help,
            placeholder=t("widget.choose"),
        )
    return members


def goal_editor(goal: Goal | None, *, today: date, choices: dict[str, list[str]]) -> dict[str, Any] | None:
    """The editor of `goal` (None: a new one); what to save when the person presses Save."""
    key = f"goals_goal_{goal.id if goal else 'new'}"
    keys = [kpi.key for kpi in KPIS]
    kpi = st.selectbox(
        t("goals.field.kpi"),
        keys,
        index=keys.index(goal.kpi) if goal else keys.index("mau"),
        format_func=lambda name: t(f"kpi.{name}"),
        key=f"{key}_kpi",
        placeholder=t("widget.choose"),
    )
    shown = SPECS[kpi]
    st.caption(t(f"goals.direction.{shown.direction}"))
    start, end = (goal.start, goal.end) if goal else this_month(today)
    first, end = _days(key, start, end)
    percent = shown.format is Format.PERCENT
    whole = shown.format in (Format.COUNT, Format.SCORE)
    value = goal.target if goal and goal.kpi == kpi else None
    typed = st.number_input(
        t("goals.field.target_percent" if percent else "goals.field.target"),
        value=None if value is None else (value * 100 if percent else value),
        step=1.0 if whole or percent else 0.1,
        format="%.0f" if whole else "%.1f",
        key=f"{key}_target_{kpi}",
    )
    members = member_pickers(key, goal.members() if goal else {}, choices, help=t("goals.field.members_help"))
    ready = typed is not None and first is not None and end is not None
    if not st.button(t("goals.save"), type="primary", key=f"{key}_save", disabled=not ready):
        return None
    target = float(typed) / 100 if percent and typed is not None else typed
    return {"kpi": kpi, "start": first, "end": end, "target": target, **members}


def note_editor(note: Note | None, *, today: date) -> dict[str, Any] | None:
    """The editor of `note` (None: a new one, on today); what to save when the person presses Save."""
    key = f"goals_note_{note.id if note else 'new'}"
    title = st.text_input(
        t("goals.field.title"),
        value=note.title if note else "",
        max_chars=TITLE_LIMIT,
        placeholder=t("goals.field.title_placeholder"),
        key=f"{key}_title",
    )
    first, end = _days(key, note.start if note else today, note.end if note else today + DAY)
    ready = bool(title.strip()) and first is not None and end is not None
    if not st.button(t("goals.save"), type="primary", key=f"{key}_save", disabled=not ready):
        return None
    return {"title": title, "start": first, "end": end}
