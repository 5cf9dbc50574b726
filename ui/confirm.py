"""A confirmation before a change that is hard to take back (merging feedback, revoking a link): the
first press only asks (`ask`); the question, with its confirm and cancel buttons, is drawn where the
page calls `confirmed`, which is True on the run the person confirms. What was asked about is kept
in the session meanwhile, so a rerun (a filter changed, another widget) does not lose or apply it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.i18n import t

_PENDING = "pulse_confirm_{name}"


def ask(name: str, what: Any) -> None:
    """Ask before doing `what` (kept until confirmed or cancelled); the next run shows the question."""
    st.session_state[_PENDING.format(name=name)] = what


def pending(name: str) -> Any:
    """What is waiting for confirmation under `name`, or None."""
    return st.session_state.get(_PENDING.format(name=name))


def cancel(name: str) -> None:
    st.session_state.pop(_PENDING.format(name=name), None)


def confirmed(name: str, question: str, *, confirm: str) -> Any:
    """The question (markdown: quote person-written words through ui.tables.plain) with confirm and
    cancel buttons, while something is pending under `name`; returns it on the run the person
    confirms (and forgets it), else None."""
    what = pending(name)
    if what is None:
        return None
    with st.container(border=True):
        st.warning(question, icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 2])
        if yes.button(confirm, type="primary", key=f"{name}_confirm"):
            cancel(name)
            return what
        if no.button(t("confirm.cancel"), key=f"{name}_cancel"):
            cancel(name)
            st.rerun()
    return None
