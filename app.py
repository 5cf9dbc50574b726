"""Community Pulse: the entry point. Sets up the page, decides who is signed in, and registers the
pages their role may see with st.navigation (a page a role may not see is not registered at all).

A survey address (/survey, or any address with ?s=<slug>) registers the member's survey page alone,
with no navigation and no sign-in: a member reaches the survey and nothing else. A share link
(?share=<token>) likewise registers its one page, read-only, with what the link reveals.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import streamlit as st

from auth.access import may_see
from auth.pages import DASHBOARDS, SIGN_IN, SURVEY
from auth.share_links import LinkRefused
from settings import Settings, SettingsError
from store.database import AppStore, StoreError
from ui import session
from ui.background import refresh_when_due
from ui.data import app_store, current_settings, warm_up_sentiment
from ui.i18n import t
from ui.language import choose_language, language_switch, with_account
from ui.language import write_cookie as write_language_cookie
from ui.page import LAYOUT, mark_entry
from ui.presentation import present, presenting

log = logging.getLogger(__name__)
mark_entry()
warm_up_sentiment()

def wants_survey() -> bool:
    path = urlparse(st.context.url or "").path.rstrip("/")
    return "s" in st.query_params or path.endswith("/survey")


def sign_out() -> None:
    session.sign_out(settings, app_store(settings.app_db_url))
    if st.user.get("is_logged_in"):
        st.logout()
    st.rerun()


def language_bar(store: AppStore | None, email: str | None, *, local: bool = False) -> None:
    """The top line of every page: the language switch on the right (and, in local mode, what local
    mode means on the left); nothing on a projector."""
    if presenting():
        return
    with st.container(horizontal=True, vertical_alignment="center", key="pulse_top"):
        st.caption(t("session.local_mode") if local else "", width="stretch")
        language_switch(store, email)
    write_language_cookie()


try:
    settings = current_settings()
except SettingsError as error:
    st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")
    st.error(t("error.settings", error=error))
    st.stop()
choose_language(default=settings.language)
st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")

if wants_survey():
    # Twice: a default page is served at "/" (its url path is empty), so /survey needs its own entry.
    pages = [
        st.Page(SURVEY.file, title=t(SURVEY.nav), url_path=SURVEY.url),
        st.Page(SURVEY.file, title=t(SURVEY.nav), url_path=f"{SURVEY.url}-home", default=True),
    ]
    st.navigation(pages, position="hidden").run()
    st.stop()


def serve_share_link(settings: Settings, token: str) -> None:
    """A share link opens its one page and nothing else, showing the view kept with the link (the
    address adds nothing); a bad link, or a link opened at another page's address, gets a message."""
    try:
        link = session.open_shared(settings, app_store(settings.app_db_url), token)
    except LinkRefused as refused:
        session.forget_share_link()
        st.error(t(refused.key, **refused.values))
        st.stop()
    except StoreError:
        session.forget_share_link()
        log.exception("The app store did not answer while opening a share link.")
        st.error(t("error.app_store"))
        st.stop()
    shared = next(page for page in DASHBOARDS if page.url == link.page)
    asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    if asked != shared.url and asked in {page.url for page in DASHBOARDS}:
        session.forget_share_link()
        st.error(t("share.refused.not_valid"))
        st.stop()
    choose_language(default=settings.language, link_language=link.query.get("lang"))  # the maker's
    # Twice, as for the survey: the default page is served at "/" only, so /<page> needs its own entry.
    pages = [
        st.Page(shared.file, title=t(shared.nav), icon=shared.icon, url_path=shared.url),
        st.Page(shared.file, title=t(shared.nav), icon=shared.icon, url_path=f"{shared.url}-shared", default=True),
    ]
    present()
    language_bar(None, None)
    st.navigation(pages, position="hidden").run()
    st.stop()


try:
    if token := st.query_params.get("share"):
        serve_share_link(settings, token)
    mode = session.sign_in_mode(settings)
    if mode is session.Mode.LOCAL and (problem := session.local_mode_problem(settings)):
        st.error(problem)
        st.stop()
    store = app_store(settings.app_db_url)
    account = session.resolve_account(settings, mode, store)
except SettingsError as error:
    st.error(t("error.settings", error=error))
    st.stop()
except StoreError:
    log.exception("The app store did not answer while deciding who is signed in.")
    st.error(t("error.app_store"))  # never the database's address: anyone may be reading
    st.stop()

session.write_cookie(settings)
if account is None:  # only the sign-in page exists for someone not signed in
    language_bar(None, None)
    st.navigation([st.Page(SIGN_IN.file, title=t(SIGN_IN.nav), url_path=SIGN_IN.url, default=True)]).run()
    st.stop()

with_account(store, account.email)

refresh_when_due(settings)
pages = [
    st.Page(page.file, title=t(page.nav), icon=page.icon, url_path=page.url, default=page.home)
    for page in DASHBOARDS  # auth/pages.py
    if may_see(account.role, page)
]
st.html(LAYOUT)  # ui.page.LAYOUT: spacing, and two tiles to a row on a phone
if mode is not session.Mode.LOCAL:
    pages.append(st.Page(sign_out, title=t("nav.sign_out"), icon=":material/logout:", url_path="sign-out"))
language_bar(store, account.email, local=mode is session.Mode.LOCAL)
present()
st.navigation(pages, position="hidden" if presenting() else "top").run()
