"""Adding feedback on the inbox page: the form for feedback given by email, chat or in person, and
the file import's form and outcome, with the offer to undo the session's last import. The page
hands what was entered to feedback.intake and feedback.importer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

import clock
from errors import lines_in
from feedback.importer import ImportFailed, ImportResult
from ui import confirm
from ui.i18n import current_language, t
from ui.inbox.labels import source_word
from ui.session import current_user
from ui.tables import plain
from ui.uploads import upload_box

SOURCES = ("manual", "email", "chat", "call", "social", "event")
LAST_IMPORT = "feedback_last_import"  # session: the import this session may still undo
UNDO = "feedback_undo_import"  # its confirmation (ui.confirm)


def utc_moment(day, time, timezone: str) -> datetime:
    """A local date and time picked on the page as naive UTC."""
    local = datetime.combine(day, time, ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def entry_form(*, timezone: str, max_text: int) -> tuple[str, str | None, str, float | None, datetime] | None:
    """The form for feedback given by email, chat or in person; (text, member, source, score, when)."""
    count = st.session_state.get("feedback_entry_count", 0)
    now = clock.now_in(timezone)
    with st.form(f"feedback_entry_{count}"):
        text = st.text_area(t("feedback.entry.text"), max_chars=max_text)
        columns = st.columns(4)
        who = columns[0].text_input(t("feedback.entry.member"), help=t("feedback.entry.member_help"))
        # The menu lists words and the code is looked up after: a source typed in is kept as typed.
        words = {source_word(code): code for code in SOURCES}
        picked = columns[1].selectbox(
            t("feedback.column.source"),
            list(words),
            accept_new_options=True,
            key=f"feedback_entry_source_{count}",
            placeholder=t("widget.choose_or_add"),
        )
        source = words.get(picked, picked) if picked else None
        score = columns[2].number_input(t("feedback.entry.score"), min_value=0, max_value=10, value=None, step=1)
        day = columns[3].date_input(t("feedback.entry.day"), value=now.date(), max_value=now.date())
        time = columns[3].time_input(t("feedback.entry.time"), value=now.time().replace(second=0, microsecond=0))
        if not st.form_submit_button(t("feedback.entry.add"), type="primary"):
            return None
    if not text.strip():
        st.error(t("feedback.entry.empty"))
        return None
    moment = utc_moment(day, time, timezone)
    return text.strip(), who.strip() or None, str(source or "manual")[:20], score, moment


@dataclass(frozen=True)
class Upload:
    """A file of feedback to import, and the source its rows without one are given."""

    name: str
    content: bytes
    source: str


def import_form() -> Upload | None:
    """Upload a CSV or Excel file of feedback; the file once the person asks to import it."""
    st.subheader(t("feedback.import"))
    st.caption(t("feedback.import_help"))
    upload = upload_box(t("feedback.import_file"), types=["csv", "xlsx"], key="feedback_upload")
    source = st.text_input(t("feedback.import_source"), value="import", max_chars=20, key="feedback_import_source")
    if upload is None or not st.button(t("feedback.import_run"), type="primary"):
        return None
    return Upload(name=upload.name, content=upload.getvalue(), source=source.strip() or "import")


def import_refused(upload: Upload, failed: ImportFailed) -> None:
    """All rows or none: the file's problems, by row and column, in the reader's language."""
    st.error(t("feedback.import_failed", file=plain(upload.name)), icon=":material/error:")
    st.code(failed.text(current_language()), language=None, wrap_lines=True)


def imported(upload: Upload, result: ImportResult) -> None:
    """The outcome; an import that added items becomes the one this session may undo (one that
    added nothing, such as the same file again, leaves the earlier offer as it was)."""
    st.success(t("feedback.imported", added=result.added, skipped=result.already_there))
    if result.warnings:
        st.warning(t("feedback.import_warnings"))
        st.code(lines_in(result.warnings, current_language()), language=None, wrap_lines=True)
    if result.added and result.batch is not None:
        last = LastImport(batch=result.batch, file=upload.name, added=result.added, by=current_user())
        st.session_state[LAST_IMPORT] = last
        confirm.cancel(UNDO)  # a question about an earlier import is not confirmed for this one


@dataclass(frozen=True)
class LastImport:
    """An import made on the page this session (import_batches.id), kept so it can be undone later."""

    batch: int
    file: str
    added: int
    by: str  # who imported it (ui.session.current_user): only they are offered the undo


def undo_offer() -> LastImport | None:
    """The offer to undo this session's last import, asked first; the import on the run the person
    confirms (the page then undoes it), else None. Drawn on every run until then, so reading the
    result or using the rest of the page does not lose it."""
    last: LastImport | None = st.session_state.get(LAST_IMPORT)
    if last is None:
        return None
    if last.by != current_user():  # signed out since, and someone else signed in on this tab
        st.session_state.pop(LAST_IMPORT, None)
        confirm.cancel(UNDO)
        return None
    one = last.added == 1
    offer = "feedback.import.undo_offer_one" if one else "feedback.import.undo_offer"
    st.caption(t(offer, batch=last.batch, file=plain(last.file), added=last.added))
    if st.button(t("feedback.import.undo"), icon=":material/undo:", key=f"{UNDO}_ask"):
        confirm.ask(UNDO, last)  # asked first: the items go with their history
    question = "feedback.import.undo_question_one" if one else "feedback.import.undo_question"
    asked = t(question, batch=last.batch, file=plain(last.file), added=last.added)
    return confirm.confirmed(UNDO, asked, confirm=t("feedback.import.undo_yes"))


def undone(last: LastImport, removed: int) -> str:
    """Forget the import once undone (the offer goes); what to tell the person."""
    st.session_state.pop(LAST_IMPORT, None)
    if not removed:  # undone before: from the command line, or in another tab
        return t("feedback.import.undone_before", batch=last.batch)
    key = "feedback.import.undone_one" if removed == 1 else "feedback.import.undone"
    return t(key, batch=last.batch, removed=removed)
