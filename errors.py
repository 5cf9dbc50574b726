"""The one error family: every error a person is told about is a PulseError.

A PulseError carries `user_message` (what is wrong, where, what to do; English, safe for the log) and
optionally `hint` (what to do, when it is kept apart), plus an optional catalog `key` and `values`
so a page can say it in the person's language. Pages catch it in one place
(ui.page.data_errors_stop_the_page), the CLI in its main; anything else is a bug, logged with its
traceback and a reference (logs.py). Each subclass says in its docstring when it is raised.

A message made from the catalog is a `Said`: a str whose value is the English (for the log, the CLI
and comparisons) that also keeps its key and values, so a page can say it in another language.
Raise `SomeError(Said("key", file=name))` and the error takes the key and values from it (or
`SomeError(Lines([...]))` for a list of problems, each a Said); warnings are lists of Said.
tests/test_error_keys.py fails when an error a page can show is raised without a key.

Bottom layer: it imports only the catalog (which imports nothing of the project).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from catalog import CATALOGS, DEFAULT, translate

Quote = Callable[[object], str]  # a page's escaping of values quoted from people's data (ui.tables.plain)


def quoted(values: dict[str, object], quote: Quote | None, language: str = "en") -> dict[str, object]:
    """`values` as said in `language`: a Said in it, each text value passed through `quote` (numbers
    keep their formats)."""
    return {name: _value(value, quote, language) for name, value in values.items()}


def _value(value: object, quote: Quote | None, language: str) -> object:
    if isinstance(value, Sayable):  # a message inside a message (a Said, a Problem): in the same language
        return value.text(language, quote=quote)
    return quote(value) if quote and isinstance(value, str) else value


@runtime_checkable
class Sayable(Protocol):
    """What can be said in a language: a Said, Lines, a data source's Problem."""

    def text(self, language: str, *, quote: Quote | None = None) -> str: ...


@runtime_checkable
class Composed(Protocol):
    """A message made of catalog messages (a data source's Problem, a Shrink, a PulseError):
    `said()` is it as a Said, Lines or Listed, which can be kept (errors.kept) and said later."""

    def said(self) -> str: ...


@dataclass(frozen=True)
class When:
    """A kept moment (UTC, without a zone) in a message: on the community's clock and in the
    reader's words on a page ("1 Dec 2026, 19:28"), in UTC and saying so elsewhere (the English
    kept for the log and the CLI: "2026-12-01 11:28 UTC")."""

    at: datetime

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} UTC"

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        from catalog.locale import moment  # babel and pandas: loaded when a page says a moment
        from catalog.spoken import community_zone

        zone = community_zone()
        return moment(self.at, language, zone=zone) if zone else str(self)


# Who made a change, as the stores record it: local mode and the app's own processes by these names
# (ui.session.LOCAL_USER, feedback.messages.ACTOR, outreach.auto_replies.ACTOR…), said in the
# catalog's words; anyone else by the address they signed in with.
ACTORS = {
    "local": "actor.local",
    "survey": "actor.survey",  # feedback from a survey's answers (surveys.submission)
    "connector": "actor.connector",  # feedback from a platform's messages (feedback.messages.ACTOR)
    "cli": "actor.cli",  # `cli.py` imports
    "reminders": "actor.reminders",  # reminders sent on schedule (outreach.reminders)
    "auto-reply": "feedback.actor.auto_reply",  # outreach.auto_replies.ACTOR
}


FILE_ACTORS = (".yaml", ".yml")  # a survey's definition file, its publisher when none signed in


@dataclass(frozen=True)
class Who:
    """Who made a change, in a message: local mode and the app's own processes in the reader's
    words ("local user", not "you": sign-in may have been set up since), anyone else as recorded."""

    actor: str

    def __str__(self) -> str:
        return self.text(DEFAULT)

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        if self.actor in ACTORS:
            return translate(ACTORS[self.actor], language)
        shown = quote(self.actor) if quote else self.actor
        if self.actor.endswith(FILE_ACTORS):  # a survey published from its file (surveys.registry)
            return translate("actor.file", language, file=shown)
        return shown


class Said(str):
    """A catalog message with its values; the string is its English. text(language) says it in
    `language`, each text value passed through `quote` first (markdown-safe on a page)."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Said:
        said = super().__new__(cls, translate(key, "en", **values))
        said.key = key
        said.values = values
        return said

    def __reduce__(self) -> tuple[Any, ...]:  # pickled and copied with its key (st.session_state, caches)
        return (_said, (self.key, self.values))

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return translate(self.key, language, **quoted(self.values, quote, language))


def _said(key: str, values: dict[str, Any]) -> Said:
    return Said(key, **values)


def either(items: list[str]) -> str:
    """'A or B or C' (2 to 4 items) in every language: a Said; one item as it is."""
    if len(items) == 1:
        return items[0]
    return Said(f"list.or.{len(items)}", **{f"item{number}": item for number, item in enumerate(items, start=1)})


class Lines(str):
    """Messages one a line (each a Said, or English text with no key); the string is their English."""

    messages: tuple[str, ...]

    def __new__(cls, messages: Iterable[str]) -> Lines:
        kept = tuple(messages)
        lines = super().__new__(cls, "\n".join(kept))
        lines.messages = kept
        return lines

    def __reduce__(self) -> tuple[Any, ...]:
        return (Lines, (self.messages,))

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return lines_in(self.messages, language, quote=quote)


class Listed(str):
    """Items (each a Said, or text quoted as it is) joined by the catalog's `separator` (", " is
    "、" in Chinese); the string is their English."""

    items: tuple[str, ...]
    separator: str

    def __new__(cls, items: Iterable[str], *, separator: str = "list.separator") -> Listed:
        kept = tuple(items)
        listed = super().__new__(cls, translate(separator, "en").join(kept))
        listed.items, listed.separator = kept, separator
        return listed

    def __reduce__(self) -> tuple[Any, ...]:
        return (_listed, (self.items, self.separator))

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return translate(self.separator, language).join(in_language(item, language, quote=quote) for item in self.items)


def _listed(items: tuple[str, ...], separator: str) -> Listed:
    return Listed(items, separator=separator)


def in_language(message: str, language: str, *, quote: Quote | None = None) -> str:
    """A message (a Said, or English text with no key) as a person reading `language` reads it."""
    if isinstance(message, Sayable):
        return message.text(language, quote=quote)
    return quote(message) if quote else message


def lines_in(messages: Iterable[str], language: str, *, quote: Quote | None = None) -> str:
    """Messages one a line, each in `language`."""
    return "\n".join(in_language(message, language, quote=quote) for message in messages)


class PulseError(Exception):
    """Base of every domain error; never raised itself. `text(language)` is what a person reads."""

    key: str | None = None  # a subclass's catalog key when every instance says the same thing

    def __init__(self, user_message: str, key: str | None = None, *, hint: str = "", **values: object) -> None:
        super().__init__(f"{user_message} {hint}" if hint else user_message)
        if isinstance(user_message, Said) and key is None:  # Error(Said(key, ...)): its key and values
            key, values = user_message.key, {**user_message.values, **values}
        self.lines = user_message if isinstance(user_message, Lines) else None  # Error(Lines([...]))
        self.user_message = str(user_message)
        self.hint = hint
        self.key = key or type(self).key
        self.values = values

    def said(self) -> str:
        """What a person is told, to keep and say later in their language (errors.kept): a Said, Lines
        of them, or the English message when there is no key."""
        if self.key:
            return Said(self.key, **self.values)
        return self.lines if self.lines is not None else str(self)

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        """What to show a person reading `language`: the catalog's words when there is a key, else
        the English message (and what to do); `quote` escapes what is quoted from people's data
        (with no key, the whole message)."""
        if self.key:
            return translate(self.key, language, **quoted(self.values, quote, language))
        if self.lines is not None:
            return self.lines.text(language, quote=quote)
        return quote(str(self)) if quote else str(self)


# A message kept in the store (a sync run's error, a write-back row's last error) is JSON data that
# keeps its keys and values, next to its English, so a page says it in the reader's language.


def kept(message: object) -> Any:
    """A message (a Said, Lines, Listed, a Composed one, or text) as JSON data with its keys and
    values (numbers stay numbers; any other value is kept as its text); `recalled` makes it again."""
    if isinstance(message, Said):
        return {"said": message.key, "values": {name: kept(value) for name, value in message.values.items()}}
    if isinstance(message, Lines):
        return {"lines": [kept(line) for line in message.messages]}
    if isinstance(message, Listed):
        return {"listed": [kept(item) for item in message.items], "separator": message.separator}
    if isinstance(message, Composed):
        return kept(message.said())
    if message is None or isinstance(message, bool | int | float):
        return message
    return str(message)


def recalled(data: object) -> str | None:
    """The message `kept` made (a Said, Lines, Listed or text); None when `data` is not one, or
    names a key the catalog no longer has (the caller shows the English kept beside it)."""
    try:
        return _recalled(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def _recalled(data: object) -> Any:
    if isinstance(data, dict) and "said" in data:
        if data["said"] not in CATALOGS[DEFAULT]:
            raise KeyError(data["said"])
        return Said(data["said"], **{name: _recalled(value) for name, value in data["values"].items()})
    if isinstance(data, dict) and "lines" in data:
        return Lines(_recalled(line) for line in data["lines"])
    if isinstance(data, dict) and "listed" in data:
        return Listed((_recalled(item) for item in data["listed"]), separator=data["separator"])
    if data is None or isinstance(data, bool | int | float | str):
        return data
    raise TypeError(type(data).__name__)


def kept_text(data: object, english: object, language: str) -> str | None:
    """A stored message as a person reading `language` reads it: the kept message in their language,
    else (a row stored before messages were kept, or a key since removed) its English as stored."""
    message = recalled(data)
    if isinstance(message, str):
        return in_language(message, language)
    return english if isinstance(english, str) else None
