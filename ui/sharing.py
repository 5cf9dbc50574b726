"""The Share button of a dashboard page: a read-only link to it with its current filters."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from auth.access import SHAREABLE, Permission
from auth.share_links import DEFAULT_DAYS, LinkRefused, create_link, link_url
from settings import Settings
from ui import data
from ui.i18n import t
from ui.session import current_user, may


def share_button(page: str, settings: Settings) -> None:
    """For those who may share, a popover that makes the link (expiry, what it reveals, presentation)."""
    if page not in SHAREABLE or not may(Permission.SHARE) or st.session_state.get("pulse_share") is not None:
        return
    with st.popover(t("share.button"), icon=":material/share:"):
        days = st.number_input(t("share.days"), min_value=1, max_value=90, value=DEFAULT_DAYS, key=f"{page}_share_days")
        names = st.checkbox(t("share.names"), key=f"{page}_share_names")
        text = st.checkbox(t("share.text"), key=f"{page}_share_text")
        present = st.checkbox(t("share.present"), value=True, key=f"{page}_share_present")
        if st.button(t("share.create"), type="primary", key=f"{page}_share_create"):
            query = {key: st.query_params[key] for key in st.query_params if key not in ("share", "present")}
            if present:
                query["present"] = "1"
            try:
                token = create_link(
                    data.app_store(settings.app_db_url),
                    page=page,
                    query=query,
                    reveal_text=text,
                    reveal_names=names,
                    created_by=current_user(),
                    now=datetime.now(UTC).replace(tzinfo=None),
                    days=int(days),
                    secret=settings.session_secret,
                )
            except LinkRefused as refused:
                st.error(refused.user_message)
                return
            st.caption(t("share.made", days=int(days)))
            st.code(link_url(settings.public_url, page=page, query=query, token=token), language=None)
