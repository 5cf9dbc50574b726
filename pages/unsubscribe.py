"""The member's unsubscribe page: /unsubscribe?u=<signed token>&topic=<surveys|feedback>, reached
from the link at the foot of every member email. One click stops that kind of message; the page
then shows which kinds the member still gets, each to stop or take back. It never shows the
member's address or name: the token names the member, and whoever holds the email may use it.

app.py registers this page alone for such an address, with no navigation and no sign-in."""

from __future__ import annotations

import logging

import streamlit as st

import clock
from outreach import consent
from settings import signing_secret
from store.database import StoreError
from ui import data
from ui.i18n import t
from ui.page import no_app_menu, require_entry

log = logging.getLogger(__name__)

require_entry()
no_app_menu()  # the member's page, as the survey is
settings = data.current_settings()
st.set_page_config(page_title=t("unsubscribe.title"), layout="centered")
st.title(t("unsubscribe.title"))
member = consent.member_of(signing_secret(settings), st.query_params.get("u", ""))
if member is None:
    st.warning(t("unsubscribe.invalid"))
    st.stop()
topic = st.query_params.get("topic")
try:
    store = data.app_store(settings.app_db_url)
    wanted = consent.topics_of(store, member)
except StoreError:  # local: the member reads a plain message; the details are in the log
    log.exception("The app store did not answer an unsubscribe page")
    st.error(t("unsubscribe.unreachable"))
    st.stop()


def change(topic: str, *, wanted: bool) -> None:
    try:
        consent.set_wanted(store, member, topic, wanted=wanted, now=clock.now())
    except StoreError:
        log.exception("An unsubscribe could not be stored")
        st.session_state["unsubscribe_failed"] = True


if st.session_state.pop("unsubscribe_failed", False):
    st.error(t("unsubscribe.unreachable"))
if topic in consent.TOPICS and wanted[topic]:
    st.write(t("unsubscribe.ask", kind=t(f"unsubscribe.topic.{topic}")))
    st.button(
        t("unsubscribe.confirm"),
        type="primary",
        key="unsubscribe_confirm",
        on_click=change,
        args=(topic,),
        kwargs={"wanted": False},
    )
elif topic in consent.TOPICS:
    st.success(t("unsubscribe.done", kind=t(f"unsubscribe.topic.{topic}")), icon=":material/check:")

st.subheader(t("unsubscribe.kinds"))
for each in consent.TOPICS:
    with st.container(horizontal=True, vertical_alignment="center"):
        state = "unsubscribe.gets" if wanted[each] else "unsubscribe.stopped"
        st.markdown(t(state, kind=t(f"unsubscribe.topic.{each}")), width="stretch")
        st.button(
            t("unsubscribe.stop" if wanted[each] else "unsubscribe.resume"),
            key=f"unsubscribe_{each}",
            on_click=change,
            args=(each,),
            kwargs={"wanted": not wanted[each]},
        )
