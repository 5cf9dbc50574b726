"""The one error family: every error a person is told about is a PulseError.

A PulseError carries `user_message` (what is wrong, where, what to do; English, safe for the log) and
optionally `hint` (what to do, when it is kept apart), plus an optional catalog `key` and `values`
so a page can say it in the person's language. Pages catch it in one place
(ui.page.data_errors_stop_the_page), the CLI in its main; anything else is a bug, logged with its
traceback and a reference (logs.py). Each subclass says in its docstring when it is raised.

Bottom layer: it imports only the catalog (which imports nothing of the project).
"""

from __future__ import annotations

from catalog import translate


class PulseError(Exception):
    """Base of every domain error; never raised itself. `text(language)` is what a person reads."""

    key: str | None = None  # a subclass's catalog key when every instance says the same thing

    def __init__(self, user_message: str, key: str | None = None, *, hint: str = "", **values: object) -> None:
        super().__init__(f"{user_message} {hint}" if hint else user_message)
        self.user_message = user_message
        self.hint = hint
        self.key = key or type(self).key
        self.values = values

    def text(self, language: str) -> str:
        """What to show a person reading `language`: the catalog's words when there is a key, else
        the English message (and what to do)."""
        if self.key:
            return translate(self.key, language, **self.values)
        return str(self)
