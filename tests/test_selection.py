"""Choices made inside a page kept in the address: a click writes it, a link or Back restores it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from ui.page import mark_entry
    from ui.selection import kept_in_address

    mark_entry()  # as app.py does on every run
    if not st.session_state.get("elsewhere"):  # a run of another page does not draw the chart
        st.write(repr(kept_in_address("group", st.session_state.get("clicked"))))


def shown(at: AppTest) -> str:
    return at.run().markdown[0].value


def test_a_selection_is_written_when_made_and_read_from_the_address_otherwise():
    at = AppTest.from_function(_page)
    at.query_params["group"] = "partner"  # a link
    assert shown(at) == "'partner'"
    at.session_state["clicked"] = "social"  # a bar clicked
    assert shown(at) == "'social'" and at.query_params["group"] == "social"
    assert shown(at) == "'social'"  # a rerun for something else keeps it
    at.session_state["clicked"] = None  # the selection cleared in the chart
    assert shown(at) == "None" and "group" not in at.query_params
    at.query_params["group"] = "social"  # Back
    assert shown(at) == "'social'"
    at.session_state["clicked"] = "partner"
    assert shown(at) == "'partner'"
    at.session_state["elsewhere"] = True  # another page; coming back, Streamlit has reset the chart
    at.run()
    at.session_state["elsewhere"], at.session_state["clicked"] = False, None
    assert shown(at) == "'partner'" and at.query_params["group"] == "partner"


def _choice() -> None:
    import streamlit as st

    from ui.selection import choice_changed, choice_key

    picked = st.segmented_control(
        "By",
        ("channel", "region"),
        key=choice_key("by", ("channel", "region"), default="channel"),
        on_change=choice_changed,
        args=("by",),
    )
    st.write(picked)


def test_a_choice_lives_in_the_address_in_words_of_no_language():
    at = AppTest.from_function(_choice)
    assert at.run().markdown[0].value == "channel" and "by" not in at.query_params
    at.button_group[0].set_value("region").run()
    assert at.markdown[0].value == "region" and at.query_params["by"] == "region"
    at.query_params["by"] = "channel"  # Back
    assert at.run().markdown[0].value == "channel"
    at.query_params["by"] = "nonsense"
    assert at.run().markdown[0].value == "channel"
