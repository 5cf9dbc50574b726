"""Response targets in the inbox (feedback/targets.py): the time left or overdue in words, the list's
Due column (coloured only when late or due within a day), the item panel's badge, and the view where
a manager sets each priority's targets."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from feedback import targets, workflow
from feedback.targets import FIRST_RESPONSE, Due, Target, Targets
from store.database import AppStore, StoreError
from ui.i18n import current_language, speaking, t
from ui.inbox.labels import priority_label
from ui.outage import app_store_failed
from ui.session import who
from ui.tables import MISSING, error_markdown, moment
from visuals import text
from visuals.charts import LATE_TEXT, SOON_TEXT

DUE = "due_hours"  # the inbox frame's column of hours left (negative: overdue), shown as "Due"


def span(hours: float, *, short: bool = False) -> str:
    """A length of time as people say it, rounded down: 35 min, 5 h (under two days), 3 days (3 d
    when `short`, for a table's cell)."""
    hours = abs(hours)
    if hours < 1:
        return t("feedback.due.minutes", value=text.number(max(1, math.ceil(hours * 60))))
    if hours < 48:
        return t("feedback.due.hours", value=text.number(math.floor(hours)))
    return t("unit.days" if short else "feedback.due.days", value=text.number(math.floor(hours / 24)))


def due_cell(hours: float) -> str:
    """The Due column's words: "in 5 h", "2 d overdue"; none for a closed item."""
    if hours is None or pd.isna(hours):
        return MISSING
    time = span(hours, short=True)
    return t("feedback.due.in", time=time) if hours >= 0 else t("feedback.due.late", time=time)


def due_colour(hours: float) -> str:
    """The Due cell's colour: red once late, amber within BREACHING_HOURS, else the table's ink."""
    if hours is None or pd.isna(hours):
        return ""
    if hours < 0:
        return f"color: {LATE_TEXT}; font-weight: 600"
    if hours <= targets.BREACHING_HOURS:
        return f"color: {SOON_TEXT}; font-weight: 600"
    return ""


def styled(frame: pd.DataFrame) -> Any:
    """The list with its Due column in words and colours; the cells keep the hours, so a click on
    the column's header sorts by them (the most overdue first)."""
    if DUE not in frame:
        return frame
    language = current_language()  # read once, not from the session on every cell

    def words(hours: float) -> str:
        with speaking(language):
            return due_cell(hours)

    return frame.style.format(words, subset=[DUE], na_rep=MISSING).map(due_colour, subset=[DUE])


def due_column() -> object:
    return st.column_config.Column(t("feedback.column.due"), help=t("feedback.column.due_help"), alignment="left")


def due_badge(due: Due | None) -> None:
    """The item panel's line: "First response due in 3 h", "Resolution overdue by 2 days"."""
    if due is None:
        return
    which = "first_response" if due.target == FIRST_RESPONSE else "resolution"
    if due.overdue:
        label, colour, icon = t(f"feedback.due.{which}_late", time=span(due.hours_left)), "red", ":material/alarm:"
    elif due.breaching:
        label, colour, icon = t(f"feedback.due.{which}_in", time=span(due.hours_left)), "orange", ":material/schedule:"
    else:
        label, colour, icon = t(f"feedback.due.{which}_in", time=span(due.hours_left)), "gray", ":material/schedule:"
    st.badge(label, icon=icon, color=colour, help=t("feedback.due.help", when=moment(due.due_at)))


def item_due(item: pd.Series, current: Targets, *, now: datetime) -> Due | None:
    return targets.next_due(
        created_at=item["created_at"],
        first_response_at=item["first_response_at"],
        status=str(item["status"]),
        priority=item["priority"],
        targets=current,
        now=now,
    )


def read(store: AppStore) -> Targets:
    """The targets in force, read fresh (four rows): a change shows on the next run."""
    return targets.read_targets(store)


def _hours(cell: object) -> int:
    return 0 if cell is None or pd.isna(cell) else int(cell)  # type: ignore[call-overload]


def targets_view(store: AppStore, *, actor: str, now: datetime) -> None:
    """Each priority's targets, in hours, for a manager to change; saved with who and when."""
    current = read(store)
    st.caption(t("feedback.targets.help", soon=targets.BREACHING_HOURS))
    priorities = list(reversed(workflow.PRIORITIES))  # urgent first
    frame = pd.DataFrame(
        {
            "priority": [priority_label(p) for p in priorities],
            "first_response_hours": [current.by_priority[p].first_response_hours for p in priorities],
            "resolution_hours": [current.by_priority[p].resolution_hours for p in priorities],
            "changed": [
                t("feedback.targets.changed", who=who(current.changed_by[p]), when=moment(current.changed_at[p]))
                if p in current.changed_by
                else t("feedback.targets.default")
                for p in priorities
            ],
        }
    )
    hours = {"min_value": 1, "max_value": targets.MAX_HOURS, "step": 1, "required": True, "format": "%d"}
    with st.form("feedback_targets"):
        edited = st.data_editor(
            frame,
            key="feedback_targets_editor",
            hide_index=True,
            disabled=["priority", "changed"],
            column_config={
                "priority": st.column_config.TextColumn(t("feedback.filter.priority")),
                "first_response_hours": st.column_config.NumberColumn(
                    t("feedback.targets.first_response"), help=t("feedback.targets.first_response_help"), **hours
                ),
                "resolution_hours": st.column_config.NumberColumn(
                    t("feedback.targets.resolution"), help=t("feedback.targets.resolution_help"), **hours
                ),
                "changed": st.column_config.TextColumn(t("feedback.targets.changed_column")),
            },
        )
        saved = st.form_submit_button(t("feedback.targets.save"), type="primary")
    if not saved:
        return
    wanted = {  # an emptied cell is 0 hours, which the check refuses
        priority: Target(_hours(first), _hours(resolution))
        for priority, first, resolution in zip(
            priorities, edited["first_response_hours"], edited["resolution_hours"], strict=True
        )
    }
    try:
        changed = targets.save_targets(store, wanted, actor=actor, now=now)
    except targets.TargetRefused as error:
        st.error(error_markdown(error), icon=":material/error:")
        return
    except StoreError:
        app_store_failed()
        return
    st.session_state["feedback_saved"] = t("feedback.targets.saved", count=len(changed))
    st.rerun()
