"""Sign in: with the configured OIDC provider (st.login), or with a built-in account."""

from __future__ import annotations

import streamlit as st

import clock
from auth.accounts import check_password
from ui import data, session
from ui.i18n import t
from ui.page import data_errors_stop_the_page, require_entry
from ui.tables import plain

require_entry()
settings = data.current_settings()
st.title(t("app.title"))

if session.sign_in_mode(settings) is session.Mode.OIDC:
    if st.user.get("is_logged_in"):
        if session.oidc_email_verified(settings):
            st.warning(t("sign_in.no_role", email=plain(st.user.get("email"))))
        else:
            st.warning(t("sign_in.unverified", email=plain(st.user.get("email"))))
        if st.button(t("nav.sign_out"), key="sign_in_out"):
            st.logout()
    elif st.button(t("sign_in.with_provider"), type="primary", key="sign_in_oidc"):
        st.login()
    st.stop()

with st.form("sign_in"):
    email = st.text_input(t("sign_in.email"), key="sign_in_email", autocomplete="username")
    password = st.text_input(
        t("sign_in.password"), type="password", key="sign_in_password", autocomplete="current-password"
    )  # the browser's saved password, not a new one
    submitted = st.form_submit_button(t("sign_in.button"), type="primary")
if submitted:
    # A refusal in the catalog's words (never which part was wrong), the app store's outage without its
    # address (anyone may be reading), a signing key that could not be kept as a settings problem.
    with data_errors_stop_the_page():
        account = check_password(
            session.accounts(settings),
            email,
            password,
            app_store=data.app_store(settings.app_db_url),
            now=clock.now(),
        )
        session.remember_sign_in(settings, account, data.app_store(settings.app_db_url))
    st.rerun()
