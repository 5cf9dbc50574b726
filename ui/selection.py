"""Choices made inside a page (a bar clicked in a chart, a table row, a "group by") kept in the
address, in words of no language, so a link or Back restores them as it restores the filters.

Streamlit cannot set a chart's or a table's selection from Python, so the address is read when the
person has not just changed the selection, and written when they have.

A share link's address carries its token alone: choices are neither read from it nor written to it,
so a parameter added to a link cannot open what the link did not show (clicks still work).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.page import RUN
from ui.session import shared_link

_LAST = "pulse_picked_{name}"  # (run, selection) as the element reported it when last drawn
_NOTHING = object()


def kept_in_address(name: str, picked: str | None) -> str | None:
    """The choice `name` to show: `picked` (what the element reports) when it changed since the last
    run, written to the address (`name=value`, or removed when cleared); otherwise the address's."""
    key, run = _LAST.format(name=name), st.session_state.get(RUN, 0)
    last_run, last = st.session_state.get(key, (None, _NOTHING))
    if last_run != run - 1:  # not drawn on the run before (another page was): Streamlit reset it
        last = _NOTHING
    st.session_state[key] = (run, picked)
    if shared_link() is not None:
        return picked
    if picked != last and not (last is _NOTHING and picked is None):
        if picked is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = picked
        return picked
    return st.query_params.get(name) or None


def choice_key(name: str, options: Sequence[str], *, default: str | None) -> str:
    """The key of a widget whose choice lives in the address as `name=code`: its state is set from
    the address on every run (Back, a link), and `choice_changed` writes a person's change back.
    Codes, never labels, go into the address, so a link reads the same in every language (a bound
    widget would write its displayed label)."""
    key = f"pulse_choice_{name}"
    if shared_link() is not None:  # a link's address adds nothing; the widget keeps its own state
        st.session_state.setdefault(key, default)
        return key
    asked = st.query_params.get(name)
    st.session_state[key] = asked if asked in options else default
    return key


def choices_key(name: str, options: Sequence[str], *, default: Sequence[str] = ()) -> str:
    """As choice_key, for a multiselect: `name=new,triaged` (codes in the options' order), `name=`
    for none chosen, no parameter for the default."""
    key = f"pulse_choice_{name}"
    if shared_link() is not None:
        st.session_state.setdefault(key, list(default))
        return key
    asked = st.query_params.get(name)
    if asked is None:
        st.session_state[key] = list(default)
    else:
        wanted = set(asked.split(","))
        st.session_state[key] = [option for option in options if option in wanted]
    return key


def text_key(name: str) -> str:
    """As choice_key, for words a person types (a search): `name=words`, no parameter when empty."""
    key = f"pulse_choice_{name}"
    if shared_link() is not None:
        st.session_state.setdefault(key, "")
        return key
    st.session_state[key] = st.query_params.get(name) or ""
    return key


def choice_changed(name: str) -> None:
    """on_change of a choice_key or choices_key widget: the address follows the widget (not a share
    link's)."""
    if shared_link() is not None:
        return
    value = st.session_state.get(f"pulse_choice_{name}")
    if value is None or value == "":
        st.query_params.pop(name, None)
    elif isinstance(value, list):
        st.query_params[name] = ",".join(str(option) for option in value)
    else:
        st.query_params[name] = str(value)
