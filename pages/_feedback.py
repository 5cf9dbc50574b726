"""Feedback inbox: triage what members said (survey answers, imports, entries) with their context.

Views: the inbox (URL-bound filters, a list or a bulk editor, an item's detail via ?item=<id>),
themes to accept or rename, adding feedback by hand or from a file, response targets, and the
automatic replies that tell members what became of their feedback. Every save is version-checked
(feedback.workflow): a change someone else made first is shown, never overwritten.
"""

from __future__ import annotations

import logging

import streamlit as st

import clock
from auth.access import Permission
from feedback import importer, inbox, workflow
from feedback.intake import MAX_TEXT, NewFeedback, record
from ui import data
from ui.filters import recent_period
from ui.i18n import t
from ui.inbox import auto_replies, figures, intake, targets, triage
from ui.inbox.labels import theme_word
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, open_page
from ui.selection import choice_changed, choice_key
from ui.session import current_user, may
from ui.tables import plain, table

log = logging.getLogger(__name__)
settings, version = open_page("feedback")
if not may(Permission.TRIAGE):
    st.info(t("feedback.not_allowed"))
    st.stop()
store, user = app_store_or_stop(settings), current_user()
desk = triage.Desk(settings, version, store, user)
recent = recent_period(settings.timezone)
with data_errors_stop_the_page():
    summary = data.load_feedback_summary(settings, recent)
    figures.summary_tiles(summary)
    figures.told_caption(*data.load_closed_told(settings, recent))
    figures.breakdown(summary)
    figures.risk_warning(data.load_negative_share(settings, version, recent))
if message := st.session_state.pop("feedback_saved", None):
    st.success(message, icon=":material/check:")


def themes_view() -> None:
    with data_errors_stop_the_page():
        suggestions = data.load_theme_suggestions(settings)
    st.caption(t("feedback.themes_help"))
    if suggestions.empty:
        st.info(t("feedback.no_suggestions"))
        return
    shown = suggestions.assign(suggested=suggestions["suggested"].map(theme_word))  # a suggestion's key in words
    table(shown, column_config={"suggested": t("feedback.column.suggested"), "items": t("feedback.column.items")})
    with st.form("feedback_theme_form"):
        picked = st.selectbox(
            t("feedback.column.suggested"),
            suggestions["suggested"].tolist(),
            format_func=theme_word,
            placeholder=t("widget.choose"),
        )
        name = st.text_input(t("feedback.theme_name"), max_chars=workflow.MAX_NAME, help=t("feedback.theme_name_help"))
        accepted = st.form_submit_button(t("feedback.accept_theme"), type="primary")
    if accepted:
        theme = name.strip() or picked
        with data_errors_stop_the_page():
            edits = inbox.theme_edits(store, suggested=picked, theme=theme)
        if triage.save(desk, edits):
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
    """A file of feedback, all rows or none (feedback.importer); emails are matched in the warehouse.
    The session's last import can be undone here until it is (the page's gate: who may import)."""
    upload = intake.import_form()
    if upload is not None:
        import_upload(upload)
    undo_import()


def import_upload(upload: intake.Upload) -> None:
    """Import the file: its problems if refused, else its outcome (and the offer to undo it)."""
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
                day_first=settings.day_first,
                actor=user,
                now=clock.now(),
            )
        except importer.ImportFailed as failed:
            intake.import_refused(upload, failed)
            return
    intake.imported(upload, result)


def undo_import() -> None:
    """Once confirmed, remove the items the last import added, as `cli.py feedback undo-import` does."""
    last = intake.undo_offer()
    if last is None:
        return
    with data_errors_stop_the_page():
        removed = importer.undo_feedback_import(store, last.batch, now=clock.now(), actor=user)
    log.info("Feedback import %s undone on the page by %s: %d items removed", last.batch, user, removed)
    st.session_state["feedback_saved"] = intake.undone(last, removed)
    st.rerun()


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
if view in views:
    views[view]()
else:
    triage.inbox_view(desk)
