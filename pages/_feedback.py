"""Feedback inbox: triage what members said (survey answers, imports, entries) with their context.

Views: the inbox (URL-bound filters, a list or a bulk editor, an item's detail via ?item=<id>),
themes to accept or rename, adding feedback by hand or from a file, response targets, and the
automatic replies that tell members what became of their feedback. Every save is version-checked
(feedback.workflow): a change someone else made first is shown, never overwritten.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission, Role
from feedback import duplicates, importer, inbox, workflow
from feedback.intake import MAX_TEXT, NewFeedback, record
from metrics.levels import LEVELS
from store.database import StoreError
from ui import confirm, data, warming
from ui.address import id_in_address
from ui.filters import recent_period
from ui.i18n import t
from ui.inbox import auto_replies, detail, figures, intake, listing, reply, targets
from ui.inbox import views as saved_views
from ui.inbox.labels import status_label
from ui.outage import app_store_failed, app_store_or_stop
from ui.page import data_errors_stop_the_page, open_page
from ui.selection import choice_changed, choice_key
from ui.session import current_role, current_user, may
from ui.tables import MISSING, data_table_rows, error_markdown, plain, table

settings, version = open_page("feedback")
if not may(Permission.TRIAGE):
    st.info(t("feedback.not_allowed"))
    st.stop()
store, user = app_store_or_stop(settings), current_user()
recent = recent_period(settings.timezone)
with data_errors_stop_the_page():
    summary = data.load_feedback_summary(settings, recent)
    figures.summary_tiles(summary)
    figures.told_caption(*data.load_closed_told(settings, recent))
    figures.breakdown(summary)
    figures.risk_warning(data.load_negative_share(settings, version, recent))
if message := st.session_state.pop("feedback_saved", None):
    st.success(message, icon=":material/check:")


def save(edits: list[workflow.Edit], *, undo: list[workflow.Edit] | None = None) -> bool:
    """Save, or show why not; on failure the edits stay on screen. After a save, an open item's
    detail starts again from the saved version, and an earlier bulk change can no longer be undone
    here. `undo` collects what puts the save back (workflow.save)."""
    st.session_state.pop("feedback_undo_edits", None)
    try:
        changed = workflow.save(store, edits, actor=user, now=clock.now(), undo=undo)
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


def inbox_view() -> None:
    item = id_in_address("item")  # read first: an unreadable one is named above the inbox
    undo_offer()
    with data_errors_stop_the_page():
        choices = data.load_inbox_choices(settings)
        dimensions = data.load_dimension_values(settings, version)
    saved_views.view_bar(
        store,
        user=user,
        admin=current_role() == Role.ADMIN,
        choices=choices,
        segments=dimensions.get("segment", []),
        levels=list(LEVELS),
    )
    filters = listing.inbox_filter_bar(
        choices=choices,
        dimensions=dimensions,
        me=user,
        today=clock.today_in(settings.timezone),
        timezone=settings.timezone,
    )
    editing = st.toggle(t("feedback.bulk_edit"), key="feedback_edit", bind="query-params", help=t("feedback.bulk_help"))
    with data_errors_stop_the_page():
        frame = data.load_inbox(settings, filters)
    if editing:
        if frame.empty:
            st.info(t("feedback.empty"))
        else:
            bulk_editor(frame, filters, choices)
        if item is not None:
            item_detail(item, choices, order=[])
        return
    # The list and the open item side by side (stacked on a phone): the list keeps its filters,
    # selection and scroll while items open beside it.
    listed, beside = st.columns([3, 2], gap="medium")
    with listed:
        chosen = inbox_list(frame, choices)
    if len(chosen) == 1 and chosen != st.session_state.get("feedback_chosen"):
        item = chosen[0]  # a row just selected opens
        st.query_params["item"] = str(item)
    st.session_state["feedback_chosen"] = chosen
    with beside:
        if len(chosen) > 1:
            bulk_change(frame[frame["id"].isin(chosen)], choices)
        elif item is not None:
            item_panel(choices, order=frame["id"].astype(int).tolist())
        elif not frame.empty:
            st.caption(t("feedback.pick_item"))
            if detail.shows_member():  # the first item, where triage usually starts
                first = frame["id"].astype(int).tolist()[:1]
                warming.read_ahead(settings, first, include_email=may(Permission.PERSONAL_DATA))


def inbox_list(frame, choices: inbox.InboxChoices) -> list[int]:
    """The list, several rows selectable; the ids of the selected rows."""
    if frame.empty:
        st.info(t("feedback.empty"))
        return []
    count = t("feedback.count.one") if len(frame) == 1 else t("feedback.count", items=len(frame))
    st.caption(count + (t("feedback.limit") if len(frame) >= inbox.LIMIT else ""))
    table_count = st.session_state.get("feedback_table_count", 0)  # a bulk change starts a fresh selection
    rows = data_table_rows(
        listing.listed(frame),
        key="feedback_table" if not table_count else f"feedback_table_{table_count}",
        file_name="feedback",
        column_config=listing.inbox_columns(editing=False, choices=choices),
        height=min(640, 38 + 35 * len(frame)),  # as tall as the item beside it, up to 17 rows
        style=targets.styled,  # Due in words, red when overdue, amber within a day
    )
    return [int(frame.at[row, "id"]) for row in rows]


def bulk_change(rows, choices: inbox.InboxChoices) -> None:
    """Status, priority, assignee or a tag for every selected item, in one version-checked save that
    can be undone as one."""
    change = listing.bulk_bar(len(rows), choices)
    if change is None:
        return
    undo: list[workflow.Edit] = []
    edits = inbox.bulk_edits(rows, change)
    if edits and save(edits, undo=undo):
        st.session_state["feedback_undo_edits"] = undo
        st.session_state["feedback_table_count"] = st.session_state.get("feedback_table_count", 0) + 1
        st.session_state.pop("feedback_chosen", None)
        count = len(undo)
        st.session_state["feedback_saved"] = (
            t("feedback.bulk.applied.one") if count == 1 else t("feedback.bulk.applied", items=count)
        )
        st.rerun()


def undo_offer() -> None:
    """After a bulk change: undo it (exactly what it changed, version-checked like any save)."""
    undo = st.session_state.get("feedback_undo_edits")
    if not undo:
        return
    if st.button(
        t("feedback.bulk.undo"), icon=":material/undo:", key="feedback_undo", help=t("feedback.bulk.undo_help")
    ):
        st.session_state.pop("feedback_undo_edits", None)
        try:
            workflow.restore(store, undo, actor=user, now=clock.now())
        except workflow.FeedbackError as error:
            st.error(error_markdown(error), icon=":material/error:")
            return
        except StoreError:
            app_store_failed()
            return
        st.session_state["feedback_table_count"] = st.session_state.get("feedback_table_count", 0) + 1
        st.session_state["feedback_saved"] = t("feedback.bulk.undone", items=len(undo))
        st.rerun()


def bulk_editor(frame, filters: inbox.InboxFilters, choices: inbox.InboxChoices) -> None:
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
    if pressed and save(edits):
        st.session_state.pop("feedback_snapshot", None)
        st.session_state["feedback_saved"] = t("feedback.saved.one") if one else t("feedback.saved", items=len(edits))
        st.rerun()
    if right.button(t("feedback.reload"), help=t("feedback.reload_help")):
        st.session_state.pop("feedback_snapshot", None)
        st.rerun()


@st.fragment
def item_panel(choices: inbox.InboxChoices, *, order: list[int]) -> None:
    """The open item beside the list, as a fragment: Previous and Next rerun the panel alone, so the
    list beside it (its rows, the tiles, the filters) is not built and sent again. A save reruns
    the whole page, as the list's figures change with it."""
    item = id_in_address("item")
    if item is not None:
        with warming.run_in_progress():  # a rerun of the panel alone, which app.py's page_run does not see
            item_detail(item, choices, order=order)


def item_detail(item_id: int, choices: inbox.InboxChoices, *, order: list[int]) -> None:
    """The item beside the list: previous and next through the list's order, its text and facts,
    its form, what was merged with it, who said it and its history."""
    detail.stepper(item_id, order)
    with data_errors_stop_the_page():
        loaded = data.load_item(settings, item_id)
    if loaded.item.empty:
        st.warning(t("feedback.no_item", id=item_id))
        return
    item = loaded.item.iloc[0]
    seen = st.session_state.setdefault("feedback_seen", {})
    seen_version = seen.setdefault(item_id, int(item["version"]))
    st.subheader(f"#{item_id} · {status_label(item['status'])}")
    targets.due_badge(targets.item_due(item, targets.read(store), now=clock.now()))  # its next target
    with st.container(border=True):
        st.text(item["text"])
    st.caption(detail.item_facts(item))
    detail.merged(item, loaded.duplicates)
    if int(item["version"]) != seen_version:
        st.warning(t("feedback.changed_since"), icon=":material/sync_problem:")
        if st.button(t("feedback.reload_item")):
            seen[item_id] = int(item["version"])
            st.rerun()
    with data_errors_stop_the_page():
        candidates = data.load_merge_candidates(settings)
        person = data.load_person_ids(settings, data.data_version(settings), item["member_id"])
    found = duplicates.suggestions(item_id, str(item["text"]), item["member_id"], candidates, person=person)
    others = candidates[candidates["id"] != item_id]
    merge_into = pd.concat([found[["id", "text"]], others[~others["id"].isin(found["id"])][["id", "text"]]])
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
    if edit is not None and save([edit]):
        st.session_state["feedback_saved"] = t("feedback.saved_item", id=item_id)
        st.rerun()
    if reply.tell_member(settings, store, item):
        seen[item_id] = int(item["version"]) + 1  # the reply raised the version: not someone else's change
        st.rerun()
    include_email = may(Permission.PERSONAL_DATA)
    if detail.item_tabs(settings, item, loaded.history, include_email=include_email):
        warming.read_ahead(settings, detail.neighbours(item_id, order), include_email=include_email)


def themes_view() -> None:
    with data_errors_stop_the_page():
        suggestions = data.load_theme_suggestions(settings)
    st.caption(t("feedback.themes_help"))
    if suggestions.empty:
        st.info(t("feedback.no_suggestions"))
        return
    table(suggestions, column_config={"suggested": t("feedback.column.suggested"), "items": t("feedback.column.items")})
    with st.form("feedback_theme_form"):
        picked = st.selectbox(t("feedback.column.suggested"), suggestions["suggested"].tolist())
        name = st.text_input(t("feedback.theme_name"), max_chars=workflow.MAX_NAME, help=t("feedback.theme_name_help"))
        accepted = st.form_submit_button(t("feedback.accept_theme"), type="primary")
    if accepted:
        theme = name.strip() or picked
        with data_errors_stop_the_page():
            edits = inbox.theme_edits(store, suggested=picked, theme=theme)
        if save(edits):
            st.session_state["feedback_saved"] = t("feedback.theme_accepted", theme=plain(theme), items=len(edits))
            st.rerun()


def add_view() -> None:
    st.subheader(t("feedback.add"))
    entered = intake.entry_form(timezone=settings.timezone, max_text=MAX_TEXT)
    if entered is not None:
        text, who, source, score, created_at = entered
        member_id = who
        if who and "@" in who:
            with data_errors_stop_the_page():
                member_id = data.member_id_for_email(settings, who)
            if member_id is None:
                st.error(t("feedback.unknown_email", email=plain(who)))
                return
        item = NewFeedback(
            source=source,
            text=text,
            created_at=created_at,
            member_id=member_id,
            score=score,
            score_kind="nps" if score is not None else None,
        )
        with data_errors_stop_the_page():
            new_id = record(store, item, actor=user, now=clock.now())
        st.session_state["feedback_entry_count"] = st.session_state.get("feedback_entry_count", 0) + 1
        st.session_state["feedback_saved"] = t("feedback.added", id=new_id)
        st.query_params["item"] = str(new_id)
        st.session_state["feedback_open_inbox"] = True  # the view menu is drawn already: switch next run
        st.rerun()

    import_file()


def import_file() -> None:
    """A file of feedback, all rows or none (feedback.importer); emails are matched in the warehouse."""
    upload = intake.import_form()
    if upload is None:
        return
    # The refusal is caught here, inside the page's catcher: it is shown beside the form, with the
    # file's problems, and the rest of the page stays.
    with data_errors_stop_the_page():
        try:
            result = importer.import_feedback(
                store,
                data.warehouse(settings),
                name=upload.name,
                content=upload.content,
                default_source=upload.source,
                timezone=settings.timezone,
                actor=user,
                now=clock.now(),
            )
        except importer.ImportFailed as failed:
            intake.import_refused(upload, failed)
            return
    intake.imported(result)


def targets_view() -> None:
    targets.targets_view(store, actor=user, now=clock.now())


def replies_view() -> None:
    with data_errors_stop_the_page():
        in_use = data.load_inbox_choices(settings).themes
    auto_replies.auto_replies_view(settings, store, themes=in_use, actor=user, now=clock.now())


VIEWS = ("inbox", "themes", "add", "targets", "replies")
if st.session_state.pop("feedback_open_inbox", False):
    st.query_params.pop("feedback_view", None)  # back to the inbox, the default
view = st.segmented_control(
    t("feedback.view"),
    VIEWS,
    format_func=lambda v: t(f"feedback.view.{v}"),
    key=choice_key("feedback_view", VIEWS, default="inbox"),  # a code in the address, in any language
    on_change=choice_changed,
    args=("feedback_view",),
    label_visibility="collapsed",
)
views = {"themes": themes_view, "add": add_view, "targets": targets_view, "replies": replies_view}
views.get(view or "inbox", inbox_view)()
