"""Sign in: with the configured OIDC provider (st.login), or with a built-in account."""

from __future__ import annotations

import logging

import streamlit as st

import clock
from auth.accounts import SignInRefused, check_password
from settings import SettingsError
from store.database import StoreError
from ui import data, session
from ui.i18n import t
from ui.page import require_entry
from ui.tables import plain

log = logging.getLogger(__name__)
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
    email = st.text_input(t("sign_in.email"), key="sign_in_email")
    password = st.text_input(t("sign_in.password"), type="password", key="sign_in_password")
    submitted = st.form_submit_button(t("sign_in.button"), type="primary")
if submitted:
    try:
        account = check_password(
            session.accounts(settings),
            email,
            password,
            app_store=data.app_store(settings.app_db_url),
            now=clock.now(),
        )
    except SignInRefused as refused:
        st.error(t(refused.key, **refused.values))
        st.stop()
    except StoreError:
        log.exception("The app store did not answer a sign-in.")
        st.error(t("error.app_store"))  # never the database's address: anyone may be reading
        st.stop()
    try:
        session.remember_sign_in(settings, account, data.app_store(settings.app_db_url))
    except SettingsError as error:  # no signing key could be kept
        st.error(t("error.settings", error=error))
        st.stop()
    except StoreError:
        log.exception("The app store did not record a sign-in.")
        st.error(t("error.app_store"))
        st.stop()
    st.rerun()
