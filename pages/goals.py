"""Goals & notes, for managers: every goal with its progress (and who set it, for those who may see
email addresses), every note on the trend charts; select a row to edit or delete it (asked first),
or add one (docs/metrics.md, "Goals" and "Notes on the charts")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission
from metrics import goals, notes
from reports.display import goal_row
from ui import confirm, data
from ui.goal_forms import goal_editor, note_editor
from ui.i18n import t
from ui.page import data_errors_stop_the_page, open_page
from ui.presentation import presenting
from ui.session import current_user, may, who
from ui.tables import data_table, error_markdown, plain
from visuals.text import day

GOAL_COLUMNS = {
    "kpi": "column.kpi",
    "members": "column.for",
    "start": "column.first_day",
    "last": "column.last_day",
    "target": "column.target",
    "so_far": "column.so_far",
    "progress": "column.progress",
    "projected": "column.projected",
    "status": "column.goal_status",
}

settings, version = open_page("goals")
st.caption(t("goals.intro"))
store = data.app_store(settings.app_db_url)
today = clock.today_in(settings.timezone)
personal = may(Permission.PERSONAL_DATA)  # who set a goal or wrote a note is an email address
with data_errors_stop_the_page():
    kept = goals.list_goals(store)
    measured = [data.load_goal_progress(settings, version, goal, today) for goal in kept]
    written = notes.list_notes(store)
    choices = data.load_dimension_values(settings, version)


def change(action: Callable[..., object], values: dict[str, Any], *, done: str) -> None:
    """Save through `action` and start the page over with the change; a refusal is said here."""
    try:
        action(store, **values, by=current_user(), now=clock.now())
    except goals.GoalRefused as refused:
        st.error(error_markdown(refused))
        return
    st.toast(done, icon=":material/check:")
    st.rerun()


def listed(
    rows: pd.DataFrame, config: dict[str, Any], *, by: list[str], by_label: str, key: str, empty: str
) -> int | None:
    """A selectable table of goals or notes (who wrote each, for those who may see addresses); the
    selected row's position."""
    if rows.empty:
        st.info(empty)
        return None
    if personal:
        rows, config = rows.assign(by=by), config | {"by": by_label}
    row = data_table(
        rows, key=key, file_name="goals" if key == "goals_table" else "notes", column_config=config, selectable=True
    )
    st.caption(t("goals.pick"))
    return row


def editing(
    label: str,
    picked: Any,
    editor: Callable[[], dict[str, Any] | None],
    add: Callable[..., object],
    edit: Callable[..., object],
    *,
    key: str,
    done: str,
) -> None:
    """The editor in an expander (open while a row is selected): Save adds or changes, Delete asks.
    None on a projector, which shows the lists alone."""
    if presenting():
        return
    with st.expander(label, expanded=picked is not None):
        wanted = editor()
        if wanted is not None:
            saving = add if picked is None else lambda store, **values: edit(store, picked.id, **values)
            change(saving, wanted, done=done)
        if picked is not None and st.button(t("goals.delete"), key=f"{key}_button", icon=":material/delete:"):
            confirm.ask(key, picked.id)


st.subheader(t("goals.goals"))
rows = pd.DataFrame([goal_row(progress) for progress in measured], columns=list(GOAL_COLUMNS))
row = listed(
    rows,
    {name: t(label) for name, label in GOAL_COLUMNS.items()},
    by=[who(goal.created_by) for goal in kept],
    by_label=t("column.set_by"),
    key="goals_table",
    empty=t("goals.none"),
)
picked = None if row is None else kept[row]
editing(
    t("goals.edit") if picked else t("goals.add"),
    picked,
    lambda: goal_editor(picked, today=today, choices=choices),
    goals.add_goal,
    goals.edit_goal,
    key="goals_delete",
    done=t("goals.saved"),
)
if (goal := next((g for g in kept if g.id == confirm.pending("goals_delete")), None)) is not None:
    question = t("goals.confirm_delete", kpi=t(goal.spec.label), first=day(goal.start), last=day(goal.last))
    if confirm.confirmed("goals_delete", question, confirm=t("goals.delete")):
        goals.delete_goal(store, goal.id)
        st.toast(t("goals.deleted"), icon=":material/check:")
        st.rerun()

st.subheader(t("goals.notes"))
frame = pd.DataFrame(  # what a manager wrote, shown as text in a table
    [(day(note.start), day(note.last), note.title) for note in written], columns=["start", "last", "title"]
)
row = listed(
    frame,
    {"start": t("column.first_day"), "last": t("column.last_day"), "title": t("column.note")},
    by=[who(note.created_by) for note in written],
    by_label=t("column.written_by"),
    key="goals_notes_table",
    empty=t("goals.no_notes"),
)
chosen = None if row is None else written[row]
editing(
    t("goals.edit_note") if chosen else t("goals.add_note"),
    chosen,
    lambda: note_editor(chosen, today=today),
    notes.add_note,
    notes.edit_note,
    key="goals_delete_note",
    done=t("goals.note_saved"),
)
if (note := next((n for n in written if n.id == confirm.pending("goals_delete_note")), None)) is not None:
    question = t("goals.confirm_delete_note", title=plain(note.title))  # markdown: the title as text
    if confirm.confirmed("goals_delete_note", question, confirm=t("goals.delete")):
        notes.delete_note(store, note.id)
        st.toast(t("goals.note_deleted"), icon=":material/check:")
        st.rerun()
