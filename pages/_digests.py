"""Digests, for managers: every scheduled digest with its next run on the community's clock; select
one to edit, pause or resume, delete (asked first) or send a test now, and to see what it sent (its
outbox rows); or add one. Without a channel configured, a note says how an admin adds one
(docs/delivery.md, "Digests")."""

from __future__ import annotations

import streamlit as st

import clock
from delivery.channels import load_channels
from digests import due
from digests.subscriptions import (
    DigestRefused,
    add_digest,
    delete_digest,
    edit_digest,
    history,
    list_digests,
    local_time,
    set_enabled,
)
from ui import confirm, data
from ui.data_views import stored_error
from ui.digest_form import digest_editor, digest_rows, history_rows
from ui.i18n import t
from ui.page import data_errors_stop_the_page, open_page
from ui.session import current_user, setup_note
from ui.tables import data_table, error_markdown, moment, period_days, plain

COLUMNS = ("name", "members", "schedule", "next_run", "recipients", "state")
HISTORY = ("channel", "message", "status", "attempts", "queued", "sent", "error")

settings, version = open_page("digests")
st.caption(t("digests.intro", timezone=settings.timezone))
store = data.app_store(settings.app_db_url)
now = clock.now()
with data_errors_stop_the_page():
    channels = sorted(load_channels(settings))
    kept = list_digests(store)
    choices = data.load_dimension_values(settings, version)
if not channels:
    st.info(setup_note("digests.no_channels"))

picked = None
if kept:
    row = data_table(
        digest_rows(kept, timezone=settings.timezone, now=now),
        key="digests_table",
        file_name="digests",
        column_config={name: t(f"digests.column.{name}") for name in COLUMNS},
        selectable=True,
    )
    st.caption(t("digests.pick"))
    picked = None if row is None else kept[row]
else:
    st.info(t("digests.none"))

with st.expander(
    t("digests.edit", name=plain(picked.name)) if picked else t("digests.add"), expanded=picked is not None
):
    wanted = digest_editor(
        picked, channels=channels, choices=choices, language=settings.language, timezone=settings.timezone
    )
    if wanted is not None:
        try:
            if picked is None:
                add_digest(store, **wanted, by=current_user(), now=clock.now())
            else:
                edit_digest(store, picked.id, **wanted, by=current_user(), now=clock.now())
        except DigestRefused as refused:
            st.error(error_markdown(refused))
        else:
            st.toast(t("digests.saved"), icon=":material/check:")
            st.rerun()

if picked is not None:
    actions = st.container(horizontal=True)
    if actions.button(t("digests.pause" if picked.enabled else "digests.resume"), key="digests_pause"):
        set_enabled(store, picked.id, not picked.enabled, by=current_user(), now=clock.now())
        resumed = local_time(picked.next_run(settings.timezone, now=clock.now()), settings.timezone)
        st.toast(t("digests.resumed", when=moment(resumed)) if not picked.enabled else t("digests.paused"))
        st.rerun()
    if actions.button(t("digests.try"), key="digests_try", icon=":material/send:"):
        with st.spinner(t("digests.try")), data_errors_stop_the_page():
            tried = due.send_now(settings, store, picked.id, now=clock.now(), warehouse=data.warehouse(settings))
        st.success(
            t(
                "digests.tried_one" if tried.queued == 1 else "digests.tried",
                count=tried.queued,
                period=t("digests.message.period", **period_days(tried.filters)),
            )
        )
        if tried.missing:
            st.warning(t("digests.missing", names=plain(", ".join(tried.missing))))
    if actions.button(t("digests.delete"), key="digests_delete_button", icon=":material/delete:"):
        confirm.ask("digests_delete", picked.id)

    if picked.failed_at is not None:
        reason = stored_error(picked.failure_said, picked.failure) or ""
        when = moment(local_time(picked.failed_at, settings.timezone))
        minutes = int(due.RETRY_AFTER.total_seconds() // 60)
        st.warning(t("digests.failing", when=when, reason=plain(reason), minutes=minutes), icon=":material/error:")

    st.subheader(t("digests.history", name=plain(picked.name)))
    sent = history(store, picked.id)
    if sent.empty:
        first = local_time(picked.next_run(settings.timezone, now=now), settings.timezone)
        st.info(t("digests.no_history", when=moment(first)))
    else:
        data_table(
            history_rows(sent, timezone=settings.timezone),
            key="digests_history",
            file_name="digest-history",
            column_config={name: t(f"digests.column.{name}") for name in HISTORY},
        )

gone = next((d for d in kept if d.id == confirm.pending("digests_delete")), None)
question = t("digests.confirm_delete", name=plain(gone.name)) if gone else ""
if gone is not None and confirm.confirmed("digests_delete", question, confirm=t("digests.delete")):
    delete_digest(store, gone.id)
    st.toast(t("digests.deleted"), icon=":material/check:")
    st.rerun()
