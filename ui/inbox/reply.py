"""Telling a member what became of their feedback, from the open item: the reply template in the
member's language, filled and editable, sent through the outbox once and recorded in the item's
history (outreach/replies.py). The member's address is never shown; the form says only whether
there is one to write to."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import clock
from delivery.channels import EmailChannel, load_channels
from outreach import replies, templates
from outreach.invitations import member_languages
from outreach.messages import Recipient, email_channel, is_address, sending_for
from settings import Settings
from store.database import AppStore
from ui import data
from ui.i18n import t
from ui.page import data_errors_stop_the_page
from ui.session import current_user, setup_note
from ui.tables import error_markdown


def _email_channel(settings: Settings) -> EmailChannel | None:
    with data_errors_stop_the_page():
        return email_channel(load_channels(settings))


def tell_member(settings: Settings, store: AppStore, item: pd.Series) -> bool:
    """The "Tell the member" form of an item from a known member; True once a reply was queued
    (the item's version went up by one)."""
    member_id = item["member_id"]
    if not isinstance(member_id, str) or not member_id:
        return False
    # Lazy: the form (the member's address, language and wording read for it) is built only while
    # open, so moving through items does not pay for it; each item's starts closed.
    box = st.expander(
        t("reply.title"), icon=":material/forward_to_inbox:", key=f"feedback_reply_{item['id']}", on_change="rerun"
    )
    if not box.open:
        return False
    with box:
        channel = _email_channel(settings)
        if channel is None:
            st.caption(setup_note("invites.no_channel"))
            return False
        with data_errors_stop_the_page():
            found = data.load_member_address(settings, member_id)
            with store.read() as connection:
                language = member_languages(connection, [member_id]).get(member_id, settings.language)
            wording = templates.load(store, "reply", language)
        if found is None or not is_address(found[1]):
            st.caption(t("outreach.reply.no_address"))
            return False
        name, address = found
        values = replies.reply_values(text=str(item["text"]), status=str(item["status"]), language=language)
        subject, body = templates.fill(wording, name=name, **values)
        version = int(item["version"])
        with st.form(f"reply_{item['id']}_{version}"):
            subject = st.text_input(t("invites.subject"), subject)
            body = st.text_area(t("invites.body"), body, height=220)
            st.caption(t("reply.note"))
            send = st.form_submit_button(t("reply.send"), type="primary", icon=":material/send:")
        if not send:
            return False
        sending = sending_for(store, settings, channel, "reply", actor=current_user(), now=clock.now())
        try:
            with data_errors_stop_the_page():
                queued = replies.send_reply(
                    store,
                    sending,
                    Recipient(member_id, name, address, language),
                    feedback_id=int(item["id"]),
                    version=version,
                    subject=subject,
                    body=body,
                )
        except replies.ReplyRefused as refused:  # local: the edited reply stays in the form
            st.error(error_markdown(refused))
            return False
        st.session_state["feedback_saved"] = t("reply.queued" if queued else "reply.already", id=int(item["id"]))
        return queued
