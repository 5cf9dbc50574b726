"""t(): a string from the catalog in the language this run speaks, without Streamlit, so charts,
formats and reports (visuals/, reports/) and the CLI translate as the pages do.

The language is the one `speaking` sets for a block (a report in its own language), else the one a
hook gives: ui/i18n.py installs a hook that reads the session's language (ui/language.py chooses it
at the top of every run; a fragment's rerun does not run app.py, so the session is asked on every
call rather than told once). Without either (the CLI, tests outside the app), English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from catalog import DEFAULT, translate

_SPOKEN: ContextVar[str | None] = ContextVar("pulse_language", default=None)
_hook: list[Callable[[], str | None]] = []  # the session's language, when ui/i18n.py has installed it
_zone_hook: list[Callable[[], str | None]] = []  # the community's time zone, when ui/tables.py has installed it


def use_session_language(hook: Callable[[], str | None]) -> None:
    """Make `hook` (the session's language, or None outside a session) what current_language falls
    back on when no `speaking` block is open."""
    _hook[:] = [hook]


def use_community_zone(hook: Callable[[], str | None]) -> None:
    """Make `hook` (the community's time zone inside the app, else None) the clock messages read
    a kept moment on (errors.When)."""
    _zone_hook[:] = [hook]


def community_zone() -> str | None:
    """The time zone the app shows times in, inside the app; None elsewhere (the CLI, logs: UTC)."""
    return _zone_hook[0]() if _zone_hook else None


def current_language() -> str:
    """The language of this run: the one `speaking` set (a report's), else the session's inside
    the app, else English."""
    spoken = _SPOKEN.get()
    if spoken:
        return spoken
    return str((_hook[0]() if _hook else None) or DEFAULT)


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


def listed(items: Iterable[str], *, language: str | None = None) -> str:
    """Items joined as the language lists them: "a, b" in English, "a、b" in Chinese."""
    return t("list.separator", language=language).join(items)
