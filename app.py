"""Community Pulse: the entry point. Sets up the page and registers the pages with st.navigation."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

st.set_page_config(page_title=t("app.title"), page_icon="📈", layout="wide")

navigation = st.navigation(
    [
        st.Page(
            "pages/overview.py",
            title=t("nav.overview"),
            icon=":material/monitoring:",
            url_path="overview",
            default=True,
        )
    ]
)
navigation.run()
