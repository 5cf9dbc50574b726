"""Which language this person reads the app in: chosen at the top of every run (app.py), kept in
the session for t() (ui/i18n.py), and changed with the switch at the top of every page.

In order, the first that names a language the product has:
1. `?lang=` on any address (zh-CN, zh-TW, en; zh, zh-Hant, zh-HK … are read too);
2. the person's choice in this session (the switch);
3. their kept choice: stored with their account when signed in (it follows them to any browser),
   else the `pulse_lang` cookie (a share link's viewer, the sign-in page);
4. a share link's language, the one its maker read the app in;
5. the browser's language (Accept-Language);
6. the community's default (the `language` setting).
"""

from __future__ import annotations

import logging

import streamlit as st

import clock
from auth.preferences import store_language, stored_language
from catalog import LANGUAGES, NAMES, language_of
from store.database import AppStore, StoreError
from ui.i18n import LANGUAGE_KEY, t

log = logging.getLogger(__name__)

PARAM = "lang"
COOKIE = "pulse_lang"
CHOSEN = "pulse_language_chosen"  # the session's own choice (the switch, or ?lang=)
PENDING = "pulse_language_cookie"  # a choice to write into the cookie on this run
SWITCH = "pulse_language_switch"


def choose_language(*, default: str, link_language: str | None = None) -> str:
    """The language of this run, before anyone is known to be signed in (the sign-in page, a share
    link, the tab title); `with_account` may then apply a signed-in person's kept choice."""
    asked = language_of(st.query_params.get(PARAM))
    if asked is not None:
        st.session_state[CHOSEN] = asked
    language = (
        asked
        or st.session_state.get(CHOSEN)
        or language_of(st.context.cookies.get(COOKIE))
        or language_of(link_language)
        or language_of(st.context.locale)
        or language_of(default)
        or LANGUAGES[0]
    )
    st.session_state[LANGUAGE_KEY] = language
    return language


def with_account(app_store: AppStore, email: str | None) -> str:
    """A signed-in person's kept choice, unless this session or the address chose already."""
    if email and CHOSEN not in st.session_state:
        try:
            kept = language_of(stored_language(app_store, email))
        except StoreError:
            log.exception("The app store did not answer for a person's language")
            kept = None
        if kept is not None:
            st.session_state[LANGUAGE_KEY] = kept
    return str(st.session_state[LANGUAGE_KEY])


def language_switch(app_store: AppStore | None, email: str | None) -> None:
    """The switch: a small menu of the product's languages, each named in itself. A choice is kept
    for the person (with their account, else in a cookie) and takes effect at once."""
    st.session_state[SWITCH] = st.session_state[LANGUAGE_KEY]
    st.selectbox(
        t("language.label"),
        LANGUAGES,
        format_func=NAMES.__getitem__,
        key=SWITCH,
        on_change=_switched,
        args=(app_store, email),
        label_visibility="collapsed",
        width=140,
        placeholder=t("widget.choose"),
    )


def _switched(app_store: AppStore | None, email: str | None) -> None:
    language = st.session_state[SWITCH]
    st.session_state[CHOSEN] = st.session_state[LANGUAGE_KEY] = language
    st.query_params.pop(PARAM, None)  # the address no longer overrides the choice
    st.session_state[PENDING] = language
    if app_store is not None and email:
        try:
            store_language(app_store, email, language, now=clock.now())
        except StoreError:
            log.exception("A person's language could not be kept")


def write_cookie() -> None:
    """Keep a new choice in the browser (a year): our own script, whose only value is a language
    code from LANGUAGES."""
    language = st.session_state.pop(PENDING, None)
    if language not in LANGUAGES:
        return
    secure = "; Secure" if (st.context.url or "").startswith("https://") else ""
    st.html(
        f"<script>document.cookie = '{COOKIE}={language}; Max-Age=31536000; Path=/; SameSite=Lax{secure}';</script>",
        unsafe_allow_javascript=True,
    )
