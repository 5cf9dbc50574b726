"""Values a page reads from its address. Anyone can type an address, so each value is parsed
strictly (ids.py); one that cannot be read is named in a short warning, taken out of the address and
the page is drawn as if it were not there."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

import streamlit as st

from ids import parse_id, parse_key
from settings import Settings
from surveys.public_url import links_base
from ui.i18n import t
from ui.session import shared_link


def links_start(settings: Settings) -> str:
    """Where the links this page shows start: settings.public_url, or on this computer while it is
    left unset, the address the browser has the app at (surveys.public_url.links_base)."""
    served_at = st.context.url
    return links_base(settings.public_url, served_at=served_at, base_path=st.get_option("server.baseUrlPath") or "")


def id_in_address(name: str) -> int | None:
    """A numeric id (?item=12), or None when absent or unreadable (², -5, 20 digits)."""
    return _read(name, parse_id)


def key_in_address(name: str) -> str | None:
    """A text id (?member=m-7), or None when absent or unreadable (control characters, too long)."""
    return _read(name, parse_key)


def choice_in_address(name: str, value: str | None, options: Collection[object]) -> str | None:
    """`value` (read from ?name=) when it is one of the options the page offers, else None with a
    warning: an unknown value would otherwise filter to nothing or name something that is not there."""
    if value is None or value in options:
        return value
    ignore(name)
    return None


def count_in_address(name: str, *, maximum: int) -> int:
    """A whole number from 0 to `maximum` (?older=3), 0 when absent; anything else (a 4,300-digit
    number, -1, "x") is named in a warning, dropped from the address and read as 0."""
    raw = None if shared_link() is not None else st.query_params.get(name)
    if not raw:
        return 0
    count = parse_id(raw, minimum=0)
    if count is not None and count <= maximum:
        return count
    ignore(name)
    return 0


def ignore(name: str) -> None:
    """Name the parameter that could not be read and take it out of the address."""
    st.query_params.pop(name, None)
    st.warning(t("address.ignored", name=name), icon=":material/link_off:")


Value = TypeVar("Value")


def _read(name: str, parse: Callable[[str], Value | None]) -> Value | None:
    if shared_link() is not None:  # a share link's address holds its token alone: nothing else is read
        return None
    raw = st.query_params.get(name)
    if not raw:
        return None
    value = parse(raw)
    if value is None:
        ignore(name)
    return value
