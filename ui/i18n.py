"""t(): a string from the catalog (catalog/) in the language of the person this run serves.

catalog/spoken.py holds t, `speaking` and `current_language` (Streamlit-free, for visuals/, reports/
and the CLI); this module tells it the session's language, which ui/language.py chooses at the top
of every run, and gives pages and ui/ the same names.
"""

from __future__ import annotations

import streamlit as st

from catalog.spoken import current_language, listed, speaking, t, use_session_language
from ui import streamlit_internals

__all__ = ["LANGUAGE_KEY", "current_language", "listed", "speaking", "t"]
LANGUAGE_KEY = "pulse_language"  # the session's language, set by ui.language.choose_language


def _session_language() -> str | None:
    """The session's language inside the app (read on every call: fragments rerun without app.py)."""
    if streamlit_internals.running():
        return st.session_state.get(LANGUAGE_KEY)
    return None


use_session_language(_session_language)
