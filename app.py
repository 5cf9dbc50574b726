"""Community Pulse: the entry point. Sets up the page and registers the pages with st.navigation.

A survey address (/survey, or any address with ?s=<slug>) registers the member's survey page alone,
with no navigation: a member reaches the survey and nothing else.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlparse

import streamlit as st

from settings import SettingsError
from ui.background import refresh_when_due
from ui.data import current_settings, warm_up_sentiment
from ui.i18n import t
from ui.page import mark_entry

mark_entry()
st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")
warm_up_sentiment()

PAGES = [  # (file, url path, icon)
    ("pages/overview.py", "overview", ":material/monitoring:"),
    ("pages/members.py", "members", ":material/group:"),
    ("pages/engagement.py", "engagement", ":material/forum:"),
    ("pages/campaigns.py", "campaigns", ":material/campaign:"),
    ("pages/lookup.py", "lookup", ":material/person_search:"),
    ("pages/surveys.py", "surveys", ":material/ballot:"),
    ("pages/feedback.py", "feedback", ":material/inbox:"),
    ("pages/data.py", "data", ":material/database:"),
]


def wants_survey() -> bool:
    path = urlparse(st.context.url or "").path.rstrip("/")
    return "s" in st.query_params or path.endswith("/survey")


if wants_survey():
    # Twice: a default page is served at "/" (its url path is empty), so /survey needs its own entry.
    pages = [
        st.Page("pages/survey.py", title=t("nav.survey"), url_path="survey"),
        st.Page("pages/survey.py", title=t("nav.survey"), url_path="survey-home", default=True),
    ]
    position = "hidden"
else:
    with contextlib.suppress(SettingsError):  # a bad setting is shown by the page itself
        refresh_when_due(current_settings())
    pages = [
        st.Page(path, title=t(f"nav.{url}"), icon=icon, url_path=url, default=url == "overview")
        for path, url, icon in PAGES
    ]
    position = "top"
st.navigation(pages, position=position).run()
