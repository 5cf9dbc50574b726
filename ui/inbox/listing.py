"""The inbox list: its filter bar (bound to the URL), its columns, the frame it shows, and the
edits a manager made in its bulk editor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from feedback import inbox, workflow
from feedback.inbox import InboxChoices, InboxFilters
from feedback.workflow import Edit
from metrics.levels import LEVELS
from ui.address import count_in_address
from ui.i18n import t
from ui.inbox import INBOX_FILTERS_KEY
from ui.inbox.labels import level_label, priority_label, sentiment_word, source_word, status_label, theme_word
from ui.inbox.targets import DUE, due_cell, due_column
from ui.selection import choice_changed, choice_key, choices_key, text_key

EDITABLE_COLUMNS = ("status", "priority", "assignee", "tags")
# Under "More filters":
MORE_FILTERS = ("theme", "tag", "sentiment", "score_band", "received", "segment", "level", "older")
MORE_OPEN = "feedback_more_filters"  # the expander's state: open, its menus are built


def inbox_filter_bar(
    *, choices: InboxChoices, dimensions: dict[str, list[str]], me: str, today: date, timezone: str
) -> InboxFilters:
    """Every inbox filter, each kept in the address (ui.selection) so the address reproduces the
    view. Codes, never the words shown, go into it, so a link reads the same in every language;
    data values (names, tags, segments, a team's own themes) go in as they are. `me` is who is
    looking (the assignee filter's "Me")."""
    first = st.container(key=INBOX_FILTERS_KEY).columns([1.3, 2.6, 1.1, 1.1, 1.2])  # room for the four open statuses
    search = first[0].text_input(
        t("feedback.search"),
        placeholder=t("feedback.search_hint"),
        key=text_key("feedback_q"),
        on_change=choice_changed,
        args=("feedback_q",),
    )
    statuses = first[1].multiselect(
        t("feedback.filter.status"),
        workflow.STATUSES,
        placeholder=t("filters.all"),
        format_func=status_label,
        key=choices_key("feedback_status", workflow.STATUSES, default=workflow.OPEN),
        on_change=choice_changed,
        args=("feedback_status",),
    )
    priorities = first[2].multiselect(
        t("feedback.filter.priority"),
        workflow.PRIORITIES,
        placeholder=t("filters.all"),
        format_func=priority_label,
        key=choices_key("feedback_priority", workflow.PRIORITIES),
        on_change=choice_changed,
        args=("feedback_priority",),
    )
    if st.query_params.get("feedback_assignee") == "(unassigned)":  # an address of an earlier version
        st.query_params["feedback_assignee"] = inbox.UNASSIGNED
    assignees = [inbox.ME, inbox.UNASSIGNED, *choices.assignees]
    assignee = first[3].selectbox(
        t("feedback.filter.assignee"),
        assignees,
        index=None,  # clearable: back to everyone
        placeholder=t("filters.all"),
        format_func=assignee_word,
        key=choice_key("feedback_assignee", assignees, default=None),
        on_change=choice_changed,
        args=("feedback_assignee",),
    )
    sort = first[4].selectbox(
        t("feedback.sort"),
        inbox.SORTS,
        format_func=lambda s: t(f"feedback.sort.{s}"),
        key=choice_key("feedback_sort", inbox.SORTS, default=inbox.SORTS[0]),
        on_change=choice_changed,
        args=("feedback_sort",),
        placeholder=t("widget.choose"),
    )
    # The narrower filters fold away (on a phone they would push the list and the item a screen down);
    # open when the address sets one, and the label says how many are on. Folded, they are not
    # built at all (eight menus fewer to draw on every opening of the inbox): their values are read
    # from the address, which is where an open menu keeps them too.
    more = [f"feedback_{name}" for name in MORE_FILTERS]
    on = sum(1 for key in more if st.query_params.get(key) not in (None, "", "0"))
    label = t("feedback.more_filters.on", count=on) if on else t("feedback.more_filters")
    # The label and `expanded` are part of the expander's identity: carrying its last state keeps it
    # open when the count in its label changes under a person's hand (the last filter cleared).
    was_open = bool(st.session_state.get(MORE_OPEN))
    folded = st.expander(label, expanded=bool(on) or was_open, key=MORE_OPEN, on_change="rerun")
    menus = [
        ("theme", choices.themes, theme_word),
        ("tag", choices.tags, str),
        ("sentiment", inbox.SENTIMENTS, lambda s: t(f"feedback.sentiment.{s}")),
        ("score_band", inbox.SCORE_BANDS, lambda b: t(f"feedback.band.{b}")),
        ("received", inbox.RECEIVED, lambda r: t(f"feedback.received.{r}")),
        ("segment", dimensions.get("segment", []), str),
        ("level", list(LEVELS), level_label),
    ]
    older_key = "pulse_choice_feedback_older"
    st.session_state[older_key] = count_in_address("feedback_older", maximum=inbox.MAX_AGE_DAYS)
    picked: dict[str, Any] = {}
    if not folded.open:
        for name, options, _ in menus:
            picked[name] = st.session_state[choice_key(f"feedback_{name}", options, default=None)]
        older = st.session_state[older_key]
    else:
        second = [*folded.columns(4), *folded.columns(4)]
        for column, (name, options, word) in zip(second, menus, strict=False):
            picked[name] = column.selectbox(
                t(f"feedback.filter.{name}"),
                options,
                index=None,  # clearable: back to "All"
                placeholder=t("filters.all"),
                format_func=word,
                key=choice_key(f"feedback_{name}", options, default=None),
                on_change=choice_changed,
                args=(f"feedback_{name}",),
            )
        older = second[len(menus)].number_input(
            t("feedback.filter.older_than"),
            min_value=0,
            max_value=inbox.MAX_AGE_DAYS,
            step=1,
            key=older_key,
            on_change=_older_changed,
        )
    received = picked.pop("received")
    return InboxFilters(
        statuses=tuple(statuses),
        priorities=tuple(priorities),
        assignee=me if assignee == inbox.ME else assignee,
        search=search.strip() or None,
        sort=sort or "age",
        older_than_days=int(older) or None,
        received_since=inbox.received_since(received, today=today, timezone=timezone) if received else None,
        **picked,
    )


def _older_changed() -> None:
    """The "older than" number into the address; 0 (no filter) leaves it out."""
    days = st.session_state.get("pulse_choice_feedback_older") or 0
    if days:
        st.query_params["feedback_older"] = str(int(days))
    else:
        st.query_params.pop("feedback_older", None)


def assignee_word(assignee: str) -> str:
    """The assignee filter's options: its two codes in words, names as they are."""
    if assignee == inbox.ME:
        return t("feedback.assignee.me")
    if assignee == inbox.UNASSIGNED:
        return t("feedback.nobody")
    return assignee


def inbox_columns(*, editing: bool, choices: InboxChoices, wide: bool = False) -> dict[str, object]:
    """The list's columns; the feedback's text is wide in the editor and in a list with the page's
    width (`wide`: no item open beside it)."""
    config: dict[str, object] = {
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "age_days": st.column_config.NumberColumn(
            t("feedback.column.age"), format=t("unit.days_format"), width="small"
        ),
        DUE: due_column(),
        "text": st.column_config.TextColumn(t("feedback.column.text"), width="large" if editing or wide else "medium"),
        "theme": st.column_config.TextColumn(t("feedback.column.theme"), help=t("column.no_theme")),
        "mood": st.column_config.TextColumn(t("feedback.column.sentiment"), help=t("column.no_sentiment")),
        "score": st.column_config.NumberColumn(
            t("feedback.column.score"), format="%g", width="small", help=t("column.no_score")
        ),
        "segment": st.column_config.TextColumn(t("filters.segment"), help=t("column.anonymous")),
        "level": st.column_config.TextColumn(t("feedback.filter.level"), help=t("column.anonymous")),
        "duplicates": st.column_config.NumberColumn(t("feedback.column.duplicates"), width="small"),
        "member_id": st.column_config.TextColumn(t("column.member_id"), help=t("column.anonymous")),
        "source": t("feedback.column.source"),
    }
    statuses = dict(
        status=st.column_config.SelectboxColumn(
            t("feedback.filter.status"), options=workflow.STATUSES, format_func=status_label, required=True
        ),
        priority=st.column_config.SelectboxColumn(
            t("feedback.filter.priority"),
            options=workflow.PRIORITIES,
            format_func=priority_label,
        ),
        assignee=st.column_config.TextColumn(
            t("feedback.filter.assignee"), max_chars=workflow.MAX_NAME, help=t("column.no_assignee")
        ),
        tags=st.column_config.MultiselectColumn(
            t("feedback.column.tags"), options=choices.tags, accept_new_options=True
        ),
    )
    if editing:  # the editor shows the Due column as words (read-only there, without colours)
        config[DUE] = st.column_config.TextColumn(t("feedback.column.due"), help=t("feedback.column.due_help"))
    if not editing:
        statuses["status"] = st.column_config.TextColumn(t("feedback.filter.status"))
        statuses["priority"] = st.column_config.TextColumn(t("feedback.filter.priority"), help=t("column.no_priority"))
        statuses["tags"] = st.column_config.ListColumn(t("feedback.column.tags"))
    return {**config, **statuses}


SHOWN = [
    "id",
    "age_days",
    DUE,
    "status",
    "priority",
    "assignee",
    "theme",
    "tags",
    "mood",
    "score",
    "text",
    "segment",
    "level",
    "duplicates",
    "member_id",
    "source",
]


# The list beside an open item: what says which item it is first.
LISTED = ["id", "text", "status", "priority", DUE, "assignee", "age_days"]
LISTED += [name for name in SHOWN if name not in LISTED]
# On a phone, whose screen holds about two columns: what was said and where it stands, the number after.
ON_A_PHONE = ["text", "status", DUE, "priority", "assignee", "age_days", "id"]
ON_A_PHONE += [name for name in LISTED if name not in ON_A_PHONE]


def listed(frame: pd.DataFrame, *, phone: bool = False) -> pd.DataFrame:
    """The inbox columns in their order (`phone`: ON_A_PHONE's); statuses and suggested themes as
    words; a suggested theme marked as such (a team's own theme as it is named). A priority not set
    stays a dash, which the column's help explains: "Not set (normal)" on every new row of a list
    crowded out what tells them apart (the item's form says it in words)."""
    pairs = list(zip(frame["theme"], frame["theme_suggested"].astype(bool), strict=True))
    themes = {pair: _theme_words(*pair) for pair in set(pairs) if isinstance(pair[0], str)}
    shown = frame.assign(
        theme=[themes[pair] if isinstance(pair[0], str) else pair[0] for pair in pairs],
        status=_worded(frame["status"], status_label),
        priority=_worded(frame["priority"], priority_label),
        mood=_moods(frame),
        level=_levels(frame),
        source=_worded(frame["source"], source_word),
    )
    return shown[ON_A_PHONE if phone else LISTED]


def _worded(codes: pd.Series, word: Callable[[str], str]) -> pd.Series:
    """Each stored code as `word` says it, asked once a distinct code (a list of a thousand rows
    holds a few); None where there is no code."""
    words = {code: word(code) for code in codes.dropna().unique() if isinstance(code, str)}
    return codes.map(lambda code: words.get(code) if isinstance(code, str) else None)


def _theme_words(theme: str, suggested: bool) -> str:
    return t("feedback.suggested", theme=theme_word(theme)) if suggested else theme_word(theme)


def _moods(frame: pd.DataFrame) -> pd.Series:
    return _worded(frame["mood"], sentiment_word)


def _levels(frame: pd.DataFrame) -> pd.Series:
    return _worded(frame["level"], level_label)


def editable(frame: pd.DataFrame) -> pd.DataFrame:
    """The bulk editor's frame: the listed columns with raw statuses, plus the version loaded."""
    shown = frame.assign(
        theme=frame["theme"].fillna(""), mood=_moods(frame), level=_levels(frame), **{DUE: frame[DUE].map(due_cell)}
    )
    return shown[[*SHOWN, "version"]]


def bulk_edits(before: pd.DataFrame, after: pd.DataFrame) -> list[Edit]:
    """One Edit per row whose editable cells changed in the editor, naming the version loaded."""
    edits = []
    for position in range(len(before)):
        old, new = before.iloc[position], after.iloc[position]
        changes = {
            name: cell_value(new[name]) for name in EDITABLE_COLUMNS if cell_value(new[name]) != cell_value(old[name])
        }
        if changes:
            edits.append(Edit(item_id=int(old["id"]), version=int(old["version"]), changes=changes))
    return edits


def as_listed(name: str, names: list[str]) -> str:
    """A name typed into an assignee menu as the menu lists it, whatever its case and the spaces
    around it ("bo " is "Bo"); a new name as typed (the workflow strips and checks it)."""
    folded = name.strip().casefold()
    return next((listed for listed in names if listed.casefold() == folded), name)


def cell_value(cell: object) -> object:
    """An edited cell as the workflow compares it: blank text, NaN and empty lists are None."""
    if isinstance(cell, list | tuple):
        return list(cell) or None
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return None
    return cell.strip() or None if isinstance(cell, str) else cell


def bulk_bar(count: int, choices: InboxChoices) -> inbox.BulkChange | None:
    """One change for the `count` selected items: status, priority, assignee, a tag to add; returns
    it when the person applies it (fields left empty stay as each item has them)."""
    with st.form("feedback_bulk", border=True):
        st.markdown(t("feedback.selected.one") if count == 1 else t("feedback.selected", items=count))
        top = st.columns(2)
        status = top[0].selectbox(
            t("feedback.filter.status"),
            [s for s in workflow.STATUSES if s not in ("new", "duplicate")],
            index=None,
            placeholder=t("feedback.bulk.unchanged"),
            format_func=status_label,
            key="feedback_bulk_status",
        )
        priority = top[1].selectbox(
            t("feedback.filter.priority"),
            workflow.PRIORITIES,
            index=None,
            placeholder=t("feedback.bulk.unchanged"),
            format_func=priority_label,
            key="feedback_bulk_priority",
        )
        bottom = st.columns(2)
        assignee = bottom[0].selectbox(
            t("feedback.filter.assignee"),
            [inbox.UNASSIGNED, *choices.assignees],
            index=None,
            placeholder=t("feedback.bulk.unchanged"),
            format_func=lambda name: t("feedback.nobody") if name == inbox.UNASSIGNED else name,
            accept_new_options=True,
            help=t("feedback.assignee_help"),  # the browser drops a name typed without Enter
            key="feedback_bulk_assignee",
        )
        tag = bottom[1].selectbox(
            t("feedback.bulk.add_tag"),
            choices.tags,
            index=None,
            placeholder=t("widget.choose_or_add"),
            accept_new_options=True,
            help=t("feedback.tags_help"),
            key="feedback_bulk_tag",
        )
        label = t("feedback.bulk.apply.one") if count == 1 else t("feedback.bulk.apply", items=count)
        if not st.form_submit_button(label, type="primary"):
            return None
    if assignee not in (None, inbox.UNASSIGNED):
        assignee = as_listed(assignee, choices.assignees)
    change = inbox.BulkChange(status=status, priority=priority, assignee=assignee, add_tag=tag)
    if not change:
        st.warning(t("feedback.bulk.nothing"))
        return None
    return change
