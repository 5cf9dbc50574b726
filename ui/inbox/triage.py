"""The inbox view of the feedback page (pages/_feedback.py): its filters and saved views, the
list (or the bulk editor) and the open item beside it, the bulk changes and their undo. Every save
is version-checked (feedback.workflow): a change someone else made first is shown, never overwritten."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission, Role
from feedback import duplicates, inbox, workflow
from metrics.levels import LEVELS
from settings import Settings
from store.database import AppStore, StoreError
from ui import confirm, data, warming
from ui.address import id_in_address
from ui.i18n import t
from ui.inbox import detail, listing, reply, targets
from ui.inbox import views as saved_views
from ui.inbox.labels import status_label
from ui.outage import app_store_failed
from ui.page import data_errors_stop_the_page
from ui.presentation import on_a_phone
from ui.session import current_role, may
from ui.tables import MISSING, data_table_rows, error_markdown


@dataclass(frozen=True)
class Desk:
    """Who triages, and where: the settings and data version the page opened with, the app store,
    the signed-in user (each save's actor)."""

    settings: Settings
    version: str
    store: AppStore
    user: str


def save(desk: Desk, edits: list[workflow.Edit], *, undo: list[workflow.Edit] | None = None) -> bool:
    """Save, or show why not; on failure the edits stay on screen. After a save, an open item's
    detail starts again from the saved version, and an earlier bulk change can no longer be undone
    here. `undo` collects what puts the save back (workflow.save)."""
    st.session_state.pop("feedback_undo_edits", None)
    try:
        changed = workflow.save(desk.store, edits, actor=desk.user, now=clock.now(), undo=undo)
    except workflow.FeedbackError as error:
        st.error(error_markdown(error), icon=":material/error:")  # quotes themes, tags, names: as text
        return False
    except StoreError:
        app_store_failed()
        return False
    seen = st.session_state.get("feedback_seen", {})
    for item_id in changed:
        seen.pop(item_id, None)
    return True


def inbox_view(desk: Desk) -> None:
    item = id_in_address("item")  # read first: an unreadable one is named above the inbox
    undo_offer(desk)
    with data_errors_stop_the_page():
        choices = data.load_inbox_choices(desk.settings)
        dimensions = data.load_dimension_values(desk.settings, desk.version)
    saved_views.view_bar(
        desk.store,
        user=desk.user,
        admin=current_role() == Role.ADMIN,
        choices=choices,
        segments=dimensions.get("segment", []),
        levels=list(LEVELS),
    )
    filters = listing.inbox_filter_bar(
        choices=choices,
        dimensions=dimensions,
        me=desk.user,
        today=clock.today_in(desk.settings.timezone),
        timezone=desk.settings.timezone,
    )
    editing = st.toggle(t("feedback.bulk_edit"), key="feedback_edit", bind="query-params", help=t("feedback.bulk_help"))
    with data_errors_stop_the_page():
        frame = data.load_inbox(desk.settings, filters)
    if editing:
        if frame.empty:
            st.info(t("feedback.empty"))
        else:
            bulk_editor(desk, frame, filters, choices)
        if item is not None:
            item_detail(desk, item, choices, order=[])
        return
    # The list and the open item side by side (stacked on a phone): the list keeps its filters,
    # selection and scroll while items open beside it. With nothing open it has the page's width
    # (at three fifths, with nothing beside it, the feedback's text was cut at 30 characters), in a
    # row of one column: the same place in the page, so the browser keeps the table it has drawn
    # (its scroll, a sort by a column's header) when the row splits.
    opened = item is not None or bool(_selected(_table_key(), rows=len(frame)))
    row = st.columns([3, 2] if opened else 1, gap="medium")
    listed, beside = row[0], row[-1]
    with listed:
        chosen = inbox_list(frame, choices, wide=not opened)
    if len(chosen) == 1 and chosen != st.session_state.get("feedback_chosen"):
        item = chosen[0]  # a row just selected opens
        st.query_params["item"] = str(item)
    st.session_state["feedback_chosen"] = chosen
    with beside:
        if len(chosen) > 1:
            bulk_change(desk, frame[frame["id"].isin(chosen)], choices)
        elif item is not None:
            item_panel(desk, choices, order=frame["id"].astype(int).tolist())
        elif not frame.empty and detail.shows_member():  # the first item, where triage usually starts
            first = frame["id"].astype(int).tolist()[:1]
            warming.read_ahead(desk.settings, first, include_email=may(Permission.PERSONAL_DATA))


def _table_key() -> str:
    """The list's key: a new one after a bulk change, which starts a fresh selection."""
    table_count = st.session_state.get("feedback_table_count", 0)
    return "feedback_table" if not table_count else f"feedback_table_{table_count}"


def _selected(key: str, *, rows: int) -> list[int]:
    """The rows selected in the list as the browser last reported them, before it is drawn again,
    of the `rows` it has now (a selection outlives a shorter list)."""
    state = st.session_state.get(key)
    return [row for row in state["selection"]["rows"] if row < rows] if state is not None else []


def inbox_list(frame, choices: inbox.InboxChoices, *, wide: bool) -> list[int]:
    """The list, several rows selectable (its text `wide` with the page's width to itself); the ids
    of the selected rows."""
    if frame.empty:
        st.info(t("feedback.empty"))
        return []
    count = t("feedback.count.one") if len(frame) == 1 else t("feedback.count", items=len(frame))
    st.caption(count + (t("feedback.limit") if len(frame) >= inbox.LIMIT else ""))
    phone = on_a_phone()  # the text a phone's half, its status beside it
    rows = data_table_rows(
        listing.listed(frame, phone=phone),
        key=_table_key(),
        file_name="feedback",
        column_config=listing.inbox_columns(editing=False, choices=choices, wide=wide and not phone),
        height=min(640, 38 + 35 * len(frame)),  # as tall as the item beside it, up to 17 rows
        style=targets.styled,  # Due in words, red when overdue, amber within a day
    )
    return [int(frame.at[row, "id"]) for row in rows]


def bulk_change(desk: Desk, rows, choices: inbox.InboxChoices) -> None:
    """Status, priority, assignee or a tag for every selected item, in one version-checked save that
    can be undone as one."""
    change = listing.bulk_bar(len(rows), choices)
    if change is None:
        return
    undo: list[workflow.Edit] = []
    edits = inbox.bulk_edits(rows, change)
    if edits and save(desk, edits, undo=undo):
        st.session_state["feedback_undo_edits"] = undo
        st.session_state["feedback_table_count"] = st.session_state.get("feedback_table_count", 0) + 1
        st.session_state.pop("feedback_chosen", None)
        count = len(undo)
        st.session_state["feedback_saved"] = (
            t("feedback.bulk.applied.one") if count == 1 else t("feedback.bulk.applied", items=count)
        )
        st.rerun()


def undo_offer(desk: Desk) -> None:
    """After a bulk change: undo it (exactly what it changed, version-checked like any save)."""
    undo = st.session_state.get("feedback_undo_edits")
    if not undo:
        return
    if st.button(
        t("feedback.bulk.undo"), icon=":material/undo:", key="feedback_undo", help=t("feedback.bulk.undo_help")
    ):
        st.session_state.pop("feedback_undo_edits", None)
        try:
            workflow.restore(desk.store, undo, actor=desk.user, now=clock.now())
        except workflow.FeedbackError as error:
            st.error(error_markdown(error), icon=":material/error:")
            return
        except StoreError:
            app_store_failed()
            return
        st.session_state["feedback_table_count"] = st.session_state.get("feedback_table_count", 0) + 1
        st.session_state["feedback_saved"] = t("feedback.bulk.undone", items=len(undo))
        st.rerun()


def bulk_editor(desk: Desk, frame, filters: inbox.InboxFilters, choices: inbox.InboxChoices) -> None:
    """Edits are made on a snapshot taken when the filters were set; saving names its versions."""
    snapshot = st.session_state.get("feedback_snapshot")
    if snapshot is None or snapshot[0] != filters:
        count = st.session_state.get("feedback_editor_count", 0) + 1
        st.session_state["feedback_editor_count"] = count
        snapshot = st.session_state["feedback_snapshot"] = (filters, frame, count)
    _, before, count = snapshot
    editable = listing.editable(before)
    edited = st.data_editor(
        editable,
        key=f"feedback_editor_{count}",
        hide_index=True,
        column_order=listing.SHOWN,
        column_config=listing.inbox_columns(editing=True, choices=choices),
        disabled=[name for name in editable.columns if name not in listing.EDITABLE_COLUMNS],
        placeholder=MISSING,
    )
    edits = listing.bulk_edits(editable, edited)
    left, right = st.columns([1, 4])
    one = len(edits) == 1
    pressed = left.button(
        t("feedback.save_changes.one") if one else t("feedback.save_changes", items=len(edits)),
        type="primary",
        disabled=not edits,
    )
    if pressed and save(desk, edits):
        st.session_state.pop("feedback_snapshot", None)
        st.session_state["feedback_saved"] = t("feedback.saved.one") if one else t("feedback.saved", items=len(edits))
        st.rerun()
    if right.button(t("feedback.reload"), help=t("feedback.reload_help")):
        st.session_state.pop("feedback_snapshot", None)
        st.rerun()


@st.fragment
def item_panel(desk: Desk, choices: inbox.InboxChoices, *, order: list[int]) -> None:
    """The open item beside the list, as a fragment: Previous and Next rerun the panel alone, so the
    list beside it (its rows, the tiles, the filters) is not built and sent again. A save reruns
    the whole page, as the list's figures change with it."""
    item = id_in_address("item")
    if item is not None:
        with warming.run_in_progress():  # a rerun of the panel alone, which app.py's page_run does not see
            item_detail(desk, item, choices, order=order)


def item_detail(desk: Desk, item_id: int, choices: inbox.InboxChoices, *, order: list[int]) -> None:
    """The item beside the list: previous and next through the list's order, its text and facts,
    its form, what was merged with it, who said it and its history."""
    detail.stepper(item_id, order)
    with data_errors_stop_the_page():
        loaded = data.load_item(desk.settings, item_id)
    if loaded.item.empty:
        st.warning(t("feedback.no_item", id=item_id))
        return
    item = loaded.item.iloc[0]
    seen = st.session_state.setdefault("feedback_seen", {})
    seen_version = seen.setdefault(item_id, int(item["version"]))
    st.subheader(f"#{item_id} · {status_label(item['status'])}")
    targets.due_badge(targets.item_due(item, targets.read(desk.store), now=clock.now()))  # its next target
    with st.container(border=True):
        st.text(item["text"])
    with data_errors_stop_the_page():
        asked = detail.asked_in(desk.settings, item)
    st.caption(detail.item_facts(item, asked=asked))
    detail.merged(item, loaded.duplicates)
    if int(item["version"]) != seen_version:
        st.warning(t("feedback.changed_since"), icon=":material/sync_problem:")
        if st.button(t("feedback.reload_item")):
            seen[item_id] = int(item["version"])
            st.rerun()
    with data_errors_stop_the_page():
        candidates = data.load_merge_candidates(desk.settings)
        person = data.load_person_ids(desk.settings, data.data_version(desk.settings), item["member_id"])
    found = duplicates.suggestions(item_id, str(item["text"]), item["member_id"], candidates, person=person)
    others = candidates[candidates["id"] != item_id]
    newest = others[~others["id"].isin(found["id"])].head(duplicates.MENU)
    merge_into = pd.concat([found[["id", "text"]], newest[["id", "text"]]])
    edit = detail.edit_form(item, seen_version=seen_version, choices=choices, merge_into=merge_into)
    if (original := detail.suggested_duplicates(item, found)) is not None:
        edit = workflow.Edit(item_id, seen_version, {"duplicate_of": original})
    if edit is not None and edit.changes.get("duplicate_of") is not None:
        confirm.ask("feedback_merge", edit)  # asked first: merging closes the item
        edit = None
    asked = confirm.pending("feedback_merge")
    if asked is not None and asked.item_id != item_id:
        confirm.cancel("feedback_merge")  # asked about another item: moving on cancels it
    elif asked is not None:
        question = t("feedback.merge_question", id=item_id, original=asked.changes["duplicate_of"])
        edit = confirm.confirmed("feedback_merge", question, confirm=t("feedback.merge"))
    if edit is not None and save(desk, [edit]):
        st.session_state["feedback_saved"] = t("feedback.saved_item", id=item_id)
        st.rerun()
    if reply.tell_member(desk.settings, desk.store, item):
        seen[item_id] = int(item["version"]) + 1  # the reply raised the version: not someone else's change
        st.rerun()
    include_email = may(Permission.PERSONAL_DATA)
    if detail.item_tabs(desk.settings, item, loaded.history, include_email=include_email):
        warming.read_ahead(desk.settings, detail.neighbours(item_id, order), include_email=include_email)
