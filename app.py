"""Community Pulse: the entry point. Sets up the page, decides who is signed in, and registers the
pages their role may see with st.navigation (a page a role may not see is not registered at all).

A survey address (/survey, or any address with ?s=<slug>) registers the member's survey page alone,
with no navigation and no sign-in: a member reaches the survey and nothing else; an unsubscribe
address (/unsubscribe?u=<token>) likewise its page. A share link
(?share=<token>) likewise registers its one page, read-only, with what the link reveals.
"""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

import logs
from auth.access import may_see
from auth.pages import DASHBOARDS, SIGN_IN, SURVEY, UNSUBSCRIBE, PageSpec
from errors import PulseError
from settings import Settings, SettingsError
from store.database import AppStore
from ui import session
from ui.background import refresh_when_due
from ui.data import app_store, current_settings, warm_up_sentiment
from ui.i18n import t
from ui.language import choose_language, language_switch, with_account
from ui.language import write_cookie as write_language_cookie
from ui.page import LAYOUT, data_errors_stop_the_page, failures_end_the_page, mark_entry
from ui.presentation import present, presenting
from ui.tables import error_markdown
from ui.warming import page_run

mark_entry()
warm_up_sentiment()


def member_page() -> PageSpec | None:
    """The member's page this address asks for: the survey (/survey, or ?s=<slug>) or the
    unsubscribe page (/unsubscribe, or ?u=<token>); None for everything else."""
    path = urlparse(st.context.url or "").path.rstrip("/")
    if "s" in st.query_params or path.endswith("/survey"):
        return SURVEY
    if "u" in st.query_params or path.endswith("/unsubscribe"):
        return UNSUBSCRIBE
    return None


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
except SettingsError as error:  # caught here: the page's config comes first, and there is no log yet
    st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")
    st.error(error_markdown(error))  # "The configuration is not usable: …" (SettingsError.text)
    st.stop()
logs.configure(settings)  # once per process and settings
choose_language(default=settings.language)
member = member_page()
# A member's page is centred from the first config on: set wide here and centred by the page, a
# browser kept the wide one in some visits (a survey 1,400 px wide at a desk, the second link opened).
st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="centered" if member else "wide")

if member:
    # Twice: a default page is served at "/" (its url path is empty), so /survey needs its own entry.
    pages = [
        st.Page(member.file, title=t(member.nav), url_path=member.url),
        st.Page(member.file, title=t(member.nav), url_path=f"{member.url}-home", default=True),
    ]
    with failures_end_the_page():
        st.navigation(pages, position="hidden").run()
    st.stop()


def serve_share_link(settings: Settings, token: str) -> None:
    """A share link opens its one page and nothing else, showing the view kept with the link (the
    address adds nothing); a bad link, or a link opened at another page's address, gets a message."""
    with data_errors_stop_the_page():  # a refused link in the catalog's words, a store outage generically
        try:
            link = session.open_shared(settings, app_store(settings.app_db_url), token)
        except PulseError:
            session.forget_share_link()
            raise
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
    st.html(LAYOUT)  # as every dashboard page has it: a shared page's tiles two to a row on a phone too
    present()
    language_bar(None, None)
    with failures_end_the_page():
        st.navigation(pages, position="hidden").run()
    st.stop()


with data_errors_stop_the_page():  # never the database's address: anyone may be reading
    if token := st.query_params.get("share"):
        serve_share_link(settings, token)
    mode = session.sign_in_mode(settings)
    if mode is session.Mode.LOCAL and (problem := session.local_mode_problem(settings)):
        st.error(problem)
        st.stop()
    store = app_store(settings.app_db_url)
    account = session.resolve_account(settings, mode, store)

session.write_cookie(settings)
if account is None:  # only the sign-in form exists for someone not signed in...
    language_bar(None, None)
    # ...at every page's address too: /feedback?status=open asks to sign in there (not Streamlit's
    # "Page not found" over the main page), and once signed in the same address is the page asked for.
    forms = [st.Page(SIGN_IN.file, title=t(SIGN_IN.nav), url_path=SIGN_IN.url, default=True)]
    forms += [st.Page(SIGN_IN.file, title=t(SIGN_IN.nav), url_path=page.url) for page in DASHBOARDS]
    with failures_end_the_page():
        st.navigation(forms, position="hidden").run()
    st.stop()

with_account(store, account.email)

refresh_when_due(settings)
pages: dict[str, list[st.Page]] = {}  # by section: "" first, as links of their own; then the menus
for page in DASHBOARDS:  # auth/pages.py
    if may_see(account.role, page):
        section = t(f"nav.section.{page.section}") if page.section else ""
        pages.setdefault(section, []).append(
            st.Page(page.file, title=t(page.nav), icon=page.icon, url_path=page.url, default=page.home)
        )
st.html(LAYOUT)  # ui.page.LAYOUT: spacing, and two tiles to a row on a phone
if mode is not session.Mode.LOCAL:
    pages[""].append(st.Page(sign_out, title=t("nav.sign_out"), icon=":material/logout:", url_path="sign-out"))
language_bar(store, account.email, local=mode is session.Mode.LOCAL)
present()
with failures_end_the_page(), page_run(settings):  # warming gives way, then warms around the view shown
    st.navigation(pages, position="hidden" if presenting() else "top").run()
