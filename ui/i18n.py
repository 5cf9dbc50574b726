"""t(): a string from the catalog (catalog/) in the language of the person this run serves.

Inside the app the language is the session's (ui/language.py chooses it at the top of every run);
outside it (the CLI's reports) it is the one `speaking` sets, else English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from catalog import DEFAULT, translate
from ui import streamlit_internals

LANGUAGE_KEY = "pulse_language"  # the session's language, set by ui.language.choose_language
_SPOKEN: ContextVar[str | None] = ContextVar("pulse_language", default=None)


def current_language() -> str:
    """The language of this run: the one `speaking` set (a report's), else the session's inside
    the app, else English."""
    spoken = _SPOKEN.get()
    if spoken:
        return spoken
    if streamlit_internals.running():
        return str(st.session_state.get(LANGUAGE_KEY) or DEFAULT)
    return DEFAULT


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """t() speaks `language` inside the block (a report in its own language, in the app or the CLI)."""
    token = _SPOKEN.set(language)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def t(key: str, *, language: str | None = None, **values: object) -> str:
    """The string for `key` in `language` (else this run's language), formatted with `values`."""
    return translate(key, language or current_language(), **values)
