"""Ids people type (an address's ?item=12, a search for #12, ?member=m-7): read strictly, because
anyone can write an address. A value that is not an id is None, never an exception."""

from __future__ import annotations

MAX_DIGITS = 18  # every id below 10**18 fits a signed 64-bit integer (SQLite, PostgreSQL BIGINT)
MAX_KEY = 200  # the longest text id (member, campaign, survey slug) an address may name


def parse_id(text: object, *, minimum: int = 1) -> int | None:
    """A numeric id (or a count, with minimum=0): 1 to 18 ASCII digits, at least `minimum`.
    str.isdigit() alone accepts "²" (which int() refuses), and int() takes a sign, spaces,
    underscores and, up to 4,300 digits, numbers no database column holds (OverflowError)."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text) if int(text) >= minimum else None


def parse_key(text: object) -> str | None:
    """A text id (member, campaign, survey): printable, without surrounding spaces, at most MAX_KEY
    characters. Whether it names anything is for the page to find out."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_KEY or text != text.strip():
        return None
    return text if text.isprintable() else None
