"""Community Pulse: the entry point. Sets up the page and registers the pages with st.navigation."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")

PAGES = [  # (file, url path, icon)
    ("pages/overview.py", "overview", ":material/monitoring:"),
    ("pages/members.py", "members", ":material/group:"),
    ("pages/engagement.py", "engagement", ":material/forum:"),
    ("pages/campaigns.py", "campaigns", ":material/campaign:"),
    ("pages/lookup.py", "lookup", ":material/person_search:"),
]

navigation = st.navigation(
    [
        st.Page(path, title=t(f"nav.{url}"), icon=icon, url_path=url, default=url == "overview")
        for path, url, icon in PAGES
    ]
)
navigation.run()
